//! The consent log as anyone sees it (CONTRACT §7): each record reads back with its `log`
//! member within 10 s, and the checkpoints and proofs the service publishes are accepted by the
//! independent verifier (`tests/verifier/verify.mjs`, written from RFC 9162 and C2SP, not from
//! our code), record by record; an altered record is refused; an erasure keeps every proof.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_unlimited};

/// The contract's maximum merge delay.
const MERGE_DELAY: Duration = Duration::from_secs(10);

/// Every stored record as the export gives it, once each carries its `log`: the raw lines.
async fn logged(app: &TestApp, count: usize) -> Vec<String> {
    let started = Instant::now();
    loop {
        let (_, export) = app.export("").await;
        let lines: Vec<String> = export.lines().map(str::to_owned).collect();
        if lines.len() == count && lines.iter().all(|l| l.contains(r#","log":{"index":"#)) {
            return lines;
        }
        assert!(
            started.elapsed() < MERGE_DELAY,
            "every record carries its log within 10 s: {lines:?}"
        );
        actix_rt::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The latest checkpoint once it covers `size` leaves (one comes within 5 s of new leaves).
async fn checkpoint_of(app: &TestApp, size: u64) -> String {
    let started = Instant::now();
    loop {
        let (status, _, latest) = app.get("/api/v1/log/checkpoint").await;
        if status == 200 && latest.lines().nth(1) == Some(size.to_string().as_str()) {
            return latest;
        }
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "a checkpoint of {size} leaves: {latest}"
        );
        actix_rt::time::sleep(Duration::from_millis(200)).await;
    }
}

/// A record's bytes as its leaf holds them (the line without its `log` member), its index and
/// its salt.
pub(crate) fn leaf_of(line: &str) -> (String, u64, String) {
    let at = line.rfind(r#","log":"#).expect("a log member");
    let record = format!("{}}}", &line[..at]);
    let value: Value = serde_json::from_str(line).expect("a JSON record");
    let index = value["log"]["index"].as_u64().expect("an index");
    let salt = value["log"]["salt"].as_str().expect("a salt").to_owned();
    (record, index, salt)
}

/// Runs the independent verifier with `args` (files in `dir`); its exit status and stderr.
pub(crate) fn verifier(dir: &Path, args: &[&str]) -> (Option<i32>, String) {
    let node = crate::common::tools::node().unwrap_or_else(|missing| panic!("{missing}"));
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/verifier/verify.mjs");
    let out = Command::new(node)
        .arg(script)
        .args(args)
        .current_dir(dir)
        .output()
        .expect("node runs");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

pub(crate) fn write(dir: &Path, name: &str, content: impl AsRef<[u8]>) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, content).expect("written");
    path
}

/// Checks record `line`'s inclusion in the tree of `size` against `checkpoint` with the
/// verifier, as an auditor holding the export would; the verifier's answer.
async fn check_inclusion(
    app: &TestApp,
    dir: &Path,
    line: &str,
    size: u64,
) -> (Option<i32>, String) {
    let (record, index, salt) = leaf_of(line);
    let (status, _, proof) = app
        .get(&format!(
            "/api/v1/log/proof/inclusion?index={index}&tree_size={size}"
        ))
        .await;
    assert_eq!(status, 200, "{proof}");
    verify_inclusion(dir, &record, &proof, &salt)
}

/// Runs the independent verifier on `record` (as exported, with its `salt`) and its inclusion
/// `proof`, against the files `key` and `checkpoint` in `dir`; its exit status and stderr.
pub(crate) fn verify_inclusion(
    dir: &Path,
    record: &str,
    proof: &str,
    salt: &str,
) -> (Option<i32>, String) {
    write(dir, "record", record);
    write(dir, "proof.json", proof);
    verifier(
        dir,
        &[
            "inclusion",
            "--key",
            "key",
            "--checkpoint",
            "checkpoint",
            "--proof",
            "proof.json",
            "--record",
            "record",
            "--salt",
            salt,
        ],
    )
}

#[actix_rt::test]
#[cfg_attr(
    not(node_tests),
    ignore = "Node.js is missing: apt-get install -y nodejs"
)]
async fn every_record_is_in_the_log_and_the_independent_verifier_accepts_its_proofs() {
    let app = spawn_unlimited().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let (_, _, key) = app.get("/api/v1/log/key").await;
    write(dir.path(), "key", key.trim());
    app.post_decisions(3, "custom", &["analytics"]).await;
    let first = logged(&app, 3).await;
    let old = checkpoint_of(&app, 3).await;
    app.post_decisions(4, "reject-all", &[]).await;

    let lines = logged(&app, 7).await;
    let new = checkpoint_of(&app, 7).await;
    write(dir.path(), "checkpoint", &new);
    let mut indices: Vec<u64> = lines.iter().map(|l| leaf_of(l).1).collect();
    indices.sort_unstable();
    assert_eq!(indices, (0..7).collect::<Vec<_>>(), "dense indices from 0");
    assert!(
        first.iter().all(|l| lines.contains(l)),
        "a record's log member never changes"
    );
    for line in &lines {
        let (status, stderr) = check_inclusion(&app, dir.path(), line, 7).await;
        assert_eq!(status, Some(0), "{line}: {stderr}");
    }
    let altered = lines[0].replacen(r#""action":"custom""#, r#""action":"accept-all""#, 1);
    let (status, stderr) = check_inclusion(&app, dir.path(), &altered, 7).await;
    assert_eq!(status, Some(1), "an altered record is refused: {stderr}");

    let (_, _, proof) = app
        .get("/api/v1/log/proof/consistency?first=3&second=7")
        .await;
    write(dir.path(), "old", &old);
    write(dir.path(), "consistency.json", &proof);
    let (status, stderr) = verifier(
        dir.path(),
        &[
            "consistency",
            "--key",
            "key",
            "--old",
            "old",
            "--new",
            "checkpoint",
            "--proof",
            "consistency.json",
        ],
    );
    assert_eq!(status, Some(0), "the log grew without rewriting: {stderr}");

    let (_, _, listed) = app.get("/api/v1/log/checkpoints?since=2000-01-01").await;
    let listed: Vec<Value> = listed
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    assert!(listed.iter().any(|c| c["checkpoint"] == json!(old)));
    assert!(listed.iter().any(|c| c["checkpoint"] == json!(new)));
    assert!(
        listed
            .windows(2)
            .all(|w| w[0]["signed_at"].as_str() <= w[1]["signed_at"].as_str()),
        "oldest first"
    );
}

#[actix_rt::test]
#[cfg_attr(
    not(node_tests),
    ignore = "Node.js is missing: apt-get install -y nodejs"
)]
async fn an_erased_record_keeps_its_leaf_so_every_proof_still_verifies() {
    let app = spawn_unlimited().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let (_, _, key) = app.get("/api/v1/log/key").await;
    write(dir.path(), "key", key.trim());
    let posted = app.post_decisions(3, "accept-all", &["analytics"]).await;
    let lines = logged(&app, 3).await;
    let checkpoint = checkpoint_of(&app, 3).await;
    write(dir.path(), "checkpoint", &checkpoint);
    let erased_id = posted[1]["consent_id"].as_str().expect("an id");
    let erased_line = lines
        .iter()
        .find(|l| l.contains(erased_id))
        .expect("its line");
    let (_, erased_index, _) = leaf_of(erased_line);

    let (status, _) = app.erase(erased_id).await;
    assert_eq!(status, 204);
    let (_, _, proof) = app
        .get(&format!(
            "/api/v1/log/proof/inclusion?index={erased_index}&tree_size=3"
        ))
        .await;
    let proof: Value = serde_json::from_str(&proof).expect("JSON");

    assert_eq!(proof["erased"], true, "an erased leaf says so");
    write(dir.path(), "proof.json", proof.to_string());
    let (status, stderr) = verifier(
        dir.path(),
        &[
            "inclusion",
            "--key",
            "key",
            "--checkpoint",
            "checkpoint",
            "--proof",
            "proof.json",
        ],
    );
    assert_eq!(status, Some(0), "the erased leaf's proof holds: {stderr}");
    for line in lines.iter().filter(|l| !l.contains(erased_id)) {
        let (status, stderr) = check_inclusion(&app, dir.path(), line, 3).await;
        assert_eq!(status, Some(0), "the others' proofs hold: {stderr}");
    }
    let (_, export) = app.export("").await;
    assert!(
        !export.contains(erased_id),
        "nothing of the visitor remains"
    );
}

#[actix_rt::test]
async fn a_proof_the_tree_cannot_give_is_refused_naming_the_parameter() {
    let app = spawn_unlimited().await;
    app.post_decisions(2, "custom", &[]).await;
    logged(&app, 2).await;
    checkpoint_of(&app, 2).await;

    for (query, field) in [
        (
            "/api/v1/log/proof/inclusion?index=two&tree_size=2",
            Some("index"),
        ),
        ("/api/v1/log/proof/inclusion?index=0", Some("tree_size")),
        ("/api/v1/log/proof/inclusion?index=2&tree_size=2", None),
        ("/api/v1/log/proof/inclusion?index=0&tree_size=9", None),
        ("/api/v1/log/proof/consistency?first=2&second=1", None),
        ("/api/v1/log/checkpoints?since=soon", Some("since")),
    ] {
        let (status, _, body) = app.get(query).await;
        let body: Value = serde_json::from_str(&body).expect("a JSON error");

        assert_eq!(status, 400, "{query}: {body}");
        if let Some(field) = field {
            assert_eq!(body["field"], field, "{query}: {body}");
        }
    }
}

#[actix_rt::test]
async fn the_verifier_key_served_is_the_one_consentry_log_key_prints() {
    let app = spawn_unlimited().await;
    let (status, headers, served) = app.get("/api/v1/log/key").await;

    let printed = Command::new(env!("CARGO_BIN_EXE_consentry"))
        .args(["log", "key", "--data"])
        .arg(&app.data)
        .output()
        .expect("consentry log key runs");

    assert_eq!(status, 200);
    let content_type = headers.get("content-type").and_then(|v| v.to_str().ok());
    assert!(
        content_type.is_some_and(|t| t.starts_with("text/plain")),
        "{content_type:?}"
    );
    assert!(printed.status.success(), "{printed:?}");
    assert_eq!(String::from_utf8_lossy(&printed.stdout), served);
    let name = served.split('+').next().unwrap_or_default();
    assert_eq!(name, "www.example.com/consentry", "named for the site");
}
