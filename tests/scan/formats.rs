//! The report for a person: the text format (the default) and the self-contained HTML page,
//! both with the violations first, and `--suggest`, the ready-to-paste `[[cookie]]` TOML for
//! what the registry lacks (CONTRACT §5, issue 11 §1).

use std::ffi::OsString;

use scraper::{ElementRef, Html};

use crate::expected::{FULL, Item, OWN};
use crate::fixture::{Fixture, Variant};
use crate::run::{consentry, scan};

/// Enough pages for every item set on `/` (the first page), in all three phases.
const FEW_PAGES: usize = 3;

#[test]
#[cfg_attr(
    not(chromium_tests),
    ignore = "no Chromium: apt-get install -y chromium"
)]
fn the_text_report_is_the_default_and_lists_the_violations_first() {
    let fixture = Fixture::start(Variant::Full);
    let outcome = scan(&fixture, FEW_PAGES, &[]);
    assert_eq!(outcome.code, Some(1), "{}", outcome.describe());
    if let Err(problem) = violations_first(&outcome.stdout, FULL) {
        panic!("{problem}\ntext report:\n{}", outcome.stdout);
    }
}

#[test]
#[cfg_attr(
    not(chromium_tests),
    ignore = "no Chromium: apt-get install -y chromium"
)]
fn the_html_report_is_one_self_contained_page_with_the_violations_first() {
    let fixture = Fixture::start(Variant::Full);
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("report.html");
    let out_arg = out.to_str().expect("a UTF-8 path");
    let outcome = scan(&fixture, FEW_PAGES, &["--format", "html", "--out", out_arg]);
    assert_eq!(outcome.code, Some(1), "{}", outcome.describe());
    let html = std::fs::read_to_string(&out).unwrap_or_else(|e| {
        panic!(
            "--out {out_arg} was not written ({e}): {}",
            outcome.describe()
        )
    });
    let page = Html::parse_document(&html);
    assert!(
        page.root_element().value().name() == "html"
            && page
                .select(&"title".parse().expect("selector"))
                .next()
                .is_some(),
        "not a whole HTML page with a title:\n{html}"
    );
    let remote = remote_references(&page);
    assert!(
        remote.is_empty(),
        "the page loads from other hosts: {remote:#?}"
    );
    // Cells are separate text nodes: joined with a space, as a reader sees them.
    let text = page.root_element().text().collect::<Vec<_>>().join(" ");
    if let Err(problem) = violations_first(&text, FULL) {
        panic!("{problem}\nreport page:\n{html}");
    }
}

#[test]
#[cfg_attr(
    not(chromium_tests),
    ignore = "no Chromium: apt-get install -y chromium"
)]
fn suggested_toml_appended_to_the_registry_makes_consentry_check_pass() {
    let fixture = Fixture::start(Variant::Full);
    let outcome = scan(&fixture, FEW_PAGES, &["--suggest"]);
    assert!(
        matches!(outcome.code, Some(0 | 1)),
        "{}",
        outcome.describe()
    );
    let suggested: toml::Table = toml::from_str(&outcome.stdout)
        .unwrap_or_else(|e| panic!("--suggest printed no TOML ({e}):\n{}", outcome.stdout));
    let cookies = suggested
        .get("cookie")
        .and_then(|c| c.as_array())
        .unwrap_or_else(|| panic!("no [[cookie]] in:\n{}", outcome.stdout));
    let named = |name: &str| {
        cookies
            .iter()
            .find(|c| c.get("name").and_then(|n| n.as_str()) == Some(name))
    };
    let names: Vec<&str> = cookies
        .iter()
        .filter_map(|c| c.get("name")?.as_str())
        .collect();
    for undeclared in FULL.iter().filter(|i| i.violations.contains(&"undeclared")) {
        assert!(
            named(undeclared.name).is_some(),
            "no entry for {}: {names:?}",
            undeclared.name
        );
    }
    for known in FULL
        .iter()
        .filter(|i| i.declared.is_some())
        .map(|i| i.name)
        .chain(OWN)
    {
        assert!(
            named(known).is_none(),
            "{known} is declared or Consentry's own: {names:?}"
        );
    }
    let fbp = named("_fbp").expect("listed");
    assert_eq!(
        fbp.get("category").and_then(|c| c.as_str()),
        Some("marketing"),
        "{fbp}"
    );
    assert!(
        fbp.get("provider")
            .and_then(|p| p.as_str())
            .is_some_and(|p| p.contains("Meta")),
        "the catalog's provider of _fbp: {fbp}"
    );

    let registry = std::fs::read_to_string(fixture.config()).expect("the fixture's registry");
    let dir = tempfile::tempdir().expect("temp dir");
    let completed = dir.path().join("cookies.toml");
    std::fs::write(&completed, format!("{registry}\n{}", outcome.stdout)).expect("written");
    let checked = consentry(&[OsString::from("check"), completed.into_os_string()], &[]);
    assert_eq!(
        checked.code,
        Some(0),
        "consentry check of the registry with the suggestions: {}\n{}",
        checked.stdout,
        checked.stderr
    );
}

/// Every item set on the first page is named, and each one with a violation before any one
/// without: a person reads what is wrong first.
pub fn violations_first(text: &str, table: &[Item]) -> Result<(), String> {
    let mut last_wrong = (0, "");
    let mut first_right = (usize::MAX, "");
    for item in table.iter().filter(|i| i.first_page == "/") {
        let at =
            first_word(text, item.name).ok_or(format!("{} is not in the report", item.name))?;
        if item.violations.is_empty() {
            first_right = first_right.min((at, item.name));
        } else {
            last_wrong = last_wrong.max((at, item.name));
        }
    }
    if last_wrong.0 > first_right.0 {
        return Err(format!(
            "{} (violations) comes after {} (none)",
            last_wrong.1, first_right.1
        ));
    }
    Ok(())
}

/// Where `name` first stands as a whole name, not inside a longer one (`_ga` in `_ga_X`).
fn first_word(text: &str, name: &str) -> Option<usize> {
    let part = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
    text.match_indices(name).map(|(at, _)| at).find(|&at| {
        !text[..at].chars().next_back().is_some_and(part)
            && !text[at + name.len()..].chars().next().is_some_and(part)
    })
}

/// Every attribute or style of the page that would load something from another host (a link
/// a person may follow, `<a href>`, loads nothing).
fn remote_references(page: &Html) -> Vec<String> {
    let remote = |v: &str| {
        let v = v.trim().to_ascii_lowercase();
        v.starts_with("http:") || v.starts_with("https:") || v.starts_with("//")
    };
    let remote_css = |css: &str| {
        let css = css.to_ascii_lowercase();
        css.contains("@import")
            || css
                .split("url(")
                .skip(1)
                .any(|u| remote(u.trim_start_matches(['"', '\''])))
    };
    let mut found = Vec::new();
    for element in page
        .root_element()
        .descendants()
        .filter_map(ElementRef::wrap)
    {
        let tag = element.value().name();
        for (attribute, value) in element.value().attrs() {
            let loads = matches!(
                attribute,
                "src" | "srcset" | "data" | "poster" | "action" | "formaction" | "background"
            ) || (attribute == "href" && tag != "a");
            if (loads && remote(value)) || (attribute == "style" && remote_css(value)) {
                found.push(format!("<{tag} {attribute}=\"{value}\">"));
            }
        }
        if tag == "style" && remote_css(&element.text().collect::<String>()) {
            found.push("<style> with a remote url() or @import".to_owned());
        }
    }
    found
}
