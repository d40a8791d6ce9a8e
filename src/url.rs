//! Absolute `http(s)` URLs and origins, parsed once at the edge: the registry's `url`,
//! `privacy_url` and `origins`, a consent's `page` and a request's `Origin` header.

use serde::Serialize;

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

    /// The host, without scheme or port (`www.example.com`, `[::1]`).
    pub fn host(&self) -> &str {
        Authority::parse(&self.0).map_or("", |url| url.host)
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
                Origin::parse(input).map(|o| o.as_str().to_owned()),
                Ok(origin.to_owned()),
                "{input}"
            );
        }
        assert_eq!(
            Origin::parse("https://www.x.example/shop"),
            Err(UrlError::NotAnOrigin)
        );
        for (origin, host) in [
            ("https://www.x.example:8443", "www.x.example"),
            ("http://[::1]:8080", "[::1]"),
        ] {
            assert_eq!(Origin::parse(origin).unwrap().host(), host);
        }
    }
}
