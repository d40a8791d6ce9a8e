//! Building and running the service: load the registry, open the store, bind, serve.

use std::net::TcpListener;
use std::path::PathBuf;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::middleware::{NormalizePath, TrailingSlash, from_fn};
use actix_web::{App, HttpServer, web};

use crate::admin_token::AdminToken;
use crate::registry::{self, LoadError};
use crate::served::{Live, Served};
use crate::state::State;
use crate::store::{Store, StoreError};

/// Everything the service needs to start.
#[derive(Clone, Debug)]
pub struct Settings {
    pub config: PathBuf,
    pub data: PathBuf,
    pub bind: String,
    /// Enables the admin API; `None` closes it (404).
    pub admin_token: Option<AdminToken>,
    /// HTTP worker threads; `None` means one per core.
    pub workers: Option<usize>,
    /// Records older than this are purged (see the README's "Retention"); checked at start
    /// against `MIN_RETENTION_DAYS` and `MAX_RETENTION_DAYS`.
    pub retention: Duration,
    /// Allows a retention shorter than `MIN_RETENTION_DAYS` (never zero).
    pub allow_short_retention: bool,
    /// How often the retention purge runs.
    pub purge_every: Duration,
    /// Consent posts per second per client address, with bursts; `None` switches it off.
    pub rate_limit: Option<RateLimit>,
    /// Trust the last `X-Forwarded-For` entry as the client address (behind a reverse proxy).
    pub trust_forwarded_for: bool,
    /// How long an export may wait for its client to take the next chunk before it is cut.
    pub export_stall: Duration,
    /// The longest a request body may take to arrive, from the first read to the last byte;
    /// a body trickled a byte at a time would otherwise hold its connection for ever.
    pub body_timeout: Duration,
    /// Connections one client address (IPv6 by /64) may hold open; `None` switches the ceiling
    /// off. Counted by peer address, so behind a proxy it counts the proxy's connections.
    pub connections_per_address: Option<u32>,
}

/// See `Settings::connections_per_address`: more than browsers open (6 per host), room for
/// a few visitors behind one NAT address.
pub const DEFAULT_CONNECTIONS_PER_ADDRESS: u32 = 64;

/// A client may post `per_second` decisions a second on average, `burst` at once.
#[derive(Clone, Copy, Debug)]
pub struct RateLimit {
    pub per_second: u32,
    pub burst: u32,
}

/// Five years: see the README's "Retention" for why.
pub const DEFAULT_RETENTION_DAYS: u32 = 1826;
/// Shorter retentions are refused unless `allow_short_retention` says it is meant: a record
/// kept a few days proves little, and `0` reads to many operators as "keep forever".
pub const MIN_RETENTION_DAYS: u32 = 30;
/// A century; longer is a typo, and far past what a date can subtract.
pub const MAX_RETENTION_DAYS: u32 = 36_500;

impl Settings {
    pub fn new(config: impl Into<PathBuf>, data: impl Into<PathBuf>, bind: &str) -> Settings {
        Settings {
            config: config.into(),
            data: data.into(),
            bind: bind.to_owned(),
            admin_token: None,
            workers: None,
            retention: Duration::from_secs(u64::from(DEFAULT_RETENTION_DAYS) * 86_400),
            allow_short_retention: false,
            purge_every: Duration::from_secs(3600),
            rate_limit: Some(RateLimit {
                per_second: 10,
                burst: 60,
            }),
            trust_forwarded_for: false,
            export_stall: Duration::from_secs(30),
            body_timeout: Duration::from_secs(10),
            connections_per_address: Some(DEFAULT_CONNECTIONS_PER_ADDRESS),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("{0}")]
    Retention(#[from] RetentionError),
    #[error("{0}")]
    Registry(#[from] LoadError),
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: String,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot watch {path} for edits: {source}")]
    Watch {
        path: String,
        #[source]
        source: notify::Error,
    },
}

/// A retention the service refuses to start with.
#[derive(Debug, thiserror::Error)]
pub enum RetentionError {
    #[error(
        "--retention-days 0 would delete every consent record, including those just \
         acknowledged; records are evidence: keep them {DEFAULT_RETENTION_DAYS} days (the \
         default) or as long as your lawyers say"
    )]
    Zero,
    #[error(
        "--retention-days {days} is under {MIN_RETENTION_DAYS} days: records would be gone before \
         anyone could ask for them; add --allow-short-retention if that is really meant"
    )]
    TooShort { days: u64 },
    #[error("--retention-days {days} is over {MAX_RETENTION_DAYS} days (a century)")]
    TooLong { days: u64 },
}

impl Settings {
    /// Refuses a retention that would destroy evidence by mistake, or overflow a date.
    pub fn check_retention(&self) -> Result<(), RetentionError> {
        let days = self.retention.as_secs() / 86_400;
        if self.retention.is_zero() {
            Err(RetentionError::Zero)
        } else if days > u64::from(MAX_RETENTION_DAYS) {
            Err(RetentionError::TooLong { days })
        } else if days < u64::from(MIN_RETENTION_DAYS) && !self.allow_short_retention {
            Err(RetentionError::TooShort { days })
        } else {
            Ok(())
        }
    }
}

pub struct Application {
    port: u16,
    server: Server,
    _watcher: notify::RecommendedWatcher,
}

impl Application {
    /// Loads and checks everything, then binds; any problem is a start-up error.
    pub fn build(settings: Settings) -> Result<Application, StartError> {
        settings.check_retention()?;
        let loaded = registry::load_file(&settings.config)?;
        log_warnings(&loaded);
        // Bound before the store opens: a service that cannot listen leaves no data folder.
        let listener = TcpListener::bind(&settings.bind).map_err(|source| StartError::Bind {
            addr: settings.bind.clone(),
            source,
        })?;
        let port = listener
            .local_addr()
            .map_err(|source| StartError::Bind {
                addr: settings.bind.clone(),
                source,
            })?
            .port();
        let store = Store::open(&settings.data)?;
        let served = Served::build(loaded.registry);
        archive(&store, &served)?;
        let live = Live::new(settings.config.clone(), served);

        let watcher = {
            let (live, store) = (live.clone(), store.clone());
            registry::watch(&settings.config, move || reload(&live, &store)).map_err(|source| {
                StartError::Watch {
                    path: settings.config.display().to_string(),
                    source,
                }
            })?
        };

        let workers = settings.workers;
        let limit = settings.rate_limit.map(|l| {
            crate::routes::consents::rate_limit(l.per_second, l.burst, settings.trust_forwarded_for)
        });
        maintain(&store, &settings, limit.clone());
        let connections = settings
            .connections_per_address
            .map(crate::connections::ConnectionLimit::new);
        let consents_live = live.clone();
        let admin_open = settings.admin_token.is_some();
        let state = web::Data::new(State {
            live,
            store,
            admin_token: settings.admin_token,
            trust_forwarded_for: settings.trust_forwarded_for,
            export_stall: settings.export_stall,
            body_timeout: settings.body_timeout,
        });
        let mut server = HttpServer::new(move || {
            App::new()
                .app_data(state.clone())
                // Query errors answer JSON like every other error, not actix's plain text.
                .app_data(
                    web::QueryConfig::default()
                        .error_handler(|e, _| crate::error::AppError::from(e).into()),
                )
                .wrap(from_fn(crate::connections::refuse_over_limit))
                .wrap(from_fn(crate::routes::method_not_allowed))
                .wrap(from_fn(crate::routes::security_headers))
                .wrap(NormalizePath::new(TrailingSlash::Trim))
                .wrap(from_fn(crate::routes::head_as_get))
                .wrap(from_fn(crate::routes::log_requests))
                .configure(|cfg| crate::routes::configure(cfg, admin_open))
                .configure(|cfg| {
                    crate::routes::consents::configure(cfg, consents_live.clone(), limit.as_ref())
                })
                .default_service(web::to(crate::routes::not_found))
        })
        .on_connect(move |conn, data| {
            if let Some(limit) = &connections {
                limit.on_connect(conn, data);
            }
        })
        // Written out, not left to actix's defaults, because the connection ceiling relies on
        // them: a request head must arrive within 5 s (else 408), an idle keep-alive connection
        // is closed after 5 s, and a closing one is given 1 s to go.
        .client_request_timeout(Duration::from_secs(5))
        .keep_alive(Duration::from_secs(5))
        .client_disconnect_timeout(Duration::from_secs(1))
        .listen(listener)
        .map_err(|source| StartError::Bind {
            addr: format!("port {port}"),
            source,
        })?;
        if let Some(n) = workers {
            server = server.workers(n);
        }
        Ok(Application {
            port,
            server: server.run(),
            _watcher: watcher,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let Application {
            server, _watcher, ..
        } = self;
        let result = server.await;
        drop(_watcher);
        result
    }
}

/// The background upkeep thread: purges records past the retention, and forgets rate-limit
/// counters of clients gone quiet. It ends with the store.
fn maintain(store: &Store, settings: &Settings, limit: Option<crate::routes::consents::RateLimit>) {
    let store = store.downgrade();
    let (retention, every) = (settings.retention, settings.purge_every);
    let tick = every
        .min(Duration::from_secs(60))
        .max(Duration::from_millis(50));
    let spawned = std::thread::Builder::new()
        .name("consentry-upkeep".to_owned())
        .spawn(move || {
            let mut next_purge = std::time::Instant::now();
            loop {
                let Some(store) = store.upgrade() else {
                    return;
                };
                if std::time::Instant::now() >= next_purge {
                    next_purge += every;
                    purge(&store, retention);
                }
                drop(store);
                if let Some(limit) = &limit {
                    let limiter = limit.limiter();
                    limiter.retain_recent();
                    limiter.shrink_to_fit();
                }
                std::thread::sleep(tick);
            }
        });
    if let Err(e) = spawned {
        tracing::error!(error = %e, "cannot start the retention purge");
    }
}

/// A purge removing more than this share of the store is logged as a warning: that is a
/// retention set by mistake, or a clock that jumped, more often than records coming of age.
const PURGE_WARN_SHARE: f64 = 0.5;

fn purge(store: &Store, retention: Duration) {
    // Checked at start, but a clock far in the past must not kill the upkeep thread either.
    let Some(cutoff) = time::OffsetDateTime::now_utc()
        .checked_sub(time::Duration::try_from(retention).unwrap_or(time::Duration::MAX))
    else {
        return;
    };
    match store.purge_before(cutoff) {
        Ok(0) => {}
        Ok(count) => {
            let left = store.count().unwrap_or(0);
            let share = count as f64 / (count + left) as f64;
            if share > PURGE_WARN_SHARE {
                tracing::warn!(
                    count,
                    left,
                    %cutoff,
                    "purged more than half of the consent records in one run; check --retention-days and the clock"
                );
            } else {
                tracing::info!(count, %cutoff, "purged consent records past the retention");
            }
        }
        Err(e) => tracing::error!(error = %e, "retention purge failed; will retry"),
    }
}

/// Keeps every snapshot the service is about to serve, before it serves it.
fn archive(store: &Store, served: &Served) -> Result<(), StoreError> {
    store.archive_snapshots(
        served
            .snapshots
            .values()
            .map(|s| (s.shown.as_str(), s.json.as_slice())),
    )
}

/// Applies an edit of the registry file; a broken edit is logged and the last good one stays.
fn reload(live: &Live, store: &Store) {
    let loaded = match registry::load_file(live.path()) {
        Ok(loaded) => loaded,
        Err(e) => {
            tracing::error!("registry edit rejected, still serving the last good one:\n{e}");
            return;
        }
    };
    log_warnings(&loaded);
    let served = Served::build(loaded.registry);
    if let Err(e) = archive(store, &served) {
        tracing::error!(error = %e, "cannot archive the new registry's snapshots; still serving the last good one");
        return;
    }
    let before = live.get().registry.revision.clone();
    let after = served.registry.revision.clone();
    live.replace(served);
    tracing::info!(%before, %after, "registry reloaded");
}

fn log_warnings(loaded: &registry::Loaded) {
    if !loaded.warnings.diagnostics.is_empty() {
        tracing::warn!("registry warnings:\n{}", loaded.warnings);
    }
}
