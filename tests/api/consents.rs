//! Recording decisions: `POST /api/v1/consents` and reading them back, `GET /api/v1/consents/{id}`.

use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::{ORIGIN, SMALL, spawn_unlimited};

#[actix_rt::test]
async fn accepting_all_stores_every_category_as_granted() {
    let app = spawn_unlimited().await;
    let body = app
        .decision("en", "accept-all", &["necessary", "analytics"])
        .await;

    let answer = app.post_consent(&body, &[]).await;

    assert_eq!(answer.status, 201, "{}", answer.json);
    assert_eq!(
        answer.json["categories"],
        json!({"necessary": true, "analytics": true})
    );
    assert_eq!(answer.json["action"], "accept-all");
    assert_eq!(answer.json["revision"], body["revision"]);
    assert_eq!(answer.json["shown"], body["shown"]);
    assert_eq!(answer.json["language"], "en");
    let id = answer.json["consent_id"].as_str().expect("a consent id");
    assert_eq!(
        answer.headers.get("location").and_then(|v| v.to_str().ok()),
        Some(format!("/api/v1/consents/{id}").as_str())
    );
    assert_eq!(
        answer
            .headers
            .get("access-control-allow-origin")
            .and_then(|v| v.to_str().ok()),
        Some(ORIGIN),
        "the banner on the registry's site may read the answer"
    );
}

#[actix_rt::test]
async fn rejecting_all_stores_every_optional_category_as_denied() {
    let app = spawn_unlimited().await;
    let body = app.decision("en", "reject-all", &[]).await;

    let answer = app.post_consent(&body, &[]).await;

    assert_eq!(answer.status, 201, "{}", answer.json);
    assert_eq!(
        answer.json["categories"],
        json!({"necessary": true, "analytics": false})
    );
}

#[actix_rt::test]
async fn required_categories_are_granted_even_when_not_listed() {
    let app = spawn_unlimited().await;
    let body = app.decision("fr", "custom", &["analytics"]).await;

    let answer = app.post_consent(&body, &[]).await;

    assert_eq!(answer.status, 201, "{}", answer.json);
    assert_eq!(
        answer.json["categories"],
        json!({"necessary": true, "analytics": true})
    );
    assert_eq!(answer.json["language"], "fr");
}

#[actix_rt::test]
async fn a_text_plain_body_is_recorded_like_json() {
    let app = spawn_unlimited().await;
    let body = app.decision("en", "custom", &[]).await;

    let answer = app
        .post_consent_raw(
            body.to_string(),
            "text/plain;charset=UTF-8",
            Some(ORIGIN),
            &[],
        )
        .await;

    assert_eq!(answer.status, 201, "{}", answer.json);
}

#[actix_rt::test]
async fn a_new_visitor_gets_a_random_url_safe_id_of_at_least_128_bits() {
    let app = spawn_unlimited().await;
    let body = app.decision("en", "custom", &[]).await;

    let first = app.post_consent(&body, &[]).await.json;
    let second = app.post_consent(&body, &[]).await.json;

    let (a, b) = (
        first["consent_id"].as_str().expect("an id"),
        second["consent_id"].as_str().expect("an id"),
    );
    assert_ne!(a, b);
    assert!(a.len() >= 22, "{a}: 22 base64 characters carry 132 bits");
    assert!(
        a.bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
    );
}

#[actix_rt::test]
async fn a_returning_visitor_keeps_their_id_and_reads_their_decisions_oldest_first() {
    let app = spawn_unlimited().await;
    let first = app
        .post_consent(&app.decision("en", "accept-all", &["analytics"]).await, &[])
        .await;
    let id = first.json["consent_id"].as_str().expect("an id").to_owned();
    let mut withdraw = app.decision("en", "withdraw", &[]).await;
    withdraw["consent_id"] = json!(id);

    let second = app.post_consent(&withdraw, &[]).await;
    let history = app.get_json(&format!("/api/v1/consents/{id}")).await;

    assert_eq!(second.status, 201, "{}", second.json);
    assert_eq!(second.json["consent_id"], json!(id));
    let actions: Vec<&str> = history
        .as_array()
        .expect("a list")
        .iter()
        .filter_map(|r| r["action"].as_str())
        .collect();
    assert_eq!(actions, ["accept-all", "withdraw"]);
    assert_eq!(history[1]["categories"]["analytics"], false);
}

#[actix_rt::test]
async fn the_decision_expires_after_the_registry_consent_days() {
    let app = spawn_unlimited().await;

    let answer = app
        .post_consent(&app.decision("en", "custom", &[]).await, &[])
        .await;

    let parse = |v: &Value| {
        time::OffsetDateTime::parse(
            v.as_str().expect("a time"),
            &time::format_description::well_known::Rfc3339,
        )
        .expect("RFC 3339")
    };
    let lasts = parse(&answer.json["expires_at"]) - parse(&answer.json["recorded_at"]);
    assert_eq!(lasts, time::Duration::days(182));
}

#[actix_rt::test]
async fn the_global_privacy_control_header_is_recorded() {
    let app = spawn_unlimited().await;
    let body = app.decision("en", "gpc", &[]).await;

    let with = app.post_consent(&body, &[("Sec-GPC", "1")]).await;
    let without = app.post_consent(&body, &[]).await;

    assert_eq!(with.status, 201, "{}", with.json);
    assert_eq!(with.json["sec_gpc"], true);
    assert_eq!(with.json["action"], "gpc");
    assert_eq!(without.json["sec_gpc"], false);
}

#[actix_rt::test]
async fn a_revision_served_before_a_reload_is_still_accepted_with_its_own_categories() {
    let app = spawn_unlimited().await;
    let before = app
        .decision("en", "accept-all", &["necessary", "analytics"])
        .await;
    let edited = format!(
        "{SMALL}\n[[category]]\nid = \"marketing\"\ntitle = \"Marketing\"\ndescription = \"Ads.\"\n"
    );
    std::fs::write(&app.config, edited).expect("edit the registry");
    let old_revision = before["revision"].clone();
    let reloaded = app
        .eventually(Duration::from_secs(10), || async {
            app.registry().await["revision"] != old_revision
        })
        .await;
    assert!(reloaded, "the edit was picked up");

    let old = app.post_consent(&before, &[]).await;
    let new = app
        .post_consent(&app.decision("en", "reject-all", &[]).await, &[])
        .await;

    assert_eq!(old.status, 201, "{}", old.json);
    assert_eq!(
        old.json["categories"],
        json!({"necessary": true, "analytics": true})
    );
    assert_eq!(old.json["revision"], old_revision);
    assert_eq!(new.status, 201, "{}", new.json);
    assert_eq!(
        new.json["categories"],
        json!({"necessary": true, "analytics": false, "marketing": false})
    );
}

#[actix_rt::test]
async fn reading_an_unknown_or_malformed_id_answers_404_or_400() {
    let app = spawn_unlimited().await;

    let (unknown, _, _) = app.get("/api/v1/consents/AAAAAAAAAAAAAAAAAAAAAAAA").await;
    let (malformed, _, body) = app.get("/api/v1/consents/bad!").await;

    assert_eq!(unknown, 404);
    assert_eq!(malformed, 400);
    assert!(body.contains("consent_id"));
}
