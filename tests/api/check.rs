//! `cookies.toml` rules: each broken file is refused with a message that names the place and
//! says how to fix it, and warnings do not refuse it. What `consentry check` prints, reporting
//! every problem in one run, is in `check_output.rs`.

use consentry::registry::{Kind, Severity, parse};

use crate::helpers::*;

/// Replaces `from` by `to` in the small registry, failing loudly if `from` is not there.
pub(crate) fn edit(from: &str, to: &str) -> String {
    assert!(SMALL.contains(from), "test fixture lacks {from:?}");
    SMALL.replacen(from, to, 1)
}

/// The line in `src` of the first occurrence of `needle`, 1-based.
pub(crate) fn line_of(src: &str, needle: &str) -> usize {
    let at = src
        .find(needle)
        .unwrap_or_else(|| panic!("{needle:?} not in source"));
    src[..at].matches('\n').count() + 1
}

fn errors(src: &str) -> Vec<(usize, usize, String)> {
    match parse("cookies.toml", src) {
        Ok(_) => Vec::new(),
        Err(report) => report
            .errors()
            .map(|d| (d.line, d.column, d.message.clone()))
            .collect(),
    }
}

#[test]
fn the_repository_registry_is_valid_and_warning_free() {
    let loaded = parse("cookies.toml", REPO_COOKIES).expect("the example registry loads");
    assert_eq!(loaded.warnings.diagnostics, vec![]);
    let r = loaded.registry;
    let names: Vec<&str> = r.cookies.iter().map(|c| c.name.as_str()).collect();
    for expected in [
        "ASP.NET_SessionId",
        "__ar_v4",
        "_ga",
        "__adroll",
        "GeolocatedCountry",
        "_gcl_aw",
        "Smartfocus#lang",
    ] {
        assert!(
            names.contains(&expected),
            "{expected} missing from {names:?}"
        );
    }
    assert!(
        r.cookies
            .iter()
            .any(|c| c.domain.as_deref() == Some("trackdiscovery.net"))
    );
    let ids: Vec<&str> = r.categories.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["necessary", "preferences", "analytics", "marketing"]);
    let langs: Vec<&str> = r.site.languages.iter().map(|l| l.as_str()).collect();
    assert_eq!(langs, ["en", "fr"]);
}

/// Each case: what is broken, the broken file, the text whose line the error must name, and
/// words the message must contain.
#[test]
fn every_rule_is_enforced_with_its_line_and_a_fix() {
    let cases: Vec<(&str, String, &str, &[&str])> = vec![
        (
            "TOML syntax",
            edit("name = \"sid\"", "name = \"sid"),
            "name = \"sid",
            &["TOML syntax"],
        ),
        (
            "unknown key with a suggestion",
            edit("category = \"necessary\"", "categroy = \"necessary\""),
            "categroy",
            &[
                "unknown key \"categroy\" in [[cookie]] \"sid\"",
                "did you mean \"category\"?",
            ],
        ),
        (
            "unknown key in [site]",
            edit("url = ", "colour = \"red\"\nurl = "),
            "colour",
            &["unknown key \"colour\" in [site]", "expected one of"],
        ),
        (
            "duplicate category id",
            edit("id = \"analytics\"", "id = \"necessary\""),
            "id = \"necessary\"\ntitle = {",
            &["category id \"necessary\" is already used", "line"],
        ),
        (
            "malformed category id",
            edit("id = \"analytics\"", "id = \"Web Analytics\""),
            "id = \"Web Analytics\"",
            &["may use only a-z, 0-9, _ and -"],
        ),
        (
            "cookie in an unknown category",
            edit("category = \"analytics\"", "category = \"analytic\""),
            "category = \"analytic\"",
            &[
                "which no [[category]] declares",
                "did you mean \"analytics\"?",
            ],
        ),
        (
            "invalid cookie name",
            edit("name = \"_ga\"", "name = \"_ga; path\""),
            "name = \"_ga; path\"",
            &["not a valid cookie name"],
        ),
        (
            "same cookie twice",
            format!(
                "{SMALL}\n[[cookie]]\nname = \"_ga\"\ncategory = \"analytics\"\npurpose = \"again\"\nexpires = \"1 day\"\n"
            ),
            "name = \"_ga\"\ncategory = \"analytics\"\npurpose = \"again\"",
            &["declared twice", "first on line"],
        ),
        (
            "same cookie twice, its domain written differently",
            format!(
                "{SMALL}\n[[cookie]]\nname = \"sid\"\ncategory = \"necessary\"\ndomain = \".shop.example\"\npurpose = \"a\"\nexpires = \"1 day\"\n\n[[cookie]]\nname = \"sid\"\ncategory = \"necessary\"\ndomain = \"SHOP.Example\"\npurpose = \"b\"\nexpires = \"1 day\"\n"
            ),
            "name = \"sid\"\ncategory = \"necessary\"\ndomain = \"SHOP.Example\"",
            &["cookie \"sid\" is declared twice", "first on line"],
        ),
        (
            "same storage key twice",
            format!(
                "{SMALL}\n[[cookie]]\nname = \"k\"\nkind = \"local-storage\"\ncategory = \"analytics\"\npurpose = \"a\"\nexpires = \"1 day\"\n\n[[cookie]]\nname = \"k\"\nkind = \"local-storage\"\ncategory = \"analytics\"\npurpose = \"b\"\nexpires = \"1 day\"\n"
            ),
            "name = \"k\"\nkind = \"local-storage\"\ncategory = \"analytics\"\npurpose = \"b\"",
            &["local-storage key \"k\" is declared twice", "first on line"],
        ),
        (
            "bad lifetime",
            edit("expires = \"13 months\"", "expires = \"13 moons\""),
            "expires = \"13 moons\"",
            &["unknown unit \"moons\""],
        ),
        (
            "text without the default language",
            edit(
                "purpose = { en = \"Distinguishes visitors.\", fr = \"Distingue les visiteurs.\" }",
                "purpose = { fr = \"Distingue les visiteurs.\" }",
            ),
            "purpose = { fr",
            &["has no \"en\" text, the default language"],
        ),
        (
            "text in an undeclared language",
            edit("fr = \"Mesure d'audience\"", "de = \"Analyse\""),
            "de = \"Analyse\"",
            &["\"de\"", "not one of the site's languages"],
        ),
        (
            "relative url",
            edit(
                "url = \"https://www.example.com\"",
                "url = \"www.example.com\"",
            ),
            "url = \"www.example.com\"",
            &["not an absolute http(s) URL"],
        ),
        (
            "privacy_url not http",
            edit(
                "privacy_url = \"https://policies.google.com/privacy\"",
                "privacy_url = \"ftp://policies.google.com/privacy\"",
            ),
            "privacy_url = \"ftp:",
            &["privacy_url", "not an absolute http(s) URL"],
        ),
        (
            "url with a user name and password",
            edit(
                "url = \"https://www.example.com\"",
                "url = \"https://user:pass@www.example.com/\"",
            ),
            "url = \"https://user:pass@",
            &["\"url\" in [site]", "user name or password"],
        ),
        (
            "privacy_url whose apparent host is user info",
            edit(
                "privacy_url = \"https://policies.google.com/privacy\"",
                "privacy_url = \"https://policies.google.com:80@evil.example/x\"",
            ),
            "privacy_url = ",
            &["privacy_url", "user name or password"],
        ),
        (
            "origin with user info",
            edit(
                "origins = [\"https://www.example.com\"]",
                "origins = [\"https://me@www.example.com\"]",
            ),
            "origins = [",
            &["not an origin", "user name or password"],
        ),
        (
            "url with a port out of range",
            edit(
                "url = \"https://www.example.com\"",
                "url = \"https://www.example.com:70000\"",
            ),
            "url = \"https://www.example.com:70000",
            &["\"url\" in [site]", "port", "0 to 65535"],
        ),
        (
            "origin with a port that is not a number",
            edit(
                "origins = [\"https://www.example.com\"]",
                "origins = [\"https://www.example.com:https\"]",
            ),
            "origins = [",
            &["not an origin", "port"],
        ),
        (
            "origin with a path",
            edit(
                "origins = [\"https://www.example.com\"]",
                "origins = [\"https://www.example.com/shop\"]",
            ),
            "origins = [",
            &["not an origin", "no path"],
        ),
        (
            "required missing",
            edit("purpose = \"Keeps your session.\"\n", ""),
            "[[cookie]]\nname = \"sid\"",
            &["missing key \"purpose\" in [[cookie]] \"sid\""],
        ),
        (
            "wrong type",
            edit("required = true", "required = \"yes\""),
            "required = \"yes\"",
            &["must be true or false"],
        ),
        (
            "unknown Google signal",
            edit(
                "google_consent = [\"analytics_storage\"]",
                "google_consent = [\"analytic_storage\"]",
            ),
            "google_consent",
            &[
                "not a Google Consent Mode v2 signal",
                "did you mean \"analytics_storage\"?",
            ],
        ),
        (
            "unknown kind",
            edit(
                "expires = \"session\"",
                "expires = \"session\"\nkind = \"indexeddb\"",
            ),
            "kind = ",
            &[
                "kind \"indexeddb\"",
                "cookie, local-storage, session-storage, pixel",
            ],
        ),
        (
            "cookie_domain outside the site",
            edit(
                "languages = ",
                "cookie_domain = \".other.org\"\nlanguages = ",
            ),
            "cookie_domain",
            &["does not contain the site's host"],
        ),
        (
            "unknown interface text key",
            format!("{SMALL}\n[texts.fr]\naccept_al = \"Tout accepter\"\n"),
            "accept_al",
            &[
                "unknown key \"accept_al\" in [texts.fr]",
                "did you mean \"accept_all\"?",
            ],
        ),
    ];
    for (what, src, at, words) in cases {
        let found = errors(&src);
        let line = line_of(&src, at);
        let hit = found
            .iter()
            .find(|(l, _, m)| *l == line && words.iter().all(|w| m.contains(w)));
        assert!(
            hit.is_some(),
            "{what}: expected an error on line {line} containing {words:?}; got {found:#?}"
        );
    }
}

/// Microsoft's UET keeps `_uetsid` as a cookie and as a local-storage key: two items, each
/// declared once.
#[test]
fn a_cookie_and_a_storage_key_may_share_a_name() {
    let src = format!(
        "{SMALL}\n[[cookie]]\nname = \"_ga\"\nkind = \"local-storage\"\ncategory = \"analytics\"\npurpose = \"A copy.\"\nexpires = \"1 day\"\n"
    );
    let loaded = parse("cookies.toml", &src).expect("a cookie and a key of one name load");
    let kinds: Vec<Kind> = loaded
        .registry
        .cookies
        .iter()
        .filter(|c| c.name.as_str() == "_ga")
        .map(|c| c.kind)
        .collect();
    assert_eq!(kinds, [Kind::Cookie, Kind::LocalStorage]);
}

#[test]
fn the_column_points_at_the_offending_key() {
    let src = edit("category = \"necessary\"", "categroy = \"necessary\"");
    let found = errors(&src);
    assert_eq!(found.len(), 1, "{found:#?}"); // the typo, not the then-missing category too
    let (line, column, _) = &found
        .iter()
        .find(|(_, _, m)| m.contains("categroy"))
        .unwrap();
    assert_eq!(*line, line_of(&src, "categroy"));
    assert_eq!(*column, 1);
}

#[test]
fn warnings_do_not_refuse_the_file() {
    let src = edit("expires = \"13 months\"", "expires = \"2 years\"").replace(
        "privacy_url = \"https://policies.google.com/privacy\"",
        "domain = \".google.com\"",
    ) + "\n[[category]]\nid = \"video\"\ntitle = \"Video\"\ndescription = \"Embedded videos.\"\n"
        + "\n[[cookie]]\nname = \"*\"\ncategory = \"analytics\"\npurpose = \"Anything.\"\nexpires = \"1 day\"\n";
    let loaded = parse("cookies.toml", &src).expect("warnings only");
    let warnings: Vec<&str> = loaded
        .warnings
        .diagnostics
        .iter()
        .inspect(|d| assert_eq!(d.severity, Severity::Warning))
        .map(|d| d.message.as_str())
        .collect();
    let expect = [
        "CNIL limits audience-measurement cookies to 13 months",
        "third-party domain \".google.com\" but has no privacy_url",
        "optional category \"video\" has no cookies",
        "matches every first-party cookie: refusing \"analytics\" would delete all cookies",
    ];
    for e in expect {
        assert!(
            warnings.iter().any(|w| w.contains(e)),
            "no warning {e:?} in {warnings:#?}"
        );
    }
}
