//! The validated registry: every value here has passed the loader's rules, so the rest of the
//! service never re-checks them.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

use super::lifetime::Lifetime;

/// A language tag such as `en` or `pt-br`, lower-cased.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct Lang(String);

impl Lang {
    pub fn parse(s: &str) -> Option<Lang> {
        let lower = s.trim().to_ascii_lowercase().replace('_', "-");
        let mut parts = lower.split('-');
        let primary = parts.next()?;
        let primary_ok =
            (2..=3).contains(&primary.len()) && primary.bytes().all(|b| b.is_ascii_lowercase());
        let rest_ok = parts
            .all(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()));
        (primary_ok && rest_ok).then_some(Lang(lower))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The primary subtag: `pt` for `pt-br`.
    pub fn primary(&self) -> &str {
        self.0.split('-').next().unwrap_or(&self.0)
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

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
}

/// An origin: scheme, host and optional port, no path (`https://www.example.com`), lower-cased
/// and without the scheme's default port: exactly what a browser sends as `Origin`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Origin(String);

impl Origin {
    pub fn parse(s: &str) -> Result<Origin, UrlError> {
        let url = HttpUrl::parse(s)?;
        if !matches!(url.rest(), "" | "/") {
            return Err(UrlError::NotAnOrigin);
        }
        Ok(Origin::of(&url))
    }

    /// The origin of a URL.
    pub fn of(url: &HttpUrl) -> Origin {
        // Browsers leave the scheme's default port out of `Origin`; so must we, to match it.
        let port = match (url.scheme(), url.port()) {
            ("http", Some(80)) | ("https", Some(443)) | (_, None) => String::new(),
            (_, Some(port)) => format!(":{port}"),
        };
        Origin(format!("{}://{}{port}", url.scheme(), url.host()).to_ascii_lowercase())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Why a text is not an acceptable `http(s)` URL or origin.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum UrlError {
    #[error("an absolute URL starts with https:// or http://")]
    NotHttp,
    #[error("a URL cannot contain spaces, control characters or backslashes")]
    BadCharacter,
    #[error(
        "the URL carries a user name or password before '@', which would hide its real host; write only the host, e.g. \"https://www.example.com\""
    )]
    UserInfo,
    #[error("the URL has no valid host name")]
    Host,
    #[error("the port is not a number from 0 to 65535")]
    Port,
    #[error("an origin has no path, query or fragment (e.g. \"https://www.example.com\")")]
    NotAnOrigin,
}

/// An absolute `http` or `https` URL without user name or password, its parts located.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpUrl {
    text: String,
    host: std::ops::Range<usize>,
    port: Option<u16>,
    /// Where the path (or query, or fragment) starts: the end of the authority.
    rest: usize,
}

/// The parts of an `http(s)` URL's authority, user info allowed: what `HttpUrl` refuses and
/// what `Page` drops.
pub(crate) struct Authority<'a> {
    pub scheme: &'a str,
    pub user_info: Option<&'a str>,
    pub host: &'a str,
    pub port: Option<u16>,
    /// The path, query and fragment, as written.
    pub rest: &'a str,
}

impl<'a> Authority<'a> {
    /// Splits as RFC 3986 does: the authority ends at the first `/`, `?` or `#`, and the host
    /// follows its last `@`, so `https://a.example:80@b.example/` is a URL of `b.example`.
    pub(crate) fn parse(s: &'a str) -> Result<Authority<'a>, UrlError> {
        let (scheme, after) = if let Some(after) = s.strip_prefix("https://") {
            ("https", after)
        } else if let Some(after) = s.strip_prefix("http://") {
            ("http", after)
        } else {
            return Err(UrlError::NotHttp);
        };
        // A backslash is a slash to browsers but not to RFC 3986: refuse the ambiguity.
        if s.chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '\\')
        {
            return Err(UrlError::BadCharacter);
        }
        let end = after.find(['/', '?', '#']).unwrap_or(after.len());
        let (authority, rest) = after.split_at(end);
        let (user_info, host_port) = match authority.rsplit_once('@') {
            Some((info, host_port)) => (Some(info), host_port),
            None => (None, authority),
        };
        // An IPv6 literal holds colons; its port follows the closing bracket.
        let host_end = if host_port.starts_with('[') {
            host_port.find(']').map_or(host_port.len(), |i| i + 1)
        } else {
            host_port.find(':').unwrap_or(host_port.len())
        };
        let (host, port) = host_port.split_at(host_end);
        if !valid_host(host) {
            return Err(UrlError::Host);
        }
        let port = match port.strip_prefix(':') {
            None if port.is_empty() => None,
            None => return Err(UrlError::Host),
            Some(digits) if digits.bytes().all(|b| b.is_ascii_digit()) => {
                Some(digits.parse::<u16>().map_err(|_| UrlError::Port)?)
            }
            Some(_) => return Err(UrlError::Port),
        };
        Ok(Authority {
            scheme,
            user_info,
            host,
            port,
            rest,
        })
    }
}

/// A DNS name or IP literal: letters, digits, `-` and `.` with no empty label, or `[IPv6]`.
fn valid_host(host: &str) -> bool {
    if let Some(inner) = host.strip_prefix('[') {
        return inner
            .strip_suffix(']')
            .is_some_and(|ip| ip.parse::<std::net::Ipv6Addr>().is_ok());
    }
    let name = host.strip_suffix('.').unwrap_or(host);
    !name.is_empty()
        && name.split('.').all(|label| {
            !label.is_empty()
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

impl HttpUrl {
    pub fn parse(s: &str) -> Result<HttpUrl, UrlError> {
        let parts = Authority::parse(s)?;
        if parts.user_info.is_some() {
            return Err(UrlError::UserInfo);
        }
        let start = parts.scheme.len() + "://".len();
        Ok(HttpUrl {
            text: s.to_owned(),
            host: start..start + parts.host.len(),
            port: parts.port,
            rest: s.len() - parts.rest.len(),
        })
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// `http` or `https`.
    pub fn scheme(&self) -> &str {
        self.text.split_once(':').map_or("", |(scheme, _)| scheme)
    }

    pub fn host(&self) -> &str {
        &self.text[self.host.clone()]
    }

    pub fn port(&self) -> Option<u16> {
        self.port
    }

    /// The path, query and fragment, as written.
    fn rest(&self) -> &str {
        &self.text[self.rest..]
    }
}

impl Serialize for HttpUrl {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text)
    }
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
    pub const NAMES: [&'static str; 4] = ["cookie", "local-storage", "session-storage", "pixel"];

    pub fn parse(s: &str) -> Option<Kind> {
        Some(match s {
            "cookie" => Kind::Cookie,
            "local-storage" => Kind::LocalStorage,
            "session-storage" => Kind::SessionStorage,
            "pixel" => Kind::Pixel,
            _ => return None,
        })
    }

    /// The key of this kind's name among the interface texts.
    pub fn text_key(self) -> &'static str {
        match self {
            Kind::Cookie => "kind_cookie",
            Kind::LocalStorage => "kind_local_storage",
            Kind::SessionStorage => "kind_session_storage",
            Kind::Pixel => "kind_pixel",
        }
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
        host == d || host.ends_with(&format!(".{d}")) || d.ends_with(&format!(".{host}"))
    }
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

/// Presentation switches for the banner (`[banner]` in `cookies.toml`).
#[derive(Clone, Debug, Default, Serialize)]
pub struct BannerOptions {
    /// Show a small floating button that reopens the preferences after a decision.
    pub floating_button: bool,
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
    use super::*;

    #[test]
    fn urls_locate_their_host_and_port() {
        let cases = [
            ("https://www.example.com", "www.example.com", None),
            ("http://example.com:8080/p?q#f", "example.com", Some(8080)),
            ("https://[2001:db8::1]:8443/", "[2001:db8::1]", Some(8443)),
            ("https://example.com?next=a@b.example", "example.com", None),
            ("https://example.com/path@not-a-host", "example.com", None),
        ];
        for (input, host, port) in cases {
            let url = HttpUrl::parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!((url.host(), url.port()), (host, port), "{input}");
        }
    }

    #[test]
    fn urls_with_user_info_or_a_bad_port_are_refused() {
        let cases = [
            ("https://user:pass@www.example.com/", UrlError::UserInfo),
            (
                "https://www.smartfocus.com:80@evil.example/x",
                UrlError::UserInfo,
            ),
            ("https://@www.example.com", UrlError::UserInfo),
            ("https://www.example.com:65536/", UrlError::Port),
            ("https://www.example.com:http/", UrlError::Port),
            ("https://www.example.com:-1", UrlError::Port),
            ("https://www.example.com:/", UrlError::Port),
            ("https://", UrlError::Host),
            ("https://a..example", UrlError::Host),
            ("https://[not-ipv6]/", UrlError::Host),
            (
                "https://evil.example\\@www.example.com/",
                UrlError::BadCharacter,
            ),
            ("ftp://example.com", UrlError::NotHttp),
        ];
        for (input, error) in cases {
            assert_eq!(HttpUrl::parse(input), Err(error), "{input}");
        }
    }

    #[test]
    fn origins_read_as_browsers_send_them() {
        let cases = [
            ("https://www.x.example:443", "https://www.x.example"),
            ("http://a.example:80/", "http://a.example"),
            ("https://WWW.X.EXAMPLE", "https://www.x.example"),
            ("https://www.x.example:8443", "https://www.x.example:8443"),
            ("http://a.example:443", "http://a.example:443"),
            ("https://a.example:80", "https://a.example:80"),
        ];
        for (input, origin) in cases {
            assert_eq!(
                Origin::parse(input).map(|o| o.0),
                Ok(origin.to_owned()),
                "{input}"
            );
        }
        assert_eq!(
            Origin::parse("https://www.x.example/shop"),
            Err(UrlError::NotAnOrigin)
        );
    }
}
