//! Retries (CONTRACT §4.4): a post repeating the `consent_id` and `decision_id` of a stored
//! record is answered with that record and stores nothing new.

use serde_json::{Value, json};

use crate::helpers::spawn_unlimited;

const VISITOR: &str = "lnp0k3b2_1234567890_2345678901_3456789012_4567890123";
const DECISION: &str = "d3c1s10n-0f-th3-v1s1t0r-0001";

async fn named(app: &crate::helpers::TestApp, decision_id: &str) -> Value {
    let mut body = app.decision("en", "accept-all", &["analytics"]).await;
    body["consent_id"] = json!(VISITOR);
    body["decision_id"] = json!(decision_id);
    body
}

#[actix_rt::test]
async fn a_retried_decision_is_answered_200_with_the_stored_record_and_stored_once() {
    let app = spawn_unlimited().await;
    let body = named(&app, DECISION).await;

    let first = app.post_consent(&body, &[]).await;
    let again = app.post_consent(&body, &[]).await;

    assert_eq!(first.status, 201, "{}", first.json);
    assert_eq!(first.json["decision_id"], json!(DECISION));
    assert_eq!(again.status, 200, "{}", again.json);
    assert_eq!(again.json, first.json, "the stored record, byte for byte");
    assert_eq!(app.stored().await, 1);
}

#[actix_rt::test]
async fn a_retry_that_differs_from_the_stored_decision_changes_nothing() {
    let app = spawn_unlimited().await;
    let body = named(&app, DECISION).await;
    let first = app.post_consent(&body, &[]).await;
    let mut changed = body.clone();
    changed["action"] = json!("reject-all");
    changed["accepted"] = json!([]);

    let again = app.post_consent(&changed, &[]).await;

    assert_eq!(again.status, 200, "{}", again.json);
    assert_eq!(again.json["action"], "accept-all");
    assert_eq!(again.json["recorded_at"], first.json["recorded_at"]);
    assert_eq!(app.stored().await, 1);
}

#[actix_rt::test]
async fn copies_of_one_decision_posted_at_once_are_stored_once() {
    let app = spawn_unlimited().await;
    let body = named(&app, DECISION).await;

    let answers =
        futures_util::future::join_all((0..16).map(|_| app.post_consent(&body, &[]))).await;

    let mut statuses: Vec<u16> = answers.iter().map(|a| a.status).collect();
    statuses.sort_unstable();
    assert_eq!(statuses[0], 200, "{statuses:?}");
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| *s == 200 || *s == 201),
        "{statuses:?}"
    );
    assert!(answers.iter().all(|a| a.json == answers[0].json));
    assert_eq!(app.stored().await, 1);
}

#[actix_rt::test]
async fn distinct_decisions_of_one_visitor_are_each_stored() {
    let app = spawn_unlimited().await;

    let first = app.post_consent(&named(&app, DECISION).await, &[]).await;
    let second = app
        .post_consent(&named(&app, "an0ther-d3c1s10n-0f-th3-v1s1t0r").await, &[])
        .await;

    assert_eq!((first.status, second.status), (201, 201));
    let history = app.get_json(&format!("/api/v1/consents/{VISITOR}")).await;
    assert_eq!(history.as_array().map(Vec::len), Some(2));
}

#[actix_rt::test]
async fn the_same_decision_id_under_another_visitor_is_another_decision() {
    let app = spawn_unlimited().await;
    let mut other = named(&app, DECISION).await;
    other["consent_id"] = json!("someone-else-entirely-0123456789");

    let first = app.post_consent(&named(&app, DECISION).await, &[]).await;
    let second = app.post_consent(&other, &[]).await;

    assert_eq!((first.status, second.status), (201, 201));
    assert_eq!(app.stored().await, 2);
}

#[actix_rt::test]
async fn a_malformed_decision_id_is_refused_naming_it() {
    let app = spawn_unlimited().await;

    let answer = app.post_consent(&named(&app, "short").await, &[]).await;

    assert_eq!(answer.status, 400);
    assert_eq!(answer.json["error"], "invalid-decision-id");
    assert_eq!(answer.json["field"], "decision_id");
    assert_eq!(app.stored().await, 0);
}

#[actix_rt::test]
async fn after_an_erasure_a_retry_is_stored_again_as_the_visitor_asked_anew() {
    let app = spawn_unlimited().await;
    let body = named(&app, DECISION).await;
    app.post_consent(&body, &[]).await;
    let (erased, _) = app.erase(VISITOR).await;
    assert_eq!(erased, 204);

    let again = app.post_consent(&body, &[]).await;

    assert_eq!(again.status, 201, "{}", again.json);
    assert_eq!(app.stored().await, 1);
}
