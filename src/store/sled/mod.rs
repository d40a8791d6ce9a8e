//! The embedded consent store, over sled: one versioned tree per index, inside a `consentry` data folder
//! that carries its format version.
//!
//! Trees: `records-v1` (time key → record JSON), `by-consent-v2` (a visitor's part + time key
//! → the `decision_id`'s hash, packed many to a sled entry (`packed.rs`): for every decision
//! but a visitor's first without a `decision_id` under an id the service made, which sits at
//! the time its id names; a retried post is answered with the record it already made),
//! `snapshots-v1` (`shown` hash → banner configuration as served), `erasing-v1` (visitor ids
//! whose erasure has begun, finished at start if a crash interrupted it), `discoveries-v1`
//! (host + kind + name → what visitors' pages reported of an undeclared name), and the consent
//! log's (`log.rs`). Writes are acknowledged only once flushed, through the group commit in
//! `commit.rs`; discoveries, which are not evidence, only once applied (`discoveries.rs`).
//! Earlier layouts (`by-consent-v1` and `decisions-v1`, a sled entry per record each) are
//! converted when the store opens (`migrate.rs`).
//!
//! What handlers call is async and does its own blocking (`Sled::blocking`), so no sled call
//! runs on an async worker. The few blocking methods left (`archive_snapshots`, `purge_before`,
//! `count`, `Exporter`) serve start-up, the store's background threads and `consentry export`,
//! none of which runs on a worker.

mod commit;
mod discoveries;
mod erase;
mod export;
mod history;
mod lock;
mod log;
mod migrate;
mod packed;
mod records;
mod snapshots;
mod stats;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicUsize;
use std::sync::{Arc, Mutex, RwLock};

use super::{StoreError, keys};
use crate::consent::Terms;
use crate::telemetry::{Metrics, StoreMetrics, StoreOperation};

/// Written in the data folder; a later release reads it to decide whether to migrate.
const FORMAT_FILE: &str = "FORMAT";
/// Format 2 packs the per-record indexes (`packed.rs`); an earlier release would read its
/// folders as if no visitor had an index entry, so it must refuse them.
const FORMAT: &str = "consentry-store 2\n";
/// The format this release converts from (`migrate.rs`).
const EARLIER: &str = "consentry-store 1";

/// The engine's name in metrics (`store="sled"`).
const ENGINE: &str = "sled";

/// sled's page cache. Records are written once and read rarely, so a small cache keeps the
/// service's memory flat however many records it holds.
const CACHE_BYTES: u64 = 4 * 1024 * 1024;

/// A record to write: its time key, its index entry (none for a first decision without a
/// `decision_id`), its visitor and `decision_id` (for repeats within a batch), its JSON.
pub(crate) struct Row<'a> {
    pub(crate) time: keys::TimeKey,
    pub(crate) index: Option<[u8; keys::INDEX_ENTRY]>,
    pub(crate) consent_id: &'a str,
    pub(crate) decision_id: Option<&'a str>,
    pub(crate) value: &'a [u8],
}

/// The open database of one generation (a reopen after a failure makes the next).
pub(crate) struct Trees {
    generation: u64,
    db: sled::Db,
    records: sled::Tree,
    /// `by-consent-v2`: entries of `keys::INDEX_ENTRY` bytes.
    index: packed::Packed,
    snapshots: sled::Tree,
    erasing: sled::Tree,
    discoveries: sled::Tree,
    /// The consent log's trees (`log.rs`).
    log_pending: sled::Tree,
    /// `log-entries-v2`: time key → the log entry, packed.
    log_entries: packed::Packed,
    log_erased: sled::Tree,
    log_nodes: sled::Tree,
    log_checkpoints: sled::Tree,
    /// Entries of `discoveries`, counted when opened and kept up to date by the one method
    /// that adds them, for its ceiling (`MAX_DISCOVERIES`).
    discovered: AtomicUsize,
}

impl Trees {
    /// Writes records with their index entries and their places in the log's queue, all in
    /// one transaction.
    fn insert_records(&self, rows: &[Row<'_>]) -> Result<(), StoreError> {
        use sled::Transactional;
        let _held = self.index.lock();
        let mut index = self.index.changes();
        for entry in rows.iter().filter_map(|row| row.index.as_ref()) {
            index.insert(entry)?;
        }
        (&self.records, &self.log_pending, self.index.tree())
            .transaction(|(records, pending, index_tree)| {
                for row in rows {
                    records.insert(&row.time[..], row.value)?;
                    // The time key's tail is the writer's sequence id: commit order.
                    pending.insert(&row.time[8..], &row.time[..])?;
                }
                index.apply(index_tree)?;
                Ok::<(), sled::transaction::ConflictableTransactionError<StoreError>>(())
            })
            .map_err(StoreError::from)
    }
}

pub(crate) struct Shared {
    dir: PathBuf,
    current: RwLock<Option<Arc<Trees>>>,
    commit: commit::Commit,
    writer: Mutex<std::sync::mpsc::Sender<commit::Write>>,
    /// Parsed snapshots by `shown`; snapshots never change, so entries never go stale.
    terms: RwLock<HashMap<String, Arc<Terms>>>,
    /// Counts of whole past days, for stats (see `Sled::stats`).
    days: Mutex<HashMap<time::Date, super::DayStats>>,
    /// The last health probe: callers within `PROBE_EVERY` of it share it, so a flood of
    /// `/healthz` costs one durable write a second, not one each.
    probe: tokio::sync::Mutex<Option<Probe>>,
    /// Batches, flushes and failures, for `/metrics`.
    metrics: StoreMetrics,
}

/// How long a health probe's answer is shared.
const PROBE_EVERY: std::time::Duration = std::time::Duration::from_secs(1);

/// The last successful probe: when (for sharing it) and at what time (for the answer).
#[derive(Clone, Copy)]
struct Probe {
    at: std::time::Instant,
    stamp: time::OffsetDateTime,
}

impl Shared {
    fn trees(&self) -> Result<Arc<Trees>, StoreError> {
        let current = match self.current.read() {
            Ok(g) => g.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        };
        current.ok_or(StoreError::unavailable(
            "it is recovering from a storage failure",
        ))
    }

    fn open_trees(&self, generation: u64) -> Result<Trees, StoreError> {
        let db = sled::Config::new()
            .path(self.dir.join("sled"))
            .cache_capacity(CACHE_BYTES)
            .mode(sled::Mode::HighThroughput)
            // The flusher thread flushes; sled's own periodic flush would only compete with it.
            .flush_every_ms(None)
            .open()?;
        // Earlier layouts are converted before the trees are handed out; each conversion is
        // idempotent, so a crash part way converts again at the next open.
        let records = db.open_tree("records-v1")?;
        let index = packed::Packed::new(
            db.open_tree("by-consent-v2")?,
            keys::INDEX_KEY,
            keys::INDEX_ENTRY,
        );
        let log_entries = log::packed(db.open_tree("log-entries-v2")?);
        let log_erased = db.open_tree("log-erased-v1")?;
        migrate::layouts(&db, &index, &log_entries, &log_erased)?;
        let discoveries = db.open_tree("discoveries-v1")?;
        Ok(Trees {
            generation,
            records,
            index,
            snapshots: db.open_tree("snapshots-v1")?,
            erasing: db.open_tree("erasing-v1")?,
            log_pending: db.open_tree("log-pending-v1")?,
            log_entries,
            log_erased,
            log_nodes: db.open_tree(crate::tlog::NODES_TREE)?,
            log_checkpoints: db.open_tree("log-checkpoints-v1")?,
            discovered: AtomicUsize::new(discoveries.len()),
            discoveries,
            db,
        })
    }

    fn install(&self, trees: Trees) {
        let trees = Some(Arc::new(trees));
        match self.current.write() {
            Ok(mut g) => *g = trees,
            Err(poisoned) => *poisoned.into_inner() = trees,
        }
    }

    fn close(&self) {
        match self.current.write() {
            Ok(mut g) => *g = None,
            Err(poisoned) => *poisoned.into_inner() = None,
        }
    }

    /// Waits, blocking, until a write just made to `trees` is durable.
    fn durable(&self, trees: &Trees) -> Result<(), StoreError> {
        commit::wait_blocking(&self.commit, trees.generation)
    }
}

/// A cheap-to-clone handle on the store.
#[derive(Clone)]
pub(crate) struct Sled {
    shared: Arc<Shared>,
}

/// A handle that does not keep the store open, for background tasks.
#[derive(Clone)]
pub(crate) struct WeakSled(std::sync::Weak<Shared>);

impl WeakSled {
    pub(crate) fn upgrade(&self) -> Option<Sled> {
        self.0.upgrade().map(|shared| Sled { shared })
    }
}

impl Sled {
    /// Runs blocking store work off the async workers: every async method of the store goes
    /// through here, so no handler ever waits on sled (pict-rs's `b!`).
    pub(crate) async fn blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Sled) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let store = self.clone();
        actix_web::rt::task::spawn_blocking(move || f(&store))
            .await
            .unwrap_or(Err(StoreError::Unavailable("a storage task stopped")))
    }

    /// Opens (or makes) the store in `dir`; it reports its batches, flushes and failures to
    /// `metrics`.
    pub(crate) fn open(dir: &Path, metrics: &Metrics) -> Result<Sled, StoreError> {
        let folder = |source| StoreError::Folder {
            path: dir.to_path_buf(),
            source,
        };
        std::fs::create_dir_all(dir).map_err(folder)?;
        match check_format(dir) {
            Ok(()) => {}
            Err(FormatError::Io(e)) => return Err(folder(e)),
            Err(FormatError::Other(found)) => {
                return Err(StoreError::Format {
                    path: dir.to_path_buf(),
                    found,
                });
            }
        }
        keep_large_buffers_out_of_the_heap();
        let (tx, rx) = std::sync::mpsc::channel();
        let shared = Arc::new(Shared {
            dir: dir.to_path_buf(),
            current: RwLock::new(None),
            commit: commit::Commit::default(),
            writer: Mutex::new(tx),
            terms: RwLock::new(HashMap::new()),
            days: Mutex::new(HashMap::new()),
            probe: tokio::sync::Mutex::new(None),
            metrics: metrics.store(ENGINE),
        });
        shared.install(shared.open_trees(0).map_err(|e| lock::in_use(dir, e))?);
        let spawn = |name: &str, f: Box<dyn FnOnce() + Send>| {
            std::thread::Builder::new()
                .name(name.to_owned())
                .spawn(f)
                .map_err(folder)
        };
        let weak = Arc::downgrade(&shared);
        spawn(
            "consentry-writer",
            Box::new(move || commit::run_writer(weak, rx)),
        )?;
        let weak = Arc::downgrade(&shared);
        spawn(
            "consentry-flusher",
            Box::new(move || commit::run_flusher(weak)),
        )?;
        let store = Sled { shared };
        store.finish_erasures()?;
        store.shared.trees()?.backfill_log()?;
        Ok(store)
    }

    pub(crate) fn downgrade(&self) -> WeakSled {
        WeakSled(Arc::downgrade(&self.shared))
    }

    /// Whether the store takes a durable write: proven by a probe write at most once a second,
    /// shared by every caller; answers when that probe was made. A store that has failed and is
    /// recovering answers at once, without a probe.
    pub(crate) async fn health(&self) -> Result<time::OffsetDateTime, StoreError> {
        let broken = || StoreError::unavailable("it is recovering from a storage failure");
        if self.shared.commit.is_broken() {
            return Err(broken());
        }
        let mut last = self.shared.probe.lock().await;
        if let Some(probe) = *last
            && probe.at.elapsed() < PROBE_EVERY
        {
            return Ok(probe.stamp);
        }
        // Only a success is shared: after a failure the next caller probes again (one at a
        // time, behind the lock), so a store that has recovered says so at once.
        *last = None;
        if let Err(e) = self.blocking(Sled::check_writable).await {
            self.shared.metrics.error(StoreOperation::Probe);
            tracing::warn!(error = %e, "health probe: the store refused a durable write");
            return Err(StoreError::unavailable("it refused a durable write"));
        }
        let probe = Probe {
            at: std::time::Instant::now(),
            stamp: time::OffsetDateTime::now_utc(),
        };
        *last = Some(probe);
        Ok(probe.stamp)
    }

    /// The engine's name, as metrics and `/readyz` give it.
    pub(crate) fn engine(&self) -> &'static str {
        ENGINE
    }

    /// Waits for a flush that covers every write made so far: at shutdown, once the servers
    /// have stopped.
    pub(crate) async fn flush(&self) -> Result<(), StoreError> {
        self.blocking(|store| {
            let trees = store.shared.trees()?;
            store.shared.durable(&trees)
        })
        .await
    }

    /// Proves the store accepts a durable write. Blocking.
    fn check_writable(&self) -> Result<(), StoreError> {
        let trees = self.shared.trees()?;
        trees.db.insert(
            "health",
            &time::OffsetDateTime::now_utc()
                .unix_timestamp()
                .to_be_bytes(),
        )?;
        self.shared.durable(&trees)
    }
}

/// Reads the data folder's format, or writes it in a new folder. Read tolerantly (an editor's
/// CRLF or a lost final newline is still the same format), written durably (a crash on first
/// start must not leave an empty `FORMAT` that refuses every later start). A folder of format 1
/// is marked 2 before its trees are converted (when the store opens): a crash part way leaves
/// a folder only this release opens, and it converts again.
fn check_format(dir: &Path) -> Result<(), FormatError> {
    let path = dir.join(FORMAT_FILE);
    let write = || write_durably(dir, FORMAT_FILE, FORMAT.as_bytes()).map_err(FormatError::Io);
    match std::fs::read_to_string(&path) {
        // Notepad and friends write a byte-order mark; it says nothing about the format.
        Ok(found) => match found.trim_start_matches('\u{feff}').trim() {
            found if found == FORMAT.trim() => Ok(()),
            found if found == EARLIER => {
                tracing::info!(path = %path.display(), "a data folder of format 1: its indexes are converted to format 2");
                write()
            }
            // Empty: a crash on a first start, before FORMAT was written durably.
            "" => {
                tracing::warn!(path = %path.display(), "FORMAT was empty (a crash on first start?); writing it again");
                write()
            }
            found => Err(FormatError::Other(found.to_owned())),
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => write(),
        Err(e) => Err(FormatError::Io(e)),
    }
}

enum FormatError {
    Io(std::io::Error),
    Other(String),
}

/// Write to a temporary file, fsync it, rename it into place, fsync the folder: after a crash
/// the file is either absent or whole.
fn write_durably(dir: &Path, name: &str, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let temporary = dir.join(format!(".{name}.tmp"));
    let mut file = std::fs::File::create(&temporary)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    drop(file);
    std::fs::rename(&temporary, dir.join(name))?;
    std::fs::File::open(dir)?.sync_all()
}

/// sled allocates a 512 KiB log buffer per flush and frees it once written. glibc's malloc
/// raises its mmap threshold after the first such free, so later buffers come from the heap,
/// which fragments and never shrinks: with a flush every millisecond that doubled resident
/// memory. A fixed threshold keeps them in their own mappings, returned on free.
fn keep_large_buffers_out_of_the_heap() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only adjusts malloc's tuning; any value is valid for M_MMAP_THRESHOLD.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 128 * 1024);
    }
}
