//! What every route shares: HEAD, wrong methods, the request log.

use crate::helpers::{SMALL, TestApp, spawn_app, spawn_app_configured};

/// Sends `method` to `path`; the status, headers and body.
async fn send(
    app: &TestApp,
    method: &str,
    path: &str,
) -> (u16, awc::http::header::HeaderMap, Vec<u8>) {
    let method = awc::http::Method::from_bytes(method.as_bytes()).expect("a method");
    let mut res = app
        .client
        .request(method, app.url(path))
        .send()
        .await
        .expect("request sent");
    let body = res.body().limit(1 << 24).await.expect("body read");
    (res.status().as_u16(), res.headers().clone(), body.to_vec())
}

#[actix_rt::test]
async fn head_is_answered_like_get_without_the_body() {
    let app = spawn_app(SMALL).await;

    for path in [
        "/healthz",
        "/cookie-policy",
        "/banner.js",
        "/api/v1/registry",
        "/.well-known/gpc.json",
    ] {
        let (get_status, get_headers, get_body) = send(&app, "GET", path).await;
        let (status, headers, body) = send(&app, "HEAD", path).await;

        assert_eq!(get_status, 200, "GET {path}");
        assert_eq!(status, 200, "HEAD {path}");
        assert!(body.is_empty(), "HEAD {path} has a body");
        assert_eq!(
            headers.get("content-type"),
            get_headers.get("content-type"),
            "{path}"
        );
        if let Some(length) = headers.get("content-length") {
            assert_eq!(
                length.to_str().ok(),
                Some(get_body.len().to_string().as_str()),
                "{path}"
            );
        }
    }
}

#[actix_rt::test]
async fn a_wrong_method_on_a_known_path_is_405_with_allow_and_a_json_error() {
    let app = spawn_app(SMALL).await;
    let id = "AAAAAAAAAAAAAAAAAAAAAAAA";
    let cases = [
        ("PUT", "/healthz".to_owned(), "GET, HEAD"),
        ("POST", "/cookie-policy".to_owned(), "GET, HEAD"),
        ("DELETE", "/api/v1/registry".to_owned(), "GET, HEAD"),
        ("GET", "/api/v1/consents".to_owned(), "POST"),
        ("DELETE", format!("/api/v1/consents/{id}"), "GET, HEAD"),
        ("POST", "/api/v1/admin/stats".to_owned(), "GET, HEAD"),
        ("GET", format!("/api/v1/admin/consents/{id}"), "DELETE"),
    ];

    for (method, path, allow) in cases {
        let (status, headers, body) = send(&app, method, &path).await;

        assert_eq!(status, 405, "{method} {path}");
        assert_eq!(
            headers.get("allow").and_then(|v| v.to_str().ok()),
            Some(allow),
            "{method} {path}"
        );
        let error: serde_json::Value = serde_json::from_slice(&body).expect("a JSON error");
        assert_eq!(error["error"], "method-not-allowed", "{method} {path}");
    }
    let (status, _, _) = send(&app, "PUT", "/no/such/page").await;
    assert_eq!(status, 404);
}

#[actix_rt::test]
async fn a_wrong_method_on_the_closed_admin_surface_is_404() {
    let app = spawn_app_configured(SMALL, |s| s.admin_token = None).await;

    for (method, path) in [
        ("POST", "/api/v1/admin/stats"),
        ("GET", "/api/v1/admin/consents/AAAAAAAAAAAAAAAAAAAAAAAA"),
        ("POST", "/admin"),
    ] {
        let (status, headers, _) = send(&app, method, path).await;

        assert_eq!(status, 404, "{method} {path}");
        assert!(headers.get("allow").is_none(), "{method} {path}");
    }
}

#[actix_rt::test]
async fn the_request_log_names_routes_never_consent_ids() {
    let logs = crate::captured::capture_logs();
    let app = crate::helpers::spawn_unlimited().await;
    let body = app.decision("en", "custom", &[]).await;
    let answer = app.post_consent(&body, &[]).await;
    let id = answer.json["consent_id"]
        .as_str()
        .expect("an id")
        .to_owned();

    let (status, _, _) = send(&app, "GET", &format!("/api/v1/consents/{id}")).await;
    assert_eq!(status, 200);
    let (status, _, _) = send(&app, "GET", &format!("/api/v1/consent/{id}")).await;
    assert_eq!(status, 404);

    let logs = String::from_utf8_lossy(&logs.lock().expect("logs")).into_owned();
    assert!(
        logs.contains("route=/api/v1/consents/{consent_id}"),
        "the route is logged: {logs}"
    );
    assert!(!logs.contains(&id), "the consent id is not logged");
}
