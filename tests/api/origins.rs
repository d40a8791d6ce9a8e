//! Which pages may post decisions and read them: the registry's origins (CORS) and the
//! service's own.

use crate::helpers::{ORIGIN, SMALL, spawn_app_configured, spawn_unlimited};

#[actix_rt::test]
async fn a_post_from_an_origin_outside_the_registry_is_refused_with_403() {
    let app = spawn_unlimited().await;
    let body = app.decision("en", "custom", &[]).await.to_string();

    let foreign = app
        .post_consent_raw(
            body.clone(),
            "text/plain",
            Some("https://evil.example"),
            &[],
        )
        .await;
    let lookalike = app
        .post_consent_raw(
            body.clone(),
            "text/plain",
            Some("https://www.example.com.evil.example"),
            &[],
        )
        .await;
    let missing = app.post_consent_raw(body, "text/plain", None, &[]).await;

    for answer in [&foreign, &lookalike, &missing] {
        assert_eq!(answer.status, 403, "{}", answer.json);
        assert_eq!(answer.json["error"], "forbidden");
        assert!(
            answer.json["message"]
                .as_str()
                .is_some_and(|m| m.starts_with("origin"))
        );
    }
    assert!(foreign.headers.get("access-control-allow-origin").is_none());
    assert_eq!(app.stored().await, 0);
}

#[actix_rt::test]
async fn a_registry_origin_written_with_its_default_port_matches_what_browsers_send() {
    let registry = SMALL.replace(
        "origins = [\"https://www.example.com\"]",
        "origins = [\"https://www.example.com:443\"]",
    );
    let app = spawn_app_configured(&registry, |s| s.rate_limit = None).await;
    let body = app.decision("en", "custom", &[]).await;

    let answer = app.post_consent(&body, &[]).await;

    assert_eq!(answer.status, 201, "{}", answer.json);
    assert_eq!(
        answer
            .headers
            .get("access-control-allow-origin")
            .and_then(|v| v.to_str().ok()),
        Some(ORIGIN)
    );
}

#[actix_rt::test]
async fn a_post_from_the_service_own_pages_is_accepted() {
    let app = spawn_unlimited().await;
    let body = app.decision("en", "custom", &[]).await.to_string();
    let own = format!("http://127.0.0.1:{}", app.port);
    let behind_tls = format!("https://127.0.0.1:{}", app.port);
    let other_port = format!("http://127.0.0.1:{}", app.port + 1);

    let answer = app
        .post_consent_raw(body.clone(), "application/json", Some(&own), &[])
        .await;
    let proxied = app
        .post_consent_raw(body.clone(), "text/plain", Some(&behind_tls), &[])
        .await;
    let neighbour = app
        .post_consent_raw(body, "text/plain", Some(&other_port), &[])
        .await;

    assert_eq!(answer.status, 201, "{}", answer.json);
    assert_eq!(proxied.status, 201, "a proxy in front may terminate TLS");
    assert_eq!(neighbour.status, 403, "another port is another origin");
}

#[actix_rt::test]
async fn cors_preflight_is_granted_to_registry_origins_only() {
    let app = spawn_unlimited().await;
    let preflight = |origin: &'static str| {
        app.client
            .request(awc::http::Method::OPTIONS, app.url("/api/v1/consents"))
            .insert_header(("Origin", origin))
            .insert_header(("Access-Control-Request-Method", "POST"))
            .insert_header(("Access-Control-Request-Headers", "content-type"))
            .send()
    };

    let allowed = preflight(ORIGIN).await.expect("sent");
    let refused = preflight("https://evil.example").await.expect("sent");

    assert!(allowed.status().is_success());
    assert_eq!(
        allowed
            .headers()
            .get("access-control-allow-origin")
            .and_then(|v| v.to_str().ok()),
        Some(ORIGIN)
    );
    assert!(
        refused
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
}

#[actix_rt::test]
async fn the_registry_origins_may_read_a_visitor_history_cross_origin() {
    let app = spawn_unlimited().await;
    let first = app
        .post_consent(&app.decision("en", "custom", &[]).await, &[])
        .await;
    let id = first.json["consent_id"].as_str().expect("an id");
    let read = |origin: &'static str| {
        app.client
            .get(app.url(&format!("/api/v1/consents/{id}")))
            .insert_header(("Origin", origin))
            .send()
    };

    let allowed = read(ORIGIN).await.expect("sent");
    let other = read("https://evil.example").await.expect("sent");

    let allow = |res: &awc::ClientResponse<_>| {
        res.headers()
            .get("access-control-allow-origin")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    assert_eq!(allow(&allowed), Some(ORIGIN.to_owned()));
    assert_eq!(allow(&other), None);
}
