//! The command line: `serve` (the default), `check`, `export`, `scan`, `log key`, `evidence`,
//! `verify`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::admin_token::{AdminToken, AdminTokenError};
use crate::logging::{LogFormat, fatal};
use crate::rate_limit::RateLimit;
use crate::registry::{self, LoadError};
use crate::retention::DEFAULT_RETENTION_DAYS;
use crate::settings::{
    DEFAULT_CONNECTIONS_PER_ADDRESS, DEFAULT_DATA, DEFAULT_SHUTDOWN_TIMEOUT, Settings,
};
use crate::startup::Application;
use crate::store::{ExportError, ExportFormat, Exporter, Store, StoreUrl, TimeRange};

#[derive(Parser)]
#[command(name = "consentry", version, about = "Self-hosted cookie consent")]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// How the log on stderr is written: text for a person, json (one object a line) for a
    /// log pipeline.
    #[arg(
        long,
        global = true,
        env = "CONSENTRY_LOG_FORMAT",
        value_enum,
        default_value_t
    )]
    log_format: LogFormat,
}

#[derive(Subcommand)]
enum Command {
    /// Run the service.
    Serve(ServeArgs),
    /// Check a registry file and print every problem with its line and column, and where a
    /// well-known cookie's category disagrees with Consentry's catalog.
    Check {
        /// The registry to check.
        #[arg(default_value = DEFAULT_CONFIG)]
        file: PathBuf,
    },
    /// Write consent records to stdout, oldest first (stop the service first: sled allows one
    /// process at a time; while it runs, use GET /api/v1/admin/consents).
    Export(ExportArgs),
    /// Check what a site really sets, in headless Chromium: before consent, after "Accept all"
    /// and after "Reject all", against the registry (exit 1 on a violation, 2 if it cannot run).
    Scan(crate::scan::command::ScanArgs),
    /// The consent log (CONTRACT §7): `log key` prints its verifier key.
    Log(crate::tlog::command::LogArgs),
    /// Write a visitor's evidence document to stdout (records, snapshots, proofs, checkpoint,
    /// key), from the store: stop the service first on sled.
    Evidence(crate::evidence::command::EvidenceArgs),
    /// Check an evidence document, or an NDJSON export with --checkpoint and --key, offline
    /// (exit 1 naming each failed check, 2 if the input cannot be read).
    Verify(crate::evidence::command::VerifyArgs),
}

#[derive(clap::Args)]
struct ExportArgs {
    /// The data folder the service writes to (the same default as `serve`).
    #[arg(long, env = "CONSENTRY_DATA", default_value = DEFAULT_DATA)]
    data: PathBuf,
    /// Where the records are, as `serve --store` names it: sled:DIR or postgres://… (default:
    /// sled in --data).
    #[arg(long, env = "CONSENTRY_STORE")]
    store: Option<StoreUrl>,
    /// First day (2026-11-01) or time (RFC 3339) to include.
    #[arg(long)]
    since: Option<String>,
    /// Last day to include (the whole day), or a time (RFC 3339) to stop before.
    #[arg(long)]
    until: Option<String>,
    /// What to write.
    #[arg(long, value_enum, default_value_t)]
    format: ExportFormat,
}

/// Defaults, written once: `cargo run` with no arguments serves with these too.
const DEFAULT_CONFIG: &str = "cookies.toml";
const DEFAULT_BIND: &str = "127.0.0.1:8080";

/// Every flag can also come from the environment, as services are configured in containers
/// and systemd units; a flag given on the command line wins.
#[derive(clap::Args)]
struct ServeArgs {
    /// The registry file.
    #[arg(long, env = "CONSENTRY_CONFIG", default_value = DEFAULT_CONFIG)]
    config: PathBuf,
    /// The data folder (consent records and snapshots on sled; the scan's and log's files).
    #[arg(long, env = "CONSENTRY_DATA", default_value = DEFAULT_DATA)]
    data: PathBuf,
    /// Where consent records live: sled:DIR (the default, sled in --data) or
    /// postgres://user:password@host:port,host:port/db?target_session_attrs=read-write, which
    /// any number of Consentry nodes share.
    #[arg(long, env = "CONSENTRY_STORE")]
    store: Option<StoreUrl>,
    /// Address and port to listen on.
    #[arg(long, env = "CONSENTRY_BIND", default_value = DEFAULT_BIND)]
    bind: String,
    /// The consent log's signing key (made at the first start as DATA/log-key when not given;
    /// nodes sharing one PostgreSQL must share one key).
    #[arg(long, env = "CONSENTRY_LOG_KEY")]
    log_key: Option<PathBuf>,
    /// Purge consent records older than this many days (30 to 36500; 0 is refused).
    #[arg(long, env = "CONSENTRY_RETENTION_DAYS", default_value_t = DEFAULT_RETENTION_DAYS)]
    retention_days: u32,
    /// Allow a retention under 30 days (records are evidence; short retention is rarely meant).
    #[arg(long, env = "CONSENTRY_ALLOW_SHORT_RETENTION")]
    allow_short_retention: bool,
    /// Consent posts per second allowed per client address; 0 switches the limit off.
    #[arg(long, env = "CONSENTRY_RATE_LIMIT", default_value_t = RateLimit::DEFAULT.per_second)]
    rate_limit: u32,
    /// Consent posts a client may send at once before the per-second rate applies.
    #[arg(long, env = "CONSENTRY_RATE_BURST", default_value_t = RateLimit::DEFAULT.burst)]
    rate_burst: u32,
    /// Take the client address from X-Forwarded-For (only behind a reverse proxy that sets it).
    #[arg(long, env = "CONSENTRY_TRUST_FORWARDED_FOR")]
    trust_forwarded_for: bool,
    /// With --trust-forwarded-for: the proxies whose X-Forwarded-For is believed, addresses or
    /// networks (10.0.0.0/8), repeated or comma-separated. Default: loopback (127.0.0.0/8, ::1).
    #[arg(
        long = "trusted-proxy",
        env = "CONSENTRY_TRUSTED_PROXIES",
        value_delimiter = ','
    )]
    trusted_proxies: Vec<crate::proxies::Network>,
    /// Connections one client address (IPv6 by /64) may hold open; 0 switches the ceiling off.
    /// Default 64 (`DEFAULT_CONNECTIONS_PER_ADDRESS`), or off with --trust-forwarded-for, where
    /// every connection is the proxy's.
    #[arg(long)]
    connections_per_address: Option<u32>,
    /// Scan this site (repeated or comma-separated start URLs) in the background, as
    /// `consentry scan` does, and show the latest report in the admin dashboard.
    #[arg(long = "scan", env = "CONSENTRY_SCAN", value_delimiter = ',')]
    scan: Vec<String>,
    /// With --scan: how often (24h, 7d, 30m; at least 10m).
    #[arg(long, env = "CONSENTRY_SCAN_EVERY", default_value = "24h", value_parser = crate::scan::parse_period)]
    scan_every: std::time::Duration,
    /// HTTP worker threads (default: one per core).
    #[arg(long, env = "CONSENTRY_WORKERS")]
    workers: Option<usize>,
    /// Serve GET /metrics without the admin token on this address of its own (127.0.0.1:9090);
    /// only the scraper should reach it. Without it, /metrics is on the main port behind the
    /// admin token.
    #[arg(long, env = "CONSENTRY_METRICS_BIND")]
    metrics_bind: Option<String>,
    /// Seconds a stop (SIGTERM, SIGINT) waits for the requests in flight before cutting them.
    #[arg(long, env = "CONSENTRY_SHUTDOWN_TIMEOUT", default_value_t = DEFAULT_SHUTDOWN_TIMEOUT.as_secs())]
    shutdown_timeout: u64,
}

/// `consentry` alone is `consentry serve` with its defaults (and the environment).
#[derive(Parser)]
struct ServeOnly {
    #[command(flatten)]
    args: ServeArgs,
}

impl Cli {
    pub fn log_format(&self) -> LogFormat {
        self.log_format
    }

    pub fn run(self) -> ExitCode {
        match self.command {
            None => serve(ServeOnly::parse_from(["consentry"]).args),
            Some(Command::Serve(args)) => serve(args),
            Some(Command::Check { file }) => check(&file),
            Some(Command::Export(args)) => export(&args),
            Some(Command::Scan(args)) => crate::scan::command::run(args),
            Some(Command::Log(args)) => crate::tlog::command::run(args),
            Some(Command::Evidence(args)) => crate::evidence::command::evidence(args),
            Some(Command::Verify(args)) => crate::evidence::command::verify(args),
        }
    }
}

/// Arguments that cannot make a service.
#[derive(Debug, thiserror::Error)]
enum ServeArgsError {
    #[error(transparent)]
    AdminToken(#[from] AdminTokenError),
    #[error(
        "--trusted-proxy (CONSENTRY_TRUSTED_PROXIES) has no effect without --trust-forwarded-for \
         (CONSENTRY_TRUST_FORWARDED_FOR=true): add it, or every visitor behind the proxy shares \
         the proxy's address"
    )]
    ProxiesWithoutTrust,
    #[error(
        "--scan {0}: a scan starts from an http:// or https:// URL, e.g. https://www.example.com/"
    )]
    ScanUrl(String),
}

impl ServeArgs {
    /// The settings these arguments (and `CONSENTRY_ADMIN_TOKEN`) ask for; every value not
    /// given keeps its default from `Settings::new`.
    fn settings(self) -> Result<Settings, ServeArgsError> {
        let mut settings = Settings::new(self.config, self.data, &self.bind);
        settings.store = self.store;
        settings.log_key = self.log_key;
        settings.admin_token = std::env::var("CONSENTRY_ADMIN_TOKEN")
            .ok()
            .filter(|t| !t.is_empty())
            .map(AdminToken::parse)
            .transpose()?;
        settings.retention = crate::retention::days(self.retention_days);
        settings.allow_short_retention = self.allow_short_retention;
        settings.rate_limit = (self.rate_limit > 0).then_some(RateLimit {
            per_second: self.rate_limit,
            burst: self.rate_burst,
        });
        settings.trust_forwarded_for = self.trust_forwarded_for;
        if !self.trusted_proxies.is_empty() && !self.trust_forwarded_for {
            return Err(ServeArgsError::ProxiesWithoutTrust);
        }
        if !self.trusted_proxies.is_empty() {
            settings.trusted_proxies = self.trusted_proxies;
        }
        // Behind a proxy every connection comes from the proxy, so a ceiling per address would
        // cap the proxy, not a client: off unless asked for (the proxy is the one to bound slow
        // clients).
        settings.connections_per_address = match self.connections_per_address {
            Some(0) => None,
            Some(n) => Some(n),
            None if self.trust_forwarded_for => None,
            None => Some(DEFAULT_CONNECTIONS_PER_ADDRESS),
        };
        settings.workers = self.workers.filter(|n| *n > 0);
        settings.metrics_bind = self.metrics_bind.filter(|a| !a.is_empty());
        settings.shutdown_timeout = std::time::Duration::from_secs(self.shutdown_timeout.max(1));
        if let Some(bad) = self.scan.iter().find(|u| !crate::scan::is_start_url(u)) {
            return Err(ServeArgsError::ScanUrl(bad.clone()));
        }
        if !self.scan.is_empty() {
            settings.scan = Some(crate::scan::ScanSchedule {
                options: crate::scan::ScanOptions::new(self.scan),
                every: self.scan_every,
            });
        }
        Ok(settings)
    }
}

fn serve(args: ServeArgs) -> ExitCode {
    let settings = match args.settings() {
        Ok(settings) => settings,
        Err(e) => {
            fatal(&e);
            return ExitCode::FAILURE;
        }
    };
    let result = actix_web::rt::System::new().block_on(async move {
        let app = Application::build(settings.clone()).map_err(|e| e.to_string())?;
        let base = format!("http://{}", display_addr(&settings.bind, app.port()));
        println!("Consentry is running:");
        println!("  demo page      {base}/");
        println!("  cookie policy  {base}/cookie-policy");
        println!("  banner script  {base}/banner.js");
        println!("  registry JSON  {base}/api/v1/registry");
        match app.metrics_port() {
            Some(port) => println!(
                "  metrics        http://{}/metrics",
                display_addr(settings.metrics_bind.as_deref().unwrap_or_default(), port)
            ),
            None if settings.admin_token.is_some() => {
                println!("  metrics        {base}/metrics (admin token)")
            }
            None => {}
        }
        if settings.admin_token.is_some() {
            println!("  admin          {base}/admin");
        } else {
            println!("  admin          closed (set CONSENTRY_ADMIN_TOKEN to open it)");
        }
        app.run_until_stopped().await.map_err(|e| e.to_string())
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            fatal(&e);
            ExitCode::FAILURE
        }
    }
}

/// `0.0.0.0:8080` is not a URL anyone can open; show loopback instead.
fn display_addr(bind: &str, port: u16) -> String {
    let host = bind.rsplit_once(':').map_or(bind, |(h, _)| h);
    let host = match host {
        "0.0.0.0" | "" => "127.0.0.1",
        "[::]" => "[::1]",
        h => h,
    };
    format!("{host}:{port}")
}

/// The registry's own checks, then the catalog's: a well-known cookie in a category that
/// disagrees with the catalog is a warning (never a refusal).
fn check(file: &std::path::Path) -> ExitCode {
    let loaded = registry::read_file(file).and_then(|src| {
        let mut loaded =
            registry::parse(&file.display().to_string(), &src).map_err(LoadError::Invalid)?;
        crate::catalog::review(&src, &mut loaded);
        Ok(loaded)
    });
    match loaded {
        Ok(loaded) => {
            if !loaded.warnings.diagnostics.is_empty() {
                eprintln!("{}", loaded.warnings);
            }
            let r = &loaded.registry;
            let optional = r.categories.iter().filter(|c| !c.required).count();
            println!(
                "{}: ok, revision {}: {} categories ({} optional), {} cookies, {} languages ({}), {}",
                file.display(),
                r.revision,
                r.categories.len(),
                optional,
                r.cookies.len(),
                r.site.languages.len(),
                r.site
                    .languages
                    .iter()
                    .map(|l| l.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                plural(loaded.warnings.diagnostics.len(), "warning"),
            );
            ExitCode::SUCCESS
        }
        Err(LoadError::Invalid(report)) => {
            eprintln!("{report}");
            let errors = report.errors().count();
            let warnings = report.warnings().count();
            eprintln!(
                "{}: refused: {}, {}",
                file.display(),
                plural(errors, "error"),
                plural(warnings, "warning")
            );
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("consentry: {e}");
            ExitCode::FAILURE
        }
    }
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

fn export(args: &ExportArgs) -> ExitCode {
    let format = args.format;
    let range = match TimeRange::parse(args.since.as_deref(), args.until.as_deref()) {
        Ok(range) => range,
        Err(e) => {
            eprintln!("consentry: --{e}");
            return ExitCode::from(2);
        }
    };
    let url = args
        .store
        .clone()
        .unwrap_or_else(|| StoreUrl::sled(&args.data));
    let store =
        match Store::open_offline(&url, "export while it runs with GET /api/v1/admin/consents") {
            Ok(store) => store,
            Err(e) => {
                eprintln!("consentry: {e}");
                return ExitCode::FAILURE;
            }
        };
    let written = Exporter::new(store, range, format, &[])
        .map_err(ExportError::from)
        .and_then(|exporter| {
            exporter.write_to(&mut std::io::BufWriter::new(std::io::stdout().lock()))
        });
    match written {
        Ok(count) => {
            eprintln!("consentry: exported {count} records");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("consentry: {e}");
            ExitCode::FAILURE
        }
    }
}
