//! The systemd unit of `deploy/`: what it names is what the binary reads, the paths agree with
//! the directories systemd makes and with `deploy/nginx.conf`, its environment starts the
//! service, and `systemd-analyze verify` finds nothing to say about it.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::helpers::SMALL;

const UNIT: &str = include_str!("../../deploy/consentry.service");
const NGINX: &str = include_str!("../../deploy/nginx.conf");

/// The `[Service]` section's settings, in order, without comments.
fn service_settings() -> Vec<(&'static str, &'static str)> {
    UNIT.lines()
        .skip_while(|l| l.trim() != "[Service]")
        .skip(1)
        .take_while(|l| !l.starts_with('['))
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| l.split_once('=').expect("key=value"))
        .collect()
}

fn setting(key: &str) -> &'static str {
    let found: Vec<&str> = service_settings()
        .into_iter()
        .filter(|(k, _)| *k == key)
        .map(|(_, v)| v)
        .collect();
    assert_eq!(found.len(), 1, "one {key}= in the unit: {found:?}");
    found[0]
}

/// `Environment=NAME=value` settings.
fn environment() -> Vec<(&'static str, &'static str)> {
    service_settings()
        .into_iter()
        .filter(|(k, _)| *k == "Environment")
        .map(|(_, v)| v.split_once('=').expect("NAME=value"))
        .collect()
}

fn variable(name: &str) -> &'static str {
    environment()
        .into_iter()
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v)
        .unwrap_or_else(|| panic!("the unit sets no {name}"))
}

#[test]
fn the_unit_names_what_serve_reads_where_systemd_and_nginx_put_it() {
    let help = Command::new(env!("CARGO_BIN_EXE_consentry"))
        .args(["serve", "--help"])
        .output()
        .expect("help");
    let help = String::from_utf8_lossy(&help.stdout).into_owned();
    let config_dir = format!("/etc/{}/", setting("ConfigurationDirectory"));

    for (name, _) in environment() {
        assert!(
            help.contains(&format!("[env: {name}=")),
            "serve does not read {name}:\n{help}"
        );
    }
    assert_eq!(
        variable("CONSENTRY_DATA"),
        format!("/var/lib/{}", setting("StateDirectory"))
    );
    assert!(variable("CONSENTRY_CONFIG").starts_with(&config_dir));
    let token_file = setting("EnvironmentFile").trim_start_matches('-');
    assert!(token_file.starts_with(&config_dir), "{token_file}");
    assert!(
        NGINX.contains(&format!("server {};", variable("CONSENTRY_BIND"))),
        "nginx proxies to the address the unit binds"
    );
    assert_eq!(setting("ExecStart"), "/usr/local/bin/consentry serve");
}

#[test]
fn the_units_environment_starts_the_service() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("cookies.toml");
    std::fs::write(&config, SMALL).expect("registry");
    let data = dir.path().join("state");
    let mut command = Command::new(env!("CARGO_BIN_EXE_consentry"));
    let args = setting("ExecStart").split_whitespace().skip(1);
    command.args(args).env("NO_COLOR", "1");
    // The unit's environment as it is, but for the machine's paths and port.
    for (name, value) in environment() {
        let value = match name {
            "CONSENTRY_DATA" => data.display().to_string(),
            "CONSENTRY_CONFIG" => config.display().to_string(),
            "CONSENTRY_BIND" => "127.0.0.1:0".to_owned(),
            _ => value.to_owned(),
        };
        command.env(name, value);
    }
    let mut child = command
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starts");
    let mut lines = BufReader::new(child.stderr.take().expect("stderr")).lines();
    let started = Instant::now();
    let mut seen = Vec::new();
    let line = loop {
        let Some(Ok(line)) = lines.next() else {
            break None;
        };
        if line.contains("started: listening on") {
            break Some(line);
        }
        seen.push(line);
        if started.elapsed() > Duration::from_secs(10) {
            break None;
        }
    };
    let _ = child.kill();
    let _ = child.wait();

    let line = line.unwrap_or_else(|| panic!("did not start: {seen:?}"));
    assert!(line.contains(&data.display().to_string()), "{line}");
}

#[test]
#[cfg_attr(
    not(systemd_tests),
    ignore = "no systemd-analyze: apt-get install -y systemd"
)]
fn systemd_analyze_verify_finds_nothing_to_say_about_the_unit() {
    let analyze = crate::common::tools::systemd_analyze().unwrap_or_else(|m| panic!("{m}"));
    let dir = tempfile::tempdir().expect("temp dir");
    let unit = dir.path().join("consentry.service");
    // verify checks that the binary exists: the one just built stands in for the installed one.
    let text = UNIT.replace("/usr/local/bin/consentry", env!("CARGO_BIN_EXE_consentry"));
    std::fs::write(&unit, text).expect("unit");

    let out = Command::new(analyze)
        .arg("verify")
        .arg(&unit)
        .output()
        .expect("runs");

    let said = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{said}");
    assert!(said.trim().is_empty(), "{said}");
}
