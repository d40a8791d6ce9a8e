//! A suggestion appended to a real registry's file loads, with the catalog's facts for a known
//! item, a placeholder for an unknown one, and a name from a web page kept as data.

use super::{catalog, suggestion};
use crate::registry::{Cookie, Kind, Registry, parse};

const REPO: &str = include_str!("../../cookies.toml");

/// A registry with no "marketing" and no "preferences" category, in French first.
const FRENCH: &str = r#"
[site]
name = "Boutique"
url = "https://www.boutique.example"
languages = ["fr", "en"]

[[category]]
id = "essentiels"
title = "Essentiels"
description = "Indispensables."
required = true

[[category]]
id = "mesure"
title = "Mesure"
description = "Mesure d'audience."

[[cookie]]
name = "sid"
category = "essentiels"
purpose = "Garde la session."
expires = "session"

[[cookie]]
name = "_pk_id.*"
category = "mesure"
provider = "Matomo"
purpose = "Compte les visites."
expires = "13 months"
"#;

fn registry(src: &str) -> Registry {
    parse("cookies.toml", src)
        .expect("the fixture loads")
        .registry
}

/// `src` with `suggested` appended, loaded; the cookie it adds, by name and kind.
fn appended(src: &str, suggested: &str, name: &str, kind: Kind) -> Cookie {
    let text = format!("{src}\n{suggested}");
    let loaded = parse("cookies.toml", &text)
        .unwrap_or_else(|report| panic!("{report}\n--- the suggestion:\n{suggested}"));
    loaded
        .registry
        .cookies
        .into_iter()
        .find(|c| c.name.as_str() == name && c.kind == kind)
        .expect("the suggested cookie is declared")
}

fn suggest(name: &str, kind: Kind, domain: Option<&str>, registry: &Registry) -> String {
    suggestion(name, kind, domain, catalog().find(name, kind), registry)
}

#[test]
fn a_known_cookie_is_suggested_with_the_catalogs_facts() {
    let r = registry(REPO);
    let text = suggest("_fbp", Kind::Cookie, Some(".smartfocus.com"), &r);
    let c = appended(REPO, &text, "_fbp", Kind::Cookie);
    assert_eq!(c.category.as_str(), "marketing");
    assert_eq!(r.provider_name(&c, r.default_lang()), "Meta");
    assert_eq!(c.expires.to_string(), "3 months");
    assert_eq!(
        c.privacy_url.as_ref().map(|u| u.as_str()),
        Some("https://www.facebook.com/privacy/policy/")
    );
    // Seen on the site's own domain: declared without one.
    assert_eq!(c.domain, None, "{text}");
    assert!(text.starts_with("# From Consentry's catalog"), "{text}");
}

#[test]
fn a_third_party_cookie_keeps_its_domain_and_a_storage_key_its_host() {
    let r = registry(REPO);
    let text = suggest("IDE", Kind::Cookie, Some(".doubleclick.net"), &r);
    let c = appended(REPO, &text, "IDE", Kind::Cookie);
    assert_eq!(c.domain.as_deref(), Some(".doubleclick.net"));

    let text = suggest(
        "yt-remote-session-app",
        Kind::SessionStorage,
        Some("https://www.youtube.com"),
        &r,
    );
    let c = appended(REPO, &text, "yt-remote-session-app", Kind::SessionStorage);
    assert_eq!(c.domain.as_deref(), Some("www.youtube.com"));
    assert_eq!(c.category.as_str(), "preferences");
}

#[test]
fn an_unknown_item_gets_a_placeholder_in_the_first_optional_category() {
    let r = registry(REPO);
    let text = suggest("mystery_flag", Kind::LocalStorage, None, &r);
    assert!(
        text.starts_with("# Consentry's catalog does not know this item"),
        "{text}"
    );
    let c = appended(REPO, &text, "mystery_flag", Kind::LocalStorage);
    assert_eq!(c.category.as_str(), "preferences");
    assert!(
        c.purpose
            .get(r.default_lang(), r.default_lang())
            .starts_with("REPLACE ME")
    );
    assert_eq!(c.provider, None);
}

#[test]
fn a_category_the_registry_lacks_is_guessed_and_said_so() {
    let r = registry(FRENCH);
    let text = suggest("_fbp", Kind::Cookie, None, &r);
    assert!(
        text.contains("The catalog calls it \"marketing\"; this registry has no such category"),
        "{text}"
    );
    assert!(text.contains("The purpose is in English"), "{text}");
    assert_eq!(
        appended(FRENCH, &text, "_fbp", Kind::Cookie)
            .category
            .as_str(),
        "mesure"
    );

    // A necessary item goes to the first required category, whatever its id.
    let text = suggest("PHPSESSID", Kind::Cookie, None, &r);
    let c = appended(FRENCH, &text, "PHPSESSID", Kind::Cookie);
    assert_eq!(c.category.as_str(), "essentiels");
    // PHP is software the site runs: the site is its provider.
    assert_eq!(c.provider, None, "{text}");
    assert_eq!(c.privacy_url, None);
}

#[test]
fn a_name_from_a_web_page_stays_data() {
    let r = registry(REPO);
    // Valid in a cookie name, special to TOML outside a basic string.
    let name = "it's#1";
    let text = suggest(name, Kind::Cookie, None, &r);
    assert_eq!(
        appended(REPO, &text, name, Kind::Cookie).name.as_str(),
        name
    );

    // Quotes, a backslash, a newline or another control character cannot end the string and
    // add keys of their own: the file still parses, and the only complaint is the name itself.
    let name = "x\"\ncategory = \"necessary\"\r\n[site]\0\u{7f}\\";
    let text = suggest(name, Kind::Cookie, Some("evil\"\n.example"), &r);
    let report = parse("cookies.toml", &format!("{REPO}\n{text}")).expect_err("an invalid name");
    let errors: Vec<String> = report.errors().map(|d| d.message.clone()).collect();
    assert!(
        !errors.is_empty()
            && errors
                .iter()
                .all(|m| m.contains("is not a valid cookie name")
                    || m.contains("is not a domain name")),
        "{errors:#?}\n--- the suggestion:\n{text}"
    );
}

#[test]
fn an_unknown_item_a_scan_saw_is_suggested_with_the_lifetime_it_had() {
    let r = registry(REPO);
    let seen = "6 months".parse().ok();
    let text = super::suggestion_seen("mystery_id", Kind::Cookie, None, None, seen, &r);
    let c = appended(REPO, &text, "mystery_id", Kind::Cookie);
    assert_eq!(c.expires.to_string(), "6 months");
    assert!(text.contains("as the scan saw it"), "{text}");
}
