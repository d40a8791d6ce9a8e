//! Where the tests' optional tools are looked for: Chromium, axe-core's npm module, nginx with
//! the openssl and curl its test drives it with, systemd-analyze, Node.js for the log's
//! independent verifier, and PostgreSQL with the haproxy and pg_auto_failover of the many-node
//! tests. `build.rs` includes this file too: a test whose tool is missing is compiled
//! `#[ignore]`d, with the install command as its reason, unless `CONSENTRY_BROWSER_TESTS=required`
//! (resp. `CONSENTRY_NGINX_TESTS=required` for the deployment tests: nginx and the systemd unit;
//! `CONSENTRY_PG_TESTS=required` for PostgreSQL's) says it must run; then it runs and fails on
//! the message of `Missing`.

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

/// PostgreSQL's server programs (`initdb`, `postgres`, and the `psql` and `pg_ctl` beside them):
/// the folder `CONSENTRY_PG_BIN` names, else Debian's of the highest version installed
/// (`/usr/lib/postgresql/<version>/bin`: Debian puts no `initdb` on PATH). The folder.
pub fn postgres() -> Result<PathBuf, Missing> {
    const INSTALL: &str =
        "apt-get install -y postgresql, or name its bin folder with CONSENTRY_PG_BIN=/path/to/bin";
    let named = std::env::var_os("CONSENTRY_PG_BIN").filter(|p| !p.is_empty());
    let (folders, named_by) = match named {
        Some(folder) => (vec![PathBuf::from(folder)], Some("CONSENTRY_PG_BIN")),
        None => (debian_postgres_bins(), None),
    };
    let complete = |folder: &&PathBuf| {
        ["initdb", "postgres"]
            .iter()
            .all(|p| folder.join(p).is_file())
    };
    match folders.iter().find(complete) {
        Some(found) => Ok(found.clone()),
        None if folders.is_empty() => Err(Missing {
            tool: "PostgreSQL",
            looked_at: vec![PathBuf::from("/usr/lib/postgresql/<version>/bin/initdb")],
            named_by,
            install: INSTALL,
        }),
        None => Err(Missing {
            tool: "PostgreSQL",
            looked_at: folders.iter().map(|f| f.join("initdb")).collect(),
            named_by,
            install: INSTALL,
        }),
    }
}

/// `/usr/lib/postgresql/<version>/bin` of each version installed, highest first.
fn debian_postgres_bins() -> Vec<PathBuf> {
    let version = |name: &str| -> Option<Vec<u32>> {
        name.split('.').map(|part| part.parse().ok()).collect()
    };
    let mut versions: Vec<(Vec<u32>, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let number = version(entry.file_name().to_str()?)?;
            Some((number, entry.path().join("bin")))
        })
        .collect();
    versions.sort_by(|a, b| b.0.cmp(&a.0));
    versions.into_iter().map(|(_, bin)| bin).collect()
}

/// haproxy, the load balancer of the many-node tests: `CONSENTRY_HAPROXY`, else Debian's.
pub fn haproxy() -> Result<PathBuf, Missing> {
    find(
        "haproxy",
        Some("CONSENTRY_HAPROXY"),
        in_bin_dirs(&["haproxy"]),
        "apt-get install -y haproxy",
    )
}

/// pg_auto_failover's `pg_autoctl`, which runs the failover test's monitor and nodes.
pub fn pg_autoctl() -> Result<PathBuf, Missing> {
    find(
        "pg_autoctl",
        Some("CONSENTRY_PG_AUTOCTL"),
        in_bin_dirs(&["pg_autoctl"]),
        "apt-get install -y pg-auto-failover-cli",
    )
}

/// pg_auto_failover's extension, built for the PostgreSQL of `bin` (`postgres()`'s folder):
/// Debian keeps it in the version's `lib` beside `bin`.
pub fn pg_auto_failover_extension(bin: &Path) -> Result<PathBuf, Missing> {
    let version = bin
        .parent()
        .and_then(Path::file_name)
        .and_then(|v| v.to_str())
        .unwrap_or("<version>");
    let library = bin.with_file_name("lib").join("pgautofailover.so");
    let install = format!("apt-get install -y postgresql-{version}-auto-failover");
    find(
        "pg_auto_failover's extension",
        None,
        vec![library],
        // Missing's install is static: one short string per process that lacks it.
        Box::leak(install.into_boxed_str()),
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
pub const VARIABLES: [&str; 8] = [
    "CONSENTRY_CHROMIUM",
    "CONSENTRY_AXE",
    "CONSENTRY_NGINX",
    "CONSENTRY_SYSTEMD_ANALYZE",
    "CONSENTRY_PG_BIN",
    "CONSENTRY_HAPROXY",
    "CONSENTRY_PG_AUTOCTL",
    "CONSENTRY_NODE",
];
