//! The validated registry: every value here has passed the loader's rules, so the rest of the
//! service never re-checks them.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

use super::lifetime::Lifetime;
pub use crate::i18n::Lang;
use crate::url::{HttpUrl, Origin};

/// A text in one or more languages; always holds the registry's default language.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Text(BTreeMap<Lang, String>);

impl Text {
    /// Builds a text; the loader has checked that `default` is present.
    pub(crate) fn new(by_lang: BTreeMap<Lang, String>) -> Text {
        Text(by_lang)
    }

    /// The text in `lang`, else in `default`.
    pub fn get<'a>(&'a self, lang: &Lang, default: &Lang) -> &'a str {
        self.0
            .get(lang)
            .or_else(|| self.0.get(default))
            .map(String::as_str)
            .unwrap_or_default()
    }
}

/// A category id: `[a-z0-9_-]+`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct CategoryId(String);

impl CategoryId {
    pub fn parse(s: &str) -> Option<CategoryId> {
        let ok = !s.is_empty()
            && s.len() <= 64
            && s.bytes()
                .all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'_' | b'-'));
        ok.then(|| CategoryId(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CategoryId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A cookie name (an RFC 6265 token) or a pattern with `*`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct CookieName(String);

impl CookieName {
    pub fn parse(s: &str) -> Option<CookieName> {
        const SEPARATORS: &[u8] = b"()<>@,;:\\\"/[]?={} \t";
        let ok = !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_graphic() && (!SEPARATORS.contains(&b)));
        ok.then(|| CookieName(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn is_pattern(&self) -> bool {
        self.0.contains('*')
    }

    /// True when `name` is this name, or fits this pattern (`*` stands for any run of
    /// characters, none included). Case matters: browsers keep `_GA` and `_ga` apart.
    pub fn matches(&self, name: &str) -> bool {
        glob(self.0.as_bytes(), name.as_bytes())
    }
}

/// `*`-only wildcard matching, greedy with backtracking to the last star: linear for the
/// patterns registries hold (a star or two).
fn glob(pattern: &[u8], text: &[u8]) -> bool {
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() && pattern[p] == b'*' {
            star = Some((p, t));
            p += 1;
        } else if p < pattern.len() && pattern[p] == text[t] {
            p += 1;
            t += 1;
        } else if let Some((sp, st)) = star {
            p = sp + 1;
            t = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&b| b == b'*')
}

/// Where a tracker keeps its data.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    Cookie,
    LocalStorage,
    SessionStorage,
    Pixel,
}

impl Kind {
    const ALL: [Kind; 4] = [
        Kind::Cookie,
        Kind::LocalStorage,
        Kind::SessionStorage,
        Kind::Pixel,
    ];

    pub const NAMES: [&'static str; 4] = [
        Kind::ALL[0].as_str(),
        Kind::ALL[1].as_str(),
        Kind::ALL[2].as_str(),
        Kind::ALL[3].as_str(),
    ];

    /// As `cookies.toml` writes it.
    pub const fn as_str(self) -> &'static str {
        match self {
            Kind::Cookie => "cookie",
            Kind::LocalStorage => "local-storage",
            Kind::SessionStorage => "session-storage",
            Kind::Pixel => "pixel",
        }
    }

    /// What one of this kind is called in messages: "cookie", "local-storage key".
    pub fn noun(self) -> &'static str {
        match self {
            Kind::Cookie => "cookie",
            Kind::LocalStorage => "local-storage key",
            Kind::SessionStorage => "session-storage key",
            Kind::Pixel => "pixel",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// The Google Consent Mode v2 signals a category may grant.
pub const GOOGLE_SIGNALS: [&str; 7] = [
    "ad_storage",
    "ad_user_data",
    "ad_personalization",
    "analytics_storage",
    "functionality_storage",
    "personalization_storage",
    "security_storage",
];

#[derive(Clone, Debug, Serialize)]
pub struct Site {
    pub name: Text,
    pub url: HttpUrl,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact: Option<String>,
    pub origins: Vec<Origin>,
    pub languages: Vec<Lang>,
    pub consent_days: u32,
    pub honor_gpc: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cookie_domain: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "iso_date")]
    pub updated: Option<time::Date>,
}

/// `2026-11-01`, as written in `cookies.toml`.
fn iso_date<S: serde::Serializer>(date: &Option<time::Date>, s: S) -> Result<S::Ok, S::Error> {
    match date {
        Some(d) => s.collect_str(d),
        None => s.serialize_none(),
    }
}

impl Site {
    /// The default language: the first of `languages`.
    pub fn default_lang(&self) -> &Lang {
        &self.languages[0]
    }

    /// True when `domain` (a cookie's `domain`) belongs to the site's own host.
    pub fn is_first_party(&self, domain: Option<&str>) -> bool {
        let Some(domain) = domain else { return true };
        let d = domain.trim_start_matches('.').to_ascii_lowercase();
        let host = self.url.host().to_ascii_lowercase();
        within(&host, &d) || within(&d, &host)
    }
}

/// Whether `host` is `domain` or one of its subdomains (both lower-case, without a leading dot).
pub(crate) fn within(host: &str, domain: &str) -> bool {
    host.strip_suffix(domain)
        .is_some_and(|rest| rest.is_empty() || rest.ends_with('.'))
}

#[derive(Clone, Debug, Serialize)]
pub struct Category {
    pub id: CategoryId,
    pub title: Text,
    pub description: Text,
    pub required: bool,
    pub google_consent: Vec<&'static str>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Cookie {
    pub name: CookieName,
    pub category: CategoryId,
    /// `None` means the site itself.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider: Option<Text>,
    pub purpose: Text,
    pub expires: Lifetime,
    pub kind: Kind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub privacy_url: Option<HttpUrl>,
}

/// The cookie the banner keeps the visitor's decision in (CONTRACT §4.4).
pub const DECISION_COOKIE: &str = "consentry";
/// The `localStorage` key the banner keeps a decision in until the service has received it.
pub const PENDING_KEY: &str = "consentry:pending";
/// The `localStorage` key the banner's discovery (`[banner] discover`) keeps the names it
/// reported today in, so that it reports each at most once a day.
pub const DISCOVERED_KEY: &str = "consentry:discovered";

/// What Consentry itself keeps in the visitor's browser: not declared in `cookies.toml`, but
/// disclosed with the site's cookies all the same.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OwnStorage {
    /// The `consentry` cookie: the decision, for `consent_days`.
    Decision,
    /// The `consentry:pending` key: a decision whose post was not yet acknowledged.
    Pending,
    /// The `consentry:discovered` key: the undeclared names reported today, with
    /// `[banner] discover` only.
    Discovered,
}

impl OwnStorage {
    pub fn name(self) -> &'static str {
        match self {
            OwnStorage::Decision => DECISION_COOKIE,
            OwnStorage::Pending => PENDING_KEY,
            OwnStorage::Discovered => DISCOVERED_KEY,
        }
    }

    pub fn kind(self) -> Kind {
        match self {
            OwnStorage::Decision => Kind::Cookie,
            OwnStorage::Pending | OwnStorage::Discovered => Kind::LocalStorage,
        }
    }
}

/// What declares an item a browser holds (`Registry::covering`).
#[derive(Clone, Copy, Debug)]
pub enum Covering<'a> {
    /// A `[[cookie]]` of the file.
    Entry(&'a Cookie),
    /// What Consentry itself keeps, disclosed under the first required category.
    Own(OwnStorage),
}

/// Presentation switches for the banner (`[banner]` in `cookies.toml`).
#[derive(Clone, Debug, Default, Serialize)]
pub struct BannerOptions {
    /// Show a small floating button that reopens the preferences after a decision.
    pub floating_button: bool,
    /// Report the names of undeclared cookies and storage keys that visitors' pages hold
    /// (`POST /api/v1/discoveries`); off, the served banner carries none of that code.
    pub discover: bool,
}

/// A loaded, valid registry.
#[derive(Clone, Debug, Serialize)]
pub struct Registry {
    pub site: Site,
    pub categories: Vec<Category>,
    pub cookies: Vec<Cookie>,
    pub banner: BannerOptions,
    /// Per-site overrides of the built-in interface texts, by language then key.
    pub texts: BTreeMap<Lang, BTreeMap<String, String>>,
    pub revision: String,
}

impl Registry {
    pub fn default_lang(&self) -> &Lang {
        self.site.default_lang()
    }

    pub fn category(&self, id: &str) -> Option<&Category> {
        self.categories.iter().find(|c| c.id.as_str() == id)
    }

    pub fn cookies_in<'a>(&'a self, id: &'a CategoryId) -> impl Iterator<Item = &'a Cookie> + 'a {
        self.cookies.iter().filter(move |c| &c.category == id)
    }

    /// The provider's name in `lang`; the site's name when the cookie is the site's own.
    pub fn provider_name<'a>(&'a self, cookie: &'a Cookie, lang: &Lang) -> &'a str {
        let default = self.default_lang();
        cookie
            .provider
            .as_ref()
            .unwrap_or(&self.site.name)
            .get(lang, default)
    }

    /// What Consentry keeps in the visitor's browser besides the declared cookies, unless the
    /// file declares it itself: the policy page (and the banner's dialog) list these under the
    /// first required category.
    // `consentry scan` must count these as declared too: take them from here.
    pub fn own_storage(&self) -> Vec<OwnStorage> {
        let discovered = self.banner.discover.then_some(OwnStorage::Discovered);
        [OwnStorage::Decision, OwnStorage::Pending]
            .into_iter()
            .chain(discovered)
            .filter(|own| {
                !self
                    .cookies
                    .iter()
                    .any(|c| c.name.as_str() == own.name() && c.kind == own.kind())
            })
            .collect()
    }

    /// Whether the registry covers what a page on `host` holds under `name` (`covering`).
    pub fn declares(&self, name: &str, kind: Kind, host: &str) -> bool {
        self.covering(name, kind, host).is_some()
    }

    /// What covers what a page on `host` holds under `name`: a `[[cookie]]` of that kind whose
    /// name or `*` pattern fits it (an exact name before a pattern) and whose `domain`, if it
    /// has one, is `host` or a parent of it (an entry of another site's domain is not what this
    /// page holds), else Consentry's own storage.
    pub fn covering(&self, name: &str, kind: Kind, host: &str) -> Option<Covering<'_>> {
        let host = host.to_ascii_lowercase();
        let reaches = |domain: &Option<String>| {
            domain
                .as_deref()
                .is_none_or(|d| within(&host, &d.trim_start_matches('.').to_ascii_lowercase()))
        };
        let entry = self
            .cookies
            .iter()
            .filter(|c| c.kind == kind && reaches(&c.domain) && c.name.matches(name))
            .min_by_key(|c| c.name.is_pattern());
        if let Some(cookie) = entry {
            return Some(Covering::Entry(cookie));
        }
        self.own_storage()
            .into_iter()
            .find(|own| own.kind() == kind && own.name() == name)
            .map(Covering::Own)
    }

    /// How long the `consentry` cookie lives: `consent_days`.
    pub fn decision_lifetime(&self) -> Lifetime {
        Lifetime::For {
            count: self.site.consent_days,
            unit: super::lifetime::Unit::Day,
        }
    }

    /// The best of the registry's languages for `wanted`, matching `pt-br` to `pt` and back.
    pub fn pick_lang(&self, wanted: &Lang) -> Option<&Lang> {
        let langs = &self.site.languages;
        langs
            .iter()
            .find(|l| *l == wanted)
            .or_else(|| langs.iter().find(|l| l.primary() == wanted.primary()))
    }
}

#[cfg(test)]
mod tests {
    use super::CookieName;

    fn matches(pattern: &str, name: &str) -> bool {
        CookieName::parse(pattern).unwrap().matches(name)
    }

    #[test]
    fn exact_names_match_only_themselves() {
        assert!(matches("_ga", "_ga"));
        assert!(!matches("_ga", "_gat"));
        assert!(!matches("_ga", "_GA"));
    }

    #[test]
    fn a_star_stands_for_any_run_of_characters() {
        assert!(matches("_ga_*", "_ga_ABC123"));
        assert!(matches("_ga_*", "_ga_"));
        assert!(!matches("_ga_*", "_ga"));
        assert!(matches("*", "anything"));
        assert!(matches("wp-settings-*-time", "wp-settings-1-time"));
        assert!(!matches("wp-settings-*-time", "wp-settings-1-times"));
        assert!(matches("a*b*c", "axxbyyc"));
        assert!(!matches("a*b*c", "axxbyy"));
    }
}
