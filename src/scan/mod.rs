//! `consentry scan` (CONTRACT §5): what a site really sets, in headless Chromium, before
//! consent, after "Accept all" and after "Reject all", held against the registry.

mod browser;
mod classify;
pub mod command;
mod crawl;
mod html;
mod knowledge;
mod network;
mod observed;
mod report;
mod schedule;
#[cfg(test)]
mod tests;
mod text;

use std::path::PathBuf;
use std::time::Duration;

pub use report::{Phase, Report, Violation};
pub(crate) use schedule::{Latest, Outcome, start};
pub use schedule::{ScanSchedule, parse_period};

use crate::registry::Registry;

pub(crate) use browser::Patience;

#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    #[error(
        "no Chromium to scan with ({0}); install it (Debian and Ubuntu: apt-get install -y chromium) or name it with --chromium PATH"
    )]
    NoBrowser(String),
    #[error("cannot make a fresh browser profile: {0}")]
    Profile(#[source] std::io::Error),
    #[error("Chromium did not start: {0}")]
    Launch(String),
    #[error("the browser stopped answering: {0}")]
    Browser(String),
    #[error("{0}")]
    Page(String),
    #[error("\"{0}\" is not an http:// or https:// URL to start from")]
    BadUrl(String),
    #[error("the first page, {url}, could not be loaded: {why}")]
    Unreachable { url: String, why: String },
}

impl ScanError {
    fn browser(e: chromiumoxide::error::CdpError) -> ScanError {
        ScanError::Browser(e.to_string())
    }
}

/// What to scan and how.
#[derive(Clone, Debug)]
pub struct ScanOptions {
    pub start: Vec<String>,
    /// Pages to visit at most, in the first phase's crawl.
    pub pages: usize,
    /// Tabs open at once.
    pub concurrency: usize,
    /// The browser; `None` looks for Chromium on `PATH`.
    pub chromium: Option<PathBuf>,
    /// A progress bar on stderr (only drawn on a terminal).
    pub progress: bool,
}

impl ScanOptions {
    pub fn new(start: Vec<String>) -> ScanOptions {
        ScanOptions {
            start,
            pages: 20,
            concurrency: 4,
            chromium: None,
            progress: false,
        }
    }
}

const PATIENCE: Patience = Patience {
    load: Duration::from_secs(20),
    settle: Duration::from_secs(5),
    quiet: Duration::from_millis(400),
};

/// Whether a scan can start from `url`: http(s) with a host.
pub fn is_start_url(url: &str) -> bool {
    url::Url::parse(url)
        .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
}

/// Runs a whole scan on its own runtime (the CLI and the service's schedule both call this
/// from a thread of their own).
pub fn run(options: &ScanOptions, registry: &Registry) -> Result<Report, ScanError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| ScanError::Launch(e.to_string()))?;
    runtime.block_on(crawl::scan(options, registry, PATIENCE))
}

/// The report as a person reads it in a terminal: violations first.
pub fn render_text(report: &Report) -> String {
    text::render(report)
}

/// The report as one self-contained HTML page.
pub fn render_html(report: &Report) -> String {
    html::render(report)
}

/// The report as the JSON document of §5.
pub fn render_json(report: &Report) -> String {
    serde_json::to_string_pretty(report).unwrap_or_default() + "\n"
}
