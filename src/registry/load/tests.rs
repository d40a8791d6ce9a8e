//! `cookies.toml` is written by hand and reloaded while the service runs: whatever the file
//! holds, the loader never panics, and a refusal always carries at least one error, each
//! problem at a line and column that exist in the file.

use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

use super::{Report, parse};

const REPO: &str = include_str!("../../../cookies.toml");

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 256,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Lines a person might add or mistype.
const SNIPPETS: [&str; 20] = [
    "[[cookie]]\n",
    "[[category]]\nid = \"x\"\n",
    "[site]\n",
    "name = \"_ga\"\n",
    "expires = \"0 days\"\n",
    "expires = \"99999999999999999999 years\"\n",
    "consent_days = -1\n",
    "languages = []\n",
    "languages = [\"\", \"EN\"]\n",
    "url = \"https://\"\n",
    "origins = [\"https://a.example/x\"]\n",
    "updated = 2026-13-45\n",
    "title = { }\n",
    "category = \"nope\"\n",
    "domain = \".\"\n",
    "cookie_domain = \"\"\n",
    "google_consent = [\"x\"]\n",
    "[texts.en]\nbanner_title = 1\n",
    "= \"\"\"\n",
    "name = \"*\"\n",
];

#[derive(Debug, Clone)]
enum Edit {
    DeleteLine(prop::sample::Index),
    DuplicateLine(prop::sample::Index),
    SwapLines(prop::sample::Index, prop::sample::Index),
    ReplaceChar(prop::sample::Index, char),
    Insert(prop::sample::Index, &'static str),
    Truncate(prop::sample::Index),
}

fn edit() -> impl Strategy<Value = Edit> {
    let index = any::<prop::sample::Index>;
    let chars = prop::sample::select(vec![
        '=', '"', '\'', '[', ']', '{', '}', ',', '.', '\n', '#', '*', ' ', 'a', '1', 'é', '\\',
        '\0', '\u{feff}',
    ]);
    prop_oneof![
        index().prop_map(Edit::DeleteLine),
        index().prop_map(Edit::DuplicateLine),
        (index(), index()).prop_map(|(a, b)| Edit::SwapLines(a, b)),
        (index(), chars).prop_map(|(i, c)| Edit::ReplaceChar(i, c)),
        (index(), prop::sample::select(SNIPPETS.to_vec())).prop_map(|(i, s)| Edit::Insert(i, s)),
        index().prop_map(Edit::Truncate),
    ]
}

fn apply(src: &str, edit: &Edit) -> String {
    let mut lines: Vec<String> = src.split_inclusive('\n').map(str::to_owned).collect();
    let chars: Vec<char> = src.chars().collect();
    match edit {
        Edit::DeleteLine(i) if !lines.is_empty() => {
            lines.remove(i.index(lines.len()));
        }
        Edit::DuplicateLine(i) if !lines.is_empty() => {
            let i = i.index(lines.len());
            lines.insert(i, lines[i].clone());
        }
        Edit::SwapLines(a, b) if !lines.is_empty() => {
            let (a, b) = (a.index(lines.len()), b.index(lines.len()));
            lines.swap(a, b);
        }
        Edit::ReplaceChar(i, c) if !chars.is_empty() => {
            let mut chars = chars;
            let i = i.index(chars.len());
            chars[i] = *c;
            return chars.into_iter().collect();
        }
        Edit::Insert(i, snippet) => {
            let i = i.index(lines.len() + 1);
            lines.insert(i, (*snippet).to_owned());
        }
        Edit::Truncate(i) => {
            return chars[..i.index(chars.len() + 1)].iter().collect();
        }
        _ => {}
    }
    lines.concat()
}

/// Every diagnostic names a line of the file and a column of that line (one past its
/// end at most), and prints as `file:line:col: message`.
fn located(src: &str, report: &Report) -> Result<(), TestCaseError> {
    let lines: Vec<&str> = src.split('\n').collect();
    for d in &report.diagnostics {
        prop_assert!(d.line >= 1 && d.line <= lines.len(), "{d:?}");
        let width = lines[d.line - 1].chars().count();
        prop_assert!(d.column >= 1 && d.column <= width + 1, "{d:?}");
        prop_assert!(!d.message.is_empty(), "{d:?}");
    }
    for (line, d) in report.to_string().lines().zip(&report.diagnostics) {
        let prefix = format!("cookies.toml:{}:{}: ", d.line, d.column);
        prop_assert!(line.starts_with(&prefix), "{line}");
    }
    Ok(())
}

fn check(src: &str) -> Result<(), TestCaseError> {
    match parse("cookies.toml", src) {
        Ok(loaded) => {
            located(src, &loaded.warnings)?;
            prop_assert_eq!(loaded.warnings.errors().count(), 0);
            let revision = &loaded.registry.revision;
            prop_assert!(revision.len() == 8, "{revision}");
        }
        Err(report) => {
            prop_assert!(
                report.errors().next().is_some(),
                "a refusal without an error"
            );
            located(src, &report)?;
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn edited_registries_load_or_are_refused_with_located_errors(
        edits in prop::collection::vec(edit(), 1..5)
    ) {
        let src = edits.iter().fold(REPO.to_owned(), |src, e| apply(&src, e));
        check(&src)?;
    }

    #[test]
    fn arbitrary_text_never_panics_and_every_refusal_is_located(
        src in prop_oneof![
            any::<String>(),
            "([a-z_\\[\\]]{1,12}( = (\"[a-z*. ]{0,8}\"|[0-9-]{1,5}|true|\\[\\]|\\{ \\}))?\n){0,12}",
        ]
    ) {
        check(&src)?;
    }
}
