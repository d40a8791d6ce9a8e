//! The banner's contract with Rust, checked without a browser: the configuration shape written
//! at the top of static/banner.js is what `BannerConfig` serializes, every field the script reads
//! is one of them, and its Consent Mode signals are the registry's.

use std::collections::BTreeSet;

use serde_json::Value;

use super::BannerConfig;
use crate::localized::Localized;
use crate::registry::GOOGLE_SIGNALS;

const SOURCE: &str = include_str!("../../static/banner.js");

/// A registry that sets every optional field the configuration can carry.
const EVERYTHING: &str = r#"
[site]
name = "Example"
url = "https://www.example.com"
cookie_domain = "example.com"

[[category]]
id = "necessary"
title = "Necessary"
description = "Needed for the site to work."
required = true
google_consent = ["security_storage"]

[[category]]
id = "analytics"
title = "Analytics"
description = "Counts visits."

[[cookie]]
name = "sid"
category = "necessary"
purpose = "Keeps the session."
expires = "session"

[[cookie]]
name = "_pk_*"
category = "analytics"
provider = "Matomo"
purpose = "Counts visits."
expires = "13 months"
kind = "local-storage"
domain = ".matomo.example"
privacy_url = "https://matomo.example/privacy"
"#;

type Names = BTreeSet<String>;

/// The configuration as served, with the names of its fields at each level: the configuration,
/// a category, a cookie, the texts.
fn served_fields() -> [Names; 4] {
    let loaded = crate::registry::parse("t.toml", EVERYTHING).expect("a valid registry");
    let registry = loaded.registry;
    let view = Localized::new(&registry, registry.default_lang());
    let config = serde_json::to_value(BannerConfig::new(&registry, &view)).expect("serializes");
    let keys = |v: &Value| -> Names { v.as_object().expect("an object").keys().cloned().collect() };
    let all = |list: &Value| -> Names {
        list.as_array()
            .into_iter()
            .flatten()
            .flat_map(keys)
            .collect()
    };
    let categories = &config["categories"];
    let cookies: Names = categories
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|c| all(&c["cookies"]))
        .collect();
    [
        keys(&config),
        all(categories),
        cookies,
        keys(&config["texts"]),
    ]
}

/// The fields of `type <name> = { ... };` in the opening comment.
fn documented(name: &str) -> Names {
    let start = format!("//   type {name} = {{");
    let lines = SOURCE
        .lines()
        .map(str::trim)
        .skip_while(|l| *l != start)
        .skip(1)
        .take_while(|l| *l != "//   };")
        .map(|l| l.trim_start_matches("//").trim());
    if name == "Texts" {
        // `a, b, c: string;` over several lines.
        return lines
            .flat_map(|l| l.split(','))
            .map(|f| f.split(':').next().unwrap_or_default().trim().to_owned())
            .filter(|f| !f.is_empty())
            .collect();
    }
    lines
        .filter_map(|l| l.split(':').next())
        .map(|f| f.trim_end_matches('?').to_owned())
        .collect()
}

/// The code without its comments, as served.
fn code() -> String {
    SOURCE
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every `<object>.<field>` the code reads, where `object` is a name of its own (not the tail
/// of `document.cookie`).
fn read_on(object: &str) -> Names {
    let code = code();
    let pattern = format!("{object}.");
    let mut out = Names::new();
    for (at, _) in code.match_indices(&pattern) {
        let before = code[..at].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric() || matches!(c, '_' | '.' | '$')) {
            continue;
        }
        let field: String = code[at + pattern.len()..]
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        out.insert(field);
    }
    out
}

#[test]
fn the_documented_configuration_is_what_rust_serializes() {
    let [config, category, cookie, texts] = served_fields();
    assert_eq!(documented("Config"), config, "type Config");
    assert_eq!(documented("Category"), category, "type Category");
    assert_eq!(documented("Cookie"), cookie, "type Cookie");
    assert_eq!(documented("Texts"), texts, "type Texts");
}

#[test]
fn every_field_the_banner_reads_is_in_its_configuration() {
    let [config, category, cookie, texts] = served_fields();
    for (object, fields) in [
        ("config", config),
        ("category", category),
        ("cookie", cookie),
        ("texts", texts),
    ] {
        let read = read_on(object);
        assert!(!read.is_empty(), "the banner reads nothing on {object}");
        let unknown: Vec<&String> = read.difference(&fields).collect();
        assert!(
            unknown.is_empty(),
            "banner.js reads {object}.{unknown:?}, which the configuration does not carry"
        );
    }
}

#[test]
fn the_banner_denies_and_grants_the_registrys_consent_mode_signals() {
    let code = code();
    let start = code
        .find("const SIGNALS = (")
        .expect("banner.js declares SIGNALS");
    let end = start + code[start..].find(".split(").expect("SIGNALS is split");
    let joined: String = code[start..end].split('"').skip(1).step_by(2).collect();
    let signals: Vec<&str> = joined.split(' ').collect();
    assert_eq!(signals, GOOGLE_SIGNALS);
}
