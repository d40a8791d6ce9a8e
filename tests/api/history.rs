//! A visitor's history, `GET /api/v1/consents/{id}`: oldest first, a bounded page at a time,
//! `Link: <…>; rel="next"` to the next page.

use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_unlimited};

const VISITOR: &str = "lnp0k3b2_9876543210_2345678901_3456789012_4567890123";

async fn post_many(app: &TestApp, n: usize) {
    let mut body = app.decision("en", "custom", &[]).await;
    body["consent_id"] = json!(VISITOR);
    for i in 0..n {
        body["page"] = json!(format!("https://www.example.com/p{i}"));
        let answer = app.post_consent(&body, &[]).await;
        assert_eq!(answer.status, 201, "{}", answer.json);
    }
}

/// Follows `rel="next"` links from `path`; every page's records, and how many pages.
async fn every_page(app: &TestApp, path: &str) -> (Vec<Value>, usize) {
    let mut records = Vec::new();
    let mut pages = 0;
    let mut next = Some(path.to_owned());
    while let Some(path) = next.take() {
        let (status, headers, body) = app.get(&path).await;
        assert_eq!(status, 200, "GET {path}: {body}");
        let page: Vec<Value> = serde_json::from_str(&body).expect("a JSON list");
        records.extend(page);
        pages += 1;
        next = headers
            .get("link")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix('<'))
            .and_then(|v| v.split_once(">; rel=\"next\""))
            .map(|(url, _)| url.to_owned());
        assert!(pages < 100, "the links never end");
    }
    (records, pages)
}

#[actix_rt::test]
async fn a_long_history_comes_in_pages_of_100_oldest_first_linked_to_the_next() {
    let app = spawn_unlimited().await;
    post_many(&app, 230).await;

    let (first, headers, _) = app.history(VISITOR, "").await;
    let (records, pages) = every_page(&app, &format!("/api/v1/consents/{VISITOR}")).await;

    assert_eq!(first, 200);
    assert!(
        headers.get("link").is_some(),
        "a first page links to the next"
    );
    assert_eq!(pages, 3);
    let seen: Vec<String> = records
        .iter()
        .map(|r| r["page"].as_str().unwrap_or_default().to_owned())
        .collect();
    let expected: Vec<String> = (0..230)
        .map(|i| format!("https://www.example.com/p{i}"))
        .collect();
    assert_eq!(seen, expected, "every record once, oldest first");
}

#[actix_rt::test]
async fn a_client_may_ask_for_smaller_pages_but_not_unbounded_ones() {
    let app = spawn_unlimited().await;
    post_many(&app, 5).await;

    let (records, pages) = every_page(&app, &format!("/api/v1/consents/{VISITOR}?limit=2")).await;
    let (status, _, body) = app
        .get(&format!("/api/v1/consents/{VISITOR}?limit=100000"))
        .await;
    let (bad_cursor, _, cursor_body) = app
        .get(&format!("/api/v1/consents/{VISITOR}?after=nonsense"))
        .await;

    assert_eq!((records.len(), pages), (5, 3));
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("invalid-limit"), "{body}");
    assert_eq!(bad_cursor, 400, "{cursor_body}");
    assert!(cursor_body.contains("invalid-cursor"), "{cursor_body}");
}

#[actix_rt::test]
async fn a_short_history_is_one_page_without_a_link() {
    let app = spawn_unlimited().await;
    post_many(&app, 3).await;

    let (status, headers, body) = app.history(VISITOR, "").await;

    assert_eq!(status, 200);
    assert!(headers.get("link").is_none());
    assert_eq!(
        serde_json::from_str::<Vec<Value>>(&body)
            .map(|v| v.len())
            .ok(),
        Some(3)
    );
}
