//! The rows of the cookie-policy tables: pattern cookies read in words in every language,
//! third-party cookies with their domain, and the consent cookie and pending key Consentry
//! keeps itself, listed once under the right category.

use scraper::{Html, Selector};

use crate::helpers::*;
use crate::policy::{page, select, text};

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
