//! A scan that cannot run exits 2 with a message that says what is wrong and where: no answer
//! from the start URL, a broken registry, no browser (CONTRACT §5). The last two need no
//! browser, and run everywhere.

use std::ffi::OsString;
use std::path::Path;

use crate::common::write_registry;
use crate::host::{HostSite, Resource};
use crate::run::{Outcome, consentry, scan_with};

/// A registry for `origin`, as valid as `consentry check` wants it.
fn registry_for(origin: &str) -> String {
    format!(
        r#"[site]
name = "Somewhere"
url = "{origin}"
origins = ["{origin}"]

[[category]]
id = "necessary"
title = "Necessary"
description = "Needed for the site to work."
required = true
"#
    )
}

/// A page on loopback that answers, so that only what the test breaks can fail.
fn answering_site() -> HostSite {
    let site = HostSite::start();
    site.serve(
        "/",
        Resource::html("<!doctype html><title>Up</title><p>Up.</p>"),
    );
    site
}

fn scan_args(url: &str, config: &Path, extra: &[&str]) -> Vec<OsString> {
    let mut args: Vec<OsString> = vec!["scan".into(), url.into(), "--config".into(), config.into()];
    args.extend(extra.iter().map(OsString::from));
    args
}

#[track_caller]
fn assert_exit_2_saying(outcome: &Outcome, words: &[&str]) {
    assert_eq!(outcome.code, Some(2), "{}", outcome.describe());
    let said = format!("{}{}", outcome.stderr, outcome.stdout);
    for word in words {
        assert!(
            said.contains(word),
            "the message does not say {word:?}:\n{said}"
        );
    }
}

#[test]
#[cfg_attr(
    not(chromium_tests),
    ignore = "no Chromium: apt-get install -y chromium"
)]
fn a_start_url_that_does_not_answer_exits_2_naming_it() {
    // A port just freed: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let url = format!("http://127.0.0.1:{port}/");
    let dir = tempfile::tempdir().expect("temp dir");
    let config = write_registry(
        dir.path(),
        &registry_for(&format!("http://127.0.0.1:{port}")),
    );
    let outcome = scan_with(&url, &config, 5, &["--format", "json"]);
    assert_exit_2_saying(&outcome, &[&format!("127.0.0.1:{port}")]);
}

#[test]
fn a_broken_registry_exits_2_naming_the_file_line_and_column() {
    let site = answering_site();
    let dir = tempfile::tempdir().expect("temp dir");
    // Line 10: a misspelt key, which the loader refuses (CONTRACT §1).
    let broken = registry_for(&site.origin()).replace("required = true", "requierd = true");
    let config = write_registry(dir.path(), &broken);
    let outcome = consentry(
        &scan_args(&format!("{}/", site.origin()), &config, &[]),
        &[("CONSENTRY_CHROMIUM", chromium_or_none())],
    );
    let path = config.display().to_string();
    assert_exit_2_saying(&outcome, &[&path, ":10:", "requierd"]);
    assert_eq!(
        site.hits("/"),
        0,
        "the site was visited with a broken registry"
    );
}

#[test]
fn a_missing_browser_exits_2_saying_how_to_install_one() {
    let site = answering_site();
    let dir = tempfile::tempdir().expect("temp dir");
    let config = write_registry(dir.path(), &registry_for(&site.origin()));
    let url = format!("{}/", site.origin());

    let named = consentry(
        &scan_args(&url, &config, &[]),
        &[("CONSENTRY_CHROMIUM", "/nonexistent/chromium".into())],
    );
    assert_exit_2_saying(&named, &["/nonexistent/chromium", "install"]);

    // The flag wins over the environment.
    let flagged = consentry(
        &scan_args(
            &url,
            &config,
            &["--chromium", "/nonexistent/flagged-chromium"],
        ),
        &[("CONSENTRY_CHROMIUM", chromium_or_none())],
    );
    assert_exit_2_saying(&flagged, &["/nonexistent/flagged-chromium", "install"]);
    assert_eq!(
        site.hits("/"),
        0,
        "something visited the site without a browser"
    );
}

/// The tests' browser where there is one (so that only the registry can be at fault), else a
/// path that is none.
fn chromium_or_none() -> OsString {
    crate::common::tools::chromium().map_or_else(
        |_| "/nonexistent/chromium".into(),
        |found| found.into_os_string(),
    )
}
