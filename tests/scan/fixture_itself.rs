//! The fixture checked in Chromium without the scan: a fresh profile per phase walks pages of
//! the site as a visitor does (clicking the banner's Accept all or Reject all on the first
//! page), reads every cookie the browser holds (HttpOnly and partitioned third-party ones
//! too) and the page's storage keys after each page, and holds what it saw to the table of
//! `expected.rs`, through the same checks as the scan's report. So the table is what the site
//! really does, and a scan test that fails is about the scan.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use consentry::registry::Lifetime;
use serde_json::{Value, json};

use crate::cdp::Chromium;
use crate::check::{self, assert_none};
use crate::common::SOON;
use crate::expected::{self, Phase};
use crate::fixture::{Fixture, Variant};
use crate::run::{chromium, one_browser_at_a_time};

/// Time for what a page starts after its load event (a tag the banner let run, its image).
const SETTLE: Duration = Duration::from_millis(800);

#[test]
#[cfg_attr(
    not(chromium_tests),
    ignore = "no Chromium: apt-get install -y chromium"
)]
fn the_full_site_sets_each_item_in_the_phases_its_table_says() {
    held_to_its_table(Variant::Full, &["/", "/account", "/p/1", "/p/17", "/"]);
}

#[test]
#[cfg_attr(
    not(chromium_tests),
    ignore = "no Chromium: apt-get install -y chromium"
)]
fn the_clean_site_sets_each_item_in_the_phases_its_table_says() {
    held_to_its_table(Variant::Clean, &["/", "/about"]);
}

#[test]
#[cfg_attr(
    not(chromium_tests),
    ignore = "no Chromium: apt-get install -y chromium"
)]
fn the_banner_less_site_sets_each_item_its_table_says() {
    held_to_its_table(Variant::NoBanner, &["/", "/about"]);
}

/// Walks `paths` in each phase the variant has and checks what the browser held.
fn held_to_its_table(variant: Variant, paths: &[&str]) {
    let fixture = Fixture::start(variant);
    let phases: &[Phase] = match variant {
        Variant::NoBanner => &[Phase::BeforeConsent],
        Variant::Full | Variant::Clean => &Phase::ALL,
    };
    let mut held = Held::default();
    let _turn = one_browser_at_a_time();
    for &phase in phases {
        let mut browser = Chromium::launch(&chromium(), &[]);
        for (n, path) in paths.iter().enumerate() {
            browser.navigate(&fixture.url(path));
            std::thread::sleep(SETTLE);
            if n == 0 && phase != Phase::BeforeConsent {
                decide(&mut browser, phase);
            }
            held.note(&mut browser, &fixture, phase, path);
        }
    }
    let seen = held.as_report();
    let table = expected::items(variant);
    let mut differences = check::attributes(&seen, &fixture, table);
    differences.extend(check::phases(&seen, table));
    differences.extend(check::nothing_else(&seen, table));
    assert_none(
        "the fixture does not do what its table says",
        differences,
        &seen,
    );
}

/// Clicks the banner's button for `phase` on the page, and waits for the decision.
fn decide(browser: &mut Chromium, phase: Phase) {
    let action = match phase {
        Phase::AfterAccept => "accept-all",
        Phase::AfterReject => "reject-all",
        Phase::BeforeConsent => unreachable!("no decision before consent"),
    };
    let click = format!(
        r#"(() => {{ const host = document.getElementById("consentry");
            const button = host && (host.shadowRoot || host).querySelector('[data-action="{action}"]');
            if (!button) return false; button.click(); return true; }})()"#
    );
    assert!(
        browser.poll(&click, SOON),
        "no {action} button on the first page"
    );
    assert!(
        browser.poll("document.cookie.includes('consentry=')", SOON),
        "{action} kept no decision"
    );
    std::thread::sleep(SETTLE);
}

/// What the browser held across the walk: per (name, kind, domain), the item as first seen
/// and the phases it was seen in.
#[derive(Default)]
struct Held {
    items: BTreeMap<(String, String, String), (Value, BTreeSet<Phase>)>,
}

impl Held {
    fn note(&mut self, browser: &mut Chromium, fixture: &Fixture, phase: Phase, path: &str) {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .expect("after 1970")
            .as_secs_f64();
        let mut found = Vec::new();
        for cookie in browser.cookies() {
            let domain = cookie["domain"].as_str().unwrap_or("?").to_owned();
            let expires = match cookie["session"].as_bool() {
                Some(true) => "session".to_owned(),
                _ => {
                    let left = cookie["expires"].as_f64().unwrap_or(now) - now;
                    Lifetime::approximate(left.max(0.0) as u64).to_string()
                }
            };
            found.push(json!({
                "name": cookie["name"], "kind": "cookie", "domain": domain,
                "third_party": domain.trim_start_matches('.') != fixture.site.ip,
                "http_only": cookie["httpOnly"], "secure": cookie["secure"], "expires": expires,
            }));
        }
        let keys = browser.evaluate("[Object.keys(localStorage), Object.keys(sessionStorage)]");
        for (kind, keys) in ["local-storage", "session-storage"]
            .iter()
            .zip(keys.as_array().into_iter().flatten())
        {
            for key in keys.as_array().into_iter().flatten() {
                found.push(json!({
                    "name": key, "kind": kind, "domain": fixture.site.origin(), "third_party": false,
                }));
            }
        }
        for mut item in found {
            item["first_page"] = json!(fixture.url(path));
            item["violations"] = json!([]);
            let [name, kind, domain] =
                ["name", "kind", "domain"].map(|f| item[f].as_str().unwrap_or("?").to_owned());
            let (_, phases) = self
                .items
                .entry((name, kind, domain))
                .or_insert_with(|| (item, BTreeSet::new()));
            phases.insert(phase);
        }
    }

    /// The items held, in the shape of the scan's report.
    fn as_report(&self) -> Value {
        let items: Vec<Value> = self
            .items
            .values()
            .map(|(item, phases)| {
                let mut item = item.clone();
                item["phases"] = phases.iter().map(|p| p.as_str()).collect();
                item
            })
            .collect();
        json!({ "items": items })
    }
}
