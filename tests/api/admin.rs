//! The admin API and dashboard behind `CONSENTRY_ADMIN_TOKEN`.

use std::time::Duration;

use serde_json::{Value, json};

use crate::consents::{decision, post, spawn};
use crate::helpers::{SMALL, TestApp, spawn_app_configured};

const TOKEN: &str = crate::helpers::ADMIN_TOKEN;

const ADMIN_PATHS: [(&str, &str); 6] = [
    ("GET", "/api/v1/admin/consents"),
    ("GET", "/api/v1/admin/stats"),
    ("DELETE", "/api/v1/admin/consents/AAAAAAAAAAAAAAAAAAAAAAAA"),
    ("GET", "/api/v1/admin/snapshots/0123456789abcdef"),
    ("GET", "/admin"),
    ("GET", "/admin/dashboard.js"),
];

async fn call(app: &TestApp, method: &str, path: &str, token: Option<&str>) -> (u16, String) {
    let method = awc::http::Method::from_bytes(method.as_bytes()).expect("a method");
    let mut req = app.client.request(method, app.url(path));
    if let Some(token) = token {
        req = req.insert_header(("Authorization", format!("Bearer {token}")));
    }
    let mut res = req.send().await.expect("request sent");
    let body = res.body().limit(1 << 26).await.expect("body read");
    (
        res.status().as_u16(),
        String::from_utf8_lossy(&body).into_owned(),
    )
}

async fn admin_get(app: &TestApp, path: &str) -> (u16, String) {
    call(app, "GET", path, Some(TOKEN)).await
}

/// Posts `n` decisions of `action`; returns the stored records.
async fn record(app: &TestApp, n: usize, action: &str, accepted: &[&str]) -> Vec<Value> {
    let body = decision(app, "en", action, accepted).await;
    let mut out = Vec::new();
    for _ in 0..n {
        let answer = post(app, &body, &[]).await;
        assert_eq!(answer.status, 201, "{}", answer.json);
        out.push(answer.json);
    }
    out
}

#[actix_rt::test]
async fn with_no_token_configured_every_admin_path_answers_404() {
    let app = spawn_app_configured(SMALL, |s| s.admin_token = None).await;

    for (method, path) in ADMIN_PATHS {
        let (status, _) = call(&app, method, path, Some(TOKEN)).await;
        assert_eq!(status, 404, "{method} {path}");
    }
}

#[actix_rt::test]
async fn the_admin_api_refuses_a_missing_or_wrong_token_with_401() {
    let app = spawn().await;

    for (method, path) in ADMIN_PATHS.iter().filter(|(_, p)| p.starts_with("/api")) {
        for token in [
            None,
            Some("wrong"),
            Some("test-admin-token-and-more"),
            Some(""),
        ] {
            let (status, body) = call(&app, method, path, token).await;
            assert_eq!(status, 401, "{method} {path} {token:?}: {body}");
            assert!(body.contains("\"unauthorized\""));
        }
    }
}

/// Queries the admin API cannot parse: a repeated key, a number that is not one.
const BAD_QUERIES: [&str; 3] = [
    "/api/v1/admin/stats?days=abc",
    "/api/v1/admin/consents?since=2026-01-01&since=2026-02-01",
    "/api/v1/admin/consents?format=csv&format=ndjson",
];

#[actix_rt::test]
async fn a_malformed_admin_query_is_judged_only_after_the_token() {
    let closed = spawn_app_configured(SMALL, |s| s.admin_token = None).await;
    let open = spawn().await;

    for path in BAD_QUERIES {
        let (status, _) = call(&closed, "GET", path, Some(TOKEN)).await;
        assert_eq!(status, 404, "no token configured: {path}");
        let (status, body) = call(&open, "GET", path, None).await;
        assert_eq!(status, 401, "no token given: {path}: {body}");
        let (status, body) = call(&open, "GET", path, Some(TOKEN)).await;
        assert_eq!(status, 400, "{path}: {body}");
        let error: Value = serde_json::from_str(&body).expect("a JSON error");
        assert!(
            error["error"].is_string() && error["message"].is_string(),
            "{body}"
        );
    }
    let (_, body) = admin_get(&open, "/api/v1/admin/stats?days=abc").await;
    let error: Value = serde_json::from_str(&body).expect("a JSON error");
    assert_eq!(error["field"], "days", "{body}");
}

#[actix_rt::test]
async fn an_export_whose_since_is_not_before_its_until_is_refused() {
    let app = spawn().await;
    record(&app, 1, "custom", &[]).await;

    for query in [
        "since=2026-11-02&until=2026-11-01",
        "since=2026-11-01T12:00:00Z&until=2026-11-01T11:00:00Z",
    ] {
        let (status, body) = admin_get(&app, &format!("/api/v1/admin/consents?{query}")).await;

        assert_eq!(status, 400, "{query}: {body}");
        let error: Value = serde_json::from_str(&body).expect("a JSON error");
        assert_eq!(error["error"], "invalid-range", "{body}");
        assert_eq!(error["field"], "since", "{body}");
    }
}

#[actix_rt::test]
async fn an_export_bound_that_is_no_date_is_refused_as_invalid_date_naming_the_accepted_forms() {
    let app = spawn().await;

    for (query, field) in [
        ("since=yesterday", "since"),
        ("until=2026-13-01", "until"),
        ("since=2026-11-01&until=soon", "until"),
    ] {
        let (status, body) = admin_get(&app, &format!("/api/v1/admin/consents?{query}")).await;

        assert_eq!(status, 400, "{query}: {body}");
        let error: Value = serde_json::from_str(&body).expect("a JSON error");
        assert_eq!(error["error"], "invalid-date", "{body}");
        assert_eq!(error["field"], field, "{body}");
        let message = error["message"].as_str().expect("a message");
        assert!(
            message.contains("2026-11-22") && message.contains("RFC 3339"),
            "{message}"
        );
    }
}

#[actix_rt::test]
async fn the_bearer_scheme_is_matched_in_any_case() {
    let app = spawn().await;

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
    let (status, _) = call(&app, "GET", "/api/v1/admin/stats", Some("")).await;
    assert_eq!(status, 401);
}

#[actix_rt::test]
async fn the_export_streams_every_record_as_ndjson_in_time_order() {
    let app = spawn().await;
    let mut posted = record(&app, 3, "accept-all", &["analytics"]).await;
    posted.extend(record(&app, 2, "reject-all", &[]).await);

    let (status, body) = admin_get(&app, "/api/v1/admin/consents?format=ndjson").await;

    assert_eq!(status, 200);
    let exported: Vec<Value> = body
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON record a line"))
        .collect();
    assert_eq!(exported, posted);
}

#[actix_rt::test]
async fn the_export_honours_since_and_until() {
    let app = spawn().await;
    record(&app, 2, "custom", &[]).await;
    let today = time::OffsetDateTime::now_utc().date();
    let (tomorrow, yesterday) = (
        today.next_day().expect("a day"),
        today.previous_day().expect("a day"),
    );
    let count = |body: String| body.lines().count();

    let cases = [
        (format!("since={today}"), 2),
        (format!("until={today}"), 2),
        (format!("since={tomorrow}"), 0),
        (format!("until={yesterday}"), 0),
        (format!("since={yesterday}&until={tomorrow}"), 2),
        ("since=2000-01-01T00:00:00Z".to_owned(), 2),
        ("until=9999-12-31".to_owned(), 2),
        ("until=2600-01-01T00:00:00Z".to_owned(), 2),
    ];
    for (query, expected) in cases {
        let (status, body) = admin_get(&app, &format!("/api/v1/admin/consents?{query}")).await;
        assert_eq!(status, 200, "{query}");
        assert_eq!(count(body), expected, "{query}");
    }
    let (status, body) = admin_get(&app, "/api/v1/admin/consents?since=last-week").await;
    assert_eq!(status, 400);
    assert!(body.contains("\"field\":\"since\""));
    let (status, _) = admin_get(&app, "/api/v1/admin/consents?format=xml").await;
    assert_eq!(status, 400);
}

#[actix_rt::test]
async fn the_csv_export_has_one_column_per_category_and_quotes_what_it_must() {
    let app = spawn().await;
    let body = decision(&app, "en", "custom", &["analytics"]).await;
    let answer = post(&app, &body, &[("User-Agent", "Agent, \"quoted\"")]).await;
    assert_eq!(answer.status, 201);

    let mut res = app
        .client
        .get(app.url("/api/v1/admin/consents?format=csv"))
        .insert_header(("Authorization", format!("Bearer {TOKEN}")))
        .send()
        .await
        .expect("sent");
    let csv = String::from_utf8(res.body().await.expect("read").to_vec()).expect("utf-8");

    assert!(
        res.headers()
            .get("content-type")
            .is_some_and(|v| v.to_str().is_ok_and(|v| v.starts_with("text/csv")))
    );
    let lines: Vec<&str> = csv.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(
        lines[0],
        "consent_id,recorded_at,revision,shown,action,language,page,user_agent,ip_prefix,expires_at,sec_gpc,necessary,analytics"
    );
    assert_eq!(lines.len(), 2);
    assert!(
        lines[1].contains(",\"Agent, \"\"quoted\"\"\","),
        "{}",
        lines[1]
    );
    assert!(lines[1].ends_with(",false,true,true"), "{}", lines[1]);
}

/// No cell, however a spreadsheet splits the line (`,`, or `;` as French and German Excel do,
/// tab, `|`), starts with what it would run as a formula.
fn formula_cells(line: &str) -> Vec<String> {
    [',', ';', '\t', '|']
        .iter()
        .flat_map(|sep| line.split(*sep))
        .map(|cell| cell.trim_start_matches([' ', '"']))
        .filter(|cell| cell.starts_with(['=', '+', '-', '@']))
        .map(str::to_owned)
        .collect()
}

#[actix_rt::test]
async fn the_csv_export_defuses_a_formula_after_any_separator_in_every_text_cell() {
    let app = spawn().await;
    let mut body = decision(&app, "en", "custom", &["analytics"]).await;
    let agents = [
        "Mozilla/5.0;=cmd|' /C calc'!A0",
        "Mozilla/5.0\t+cmd|' /C calc'!A0",
        "Mozilla/5.0 |@SUM(1+1)*cmd|' /C calc'!A0",
        "Mozilla/5.0; -2+3+cmd|' /C calc'!A0",
        "=HYPERLINK(\"https://evil.example\")",
    ];
    body["page"] = json!("https://www.example.com/a,=1+cmd|'/C%20calc'!A0/b");
    for agent in agents {
        let answer = post(&app, &body, &[("User-Agent", agent)]).await;
        assert_eq!(answer.status, 201, "{agent}: {}", answer.json);
    }

    let (status, csv) = admin_get(&app, "/api/v1/admin/consents?format=csv").await;

    assert_eq!(status, 200, "{csv}");
    let rows: Vec<&str> = csv
        .split("\r\n")
        .skip(1)
        .filter(|l| !l.is_empty())
        .collect();
    assert_eq!(rows.len(), agents.len(), "{csv}");
    for row in &rows {
        assert!(row.contains("https://www.example.com/a,"), "{row}");
        assert_eq!(formula_cells(row), Vec::<String>::new(), "{row}");
    }
    assert!(
        rows[0].contains("\"Mozilla/5.0;'=cmd|' /C calc'!A0\""),
        "a guarded cell is still one quoted cell with the evidence readable: {}",
        rows[0]
    );
}

#[actix_rt::test]
async fn the_csv_export_gives_each_consent_id_exactly_so_it_can_be_erased() {
    let app = spawn().await;
    let id = record(&app, 1, "custom", &[]).await[0]["consent_id"]
        .as_str()
        .expect("an id")
        .to_owned();

    let (status, csv) = admin_get(&app, "/api/v1/admin/consents?format=csv").await;

    assert_eq!(status, 200, "{csv}");
    let row = csv.split("\r\n").nth(1).expect("a record row");
    let exported = row.split(',').next().expect("a first cell");
    assert_eq!(exported, id);
    let (status, _) = call(
        &app,
        "DELETE",
        &format!("/api/v1/admin/consents/{exported}"),
        Some(TOKEN),
    )
    .await;
    assert_eq!(status, 204);
    let (gone, _, _) = app.get(&format!("/api/v1/consents/{id}")).await;
    assert_eq!(gone, 404);
}

#[actix_rt::test]
async fn stats_count_decisions_per_day_and_the_share_granted() {
    let app = spawn().await;
    record(&app, 3, "accept-all", &["analytics"]).await;
    record(&app, 1, "reject-all", &[]).await;

    let (status, body) = admin_get(&app, "/api/v1/admin/stats?days=7").await;

    assert_eq!(status, 200, "{body}");
    let stats: Value = serde_json::from_str(&body).expect("JSON");
    assert_eq!(stats["decisions"], 4);
    assert_eq!(stats["actions"], json!({"accept-all": 3, "reject-all": 1}));
    assert_eq!(
        stats["share_granted"],
        json!({"analytics": 0.75, "necessary": 1.0})
    );
    let today = time::OffsetDateTime::now_utc().date().to_string();
    assert_eq!(stats["days"][0]["date"], today);
    assert_eq!(stats["days"][0]["decisions"], 4);
    let (status, _) = admin_get(&app, "/api/v1/admin/stats?days=0").await;
    assert_eq!(status, 400);
}

#[actix_rt::test]
async fn erasing_a_visitor_removes_every_record_of_theirs_and_answers_204() {
    let app = spawn().await;
    let kept = record(&app, 1, "custom", &[]).await;
    let first = record(&app, 1, "accept-all", &["analytics"]).await;
    let id = first[0]["consent_id"].as_str().expect("an id").to_owned();
    let mut again = decision(&app, "en", "withdraw", &[]).await;
    again["consent_id"] = json!(id);
    assert_eq!(post(&app, &again, &[]).await.status, 201);

    let (status, _) = call(
        &app,
        "DELETE",
        &format!("/api/v1/admin/consents/{id}"),
        Some(TOKEN),
    )
    .await;

    assert_eq!(status, 204);
    let (gone, _, _) = app.get(&format!("/api/v1/consents/{id}")).await;
    assert_eq!(gone, 404);
    let (_, export) = admin_get(&app, "/api/v1/admin/consents").await;
    assert_eq!(export.lines().count(), 1);
    assert!(export.contains(kept[0]["consent_id"].as_str().expect("an id")));
    let (again, _) = call(
        &app,
        "DELETE",
        &format!("/api/v1/admin/consents/{id}"),
        Some(TOKEN),
    )
    .await;
    assert_eq!(again, 204);
    let (malformed, _) = call(&app, "DELETE", "/api/v1/admin/consents/x", Some(TOKEN)).await;
    assert_eq!(malformed, 400);
}

#[actix_rt::test]
async fn a_snapshot_shows_exactly_what_the_visitor_was_shown() {
    let app = spawn().await;
    let stored = record(&app, 1, "custom", &[]).await;
    let shown = stored[0]["shown"].as_str().expect("a hash");

    let (status, body) = admin_get(&app, &format!("/api/v1/admin/snapshots/{shown}")).await;
    let (unknown, _) = admin_get(&app, "/api/v1/admin/snapshots/0123456789abcdef").await;

    assert_eq!(status, 200);
    let snapshot: Value = serde_json::from_str(&body).expect("JSON");
    assert_eq!(snapshot["revision"], stored[0]["revision"]);
    assert_eq!(snapshot["language"], "en");
    let hash = consentry::registry::short_hash(body.as_bytes(), 16);
    assert_eq!(hash, shown, "the snapshot is content-addressed");
    assert_eq!(unknown, 404);
}

#[actix_rt::test]
async fn the_dashboard_is_a_page_without_inline_script_or_style() {
    let app = spawn().await;

    let (status, headers, html) = app.get("/admin").await;
    let (js_status, _, js) = app.get("/admin/dashboard.js").await;

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
    assert!(js.contains("/api/v1/admin/stats"));
}

#[actix_rt::test]
async fn records_past_the_retention_are_purged() {
    let logs = crate::http::capture_logs();
    let app = spawn_app_configured(SMALL, |s| {
        s.rate_limit = None;
        s.retention = Duration::from_secs(1);
        s.allow_short_retention = true;
        s.purge_every = Duration::from_millis(100);
    })
    .await;
    let stored = record(&app, 3, "custom", &[]).await;
    let id = stored[0]["consent_id"].as_str().expect("an id").to_owned();

    let purged = app
        .eventually(Duration::from_secs(10), || async {
            admin_get(&app, "/api/v1/admin/consents").await.1.is_empty()
        })
        .await;

    assert!(purged, "the records are gone after the retention");
    let logs = String::from_utf8_lossy(&logs.lock().expect("logs")).into_owned();
    assert!(
        logs.lines()
            .any(|l| l.contains("WARN") && l.contains("purged more than half")),
        "a purge of the whole store is a warning: {logs}"
    );
    let (status, _, _) = app.get(&format!("/api/v1/consents/{id}")).await;
    assert_eq!(status, 404);
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
