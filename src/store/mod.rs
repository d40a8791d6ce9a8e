//! The consent store: where records, snapshots and discoveries live. One interface over two
//! engines (CONTRACT §6): sled inside this process (`sled.rs`, the default, one machine), or
//! PostgreSQL shared by any number of nodes (`postgres/`). Everything the handlers, the CLI
//! and the upkeep call is here; what is the same on both engines (what a client may ask for,
//! how stats add up, how an export is written) sits beside it, engine-free.
//!
//! Each engine acknowledges a record only once it is durable: sled after a flush that began
//! after the write, PostgreSQL after `COMMIT` returned with synchronous commit.

mod csv;
mod export;
mod history;
pub(crate) mod keys;
mod location;
pub(crate) mod log;
pub(crate) mod postgres;
mod range;
mod records;
mod sled;
mod stats;
mod stream;

use std::path::PathBuf;
use std::sync::Arc;

use time::OffsetDateTime;

pub(crate) use export::{ExportError, ExportFormat, Exporter, UnknownFormat};
pub(crate) use history::{History, HistoryError, HistoryPage};
pub use location::{InvalidStore, StoreUrl};
pub(crate) use log::Turn;
pub(crate) use range::{RangeError, TimeRange};
pub(crate) use records::Stored;
pub(crate) use stats::{DayStats, InvalidDays, Stats, StatsDays};

use crate::consent::{ConsentId, ConsentRecord, Terms};
use crate::discovery::{Discovered, Report};
use crate::telemetry::Metrics;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot use the data folder {path}: {source}")]
    Folder {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the data folder {path} holds format {found:?}, which this version cannot read")]
    Format { path: PathBuf, found: String },
    /// sled allows one process per data folder.
    #[error("{} is in use by {by}", .path.display())]
    InUse { path: PathBuf, by: String },
    #[error("storage failed: {0}")]
    Sled(#[from] ::sled::Error),
    #[error("PostgreSQL at {at}: {source}")]
    Postgres {
        /// The hosts and database, never the password.
        at: String,
        #[source]
        source: tokio_postgres::Error,
    },
    /// The database was migrated by a later Consentry: this one must not write to it.
    #[error(
        "PostgreSQL at {at} holds schema version {found}, newer than this Consentry's {known}: upgrade Consentry"
    )]
    Schema { at: String, found: i32, known: i32 },
    #[error("the consent store is unavailable: {0}")]
    Unavailable(&'static str),
    #[error("a stored record is unreadable: {0}")]
    Corrupt(#[from] serde_json::Error),
}

impl StoreError {
    pub(crate) fn unavailable(why: &'static str) -> StoreError {
        StoreError::Unavailable(why)
    }

    /// True when the data folder is in use by another process (a running service).
    pub fn is_locked(&self) -> bool {
        matches!(self, StoreError::InUse { .. })
    }
}

impl<E: Into<StoreError>> From<::sled::transaction::TransactionError<E>> for StoreError {
    fn from(e: ::sled::transaction::TransactionError<E>) -> StoreError {
        match e {
            ::sled::transaction::TransactionError::Abort(e) => e.into(),
            ::sled::transaction::TransactionError::Storage(e) => StoreError::Sled(e),
        }
    }
}

/// A cheap-to-clone handle on the store, whichever engine holds it.
#[derive(Clone)]
pub(crate) enum Store {
    Sled(sled::Sled),
    Postgres(postgres::Postgres),
}

/// A handle that does not keep the store open, for background tasks.
#[derive(Clone)]
pub(crate) enum WeakStore {
    Sled(sled::WeakSled),
    Postgres(postgres::WeakPostgres),
}

impl WeakStore {
    pub(crate) fn upgrade(&self) -> Option<Store> {
        match self {
            WeakStore::Sled(weak) => weak.upgrade().map(Store::Sled),
            WeakStore::Postgres(weak) => weak.upgrade().map(Store::Postgres),
        }
    }
}

impl Store {
    /// Opens (or makes) the store `url` names; it reports its batches, commits and failures to
    /// `metrics`. PostgreSQL's schema is migrated first, by one node at a time.
    pub(crate) fn open(url: &StoreUrl, metrics: &Metrics) -> Result<Store, StoreError> {
        match url {
            StoreUrl::Sled(dir) => sled::Sled::open(dir, metrics).map(Store::Sled),
            StoreUrl::Postgres(pg) => postgres::Postgres::open(pg, metrics).map(Store::Postgres),
        }
    }

    pub(crate) fn downgrade(&self) -> WeakStore {
        match self {
            Store::Sled(s) => WeakStore::Sled(s.downgrade()),
            Store::Postgres(p) => WeakStore::Postgres(p.downgrade()),
        }
    }

    /// The store for a command that runs beside no service (`consentry export`, `consentry
    /// evidence`): a sled folder that holds no records is said so rather than made, and one a
    /// running service holds is answered with `while_running`, what to do instead.
    pub(crate) fn open_offline(url: &StoreUrl, while_running: &str) -> Result<Store, String> {
        if let StoreUrl::Sled(dir) = url
            && !dir.join("sled").exists()
        {
            return Err(format!(
                "{} holds no consent records (no sled folder)",
                dir.display()
            ));
        }
        // Nobody scrapes a command that ends with its answer: its measurements go unread.
        Store::open(url, &Metrics::new()).map_err(|e| {
            if e.is_locked() {
                format!("{e}; stop it, or {while_running}")
            } else {
                e.to_string()
            }
        })
    }

    /// Runs blocking store work (an export, the CSV's categories) off the async workers.
    pub(crate) async fn blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Store) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let store = self.clone();
        actix_web::rt::task::spawn_blocking(move || f(&store))
            .await
            .unwrap_or(Err(StoreError::Unavailable("a storage task stopped")))
    }

    /// The engine's name, as metrics and `/readyz` give it.
    pub(crate) fn engine(&self) -> &'static str {
        match self {
            Store::Sled(s) => s.engine(),
            Store::Postgres(p) => p.engine(),
        }
    }

    /// Stores a record; answers once it is durable, with the JSON that was stored, or with
    /// the record it repeats (the same visitor and `decision_id`), stored before.
    pub(crate) async fn append(&self, record: &ConsentRecord) -> Result<Stored, StoreError> {
        match self {
            Store::Sled(s) => s.append(record).await,
            Store::Postgres(p) => p.append(record).await,
        }
    }

    /// One page of a visitor's records as stored JSON, oldest first.
    pub(crate) async fn history(
        &self,
        consent_id: &ConsentId,
        page: HistoryPage,
    ) -> Result<History, StoreError> {
        match self {
            Store::Sled(s) => s.history(consent_id, page).await,
            Store::Postgres(p) => p.history(consent_id, page).await,
        }
    }

    /// Decisions per day over the last `days`, and the share granted per category.
    pub(crate) async fn stats(&self, days: StatsDays) -> Result<Stats, StoreError> {
        match self {
            Store::Sled(s) => s.stats(days).await,
            Store::Postgres(p) => p.stats(days).await,
        }
    }

    /// Removes every record of a visitor, all or none; how many.
    pub(crate) async fn erase(&self, consent_id: &ConsentId) -> Result<usize, StoreError> {
        match self {
            Store::Sled(s) => s.erase(consent_id).await,
            Store::Postgres(p) => p.erase(consent_id).await,
        }
    }

    /// The snapshot a `shown` hash names, as archived.
    pub(crate) async fn snapshot(&self, shown: &str) -> Result<Option<Vec<u8>>, StoreError> {
        match self {
            Store::Sled(s) => s.snapshot(shown).await,
            Store::Postgres(p) => p.snapshot(shown).await,
        }
    }

    /// The terms a `shown` hash names, parsed once and remembered (snapshots never change).
    pub(crate) async fn terms(&self, shown: &str) -> Result<Option<Arc<Terms>>, StoreError> {
        match self {
            Store::Sled(s) => s.terms(shown).await,
            Store::Postgres(p) => p.terms(shown).await,
        }
    }

    /// Archives snapshots not archived yet, durably, before they are served. Blocking.
    pub(crate) fn archive_snapshots<'a>(
        &self,
        snapshots: impl IntoIterator<Item = (&'a str, &'a [u8])>,
    ) -> Result<(), StoreError> {
        match self {
            Store::Sled(s) => s.archive_snapshots(snapshots),
            Store::Postgres(p) => p.archive_snapshots(snapshots),
        }
    }

    /// Every archived snapshot's JSON. Blocking.
    pub(crate) fn snapshots_blocking(&self) -> Result<Vec<Vec<u8>>, StoreError> {
        match self {
            Store::Sled(s) => s.snapshots_blocking(),
            Store::Postgres(p) => p.snapshots_blocking(),
        }
    }

    /// The next batch of an export. Blocking.
    pub(crate) fn export_batch(
        &self,
        from: export::From,
        end: Option<keys::TimeKey>,
    ) -> Result<Vec<(keys::TimeKey, Vec<u8>)>, StoreError> {
        match self {
            Store::Sled(s) => s.export_batch(from, end),
            Store::Postgres(p) => p.export_batch(from, end),
        }
    }

    /// Removes every record made before `cutoff`; how many. Blocking.
    pub(crate) fn purge_before(&self, cutoff: OffsetDateTime) -> Result<usize, StoreError> {
        match self {
            Store::Sled(s) => s.purge_before(cutoff),
            Store::Postgres(p) => p.purge_before(cutoff),
        }
    }

    /// How many records the store holds, counting no further than `limit`. Blocking.
    pub(crate) fn count_up_to(&self, limit: usize) -> Result<usize, StoreError> {
        match self {
            Store::Sled(s) => s.count_up_to(limit),
            Store::Postgres(p) => p.count_up_to(limit),
        }
    }

    /// Notes the names a visitor's page reported that the registry does not declare.
    pub(crate) async fn note_discoveries(
        &self,
        report: Report,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        if report.items.is_empty() {
            return Ok(());
        }
        match self {
            Store::Sled(s) => s.note_discoveries(report, now).await,
            Store::Postgres(p) => p.note_discoveries(report, now).await,
        }
    }

    /// Every discovered name, in key order (host, kind, name).
    pub(crate) async fn discoveries(&self) -> Result<Vec<Discovered>, StoreError> {
        match self {
            Store::Sled(s) => s.discoveries().await,
            Store::Postgres(p) => p.discoveries().await,
        }
    }

    /// Whether the store takes a durable write, proven at most once a second; when it was.
    pub(crate) async fn health(&self) -> Result<OffsetDateTime, StoreError> {
        match self {
            Store::Sled(s) => s.health().await,
            Store::Postgres(p) => p.health().await,
        }
    }

    /// Waits until every write made so far is durable: at shutdown.
    pub(crate) async fn flush(&self) -> Result<(), StoreError> {
        match self {
            Store::Sled(s) => s.flush().await,
            // Every write was committed before it was answered.
            Store::Postgres(_) => Ok(()),
        }
    }
}

/// Gives the memory a long scan (export, stats, purge) freed back to the system; without it
/// the heap keeps its high-water mark.
pub(crate) fn release_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns free heap pages to the kernel.
    unsafe {
        libc::malloc_trim(0);
    }
}
