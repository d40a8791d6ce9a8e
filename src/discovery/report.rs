//! A page's report (`POST /api/v1/discoveries`), parsed at the edge: every refusal names its
//! field, and nothing is kept of a report that has one.

use serde::Deserialize;

use super::seen::{Seen, SeenKind, SeenName};
use crate::consent::Page;
use crate::registry::Registry;

/// Names a report may carry; the banner sends no more at once.
pub(crate) const MAX_ITEMS: usize = 50;
/// Longest example path kept, in bytes.
const PATH_MAX: usize = 256;

/// A report, checked: from a host of the registry's site, an example path of it, and the names
/// seen there (each once).
#[derive(Debug)]
pub(crate) struct Report {
    pub(crate) host: String,
    pub(crate) path: String,
    pub(crate) items: Vec<Seen>,
}

/// What is wrong with a report, naming the field to fix.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ReportError {
    #[error(
        "the body is not a discovery report ({0}); send {{\"host\": ..., \"page\": ..., \"items\": [{{\"name\": ..., \"kind\": ...}}]}}"
    )]
    Malformed(#[source] serde_json::Error),
    #[error("items holds {0} names; a report carries at most {MAX_ITEMS}")]
    TooMany(usize),
    #[error("host {0:?} is neither the registry's site nor the host of one of its origins")]
    Host(String),
    #[error("page must be the http(s) URL of a page on {0}")]
    Page(String),
    /// The name as sent, cut to 64 characters.
    #[error("{field} {name:?} is not a cookie name: {why}")]
    Name {
        field: String,
        name: String,
        why: &'static str,
    },
    #[error("{field} {given:?} is not one of cookie, local-storage, session-storage")]
    Kind { field: String, given: String },
}

impl ReportError {
    pub(crate) fn code(&self) -> &'static str {
        match self {
            ReportError::Malformed(_) => "invalid-report",
            ReportError::TooMany(_) => "too-many-items",
            ReportError::Host(_) => "unknown-host",
            ReportError::Page(_) => "invalid-page",
            ReportError::Name { .. } => "invalid-name",
            ReportError::Kind { .. } => "invalid-kind",
        }
    }

    pub(crate) fn field(&self) -> &str {
        match self {
            ReportError::Malformed(_) => "body",
            ReportError::TooMany(_) => "items",
            ReportError::Host(_) => "host",
            ReportError::Page(_) => "page",
            ReportError::Name { field, .. } | ReportError::Kind { field, .. } => field,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Posted {
    host: String,
    page: String,
    items: Vec<PostedItem>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PostedItem {
    name: String,
    kind: String,
}

impl Report {
    /// Parses a posted report against the registry's hosts; every problem names its field.
    pub(crate) fn parse(body: &[u8], registry: &Registry) -> Result<Report, ReportError> {
        let posted: Posted = serde_json::from_slice(body).map_err(ReportError::Malformed)?;
        if posted.items.len() > MAX_ITEMS {
            return Err(ReportError::TooMany(posted.items.len()));
        }
        let host = posted.host.to_ascii_lowercase();
        let site = &registry.site;
        let known = std::iter::once(site.url.host())
            .chain(site.origins.iter().map(|o| o.host()))
            .any(|h| h.eq_ignore_ascii_case(&host));
        if !known {
            return Err(ReportError::Host(cut(&posted.host)));
        }
        // Only the path is kept: never the origin (the host says it), query, fragment or
        // `;parameters`, where servers put session ids.
        let path = Page::parse(&posted.page)
            .filter(|page| page.host().eq_ignore_ascii_case(&host))
            .map(|page| page.path(PATH_MAX).to_owned())
            .ok_or_else(|| ReportError::Page(host.clone()))?;
        let mut items: Vec<Seen> = Vec::with_capacity(posted.items.len());
        for (i, item) in posted.items.iter().enumerate() {
            let name = SeenName::parse(&item.name).map_err(|why| ReportError::Name {
                field: format!("items[{i}].name"),
                name: cut(&item.name),
                why,
            })?;
            let kind = SeenKind::parse(&item.kind).ok_or_else(|| ReportError::Kind {
                field: format!("items[{i}].kind"),
                given: cut(&item.kind),
            })?;
            let seen = Seen { name, kind };
            if !items.contains(&seen) {
                items.push(seen);
            }
        }
        Ok(Report { host, path, items })
    }

    /// The report without what `registry` declares: only the rest is worth an admin's eye.
    pub(crate) fn undeclared(mut self, registry: &Registry) -> Report {
        let host = &self.host;
        self.items
            .retain(|seen| !registry.declares(seen.name.as_str(), seen.kind.kind(), host));
        self
    }
}

/// Client text echoed in a message, cut on a character boundary to keep answers small.
fn cut(text: &str) -> String {
    text.chars().take(64).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const REGISTRY: &str = r#"
[site]
name = "Example"
url = "https://www.example.com"
origins = ["https://www.example.com", "https://shop.example.com:8443"]

[[category]]
id = "necessary"
title = "Necessary"
description = "Needed."
required = true

[[cookie]]
name = "sid"
category = "necessary"
purpose = "Session."
expires = "session"

[[cookie]]
name = "pref_*"
category = "necessary"
purpose = "Preferences."
expires = "1 year"
kind = "local-storage"

[[cookie]]
name = "*"
category = "necessary"
provider = "Tracker"
purpose = "Anything of the tracker's own domain."
expires = "1 year"
domain = "tracker.example"

[[cookie]]
name = "shop_cart"
category = "necessary"
purpose = "The shop's basket."
expires = "session"
domain = ".shop.example.com"
"#;

    fn registry() -> Registry {
        crate::registry::parse("t.toml", REGISTRY).unwrap().registry
    }

    fn parse(body: serde_json::Value) -> Result<Report, ReportError> {
        Report::parse(body.to_string().as_bytes(), &registry())
    }

    fn body(host: &str, page: &str, items: &[(&str, &str)]) -> serde_json::Value {
        let items: Vec<_> = items
            .iter()
            .map(|(name, kind)| serde_json::json!({"name": name, "kind": kind}))
            .collect();
        serde_json::json!({"host": host, "page": page, "items": items})
    }

    #[test]
    fn a_report_keeps_the_host_the_path_and_each_name_once() {
        let report = parse(body(
            "WWW.example.com",
            "https://www.example.com/cart;jsessionid=1/x?q=secret#f",
            &[
                ("_hjid", "cookie"),
                ("_hjid", "cookie"),
                ("_hjid", "local-storage"),
            ],
        ))
        .unwrap();
        assert_eq!(report.host, "www.example.com");
        assert_eq!(report.path, "/cart/x");
        assert_eq!(report.items.len(), 2);
        let other_origin = parse(body(
            "shop.example.com",
            "https://shop.example.com:8443/",
            &[],
        ));
        assert_eq!(other_origin.unwrap().path, "/");
    }

    #[test]
    fn each_refusal_names_its_field() {
        let too_many: Vec<(&str, &str)> = vec![("a", "cookie"); MAX_ITEMS + 1];
        let long = "a".repeat(201);
        let cases = [
            (serde_json::json!([1]), "invalid-report", "body"),
            (
                serde_json::json!({"host": "www.example.com", "page": "https://www.example.com/", "items": [], "ip": "1.2.3.4"}),
                "invalid-report",
                "body",
            ),
            (
                body("www.example.com", "https://www.example.com/", &too_many),
                "too-many-items",
                "items",
            ),
            (
                body("evil.example", "https://evil.example/", &[]),
                "unknown-host",
                "host",
            ),
            (
                body("www.example.com", "https://evil.example/", &[]),
                "invalid-page",
                "page",
            ),
            (
                body("www.example.com", "about:srcdoc", &[]),
                "invalid-page",
                "page",
            ),
            (
                body(
                    "www.example.com",
                    "https://www.example.com/",
                    &[("ok", "cookie"), ("a=b", "cookie")],
                ),
                "invalid-name",
                "items[1].name",
            ),
            (
                body(
                    "www.example.com",
                    "https://www.example.com/",
                    &[("", "cookie")],
                ),
                "invalid-name",
                "items[0].name",
            ),
            (
                body(
                    "www.example.com",
                    "https://www.example.com/",
                    &[(&long, "cookie")],
                ),
                "invalid-name",
                "items[0].name",
            ),
            (
                body(
                    "www.example.com",
                    "https://www.example.com/",
                    &[("a\u{0}b", "cookie")],
                ),
                "invalid-name",
                "items[0].name",
            ),
            (
                body(
                    "www.example.com",
                    "https://www.example.com/",
                    &[("px", "pixel")],
                ),
                "invalid-kind",
                "items[0].kind",
            ),
        ];
        for (input, code, field) in cases {
            let e = parse(input.clone()).expect_err(&input.to_string());
            assert_eq!((e.code(), e.field()), (code, field), "{input}: {e}");
        }
    }

    #[test]
    fn what_the_registry_declares_is_left_out() {
        let report = parse(body(
            "www.example.com",
            "https://www.example.com/",
            &[
                ("sid", "cookie"),
                ("sid", "session-storage"),
                ("pref_theme", "local-storage"),
                ("consentry", "cookie"),
                ("_hjid", "cookie"),
                ("shop_cart", "cookie"),
            ],
        ))
        .unwrap()
        .undeclared(&registry());
        let left: Vec<(&str, &str)> = report
            .items
            .iter()
            .map(|s| (s.name.as_str(), s.kind.as_str()))
            .collect();
        // The tracker's `*` covers its own domain, not this page; the shop's cookie, the shop.
        assert_eq!(
            left,
            [
                ("sid", "session-storage"),
                ("_hjid", "cookie"),
                ("shop_cart", "cookie")
            ]
        );
        let on_the_shop = parse(body(
            "shop.example.com",
            "https://shop.example.com/",
            &[("shop_cart", "cookie")],
        ))
        .unwrap()
        .undeclared(&registry());
        assert!(on_the_shop.items.is_empty());
    }
}
