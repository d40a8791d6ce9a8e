//! `consentry verify EXPORT --checkpoint FILE --key KEY`, the real binary on an NDJSON export
//! from the admin API: a whole export rebuilds the signed checkpoint's root; an altered record,
//! a checkpoint signed by another key or an untrusted key make it exit 1 naming the check; an
//! export that lacks a leaf (a visitor erased) says what it cannot check offline.

use std::path::Path;
use std::time::{Duration, Instant};

use consentry::tlog::{Checkpoint, LogName, LogSigner};

use crate::evidence::consentry;
use crate::helpers::{TestApp, spawn_unlimited};
use crate::log::write;

/// The export once each of its `count` records carries its `log`, and a checkpoint covering
/// exactly them.
async fn exported(app: &TestApp, count: usize) -> (String, String) {
    let started = Instant::now();
    loop {
        let (_, export) = app.export("").await;
        let (_, _, checkpoint) = app.get("/api/v1/log/checkpoint").await;
        let logged = export
            .lines()
            .filter(|l| l.contains(r#","log":{"index":"#))
            .count();
        if logged == count && checkpoint.lines().nth(1) == Some(count.to_string().as_str()) {
            return (export, checkpoint);
        }
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "{count} logged records and their checkpoint: {export} {checkpoint}"
        );
        actix_rt::time::sleep(Duration::from_millis(200)).await;
    }
}

/// `consentry verify` on `export` with `checkpoint` and `key`: exit status and output.
fn verify(dir: &Path, export: &str, checkpoint: &str, key: &str) -> (Option<i32>, String) {
    write(dir, "export.ndjson", export);
    write(dir, "checkpoint", checkpoint);
    write(dir, "key", key);
    let (status, stdout, stderr) = consentry(
        dir,
        &[
            "verify",
            "export.ndjson",
            "--checkpoint",
            "checkpoint",
            "--key",
            "key",
        ],
    );
    (status, format!("{stdout}{stderr}"))
}

#[actix_rt::test]
async fn consentry_verify_holds_an_export_to_its_checkpoint_and_names_what_fails() {
    let app = spawn_unlimited().await;
    let dir = tempfile::tempdir().expect("temp dir");
    app.post_decisions(3, "accept-all", &["analytics"]).await;
    let (export, checkpoint) = exported(&app, 3).await;
    let (_, _, key) = app.get("/api/v1/log/key").await;

    let (status, said) = verify(dir.path(), &export, &checkpoint, &key);
    assert_eq!(status, Some(0), "{said}");
    assert!(said.contains("rebuild the checkpoint's root"), "{said}");

    // One record's choice changed after the fact.
    let altered = export.replacen(r#""analytics":true"#, r#""analytics":false"#, 1);
    assert_ne!(altered, export);
    let (status, said) = verify(dir.path(), &altered, &checkpoint, &key);
    assert_eq!(status, Some(1), "{said}");
    assert!(said.contains("root"), "{said}");

    // A checkpoint of the same tree signed by someone else's key under the log's name.
    let name = key.split('+').next().unwrap_or_default();
    let other = LogSigner::generate(LogName::parse(name).expect("the log's name"));
    let text = checkpoint
        .split("\n\n")
        .next()
        .unwrap_or_default()
        .to_owned()
        + "\n";
    let head = Checkpoint::parse_text(&text).expect("a checkpoint");
    let forged = Checkpoint::new(other.name(), head.size(), *head.root()).sign(&other);
    let (status, said) = verify(dir.path(), &export, &forged, &key);
    assert_eq!(status, Some(1), "{said}");
    assert!(said.contains("signature"), "{said}");
    // The same checkpoint, trusted under that other key instead: the service's fails.
    let (status, said) = verify(
        dir.path(),
        &export,
        &checkpoint,
        &other.verifier().to_string(),
    );
    assert_eq!(status, Some(1), "{said}");

    // A visitor erased: the export lacks a leaf, and says what it cannot check and where.
    let first: serde_json::Value =
        serde_json::from_str(export.lines().next().expect("a line")).expect("a record");
    let id = first["consent_id"].as_str().expect("an id");
    assert_eq!(app.erase(id).await.0, 204);
    let (_, fewer) = app.export("").await;
    let (status, said) = verify(dir.path(), &fewer, &checkpoint, &key);
    assert_eq!(status, Some(0), "{said}");
    assert!(
        said.contains("not in this export") && said.contains("/api/v1/log/proof/inclusion"),
        "{said}"
    );
}
