//! What the scan of the full fixture visited and how it ended: its exit status, the pages of
//! each phase, the pages and hosts it must never reach, the request hosts, the declared
//! entries never seen and the summary (CONTRACT §5).

use std::collections::BTreeSet;

use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::check::{items, phase_names, strings};
use crate::expected::{FULL_NOT_SEEN, FULL_REQUESTS, Phase};
use crate::fixture::REACHABLE;
use crate::run::full_scan;

#[test]
#[cfg_attr(
    not(chromium_tests),
    ignore = "no Chromium: apt-get install -y chromium"
)]
fn scanning_the_full_site_exits_1_and_names_its_start_registry_and_phases() {
    let scanned = full_scan();
    let report = &scanned.report;
    assert_eq!(
        scanned.outcome.code,
        Some(1),
        "violations found: {}",
        scanned.outcome.describe()
    );
    assert_eq!(report["start"], json!([scanned.fixture.start_url()]));
    assert_eq!(
        report["registry_revision"],
        scanned.fixture.service.registry()["revision"],
        "the revision of the registry compared with"
    );
    assert_eq!(
        report["phases"],
        json!(["before-consent", "after-accept", "after-reject"])
    );
    let at = report["scanned_at"].as_str().unwrap_or_default();
    assert!(
        OffsetDateTime::parse(at, &Rfc3339).is_ok(),
        "scanned_at is not an RFC 3339 time: {}",
        report["scanned_at"]
    );
}

#[test]
#[cfg_attr(
    not(chromium_tests),
    ignore = "no Chromium: apt-get install -y chromium"
)]
fn every_reachable_page_is_listed_once_per_phase_with_its_status() {
    let scanned = full_scan();
    let fixture = &scanned.fixture;
    let mut expected = BTreeSet::new();
    for phase in Phase::ALL {
        for path in fixture.reachable_paths() {
            let status = if path == "/broken" { 500 } else { 200 };
            expected.insert((fixture.url(&path), phase.as_str().to_owned(), status));
        }
    }
    let pages = scanned.report["pages"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let listed: Vec<(String, String, u64)> = pages
        .iter()
        .map(|p| {
            (
                p["url"].as_str().unwrap_or("?").to_owned(),
                p["phase"].as_str().unwrap_or("?").to_owned(),
                p["status"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    let unique: BTreeSet<_> = listed.iter().cloned().collect();
    assert_eq!(
        unique.len(),
        listed.len(),
        "a page listed twice in a phase: {listed:#?}"
    );
    let missing: Vec<_> = expected.difference(&unique).collect();
    let extra: Vec<_> = unique.difference(&expected).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "pages per phase: missing {missing:#?}\nnot expected {extra:#?}"
    );
}

#[test]
#[cfg_attr(
    not(chromium_tests),
    ignore = "no Chromium: apt-get install -y chromium"
)]
fn a_page_no_link_reaches_is_never_visited() {
    let scanned = full_scan();
    assert_eq!(
        scanned.fixture.site.hits("/orphan"),
        0,
        "the browser asked for /orphan"
    );
    let urls = page_urls(&scanned.report);
    assert!(
        !urls.iter().any(|u| u.contains("/orphan")),
        "/orphan is listed: {urls:#?}"
    );
}

#[test]
#[cfg_attr(
    not(chromium_tests),
    ignore = "no Chromium: apt-get install -y chromium"
)]
fn links_off_the_start_host_are_never_followed() {
    let scanned = full_scan();
    let fixture = &scanned.fixture;
    assert_eq!(
        fixture.pixel.hits("/offsite"),
        0,
        "the off-site link was followed"
    );
    assert_eq!(
        fixture.site.hits("/via-localhost"),
        0,
        "the link to this site as \"localhost\", another host, was followed"
    );
    let origin = fixture.site.origin();
    let urls = page_urls(&scanned.report);
    let elsewhere: Vec<&String> = urls
        .iter()
        .filter(|u| !u.starts_with(&format!("{origin}/")))
        .collect();
    assert!(
        elsewhere.is_empty(),
        "pages off the start host: {elsewhere:#?}"
    );
    assert!(
        !scanned.report["requests"]
            .as_array()
            .is_some_and(|r| r.iter().any(|r| r["host"] == "localhost")),
        "a request went to localhost: {}",
        scanned.report["requests"]
    );
}

#[test]
#[cfg_attr(
    not(chromium_tests),
    ignore = "no Chromium: apt-get install -y chromium"
)]
fn every_request_host_is_listed_with_its_party_and_phases() {
    let scanned = full_scan();
    let requests = &scanned.report["requests"];
    let hosts: BTreeSet<&str> = requests
        .as_array()
        .map(|r| r.iter().filter_map(|r| r["host"].as_str()).collect())
        .unwrap_or_default();
    let expected: BTreeSet<&str> = FULL_REQUESTS.iter().map(|r| r.host).collect();
    assert_eq!(hosts, expected, "request hosts: {requests}");
    for request in FULL_REQUESTS {
        let found = requests
            .as_array()
            .and_then(|r| r.iter().find(|r| r["host"] == request.host))
            .expect("listed");
        assert_eq!(
            found["third_party"], request.third_party,
            "{}",
            request.host
        );
        assert_eq!(
            strings(&found["phases"]),
            Some(phase_names(request.phases)),
            "phases of requests to {}",
            request.host
        );
    }
}

#[test]
#[cfg_attr(
    not(chromium_tests),
    ignore = "no Chromium: apt-get install -y chromium"
)]
fn declared_entries_no_page_sets_are_listed_as_not_seen() {
    let scanned = full_scan();
    let not_seen = &scanned.report["declared_not_seen"];
    let listed: BTreeSet<(&str, &str)> = not_seen
        .as_array()
        .map(|n| {
            n.iter()
                .map(|e| {
                    (
                        e["name"].as_str().unwrap_or("?"),
                        e["category"].as_str().unwrap_or("?"),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let expected: BTreeSet<(&str, &str)> = FULL_NOT_SEEN.iter().copied().collect();
    assert_eq!(listed, expected, "declared_not_seen: {not_seen}");
}

#[test]
#[cfg_attr(
    not(chromium_tests),
    ignore = "no Chromium: apt-get install -y chromium"
)]
fn the_summary_counts_the_pages_items_undeclared_items_and_violations() {
    let scanned = full_scan();
    let items = items(&scanned.report);
    let violations = |i: &Value| i["violations"].as_array().map_or(0, Vec::len);
    let undeclared = items
        .iter()
        .filter(|i| {
            i["violations"]
                .as_array()
                .is_some_and(|v| v.contains(&json!("undeclared")))
        })
        .count();
    let summary = &scanned.report["summary"];
    let counted = json!({
        "pages": summary["pages"], "items": summary["items"],
        "undeclared": summary["undeclared"], "violations": summary["violations"],
    });
    assert_eq!(
        counted,
        json!({
            "pages": REACHABLE,
            "items": items.len(),
            "undeclared": undeclared,
            "violations": items.iter().map(violations).sum::<usize>(),
        }),
        "summary: {summary}"
    );
    // The fixture's own counts, whatever the items reported: 2 undeclared, 8 violations.
    assert_eq!(
        (undeclared, items.iter().map(violations).sum::<usize>()),
        (2, 8)
    );
}

fn page_urls(report: &Value) -> Vec<String> {
    report["pages"]
        .as_array()
        .map(|p| {
            p.iter()
                .filter_map(|p| p["url"].as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}
