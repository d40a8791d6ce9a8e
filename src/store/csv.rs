//! Records as CSV: RFC 4180, one column per category, every cell a spreadsheet could run as a
//! formula defused.

use std::io::Write;

use crate::consent::{ConsentId, ConsentRecord};

const CSV_COLUMNS: [&str; 11] = [
    "consent_id",
    "recorded_at",
    "revision",
    "shown",
    "action",
    "language",
    "page",
    "user_agent",
    "ip_prefix",
    "expires_at",
    "sec_gpc",
];

/// The header row: the fixed columns, then the categories.
pub(super) fn write_header(out: &mut impl Write, categories: &[String]) -> std::io::Result<()> {
    let header = CSV_COLUMNS
        .iter()
        .copied()
        .chain(categories.iter().map(String::as_str));
    write_csv_row(out, header.map(Cell::Text))
}

/// One record as a CSV row: the fixed columns, then one per category.
pub(super) fn write_record(
    out: &mut impl Write,
    categories: &[String],
    r: &ConsentRecord,
) -> std::io::Result<()> {
    let (recorded_at, expires_at) = (
        crate::consent::millis::format(r.recorded_at),
        crate::consent::millis::format(r.expires_at),
    );
    let fixed = [
        recorded_at.as_str(),
        &r.revision,
        &r.shown,
        r.action.as_str(),
        &r.language,
        r.page.as_deref().unwrap_or_default(),
        r.user_agent.as_deref().unwrap_or_default(),
        r.ip_prefix.as_deref().unwrap_or_default(),
        &expires_at,
        if r.sec_gpc { "true" } else { "false" },
    ];
    let categories = categories.iter().map(|c| match r.granted(c) {
        Some(true) => "true",
        Some(false) => "false",
        None => "",
    });
    let id = Cell::Id(&r.consent_id);
    write_csv_row(
        out,
        std::iter::once(id).chain(fixed.into_iter().chain(categories).map(Cell::Text)),
    )
}

/// One CSV cell.
enum Cell<'a> {
    /// Free text: a spreadsheet might run it as a formula.
    Text(&'a str),
    /// A consent id: only A-Z a-z 0-9 - _, so no formula, and it must stay exactly as it is
    /// for an erasure request to find the visitor.
    Id(&'a ConsentId),
}

/// What a spreadsheet may run as a formula when a cell starts with it.
const FORMULA_START: [char; 4] = ['=', '+', '-', '@'];

/// What some spreadsheet splits a line into cells on: RFC 4180's `,`; `;`, as Excel does where
/// the decimal separator is a comma (French, German); tab; `|`; and line breaks, for a reader
/// that ignores quotes. Quoting a cell does not protect it from a reader that splits on another
/// separator than the one written: such a reader sees a new cell after each of these.
const SEPARATORS: [char; 6] = [',', ';', '\t', '|', '\r', '\n'];

/// The text with a `'` before each formula character that could start a cell in some reader:
/// at the start, or after a separator, spaces allowed between. Everything else is kept byte for
/// byte, so the evidence stays readable and the change is one visible character.
fn defuse(text: &str) -> Option<String> {
    let mut out: Option<String> = None;
    let mut cell_start = true;
    for (i, c) in text.char_indices() {
        if cell_start && FORMULA_START.contains(&c) {
            out.get_or_insert_with(|| text[..i].to_owned()).push('\'');
        }
        if let Some(out) = out.as_mut() {
            out.push(c);
        }
        cell_start = SEPARATORS.contains(&c) || (cell_start && c == ' ');
    }
    out
}

/// RFC 4180 quoting (also for a cell holding any separator, so that a reader honouring quotes
/// keeps it whole), after `defuse`.
fn write_csv_row<'a>(
    out: &mut impl Write,
    cells: impl Iterator<Item = Cell<'a>>,
) -> std::io::Result<()> {
    for (i, cell) in cells.enumerate() {
        if i > 0 {
            out.write_all(b",")?;
        }
        let cell = match cell {
            Cell::Id(id) => {
                out.write_all(id.as_str().as_bytes())?;
                continue;
            }
            Cell::Text(text) => text,
        };
        let defused = defuse(cell);
        let quote = defused.is_some() || cell.contains(SEPARATORS) || cell.contains('"');
        let cell = defused.as_deref().unwrap_or(cell);
        if quote {
            out.write_all(b"\"")?;
            out.write_all(cell.replace('"', "\"\"").as_bytes())?;
            out.write_all(b"\"")?;
        } else {
            out.write_all(cell.as_bytes())?;
        }
    }
    out.write_all(b"\r\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::OffsetDateTime;

    fn row(cells: &[&str]) -> String {
        let mut out = Vec::new();
        write_csv_row(&mut out, cells.iter().map(|c| Cell::Text(c))).expect("writes to memory");
        String::from_utf8(out).expect("utf-8")
    }

    #[test]
    fn csv_cells_are_quoted_when_they_must_be() {
        let cases: [(&[&str], &str); 4] = [
            (&["a", "b"], "a,b\r\n"),
            (&["x,y", "say \"hi\""], "\"x,y\",\"say \"\"hi\"\"\"\r\n"),
            (&["line\nbreak"], "\"line\nbreak\"\r\n"),
            (&["=cmd()"], "\"'=cmd()\"\r\n"),
        ];
        for (cells, expected) in cases {
            assert_eq!(row(cells), expected);
        }
    }

    /// The cells some spreadsheet would run as formulas, whatever it splits the line on.
    fn formula_cells(line: &str) -> Vec<&str> {
        [',', ';', '\t', '|', '\n']
            .iter()
            .flat_map(|sep| line.split(*sep))
            .map(|cell| cell.trim_start_matches([' ', '"']))
            .filter(|cell| cell.starts_with(FORMULA_START))
            .collect()
    }

    #[test]
    fn every_text_column_is_defused_after_any_separator() {
        let payloads = [
            "=cmd|' /C calc'!A0",
            "x;=cmd|' /C calc'!A0",
            "x,+1",
            "x\t-1",
            "x | @SUM(1)",
            "x\n=1",
            "x;  ;=1",
        ];
        for payload in payloads {
            let text = payload.to_owned();
            let record = ConsentRecord {
                consent_id: ConsentId::parse("AAAAAAAAAAAAAAAAAAAAAAAA").expect("an id"),
                recorded_at: OffsetDateTime::UNIX_EPOCH,
                revision: text.clone(),
                shown: text.clone(),
                categories: vec![(text.clone(), true)],
                action: crate::consent::Action::Custom,
                language: text.clone(),
                page: Some(text.clone()),
                user_agent: Some(text.clone()),
                ip_prefix: Some(text.clone()),
                expires_at: OffsetDateTime::UNIX_EPOCH,
                sec_gpc: false,
                decision_id: None,
                first_decision: false,
            };
            let mut out = Vec::new();
            write_csv_row(&mut out, [Cell::Text(&text)].into_iter()).expect("header");
            write_record(&mut out, std::slice::from_ref(&text), &record).expect("row");
            let csv = String::from_utf8(out).expect("utf-8");

            assert_eq!(
                formula_cells(&csv),
                Vec::<&str>::new(),
                "{payload:?}: {csv}"
            );
        }
    }

    #[test]
    fn defusing_changes_nothing_but_the_marks_it_adds() {
        let cases = [
            ("Mozilla/5.0 (X11; Linux x86_64)", None),
            ("a;=b", Some("a;'=b")),
            ("  -1", Some("  '-1")),
            ("é;@x", Some("é;'@x")),
            ("a=b+c", None),
        ];
        for (text, defused) in cases {
            assert_eq!(defuse(text).as_deref(), defused, "{text:?}");
            if let Some(d) = defuse(text) {
                assert_eq!(d.replace('\'', ""), text.replace('\'', ""), "{text:?}");
            }
        }
    }

    #[test]
    fn a_consent_id_is_written_exactly_even_when_it_starts_with_a_dash() {
        let id = ConsentId::parse("-0Ab_cdefghijklmnopqrstuvw").expect("a valid id");
        let mut out = Vec::new();

        write_csv_row(&mut out, [Cell::Id(&id), Cell::Text("-x")].into_iter())
            .expect("writes to memory");

        assert_eq!(out, b"-0Ab_cdefghijklmnopqrstuvw,\"'-x\"\r\n");
    }
}
