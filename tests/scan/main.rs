//! `consentry scan` (CONTRACT §5), run as a user runs it, on a fixture website of real servers
//! on loopback that embeds the real banner from a real service (`fixture.rs`). What the site
//! really sets is the table of `expected.rs`, which `fixture_itself.rs` checks in Chromium
//! without the scan; every other test holds the scan's report to it. The tests that need a
//! browser are ignored where Chromium is missing (with the command that installs it), unless
//! `CONSENTRY_BROWSER_TESTS=required` (see `build.rs`), as the banner's browser tests are.

#[path = "../common/mod.rs"]
mod common;

// The browser tests' parts the scan tests stand on: the website server, the service on its
// own thread, and the DevTools client the fixture is checked with.
#[path = "../browser/cdp.rs"]
#[allow(dead_code)]
mod cdp;
#[path = "../browser/cdp_commands.rs"]
#[allow(dead_code)]
mod cdp_commands;
#[path = "../browser/host.rs"]
mod host;
#[path = "../browser/service.rs"]
#[allow(dead_code)]
mod service;

mod check;
mod crawl;
mod expected;
mod failures;
mod fixture;
mod fixture_itself;
mod formats;
mod items;
mod run;
mod scheduled;
mod variants;
