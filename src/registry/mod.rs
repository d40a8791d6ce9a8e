//! The cookie registry: `cookies.toml` parsed into checked domain types.

mod lifetime;
mod load;
mod model;
mod revision;
mod watch;

use std::path::Path;

pub use lifetime::{Lifetime, LifetimeError, Unit};
pub use load::{Diagnostic, Loaded, Report, Severity, parse};
pub use model::{
    BannerOptions, Category, CategoryId, Cookie, CookieName, GOOGLE_SIGNALS, Kind, Lang, Registry,
    Site, Text,
};
pub use revision::short_hash;
pub use watch::watch;
// The URL types and "did you mean" live in their own modules; these paths stay for callers that
// still name them here.
pub(crate) use crate::suggest::suggest;
pub(crate) use crate::url::Authority;
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
    let label = path.display().to_string();
    let src = std::fs::read_to_string(path).map_err(|source| LoadError::Read {
        path: label.clone(),
        source,
    })?;
    parse(&label, &src).map_err(LoadError::Invalid)
}
