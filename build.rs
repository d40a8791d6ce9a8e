//! Marks the tests whose tool this machine lacks, so that they show as `ignored` with the
//! install command instead of passing without running: `cfg(chromium_tests)`, `cfg(axe_tests)`,
//! `cfg(nginx_tests)`, `cfg(systemd_tests)` and `cfg(node_tests)` are set where Chromium,
//! axe-core's npm module, nginx (with openssl and curl), systemd-analyze and Node.js (the log's
//! independent verifier) are found (`tests/common/tools.rs` says
//! where), or where `CONSENTRY_BROWSER_TESTS=required` (resp. `CONSENTRY_NGINX_TESTS=required`,
//! for the deployment tests) says they must run, and then fail on what is missing. Likewise
//! `cfg(postgres_tests)` (PostgreSQL's server programs), `cfg(haproxy_tests)` (those and
//! haproxy, for the many-node tests) and `cfg(failover_tests)` (those and pg_auto_failover),
//! all three under `CONSENTRY_PG_TESTS=required`.

#[path = "tests/common/tools.rs"]
mod tools;

use std::path::{Path, PathBuf};

fn main() {
    for cfg in [
        "chromium_tests",
        "axe_tests",
        "nginx_tests",
        "systemd_tests",
        "postgres_tests",
        "haproxy_tests",
        "failover_tests",
        "node_tests",
    ] {
        println!("cargo::rustc-check-cfg=cfg({cfg})");
    }
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-changed=tests/common/tools.rs");
    for variable in tools::VARIABLES.iter().chain(&[
        "CONSENTRY_BROWSER_TESTS",
        "CONSENTRY_NGINX_TESTS",
        "CONSENTRY_PG_TESTS",
    ]) {
        println!("cargo::rerun-if-env-changed={variable}");
    }
    let root = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let required = |variable| std::env::var(variable).is_ok_and(|v| v == "required");

    let chromium = watch(tools::chromium());
    if chromium || required("CONSENTRY_BROWSER_TESTS") {
        println!("cargo::rustc-cfg=chromium_tests");
    }
    if watch(tools::axe(&root)) || required("CONSENTRY_BROWSER_TESTS") {
        println!("cargo::rustc-cfg=axe_tests");
    }
    // Each is watched, so none may be skipped once one is missing.
    let nginx: Vec<bool> = [tools::nginx(), tools::openssl(), tools::curl()]
        .into_iter()
        .map(watch)
        .collect();
    if nginx.iter().all(|found| *found) || required("CONSENTRY_NGINX_TESTS") {
        println!("cargo::rustc-cfg=nginx_tests");
    }
    if watch(tools::systemd_analyze()) || required("CONSENTRY_NGINX_TESTS") {
        println!("cargo::rustc-cfg=systemd_tests");
    }
    if watch(tools::node()) || required("CONSENTRY_BROWSER_TESTS") {
        println!("cargo::rustc-cfg=node_tests");
    }

    let pg_required = required("CONSENTRY_PG_TESTS");
    let postgres = tools::postgres();
    let extension = match &postgres {
        Ok(bin) => watch(tools::pg_auto_failover_extension(bin)),
        Err(_) => false,
    };
    let postgres = watch_postgres(postgres);
    if postgres || pg_required {
        println!("cargo::rustc-cfg=postgres_tests");
    }
    // Each is watched, so neither may be skipped once the other is missing.
    let (haproxy, autoctl) = (watch(tools::haproxy()), watch(tools::pg_autoctl()));
    if (postgres && haproxy) || pg_required {
        println!("cargo::rustc-cfg=haproxy_tests");
    }
    if (postgres && autoctl && extension) || pg_required {
        println!("cargo::rustc-cfg=failover_tests");
    }
}

/// `watch` for PostgreSQL's folder. Where no version is installed at all, the nearest folder
/// is `/usr/lib`, which cargo would scan whole (tens of thousands of files) on every build:
/// `/usr/bin` is watched instead, where installing Debian's postgresql also adds its programs.
fn watch_postgres(found: Result<PathBuf, tools::Missing>) -> bool {
    match found {
        Err(missing)
            if missing.named_by.is_none() && !Path::new("/usr/lib/postgresql").is_dir() =>
        {
            println!("cargo::rerun-if-changed=/usr/bin");
            false
        }
        found => watch(found),
    }
}

/// True when the tool was found. Asks cargo to run this script again when what was found
/// changes, or when the tool appears where it was looked for: through the nearest existing
/// folders, since cargo takes a path that does not exist as changed on every build (and the
/// whole package would rebuild each time). A path an environment variable names is not
/// watched: changing the variable runs this again.
fn watch(found: Result<PathBuf, tools::Missing>) -> bool {
    let folders = match found {
        Ok(path) => {
            println!("cargo::rerun-if-changed={}", path.display());
            return true;
        }
        Err(missing) if missing.named_by.is_some() => return false,
        Err(missing) => missing.looked_at,
    };
    let mut watched: Vec<&Path> = Vec::new();
    for folder in folders.iter().filter_map(|p| nearest_folder(p)) {
        if !watched.contains(&folder) {
            println!("cargo::rerun-if-changed={}", folder.display());
            watched.push(folder);
        }
    }
    false
}

/// The nearest existing folder above `path`, short of `/` (which cargo would scan whole).
fn nearest_folder(path: &Path) -> Option<&Path> {
    path.ancestors()
        .skip(1)
        .find(|a| a.is_dir())
        .filter(|a| a.parent().is_some())
}
