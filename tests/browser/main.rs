//! The banner in a real headless Chromium: what a visitor sees and does, and what the service
//! then keeps. Each test has its own service, website and browser profile. Where no Chromium is
//! installed the tests are ignored, with the command that installs it as the reason (`build.rs`),
//! unless `CONSENTRY_BROWSER_TESTS=required`, which makes them run and fail on what is missing.

#[path = "../common/mod.rs"]
mod common;

mod accessibility;
mod admin;
mod cdp;
mod cdp_commands;
mod consent_mode;
mod csp;
mod dashboard;
mod dashboard_charts;
mod dashboard_log;
mod decisions;
mod discovery;
mod discovery_dashboard;
mod first_layer;
mod front;
mod gpc;
mod harness;
mod host;
mod keyboard;
mod receipt;
mod retries;
mod retries_refused;
mod revisits;
mod screenshots;
mod service;
mod site;
mod store_outage;
mod tags;
mod visitor;
mod withdrawal;
