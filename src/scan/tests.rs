//! The comparison of §5 on hand-made sightings: which entry declares what, and which
//! violations follow. The browser side is tested end to end in tests/scan.

use super::classify::{Hosts, Knowledge, report};
use super::observed::{Observed, SeenCookie};
use super::report::{Item, Phase, Suggested, Violation};
use crate::registry::{Kind, Registry};

const REGISTRY: &str = r#"
[site]
name = "Shop"
url = "https://shop.example"
origins = ["https://shop.example"]

[[category]]
id = "necessary"
title = "Necessary"
description = "Needed."
required = true

[[category]]
id = "analytics"
title = "Analytics"
description = "Counting."

[[cookie]]
name = "sid"
category = "necessary"
purpose = "Session."
expires = "session"

[[cookie]]
name = "_ga"
category = "analytics"
purpose = "Visitors."
expires = "2 years"

[[cookie]]
name = "_ga_*"
category = "analytics"
purpose = "Sessions."
expires = "2 years"

[[cookie]]
name = "ads"
category = "analytics"
domain = ".ads.example"
purpose = "Ads."
expires = "1 year"

[[cookie]]
name = "never"
category = "analytics"
purpose = "Never set."
expires = "1 day"
"#;

/// A catalog of two facts.
struct Two;

impl Knowledge for Two {
    fn suggest(&self, name: &str, _kind: Kind) -> Option<Suggested> {
        let category = match name {
            "PHPSESSID" => "necessary",
            "_fbp" => "marketing",
            _ => return None,
        };
        Some(Suggested {
            category: category.to_owned(),
            provider: "Someone".to_owned(),
            purpose: "Something.".to_owned(),
            expires: "session".to_owned(),
        })
    }

    fn toml(&self, item: &Item, _registry: &Registry) -> String {
        format!("[[cookie]]\nname = \"{}\"\n", item.name)
    }
}

fn registry() -> Registry {
    crate::registry::parse("t.toml", REGISTRY)
        .expect("a valid registry")
        .registry
}

fn cookie(observed: &mut Observed, name: &str, domain: &str, phases: &[Phase]) {
    for phase in phases {
        let seen = SeenCookie {
            name: name.to_owned(),
            domain: domain.to_owned(),
            http_only: false,
            secure: true,
            lifetime: Some(730 * 86_400),
        };
        observed.cookie(seen, *phase, "https://shop.example/");
    }
}

fn scanned(observed: Observed) -> Vec<Item> {
    let hosts = Hosts(vec!["shop.example".to_owned()]);
    report(observed, &registry(), &hosts, Vec::new(), &Two).items
}

fn find<'a>(items: &'a [Item], name: &str) -> &'a Item {
    items.iter().find(|i| i.name == name).expect(name)
}

const BEFORE: &[Phase] = &[Phase::BeforeConsent, Phase::AfterAccept, Phase::AfterReject];

#[test]
fn a_required_cookie_present_throughout_is_no_violation_and_an_optional_one_is_two() {
    let mut observed = Observed::default();
    cookie(&mut observed, "sid", "shop.example", BEFORE);
    cookie(&mut observed, "_ga", ".shop.example", BEFORE);
    let items = scanned(observed);

    assert!(find(&items, "sid").violations.is_empty());
    let ga = find(&items, "_ga");
    assert_eq!(
        ga.declared.as_ref().map(|d| d.category.as_str()),
        Some("analytics")
    );
    assert_eq!(
        ga.violations,
        [Violation::SetBeforeConsent, Violation::KeptAfterReject]
    );
    assert_eq!(ga.expires.as_deref(), Some("2 years"));
    assert!(!ga.third_party);
}

#[test]
fn an_exact_name_wins_over_a_pattern_and_a_pattern_covers_the_rest() {
    let mut observed = Observed::default();
    cookie(&mut observed, "_ga", "shop.example", &[Phase::AfterAccept]);
    cookie(
        &mut observed,
        "_ga_X1",
        "shop.example",
        &[Phase::AfterAccept],
    );
    let items = scanned(observed);

    assert_eq!(find(&items, "_ga").declared.as_ref().unwrap().name, "_ga");
    assert_eq!(
        find(&items, "_ga_X1").declared.as_ref().unwrap().name,
        "_ga_*"
    );
    assert!(items.iter().all(|i| i.violations.is_empty()));
}

#[test]
fn an_entry_with_a_domain_covers_that_domain_only() {
    let mut observed = Observed::default();
    cookie(&mut observed, "ads", "x.ads.example", &[Phase::AfterAccept]);
    cookie(
        &mut observed,
        "ads",
        ".elsewhere.example",
        &[Phase::AfterAccept],
    );
    let items = scanned(observed);

    let on = items.iter().find(|i| i.domain == "x.ads.example").unwrap();
    let off = items
        .iter()
        .find(|i| i.domain == ".elsewhere.example")
        .unwrap();
    assert!(on.declared.is_some() && on.third_party);
    assert_eq!(off.violations, [Violation::Undeclared]);
}

#[test]
fn undeclared_items_take_their_category_from_the_catalog_and_unknown_ones_need_consent() {
    let mut observed = Observed::default();
    cookie(&mut observed, "PHPSESSID", "shop.example", BEFORE);
    cookie(
        &mut observed,
        "_fbp",
        ".shop.example",
        &[Phase::BeforeConsent],
    );
    cookie(
        &mut observed,
        "mystery",
        "shop.example",
        &[Phase::BeforeConsent],
    );
    let items = scanned(observed);

    assert_eq!(
        find(&items, "PHPSESSID").violations,
        [Violation::Undeclared]
    );
    let fbp = find(&items, "_fbp");
    assert_eq!(fbp.suggested.as_ref().unwrap().category, "marketing");
    assert_eq!(
        fbp.violations,
        [Violation::Undeclared, Violation::SetBeforeConsent]
    );
    let mystery = find(&items, "mystery");
    assert!(mystery.suggested.is_none());
    assert_eq!(
        mystery.violations,
        [Violation::Undeclared, Violation::SetBeforeConsent]
    );
}

#[test]
fn consentrys_own_cookie_and_key_count_as_declared_and_the_rest_of_the_registry_as_not_seen() {
    let mut observed = Observed::default();
    cookie(
        &mut observed,
        "consentry",
        "shop.example",
        &[Phase::AfterReject],
    );
    observed.key(
        "consentry:pending",
        "https://shop.example",
        true,
        Phase::AfterReject,
        "p",
    );
    let hosts = Hosts(vec!["shop.example".to_owned()]);
    let report = report(observed, &registry(), &hosts, Vec::new(), &Two);

    for item in &report.items {
        assert_eq!(
            item.declared.as_ref().unwrap().category,
            "necessary",
            "{}",
            item.name
        );
        assert!(item.violations.is_empty(), "{}", item.name);
    }
    let unseen: Vec<&str> = report
        .declared_not_seen
        .iter()
        .map(|d| d.name.as_str())
        .collect();
    assert_eq!(unseen, ["sid", "_ga", "_ga_*", "ads", "never"]);
    assert_eq!(report.summary.violations, 0);
    assert!(report.suggest.is_empty());
}

#[test]
fn the_summary_counts_every_violation_and_the_suggestions_cover_the_undeclared() {
    let mut observed = Observed::default();
    cookie(&mut observed, "_ga", "shop.example", BEFORE);
    cookie(
        &mut observed,
        "mystery",
        "shop.example",
        &[Phase::AfterAccept],
    );
    observed.key(
        "left",
        "https://shop.example",
        true,
        Phase::AfterAccept,
        "p",
    );
    let hosts = Hosts(vec!["shop.example".to_owned()]);
    let report = report(observed, &registry(), &hosts, Vec::new(), &Two);

    assert_eq!(report.summary.items, 3);
    assert_eq!(report.summary.undeclared, 2);
    assert_eq!(report.summary.violations, 4);
    assert!(report.suggest.contains("name = \"mystery\""));
    assert!(report.suggest.contains("name = \"left\""));
    let left = report.items.iter().find(|i| i.name == "left").unwrap();
    assert_eq!(left.kind, Kind::LocalStorage);
    assert_eq!(left.domain, "https://shop.example");
    assert_eq!(left.expires, None);
}
