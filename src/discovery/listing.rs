//! What the admin is shown of the names visitors' pages reported: those the live registry does
//! not declare, most recently seen first, each with what the catalog knows of it.

use serde::Serialize;

use super::{Discovered, SeenKind};
use crate::catalog::{self, Known};
use crate::consent::millis;
use crate::registry::Registry;

/// One undeclared name, as `GET /api/v1/admin/discoveries` lists it.
#[derive(Debug, Serialize)]
pub(crate) struct Listed {
    pub(crate) name: String,
    pub(crate) kind: SeenKind,
    pub(crate) host: String,
    #[serde(with = "millis")]
    pub(crate) first_seen: time::OffsetDateTime,
    #[serde(with = "millis")]
    pub(crate) last_seen: time::OffsetDateTime,
    pub(crate) times_seen: u64,
    pub(crate) pages: Vec<String>,
    /// What the catalog knows of it, in the words of the scan's `suggested` (CONTRACT §5).
    pub(crate) suggested: Option<Suggested>,
    /// The `[[cookie]]` table to paste into `cookies.toml`: the catalog's facts where it knows
    /// the name, placeholders to replace where it does not.
    pub(crate) toml: String,
}

#[derive(Debug, Serialize)]
pub(crate) struct Suggested {
    pub(crate) category: &'static str,
    pub(crate) provider: String,
    pub(crate) purpose: String,
    pub(crate) expires: String,
}

impl Suggested {
    fn of(known: &Known) -> Suggested {
        Suggested {
            category: known.category.as_str(),
            provider: known.provider.clone(),
            purpose: known.purpose.clone(),
            expires: known.expires.to_string(),
        }
    }
}

/// The names of `found` that `registry` does not declare (declaring one, and reloading, takes
/// it off the list), most recently seen first.
pub(crate) fn list(found: Vec<Discovered>, registry: &Registry) -> Vec<Listed> {
    let mut listed: Vec<Listed> = found
        .into_iter()
        .filter(|d| !registry.declares(&d.name, d.kind.kind(), &d.host))
        .map(|d| {
            let kind = d.kind.kind();
            let known = catalog::catalog().find(&d.name, kind);
            // Seen on `host`: the suggestion names it as the domain only when it is not the
            // site's own (a page of another of the registry's origins).
            let toml = catalog::suggestion(&d.name, kind, Some(&d.host), known, registry);
            Listed {
                suggested: known.map(Suggested::of),
                toml,
                name: d.name,
                kind: d.kind,
                host: d.host,
                first_seen: d.sighting.first_seen,
                last_seen: d.sighting.last_seen,
                times_seen: d.sighting.times_seen,
                pages: d.sighting.pages,
            }
        })
        .collect();
    // Stable: names last seen at the same moment keep the store's order (host, kind, name).
    listed.sort_by_key(|l| std::cmp::Reverse(l.last_seen));
    listed
}
