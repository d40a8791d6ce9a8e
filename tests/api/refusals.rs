//! Consent posts the service refuses, each naming what was wrong, and storing nothing.

use serde_json::{Value, json};

use crate::helpers::{ORIGIN, spawn_unlimited};

#[actix_rt::test]
async fn a_body_with_a_repeated_key_is_refused_naming_the_key() {
    let app = spawn_unlimited().await;
    let good = app.decision("en", "reject-all", &[]).await;
    let body = format!(
        r#"{{"revision":{},"shown":{},"accepted":[],"action":"reject-all","language":"en","action":"custom"}}"#,
        good["revision"], good["shown"]
    );

    let answer = app
        .post_consent_raw(body, "application/json", Some(ORIGIN), &[])
        .await;

    assert_eq!(answer.status, 400, "{}", answer.json);
    assert_eq!(answer.json["error"], "duplicate-field");
    assert_eq!(answer.json["field"], "action");
    assert!(
        answer.json["message"]
            .as_str()
            .is_some_and(|m| m.contains("\"action\"")),
        "{}",
        answer.json
    );
    assert_eq!(app.stored().await, 0);
}

/// Each bad body: the status, the field the error must name, and how to spoil a good body.
#[actix_rt::test]
async fn every_bad_input_is_refused_naming_its_field_and_stores_nothing() {
    let app = spawn_unlimited().await;
    let good = app.decision("en", "custom", &["analytics"]).await;
    let other_lang = app.decision("fr", "custom", &[]).await;
    let with = |key: &str, value: Value| {
        let mut body = good.clone();
        body[key] = value;
        body.to_string()
    };
    let without = |key: &str| {
        let mut body = good.clone();
        body.as_object_mut().expect("an object").remove(key);
        body.to_string()
    };
    let cases: Vec<(&str, String, &str, &str)> = vec![
        (
            "malformed JSON",
            "{\"revision\": ".to_owned(),
            "body",
            "malformed-json",
        ),
        (
            "not an object",
            "[1, 2]".to_owned(),
            "body",
            "malformed-json",
        ),
        (
            "missing revision",
            without("revision"),
            "revision",
            "missing-field",
        ),
        ("missing shown", without("shown"), "shown", "missing-field"),
        (
            "missing action",
            without("action"),
            "action",
            "missing-field",
        ),
        (
            "missing accepted",
            without("accepted"),
            "accepted",
            "missing-field",
        ),
        (
            "accepted not a list",
            with("accepted", json!("analytics")),
            "accepted",
            "invalid-accepted",
        ),
        (
            "accepted not strings",
            with("accepted", json!([1])),
            "accepted",
            "invalid-accepted",
        ),
        (
            "unknown category",
            with("accepted", json!(["ads"])),
            "accepted",
            "unknown-category",
        ),
        (
            "unknown action",
            with("action", json!("maybe")),
            "action",
            "unknown-action",
        ),
        (
            "revision a number",
            with("revision", json!(7)),
            "revision",
            "invalid-field",
        ),
        (
            "unknown revision",
            with("revision", json!("deadbeef")),
            "revision",
            "unknown-revision",
        ),
        (
            "unknown shown",
            with("shown", json!("0123456789abcdef")),
            "shown",
            "unknown-shown",
        ),
        (
            "malformed consent_id",
            with("consent_id", json!("not valid!")),
            "consent_id",
            "invalid-consent-id",
        ),
        (
            "short consent_id",
            with("consent_id", json!("abc")),
            "consent_id",
            "invalid-consent-id",
        ),
        (
            "misspelled consent_id",
            with("consentid", json!("k3Jd0123456789abcdefghij")),
            "consentid",
            "unknown-field",
        ),
        (
            "misspelled language",
            with("langauge", json!("en")),
            "langauge",
            "unknown-field",
        ),
        (
            "page a number",
            with("page", json!(7)),
            "page",
            "invalid-field",
        ),
        (
            "language of another snapshot",
            with("language", json!("fr")),
            "language",
            "invalid-language",
        ),
        (
            "shown of another language",
            with("shown", other_lang["shown"].clone()),
            "language",
            "invalid-language",
        ),
        (
            "accept-all that rejects",
            with("action", json!("accept-all")).replace("[\"analytics\"]", "[]"),
            "accepted",
            "inconsistent-decision",
        ),
        (
            "reject-all that accepts",
            with("action", json!("reject-all")),
            "accepted",
            "inconsistent-decision",
        ),
    ];

    for (case, body, field, code) in cases {
        let answer = app
            .post_consent_raw(body, "application/json", Some(ORIGIN), &[])
            .await;
        assert_eq!(answer.status, 400, "{case}: {}", answer.json);
        assert_eq!(answer.json["field"], field, "{case}: {}", answer.json);
        assert_eq!(answer.json["error"], code, "{case}: {}", answer.json);
        assert!(
            answer.json["message"]
                .as_str()
                .is_some_and(|m| m.contains(field) || field == "body"),
            "{case}: {}",
            answer.json
        );
    }
    assert_eq!(app.stored().await, 0);
}

#[actix_rt::test]
async fn a_misspelled_field_is_refused_with_the_name_it_meant() {
    let app = spawn_unlimited().await;
    let mut body = app.decision("en", "custom", &[]).await;
    body["consentid"] = json!("k3Jd0123456789abcdefghij");

    let answer = app.post_consent(&body, &[]).await;

    assert_eq!(answer.status, 400, "{}", answer.json);
    assert_eq!(answer.json["field"], "consentid");
    assert!(
        answer.json["message"]
            .as_str()
            .is_some_and(|m| m.contains("did you mean \"consent_id\"?")),
        "{}",
        answer.json
    );
}

#[actix_rt::test]
async fn a_body_over_8_kib_is_refused_with_413() {
    let app = spawn_unlimited().await;
    let mut body = app.decision("en", "custom", &[]).await;
    body["padding"] = json!("x".repeat(8 * 1024));

    let answer = app.post_consent(&body, &[]).await;

    assert_eq!(answer.status, 413);
    assert_eq!(answer.json["error"], "payload-too-large");
    assert_eq!(app.stored().await, 0);
}

#[actix_rt::test]
async fn a_body_of_another_media_type_is_refused_with_415() {
    let app = spawn_unlimited().await;
    let body = app.decision("en", "custom", &[]).await;

    let answer = app
        .post_consent_raw(
            body.to_string(),
            "application/x-www-form-urlencoded",
            Some(ORIGIN),
            &[],
        )
        .await;

    assert_eq!(answer.status, 415);
    assert_eq!(app.stored().await, 0);
}
