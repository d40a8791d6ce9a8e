//! Everything the service needs to start, each default written once: the command line
//! (`cli.rs`) reads its defaults from here, and tests start from `Settings::new`.

use std::path::PathBuf;
use std::time::Duration;

use crate::admin_token::AdminToken;
use crate::rate_limit::RateLimit;
use crate::retention::{self, DEFAULT_PURGE_EVERY, DEFAULT_RETENTION_DAYS, RetentionError};
use crate::store::StoreUrl;

#[derive(Clone, Debug)]
pub struct Settings {
    pub config: PathBuf,
    pub data: PathBuf,
    /// Where consent records live; `None` is sled in `data` (see `store_url`).
    pub store: Option<StoreUrl>,
    pub bind: String,
    /// Enables the admin API; `None` closes it (404).
    pub admin_token: Option<AdminToken>,
    /// HTTP worker threads; `None` means one per core.
    pub workers: Option<usize>,
    /// Records older than this are purged (see the README's "Retention"); checked at start
    /// by `retention::check`.
    pub retention: Duration,
    /// Allows a retention shorter than `MIN_RETENTION_DAYS` (never zero).
    pub allow_short_retention: bool,
    /// How often the retention purge runs.
    pub purge_every: Duration,
    /// Consent posts per second per client address, with bursts; `None` switches it off.
    pub rate_limit: Option<RateLimit>,
    /// Trust the last `X-Forwarded-For` entry as the client address (behind a reverse proxy),
    /// on connections from `trusted_proxies` only.
    pub trust_forwarded_for: bool,
    /// The proxies whose forwarded headers are believed; loopback by default.
    pub trusted_proxies: Vec<crate::proxies::Network>,
    /// How long an export may wait for its client to take the next chunk before it is cut.
    pub export_stall: Duration,
    /// The longest a request body may take to arrive, from the first read to the last byte;
    /// a body trickled a byte at a time would otherwise hold its connection for ever.
    pub body_timeout: Duration,
    /// Connections one client address (IPv6 by /64) may hold open; `None` switches the ceiling
    /// off. Counted by peer address, so behind a proxy it counts the proxy's connections.
    pub connections_per_address: Option<u32>,
    /// `/metrics` without the admin token on a listener of its own (`127.0.0.1:9090`); `None`
    /// leaves it behind the token on the main port only.
    pub metrics_bind: Option<String>,
    /// How long a stop (SIGTERM, SIGINT) waits for the requests in flight before cutting them.
    pub shutdown_timeout: Duration,
    /// `--log-key FILE`: the consent log's signing key; `None` is `DATA/log-key`, made at the
    /// first start.
    pub log_key: Option<PathBuf>,
    /// `--scan URL`: scan the site on a schedule in the background (off by default).
    pub scan: Option<crate::scan::ScanSchedule>,
}

/// The data folder of every command that reads or writes one (`serve`, `export`, `log key`).
pub const DEFAULT_DATA: &str = "./data";
/// See `Settings::connections_per_address`: more than browsers open (6 per host), room for
/// a few visitors behind one NAT address.
pub const DEFAULT_CONNECTIONS_PER_ADDRESS: u32 = 64;
/// See `Settings::export_stall`.
pub const DEFAULT_EXPORT_STALL: Duration = Duration::from_secs(30);
/// See `Settings::body_timeout`: a real decision is a few hundred bytes.
pub const DEFAULT_BODY_TIMEOUT: Duration = Duration::from_secs(10);
/// See `Settings::shutdown_timeout`: a post whose body takes the whole `DEFAULT_BODY_TIMEOUT`
/// to arrive still gets its flush and its answer; under systemd's 90 s stop timeout.
pub const DEFAULT_SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(15);

impl Settings {
    /// The defaults, serving `config` with `data` on `bind`; the admin surface closed.
    pub fn new(config: impl Into<PathBuf>, data: impl Into<PathBuf>, bind: &str) -> Settings {
        Settings {
            config: config.into(),
            data: data.into(),
            store: None,
            bind: bind.to_owned(),
            admin_token: None,
            workers: None,
            retention: retention::days(DEFAULT_RETENTION_DAYS),
            allow_short_retention: false,
            purge_every: DEFAULT_PURGE_EVERY,
            rate_limit: Some(RateLimit::DEFAULT),
            trust_forwarded_for: false,
            trusted_proxies: crate::proxies::loopback(),
            export_stall: DEFAULT_EXPORT_STALL,
            body_timeout: DEFAULT_BODY_TIMEOUT,
            connections_per_address: Some(DEFAULT_CONNECTIONS_PER_ADDRESS),
            metrics_bind: None,
            shutdown_timeout: DEFAULT_SHUTDOWN_TIMEOUT,
            log_key: None,
            scan: None,
        }
    }

    /// The store these settings name: `--store`, else sled in the data folder.
    pub fn store_url(&self) -> StoreUrl {
        self.store
            .clone()
            .unwrap_or_else(|| StoreUrl::sled(&self.data))
    }

    /// The forwarded-for rule these settings ask for.
    pub(crate) fn forwarding(&self) -> crate::proxies::Forwarding {
        if self.trust_forwarded_for {
            crate::proxies::Forwarding::from(&self.trusted_proxies)
        } else {
            crate::proxies::Forwarding::off()
        }
    }

    /// Refuses a retention that would destroy evidence by mistake, or overflow a date.
    pub fn check_retention(&self) -> Result<(), RetentionError> {
        retention::check(self.retention, self.allow_short_retention)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_settings_dump_never_shows_the_admin_token() {
        let mut settings = Settings::new("cookies.toml", "data", "127.0.0.1:0");
        settings.admin_token = Some(AdminToken::parse("s3cret-token").expect("a sendable token"));

        let dump = format!("{settings:?}");

        assert!(!dump.contains("s3cret"), "{dump}");
        assert!(dump.contains("[redacted]"), "{dump}");
    }
}
