//! The admin surface with no `CONSENTRY_ADMIN_TOKEN`: absent, except a page that says how to
//! open it.

use scraper::{Html, Selector};

use crate::helpers::{SMALL, TestApp, spawn_app, spawn_app_configured};

async fn spawn_closed() -> TestApp {
    spawn_app_configured(SMALL, |s| s.admin_token = None).await
}

fn texts(doc: &Html, css: &str) -> Vec<String> {
    let selector = Selector::parse(css).expect("a selector");
    doc.select(&selector)
        .map(|el| {
            el.text()
                .collect::<String>()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

#[actix_rt::test]
async fn a_closed_dashboard_is_a_404_page_that_says_how_to_turn_it_on() {
    let app = spawn_closed().await;

    let (status, headers, html) = app.get("/admin").await;

    assert_eq!(status, 404);
    let content_type = headers.get("content-type").and_then(|v| v.to_str().ok());
    assert!(
        content_type.is_some_and(|v| v.starts_with("text/html")),
        "{content_type:?}"
    );
    assert!(headers.get("content-security-policy").is_some());
    let doc = Html::parse_document(&html);
    let heading = texts(&doc, "h1").join(" ");
    assert!(heading.contains("off"), "{heading}");
    let main = texts(&doc, "main").join(" ");
    assert!(
        main.contains("CONSENTRY_ADMIN_TOKEN=") && main.contains("consentry serve"),
        "{main}"
    );
    assert!(texts(&doc, "script, style, [style]").is_empty());
}

#[actix_rt::test]
async fn the_closed_admin_api_still_answers_a_json_404() {
    let app = spawn_closed().await;

    let (status, headers, body) = app.get("/api/v1/admin/stats").await;

    assert_eq!(status, 404);
    assert!(
        headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json"))
    );
    let error: serde_json::Value = serde_json::from_str(&body).expect("a JSON error");
    assert_eq!(error["error"], "not-found");
}

#[actix_rt::test]
async fn the_demo_admin_link_says_when_the_dashboard_is_off() {
    let closed = spawn_closed().await;
    let open = spawn_app(SMALL).await;

    let (_, _, closed_html) = closed.get("/").await;
    let (_, _, open_html) = open.get("/").await;

    let links = |html: &str| texts(&Html::parse_document(html), "a[href='/admin']");
    let closed_links = links(&closed_html);
    assert!(!closed_links.is_empty());
    for link in &closed_links {
        assert!(link.contains("off: set CONSENTRY_ADMIN_TOKEN"), "{link}");
    }
    let open_links = links(&open_html);
    assert!(!open_links.is_empty());
    for link in &open_links {
        assert!(!link.contains("off"), "{link}");
    }
}
