//! Building and running the service: load the registry, open the store, bind, serve.

use std::net::TcpListener;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::middleware::{NormalizePath, TrailingSlash, from_fn};
use actix_web::{App, HttpServer, web};

use crate::rate_limit;
use crate::registry::{self, LoadError};
use crate::reload::{self, ReloadGuard};
use crate::retention::{self, RetentionError};
use crate::served::{Live, Served};
use crate::settings::Settings;
use crate::shutdown::StopSignals;
use crate::state::State;
use crate::store::{Store, StoreError};
use crate::telemetry::{Limit, Metrics};
use crate::upkeep::UpkeepGuard;

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
    #[error("cannot start a background task: {0}")]
    Upkeep(#[source] std::io::Error),
    #[error("the consent log's signing key: {0}")]
    LogKey(#[from] crate::tlog::KeyFileError),
    #[error("cannot watch {path} for edits: {source}")]
    Watch {
        path: String,
        #[source]
        source: notify::Error,
    },
}

pub struct Application {
    port: u16,
    server: Server,
    /// `--metrics-bind`'s listener: its port and its server.
    metrics: Option<(u16, Server)>,
    /// Flushed once the servers have stopped.
    store: Store,
    shutdown_timeout: Duration,
    /// The background tasks of this service; dropped with it, which stops them.
    _upkeep: Upkeep,
}

/// Held for as long as the service runs; each guard stops its task when dropped.
struct Upkeep {
    _reload: ReloadGuard,
    _purge: UpkeepGuard,
    _limiter: Option<UpkeepGuard>,
    _metrics: UpkeepGuard,
    _scan: Option<UpkeepGuard>,
    _sequencer: UpkeepGuard,
}

/// The consent log's signing key: `--log-key`, else the data folder's, made at the first start
/// for the site's log name. A key made for another name keeps it (a log's name does not follow
/// the site's URL), with a warning.
fn log_signer(
    settings: &Settings,
    site: &crate::url::HttpUrl,
    store: &Store,
) -> Result<crate::tlog::LogSigner, StartError> {
    let name = crate::tlog::LogName::for_site(site);
    let signer = match &settings.log_key {
        Some(path) => crate::tlog::read_key(path)?,
        None => {
            if store.engine() == "postgres" {
                tracing::warn!(
                    "the consent log's key is this node's own (DATA/log-key): nodes sharing one \
                     PostgreSQL should be given one key with --log-key, or each signs its own"
                );
            }
            crate::tlog::open_or_create_key(&settings.data, &name)?
        }
    };
    if signer.name() != &name {
        tracing::warn!(
            key = signer.name().as_str(),
            site = name.as_str(),
            "the consent log's key was made for another name; checkpoints carry the key's"
        );
    }
    Ok(signer)
}

fn bind(addr: &str) -> Result<(TcpListener, std::net::SocketAddr), StartError> {
    let failed = |source| StartError::Bind {
        addr: addr.to_owned(),
        source,
    };
    let listener = TcpListener::bind(addr).map_err(failed)?;
    let address = listener.local_addr().map_err(failed)?;
    Ok((listener, address))
}

impl Application {
    /// Loads and checks everything, then binds; any problem is a start-up error.
    pub fn build(settings: Settings) -> Result<Application, StartError> {
        settings.check_retention()?;
        let loaded = registry::load_file(&settings.config)?;
        reload::log_warnings(&loaded);
        // Bound before the store opens: a service that cannot listen leaves no data folder.
        let (listener, address) = bind(&settings.bind)?;
        let metrics_listener = settings.metrics_bind.as_deref().map(bind).transpose()?;
        let port = address.port();
        let metrics = Metrics::new();
        let store_url = settings.store_url();
        let store = Store::open(&store_url, &metrics)?;
        let served = Served::build(loaded.registry);
        reload::archive(&store, &served)?;
        let signer = std::sync::Arc::new(log_signer(&settings, &served.registry.site.url, &store)?);
        let sequencer =
            crate::sequencer::start(&store, signer.clone()).map_err(StartError::Upkeep)?;
        let revision = served.registry.revision.clone();
        let live = Live::new(settings.config.clone(), served);

        let reload =
            reload::start(&live, &store, &metrics).map_err(|source| StartError::Watch {
                path: settings.config.display().to_string(),
                source,
            })?;

        let workers = settings.workers;
        let forwarding = settings.forwarding();
        let limit = settings
            .rate_limit
            .map(|l| l.limiter(forwarding.clone(), metrics.rate_limited(Limit::Requests)));
        let purge = retention::start_purge(&store, settings.retention, settings.purge_every)
            .map_err(StartError::Upkeep)?;
        let limiter = limit
            .as_ref()
            .map(rate_limit::start_cleanup)
            .transpose()
            .map_err(StartError::Upkeep)?;
        let metrics_upkeep = metrics.start_upkeep().map_err(StartError::Upkeep)?;
        let connections = settings.connections_per_address.map(|n| {
            crate::connections::ConnectionLimit::new(n, metrics.rate_limited(Limit::Connections))
        });
        let scan = settings.scan.clone().map(|schedule| {
            let latest = std::sync::Arc::new(crate::scan::Latest::default());
            (schedule, latest)
        });
        let scanning = match &scan {
            Some((schedule, latest)) => Some(
                crate::scan::start(schedule.clone(), live.clone(), latest.clone())
                    .map_err(StartError::Upkeep)?,
            ),
            None => None,
        };
        let consents_live = live.clone();
        let admin_open = settings.admin_token.is_some();
        let state = web::Data::new(State {
            live,
            store: store.clone(),
            admin_token: settings.admin_token,
            forwarding,
            export_stall: settings.export_stall,
            body_timeout: settings.body_timeout,
            metrics: metrics.clone(),
            scan: scan.map(|(_, latest)| latest),
            log_key: signer.verifier().clone(),
        });
        let shutdown_secs = settings.shutdown_timeout.as_secs().max(1);
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
                .wrap(from_fn(crate::connections::close_after_unread_body))
                .configure(|cfg| crate::routes::configure(cfg, admin_open))
                .configure(|cfg| {
                    crate::routes::consents::configure(cfg, consents_live.clone(), limit.as_ref())
                })
                .configure(|cfg| {
                    crate::routes::discoveries::configure(
                        cfg,
                        consents_live.clone(),
                        limit.as_ref(),
                    )
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
        // `StopSignals` stops the service, SIGINT gracefully too (actix would cut it short).
        .disable_signals()
        .shutdown_timeout(shutdown_secs)
        .listen(listener)
        .map_err(|source| StartError::Bind {
            addr: format!("port {port}"),
            source,
        })?;
        if let Some(n) = workers {
            server = server.workers(n);
        }
        let metrics_server = metrics_listener
            .map(|(listener, address)| {
                let metrics = metrics.clone();
                let server = HttpServer::new(move || {
                    App::new()
                        .app_data(web::Data::new(metrics.clone()))
                        .configure(crate::routes::metrics::configure_listener)
                        .default_service(web::to(crate::routes::not_found))
                })
                // A scrape a few times a minute needs no more.
                .workers(1)
                .disable_signals()
                .shutdown_timeout(shutdown_secs)
                .listen(listener)
                .map_err(|source| StartError::Bind {
                    addr: address.to_string(),
                    source,
                })?;
                tracing::info!("metrics: listening on {address}");
                Ok::<_, StartError>((address.port(), server.run()))
            })
            .transpose()?;
        // What an operator checks first: which file, which revision, which folder, where.
        tracing::info!(
            "started: listening on {address}, registry {} (revision {revision}), store {}",
            settings.config.display(),
            store_url
        );
        Ok(Application {
            port,
            server: server.run(),
            metrics: metrics_server,
            store,
            shutdown_timeout: settings.shutdown_timeout,
            _upkeep: Upkeep {
                _reload: reload,
                _sequencer: sequencer,
                _purge: purge,
                _limiter: limiter,
                _metrics: metrics_upkeep,
                _scan: scanning,
            },
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The port of `--metrics-bind`'s listener, when there is one.
    pub fn metrics_port(&self) -> Option<u16> {
        self.metrics.as_ref().map(|(port, _)| *port)
    }

    /// Serves until SIGTERM or SIGINT (see `shutdown`), then flushes the store.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let Application {
            server,
            metrics,
            store,
            shutdown_timeout,
            _upkeep,
            ..
        } = self;
        let metrics = metrics.map(|(_, server)| server);
        let handles = std::iter::once(server.handle())
            .chain(metrics.as_ref().map(Server::handle))
            .collect();
        let signals = StopSignals::listen()?;
        actix_web::rt::spawn(signals.stop_on_signal(handles, shutdown_timeout.as_secs().max(1)));
        // A server runs while polled: the metrics listener on a task of its own.
        let metrics = metrics.map(|server| (server.handle(), actix_web::rt::spawn(server)));
        let result = server.await;
        if let Some((handle, task)) = metrics {
            handle.stop(true).await;
            let _ = task.await;
        }
        // Every answered post is durable already; this covers the store's own writes (a probe,
        // a purge) and says so in the log.
        match store.flush().await {
            Ok(()) => tracing::info!("stopped: the store is flushed"),
            Err(e) => tracing::error!(error = %e, "stopped, but the last flush failed"),
        }
        drop(_upkeep);
        result
    }
}
