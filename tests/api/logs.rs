//! What an operator reads in the log (stderr, as journald keeps it), from the real binary with
//! its stderr piped: no colour codes, one line per event, a start-up line that says what runs,
//! and a data folder already in use said in one sentence.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::helpers::SMALL;

/// How long a log line may take to appear.
const SOON: Duration = Duration::from_secs(10);

/// `consentry serve` on a free port, its stderr read line by line as it comes.
struct Serving {
    child: Child,
    port: u16,
    lines: mpsc::Receiver<String>,
    /// Every stderr line read so far.
    seen: Vec<String>,
}

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn command(dir: &Path, subcommand: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_consentry"));
    command
        .arg(subcommand)
        .arg("--data")
        .arg(dir.join("data"))
        .env_remove("NO_COLOR")
        .env("CONSENTRY_LOG", "info")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

fn serve(dir: &Path) -> Serving {
    serve_with(dir, &[])
}

/// `serve` with the environment variables `env`.
fn serve_with(dir: &Path, env: &[(&str, &str)]) -> Serving {
    let config = dir.join("cookies.toml");
    if !config.exists() {
        std::fs::write(&config, SMALL).expect("registry");
    }
    let mut child = command(dir, "serve")
        .args(["--bind", "127.0.0.1:0", "--config"])
        .arg(&config)
        .envs(env.iter().copied())
        .spawn()
        .expect("the binary starts");
    let (send, lines) = mpsc::channel();
    let stderr = child.stderr.take().expect("stderr");
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if send.send(line).is_err() {
                break;
            }
        }
    });
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let port = loop {
        let line = stdout.next().expect("an address").expect("text");
        if let Some(url) = line.trim().strip_prefix("demo page") {
            let port = url.trim().trim_end_matches('/').rsplit(':').next();
            break port.and_then(|p| p.parse().ok()).expect("a port");
        }
    };
    std::thread::spawn(move || stdout.for_each(drop));
    Serving {
        child,
        port,
        lines,
        seen: Vec::new(),
    }
}

impl Serving {
    /// The first line (seen or to come) that `wanted` accepts.
    fn line(&mut self, wanted: impl Fn(&str) -> bool) -> Option<String> {
        if let Some(line) = self.seen.iter().find(|l| wanted(l)) {
            return Some(line.clone());
        }
        let deadline = Instant::now() + SOON;
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            let Ok(line) = self.lines.recv_timeout(left) else {
                break;
            };
            self.seen.push(line.clone());
            if wanted(&line) {
                return Some(line);
            }
        }
        None
    }

    /// `GET path`, answered or not.
    fn get(&self, path: &str) {
        let mut stream = std::net::TcpStream::connect(("127.0.0.1", self.port)).expect("connects");
        write!(
            stream,
            "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
        )
        .expect("sent");
        let _ = stream.read_to_end(&mut Vec::new());
    }
}

/// A log event's line starts with its time and level (`2026-12-01T22:15:42.123456Z  INFO `).
fn is_event(line: &str) -> bool {
    let mut words = line.split_whitespace();
    let time = words.next().unwrap_or_default();
    let level = words.next().unwrap_or_default();
    time.len() > 20
        && time.as_bytes()[4] == b'-'
        && ["TRACE", "DEBUG", "INFO", "WARN", "ERROR"].contains(&level)
}

#[test]
fn the_log_holds_no_colour_codes_when_stderr_is_not_a_terminal() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut service = serve(dir.path());

    service.get("/healthz");
    let request = service.line(|l| l.contains("request") && l.contains("/healthz"));

    assert!(request.is_some(), "no request line: {:?}", service.seen);
    let coloured: Vec<&String> = service
        .seen
        .iter()
        .filter(|l| l.contains("\x1b["))
        .collect();
    assert!(coloured.is_empty(), "colour codes in a pipe: {coloured:?}");
}

#[test]
fn the_start_up_line_names_the_config_file_the_revision_the_store_and_the_address() {
    let dir = tempfile::tempdir().expect("temp dir");
    let revision = consentry::registry::parse("x", SMALL)
        .expect("SMALL is valid")
        .registry
        .revision;
    let mut service = serve(dir.path());
    let config = dir.path().join("cookies.toml").display().to_string();
    let data = dir.path().join("data").display().to_string();
    let address = format!("127.0.0.1:{}", service.port);

    let line = service.line(|l| l.contains(&address) && l.contains("revision"));

    let line = line.unwrap_or_else(|| panic!("no line names {address}: {:?}", service.seen));
    assert!(is_event(&line), "{line}");
    for part in [&config, &format!("revision {revision}"), &data] {
        assert!(
            line.contains(part.as_str()),
            "{part:?} missing from {line:?}"
        );
    }
}

#[test]
fn a_rejected_registry_edit_is_one_line_with_the_file_line_and_column_of_each_problem() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut service = serve(dir.path());
    let config = dir.path().join("cookies.toml");
    let broken = SMALL
        .replace("category = \"analytics\"", "categroy = \"analytics\"")
        .replace("[site]\n", "[site]\nnmae = \"Example\"\n");
    let label = config.display().to_string();
    let Err(report) = consentry::registry::parse(&label, &broken) else {
        panic!("the edit is broken");
    };
    let problems: Vec<String> = report
        .to_string()
        .lines()
        .map(|l| l.splitn(4, ':').take(3).collect::<Vec<_>>().join(":"))
        .collect();
    assert!(problems.len() >= 2, "two problems: {problems:?}");

    let swap = config.with_extension("toml.swp");
    std::fs::write(&swap, &broken).expect("edit");
    std::fs::rename(&swap, &config).expect("saved");
    let rejected = service.line(|l| l.contains("rejected"));
    // Whatever follows the rejection comes as events too, not as its continuation.
    service.get("/healthz");
    service.line(|l| l.contains("/healthz"));

    let rejected = rejected.unwrap_or_else(|| panic!("no rejection: {:?}", service.seen));
    for at in &problems {
        assert!(
            rejected.contains(at.as_str()),
            "{at} missing from {rejected:?}"
        );
    }
    let not_events: Vec<&String> = service.seen.iter().filter(|l| !is_event(l)).collect();
    assert!(
        not_events.is_empty(),
        "lines that are no event: {not_events:?}"
    );
}

/// `consentry <subcommand>` on the test's data folder: whether it failed, and its stderr.
fn refused(dir: &Path, subcommand: &str, extra: &[&str]) -> (bool, String) {
    let out = command(dir, subcommand)
        .args(extra)
        .output()
        .expect("the binary runs");
    (
        !out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_data_folder_in_use_says_so_in_one_sentence_with_the_pid_holding_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let service = serve(dir.path());
    let data: PathBuf = dir.path().join("data");
    let sentence = format!(
        "{} is in use by another consentry process (pid {})",
        data.display(),
        service.child.id()
    );
    let config = dir.path().join("cookies.toml").display().to_string();

    let (serve_failed, serve_said) = refused(
        dir.path(),
        "serve",
        &["--bind", "127.0.0.1:0", "--config", &config],
    );
    let (export_failed, export_said) = refused(dir.path(), "export", &[]);

    assert!(serve_failed, "{serve_said}");
    assert!(serve_said.contains(&sentence), "{serve_said}");
    assert_eq!(serve_said.trim().lines().count(), 1, "{serve_said}");
    assert!(export_failed, "{export_said}");
    assert!(export_said.contains(&sentence), "{export_said}");
    assert_eq!(export_said.trim().lines().count(), 1, "{export_said}");
    for said in [&serve_said, &export_said] {
        assert!(!said.contains("could not acquire lock"), "{said}");
    }
}

#[test]
fn with_log_format_json_every_line_is_one_json_object_with_time_level_and_message() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut service = serve_with(dir.path(), &[("CONSENTRY_LOG_FORMAT", "json")]);

    service.get("/healthz");
    service.get("/api/v1/consents/lnp0k3b2_9999999999_8888888888_7777777777");
    let history = service.line(|l| l.contains("{consent_id}"));

    assert!(history.is_some(), "no request line: {:?}", service.seen);
    let events: Vec<serde_json::Value> = service
        .seen
        .iter()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    for event in &events {
        let time = event["timestamp"].as_str().unwrap_or_default();
        assert!(
            time::OffsetDateTime::parse(time, &time::format_description::well_known::Rfc3339)
                .is_ok(),
            "{event}"
        );
        assert!(
            ["TRACE", "DEBUG", "INFO", "WARN", "ERROR"]
                .contains(&event["level"].as_str().unwrap_or_default()),
            "{event}"
        );
        assert!(event["message"].is_string(), "{event}");
    }
    let started = events.iter().find(|e| {
        e["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("started:"))
    });
    assert!(started.is_some(), "the start-up event: {events:?}");
    let request = events
        .iter()
        .find(|e| e["route"] == "/api/v1/consents/{consent_id}")
        .expect("the request event");
    assert_eq!(request["message"], "request");
    assert_eq!(request["method"], "GET");
    assert_eq!(request["status"], 404);
    assert!(
        !service
            .seen
            .iter()
            .any(|l| l.contains("lnp0k3b2_9999999999")),
        "a consent id in the log"
    );
}

#[test]
fn an_unknown_log_format_is_refused_at_start_naming_the_choices() {
    let dir = tempfile::tempdir().expect("temp dir");

    let from_env = command(dir.path(), "serve")
        .env("CONSENTRY_LOG_FORMAT", "xml")
        .output()
        .expect("the binary runs");
    let from_flag = command(dir.path(), "serve")
        .args(["--log-format", "yaml"])
        .output()
        .expect("the binary runs");

    for (out, value) in [(from_env, "xml"), (from_flag, "yaml")] {
        let said = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{said}");
        assert!(
            said.contains(&format!("invalid value '{value}' for '--log-format")),
            "{said}"
        );
        assert!(said.contains("text") && said.contains("json"), "{said}");
    }
    assert!(!dir.path().join("data").exists(), "nothing started");
}
