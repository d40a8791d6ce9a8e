//! `[site]`: the site's name, URL, origins, languages and the consent's reach.

use std::ops::Range;

use toml::de::DeValue;

use super::Checker;
use super::reader::Section;
use crate::i18n;
use crate::registry::{Lang, Site};
use crate::url::{HttpUrl, Origin};

const SITE_KEYS: &[&str] = &[
    "name",
    "url",
    "contact",
    "origins",
    "languages",
    "consent_days",
    "honor_gpc",
    "cookie_domain",
    "updated",
];

/// Ask again at least every 13 months (CNIL); longer is allowed but warned about.
const CONSENT_DAYS_ADVISED_MAX: i64 = 395;

impl Checker<'_> {
    pub(super) fn site(&mut self, mut s: Section) -> Option<Site> {
        self.check_keys(&mut s, SITE_KEYS);
        let s = &s;
        let languages = self.languages(s);
        let name = self.required_text(s, "name", &languages);
        let url = self
            .required_string(s, "url", "\"https://www.example.com\"")
            .and_then(|(raw, span)| self.url(&raw, &span, "url", &s.name));
        let contact = self.string(s, "contact").map(|(c, _)| c);
        let origins = self.origins(s, url.as_ref());
        let consent_days = self.consent_days(s);
        let honor_gpc = self.boolean(s, "honor_gpc", true);
        let cookie_domain = self.cookie_domain(s, url.as_ref());
        let updated = self.date(s, "updated");
        Some(Site {
            name: name?,
            url: url?,
            contact,
            origins,
            languages,
            consent_days,
            honor_gpc,
            cookie_domain,
            updated,
        })
    }

    pub(super) fn url(
        &mut self,
        raw: &str,
        span: &Range<usize>,
        key: &str,
        section: &str,
    ) -> Option<HttpUrl> {
        HttpUrl::parse(raw)
            .map_err(|why| {
                self.error(
                    span,
                    format!("\"{key}\" in {section} is not an absolute http(s) URL: {why}"),
                )
            })
            .ok()
    }

    fn languages(&mut self, s: &Section) -> Vec<Lang> {
        let english = || vec![Lang::parse("en").expect("en is a language")];
        let errors = self.error_count();
        let Some(list) = self.strings(s, "languages") else {
            // Present but not a list: the languages meant are unknown.
            self.broken.languages |= s.get("languages").is_some();
            return english();
        };
        // An entry that is not a string.
        self.broken.languages |= self.error_count() > errors;
        let mut langs = Vec::new();
        for (raw, span) in list {
            match Lang::parse(&raw) {
                Some(l) if langs.contains(&l) => {
                    self.error(&span, format!("language \"{raw}\" is listed twice"))
                }
                Some(l) => {
                    if !i18n::has_builtin(&l) {
                        self.warn(
                            &span,
                            format!(
                                "Consentry has no built-in interface texts in \"{raw}\"; the banner falls back to English for any key not set in [texts.{raw}]"
                            ),
                        );
                    }
                    langs.push(l)
                }
                None => {
                    self.broken.languages = true;
                    self.error(
                        &span,
                        format!(
                            "\"{raw}\" is not a language tag; use e.g. \"en\", \"fr\" or \"pt-br\""
                        ),
                    )
                }
            }
        }
        if langs.is_empty() {
            self.broken.languages = true;
            if let Some(v) = s.get("languages") {
                self.error(
                    &v.span(),
                    "\"languages\" in [site] needs at least one language; the first is the default",
                );
            }
            return english();
        }
        langs
    }

    fn origins(&mut self, s: &Section, url: Option<&HttpUrl>) -> Vec<Origin> {
        let Some(list) = self.strings(s, "origins") else {
            // Default: the site's own origin.
            return url.map(Origin::of).into_iter().collect();
        };
        let mut origins = Vec::new();
        for (raw, span) in list {
            match Origin::parse(&raw) {
                Ok(o) => origins.push(o),
                Err(why) => self.error(
                    &span,
                    format!("origin \"{raw}\" in [site] is not an origin: {why}"),
                ),
            }
        }
        origins
    }

    fn consent_days(&mut self, s: &Section) -> u32 {
        const DEFAULT: u32 = 182;
        let Some(v) = s.get("consent_days") else {
            return DEFAULT;
        };
        let parsed = match v.get_ref() {
            DeValue::Integer(i) => {
                i64::from_str_radix(&i.as_str().replace('_', ""), i.radix()).ok()
            }
            _ => None,
        };
        match parsed {
            Some(days @ 1..=3650) => {
                if days > CONSENT_DAYS_ADVISED_MAX {
                    self.warn(
                        &v.span(),
                        format!(
                            "consent_days = {days} keeps a decision longer than 13 months; the CNIL advises asking again within 13 months (395 days)"
                        ),
                    );
                }
                days as u32
            }
            _ => {
                self.error(
                    &v.span(),
                    "\"consent_days\" in [site] must be a whole number of days from 1 to 3650, e.g. consent_days = 182",
                );
                DEFAULT
            }
        }
    }

    fn cookie_domain(&mut self, s: &Section, url: Option<&HttpUrl>) -> Option<String> {
        let (raw, span) = self.string(s, "cookie_domain")?;
        let bare = raw.trim_start_matches('.').to_ascii_lowercase();
        if !is_domain(&bare) {
            self.error(
                &span,
                format!("cookie_domain \"{raw}\" is not a domain name, e.g. \".example.com\""),
            );
            return None;
        }
        if let Some(url) = url {
            let host = url.host().to_ascii_lowercase();
            if !super::super::model::within(&host, &bare) {
                self.error(
                    &span,
                    format!(
                        "cookie_domain \"{raw}\" does not contain the site's host \"{host}\"; browsers refuse a cookie for another domain"
                    ),
                );
                return None;
            }
        }
        // As browsers read it: a leading dot means nothing, and case does not matter.
        Some(bare)
    }

    fn date(&mut self, s: &Section, key: &str) -> Option<time::Date> {
        let v = s.get(key)?;
        let parsed = match v.get_ref() {
            DeValue::Datetime(dt) if dt.time.is_none() => dt.date.and_then(|d| {
                let month = time::Month::try_from(d.month).ok()?;
                time::Date::from_calendar_date(i32::from(d.year), month, d.day).ok()
            }),
            _ => None,
        };
        if parsed.is_none() {
            self.error(
                &v.span(),
                format!(
                    "\"{key}\" in {} must be a TOML date without quotes, e.g. {key} = 2026-11-01",
                    s.name
                ),
            );
        }
        parsed
    }
}

pub(super) fn is_domain(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 253
        && s.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}
