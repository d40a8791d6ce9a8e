//! What the checker prints, as `consentry check` shows it: one mistake gives one error and
//! nothing it knocks on, lines written as compilers write them, and the command's exit codes
//! and summaries.

use std::process::Command;

use consentry::registry::parse;

use crate::check::{edit, line_of};
use crate::helpers::*;

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

/// Runs the real binary; its exit code, stdout and stderr.
pub(crate) fn consentry(args: &[&str]) -> (i32, String, String) {
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
