//! "201 means durable", proven against the real binary killed with SIGKILL mid-stream, on
//! either store (a full disk is in `stalls.rs`, sled's); and `consentry export` of its records.

use std::process::Command;
use std::rc::Rc;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::service_process::{assert_all_kept, flood, start, store_of, without_log};

#[actix_rt::test]
async fn every_acknowledged_record_survives_a_sigkill_mid_stream() {
    let dir = tempfile::tempdir().expect("temp dir");
    let service = Rc::new(start(dir.path()));
    let killer = service.clone();
    let started = Instant::now();
    let deadline = Duration::from_millis(1500);

    // 48 clients post as fast as they can; the process is killed while they do.
    let kill = actix_rt::spawn(async move {
        actix_rt::time::sleep(deadline).await;
        // SAFETY: sending a signal to our own child process.
        unsafe { libc::kill(killer.child.id() as i32, libc::SIGKILL) };
    });
    let (acked, statuses) = flood(service.clone(), 48, move |_| {
        started.elapsed() > deadline + Duration::from_secs(5)
    })
    .await;
    kill.await.expect("killed");
    let Ok(service) = Rc::try_unwrap(service) else {
        panic!("every client stopped")
    };
    service.kill();

    // Enough to have had batches in flight when the kill came, on a debug build sharing the
    // machine with others (PostgreSQL's commits take longer there than sled's flushes).
    assert!(
        acked.len() > 20,
        "only {} records were acknowledged",
        acked.len()
    );
    assert!(statuses.iter().all(|s| *s == 201), "{statuses:?}");
    let restarted = start(dir.path());
    let stored = restarted.export().await;
    assert_all_kept(&acked, &stored);
    restarted.kill();
}

#[actix_rt::test]
async fn the_export_command_writes_the_records_of_a_stopped_service() {
    let dir = tempfile::tempdir().expect("temp dir");
    let service = Rc::new(start(dir.path()));
    let (acked, _) = flood(service.clone(), 2, |s| s.len() >= 6).await;
    let export = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_consentry"))
            .arg("export")
            .arg("--data")
            .arg(dir.path().join("data"))
            .args(store_of(dir.path()))
            .args(args)
            .output()
            .expect("export runs")
    };

    let while_running = export(&[]);
    let Ok(service) = Rc::try_unwrap(service) else {
        panic!("every client stopped")
    };
    service.kill();
    let ndjson = export(&[]);
    let csv = export(&["--format", "csv", "--since", "2000-01-01"]);
    let none = export(&["--until", "2000-01-01"]);
    let far = export(&["--until", "9999-12-31"]);
    let bad = export(&["--since", "soon"]);

    assert!(
        ndjson.status.success(),
        "{}",
        String::from_utf8_lossy(&ndjson.stderr)
    );
    let records: Vec<Value> = String::from_utf8_lossy(&ndjson.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("a record a line"))
        .collect();
    let by_id = |v: Vec<Value>| {
        let mut v: Vec<Value> = v.iter().map(without_log).collect();
        v.sort_by_key(|r| r["consent_id"].as_str().unwrap_or_default().to_owned());
        v
    };
    assert!(
        records
            .windows(2)
            .all(|w| w[0]["recorded_at"].as_str() <= w[1]["recorded_at"].as_str())
    );
    assert!(
        by_id(records) == by_id(acked.clone()),
        "the export holds exactly what was acknowledged"
    );
    let csv = String::from_utf8_lossy(&csv.stdout).into_owned();
    assert!(csv.starts_with("consent_id,recorded_at,"));
    assert_eq!(csv.lines().count(), acked.len() + 1);
    assert_eq!(
        String::from_utf8_lossy(&far.stdout).lines().count(),
        acked.len(),
        "a far-future --until exports everything"
    );
    assert!(none.status.success());
    assert!(none.stdout.is_empty());
    if crate::POSTGRES {
        // Nodes share PostgreSQL: an export beside a running service is an ordinary reader.
        assert!(while_running.status.success(), "{while_running:?}");
    } else {
        // sled allows one process at a time: the export says who holds the folder.
        assert!(!while_running.status.success());
        assert!(
            String::from_utf8_lossy(&while_running.stderr)
                .contains("is in use by another consentry process")
        );
    }
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("since"));
}
