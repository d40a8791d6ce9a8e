//! The consent store on PostgreSQL, which any number of Consentry nodes share (CONTRACT §6).
//!
//! Tables (`schema.rs`, migrated at start by one node at a time): `consentry_records` (time
//! key → the record's stored JSON, with its visitor and `decision_id`, unique together, so a
//! retried post is answered with the record it already made, whichever node made it),
//! `consentry_snapshots` (`shown` → banner configuration as served, so a `shown` any node
//! served is accepted by every node), `consentry_discoveries`, `consentry_health`.
//!
//! The driver is tokio-postgres behind a deadpool pool, on a runtime of the store's own: its
//! connections outlive any one HTTP worker, and the blocking callers (an export, the purge,
//! start-up) wait on it without an async context of their own. Posts go through the group
//! commit in `commit.rs`: those that arrive together share one transaction, answered after
//! `COMMIT` returned.

mod commit;
mod discoveries;
mod log;
mod queries;
mod schema;

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, RwLock, Weak};
use std::time::Duration;

use time::OffsetDateTime;
use tokio::sync::mpsc;

use super::StoreError;
use super::location::PostgresUrl;
use crate::consent::{ConsentRecord, Terms};
use crate::store::Stored;
use crate::telemetry::{Metrics, StoreMetrics, StoreOperation};

/// The engine's name in metrics (`store="postgres"`).
const ENGINE: &str = "postgres";

/// Connections one node holds: the committers', and room for reads beside them.
const POOL_SIZE: usize = 16;

/// How long a connection may take to open (libpq's `connect_timeout` when the URL does not
/// say): a host that is down must not hold posts past a few seconds during a failover.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

/// How long a caller waits for a free connection before the store answers unavailable.
const WAIT_TIMEOUT: Duration = Duration::from_secs(5);

/// How long one statement or transaction may take before its callers are told the store is
/// unavailable (a primary that stopped answering without closing its connections).
pub(super) const QUERY_TIMEOUT: Duration = Duration::from_secs(10);

/// A cheap-to-clone handle on the PostgreSQL store.
#[derive(Clone)]
pub(crate) struct Postgres {
    inner: Arc<Inner>,
}

/// A handle that does not keep the store open, for background tasks.
#[derive(Clone)]
pub(crate) struct WeakPostgres(Weak<Inner>);

impl WeakPostgres {
    pub(crate) fn upgrade(&self) -> Option<Postgres> {
        self.0.upgrade().map(|inner| Postgres { inner })
    }
}

struct Inner {
    runtime: Runtime,
    pool: deadpool_postgres::Pool,
    /// The hosts and database, for messages.
    at: String,
    writer: mpsc::Sender<commit::Write>,
    /// Parsed snapshots by `shown`; snapshots never change, so entries never go stale.
    terms: RwLock<HashMap<String, Arc<Terms>>>,
    /// The last health probe, shared by callers within a second of it.
    probe: tokio::sync::Mutex<Option<(std::time::Instant, OffsetDateTime)>>,
    metrics: StoreMetrics,
}

/// The store's own runtime, shut down without waiting when the store goes (dropping a tokio
/// runtime inside another's async context would panic).
struct Runtime(Option<tokio::runtime::Runtime>);

impl Runtime {
    fn handle(&self) -> &tokio::runtime::Handle {
        match &self.0 {
            Some(runtime) => runtime.handle(),
            None => unreachable!("the runtime lives as long as the store"),
        }
    }
}

impl Drop for Runtime {
    fn drop(&mut self) {
        if let Some(runtime) = self.0.take() {
            runtime.shutdown_background();
        }
    }
}

impl Postgres {
    /// Connects, migrates the schema (one node at a time) and starts the group commit. Fails
    /// when no host answers, or the database holds a newer schema than this version knows.
    pub(crate) fn open(url: &PostgresUrl, metrics: &Metrics) -> Result<Postgres, StoreError> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("consentry-pg")
            .enable_all()
            .build()
            .map_err(|source| StoreError::Folder {
                path: "PostgreSQL runtime".into(),
                source,
            })?;
        let runtime = Runtime(Some(runtime));
        let mut config = url.config.clone();
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        config.application_name("consentry");
        let at = url.shown.clone();
        let manager = deadpool_postgres::Manager::from_config(
            config,
            tokio_postgres::NoTls,
            deadpool_postgres::ManagerConfig {
                recycling_method: deadpool_postgres::RecyclingMethod::Fast,
            },
        );
        let pool = deadpool_postgres::Pool::builder(manager)
            .max_size(POOL_SIZE)
            .runtime(deadpool_postgres::Runtime::Tokio1)
            .wait_timeout(Some(WAIT_TIMEOUT))
            .create_timeout(Some(CONNECT_TIMEOUT + Duration::from_secs(1)))
            .recycle_timeout(Some(Duration::from_secs(2)))
            .build()
            .map_err(|_| StoreError::unavailable("the PostgreSQL pool could not be built"))?;
        let (writer, queue) = mpsc::channel(commit::QUEUE);
        let inner = Arc::new(Inner {
            runtime,
            pool,
            at,
            writer,
            terms: RwLock::new(HashMap::new()),
            probe: tokio::sync::Mutex::new(None),
            metrics: metrics.store(ENGINE),
        });
        let store = Postgres { inner };
        store.wait(schema::migrate(store.inner.pool.clone(), store.at()))?;
        commit::start(&store, queue);
        Ok(store)
    }

    pub(crate) fn downgrade(&self) -> WeakPostgres {
        WeakPostgres(Arc::downgrade(&self.inner))
    }

    pub(crate) fn engine(&self) -> &'static str {
        ENGINE
    }

    fn at(&self) -> String {
        self.inner.at.clone()
    }

    /// The error of a failed statement, naming where the database is.
    fn failed(&self, source: tokio_postgres::Error) -> StoreError {
        StoreError::Postgres {
            at: self.at(),
            source,
        }
    }

    /// A connection from the pool, or unavailable when none opens in time.
    async fn client(&self) -> Result<deadpool_postgres::Object, StoreError> {
        client(&self.inner.pool, &self.inner.at).await
    }

    /// Runs `work` on the store's runtime and answers with its outcome; from any async context.
    async fn run<T: Send + 'static>(
        &self,
        work: impl Future<Output = Result<T, StoreError>> + Send + 'static,
    ) -> Result<T, StoreError> {
        let bounded = tokio::time::timeout(QUERY_TIMEOUT, work);
        match self.inner.runtime.handle().spawn(bounded).await {
            Ok(Ok(outcome)) => outcome,
            Ok(Err(_)) => Err(StoreError::unavailable("PostgreSQL did not answer in time")),
            Err(_) => Err(StoreError::unavailable("a storage task stopped")),
        }
    }

    /// Runs `work` on the store's runtime and waits for it, blocking the calling thread: for
    /// start-up, the purge thread and exports, never an async worker's hot path.
    fn wait<T: Send + 'static>(
        &self,
        work: impl Future<Output = Result<T, StoreError>> + Send + 'static,
    ) -> Result<T, StoreError> {
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        self.inner.runtime.handle().spawn(async move {
            let _ = tx.send(work.await);
        });
        rx.recv()
            .unwrap_or(Err(StoreError::unavailable("a storage task stopped")))
    }

    /// Takes the sequencer's advisory lock on a connection of its own, if no other node holds
    /// it: the log has one sequencer at a time. The lock lasts as long as the guard (and its
    /// connection): a node that dies lets another take over.
    pub(crate) fn sequencer_lock(&self) -> Result<Option<SequencerLock>, StoreError> {
        let store = self.clone();
        self.wait(async move {
            let client = store.client().await?;
            let locked: bool = client
                .query_one("SELECT pg_try_advisory_lock($1)", &[&log::SEQUENCER_LOCK])
                .await
                .map_err(|e| store.failed(e))?
                .get(0);
            Ok(locked.then(|| SequencerLock(deadpool_postgres::Object::take(client))))
        })
    }

    /// Stores a record; answers once its transaction committed.
    pub(crate) async fn append(&self, record: &ConsentRecord) -> Result<Stored, StoreError> {
        let (write, answer) = commit::Write::of(record)?;
        self.inner
            .writer
            .send(write)
            .await
            .map_err(|_| StoreError::unavailable("the writer stopped"))?;
        answer
            .await
            .unwrap_or(Err(StoreError::unavailable("the writer stopped")))
    }

    /// Whether the database takes a durable write: a probe committed at most once a second,
    /// shared by every caller.
    pub(crate) async fn health(&self) -> Result<OffsetDateTime, StoreError> {
        let mut last = self.inner.probe.lock().await;
        if let Some((at, stamp)) = *last
            && at.elapsed() < Duration::from_secs(1)
        {
            return Ok(stamp);
        }
        *last = None;
        let store = self.clone();
        let probed = self
            .run(async move {
                let client = store.client().await?;
                client
                    .execute(
                        "INSERT INTO consentry_health (id, at) VALUES (1, now()) \
                         ON CONFLICT (id) DO UPDATE SET at = excluded.at",
                        &[],
                    )
                    .await
                    .map_err(|e| store.failed(e))
            })
            .await;
        if let Err(e) = probed {
            self.inner.metrics.error(StoreOperation::Probe);
            tracing::warn!(error = %e, "health probe: PostgreSQL refused a durable write");
            return Err(StoreError::unavailable("it refused a durable write"));
        }
        let stamp = OffsetDateTime::now_utc();
        *last = Some((std::time::Instant::now(), stamp));
        Ok(stamp)
    }

    /// The terms a `shown` hash names, parsed once and remembered.
    pub(crate) async fn terms(&self, shown: &str) -> Result<Option<Arc<Terms>>, StoreError> {
        let cached = match self.inner.terms.read() {
            Ok(map) => map.get(shown).cloned(),
            Err(poisoned) => poisoned.into_inner().get(shown).cloned(),
        };
        if cached.is_some() {
            return Ok(cached);
        }
        let Some(json) = self.snapshot(shown).await? else {
            return Ok(None);
        };
        let terms = Arc::new(Terms::from_snapshot(&json)?);
        match self.inner.terms.write() {
            Ok(mut map) => map.insert(shown.to_owned(), terms.clone()),
            Err(poisoned) => poisoned
                .into_inner()
                .insert(shown.to_owned(), terms.clone()),
        };
        Ok(Some(terms))
    }
}

/// The sequencer's session, holding its advisory lock; closing it releases the lock.
pub(crate) struct SequencerLock(deadpool_postgres::ClientWrapper);

impl SequencerLock {
    /// Whether the session (and so the lock) is gone: the connection closed or the server went.
    pub(crate) fn is_lost(&self) -> bool {
        self.0.is_closed()
    }
}

/// A connection from `pool`, or unavailable when none opens in time; a connection error
/// (every host down, none writable) names the database.
async fn client(
    pool: &deadpool_postgres::Pool,
    at: &str,
) -> Result<deadpool_postgres::Object, StoreError> {
    use deadpool_postgres::PoolError;
    match pool.get().await {
        Ok(client) => Ok(client),
        Err(PoolError::Backend(source)) => Err(StoreError::Postgres {
            at: at.to_owned(),
            source,
        }),
        Err(PoolError::Timeout(_)) => Err(StoreError::unavailable(
            "no PostgreSQL connection opened in time",
        )),
        Err(_) => Err(StoreError::unavailable("the PostgreSQL pool is closed")),
    }
}
