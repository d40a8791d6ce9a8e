//! The cookie-policy page, as a visitor's browser receives it. The rows of its tables, for
//! pattern cookies, third parties and Consentry's own storage, are in `policy_rows.rs`.

use scraper::{Html, Selector};

use crate::helpers::*;

pub(crate) fn select<'a>(doc: &'a Html, css: &str) -> Vec<scraper::ElementRef<'a>> {
    let selector = Selector::parse(css).expect("valid selector");
    doc.select(&selector).collect()
}

pub(crate) fn text(el: &scraper::ElementRef) -> String {
    el.text()
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

pub(crate) async fn page(
    app: &TestApp,
    path: &str,
    accept_language: Option<&str>,
) -> (u16, awc::http::header::HeaderMap, Html) {
    let mut req = app.client.get(app.url(path));
    if let Some(al) = accept_language {
        req = req.insert_header(("Accept-Language", al));
    }
    let mut res = req.send().await.expect("request sent");
    let body = res.body().await.expect("body");
    (
        res.status().as_u16(),
        res.headers().clone(),
        Html::parse_document(&String::from_utf8_lossy(&body)),
    )
}

fn lang_of(doc: &Html) -> String {
    select(doc, "html")[0]
        .value()
        .attr("lang")
        .unwrap_or_default()
        .to_owned()
}

#[actix_web::test]
async fn the_policy_lists_every_category_with_a_table_of_its_cookies() {
    let app = spawn_app(REPO_COOKIES).await;
    let (status, _, doc) = page(&app, "/cookie-policy", None).await;
    assert_eq!(status, 200);

    assert_eq!(select(&doc, "h1").len(), 1);
    let titles: Vec<String> = select(&doc, "section.category h3")
        .iter()
        .map(text)
        .collect();
    assert_eq!(
        titles,
        [
            "Strictly necessary",
            "Preferences",
            "Analytics",
            "Marketing"
        ]
    );

    let marketing = &select(&doc, "#category-marketing")[0];
    let headers: Vec<String> = select(
        &Html::parse_fragment(&marketing.html()),
        "thead th[scope=col]",
    )
    .iter()
    .map(text)
    .collect();
    assert_eq!(
        headers,
        ["Name", "Provider", "Purpose", "Lifetime", "Type", "Set by"]
    );

    let ga = select(&doc, "#category-analytics tbody tr");
    assert_eq!(ga.len(), 1);
    let cells: Vec<String> = ga[0].child_elements().map(|c| text(&c)).collect();
    assert_eq!(cells[0], "_ga");
    assert!(cells[1].starts_with("Google Analytics"), "{cells:?}");
    assert_eq!(cells[3], "13 months");
    assert_eq!(cells[4], "Cookie");
    assert_eq!(cells[5], "This site");
    let link = &select(&doc, "#category-analytics tbody td a")[0];
    assert_eq!(
        link.value().attr("href"),
        Some("https://policies.google.com/privacy")
    );

    let lead_forensics = select(&doc, "#category-marketing tbody tr")
        .into_iter()
        .find(|r| text(r).contains("Lead Forensics"))
        .expect("the Lead Forensics row");
    assert!(text(&lead_forensics).contains("Third party"));

    let session = select(&doc, "#category-necessary tbody tr");
    assert!(text(&session[0]).contains("ASP.NET_SessionId"));
    assert!(text(&session[0]).contains("Session"));

    let control = select(&doc, "[data-consentry=show]");
    assert_eq!(control.len(), 1, "one control to change the settings");
    assert_eq!(text(&control[0]), "Cookie settings");
    assert!(text(&select(&doc, "main")[0]).contains("privacy@smartfocus.com"));
    assert_eq!(
        select(&doc, "time")[0].value().attr("datetime"),
        Some("2026-11-01")
    );
    let scripts = select(&doc, "script");
    assert!(
        scripts.iter().all(|s| s.value().attr("src").is_some()),
        "no inline script"
    );
}

#[actix_web::test]
async fn the_language_comes_from_the_query_then_accept_language_then_the_default() {
    let app = spawn_app(REPO_COOKIES).await;
    let cases = [
        ("/cookie-policy", None, "en"),
        ("/cookie-policy?lang=fr", None, "fr"),
        ("/cookie-policy?lang=FR", None, "fr"),
        ("/cookie-policy", Some("fr-CA,fr;q=0.9,en;q=0.8"), "fr"),
        ("/cookie-policy", Some("de-DE, en;q=0.5, fr;q=0.7"), "fr"),
        ("/cookie-policy", Some("de, es"), "en"),
        ("/cookie-policy", Some("fr;q=0, en"), "en"),
        ("/cookie-policy?lang=en", Some("fr"), "en"),
        ("/cookie-policy?lang=xx", Some("fr"), "fr"),
        ("/cookie-policy?lang=%3Cb%3E", None, "en"),
    ];
    for (path, accept, expected) in cases {
        let (status, headers, doc) = page(&app, path, accept).await;
        assert_eq!(status, 200, "{path}");
        assert_eq!(lang_of(&doc), expected, "{path} with {accept:?}");
        assert_eq!(headers.get("content-language").unwrap(), expected);
    }
    let (_, headers, doc) = page(&app, "/cookie-policy?lang=fr", None).await;
    assert!(
        headers
            .get("vary")
            .unwrap()
            .to_str()
            .unwrap()
            .contains("Accept-Language")
    );
    assert_eq!(text(&select(&doc, "h1")[0]), "Politique de cookies");
    let analytics = text(&select(&doc, "#category-analytics")[0]);
    assert!(analytics.contains("Mesure d'audience"), "{analytics}");
    assert!(analytics.contains("13 mois"), "{analytics}");
    let switcher: Vec<(String, Option<String>)> = select(&doc, "nav.langs a")
        .iter()
        .map(|a| (text(a), a.value().attr("aria-current").map(str::to_owned)))
        .collect();
    assert_eq!(
        switcher,
        [
            ("English".to_owned(), None),
            ("Français".to_owned(), Some("page".to_owned()))
        ]
    );
}

const HOSTILE_PURPOSE: &str = "<script>alert('x')</script><img src=x onerror=alert(1)>";
const HOSTILE_PROVIDER: &str = "Ben & Jerry's \"Ads\" <b>";

fn hostile() -> String {
    SMALL
        .replace(
            "purpose = \"Keeps your session.\"",
            &format!("purpose = {:?}", HOSTILE_PURPOSE),
        )
        .replace(
            "provider = \"Google Analytics\"",
            &format!("provider = {:?}", HOSTILE_PROVIDER),
        )
}

#[actix_web::test]
async fn hostile_text_is_escaped_on_the_page() {
    let app = spawn_app(&hostile()).await;
    let (status, _, raw) = app.get("/cookie-policy").await;
    assert_eq!(status, 200);
    assert!(!raw.contains("<script>alert"), "raw script tag in the page");
    assert!(!raw.contains("<img src=x"), "raw img tag in the page");
    assert!(!raw.contains("<b>"), "raw b tag in the page");

    let doc = Html::parse_document(&raw);
    assert!(select(&doc, "img").is_empty());
    assert!(
        select(&doc, "script")
            .iter()
            .all(|s| s.value().attr("src").is_some())
    );
    let page_text = text(&select(&doc, "main")[0]);
    assert!(page_text.contains(HOSTILE_PURPOSE), "purpose shown as text");
    assert!(
        page_text.contains(HOSTILE_PROVIDER),
        "provider shown as text"
    );
}

#[actix_web::test]
async fn hostile_text_survives_the_json_unchanged_and_inert() {
    let app = spawn_app(&hostile()).await;
    let (_, headers, raw) = app.get("/api/v1/registry").await;
    assert_eq!(headers.get("content-type").unwrap(), "application/json");
    let json: serde_json::Value = serde_json::from_str(&raw).expect("valid JSON");
    assert_eq!(json["cookies"][0]["purpose"]["en"], HOSTILE_PURPOSE);
    assert_eq!(json["cookies"][1]["provider"]["en"], HOSTILE_PROVIDER);
}

#[actix_web::test]
async fn every_html_page_carries_the_security_headers() {
    let app = spawn_app(REPO_COOKIES).await;
    for path in ["/cookie-policy", "/"] {
        let (status, headers, _) = app.get(path).await;
        assert_eq!(status, 200, "{path}");
        let csp = headers
            .get("content-security-policy")
            .expect("CSP")
            .to_str()
            .unwrap();
        assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
        assert!(csp.contains("script-src 'self'"), "{csp}");
        assert!(!csp.contains("unsafe-inline"), "{csp}");
        assert_eq!(headers.get("x-content-type-options").unwrap(), "nosniff");
        assert!(headers.get("referrer-policy").is_some());
    }
}

#[actix_web::test]
async fn the_page_stylesheet_is_served_with_revalidation() {
    let app = spawn_app(SMALL).await;
    let (status, headers, css) = app.get("/static/site.css").await;
    assert_eq!(status, 200);
    assert!(css.contains("@media print"));
    assert!(css.contains("max-width: 40rem"), "a phone layout");
    let etag = headers.get("etag").unwrap().to_str().unwrap().to_owned();
    let res = app
        .client
        .get(app.url("/static/site.css"))
        .insert_header(("If-None-Match", etag))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 304);
}

#[actix_web::test]
async fn a_malformed_query_is_answered_with_a_json_error() {
    let app = spawn_app(SMALL).await;

    let (status, headers, body) = app.get("/cookie-policy?lang=en&lang=fr").await;

    assert_eq!(status, 400, "{body}");
    assert!(
        headers
            .get("content-type")
            .is_some_and(|v| v.to_str().is_ok_and(|v| v.starts_with("application/json"))),
        "{headers:?}"
    );
    let error: serde_json::Value = serde_json::from_str(&body).expect("a JSON error");
    assert_eq!(error["error"], "invalid-query");
    assert!(
        error["message"]
            .as_str()
            .is_some_and(|m| m.contains("lang")),
        "{body}"
    );
}
