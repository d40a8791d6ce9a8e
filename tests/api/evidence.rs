//! A visitor's evidence document (CONTRACT §7, README "Checking the log"): what the admin API
//! answers verifies offline with `consentry verify` (the real binary) and, proof by proof, with
//! the independent JavaScript verifier; an altered record or snapshot, a checkpoint signed by
//! another key and an untrusted key each make `consentry verify` exit 1 naming the failure.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::helpers::{TestApp, spawn_unlimited};
use crate::log::{leaf_of, verify_inclusion, write};

/// Runs `consentry ARGS` in `dir`: exit status, stdout, stderr.
pub(crate) fn consentry(dir: &Path, args: &[&str]) -> (Option<i32>, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_consentry"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("consentry runs");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Three decisions of one French-speaking visitor, the last after a registry edit that changes
/// what the banner shows: the visitor's id and evidence document.
async fn visitor_with_history(app: &TestApp) -> (String, Value) {
    let first = app
        .post_consent(&app.decision("fr", "accept-all", &["analytics"]).await, &[])
        .await;
    assert_eq!(first.status, 201, "{}", first.json);
    let id = first.json["consent_id"].as_str().expect("an id").to_owned();
    let mut second = app.decision("fr", "reject-all", &[]).await;
    second["consent_id"] = id.clone().into();
    assert_eq!(app.post_consent(&second, &[]).await.status, 201);
    let before = app.registry().await["shown"]["fr"].clone();
    app.save_registry(
        &crate::common::SMALL.replace("Distingue les visiteurs.", "Compte les visites."),
    );
    let edited = app
        .eventually(std::time::Duration::from_secs(10), || async {
            app.registry().await["shown"]["fr"] != before
        })
        .await;
    assert!(edited, "the edit is served");
    let mut third = app.decision("fr", "custom", &[]).await;
    third["consent_id"] = id.clone().into();
    assert_eq!(app.post_consent(&third, &[]).await.status, 201);

    // Asked at once: the service waits for the log (up to its merge delay) rather than refuse.
    let (status, body) = app.evidence(&id).await;
    assert_eq!(status, 200, "{body}");
    (id, serde_json::from_str(&body).expect("a JSON document"))
}

/// `consentry verify` on `doc` (written to `dir/evidence.json`) with `extra` arguments.
fn verify(dir: &Path, doc: &Value, extra: &[&str]) -> (Option<i32>, String) {
    write(dir, "evidence.json", doc.to_string());
    let mut args = vec!["verify", "evidence.json"];
    args.extend_from_slice(extra);
    let (status, stdout, stderr) = consentry(dir, &args);
    (status, format!("{stdout}{stderr}"))
}

#[actix_rt::test]
#[cfg_attr(
    not(node_tests),
    ignore = "Node.js is missing: apt-get install -y nodejs"
)]
async fn a_visitors_evidence_verifies_offline_with_consentry_verify_and_the_independent_verifier() {
    let app = spawn_unlimited().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let (id, doc) = visitor_with_history(&app).await;

    let records = doc["records"].as_array().expect("records");
    assert_eq!(records.len(), 3, "every decision of the visitor");
    let snapshots = doc["snapshots"].as_object().expect("snapshots");
    assert_eq!(
        snapshots.len(),
        2,
        "one snapshot before the edit, one after"
    );
    for entry in records {
        let record: Value =
            serde_json::from_str(entry["record"].as_str().expect("text")).expect("a record");
        let (status, snapshot) = app.snapshot(record["shown"].as_str().expect("shown")).await;
        assert_eq!(status, 200);
        assert_eq!(
            snapshots[record["shown"].as_str().expect("shown")],
            snapshot.as_str(),
            "the exact snapshot"
        );
    }
    let (_, _, key) = app.get("/api/v1/log/key").await;
    assert_eq!(doc["key"], key.trim());
    assert_eq!(doc["summary"]["language"], "fr");
    let lines: Vec<&str> = doc["summary"]["lines"]
        .as_array()
        .expect("lines")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(lines.len(), 4, "a title and a line per decision: {lines:?}");
    assert!(lines[0].contains(&id), "{}", lines[0]);
    assert!(
        lines[1].contains("tout accepter") && lines[1].contains("Mesure d'audience"),
        "{}",
        lines[1]
    );

    let (status, out) = verify(dir.path(), &doc, &["--key", key.trim()]);
    assert_eq!(status, Some(0), "{out}");

    write(dir.path(), "key", key.trim());
    write(
        dir.path(),
        "checkpoint",
        doc["checkpoint"].as_str().expect("checkpoint"),
    );
    for entry in records {
        let (record, _, salt) = leaf_of(entry["record"].as_str().expect("text"));
        let (status, stderr) =
            verify_inclusion(dir.path(), &record, &entry["inclusion"].to_string(), &salt);
        assert_eq!(status, Some(0), "the independent verifier: {stderr}");
    }
}

#[actix_rt::test]
async fn altered_evidence_a_foreign_checkpoint_or_an_untrusted_key_fail_verify_naming_the_check() {
    let app = spawn_unlimited().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let (_, doc) = visitor_with_history(&app).await;
    let key = consentry::tlog::VerifierKey::parse(doc["key"].as_str().expect("key"))
        .expect("a verifier key");
    let other = consentry::tlog::LogSigner::generate(key.name().clone());
    assert_eq!(
        verify(dir.path(), &doc, &[]).0,
        Some(0),
        "the document as given verifies"
    );

    let mut altered = doc.clone();
    let record = altered["records"][0]["record"]
        .as_str()
        .expect("text")
        .to_owned();
    altered["records"][0]["record"] = record
        .replacen(r#""action":"accept-all""#, r#""action":"reject-all""#, 1)
        .into();
    let (status, out) = verify(dir.path(), &altered, &[]);
    assert_eq!(status, Some(1), "{out}");
    assert!(
        out.contains("FAILED: record 1 (log index") && out.contains("leaf hash"),
        "{out}"
    );

    let mut altered = doc.clone();
    let shown = doc["snapshots"]
        .as_object()
        .expect("snapshots")
        .keys()
        .next()
        .expect("one")
        .clone();
    let snapshot = doc["snapshots"][&shown].as_str().expect("text");
    altered["snapshots"][&shown] = snapshot.replacen("Mesure d'audience", "Mesure", 1).into();
    let (status, out) = verify(dir.path(), &altered, &[]);
    assert_eq!(status, Some(1), "{out}");
    assert!(
        out.contains(&format!("FAILED: snapshot {shown}: shown hash")),
        "{out}"
    );

    let text = consentry::tlog::Note::parse(doc["checkpoint"].as_str().expect("checkpoint"))
        .expect("a note")
        .text()
        .to_owned();
    let foreign = consentry::tlog::Checkpoint::parse_text(&text)
        .expect("a checkpoint")
        .sign(&other);
    let mut altered = doc.clone();
    altered["checkpoint"] = foreign.into();
    let (status, out) = verify(dir.path(), &altered, &[]);
    assert_eq!(status, Some(1), "{out}");
    assert!(out.contains("FAILED: checkpoint: signature"), "{out}");

    let (status, out) = verify(dir.path(), &doc, &["--key", &other.verifier().to_string()]);
    assert_eq!(status, Some(1), "{out}");
    assert!(out.contains("FAILED: key: trusted key"), "{out}");

    write(dir.path(), "broken.json", "{not json");
    let (status, _, stderr) = consentry(dir.path(), &["verify", "broken.json"]);
    assert_eq!(status, Some(2), "an unreadable file: {stderr}");
}

#[actix_rt::test]
async fn evidence_needs_the_token_and_a_visitor_with_records() {
    let app = spawn_unlimited().await;
    let posted = app.post_decisions(1, "accept-all", &["analytics"]).await;
    let id = posted[0]["consent_id"].as_str().expect("an id");

    let path = format!("/api/v1/admin/consents/{id}/evidence");
    let (status, _) = app.admin_call("GET", &path, None).await;
    assert_eq!(status, 401, "no token, no evidence");
    let (status, body) = app.evidence("unknownVisitor0000000000").await;
    assert_eq!(status, 404, "{body}");
    assert_eq!(app.erase(id).await.0, 204);
    let (status, body) = app.evidence(id).await;
    assert_eq!(status, 404, "an erased visitor has no evidence: {body}");
}

#[actix_rt::test]
async fn consentry_evidence_writes_the_document_from_a_stopped_services_data_folder() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut service = crate::service_process::start(dir.path());
    let (status, record) = service
        .post(&service.decision().await)
        .await
        .expect("posted");
    assert_eq!(status, 201);
    let id = record.expect("the record")["consent_id"]
        .as_str()
        .expect("an id")
        .to_owned();
    let (status, _, online) = service
        .get(&format!("/api/v1/admin/consents/{id}/evidence"), true)
        .await;
    assert_eq!(status, 200, "{online}");
    let data = dir.path().join("data");
    let data = data.to_str().expect("a UTF-8 path");
    let mut args = vec![
        "evidence".to_owned(),
        id.clone(),
        "--data".to_owned(),
        data.to_owned(),
    ];
    args.extend(crate::service_process::store_of(dir.path()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    if !crate::POSTGRES {
        let (status, _, stderr) = consentry(dir.path(), &args);
        assert_eq!(
            status,
            Some(1),
            "sled's folder is the running service's: {stderr}"
        );
        assert!(
            stderr.contains("/evidence"),
            "says how to get it meanwhile: {stderr}"
        );
    }

    // SAFETY: a signal to our own child process.
    assert_eq!(
        unsafe { libc::kill(service.child.id() as libc::pid_t, libc::SIGTERM) },
        0
    );
    let exit = service.child.wait().expect("the service stops");
    assert!(exit.success(), "{exit}");
    let (status, stdout, stderr) = consentry(dir.path(), &args);

    assert_eq!(status, Some(0), "{stderr}");
    let offline: Value = serde_json::from_str(&stdout).expect("a JSON document");
    let online: Value = serde_json::from_str(&online).expect("a JSON document");
    assert_eq!(
        offline["records"], online["records"],
        "the same records and proofs"
    );
    assert_eq!(offline["snapshots"], online["snapshots"]);
    assert_eq!(offline["key"], online["key"]);
    assert_eq!(verify(dir.path(), &offline, &[]).0, Some(0), "it verifies");
}
