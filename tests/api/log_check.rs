//! `POST /api/v1/admin/log/consistency`, the dashboard's check of a checkpoint kept earlier:
//! today's log extends a real one (with a proof that verifies against both roots); a
//! checkpoint of this log's size with another root (what an auditor would hold had the log
//! been rewritten since), one signed by another key, and a larger tree are each not
//! consistent, saying why; text that is no checkpoint is refused. On both stores.

use std::time::{Duration, Instant};

use consentry::tlog::{
    Checkpoint, KEY_FILE, LogName, LogSigner, TreeHash, read_key, verify_consistency,
};
use serde_json::Value;

use crate::helpers::{TestApp, spawn_unlimited};

/// The latest checkpoint once it covers at least `size` leaves.
async fn checkpoint_of(app: &TestApp, size: u64) -> (String, Checkpoint) {
    let started = Instant::now();
    loop {
        let (status, _, latest) = app.get("/api/v1/log/checkpoint").await;
        let text = latest.split("\n\n").next().unwrap_or_default().to_owned() + "\n";
        if let (200, Ok(head)) = (status, Checkpoint::parse_text(&text))
            && head.size() >= size
        {
            return (latest, head);
        }
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "a checkpoint of {size} leaves: {latest}"
        );
        actix_rt::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn posted(app: &TestApp, n: usize) {
    app.post_decisions(n, "accept-all", &["analytics"]).await;
}

/// The check's answer to `body`, which must be 200.
async fn check(app: &TestApp, body: &str) -> Value {
    let (status, answer) = app.admin_post("/api/v1/admin/log/consistency", body).await;
    assert_eq!(status, 200, "{answer}");
    serde_json::from_str(&answer).expect("a JSON answer")
}

#[actix_rt::test]
async fn a_kept_checkpoint_is_consistent_with_todays_log_and_a_rewritten_one_is_not() {
    let app = spawn_unlimited().await;
    posted(&app, 3).await;
    let (kept, earlier) = checkpoint_of(&app, 3).await;
    posted(&app, 4).await;
    let (_, latest) = checkpoint_of(&app, 7).await;

    // Pasted as a mail client may leave it: Windows line ends, no final newline.
    let answer = check(&app, kept.trim_end().replace('\n', "\r\n").as_str()).await;
    assert_eq!(answer["consistent"], true, "{answer}");
    assert_eq!(answer["first"], earlier.size());
    let second = answer["second"].as_u64().expect("second");
    assert!(second >= latest.size(), "{answer}");
    let (_, head) = checkpoint_of(&app, second).await;
    let path: Vec<TreeHash> = answer["path"]
        .as_array()
        .expect("a path")
        .iter()
        .map(|h| TreeHash::parse_base64(h.as_str().unwrap_or_default()).expect("a hash"))
        .collect();
    assert_eq!(head.size(), second, "no record came since");
    verify_consistency(earlier.size(), second, &path, earlier.root(), head.root())
        .expect("the proof leads to both roots");
    let shown: Checkpoint = Checkpoint::parse_text(
        &(answer["checkpoint"]
            .as_str()
            .unwrap_or_default()
            .split("\n\n")
            .next()
            .unwrap_or_default()
            .to_owned()
            + "\n"),
    )
    .expect("the latest checkpoint in the answer");
    assert_eq!(shown.size(), second);

    // Signed by this log's own key, at the kept size, with another root: the checkpoint an
    // auditor would hold had the log been rewritten after it.
    let signer = read_key(&app.data.join(KEY_FILE)).expect("the service's key");
    let forged =
        Checkpoint::new(signer.name(), earlier.size(), TreeHash::leaf(b"other")).sign(&signer);
    let answer = check(&app, &forged).await;
    assert_eq!(answer["consistent"], false, "{answer}");
    let reason = answer["reason"].as_str().unwrap_or_default();
    assert!(reason.contains("does not extend it"), "{reason}");

    // A larger tree than the log has: it shrank, or this is another log.
    let larger = Checkpoint::new(signer.name(), second + 100, TreeHash::leaf(b"x")).sign(&signer);
    let answer = check(&app, &larger).await;
    assert_eq!(answer["consistent"], false, "{answer}");
    assert!(
        answer["reason"]
            .as_str()
            .unwrap_or_default()
            .contains("shrank"),
        "{answer}"
    );

    // Another key, even under this log's name.
    let other = LogSigner::generate(LogName::parse(signer.name().as_str()).expect("a name"));
    let foreign = Checkpoint::new(other.name(), earlier.size(), *earlier.root()).sign(&other);
    let answer = check(&app, &foreign).await;
    assert_eq!(answer["consistent"], false, "{answer}");
    assert!(
        answer["reason"]
            .as_str()
            .unwrap_or_default()
            .contains("not signed by this log's key"),
        "{answer}"
    );
    assert!(
        answer.get("first").is_none(),
        "nothing is read from a foreign note: {answer}"
    );
}

#[actix_rt::test]
async fn the_check_refuses_what_is_no_checkpoint_and_stays_behind_the_token() {
    let app = spawn_unlimited().await;
    posted(&app, 1).await;
    let (kept, _) = checkpoint_of(&app, 1).await;

    let (status, body) = app
        .admin_post("/api/v1/admin/log/consistency", "hello, auditor")
        .await;
    assert_eq!(status, 400, "{body}");
    let body: Value = serde_json::from_str(&body).expect("a JSON error");
    assert_eq!(body["error"], "invalid-checkpoint", "{body}");

    let (status, _) = app
        .admin_post("/api/v1/admin/log/consistency", &"x".repeat(9 * 1024))
        .await;
    assert_eq!(status, 413);

    let (status, _) = app
        .call_with_body("POST", "/api/v1/admin/log/consistency", None, &kept)
        .await;
    assert_eq!(status, 401, "no token, no check");

    // The checkpoint says when it was signed.
    let (_, headers, _) = app.get("/api/v1/log/checkpoint").await;
    let signed = headers
        .get("last-modified")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    assert!(signed.ends_with(" GMT"), "Last-Modified: {signed:?}");
}
