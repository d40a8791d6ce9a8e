//! `[[cookie]]`: what each declared cookie is, who sets it, for how long, and in which category.

use std::collections::HashMap;

use toml::de::DeValue;

use super::Checker;
use super::reader::Value;
use super::site::is_domain;
use crate::registry::{
    Category, Cookie, CookieName, DECISION_COOKIE, Kind, Lang, Lifetime, Site, Unit,
};
use crate::suggest::suggest;

const COOKIE_KEYS: &[&str] = &[
    "name",
    "category",
    "provider",
    "purpose",
    "expires",
    "kind",
    "domain",
    "privacy_url",
];

/// CNIL's limit for audience-measurement cookies.
const ANALYTICS_MAX: Lifetime = Lifetime::For {
    count: 13,
    unit: Unit::Month,
};

impl Checker<'_> {
    pub(super) fn cookies(
        &mut self,
        v: Option<&Value>,
        categories: &[Category],
        site: Option<&Site>,
        langs: &[Lang],
    ) -> Vec<Cookie> {
        let Some(v) = v else { return Vec::new() };
        let mut out: Vec<Cookie> = Vec::new();
        let mut seen: HashMap<(String, String, String), usize> = HashMap::new();
        let items = self.array_of_tables(v, "cookie");
        self.broken.cookies = !matches!(v.get_ref(), DeValue::Array(_));
        for (i, item) in items.into_iter().enumerate() {
            let Some(mut s) = self.section(item, "[[cookie]]") else {
                self.broken.cookie_categories.push(None);
                continue;
            };
            s.read_typos_as_meant(COOKIE_KEYS);
            let name = s
                .get("name")
                .and_then(|v| v.get_ref().as_str())
                .unwrap_or("");
            s.name = if name.is_empty() {
                format!("[[cookie]] #{}", i + 1)
            } else {
                format!("[[cookie]] \"{name}\"")
            };
            self.check_keys(&mut s, COOKIE_KEYS);
            let domain = self.string(&s, "domain").and_then(|(raw, span)| {
                if is_domain(raw.trim_start_matches('.')) {
                    Some(raw)
                } else {
                    self.error(
                        &span,
                        format!(
                            "domain \"{raw}\" in {} is not a domain name, e.g. \".example.com\"",
                            s.name
                        ),
                    );
                    None
                }
            });
            let name = self
                .required_string(&s, "name", "\"_ga\"")
                .and_then(|(raw, span)| {
                    let Some(name) = CookieName::parse(&raw) else {
                        self.error(
                            &span,
                            format!(
                                "\"{raw}\" is not a valid cookie name: a name is printable ASCII without spaces or any of ( ) < > @ , ; : \\ \" / [ ] ? = {{ }}; use * for a pattern, e.g. \"_ga_*\""
                            ),
                        );
                        return None;
                    };
                    // To a browser `.x.example` and `X.EXAMPLE` are one domain.
                    let same_domain = domain
                        .as_deref()
                        .unwrap_or_default()
                        .trim_start_matches('.')
                        .to_ascii_lowercase();
                    // A cookie and a storage key may share a name (UET keeps `_uetsid` in
                    // both): they are two things, each declared once.
                    let kind = s
                        .get("kind")
                        .and_then(|v| v.get_ref().as_str())
                        .unwrap_or("cookie");
                    let key = (raw.clone(), same_domain, kind.to_owned());
                    let line = self.src[..span.start].matches('\n').count() + 1;
                    if let Some(first) = seen.insert(key, line) {
                        let what = Kind::parse(kind).map_or("entry", Kind::noun);
                        self.error(
                            &span,
                            format!("{what} \"{raw}\" is declared twice for the same domain (first on line {first}); merge the two entries or give each its domain"),
                        );
                        return None;
                    }
                    Some(name)
                });
            let category = self
                .required_string(&s, "category", "\"analytics\"")
                .and_then(|(raw, span)| match categories.iter().find(|c| c.id.as_str() == raw) {
                    Some(c) => Some(c),
                    // The category it names, or one whose id could not be read, was reported.
                    None if self.broken.categories.iter().any(|b| b.as_deref().is_none_or(|b| b == raw)) => None,
                    None => {
                        let ids: Vec<&str> = categories.iter().map(|c| c.id.as_str()).collect();
                        let hint = suggest(&raw, &ids)
                            .map(|g| format!("did you mean \"{g}\"?"))
                            .unwrap_or_else(|| format!("declared categories: {}", ids.join(", ")));
                        self.error(
                            &span,
                            format!("{} names category \"{raw}\", which no [[category]] declares; {hint}", s.name),
                        );
                        None
                    }
                });
            let provider = self.text(&s, "provider", langs);
            let purpose = self.required_text(&s, "purpose", langs);
            let expires =
                self.required_string(&s, "expires", "\"1 year\"")
                    .and_then(|(raw, span)| {
                        raw.parse::<Lifetime>()
                            .map_err(|e| {
                                self.error(&span, format!("\"expires\" in {}: {e}", s.name))
                            })
                            .ok()
                            .map(|l| (l, span))
                    });
            let kind = match self.string(&s, "kind") {
                None => Some(Kind::Cookie),
                Some((raw, span)) => Kind::parse(&raw).or_else(|| {
                    self.error(
                        &span,
                        format!(
                            "kind \"{raw}\" in {} is not one of {}",
                            s.name,
                            Kind::NAMES.join(", ")
                        ),
                    );
                    None
                }),
            };
            let privacy_url = self
                .string(&s, "privacy_url")
                .and_then(|(raw, span)| self.url(&raw, &span, "privacy_url", &s.name));

            let (
                Some(name),
                Some(category),
                Some(purpose),
                Some((expires, expires_span)),
                Some(kind),
            ) = (name, category, purpose, expires, kind)
            else {
                let named = s
                    .get("category")
                    .and_then(|v| v.get_ref().as_str())
                    .map(str::to_owned);
                self.broken.cookie_categories.push(named);
                continue;
            };
            let is_analytics = category.id.as_str() == "analytics"
                || category.google_consent.contains(&"analytics_storage");
            if is_analytics && expires.longer_than(ANALYTICS_MAX) {
                self.warn(
                    &expires_span,
                    format!(
                        "{} is an analytics cookie living {expires}; the CNIL limits audience-measurement cookies to 13 months",
                        s.name
                    ),
                );
            }
            // The banner deletes a refused category's first-party cookies by name: a name that is
            // only `*` would take every cookie the page can reach, the required ones too.
            if !category.required
                && kind == Kind::Cookie
                && name.as_str().bytes().all(|b| b == b'*')
                && site.is_some_and(|site| site.is_first_party(domain.as_deref()))
            {
                self.warn(
                    &s.span,
                    format!(
                        "{} matches every first-party cookie: refusing \"{}\" would delete all cookies the page can reach, required ones such as a session too; declare the cookies by name or prefix (e.g. \"_ga_*\")",
                        s.name, category.id
                    ),
                );
            }
            if name.as_str() == DECISION_COOKIE && kind == Kind::Cookie {
                self.warn(
                    &s.span,
                    format!(
                        "{} is the cookie Consentry keeps the visitor's decision in, which the policy page lists by itself under the first required category, for consent_days; remove this entry (while it stays, the page lists it in place of its own)",
                        s.name
                    ),
                );
            }
            if privacy_url.is_none()
                && site.is_some_and(|site| !site.is_first_party(domain.as_deref()))
            {
                self.warn(
                    &s.span,
                    format!("{} lives on the third-party domain \"{}\" but has no privacy_url; link the provider's privacy policy", s.name, domain.as_deref().unwrap_or_default()),
                );
            }
            out.push(Cookie {
                name,
                category: category.id.clone(),
                provider,
                purpose,
                expires,
                kind,
                domain,
                privacy_url,
            });
        }
        out
    }
}
