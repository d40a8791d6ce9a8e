//! The cookie registry: `cookies.toml` parsed into checked domain types.

mod lifetime;
mod load;
mod model;
mod revision;
mod watch;

use std::path::Path;

pub use lifetime::{Lifetime, LifetimeError, Unit};
pub use load::{Diagnostic, Loaded, Report, Severity, parse};
pub(crate) use model::within;
pub use model::{
    BannerOptions, Category, CategoryId, Cookie, CookieName, Covering, DECISION_COOKIE,
    DISCOVERED_KEY, GOOGLE_SIGNALS, Kind, Lang, OwnStorage, PENDING_KEY, Registry, Site, Text,
};
pub use revision::short_hash;
pub use watch::watch;
// The URL types live in their own module; the registry's model names them.
pub use crate::url::{HttpUrl, Origin, UrlError};

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{0}")]
    Invalid(Report),
}

/// Reads and checks a registry file.
pub fn load_file(path: &Path) -> Result<Loaded, LoadError> {
    let src = read_file(path)?;
    parse(&path.display().to_string(), &src).map_err(LoadError::Invalid)
}

/// The text of a registry file, for a pass after `parse` that needs its source too.
pub fn read_file(path: &Path) -> Result<String, LoadError> {
    std::fs::read_to_string(path).map_err(|source| LoadError::Read {
        path: path.display().to_string(),
        source,
    })
}
