//! The cookie-policy page, as a visitor's browser receives it.

use scraper::{Html, Selector};

use crate::helpers::*;

fn select<'a>(doc: &'a Html, css: &str) -> Vec<scraper::ElementRef<'a>> {
    let selector = Selector::parse(css).expect("valid selector");
    doc.select(&selector).collect()
}

fn text(el: &scraper::ElementRef) -> String {
    el.text()
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

async fn page(
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

/// The row of the table of `category` whose name cell's `<code>` is exactly `name`.
fn row<'a>(doc: &'a Html, category: &str, name: &str) -> Option<scraper::ElementRef<'a>> {
    select(doc, &format!("#category-{category} tbody tr"))
        .into_iter()
        .find(|r| {
            let code = Selector::parse("th[scope=row] code").unwrap();
            r.select(&code).next().is_some_and(|c| text(&c) == name)
        })
}

/// The text of each cell of `row`: the name, provider, purpose, lifetime, type and party.
fn cells(row: &scraper::ElementRef) -> Vec<String> {
    row.child_elements().map(|c| text(&c)).collect()
}

const EVERY_LANGUAGE: [&str; 8] = ["en", "fr", "de", "es", "it", "nl", "pl", "pt"];

fn patterns() -> String {
    SMALL.replace(
        "languages = [\"en\", \"fr\"]",
        "languages = [\"en\", \"fr\", \"de\", \"es\", \"it\", \"nl\", \"pl\", \"pt\"]",
    ) + r#"
[[cookie]]
name = "*"
category = "analytics"
provider = "Lead Forensics"
purpose = "Identifies visiting companies."
expires = "1 year"
domain = "trackdiscovery.net"
privacy_url = "https://www.leadforensics.com/privacy-policy/"

[[cookie]]
name = "_ga_*"
category = "analytics"
provider = "Google Analytics"
purpose = "Keeps the session state."
expires = "13 months"
privacy_url = "https://policies.google.com/privacy"

[[cookie]]
name = "a*b"
category = "analytics"
purpose = "A test pattern."
expires = "1 day"
"#
}

#[actix_web::test]
async fn pattern_cookies_read_in_words_in_every_language_and_keep_their_declared_name() {
    let app = spawn_app(&patterns()).await;
    let mut seen = Vec::new();
    for lang in EVERY_LANGUAGE {
        let (status, _, doc) = page(&app, &format!("/cookie-policy?lang={lang}"), None).await;
        assert_eq!(status, 200, "{lang}");
        let words = |name: &str| {
            let row =
                row(&doc, "analytics", name).unwrap_or_else(|| panic!("{lang}: no {name} row"));
            let th = row.child_elements().next().unwrap();
            assert_eq!(
                th.value().name(),
                "th",
                "{lang}: the name is the row's header cell"
            );
            assert_eq!(th.value().attr("scope"), Some("row"));
            text(&select(&Html::parse_fragment(&th.html()), ".name-words")[0])
        };
        let (any, prefix, pattern) = (words("*"), words("_ga_*"), words("a*b"));
        assert!(any.contains("trackdiscovery.net"), "{lang}: {any}");
        assert!(
            prefix.contains("_ga_") && !prefix.contains('*'),
            "{lang}: {prefix}"
        );
        assert!(pattern.contains("a*b"), "{lang}: {pattern}");
        let exact = text(&row(&doc, "analytics", "_ga").unwrap());
        assert!(
            !exact.contains("_ga_"),
            "{lang}: an exact name has no words: {exact}"
        );
        seen.push((lang, any, prefix, pattern));
    }
    assert_eq!(seen[0].1, "Any cookie of trackdiscovery.net");
    assert_eq!(seen[0].2, "Names starting with _ga_");
    assert_eq!(seen[0].3, "Names matching a*b");
    assert_eq!(seen[1].1, "Tout cookie de trackdiscovery.net");
    assert_eq!(seen[1].2, "Noms commençant par _ga_");
    for (lang, any, prefix, pattern) in &seen[1..] {
        assert_ne!(any, &seen[0].1, "{lang} is not translated");
        assert_ne!(prefix, &seen[0].2, "{lang} is not translated");
        assert_ne!(pattern, &seen[0].3, "{lang} is not translated");
    }
}

#[actix_web::test]
async fn every_third_party_cookie_shows_its_domain() {
    let app = spawn_app(REPO_COOKIES).await;
    let (_, _, doc) = page(&app, "/cookie-policy", None).await;

    let lead_forensics = cells(&row(&doc, "marketing", "*").expect("the Lead Forensics row"));
    assert_eq!(lead_forensics[5], "Third party trackdiscovery.net");
    assert!(lead_forensics[0].contains("Any cookie of trackdiscovery.net"));
    let ga = cells(&row(&doc, "analytics", "_ga").expect("the _ga row"));
    assert_eq!(ga[5], "This site", "a first-party cookie names no domain");
}

#[actix_web::test]
async fn the_consent_cookie_and_the_pending_key_are_listed_under_the_first_required_category() {
    let app = spawn_app(REPO_COOKIES).await;
    for (lang, days, until, local) in [
        ("en", "182 days", "Until delivered", "Local storage"),
        ("fr", "182 jours", "Jusqu'à l'envoi", "Stockage local"),
    ] {
        let (_, _, doc) = page(&app, &format!("/cookie-policy?lang={lang}"), None).await;

        let cookie = cells(&row(&doc, "necessary", "consentry").expect("the consentry cookie"));
        assert_eq!(cookie[1], "SmartFocus", "{lang}");
        assert!(cookie[2].len() > 20, "{lang}: a purpose: {cookie:?}");
        assert_eq!(cookie[3], days, "{lang}");
        let pending = cells(&row(&doc, "necessary", "consentry:pending").expect("the pending key"));
        assert_eq!(pending[3], until, "{lang}");
        assert_eq!(pending[4], local, "{lang}");
        assert_ne!(pending[2], cookie[2], "{lang}: each its own purpose");
        for category in ["preferences", "analytics", "marketing"] {
            assert!(row(&doc, category, "consentry").is_none(), "{category}");
        }
    }
    let (_, _, en) = page(&app, "/cookie-policy", None).await;
    let necessary = cells(&row(&en, "necessary", "consentry").unwrap());
    assert_eq!(necessary[4], "Cookie");
    assert_eq!(necessary[5], "This site");

    let registry = app.get_json("/api/v1/registry").await;
    let declared: Vec<&str> = registry["cookies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert!(
        !declared.contains(&"consentry") && !declared.contains(&"consentry:pending"),
        "the API lists what the file declares: {declared:?}"
    );
}

#[actix_web::test]
async fn the_consent_cookie_lives_consent_days_under_the_first_category_that_is_required() {
    let src = SMALL
        .replace("required = true\n", "")
        .replace(
            "google_consent = [\"analytics_storage\"]",
            "google_consent = [\"analytics_storage\"]\nrequired = true",
        )
        .replace("languages = [", "consent_days = 30\nlanguages = [");
    let app = spawn_app(&src).await;
    let (_, _, doc) = page(&app, "/cookie-policy", None).await;

    assert!(row(&doc, "necessary", "consentry").is_none());
    let cookie =
        cells(&row(&doc, "analytics", "consentry").expect("under analytics, now required"));
    assert_eq!(cookie[3], "30 days");
}

#[actix_web::test]
async fn without_a_required_category_the_consent_cookie_is_listed_on_its_own() {
    let app = spawn_app(&SMALL.replace("required = true\n", "")).await;
    let (_, _, doc) = page(&app, "/cookie-policy", None).await;

    let own = select(&doc, "#category-consentry");
    assert_eq!(own.len(), 1, "a section of its own");
    assert!(text(&own[0]).contains("Keeping your choice"));
    assert!(row(&doc, "consentry", "consentry").is_some());
    assert!(row(&doc, "consentry", "consentry:pending").is_some());
}

#[actix_web::test]
async fn a_consent_cookie_the_file_declares_is_listed_once_and_warned_about() {
    let src = format!(
        "{SMALL}\n[[cookie]]\nname = \"consentry\"\ncategory = \"necessary\"\npurpose = \"Our own words.\"\nexpires = \"6 months\"\n"
    );
    let loaded = consentry::registry::parse("cookies.toml", &src).expect("a warning only");
    assert!(
        loaded.warnings.diagnostics.iter().any(|d| d
            .message
            .contains("the cookie Consentry keeps the visitor's decision in")),
        "{}",
        loaded.warnings
    );
    let app = spawn_app(&src).await;
    let (_, _, doc) = page(&app, "/cookie-policy", None).await;

    let rows: Vec<_> = select(&doc, "tbody tr")
        .into_iter()
        .filter(|r| cells(r)[0] == "consentry")
        .collect();
    assert_eq!(rows.len(), 1);
    assert_eq!(cells(&rows[0])[2], "Our own words.");
    assert!(
        row(&doc, "necessary", "consentry:pending").is_some(),
        "the key still is"
    );
}
