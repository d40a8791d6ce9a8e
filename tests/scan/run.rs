//! Running the real `consentry` binary as a user does, with a deadline, and the one full scan
//! of the fixture that most tests read.

use std::ffi::OsString;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::fixture::{Fixture, REACHABLE, Variant};

/// How long one run may take: the target is 45 s for the full site in release on this machine,
/// and tests run a debug build on a machine shared with other builds.
const DEADLINE: Duration = Duration::from_secs(300);

/// What a run printed and how it ended.
pub struct Outcome {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub took: Duration,
}

impl Outcome {
    /// The stdout as the one JSON document `--format json` prints.
    #[track_caller]
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not one JSON document ({e}); exit {:?}\nstdout: {}\nstderr: {}",
                self.code,
                shorten(&self.stdout),
                shorten(&self.stderr)
            )
        })
    }

    /// For messages: how it ended and what it said on stderr.
    pub fn describe(&self) -> String {
        format!(
            "exit {:?} after {:.1?}\nstderr: {}",
            self.code,
            self.took,
            shorten(&self.stderr)
        )
    }
}

/// Browsers (the scan's, or the fixture check's) one at a time: the machine has two cores.
pub fn one_browser_at_a_time() -> MutexGuard<'static, ()> {
    static TURN: Mutex<()> = Mutex::new(());
    TURN.lock().unwrap_or_else(|e| e.into_inner())
}

/// The browser the tests found at build time (`build.rs`); a scan is pointed at it.
pub fn chromium() -> PathBuf {
    crate::common::tools::chromium().unwrap_or_else(|missing| panic!("{missing}"))
}

/// Runs `consentry ARGS` with `env` added, killing it at the deadline.
pub fn consentry<S: Into<OsString> + Clone>(args: &[S], env: &[(&str, OsString)]) -> Outcome {
    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_consentry"))
        .args(args.iter().cloned().map(Into::into))
        .envs(env.iter().map(|(k, v)| (k, v)))
        .env_remove("CONSENTRY_CONFIG")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the consentry binary starts");
    // Drained while it runs, or a long report would block it on a full pipe.
    let drain = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut text = String::new();
            if let Some(mut pipe) = pipe {
                let _ = pipe.read_to_string(&mut text);
            }
            text
        })
    };
    let stdout = drain(child.stdout.take().map(|p| Box::new(p) as _));
    let stderr = drain(child.stderr.take().map(|p| Box::new(p) as _));
    let status = loop {
        if let Some(status) = child.try_wait().expect("waiting for consentry") {
            break status;
        }
        if started.elapsed() > DEADLINE {
            let _ = child.kill();
            let _ = child.wait();
            let stderr = stderr.join().unwrap_or_default();
            panic!(
                "consentry {:?} still ran after {DEADLINE:?}\nstderr: {}",
                args.iter()
                    .cloned()
                    .map(Into::into)
                    .collect::<Vec<OsString>>(),
                shorten(&stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    Outcome {
        code: status.code(),
        stdout: stdout.join().unwrap_or_default(),
        stderr: stderr.join().unwrap_or_default(),
        took: started.elapsed(),
    }
}

/// `consentry scan URL --config FILE --pages N EXTRA...` on `fixture`, with the tests' browser.
pub fn scan(fixture: &Fixture, pages: usize, extra: &[&str]) -> Outcome {
    scan_with(&fixture.start_url(), fixture.config(), pages, extra)
}

/// `consentry scan URL --config FILE --pages N EXTRA...`, with the tests' browser.
pub fn scan_with(url: &str, config: &Path, pages: usize, extra: &[&str]) -> Outcome {
    let mut args: Vec<OsString> = vec![
        "scan".into(),
        url.into(),
        "--config".into(),
        config.into(),
        "--pages".into(),
        pages.to_string().into(),
    ];
    args.extend(extra.iter().map(OsString::from));
    let _turn = one_browser_at_a_time();
    consentry(&args, &[("CONSENTRY_CHROMIUM", chromium().into())])
}

/// The full site, scanned once as JSON for every test that reads the report.
pub struct FullScan {
    pub fixture: Fixture,
    pub outcome: Outcome,
    pub report: Value,
}

/// The one JSON scan of the full site, made by the first test that asks; a scan that could not
/// run fails every test that asks, with its stderr.
pub fn full_scan() -> &'static FullScan {
    static SCANNED: OnceLock<Result<FullScan, String>> = OnceLock::new();
    let scanned = SCANNED.get_or_init(|| {
        let fixture = Fixture::start(Variant::Full);
        let outcome = scan(&fixture, REACHABLE, &["--format", "json"]);
        let report = serde_json::from_str(&outcome.stdout).map_err(|e| {
            format!(
                "the scan printed no JSON report ({e}): {}\nstdout: {}",
                outcome.describe(),
                shorten(&outcome.stdout)
            )
        })?;
        Ok(FullScan {
            fixture,
            outcome,
            report,
        })
    });
    match scanned {
        Ok(scanned) => scanned,
        Err(problem) => panic!("{problem}"),
    }
}

fn shorten(s: &str) -> String {
    const KEPT: usize = 4_000;
    match s.char_indices().nth(KEPT) {
        Some((at, _)) => format!("{}… ({} bytes in all)", &s[..at], s.len()),
        None => s.to_owned(),
    }
}
