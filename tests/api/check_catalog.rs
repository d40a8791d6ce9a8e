//! `consentry check` against Consentry's catalog of well-known cookies: a known cookie in a
//! category that disagrees with the catalog is a warning at its `category`, never a refusal;
//! categories the site names in its own words, and items the catalog does not know, pass.

use crate::check::line_of;
use crate::check_output::consentry;
use crate::helpers::*;

/// Writes `src` as a registry and runs `consentry check` on it: the exit code, stdout, and
/// stderr with the file's path shortened to `cookies.toml`.
fn check(src: &str) -> (i32, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("cookies.toml");
    std::fs::write(&file, src).unwrap();
    let path = file.to_str().unwrap();
    let (code, stdout, stderr) = consentry(&["check", path]);
    (code, stdout, stderr.replace(path, "cookies.toml"))
}

fn cookie(name: &str, category: &str, extra: &str) -> String {
    format!(
        "\n[[cookie]]\nname = \"{name}\"\ncategory = \"{category}\"\n{extra}purpose = \"Something.\"\nexpires = \"1 day\"\n"
    )
}

#[test]
fn a_known_analytics_cookie_in_a_required_category_is_warned_about_but_accepted() {
    let src = format!("{SMALL}{}", cookie("_gid", "necessary", ""));

    let (code, stdout, stderr) = check(&src);

    assert_eq!(code, 0, "a warning never refuses the file: {stderr}");
    let line = line_of(&src, "name = \"_gid\"") + 1;
    assert_eq!(
        stderr.lines().collect::<Vec<_>>(),
        [format!(
            "cookies.toml:{line}:12: warning: \"_gid\" is an analytics cookie of Google Analytics in Consentry's catalog, but category \"necessary\" is required, so visitors cannot refuse it"
        )],
        "{stderr}"
    );
    assert!(
        stdout.contains("ok") && stdout.contains("1 warning"),
        "{stdout}"
    );
}

#[test]
fn a_category_named_for_another_purpose_is_warned_about() {
    // "analytics" is one of the catalog's words, and _fbp is Meta's marketing cookie.
    let src = format!("{SMALL}{}", cookie("_fbp", "analytics", ""));

    let (code, _, stderr) = check(&src);

    assert_eq!(code, 0, "{stderr}");
    let line = line_of(&src, "name = \"_fbp\"") + 1;
    let prefix = format!("cookies.toml:{line}:12: warning: ");
    let warned: Vec<&str> = stderr.lines().filter(|l| l.starts_with(&prefix)).collect();
    assert_eq!(warned.len(), 1, "{stderr}");
    for words in [
        "\"_fbp\" is a marketing cookie of Meta in Consentry's catalog",
        "category \"analytics\" holds it",
        "declare a category for marketing",
    ] {
        assert!(warned[0].contains(words), "{words:?} not in {stderr}");
    }
}

#[test]
fn a_registry_pattern_is_checked_when_the_catalog_has_the_same_pattern() {
    let src = format!(
        "{SMALL}{}{}",
        cookie("_ga_*", "necessary", ""),
        cookie("_g*", "necessary", "")
    );

    let (code, _, stderr) = check(&src);

    assert_eq!(code, 0, "{stderr}");
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(
        lines.len(),
        1,
        "only _ga_* is the catalog's own pattern: {stderr}"
    );
    assert!(lines[0].contains("\"_ga_*\" is an analytics cookie of Google Analytics"));
    assert!(lines[0].starts_with(&format!(
        "cookies.toml:{}:",
        line_of(&src, "name = \"_ga_*\"") + 1
    )));
}

#[test]
fn the_sites_own_words_other_kinds_and_unknown_cookies_pass_without_a_warning() {
    let src = format!(
        "{SMALL}\n[[category]]\nid = \"stats\"\ntitle = \"Statistics\"\ndescription = \"Counts visits.\"\n{}{}{}",
        // An analytics cookie in an optional category the site calls "stats".
        cookie("_gat", "stats", ""),
        // A storage key named like the catalog's cookie is not that cookie.
        cookie("_ga", "necessary", "kind = \"local-storage\"\n"),
        cookie("cart_token_of_our_own", "necessary", ""),
    );

    let (code, stdout, stderr) = check(&src);

    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stderr, "", "no warning expected");
    assert!(stdout.contains("0 warnings"), "{stdout}");
}

#[test]
fn the_repository_registry_agrees_with_the_catalog() {
    let (code, stdout, stderr) = check(REPO_COOKIES);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stderr, "", "the example registry raises no warning");
    assert!(stdout.contains("0 warnings"), "{stdout}");
}
