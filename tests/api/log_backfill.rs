//! A sled data folder from before the consent log (its records, no log trees) has every record
//! queued for the log at the first start of this version: within the merge delay each reads
//! back with its leaf, dense and in time order, a checkpoint covers them all, and each proof
//! is of its own record. A later start queues nothing again.

use std::time::{Duration, Instant};

use serde_json::Value;

use crate::service_process::{Service, start, without_log};

/// The trees and the mark the consent log added to a data folder.
const LOG_TREES: [&str; 5] = [
    "log-pending-v1",
    "log-entries-v2",
    "log-erased-v1",
    "log-tiles-v1",
    "log-checkpoints-v1",
];

/// Every record, oldest first, once all `count` carry their `log`: the export's lines.
pub(crate) async fn logged(service: &Service, count: usize) -> Vec<String> {
    let started = Instant::now();
    loop {
        let (_, _, export) = service.get("/api/v1/admin/consents", true).await;
        let lines: Vec<String> = export.lines().map(str::to_owned).collect();
        if lines.len() == count && lines.iter().all(|l| l.contains(r#","log":{"index":"#)) {
            return lines;
        }
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "every record joins the log: {export}"
        );
        actix_rt::time::sleep(Duration::from_millis(200)).await;
    }
}

#[actix_rt::test]
async fn records_stored_before_the_log_existed_join_it_at_the_next_start() {
    if crate::POSTGRES {
        return; // sled's migration; PostgreSQL's is its schema's second migration
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let service = start(dir.path());
    let body = service.decision().await;
    let mut acked = Vec::new();
    for _ in 0..5 {
        let (status, record) = service.post(&body).await.expect("posted");
        assert_eq!(status, 201);
        acked.push(record.expect("the record"));
    }
    logged(&service, 5).await;
    service.kill();

    // The folder as the release before the log left it.
    {
        let db = sled::open(dir.path().join("data/sled")).expect("the stopped service's database");
        for tree in LOG_TREES {
            db.drop_tree(tree).expect("drop a log tree");
        }
        db.remove("log-backfilled").expect("forget the backfill");
        db.flush().expect("flushed");
    }

    let service = start(dir.path());
    let lines = logged(&service, 5).await;
    let records: Vec<Value> = lines
        .iter()
        .map(|l| serde_json::from_str(l).expect("a record"))
        .collect();
    let indices: Vec<u64> = records
        .iter()
        .map(|r| r["log"]["index"].as_u64().expect("an index"))
        .collect();
    assert_eq!(indices, [0, 1, 2, 3, 4], "dense leaves in time order");
    for record in &records {
        let id = record["consent_id"].as_str().expect("an id");
        let before = acked
            .iter()
            .find(|a| a["consent_id"] == id)
            .expect("acknowledged before");
        assert_eq!(
            &without_log(record),
            before,
            "the record itself is unchanged"
        );
    }
    let started = Instant::now();
    let checkpoint = loop {
        let (status, _, checkpoint) = service.get("/api/v1/log/checkpoint", false).await;
        if status == 200 && checkpoint.lines().nth(1) == Some("5") {
            break checkpoint;
        }
        assert!(started.elapsed() < Duration::from_secs(15), "{checkpoint}");
        actix_rt::time::sleep(Duration::from_millis(200)).await;
    };
    assert!(
        checkpoint.starts_with("www.example.com/consentry\n5\n"),
        "{checkpoint}"
    );
    // Each leaf is its own record: the proof's leaf hash is H(0 ‖ salt ‖ record).
    for line in &lines {
        let (record, index, salt) = crate::log::leaf_of(line);
        let (_, _, proof) = service
            .get(
                &format!("/api/v1/log/proof/inclusion?index={index}&tree_size=5"),
                false,
            )
            .await;
        let proof: Value = serde_json::from_str(&proof).expect("a proof");
        let salt = consentry::tlog::Salt::parse_base64url(&salt).expect("a salt");
        let leaf = salt.leaf_hash(record.as_bytes());
        assert_eq!(proof["leaf_hash"], leaf.to_base64(), "leaf {index}");
    }
    service.kill();

    // Once is enough: a restart queues nothing, and the tree keeps its five leaves.
    let service = start(dir.path());
    actix_rt::time::sleep(Duration::from_millis(1500)).await;
    let (_, _, checkpoint) = service.get("/api/v1/log/checkpoint", false).await;
    assert_eq!(checkpoint.lines().nth(1), Some("5"), "{checkpoint}");
}
