//! What `consentry serve` refuses to start with, and what it tolerates, run as the real binary.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::helpers::SMALL;

/// Runs `serve` with `args` on a fresh port; the exit status (None: still running after
/// `wait`, then killed) and what it printed to stderr.
fn serve(dir: &Path, args: &[&str], wait: Duration) -> (Option<i32>, String) {
    let config = dir.join("cookies.toml");
    std::fs::write(&config, SMALL).expect("write registry");
    let bind = if args.contains(&"--bind") {
        &[][..]
    } else {
        &["--bind", "127.0.0.1:0"][..]
    };
    let mut child = Command::new(env!("CARGO_BIN_EXE_consentry"))
        .arg("serve")
        .args(bind)
        .arg("--config")
        .arg(&config)
        .arg("--data")
        .arg(dir.join("data"))
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("waits") {
            break status.code();
        }
        if started.elapsed() > wait {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut stderr = String::new();
    if let Some(mut err) = child.stderr.take() {
        let _ = std::io::Read::read_to_string(&mut err, &mut stderr);
    }
    (status, stderr)
}

#[test]
fn a_retention_of_zero_days_is_refused_at_start_with_what_it_would_do() {
    let dir = tempfile::tempdir().expect("temp dir");

    let (status, stderr) = serve(
        dir.path(),
        &["--retention-days", "0"],
        Duration::from_secs(10),
    );

    assert_eq!(status, Some(1), "{stderr}");
    assert!(
        stderr.contains("--retention-days 0 would delete every consent record"),
        "{stderr}"
    );
    assert!(!dir.path().join("data").exists(), "nothing was opened");
}

#[test]
fn a_retention_under_30_days_needs_the_explicit_override() {
    let dir = tempfile::tempdir().expect("temp dir");

    let (refused, stderr) = serve(
        dir.path(),
        &["--retention-days", "7"],
        Duration::from_secs(10),
    );
    let (allowed, _) = serve(
        dir.path(),
        &["--retention-days", "7", "--allow-short-retention"],
        Duration::from_secs(2),
    );
    let (zero, _) = serve(
        dir.path(),
        &["--retention-days", "0", "--allow-short-retention"],
        Duration::from_secs(10),
    );

    assert_eq!(refused, Some(1));
    assert!(stderr.contains("--allow-short-retention"), "{stderr}");
    assert_eq!(allowed, None, "it serves");
    assert_eq!(zero, Some(1), "no override makes 0 days valid");
}

#[test]
fn a_retention_too_long_for_a_date_is_refused_at_start_not_in_the_upkeep_thread() {
    let dir = tempfile::tempdir().expect("temp dir");

    let (status, stderr) = serve(
        dir.path(),
        &["--retention-days", "99999999"],
        Duration::from_secs(10),
    );

    assert_eq!(status, Some(1), "{stderr}");
    assert!(stderr.contains("over 36500 days"), "{stderr}");
}

#[test]
fn a_format_file_with_crlf_or_no_final_newline_still_opens() {
    for written in [
        "consentry-store 1",
        "consentry-store 1\r\n",
        " consentry-store 1\n\n",
        "consentry-store 2\r\n",
    ] {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir_all(dir.path().join("data")).expect("data folder");
        std::fs::write(dir.path().join("data/FORMAT"), written).expect("FORMAT");

        let (status, stderr) = serve(dir.path(), &[], Duration::from_secs(2));

        assert_eq!(status, None, "{written:?} refused: {stderr}");
    }
}

#[test]
fn a_new_data_folder_gets_a_whole_format_file_and_no_temporary_one() {
    let dir = tempfile::tempdir().expect("temp dir");

    let (status, _) = serve(dir.path(), &[], Duration::from_secs(2));

    assert_eq!(status, None);
    let format = std::fs::read_to_string(dir.path().join("data/FORMAT")).expect("FORMAT");
    assert_eq!(format, "consentry-store 2\n");
    let names: Vec<String> = std::fs::read_dir(dir.path().join("data"))
        .expect("listed")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(!names.iter().any(|n| n.ends_with(".tmp")), "{names:?}");
}

#[test]
fn a_format_of_another_version_is_still_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir_all(dir.path().join("data")).expect("data folder");
    std::fs::write(dir.path().join("data/FORMAT"), "consentry-store 9\n").expect("FORMAT");

    let (status, stderr) = serve(dir.path(), &[], Duration::from_secs(10));

    assert_eq!(status, Some(1));
    assert!(stderr.contains("consentry-store 9"), "{stderr}");
}

#[test]
fn a_service_that_cannot_listen_leaves_no_data_folder() {
    let dir = tempfile::tempdir().expect("temp dir");
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
    let port = taken.local_addr().expect("bound").port();

    let (status, stderr) = serve(
        dir.path(),
        &["--bind", &format!("127.0.0.1:{port}")],
        Duration::from_secs(10),
    );

    assert_eq!(status, Some(1), "{stderr}");
    assert!(stderr.contains("cannot listen on"), "{stderr}");
    assert!(!dir.path().join("data").exists(), "no data folder was made");
}

#[test]
fn every_serve_flag_can_come_from_the_environment() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("site.toml");
    std::fs::write(&config, SMALL).expect("write registry");
    let run = |env: &[(&str, String)]| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_consentry"));
        command
            .arg("serve")
            .env("CONSENTRY_CONFIG", &config)
            .env("CONSENTRY_DATA", dir.path().join("from-env"))
            .env("CONSENTRY_BIND", "127.0.0.1:0")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in env {
            command.env(k, v);
        }
        command.spawn().expect("the binary starts")
    };

    let mut serving = run(&[]);
    let mut stdout = std::io::BufReader::new(serving.stdout.take().expect("stdout"));
    let mut first = String::new();
    std::io::BufRead::read_line(&mut stdout, &mut first).expect("a line");
    let refused = run(&[("CONSENTRY_RETENTION_DAYS", "0".to_owned())])
        .wait_with_output()
        .expect("exits");
    let _ = serving.kill();
    let _ = serving.wait();

    assert!(first.contains("Consentry is running"), "{first}");
    assert!(
        dir.path().join("from-env/FORMAT").exists(),
        "CONSENTRY_DATA is used"
    );
    assert!(!dir.path().join("data").exists());
    assert!(
        !refused.status.success(),
        "CONSENTRY_RETENTION_DAYS is read"
    );
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--retention-days 0"));
}

#[test]
fn export_defaults_to_the_data_folder_serve_uses() {
    let dir = tempfile::tempdir().expect("temp dir");

    let out = Command::new(env!("CARGO_BIN_EXE_consentry"))
        .arg("export")
        .current_dir(dir.path())
        .output()
        .expect("export runs");

    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("data holds no consent records"), "{stderr}");
}

#[test]
fn a_format_file_with_a_byte_order_mark_or_left_empty_by_a_crash_still_opens() {
    for written in ["\u{feff}consentry-store 1\n", "", "\n"] {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir_all(dir.path().join("data")).expect("data folder");
        std::fs::write(dir.path().join("data/FORMAT"), written).expect("FORMAT");

        let (status, stderr) = serve(dir.path(), &[], Duration::from_secs(2));

        assert_eq!(status, None, "{written:?} refused: {stderr}");
        let now = std::fs::read_to_string(dir.path().join("data/FORMAT")).expect("FORMAT");
        assert_eq!(now, "consentry-store 2\n", "{written:?}");
    }
}

#[test]
fn trusted_proxies_without_trusting_forwarded_headers_is_refused_at_start() {
    let dir = tempfile::tempdir().expect("temp dir");

    let (status, stderr) = serve(
        dir.path(),
        &["--trusted-proxy", "10.0.0.1"],
        Duration::from_secs(10),
    );

    assert_eq!(status, Some(1), "{stderr}");
    assert!(stderr.contains("--trust-forwarded-for"), "{stderr}");
}
