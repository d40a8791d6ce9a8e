//! Export of records in time order, as NDJSON (the stored bytes, one record a line) or CSV (one
//! column per category), written as it is read so memory stays flat however many records.

use std::io::Write;

use super::{Store, StoreError, TimeRange, csv, keys};
use crate::consent::{ConsentRecord, Terms};

/// What an export writes; also `consentry export --format`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum ExportFormat {
    /// The stored records, one JSON document a line.
    #[default]
    Ndjson,
    /// One row per record, one column per category.
    Csv,
}

impl ExportFormat {
    pub(crate) fn parse(s: &str) -> Result<ExportFormat, UnknownFormat> {
        match s {
            "ndjson" => Ok(ExportFormat::Ndjson),
            "csv" => Ok(ExportFormat::Csv),
            _ => Err(UnknownFormat(s.to_owned())),
        }
    }

    pub(crate) fn content_type(self) -> &'static str {
        match self {
            ExportFormat::Ndjson => "application/x-ndjson",
            ExportFormat::Csv => "text/csv; charset=utf-8",
        }
    }

    pub(crate) fn extension(self) -> &'static str {
        match self {
            ExportFormat::Ndjson => "ndjson",
            ExportFormat::Csv => "csv",
        }
    }
}

/// A `format` that is neither `ndjson` nor `csv`.
#[derive(Debug, thiserror::Error)]
#[error("format must be ndjson or csv, not {0:?}")]
pub(crate) struct UnknownFormat(String);

impl UnknownFormat {
    pub(crate) fn code(&self) -> &'static str {
        "invalid-format"
    }

    pub(crate) fn field(&self) -> &'static str {
        "format"
    }
}

#[derive(Debug, thiserror::Error)]
pub(crate) enum ExportError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot write the export: {0}")]
    Write(#[from] std::io::Error),
}

/// Writes one export; built by the admin API and by `consentry export`.
pub(crate) struct Exporter {
    store: Store,
    range: TimeRange,
    format: ExportFormat,
    categories: Vec<String>,
}

/// Records read from the database at a time, and the bytes that end a batch early.
pub(crate) const READ_BATCH: usize = 512;
pub(crate) const READ_BYTES: usize = 256 * 1024;

/// Where the next batch of an export starts: at the range's start, or just past a key.
#[derive(Clone, Copy, Debug)]
pub(crate) enum From {
    Start(keys::TimeKey),
    After(keys::TimeKey),
}

impl Exporter {
    /// `preferred` orders the CSV's category columns (the live registry's order); categories of
    /// older revisions follow, found in the archived snapshots. Blocking.
    pub(crate) fn new(
        store: Store,
        range: TimeRange,
        format: ExportFormat,
        preferred: &[String],
    ) -> Result<Exporter, StoreError> {
        let mut categories: Vec<String> = preferred.to_vec();
        if format == ExportFormat::Csv {
            for json in store.snapshots_blocking()? {
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
    /// which needs every handle on the old database dropped (nor hold a PostgreSQL connection
    /// or transaction open).
    pub(crate) fn write_to(&self, out: &mut impl Write) -> Result<u64, ExportError> {
        let (start, end) = self.range.keys();
        let mut from = From::Start(start);
        if self.format == ExportFormat::Csv {
            csv::write_header(out, &self.categories)?;
        }
        let mut count = 0;
        loop {
            let batch = self.store.export_batch(from, end)?;
            let Some((last, _)) = batch.last() else {
                break;
            };
            from = From::After(*last);
            for (_, value) in &batch {
                match self.format {
                    ExportFormat::Ndjson => {
                        out.write_all(value)?;
                        out.write_all(b"\n")?;
                    }
                    ExportFormat::Csv => {
                        let record: ConsentRecord =
                            serde_json::from_slice(value).map_err(StoreError::from)?;
                        csv::write_record(out, &self.categories, &record)?;
                    }
                }
                count += 1;
            }
        }
        super::release_free_memory();
        out.flush()?;
        Ok(count)
    }
}
