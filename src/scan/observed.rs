//! What the browser showed, gathered over the phases before anything is compared with the
//! registry: cookies by (name, domain), storage keys by (kind, origin, name), request hosts.

use std::collections::{BTreeMap, BTreeSet};

use super::report::{PageVisit, Phase};
use crate::registry::Kind;

/// A cookie as the browser's cookie store held it.
#[derive(Clone, Debug)]
pub(crate) struct SeenCookie {
    pub name: String,
    pub domain: String,
    pub http_only: bool,
    pub secure: bool,
    /// Seconds the cookie had left when first seen; `None` for a session cookie.
    pub lifetime: Option<u64>,
}

#[derive(Clone, Debug)]
pub(crate) struct Sighting<T> {
    pub what: T,
    pub phases: BTreeSet<Phase>,
    pub first_page: String,
}

/// Everything one scan saw, merged over its phases.
#[derive(Debug, Default)]
pub(crate) struct Observed {
    pub banner_found: bool,
    pub phases: Vec<Phase>,
    pub visits: Vec<PageVisit>,
    pub notes: Vec<String>,
    pub cookies: BTreeMap<(String, String), Sighting<SeenCookie>>,
    pub keys: BTreeMap<(String, String, KindKey), Sighting<Kind>>,
    pub requests: BTreeMap<String, BTreeSet<Phase>>,
    /// For a cookie name, the script or response that set it, where the browser told.
    pub set_by: BTreeMap<String, String>,
    /// For a cookie name, the first page whose own scripts or responses set it.
    pub set_on: BTreeMap<String, String>,
}

/// `Kind` as a map key (it has no `Ord`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum KindKey {
    Local,
    Session,
}

impl Observed {
    pub(crate) fn cookie(&mut self, cookie: SeenCookie, phase: Phase, page: &str) {
        let key = (cookie.name.clone(), cookie.domain.clone());
        self.cookies
            .entry(key)
            .or_insert_with(|| Sighting {
                what: cookie,
                phases: BTreeSet::new(),
                first_page: page.to_owned(),
            })
            .phases
            .insert(phase);
    }

    pub(crate) fn key(&mut self, name: &str, origin: &str, local: bool, phase: Phase, page: &str) {
        let (kind, key) = if local {
            (Kind::LocalStorage, KindKey::Local)
        } else {
            (Kind::SessionStorage, KindKey::Session)
        };
        self.keys
            .entry((name.to_owned(), origin.to_owned(), key))
            .or_insert_with(|| Sighting {
                what: kind,
                phases: BTreeSet::new(),
                first_page: page.to_owned(),
            })
            .phases
            .insert(phase);
    }

    /// Adds what another phase saw; the first page and first script seen are kept.
    pub(crate) fn merge(&mut self, other: Observed) {
        self.visits.extend(other.visits);
        self.notes.extend(other.notes);
        for (key, seen) in other.cookies {
            let entry = self.cookies.entry(key).or_insert_with(|| Sighting {
                what: seen.what,
                phases: BTreeSet::new(),
                first_page: seen.first_page,
            });
            entry.phases.extend(seen.phases);
        }
        for (key, seen) in other.keys {
            let entry = self.keys.entry(key).or_insert_with(|| Sighting {
                what: seen.what,
                phases: BTreeSet::new(),
                first_page: seen.first_page,
            });
            entry.phases.extend(seen.phases);
        }
        for (host, phases) in other.requests {
            self.requests.entry(host).or_default().extend(phases);
        }
        for (name, by) in other.set_by {
            self.set_by.entry(name).or_insert(by);
        }
        for (name, page) in other.set_on {
            self.set_on.entry(name).or_insert(page);
        }
    }

    /// A page's script or response set the cookie `name`; the first page to do so is kept.
    pub(crate) fn set(&mut self, name: &str, by: &str, page: &str) {
        self.set_by
            .entry(name.to_owned())
            .or_insert_with(|| by.to_owned());
        self.set_on
            .entry(name.to_owned())
            .or_insert_with(|| page.to_owned());
    }

    pub(crate) fn request(&mut self, host: &str, phase: Phase) {
        self.requests
            .entry(host.to_ascii_lowercase())
            .or_default()
            .insert(phase);
    }
}
