//! The banner's configuration in one language: everything the visitor can read in it, as
//! static/banner.js reads it (its opening comment writes the shape down), and the snapshot that
//! archives it byte for byte under its `shown` hash.

use serde::Serialize;

use super::bundle::script_safe_json;
use super::code::version;
use crate::i18n::BannerTexts;
use crate::localized::{LocalCategory, Localized};
use crate::registry::{Lang, Registry, short_hash};

#[derive(Serialize)]
pub(crate) struct BannerConfig<'a> {
    // Fields that are the same in every language come first: the served script holds every
    // language, and brotli compresses long runs repeated across them best.
    pub banner: &'static str,
    pub revision: &'a str,
    pub site: &'a str,
    pub consent_days: u32,
    pub honor_gpc: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cookie_domain: Option<&'a str>,
    pub floating_button: bool,
    pub language: &'a Lang,
    pub policy_url: String,
    pub categories: &'a [LocalCategory],
    pub texts: &'a BannerTexts,
}

impl<'a> BannerConfig<'a> {
    pub(crate) fn new(registry: &'a Registry, view: &'a Localized) -> BannerConfig<'a> {
        let site = &registry.site;
        BannerConfig {
            banner: version(),
            revision: &registry.revision,
            site: &view.site_name,
            consent_days: site.consent_days,
            honor_gpc: site.honor_gpc,
            cookie_domain: site.cookie_domain.as_deref(),
            floating_button: registry.banner.floating_button,
            language: &view.lang,
            policy_url: format!("/cookie-policy?lang={}", view.lang),
            categories: &view.categories,
            texts: &view.texts.banner,
        }
    }
}

/// What the banner shows in one language, exactly as served.
#[derive(Clone, Debug)]
pub(crate) struct Snapshot {
    /// Content address of `json`.
    pub shown: String,
    pub json: Vec<u8>,
}

impl Snapshot {
    pub(crate) fn of(config: &BannerConfig) -> Snapshot {
        let json = script_safe_json(config);
        let shown = short_hash(&json, 16);
        Snapshot { shown, json }
    }
}
