//! A sled data folder of format 1 (a sled entry per record in `by-consent-v1`, `decisions-v1`
//! and `log-entries-v1`) opens converted to format 2's packed trees: every export line, every
//! visitor's history and every retry answer as before, and the old trees are gone.

use std::collections::HashMap;

use serde_json::{Value, json};

use crate::log_backfill::logged;
use crate::service_process::{Service, start};

/// A banner-made visitor id of `n`.
fn visitor(n: u32) -> String {
    format!("lnp0k3b{n}_1111111111_2222222222_3333333333")
}

async fn post(service: &Service, body: &Value) -> (u16, Option<Value>) {
    service.post(&body.to_string()).await.expect("posted")
}

/// The first layout's index key: the id's length, the id, then `tail`.
fn v1_key(id: &str, tail: &[u8]) -> Vec<u8> {
    let mut key = vec![id.len() as u8];
    key.extend_from_slice(id.as_bytes());
    key.extend_from_slice(tail);
    key
}

/// Rewrites a stopped service's folder as format 1 left it. `service_made` are the ids the
/// service made, whose first decision had no `by-consent-v1` entry.
fn back_to_format_1(dir: &std::path::Path, service_made: &[String]) {
    let db = sled::open(dir.join("data/sled")).expect("the stopped service's database");
    let visits = db.open_tree("by-consent-v1").expect("visits");
    let decisions = db.open_tree("decisions-v1").expect("decisions");
    let entries = db.open_tree("log-entries-v1").expect("log entries");
    let mut first_seen: Vec<String> = Vec::new();
    for item in db.open_tree("records-v1").expect("records").iter() {
        let (time, json) = item.expect("a record");
        let record: Value = serde_json::from_slice(&json).expect("JSON");
        let id = record["consent_id"].as_str().expect("an id").to_owned();
        let first = service_made.contains(&id) && !first_seen.contains(&id);
        first_seen.push(id.clone());
        if !first {
            visits.insert(v1_key(&id, &time), &[][..]).expect("visit");
        }
        if let Some(decision) = record["decision_id"].as_str() {
            decisions
                .insert(v1_key(&id, decision.as_bytes()), &time[..])
                .expect("decision");
        }
    }
    for block in db
        .open_tree("log-entries-v2")
        .expect("packed")
        .iter()
        .values()
    {
        for entry in block.expect("a block").chunks_exact(40) {
            entries.insert(&entry[..16], &entry[16..]).expect("entry");
        }
    }
    for tree in ["by-consent-v2", "log-entries-v2"] {
        db.drop_tree(tree).expect("dropped");
    }
    db.flush().expect("flushed");
    std::fs::write(dir.join("data/FORMAT"), "consentry-store 1\n").expect("FORMAT");
}

#[actix_rt::test]
async fn a_format_1_folder_opens_converted_with_every_history_export_and_retry_as_before() {
    if crate::POSTGRES {
        return; // sled's layout
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let service = start(dir.path());
    let decision: Value = serde_json::from_str(&service.decision().await).expect("JSON");
    let mut retries = Vec::new();
    for n in 0..3 {
        for d in 0..3 {
            let mut body = decision.clone();
            body["consent_id"] = json!(visitor(n));
            body["decision_id"] = json!(format!("decision-{n}-{d}-of-the-upgrade-test"));
            let (status, record) = post(&service, &body).await;
            assert_eq!(status, 201);
            retries.push((body, record.expect("the record")));
        }
    }
    // Service-made ids: a first decision with a decision_id, then a later one; and one without.
    let mut body = decision.clone();
    body["decision_id"] = json!("a-first-decision-of-a-service-made-id");
    let (_, made) = post(&service, &body).await;
    let made = made.expect("the record");
    let made_id = made["consent_id"].as_str().expect("an id").to_owned();
    let mut retry = body.clone();
    retry["consent_id"] = json!(made_id);
    retries.push((retry, made));
    let mut later = decision.clone();
    later["consent_id"] = json!(made_id);
    assert_eq!(post(&service, &later).await.0, 201);
    let (_, plain) = post(&service, &decision).await;
    let plain_id = plain.expect("the record")["consent_id"]
        .as_str()
        .expect("an id")
        .to_owned();

    let export = logged(&service, 12).await;
    let mut ids: Vec<String> = (0..3).map(visitor).collect();
    ids.extend([made_id.clone(), plain_id.clone()]);
    let mut histories = HashMap::new();
    for id in &ids {
        let (status, _, history) = service.get(&format!("/api/v1/consents/{id}"), false).await;
        assert_eq!(status, 200, "{history}");
        histories.insert(id.clone(), history);
    }
    service.kill();
    back_to_format_1(dir.path(), &[made_id.clone(), plain_id.clone()]);

    let service = start(dir.path());
    assert_eq!(
        std::fs::read_to_string(dir.path().join("data/FORMAT")).expect("FORMAT"),
        "consentry-store 2\n"
    );
    assert_eq!(
        logged(&service, 12).await,
        export,
        "the export, line for line"
    );
    for id in &ids {
        let (_, _, history) = service.get(&format!("/api/v1/consents/{id}"), false).await;
        assert_eq!(&history, &histories[id], "the history of {id}");
    }
    for (body, record) in &retries {
        let (status, _) = post(&service, body).await;
        assert_eq!(
            status, 200,
            "a retry of {} is recognised",
            body["decision_id"]
        );
        let (_, _, history) = service
            .get(
                &format!(
                    "/api/v1/consents/{}",
                    record["consent_id"].as_str().expect("id")
                ),
                false,
            )
            .await;
        assert!(history.contains(record["decision_id"].as_str().expect("a decision")));
    }
    let mut new = decision.clone();
    new["consent_id"] = json!(visitor(1));
    new["decision_id"] = json!("a-decision-after-the-upgrade");
    assert_eq!(post(&service, &new).await.0, 201);
    assert_eq!(post(&service, &new).await.0, 200, "and its retry");
    let (_, _, history) = service
        .get(&format!("/api/v1/consents/{}", visitor(1)), false)
        .await;
    let history: Value = serde_json::from_str(&history).expect("JSON");
    assert_eq!(history.as_array().map(Vec::len), Some(4), "{history}");
    service.kill();

    let db = sled::open(dir.path().join("data/sled")).expect("the database");
    let names: Vec<String> = db
        .tree_names()
        .iter()
        .map(|n| String::from_utf8_lossy(n).into_owned())
        .collect();
    for old in ["by-consent-v1", "decisions-v1", "log-entries-v1"] {
        assert!(
            !names.iter().any(|n| n == old),
            "{old} is dropped: {names:?}"
        );
    }
}
