//! What the service serves for one registry: the registry itself, its JSON, and the exact
//! banner configuration of each language with its `shown` hash. Built once per load and swapped
//! whole, so a request never sees half of one registry and half of another.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use serde::Serialize;

use crate::i18n::UiTexts;
use crate::registry::{Lang, Registry, short_hash};

/// Identifies the banner code that renders a snapshot; part of every `shown` hash.
pub const BANNER_VERSION: &str = concat!("consentry-", env!("CARGO_PKG_VERSION"));

/// What the banner shows in one language, exactly as served.
#[derive(Clone, Debug)]
pub struct Snapshot {
    /// Content address of `json`.
    pub shown: String,
    pub json: Vec<u8>,
}

pub struct Served {
    pub registry: Registry,
    pub registry_json: actix_web::web::Bytes,
    pub registry_etag: String,
    pub snapshots: BTreeMap<Lang, Snapshot>,
}

impl Served {
    pub fn build(registry: Registry) -> Served {
        let snapshots: BTreeMap<Lang, Snapshot> = registry
            .site
            .languages
            .iter()
            .map(|lang| {
                let json = serde_json::to_vec(&BannerConfig::new(&registry, lang))
                    .expect("plain data serializes");
                let shown = short_hash(&json, 16);
                (lang.clone(), Snapshot { shown, json })
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
        Served {
            registry,
            registry_json,
            registry_etag,
            snapshots,
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

/// The banner's configuration in one language: everything the visitor can read in it.
#[derive(Serialize)]
pub struct BannerConfig {
    pub banner: &'static str,
    pub revision: String,
    pub language: String,
    pub site: String,
    pub policy_url: String,
    pub consent_days: u32,
    pub honor_gpc: bool,
    pub cookie_domain: Option<String>,
    pub floating_button: bool,
    pub categories: Vec<BannerCategory>,
    pub texts: BTreeMap<&'static str, String>,
}

#[derive(Serialize)]
pub struct BannerCategory {
    pub id: String,
    pub title: String,
    pub description: String,
    pub required: bool,
    pub google_consent: Vec<&'static str>,
    pub cookies: Vec<BannerCookie>,
}

#[derive(Serialize)]
pub struct BannerCookie {
    pub name: String,
    pub provider: String,
    pub purpose: String,
    pub expires: String,
    pub domain: Option<String>,
}

impl BannerConfig {
    pub fn new(registry: &Registry, lang: &Lang) -> BannerConfig {
        let default = registry.default_lang();
        let texts = UiTexts::new(registry, lang);
        let categories = registry
            .categories
            .iter()
            .map(|c| BannerCategory {
                id: c.id.to_string(),
                title: c.title.get(lang, default).to_owned(),
                description: c.description.get(lang, default).to_owned(),
                required: c.required,
                google_consent: c.google_consent.clone(),
                cookies: registry
                    .cookies_in(&c.id)
                    .map(|k| BannerCookie {
                        name: k.name.as_str().to_owned(),
                        provider: registry.provider_name(k, lang).to_owned(),
                        purpose: k.purpose.get(lang, default).to_owned(),
                        expires: texts.lifetime(k.expires),
                        domain: k.domain.clone(),
                    })
                    .collect(),
            })
            .collect();
        BannerConfig {
            banner: BANNER_VERSION,
            revision: registry.revision.clone(),
            language: lang.to_string(),
            site: registry.site.name.get(lang, default).to_owned(),
            policy_url: format!("/cookie-policy?lang={lang}"),
            consent_days: registry.site.consent_days,
            honor_gpc: registry.site.honor_gpc,
            cookie_domain: registry.site.cookie_domain.clone(),
            floating_button: registry.banner.floating_button,
            categories,
            texts: texts.map().clone(),
        }
    }
}

/// The registry being served, replaced whole on reload.
#[derive(Clone)]
pub struct Live {
    path: PathBuf,
    current: Arc<RwLock<Arc<Served>>>,
}

impl Live {
    pub fn new(path: PathBuf, served: Served) -> Live {
        Live {
            path,
            current: Arc::new(RwLock::new(Arc::new(served))),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn get(&self) -> Arc<Served> {
        match self.current.read() {
            Ok(guard) => guard.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    pub fn replace(&self, served: Served) {
        let served = Arc::new(served);
        match self.current.write() {
            Ok(mut guard) => *guard = served,
            Err(poisoned) => *poisoned.into_inner() = served,
        }
    }
}
