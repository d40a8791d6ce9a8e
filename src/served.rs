//! What the service serves for one registry: the registry itself, its JSON, the registry in each
//! of its languages, and the exact banner configuration of each language with its `shown` hash. Built once per load and swapped
//! whole, so a request never sees half of one registry and half of another.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use serde::Serialize;

use crate::banner::{BannerConfig, Bundle, Discovery, Snapshot};
use crate::localized::Localized;
use crate::registry::{Lang, Registry, short_hash};

pub(crate) struct Served {
    pub registry: Registry,
    pub registry_json: actix_web::web::Bytes,
    pub registry_etag: String,
    /// The registry in each of its languages, for the banner and the policy page.
    pub views: BTreeMap<Lang, Localized>,
    pub snapshots: BTreeMap<Lang, Snapshot>,
    /// `banner.js` with every snapshot inside, compressed.
    pub banner: Bundle,
}

impl Served {
    pub(crate) fn build(registry: Registry) -> Served {
        let views: BTreeMap<Lang, Localized> = registry
            .site
            .languages
            .iter()
            .map(|lang| (lang.clone(), Localized::new(&registry, lang)))
            .collect();
        let snapshots: BTreeMap<Lang, Snapshot> = views
            .iter()
            .map(|(lang, view)| {
                let config = BannerConfig::new(&registry, view);
                (lang.clone(), Snapshot::of(&config))
            })
            .collect();
        let shown: BTreeMap<&Lang, &str> = snapshots
            .iter()
            .map(|(l, s)| (l, s.shown.as_str()))
            .collect();
        let registry_json: actix_web::web::Bytes = serde_json::to_vec(&RegistryJson {
            site: &registry.site,
            revision: &registry.revision,
            shown,
            languages: &registry.site.languages,
            categories: &registry.categories,
            cookies: &registry.cookies,
        })
        .expect("plain data serializes")
        .into();
        let registry_etag = format!("\"{}\"", short_hash(&registry_json, 16));
        let discovery = Discovery::of(&registry);
        let banner = Bundle::build(&snapshots, registry.default_lang(), discovery.as_ref());
        Served {
            registry,
            registry_json,
            registry_etag,
            views,
            snapshots,
            banner,
        }
    }
}

#[derive(Serialize)]
struct RegistryJson<'a> {
    site: &'a crate::registry::Site,
    revision: &'a str,
    shown: BTreeMap<&'a Lang, &'a str>,
    languages: &'a [Lang],
    categories: &'a [crate::registry::Category],
    cookies: &'a [crate::registry::Cookie],
}

/// The registry being served, replaced whole on reload.
#[derive(Clone)]
pub(crate) struct Live {
    path: PathBuf,
    current: Arc<RwLock<Arc<Served>>>,
}

impl Live {
    pub(crate) fn new(path: PathBuf, served: Served) -> Live {
        Live {
            path,
            current: Arc::new(RwLock::new(Arc::new(served))),
        }
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    pub(crate) fn get(&self) -> Arc<Served> {
        match self.current.read() {
            Ok(guard) => guard.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    pub(crate) fn replace(&self, served: Served) {
        let served = Arc::new(served);
        match self.current.write() {
            Ok(mut guard) => *guard = served,
            Err(poisoned) => *poisoned.into_inner() = served,
        }
    }
}
