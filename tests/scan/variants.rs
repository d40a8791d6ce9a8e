//! The fixture's other sites: one that keeps its registry's word (exit 0), and one without the
//! Consentry banner, which only the first phase can visit (CONTRACT §5).

use scraper::Html;
use serde_json::json;

use crate::check::{self, assert_none};
use crate::expected::{CLEAN, NO_BANNER};
use crate::fixture::{Fixture, MARKUP_KEY, Variant};
use crate::run::scan;

#[test]
#[cfg_attr(
    not(chromium_tests),
    ignore = "no Chromium: apt-get install -y chromium"
)]
fn a_site_that_keeps_its_registrys_word_scans_clean_with_exit_0() {
    let fixture = Fixture::start(Variant::Clean);
    let outcome = scan(&fixture, 20, &["--format", "json"]);
    let report = outcome.json();
    assert_eq!(
        outcome.code,
        Some(0),
        "no violation: {}",
        outcome.describe()
    );
    assert_none(
        "the clean site's items",
        check::all(&report, &fixture, CLEAN),
        &report,
    );
    assert_eq!(
        (
            &report["summary"]["undeclared"],
            &report["summary"]["violations"]
        ),
        (&json!(0), &json!(0)),
        "summary: {}",
        report["summary"]
    );
    assert_eq!(
        report["summary"]["pages"],
        json!(fixture.reachable_paths().len())
    );
}

#[test]
#[cfg_attr(
    not(chromium_tests),
    ignore = "no Chromium: apt-get install -y chromium"
)]
fn a_site_without_the_banner_gets_the_first_phase_only_and_the_report_says_so() {
    let fixture = Fixture::start(Variant::NoBanner);
    let outcome = scan(&fixture, 20, &["--format", "json"]);
    let report = outcome.json();
    assert_eq!(
        outcome.code,
        Some(1),
        "violations found: {}",
        outcome.describe()
    );
    assert_eq!(report["phases"], json!(["before-consent"]));
    let mut pages: Vec<(String, String)> = report["pages"]
        .as_array()
        .map(|p| {
            p.iter()
                .map(|p| (p["url"].to_string(), p["phase"].to_string()))
                .collect()
        })
        .unwrap_or_default();
    pages.sort();
    let mut expected: Vec<(String, String)> = fixture
        .reachable_paths()
        .iter()
        .map(|path| {
            (
                json!(fixture.url(path)).to_string(),
                json!("before-consent").to_string(),
            )
        })
        .collect();
    expected.sort();
    assert_eq!(pages, expected, "pages: {}", report["pages"]);
    assert_none(
        "the banner-less site's items",
        check::all(&report, &fixture, NO_BANNER),
        &report,
    );

    let text = scan(&fixture, 20, &["--format", "text"]);
    assert!(
        text.stdout.to_lowercase().contains("banner"),
        "the text report does not say the banner is missing:\n{}",
        text.stdout
    );
}

#[test]
#[cfg_attr(
    not(chromium_tests),
    ignore = "no Chromium: apt-get install -y chromium"
)]
fn markup_the_scanned_site_wrote_is_shown_as_text_in_the_html_report() {
    let fixture = Fixture::start(Variant::NoBanner);
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("report.html");
    let out_arg = out.to_str().expect("a UTF-8 path");
    let outcome = scan(&fixture, 20, &["--format", "html", "--out", out_arg]);
    assert_eq!(outcome.code, Some(1), "{}", outcome.describe());
    let html = std::fs::read_to_string(&out).expect("the report page is written");
    let page = Html::parse_document(&html);
    let injected = page
        .select(&"img[src=x], [onerror]".parse().expect("selector"))
        .count();
    assert_eq!(
        injected, 0,
        "the storage key's markup became elements:\n{html}"
    );
    let text: String = page.root_element().text().collect();
    assert!(
        text.contains(MARKUP_KEY),
        "the key is not shown as text:\n{html}"
    );
}
