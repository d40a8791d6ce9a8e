//! Holding a report's items to a table of `expected.rs`, one aspect at a time. Each check
//! returns every difference it finds, so that one run shows all that is wrong.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::expected::{Domain, Item, NEVER, OWN, Phase};
use crate::fixture::Fixture;

/// The report's `items`.
pub fn items(report: &Value) -> &[Value] {
    report["items"].as_array().map_or(&[], Vec::as_slice)
}

/// The report's item of that name and kind.
pub fn item<'a>(report: &'a Value, name: &str, kind: &str) -> Option<&'a Value> {
    items(report)
        .iter()
        .find(|i| i["name"] == name && i["kind"] == kind)
}

/// A JSON array of strings as a sorted set (`None` if it is not one).
pub fn strings(value: &Value) -> Option<BTreeSet<&str>> {
    value.as_array()?.iter().map(Value::as_str).collect()
}

/// The phase names of `phases`, as a set.
pub fn phase_names(phases: &[Phase]) -> BTreeSet<&'static str> {
    phases.iter().map(|p| p.as_str()).collect()
}

/// The `domain` the report writes for `domain` on `fixture`.
pub fn domain(fixture: &Fixture, domain: Domain) -> String {
    match domain {
        Domain::SiteHost => fixture.site.ip.to_owned(),
        Domain::SiteOrigin => fixture.site.origin(),
        Domain::Host(host) => host.to_owned(),
    }
}

/// Fails with every difference, one a line.
#[track_caller]
pub fn assert_none(what: &str, differences: Vec<String>, report: &Value) {
    assert!(
        differences.is_empty(),
        "{what}:\n  {}\nitems reported: {}",
        differences.join("\n  "),
        serde_json::to_string_pretty(&report["items"]).unwrap_or_default()
    );
}

/// Runs `check` on each item of `table` found in the report; a missing one is a difference.
fn each(
    report: &Value,
    table: &[Item],
    check: impl Fn(&Item, &Value, &mut Vec<String>),
) -> Vec<String> {
    let mut differences = Vec::new();
    for expected in table {
        match item(report, expected.name, expected.kind) {
            Some(found) => check(expected, found, &mut differences),
            None => differences.push(format!(
                "{} ({}) is missing from the report",
                expected.name, expected.kind
            )),
        }
    }
    differences
}

fn differ(out: &mut Vec<String>, item: &Item, field: &str, expected: Value, found: &Value) {
    if &expected != found {
        out.push(format!(
            "{} ({}): {field} should be {expected}, is {found}",
            item.name, item.kind
        ));
    }
}

/// Domain, party, flags, lifetime and first page.
pub fn attributes(report: &Value, fixture: &Fixture, table: &[Item]) -> Vec<String> {
    each(report, table, |e, found, out| {
        differ(
            out,
            e,
            "domain",
            domain(fixture, e.domain).into(),
            &found["domain"],
        );
        differ(
            out,
            e,
            "third_party",
            e.third_party.into(),
            &found["third_party"],
        );
        differ(
            out,
            e,
            "first_page",
            fixture.url(e.first_page).into(),
            &found["first_page"],
        );
        match e.expires {
            Some(expires) => {
                differ(out, e, "http_only", e.http_only.into(), &found["http_only"]);
                differ(out, e, "secure", e.secure.into(), &found["secure"]);
                differ(out, e, "expires", expires.into(), &found["expires"]);
            }
            // A storage key has no such flags: absent, null or false, never true.
            None => {
                for flag in ["http_only", "secure"] {
                    if found[flag] == true {
                        out.push(format!("{} ({}): {flag} is true", e.name, e.kind));
                    }
                }
            }
        }
    })
}

/// The phases each item was present in.
pub fn phases(report: &Value, table: &[Item]) -> Vec<String> {
    each(report, table, |e, found, out| {
        let expected = phase_names(e.phases);
        if strings(&found["phases"]).as_ref() != Some(&expected) {
            out.push(format!(
                "{} ({}): phases should be {expected:?}, are {}",
                e.name, e.kind, found["phases"]
            ));
        }
    })
}

/// The registry entry that covers each item, or what the catalog suggests for it.
pub fn matches(report: &Value, table: &[Item]) -> Vec<String> {
    each(report, table, |e, found, out| {
        let declared = e.declared.map_or(
            Value::Null,
            |(name, category)| serde_json::json!({"name": name, "category": category}),
        );
        let covering = &found["declared"];
        let same = match &declared {
            Value::Null => covering.is_null(),
            _ => {
                covering["name"] == declared["name"] && covering["category"] == declared["category"]
            }
        };
        if !same {
            out.push(format!(
                "{} ({}): declared should be {declared}, is {covering}",
                e.name, e.kind
            ));
        }
        let suggested = &found["suggested"];
        match e.suggested {
            None => differ(out, e, "suggested", Value::Null, suggested),
            Some(s) => {
                differ(
                    out,
                    e,
                    "suggested.category",
                    s.category.into(),
                    &suggested["category"],
                );
                let provider = suggested["provider"].as_str().unwrap_or_default();
                if !provider.contains(s.provider_contains) {
                    out.push(format!(
                        "{} ({}): suggested.provider should name {}, is {}",
                        e.name, e.kind, s.provider_contains, suggested["provider"]
                    ));
                }
                for field in ["purpose", "expires"] {
                    if suggested[field].as_str().is_none_or(str::is_empty) {
                        out.push(format!(
                            "{} ({}): suggested.{field} is empty",
                            e.name, e.kind
                        ));
                    }
                }
            }
        }
    })
}

/// Each item's violations, exactly.
pub fn violations(report: &Value, table: &[Item]) -> Vec<String> {
    each(report, table, |e, found, out| {
        let expected: BTreeSet<&str> = e.violations.iter().copied().collect();
        if strings(&found["violations"]).as_ref() != Some(&expected) {
            out.push(format!(
                "{} ({}): violations should be {expected:?}, are {}",
                e.name, e.kind, found["violations"]
            ));
        }
    })
}

/// Nothing but the table's items (and Consentry's own, never a violation), each once.
pub fn nothing_else(report: &Value, table: &[Item]) -> Vec<String> {
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    for found in items(report) {
        let (name, kind) = (
            found["name"].as_str().unwrap_or("?"),
            found["kind"].as_str().unwrap_or("?"),
        );
        if !seen.insert((name, kind, found["domain"].as_str().unwrap_or("?"))) {
            out.push(format!("{name} ({kind}) is listed twice"));
        }
        if NEVER.contains(&name) {
            out.push(format!("{name} lives on a page the scan must never reach"));
        } else if OWN.contains(&name) {
            if strings(&found["violations"]).is_none_or(|v| !v.is_empty()) {
                out.push(format!(
                    "Consentry's own {name} has violations {}",
                    found["violations"]
                ));
            }
        } else if !table.iter().any(|e| e.name == name && e.kind == kind) {
            out.push(format!(
                "{name} ({kind}) is reported but the fixture never sets it"
            ));
        }
    }
    out
}

/// Every check above.
pub fn all(report: &Value, fixture: &Fixture, table: &[Item]) -> Vec<String> {
    let mut out = attributes(report, fixture, table);
    out.extend(phases(report, table));
    out.extend(matches(report, table));
    out.extend(violations(report, table));
    out.extend(nothing_else(report, table));
    out
}
