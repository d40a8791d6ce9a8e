//! Where the tests' optional tools are looked for: Chromium, axe-core's npm module, nginx with
//! the openssl and curl its test drives it with, systemd-analyze, and Node.js for the log's
//! independent verifier. `build.rs` includes this file too: a test
//! whose tool is missing is compiled `#[ignore]`d, with the install command as its reason, unless
//! `CONSENTRY_BROWSER_TESTS=required` (resp. `CONSENTRY_NGINX_TESTS=required` for the deployment
//! tests: nginx and the systemd unit) says it must run;
//! then it runs and fails on the message of `Missing`.

// build.rs and each test binary use part of it.
#![allow(dead_code)]

use std::fmt;
use std::path::{Path, PathBuf};

/// A tool the tests need and did not find: where it was looked for, and how to install it.
pub struct Missing {
    pub tool: &'static str,
    pub looked_at: Vec<PathBuf>,
    /// The environment variable that named the one place looked at, if one did.
    pub named_by: Option<&'static str>,
    pub install: &'static str,
}

impl fmt::Display for Missing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let looked: Vec<String> = self
            .looked_at
            .iter()
            .map(|p| p.display().to_string())
            .collect();
        let named = self
            .named_by
            .map_or(String::new(), |v| format!(", named by {v}"));
        write!(
            f,
            "{} is missing (looked for {}{named}): {}",
            self.tool,
            looked.join(", "),
            self.install
        )
    }
}

/// The folders a tool is looked for in, when no environment variable names it.
const BIN_DIRS: [&str; 4] = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin"];

/// The file `variable` names (and only it: a typo must not fall back to another browser), else
/// the first of `candidates` that exists.
fn find(
    tool: &'static str,
    variable: Option<&'static str>,
    candidates: Vec<PathBuf>,
    install: &'static str,
) -> Result<PathBuf, Missing> {
    let named = variable.and_then(|v| std::env::var_os(v).filter(|p| !p.is_empty()));
    let (looked_at, named_by) = match named {
        Some(named) => (vec![PathBuf::from(named)], variable),
        None => (candidates, None),
    };
    match looked_at.iter().find(|p| p.is_file()) {
        Some(found) => Ok(found.clone()),
        None => Err(Missing {
            tool,
            looked_at,
            named_by,
            install,
        }),
    }
}

fn in_bin_dirs(names: &[&str]) -> Vec<PathBuf> {
    BIN_DIRS
        .iter()
        .flat_map(|dir| names.iter().map(move |name| Path::new(dir).join(name)))
        .collect()
}

/// The browser: `CONSENTRY_CHROMIUM`, else Debian's `chromium` or a Chrome.
pub fn chromium() -> Result<PathBuf, Missing> {
    find(
        "Chromium",
        Some("CONSENTRY_CHROMIUM"),
        in_bin_dirs(&[
            "chromium",
            "chromium-browser",
            "google-chrome",
            "google-chrome-stable",
        ]),
        "apt-get install -y chromium, or name a browser with CONSENTRY_CHROMIUM=/path/to/chrome",
    )
}

/// axe-core's script, installed from npm (pinned in `tests/browser/package-lock.json`);
/// `root` is the repository (`CARGO_MANIFEST_DIR`).
pub fn axe(root: &Path) -> Result<PathBuf, Missing> {
    let script = root.join("tests/browser/node_modules/axe-core/axe.min.js");
    find(
        "axe-core",
        Some("CONSENTRY_AXE"),
        vec![script],
        "npm ci --prefix tests/browser (npm: apt-get install -y npm)",
    )
}

/// nginx: `CONSENTRY_NGINX`, else Debian's.
pub fn nginx() -> Result<PathBuf, Missing> {
    find(
        "nginx",
        Some("CONSENTRY_NGINX"),
        in_bin_dirs(&["nginx"]),
        "apt-get install -y nginx",
    )
}

/// openssl, which makes the nginx test's certificate.
pub fn openssl() -> Result<PathBuf, Missing> {
    find(
        "openssl",
        None,
        in_bin_dirs(&["openssl"]),
        "apt-get install -y openssl",
    )
}

/// curl, the nginx test's TLS client.
pub fn curl() -> Result<PathBuf, Missing> {
    find(
        "curl",
        None,
        in_bin_dirs(&["curl"]),
        "apt-get install -y curl",
    )
}

/// systemd-analyze, which checks the systemd unit of `deploy/` (it needs no running systemd).
pub fn systemd_analyze() -> Result<PathBuf, Missing> {
    find(
        "systemd-analyze",
        Some("CONSENTRY_SYSTEMD_ANALYZE"),
        in_bin_dirs(&["systemd-analyze"]),
        "apt-get install -y systemd",
    )
}

/// Node.js, which runs the consent log's independent verifier (`tests/verifier/verify.mjs`).
pub fn node() -> Result<PathBuf, Missing> {
    find(
        "Node.js",
        Some("CONSENTRY_NODE"),
        in_bin_dirs(&["node", "nodejs"]),
        "apt-get install -y nodejs",
    )
}

/// Every environment variable the lookups above read.
pub const VARIABLES: [&str; 5] = [
    "CONSENTRY_CHROMIUM",
    "CONSENTRY_AXE",
    "CONSENTRY_NGINX",
    "CONSENTRY_SYSTEMD_ANALYZE",
    "CONSENTRY_NODE",
];
