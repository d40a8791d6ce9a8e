//! What the admin API answers: exports (NDJSON, CSV), stats, erasure, snapshots, and the
//! retention purge.

use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::{ADMIN_TOKEN as TOKEN, SMALL, spawn_app_configured, spawn_unlimited};

#[actix_rt::test]
async fn an_export_whose_since_is_not_before_its_until_is_refused() {
    let app = spawn_unlimited().await;
    app.post_decisions(1, "custom", &[]).await;

    for query in [
        "since=2026-11-02&until=2026-11-01",
        "since=2026-11-01T12:00:00Z&until=2026-11-01T11:00:00Z",
    ] {
        let (status, body) = app.export(&format!("?{query}")).await;

        assert_eq!(status, 400, "{query}: {body}");
        let error: Value = serde_json::from_str(&body).expect("a JSON error");
        assert_eq!(error["error"], "invalid-range", "{body}");
        assert_eq!(error["field"], "since", "{body}");
    }
}

#[actix_rt::test]
async fn an_export_bound_that_is_no_date_is_refused_as_invalid_date_naming_the_accepted_forms() {
    let app = spawn_unlimited().await;

    for (query, field) in [
        ("since=yesterday", "since"),
        ("until=2026-13-01", "until"),
        ("since=2026-11-01&until=soon", "until"),
    ] {
        let (status, body) = app.export(&format!("?{query}")).await;

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
async fn the_export_streams_every_record_as_ndjson_in_time_order() {
    let app = spawn_unlimited().await;
    let mut posted = app.post_decisions(3, "accept-all", &["analytics"]).await;
    posted.extend(app.post_decisions(2, "reject-all", &[]).await);

    let (status, body) = app.export("?format=ndjson").await;

    assert_eq!(status, 200);
    let exported: Vec<Value> = body
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON record a line"))
        .collect();
    assert_eq!(exported, posted);
}

#[actix_rt::test]
async fn the_export_honours_since_and_until() {
    let app = spawn_unlimited().await;
    app.post_decisions(2, "custom", &[]).await;
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
        let (status, body) = app.export(&format!("?{query}")).await;
        assert_eq!(status, 200, "{query}");
        assert_eq!(count(body), expected, "{query}");
    }
    let (status, body) = app.export("?since=last-week").await;
    assert_eq!(status, 400);
    assert!(body.contains("\"field\":\"since\""));
    let (status, _) = app.export("?format=xml").await;
    assert_eq!(status, 400);
}

#[actix_rt::test]
async fn the_csv_export_has_one_column_per_category_and_quotes_what_it_must() {
    let app = spawn_unlimited().await;
    let body = app.decision("en", "custom", &["analytics"]).await;
    let answer = app
        .post_consent(&body, &[("User-Agent", "Agent, \"quoted\"")])
        .await;
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
    let app = spawn_unlimited().await;
    let mut body = app.decision("en", "custom", &["analytics"]).await;
    let agents = [
        "Mozilla/5.0;=cmd|' /C calc'!A0",
        "Mozilla/5.0\t+cmd|' /C calc'!A0",
        "Mozilla/5.0 |@SUM(1+1)*cmd|' /C calc'!A0",
        "Mozilla/5.0; -2+3+cmd|' /C calc'!A0",
        "=HYPERLINK(\"https://evil.example\")",
    ];
    body["page"] = json!("https://www.example.com/a,=1+cmd|'/C%20calc'!A0/b");
    for agent in agents {
        let answer = app.post_consent(&body, &[("User-Agent", agent)]).await;
        assert_eq!(answer.status, 201, "{agent}: {}", answer.json);
    }

    let (status, csv) = app.export("?format=csv").await;

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
    let app = spawn_unlimited().await;
    let id = app.post_decisions(1, "custom", &[]).await[0]["consent_id"]
        .as_str()
        .expect("an id")
        .to_owned();

    let (status, csv) = app.export("?format=csv").await;

    assert_eq!(status, 200, "{csv}");
    let row = csv.split("\r\n").nth(1).expect("a record row");
    let exported = row.split(',').next().expect("a first cell");
    assert_eq!(exported, id);
    let (status, _) = app.erase(exported).await;
    assert_eq!(status, 204);
    let (gone, _, _) = app.history(&id, "").await;
    assert_eq!(gone, 404);
}

#[actix_rt::test]
async fn stats_count_decisions_per_day_and_the_share_granted() {
    let app = spawn_unlimited().await;
    app.post_decisions(3, "accept-all", &["analytics"]).await;
    app.post_decisions(1, "reject-all", &[]).await;

    let (status, body) = app.stats("?days=7").await;

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
    let (status, _) = app.stats("?days=0").await;
    assert_eq!(status, 400);
}

#[actix_rt::test]
async fn erasing_a_visitor_removes_every_record_of_theirs_and_answers_204() {
    let app = spawn_unlimited().await;
    let kept = app.post_decisions(1, "custom", &[]).await;
    let first = app.post_decisions(1, "accept-all", &["analytics"]).await;
    let id = first[0]["consent_id"].as_str().expect("an id").to_owned();
    let mut again = app.decision("en", "withdraw", &[]).await;
    again["consent_id"] = json!(id);
    assert_eq!(app.post_consent(&again, &[]).await.status, 201);

    let (status, _) = app.erase(&id).await;

    assert_eq!(status, 204);
    let (gone, _, _) = app.history(&id, "").await;
    assert_eq!(gone, 404);
    let (_, export) = app.export("").await;
    assert_eq!(export.lines().count(), 1);
    assert!(export.contains(kept[0]["consent_id"].as_str().expect("an id")));
    let (again, _) = app.erase(&id).await;
    assert_eq!(again, 204);
    let (malformed, _) = app.erase("x").await;
    assert_eq!(malformed, 400);
}

#[actix_rt::test]
async fn a_snapshot_shows_exactly_what_the_visitor_was_shown() {
    let app = spawn_unlimited().await;
    let stored = app.post_decisions(1, "custom", &[]).await;
    let shown = stored[0]["shown"].as_str().expect("a hash");

    let (status, body) = app.snapshot(shown).await;
    let (unknown, _) = app.snapshot("0123456789abcdef").await;

    assert_eq!(status, 200);
    let snapshot: Value = serde_json::from_str(&body).expect("JSON");
    assert_eq!(snapshot["revision"], stored[0]["revision"]);
    assert_eq!(snapshot["language"], "en");
    let hash = consentry::registry::short_hash(body.as_bytes(), 16);
    assert_eq!(hash, shown, "the snapshot is content-addressed");
    assert_eq!(unknown, 404);
}

#[actix_rt::test]
async fn records_past_the_retention_are_purged() {
    let logs = crate::captured::capture_logs();
    let app = spawn_app_configured(SMALL, |s| {
        s.rate_limit = None;
        s.retention = Duration::from_secs(1);
        s.allow_short_retention = true;
        s.purge_every = Duration::from_millis(100);
    })
    .await;
    let stored = app.post_decisions(3, "custom", &[]).await;
    let id = stored[0]["consent_id"].as_str().expect("an id").to_owned();

    let purged = app
        .eventually(Duration::from_secs(10), || async {
            // An export that failed is empty too: only a whole, empty one counts.
            let (status, export) = app.export("").await;
            status == 200 && export.is_empty()
        })
        .await;

    assert!(purged, "the records are gone after the retention");
    let logs = String::from_utf8_lossy(&logs.lock().expect("logs")).into_owned();
    assert!(
        logs.lines()
            .any(|l| l.contains("WARN") && l.contains("purged more than half")),
        "a purge of the whole store is a warning: {logs}"
    );
    let (status, _, _) = app.history(&id, "").await;
    assert_eq!(status, 404);
}

#[actix_rt::test]
async fn a_posted_consent_id_that_would_start_a_csv_cell_with_a_formula_is_refused() {
    let app = spawn_unlimited().await;
    let mut body = app.decision("en", "custom", &[]).await;
    body["consent_id"] = json!("-A1-A1-A1-A1-A1-A1-A1-A1");

    let answer = app.post_consent(&body, &[]).await;

    assert_eq!(answer.status, 400, "{}", answer.json);
    assert_eq!(answer.json["error"], "invalid-consent-id");
    assert_eq!(answer.json["field"], "consent_id");
    assert!(
        answer.json["message"]
            .as_str()
            .is_some_and(|m| m.contains("formula"))
    );
    assert_eq!(app.stored().await, 0);
}
