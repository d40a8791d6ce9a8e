//! What the API and browser test binaries share: the test registries, the admin token, the
//! settings a test service starts with, and the PostgreSQL a service may store in
//! (`postgres.rs`: a throwaway cluster; `failover.rs`: a pg_auto_failover formation). Each
//! binary includes this file with
//! `#[path = "../common/mod.rs"] mod common;` and spawns the service its own way (the API tests
//! on the test's runtime, the browser tests on a thread of their own).

// Each binary uses part of it.
#![allow(dead_code)]

pub mod failover;
pub mod postgres;
pub mod tools;

use std::path::{Path, PathBuf};
use std::process::Child;
use std::time::{Duration, Instant};

use consentry::admin_token::AdminToken;
use consentry::settings::Settings;

/// How long a visitor-visible effect may take, or a helper server to start.
pub const SOON: Duration = Duration::from_secs(10);

/// The repository's own registry: what a new admin starts from.
pub const REPO_COOKIES: &str = include_str!("../../cookies.toml");

/// The admin token every test service opens its admin API with.
pub const ADMIN_TOKEN: &str = "test-admin-token";

/// A small registry for tests that need exact control.
pub const SMALL: &str = r#"
[site]
name = "Example"
url = "https://www.example.com"
origins = ["https://www.example.com"]
languages = ["en", "fr"]

[[category]]
id = "necessary"
title = "Necessary"
description = "Needed for the site to work."
required = true

[[category]]
id = "analytics"
title = { en = "Analytics", fr = "Mesure d'audience" }
description = "Counts visits."
google_consent = ["analytics_storage"]

[[cookie]]
name = "sid"
category = "necessary"
purpose = "Keeps your session."
expires = "session"

[[cookie]]
name = "_ga"
category = "analytics"
provider = "Google Analytics"
purpose = { en = "Distinguishes visitors.", fr = "Distingue les visiteurs." }
expires = "13 months"
privacy_url = "https://policies.google.com/privacy"
"#;

/// A loopback port nobody listens on now (bound, then let go), for a helper server.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// `text`, a deployment file of the repository (`file`), with each `(from, to)` swapped for the
/// test's ports and paths; a `from` it no longer has fails the test, so the file as operators
/// copy it cannot drift from what its test runs.
pub fn swapped(file: &str, text: &str, swaps: &[(&str, String)]) -> String {
    let mut text = text.to_owned();
    for (from, to) in swaps {
        assert!(text.contains(from), "{file} no longer has {from:?}");
        text = text.replace(from, to);
    }
    text
}

/// A helper process stopped when the test ends, however it ends: SIGTERM first, so that a
/// server's master takes its workers with it (SIGKILL would leave them running, holding the
/// test's pipes), then SIGKILL after 5 s.
pub struct Running(pub Child);

impl Drop for Running {
    fn drop(&mut self) {
        // SAFETY: a signal to our own child process.
        unsafe { libc::kill(self.0.id() as libc::pid_t, libc::SIGTERM) };
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(5) {
            if let Ok(Some(_)) = self.0.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The origin of `SMALL`'s site, allowed to post decisions.
pub const SMALL_ORIGIN: &str = "https://www.example.com";

/// Writes `registry` as `dir/cookies.toml`; its path.
pub fn write_registry(dir: &Path, registry: &str) -> PathBuf {
    let config = dir.join("cookies.toml");
    std::fs::write(&config, registry).expect("write registry");
    config
}

/// The settings of a test service serving `registry` from `dir` on a free loopback port: the
/// admin API open with `ADMIN_TOKEN`, one worker (the machine is shared), then `adjust`.
pub fn test_settings(dir: &Path, registry: &str, adjust: impl FnOnce(&mut Settings)) -> Settings {
    let config = write_registry(dir, registry);
    let mut settings = Settings::new(&config, dir.join("data"), "127.0.0.1:0");
    settings.admin_token = Some(AdminToken::parse(ADMIN_TOKEN).expect("a sendable token"));
    settings.workers = Some(1);
    adjust(&mut settings);
    settings
}
