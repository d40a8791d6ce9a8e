//! `cookies.toml` rules: each broken file is refused with a message that names the place and
//! says how to fix it; `consentry check` reports every problem in one run.

use std::process::Command;

use consentry::registry::{Severity, parse};

use crate::helpers::*;

/// Replaces `from` by `to` in the small registry, failing loudly if `from` is not there.
fn edit(from: &str, to: &str) -> String {
    assert!(SMALL.contains(from), "test fixture lacks {from:?}");
    SMALL.replacen(from, to, 1)
}

/// The line in `src` of the first occurrence of `needle`, 1-based.
fn line_of(src: &str, needle: &str) -> usize {
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

/// Every diagnostic of `src`, errors and warnings, as `consentry check` prints them.
fn printed(src: &str) -> Vec<String> {
    match parse("cookies.toml", src) {
        Ok(loaded) => loaded.warnings.to_string(),
        Err(report) => report.to_string(),
    }
    .lines()
    .map(str::to_owned)
    .collect()
}

/// Each case: one mistake, the text whose line its error must name, and words of that error.
/// Nothing else may be reported: not the key its typo then lacks, not the category its broken
/// cookie leaves empty, not the cookies of its broken category, not the texts in a language
/// the broken `languages` meant.
#[test]
fn one_mistake_gives_one_error_and_nothing_it_knocks_on() {
    let cases: Vec<(&str, String, &str, &[&str])> = vec![
        (
            "a misspelled category key in a cookie of an optional category",
            edit("category = \"analytics\"", "categroy = \"analytics\""),
            "categroy",
            &[
                "unknown key \"categroy\" in [[cookie]] \"_ga\"",
                "did you mean \"category\"?",
            ],
        ),
        (
            "a misspelled name key in a cookie",
            edit("name = \"_ga\"", "nmae = \"_ga\""),
            "nmae",
            &[
                "unknown key \"nmae\" in [[cookie]] \"_ga\"",
                "did you mean \"name\"?",
            ],
        ),
        (
            "a misspelled title key in a category",
            edit(
                "title = { en = \"Analytics\"",
                "titel = { en = \"Analytics\"",
            ),
            "titel",
            &[
                "unknown key \"titel\" in [[category]] \"analytics\"",
                "did you mean \"title\"?",
            ],
        ),
        (
            "a category without its title",
            edit(
                "title = { en = \"Analytics\", fr = \"Mesure d'audience\" }\n",
                "",
            ),
            "[[category]]\nid = \"analytics\"",
            &["missing key \"title\" in [[category]] \"analytics\""],
        ),
        (
            "a malformed category id",
            edit("id = \"analytics\"", "id = \"Analytics\""),
            "id = \"Analytics\"",
            &["may use only a-z, 0-9, _ and -"],
        ),
        (
            "a misspelled languages key",
            edit("languages = ", "langauges = "),
            "langauges",
            &[
                "unknown key \"langauges\" in [site]",
                "did you mean \"languages\"?",
            ],
        ),
        (
            "a language that is not a tag",
            edit(
                "languages = [\"en\", \"fr\"]",
                "languages = [\"en\", \"fr FR\"]",
            ),
            "languages = ",
            &["\"fr FR\" is not a language tag"],
        ),
        (
            "languages that are not a list",
            edit("languages = [\"en\", \"fr\"]", "languages = \"en, fr\""),
            "languages = ",
            &["must be a list of strings"],
        ),
        (
            "a bad lifetime in a cookie of an optional category",
            edit("expires = \"13 months\"", "expires = \"13 moons\""),
            "expires = \"13 moons\"",
            &["unknown unit \"moons\""],
        ),
        (
            "an invalid cookie name in an optional category",
            edit("name = \"_ga\"", "name = \"_ga;\""),
            "name = \"_ga;\"",
            &["not a valid cookie name"],
        ),
        (
            "a purpose without the default language in an optional category",
            edit(
                "purpose = { en = \"Distinguishes visitors.\", fr",
                "purpose = { de = \"Unterscheidet Besucher.\", fr",
            ),
            "purpose = { de",
            &["\"de\" in \"purpose\"", "not one of the site's languages"],
        ),
    ];
    let mut wrong = Vec::new();
    for (what, src, at, words) in cases {
        let shown = printed(&src);
        let line = line_of(&src, at);
        let prefix = format!("cookies.toml:{line}:");
        let one = shown.len() == 1
            && shown[0].starts_with(&prefix)
            && shown[0].contains(": error: ")
            && words.iter().all(|w| shown[0].contains(w));
        if !one {
            wrong.push(format!(
                "{what}: expected exactly one error, on line {line}, with {words:?}; got {shown:#?}"
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn errors_and_warnings_are_printed_as_compilers_print_them() {
    let src = edit("category = \"analytics\"", "categroy = \"analytics\"").replace(
        "privacy_url = \"https://policies.google.com/privacy\"",
        "domain = \".google.com\"",
    );
    let shown = printed(&src);
    let typo = line_of(&src, "categroy");
    assert!(
        shown.contains(&format!(
            "cookies.toml:{typo}:1: error: unknown key \"categroy\" in [[cookie]] \"_ga\"; did you mean \"category\"?"
        )),
        "{shown:#?}"
    );
    assert!(
        shown
            .iter()
            .any(|l| l.contains(": warning: ") && l.contains("has no privacy_url")),
        "{shown:#?}"
    );
    assert_eq!(shown.len(), 2, "{shown:#?}");
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

fn consentry(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_consentry"))
        .args(args)
        .output()
        .expect("the binary runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn check_reports_every_problem_in_one_run_and_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("cookies.toml");
    let src = edit("category = \"necessary\"", "categroy = \"necessary\"")
        .replace("expires = \"13 months\"", "expires = \"forever\"")
        .replace("url = \"https://www.example.com\"", "url = \"example\"");
    std::fs::write(&file, &src).unwrap();
    let (code, _, stderr) = consentry(&["check", file.to_str().unwrap()]);
    assert_eq!(code, 1, "{stderr}");
    let shown = file.display().to_string();
    for (needle, words) in [
        ("categroy", "did you mean \"category\"?"),
        ("expires = \"forever\"", "\"forever\" is not a lifetime"),
        ("url = \"example\"", "not an absolute http(s) URL"),
    ] {
        let prefix = format!("{shown}:{}:", line_of(&src, needle));
        assert!(
            stderr
                .lines()
                .any(|l| l.starts_with(&prefix) && l.contains(words)),
            "no line starting {prefix:?} with {words:?} in:\n{stderr}"
        );
    }
}

#[test]
fn check_of_one_typo_prints_one_error_and_counts_one() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("cookies.toml");
    let src = edit("category = \"analytics\"", "categroy = \"analytics\"");
    std::fs::write(&file, &src).unwrap();

    let (code, _, stderr) = consentry(&["check", file.to_str().unwrap()]);

    assert_eq!(code, 1, "{stderr}");
    let shown = file.display().to_string();
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(
        lines,
        [
            format!(
                "{shown}:{}:1: error: unknown key \"categroy\" in [[cookie]] \"_ga\"; did you mean \"category\"?",
                line_of(&src, "categroy")
            ),
            format!("{shown}: refused: 1 error, 0 warnings"),
        ],
        "{stderr}"
    );
}

#[test]
fn check_prints_the_revision_and_a_summary_on_success() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("cookies.toml");
    std::fs::write(&file, SMALL).unwrap();
    let revision = parse("x", SMALL).unwrap().registry.revision;
    let (code, stdout, stderr) = consentry(&["check", file.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains(&format!("revision {revision}")), "{stdout}");
    assert!(stdout.contains("2 categories"), "{stdout}");
    assert!(stdout.contains("2 cookies"), "{stdout}");
}

#[test]
fn check_of_a_missing_file_says_so() {
    let (code, _, stderr) = consentry(&["check", "/nonexistent/cookies.toml"]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("cannot read /nonexistent/cookies.toml"),
        "{stderr}"
    );
}
