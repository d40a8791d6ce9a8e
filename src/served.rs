//! What the service serves for one registry: the registry itself, its JSON, and the exact
//! banner configuration of each language with its `shown` hash. Built once per load and swapped
//! whole, so a request never sees half of one registry and half of another.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock, RwLock};

use serde::Serialize;

use crate::i18n::UiTexts;
use crate::registry::{Kind, Lang, Registry, short_hash};

/// Identifies the banner code and styles that render a snapshot; part of every `shown` hash.
pub static BANNER_VERSION: LazyLock<&'static str> = LazyLock::new(crate::banner::version);

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
    /// `banner.js` with every snapshot inside, compressed.
    pub banner: crate::banner::Bundle,
}

impl Served {
    pub fn build(registry: Registry) -> Served {
        let snapshots: BTreeMap<Lang, Snapshot> = registry
            .site
            .languages
            .iter()
            .map(|lang| {
                let json = crate::banner::script_safe_json(&BannerConfig::new(&registry, lang));
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
        let banner = crate::banner::Bundle::build(&snapshots, registry.default_lang());
        Served {
            registry,
            registry_json,
            registry_etag,
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

/// The banner's configuration in one language: everything the visitor can read in it.
#[derive(Serialize)]
pub struct BannerConfig {
    // Fields that are the same in every language come first: the served script holds every
    // language, and brotli compresses long runs repeated across them best.
    pub banner: &'static str,
    pub revision: String,
    pub site: String,
    pub consent_days: u32,
    pub honor_gpc: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cookie_domain: Option<String>,
    pub floating_button: bool,
    pub language: String,
    pub policy_url: String,
    pub categories: Vec<BannerCategory>,
    pub texts: BTreeMap<&'static str, String>,
}

#[derive(Serialize)]
pub struct BannerCategory {
    pub id: String,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub required: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub google_consent: Vec<&'static str>,
    pub title: String,
    pub description: String,
    pub cookies: Vec<BannerCookie>,
}

#[derive(Serialize)]
pub struct BannerCookie {
    pub name: String,
    /// Where the data is kept, when not in a cookie.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<Kind>,
    /// Set on another site's domain, out of the page's reach.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub third_party: bool,
    pub provider: String,
    pub purpose: String,
    pub expires: String,
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
                        kind: (k.kind != Kind::Cookie).then_some(k.kind),
                        third_party: !registry.site.is_first_party(k.domain.as_deref()),
                    })
                    .collect(),
            })
            .collect();
        BannerConfig {
            banner: *BANNER_VERSION,
            revision: registry.revision.clone(),
            language: lang.to_string(),
            site: registry.site.name.get(lang, default).to_owned(),
            policy_url: format!("/cookie-policy?lang={lang}"),
            consent_days: registry.site.consent_days,
            honor_gpc: registry.site.honor_gpc,
            cookie_domain: registry.site.cookie_domain.clone(),
            floating_button: registry.banner.floating_button,
            categories,
            texts: texts
                .map()
                .iter()
                .filter(|(key, _)| crate::banner::TEXT_KEYS.contains(key))
                .map(|(key, text)| (*key, text.clone()))
                .collect(),
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
