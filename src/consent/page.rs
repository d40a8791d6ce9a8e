//! The page a decision was made on, kept without what could identify the visitor.

use serde::Serialize;

use crate::url::Authority;

/// Longest `page` accepted, before its query is dropped.
const PAGE_MAX: usize = 2048;

/// The page a decision was made on: origin and path, never user info, query, fragment or
/// `;parameters` (where servers put session ids: `/cart;jsessionid=...`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(into = "String")]
pub struct Page(String);

impl Page {
    /// The page is only context for a decision, never a reason to refuse one: what is not an
    /// http(s) URL (an iframe's `about:srcdoc`, a relative path) gives `None`, and a page longer
    /// than `PAGE_MAX` is shortened, so the visitor's decision is still recorded.
    pub fn parse(s: &str) -> Option<Page> {
        let url = Authority::parse(s).ok()?;
        let path_end = url.rest.find(['?', '#']).unwrap_or(url.rest.len());
        // Rebuilt from the parts, so a user name or password in the URL is never stored.
        let port = url.port.map(|p| format!(":{p}")).unwrap_or_default();
        let mut page = format!("{}://{}{port}", url.scheme, url.host);
        // Each segment's parameters go (RFC 3986 §3.3); the first piece is what precedes the
        // path's leading '/', so it is empty.
        for (i, segment) in url.rest[..path_end].split('/').enumerate() {
            if i > 0 {
                page.push('/');
            }
            page.push_str(segment.split(';').next().unwrap_or(""));
        }
        if page.len() > PAGE_MAX {
            let origin = url.scheme.len() + "://".len() + url.host.len() + port.len();
            if origin >= PAGE_MAX {
                return None;
            }
            let kept = cut(&page, PAGE_MAX).len();
            page.truncate(kept);
        }
        Some(Page(page))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The host, as the page's URL writes it.
    pub(crate) fn host(&self) -> &str {
        Authority::parse(&self.0).map_or("", |url| url.host)
    }

    /// The path, `/` when there is none, cut to at most `max` bytes as `parse` cuts a page.
    pub(crate) fn path(&self, max: usize) -> &str {
        let rest = Authority::parse(&self.0).map_or("", |url| url.rest);
        if rest.is_empty() { "/" } else { cut(rest, max) }
    }
}

/// The longest start of `text` within `max` bytes that ends on a character and outside a
/// percent escape (which would then name another character).
fn cut(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    while let Some(percent) = text.as_bytes()[end.saturating_sub(2)..end]
        .iter()
        .position(|b| *b == b'%')
    {
        end = end.saturating_sub(2) + percent;
    }
    &text[..end]
}

impl From<Page> for String {
    fn from(page: Page) -> String {
        page.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_keep_origin_and_path_only() {
        let cases = [
            (
                "https://www.example.com/a/b?q=1#top",
                "https://www.example.com/a/b",
            ),
            ("https://www.example.com#x", "https://www.example.com"),
            ("http://example.com:8080/p", "http://example.com:8080/p"),
            (
                "https://user:secret@www.example.com/a?token=x",
                "https://www.example.com/a",
            ),
            (
                "https://www.example.com:80@evil.example/x",
                "https://evil.example/x",
            ),
            (
                "https://www.example.com/cart;jsessionid=0A1B/x;y=1;z/?q;r",
                "https://www.example.com/cart/x/",
            ),
            ("https://www.example.com/;a", "https://www.example.com/"),
        ];
        for (input, kept) in cases {
            assert_eq!(Page::parse(input).map(|p| p.0).as_deref(), Some(kept));
        }
        for not_a_url in [
            "about:srcdoc",
            "javascript:alert(1)",
            "/relative",
            "https://",
            "https://a b.com/",
            "https://user@/path",
            "https://www.example.com:99999/",
            "https://www.exa_mple.com/",
        ] {
            assert_eq!(Page::parse(not_a_url), None, "{not_a_url:?}");
        }
    }

    #[test]
    fn a_long_page_is_cut_on_a_character_and_outside_a_percent_escape() {
        for tail in ["a", "é", "€", "%41", "a%4", "ab%", "%%"] {
            let long = format!("https://www.example.com/{}", tail.repeat(2000));
            let page = Page::parse(&long).expect("kept");
            assert!(page.0.len() <= PAGE_MAX, "{tail}");
            assert!(long.starts_with(&page.0), "{tail}");
            let end = &page.0.as_bytes()[page.0.len() - 2..];
            assert!(!end.contains(&b'%'), "{tail}: ends with {end:?}");
            assert_eq!(Page::parse(&page.0), Some(page.clone()), "{tail}: stable");
        }
        let huge_host = format!("https://{}.example/", "a".repeat(2100));
        assert_eq!(Page::parse(&huge_host), None);
    }

    #[test]
    fn a_page_gives_its_host_and_its_path_cut_like_a_page() {
        let page = Page::parse("https://WWW.Example.com:8443/a/b%41c;s=1?q#f").unwrap();
        assert_eq!(page.host(), "WWW.Example.com");
        assert_eq!(page.path(100), "/a/b%41c");
        assert_eq!(page.path(6), "/a/b", "not inside %41");
        assert_eq!(
            Page::parse("https://www.example.com").unwrap().path(100),
            "/"
        );
    }
}
