//! The admin surface behind `CONSENTRY_ADMIN_TOKEN`: who may call it, and the dashboard.

use std::time::Duration;

use serde_json::Value;

use crate::helpers::{ADMIN_TOKEN as TOKEN, SMALL, spawn_app_configured, spawn_unlimited};

const ADMIN_PATHS: [(&str, &str); 7] = [
    ("GET", "/api/v1/admin/consents"),
    ("GET", "/api/v1/admin/stats"),
    ("GET", "/api/v1/admin/charts"),
    ("DELETE", "/api/v1/admin/consents/AAAAAAAAAAAAAAAAAAAAAAAA"),
    ("GET", "/api/v1/admin/snapshots/0123456789abcdef"),
    ("GET", "/admin"),
    ("GET", "/admin/dashboard.js"),
];

#[actix_rt::test]
async fn with_no_token_configured_every_admin_path_answers_404() {
    let app = spawn_app_configured(SMALL, |s| s.admin_token = None).await;

    for (method, path) in ADMIN_PATHS {
        let (status, _) = app.admin_call(method, path, Some(TOKEN)).await;
        assert_eq!(status, 404, "{method} {path}");
    }
}

#[actix_rt::test]
async fn the_admin_api_refuses_a_missing_or_wrong_token_with_401() {
    let app = spawn_unlimited().await;

    for (method, path) in ADMIN_PATHS.iter().filter(|(_, p)| p.starts_with("/api")) {
        for token in [
            None,
            Some("wrong"),
            Some("test-admin-token-and-more"),
            Some(""),
        ] {
            let (status, body) = app.admin_call(method, path, token).await;
            assert_eq!(status, 401, "{method} {path} {token:?}: {body}");
            assert!(body.contains("\"unauthorized\""));
        }
    }
}

/// Queries the admin API cannot parse: a repeated key, a number that is not one.
const BAD_QUERIES: [&str; 4] = [
    "/api/v1/admin/stats?days=abc",
    "/api/v1/admin/charts?days=0",
    "/api/v1/admin/consents?since=2026-01-01&since=2026-02-01",
    "/api/v1/admin/consents?format=csv&format=ndjson",
];

#[actix_rt::test]
async fn a_malformed_admin_query_is_judged_only_after_the_token() {
    let closed = spawn_app_configured(SMALL, |s| s.admin_token = None).await;
    let open = spawn_unlimited().await;

    for path in BAD_QUERIES {
        let (status, _) = closed.admin_call("GET", path, Some(TOKEN)).await;
        assert_eq!(status, 404, "no token configured: {path}");
        let (status, body) = open.admin_call("GET", path, None).await;
        assert_eq!(status, 401, "no token given: {path}: {body}");
        let (status, body) = open.admin_call("GET", path, Some(TOKEN)).await;
        assert_eq!(status, 400, "{path}: {body}");
        let error: Value = serde_json::from_str(&body).expect("a JSON error");
        assert!(
            error["error"].is_string() && error["message"].is_string(),
            "{body}"
        );
    }
    let (_, body) = open.stats("?days=abc").await;
    let error: Value = serde_json::from_str(&body).expect("a JSON error");
    assert_eq!(error["field"], "days", "{body}");
}

#[actix_rt::test]
async fn the_bearer_scheme_is_matched_in_any_case() {
    let app = spawn_unlimited().await;

    for scheme in ["Bearer", "bearer", "BEARER"] {
        let mut res = app
            .client
            .get(app.url("/api/v1/admin/stats"))
            .insert_header(("Authorization", format!("{scheme} {TOKEN}")))
            .send()
            .await
            .expect("request sent");
        let body = res.body().await.expect("body read");

        assert_eq!(res.status().as_u16(), 200, "{scheme}: {body:?}");
    }
    let (status, _) = app.admin_call("GET", "/api/v1/admin/stats", Some("")).await;
    assert_eq!(status, 401);
}

#[actix_rt::test]
async fn the_dashboard_is_a_page_without_inline_script_or_style() {
    let app = spawn_unlimited().await;

    let (status, headers, html) = app.get("/admin").await;
    let (js_status, _, js) = app.get("/admin/dashboard.js").await;
    let (lookup_status, _, lookup) = app.get("/admin/lookup.js").await;
    let (missing, _, _) = app.get("/admin/other.js").await;

    assert_eq!(status, 200);
    assert!(headers.get("content-security-policy").is_some());
    let doc = scraper::Html::parse_document(&html);
    let select = |css| scraper::Selector::parse(css).expect("a selector");
    assert!(doc.select(&select("style, [style]")).next().is_none());
    for script in doc.select(&select("script")) {
        assert!(
            script
                .value()
                .attr("src")
                .is_some_and(|s| s.starts_with('/'))
        );
        assert!(script.inner_html().trim().is_empty());
    }
    assert!(
        doc.select(&select("input#token[type=password]"))
            .next()
            .is_some()
    );
    assert_eq!(js_status, 200);
    assert!(js.contains("/api/v1/admin/charts"));
    assert_eq!(lookup_status, 200);
    assert!(
        lookup.contains("from \"/admin/dashboard.js\""),
        "a module of the dashboard's"
    );
    assert_eq!(missing, 404);
}

/// Starts the real binary with `token` as `CONSENTRY_ADMIN_TOKEN`; its exit code and stderr if
/// it stops within 10 s, `None` if it is still serving.
fn serve_with_token(token: &str) -> Option<(i32, String)> {
    use std::process::{Command, Stdio};
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("cookies.toml");
    std::fs::write(&config, SMALL).expect("write registry");
    let mut child = Command::new(env!("CARGO_BIN_EXE_consentry"))
        .args(["serve", "--bind", "127.0.0.1:0", "--config"])
        .arg(&config)
        .arg("--data")
        .arg(dir.path().join("data"))
        .env("CONSENTRY_ADMIN_TOKEN", token)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let started = std::time::Instant::now();
    while started.elapsed() < Duration::from_secs(10) {
        if child.try_wait().expect("status").is_some() {
            let out = child.wait_with_output().expect("output");
            return Some((
                out.status.code().unwrap_or(-1),
                String::from_utf8_lossy(&out.stderr).into_owned(),
            ));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
    None
}

#[test]
fn an_admin_token_that_no_client_can_send_is_refused_at_start() {
    for token in [
        "s3cret-token\n",
        "s3cret-token ",
        " s3cret-token",
        "s3cret-tokén",
    ] {
        let stopped = serve_with_token(token);

        let (code, stderr) = stopped.unwrap_or_else(|| panic!("{token:?}: the service ran"));
        assert_eq!(code, 1, "{token:?}: {stderr}");
        assert!(
            stderr.contains("CONSENTRY_ADMIN_TOKEN"),
            "{token:?}: {stderr}"
        );
    }
}
