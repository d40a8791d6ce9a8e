//! What every route shares: HEAD, wrong methods, the request log.

use crate::helpers::{SMALL, TestApp, spawn_app};

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
