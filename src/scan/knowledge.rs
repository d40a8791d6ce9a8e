//! The catalog of well-known cookies, as the scan asks of it.

use super::classify::Knowledge;
use super::report::{Item, Suggested};
use crate::catalog;
use crate::registry::{Kind, Registry};

/// The built-in catalog (`src/catalog/known.toml`).
pub(crate) struct Catalogued;

impl Knowledge for Catalogued {
    fn suggest(&self, name: &str, kind: Kind) -> Option<Suggested> {
        let known = catalog::catalog().find(name, kind)?;
        Some(Suggested {
            category: known.category.as_str().to_owned(),
            provider: known.provider.clone(),
            purpose: known.purpose.clone(),
            expires: known.expires.to_string(),
        })
    }

    fn toml(&self, item: &Item, registry: &Registry) -> String {
        let known = catalog::catalog().find(&item.name, item.kind);
        // A storage key's "domain" is its origin, which `cookies.toml` does not take.
        let domain =
            (item.kind == Kind::Cookie && item.third_party).then_some(item.domain.as_str());
        // What the browser held is a better guess than a placeholder for what the catalog lacks.
        let seen = item.expires.as_deref().and_then(|e| e.parse().ok());
        catalog::suggestion_seen(&item.name, item.kind, domain, known, seen, registry)
    }
}
