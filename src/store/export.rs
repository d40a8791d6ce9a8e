//! Export of records in time order, as NDJSON (the stored bytes, one record a line) or CSV (one
//! column per category), written as it is read so memory stays flat however many records.

use std::io::Write;
use std::ops::Bound;

use time::format_description::well_known::Rfc3339;
use time::{Date, OffsetDateTime, Time};

use super::{Store, StoreError, keys};
use crate::consent::{ConsentId, ConsentRecord, Terms};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportFormat {
    Ndjson,
    Csv,
}

impl ExportFormat {
    pub fn parse(s: &str) -> Option<ExportFormat> {
        match s {
            "ndjson" => Some(ExportFormat::Ndjson),
            "csv" => Some(ExportFormat::Csv),
            _ => None,
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            ExportFormat::Ndjson => "application/x-ndjson",
            ExportFormat::Csv => "text/csv; charset=utf-8",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            ExportFormat::Ndjson => "ndjson",
            ExportFormat::Csv => "csv",
        }
    }
}

/// A `since`/`until` bound was neither a date nor an RFC 3339 time, or the range is empty.
#[derive(Debug, thiserror::Error)]
pub enum RangeError {
    #[error(
        "{field} must be a date (2026-11-22) or an RFC 3339 time (2026-11-22T05:00:00Z), not {value:?}"
    )]
    Malformed { field: &'static str, value: String },
    #[error("since ({since}) must be earlier than until ({until})")]
    Reversed { since: String, until: String },
}

impl RangeError {
    /// The parameter to fix.
    pub fn field(&self) -> &'static str {
        match self {
            RangeError::Malformed { field, .. } => field,
            RangeError::Reversed { .. } => "since",
        }
    }
}

/// Records made at or after `since` and before `until`.
#[derive(Clone, Copy, Debug, Default)]
pub struct TimeRange {
    since: Option<OffsetDateTime>,
    until: Option<OffsetDateTime>,
}

impl TimeRange {
    /// A date as `until` includes that whole day; a time is an exclusive bound.
    pub fn parse(since: Option<&str>, until: Option<&str>) -> Result<TimeRange, RangeError> {
        let bound = |field: &'static str, value: &str, end_of_day: bool| {
            if let Ok(t) = OffsetDateTime::parse(value, &Rfc3339) {
                return Ok(t);
            }
            let format = time::macros::format_description!("[year]-[month]-[day]");
            let date = Date::parse(value, format).map_err(|_| RangeError::Malformed {
                field,
                value: value.to_owned(),
            })?;
            Ok(match (end_of_day, date.next_day()) {
                (true, Some(next)) => next.with_time(Time::MIDNIGHT).assume_utc(),
                // The last representable day: its end is the end of time.
                (true, None) => date.with_time(Time::MAX).assume_utc(),
                (false, _) => date.with_time(Time::MIDNIGHT).assume_utc(),
            })
        };
        let since_text = since.filter(|s| !s.is_empty());
        let until_text = until.filter(|s| !s.is_empty());
        let range = TimeRange {
            since: since_text.map(|s| bound("since", s, false)).transpose()?,
            until: until_text.map(|s| bound("until", s, true)).transpose()?,
        };
        // An empty range is a mistake (swapped bounds), not a question whose answer is nothing.
        if let (Some(since), Some(until)) = (range.since, range.until)
            && since >= until
        {
            return Err(RangeError::Reversed {
                since: since_text.unwrap_or_default().to_owned(),
                until: until_text.unwrap_or_default().to_owned(),
            });
        }
        Ok(range)
    }

    fn keys(&self) -> (keys::TimeKey, Option<keys::TimeKey>) {
        (
            keys::time_bound(self.since.map_or(0, keys::nanos)),
            self.until.map(|t| keys::time_bound(keys::nanos(t))),
        )
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot write the export: {0}")]
    Write(#[from] std::io::Error),
}

/// Writes one export; built by the admin API and by `consentry export`.
pub struct Exporter {
    store: Store,
    range: TimeRange,
    format: ExportFormat,
    categories: Vec<String>,
}

/// Records read from the database at a time, and the bytes that end a batch early.
const READ_BATCH: usize = 512;
const READ_BYTES: usize = 256 * 1024;

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

impl Exporter {
    /// `preferred` orders the CSV's category columns (the live registry's order); categories of
    /// older revisions follow, found in the archived snapshots.
    pub fn new(
        store: Store,
        range: TimeRange,
        format: ExportFormat,
        preferred: &[String],
    ) -> Result<Exporter, StoreError> {
        let mut categories: Vec<String> = preferred.to_vec();
        if format == ExportFormat::Csv {
            let trees = store.shared.trees()?;
            for entry in trees.snapshots.iter() {
                let (_, json) = entry?;
                let Ok(terms) = Terms::from_snapshot(&json) else {
                    continue;
                };
                for c in terms.categories {
                    if !categories.contains(&c.id) {
                        categories.push(c.id);
                    }
                }
            }
        }
        Ok(Exporter {
            store,
            range,
            format,
            categories,
        })
    }

    /// Writes every record in the range; returns how many. Blocking.
    ///
    /// Reads a batch at a time and lets go of the database while it writes: a client that
    /// reads slowly (or not at all) must not keep the store from reopening after a failure,
    /// which needs every handle on the old database dropped.
    pub fn write_to(&self, out: &mut impl Write) -> Result<u64, ExportError> {
        let (start, end) = self.range.keys();
        let end = end.map_or(Bound::Unbounded, |e| {
            Bound::Excluded(sled::IVec::from(&e[..]))
        });
        let mut from = Bound::Included(sled::IVec::from(&start[..]));
        if self.format == ExportFormat::Csv {
            let header: Vec<&str> = CSV_COLUMNS
                .iter()
                .copied()
                .chain(self.categories.iter().map(String::as_str))
                .collect();
            write_csv_row(out, header.iter().map(|h| Cell::Text(h)))?;
        }
        let mut count = 0;
        loop {
            let batch = self.read_batch((from.clone(), end.clone()))?;
            let Some((last, _)) = batch.last() else {
                break;
            };
            from = Bound::Excluded(last.clone());
            for (_, value) in &batch {
                match self.format {
                    ExportFormat::Ndjson => {
                        out.write_all(value)?;
                        out.write_all(b"\n")?;
                    }
                    ExportFormat::Csv => {
                        let record: ConsentRecord =
                            serde_json::from_slice(value).map_err(StoreError::from)?;
                        self.write_csv_record(out, &record)?;
                    }
                }
                count += 1;
            }
        }
        super::release_free_memory();
        out.flush()?;
        Ok(count)
    }

    /// The next records of the range, up to `READ_BATCH` of them or `READ_BYTES`.
    fn read_batch(
        &self,
        range: (Bound<sled::IVec>, Bound<sled::IVec>),
    ) -> Result<Vec<(sled::IVec, sled::IVec)>, StoreError> {
        let trees = self.store.shared.trees()?;
        let mut batch = Vec::new();
        let mut bytes = 0;
        for entry in trees.records.range(range) {
            let (key, value) = entry?;
            bytes += value.len();
            batch.push((key, value));
            if batch.len() >= READ_BATCH || bytes >= READ_BYTES {
                break;
            }
        }
        Ok(batch)
    }

    fn write_csv_record(&self, out: &mut impl Write, r: &ConsentRecord) -> std::io::Result<()> {
        write_csv_record(out, &self.categories, r)
    }
}

/// One record as a CSV row: the fixed columns, then one per category.
fn write_csv_record(
    out: &mut impl Write,
    categories: &[String],
    r: &ConsentRecord,
) -> std::io::Result<()> {
    let time = crate::consent::millis::format;
    let fixed = [
        time(r.recorded_at),
        r.revision.clone(),
        r.shown.clone(),
        r.action.as_str().to_owned(),
        r.language.clone(),
        r.page.clone().unwrap_or_default(),
        r.user_agent.clone().unwrap_or_default(),
        r.ip_prefix.clone().unwrap_or_default(),
        time(r.expires_at),
        r.sec_gpc.to_string(),
    ];
    let categories = categories.iter().map(|c| match r.granted(c) {
        Some(true) => "true".to_owned(),
        Some(false) => "false".to_owned(),
        None => String::new(),
    });
    let cells: Vec<String> = fixed.into_iter().chain(categories).collect();
    let id = Cell::Id(&r.consent_id);
    write_csv_row(
        out,
        std::iter::once(id).chain(cells.iter().map(|c| Cell::Text(c))),
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
            write_csv_record(&mut out, std::slice::from_ref(&text), &record).expect("row");
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

    #[test]
    fn a_date_as_until_includes_that_day() {
        let range = TimeRange::parse(Some("2026-11-01"), Some("2026-11-01")).expect("valid");
        let (start, end) = range.keys();
        let day = 86_400_000_000_000u64;
        assert_eq!(
            keys::nanos_of(&end.expect("an end")) - keys::nanos_of(&start),
            day
        );
        assert!(TimeRange::parse(Some("yesterday"), None).is_err());
        assert!(TimeRange::parse(Some("2026-11-02"), Some("2026-11-01")).is_err());
    }

    #[test]
    fn a_far_future_until_covers_everything_instead_of_nothing() {
        for until in ["9999-12-31", "2600-01-01T00:00:00Z"] {
            let range = TimeRange::parse(None, Some(until)).expect("valid");
            let (_, end) = range.keys();
            assert_eq!(end, Some(keys::time_bound(u64::MAX)), "{until}");
        }
    }
}
