//! The registry in one language, as visitors read it: built once per language when a registry is
//! served, and shared by the banner's configuration and the cookie-policy page, so both say the
//! same thing in the same words.

use std::ops::Not;

use serde::Serialize;

use crate::i18n::{self, LifetimeTexts, PolicyTexts, Texts};
use crate::registry::{Cookie, Kind, Lang, Lifetime, OwnStorage, Registry, Unit};

pub(crate) struct Localized {
    pub lang: Lang,
    pub site_name: String,
    pub texts: Texts,
    pub categories: Vec<LocalCategory>,
    /// Consentry's own cookie and storage key when no category is required to list them under
    /// (the page shows them on their own); else empty, and they are in that category.
    pub own: Vec<LocalCookie>,
}

/// A category in one language. Serialized, it is a category of the banner's configuration
/// (static/banner.js reads it), in this field order.
#[derive(Serialize)]
pub(crate) struct LocalCategory {
    pub id: String,
    #[serde(skip_serializing_if = "Not::not")]
    pub required: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub google_consent: Vec<&'static str>,
    pub title: String,
    pub description: String,
    pub cookies: Vec<LocalCookie>,
    /// Consentry's own cookie and storage key, in the first required category: on the policy
    /// page, not in the banner's configuration (the dialog lists what the file declares, and
    /// links to the page; the banner's size budget has no room for their texts).
    #[serde(skip)]
    pub own: Vec<LocalCookie>,
}

impl LocalCategory {
    /// Every cookie the policy page lists in this category: the declared ones, then Consentry's.
    pub(crate) fn listed(&self) -> impl Iterator<Item = &LocalCookie> {
        self.cookies.iter().chain(&self.own)
    }
}

/// A cookie in one language. Serialized, it is a cookie of the banner's configuration; the
/// fields it skips are the policy page's.
#[derive(Serialize)]
pub(crate) struct LocalCookie {
    pub name: String,
    /// Where the data is kept; the banner is told only when it is not a cookie.
    #[serde(skip_serializing_if = "is_cookie")]
    pub kind: Kind,
    /// Set on another site's domain, out of the page's reach.
    #[serde(skip_serializing_if = "Not::not")]
    pub third_party: bool,
    pub provider: String,
    #[serde(skip)]
    pub privacy_url: Option<String>,
    pub purpose: String,
    /// The lifetime in words: "13 months".
    pub expires: String,
    /// The kind in words: "Local storage".
    #[serde(skip)]
    pub kind_name: String,
    /// A pattern's name in words: "Any cookie of trackdiscovery.net", "Names starting with _ga_".
    #[serde(skip)]
    pub name_words: Option<String>,
    /// A third-party cookie's domain, without its leading dot.
    #[serde(skip)]
    pub domain: Option<String>,
}

fn is_cookie(kind: &Kind) -> bool {
    *kind == Kind::Cookie
}

impl Localized {
    pub(crate) fn new(registry: &Registry, lang: &Lang) -> Localized {
        let default = registry.default_lang();
        let texts = Texts::new(lang, registry.texts.get(lang));
        let site_name = registry.site.name.get(lang, default);
        let kind_name = |kind: Kind| {
            match kind {
                Kind::Cookie => &texts.policy.kind_cookie,
                Kind::LocalStorage => &texts.policy.kind_local_storage,
                Kind::SessionStorage => &texts.policy.kind_session_storage,
                Kind::Pixel => &texts.policy.kind_pixel,
            }
            .clone()
        };
        let cookie = |k: &Cookie| {
            let third_party = !registry.site.is_first_party(k.domain.as_deref());
            // Where a pattern matches: its own domain, else the site's.
            let domain = k
                .domain
                .as_deref()
                .unwrap_or(registry.site.url.host())
                .trim_start_matches('.');
            LocalCookie {
                name: k.name.as_str().to_owned(),
                kind: k.kind,
                third_party,
                provider: registry.provider_name(k, lang).to_owned(),
                privacy_url: k.privacy_url.as_ref().map(|u| u.as_str().to_owned()),
                purpose: k.purpose.get(lang, default).to_owned(),
                expires: lifetime(&texts.lifetime, lang, k.expires),
                kind_name: kind_name(k.kind),
                name_words: name_words(&texts.policy, k.name.as_str(), domain),
                domain: third_party.then(|| domain.to_owned()),
            }
        };
        let own = |own: OwnStorage| LocalCookie {
            name: own.name().to_owned(),
            kind: own.kind(),
            third_party: false,
            provider: site_name.to_owned(),
            privacy_url: None,
            purpose: match own {
                OwnStorage::Decision => &texts.policy.own_cookie_purpose,
                OwnStorage::Pending => &texts.policy.own_pending_purpose,
                OwnStorage::Discovered => &texts.policy.own_discovered_purpose,
            }
            .clone(),
            expires: match own {
                OwnStorage::Decision => {
                    lifetime(&texts.lifetime, lang, registry.decision_lifetime())
                }
                OwnStorage::Pending => texts.lifetime.until_delivered.clone(),
                // Each day's list replaces the last one's, or the key goes when there is none.
                OwnStorage::Discovered => lifetime(
                    &texts.lifetime,
                    lang,
                    Lifetime::For {
                        count: 1,
                        unit: Unit::Day,
                    },
                ),
            },
            kind_name: kind_name(own.kind()),
            name_words: None,
            domain: None,
        };
        let mut own_storage: Vec<LocalCookie> =
            registry.own_storage().into_iter().map(own).collect();
        let home = registry.categories.iter().position(|c| c.required);
        let mut categories: Vec<LocalCategory> = Vec::new();
        for (i, c) in registry.categories.iter().enumerate() {
            categories.push(LocalCategory {
                id: c.id.to_string(),
                required: c.required,
                google_consent: c.google_consent.clone(),
                title: c.title.get(lang, default).to_owned(),
                description: c.description.get(lang, default).to_owned(),
                cookies: registry.cookies_in(&c.id).map(cookie).collect(),
                own: if home == Some(i) {
                    std::mem::take(&mut own_storage)
                } else {
                    Vec::new()
                },
            });
        }
        Localized {
            lang: lang.clone(),
            site_name: site_name.to_owned(),
            categories,
            own: own_storage,
            texts,
        }
    }
}

/// A name pattern in words, or nothing for an exact name: `*` is any cookie of its domain, a
/// trailing `*` a prefix, any other `*` a pattern.
fn name_words(words: &PolicyTexts, name: &str, domain: &str) -> Option<String> {
    if !name.contains('*') {
        return None;
    }
    Some(if name.bytes().all(|b| b == b'*') {
        words.name_any.replace("{domain}", domain)
    } else if let Some(prefix) = name.strip_suffix('*').filter(|p| !p.contains('*')) {
        words.name_prefix.replace("{prefix}", prefix)
    } else {
        words.name_pattern.replace("{pattern}", name)
    })
}

/// A lifetime in words: "Session", "13 months", "1 an", "5 lat".
fn lifetime(words: &LifetimeTexts, lang: &Lang, lifetime: Lifetime) -> String {
    let Lifetime::For { count, unit } = lifetime else {
        return words.session.clone();
    };
    let forms = match unit {
        Unit::Minute => &words.unit_minute,
        Unit::Hour => &words.unit_hour,
        Unit::Day => &words.unit_day,
        Unit::Week => &words.unit_week,
        Unit::Month => &words.unit_month,
        Unit::Year => &words.unit_year,
    };
    i18n::counted(lang, count, forms)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn localized(lang: &str) -> Localized {
        let src = format!(
            r#"
[site]
name = "Example"
url = "https://www.example.com"
languages = ["{lang}"]

[[category]]
id = "necessary"
title = "Necessary"
description = "Needed for the site to work."
required = true

[[cookie]]
name = "sid"
category = "necessary"
purpose = "Keeps the session."
expires = "5 years"
kind = "local-storage"
"#
        );
        let loaded = crate::registry::parse("t.toml", &src).expect("valid registry");
        Localized::new(&loaded.registry, &Lang::parse(lang).expect("language tag"))
    }

    #[test]
    fn lifetimes_and_kinds_are_written_in_the_visitors_language() {
        let pl = localized("pl");
        let cookie = &pl.categories[0].cookies[0];
        assert_eq!(cookie.expires, "5 lat");
        assert_eq!(cookie.kind_name, "Pamięć lokalna");
        let session = lifetime(&pl.texts.lifetime, &pl.lang, Lifetime::Session);
        assert_eq!(session, "Sesja");
        assert_eq!(localized("en").categories[0].cookies[0].expires, "5 years");
    }
}
