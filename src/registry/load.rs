//! Reading `cookies.toml`: every rule of the contract, every problem reported in one pass with
//! `file:line:column`, and nothing built unless the whole file is valid.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::ops::Range;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::lifetime::Lifetime;
use super::model::{
    BannerOptions, Category, CategoryId, Cookie, CookieName, GOOGLE_SIGNALS, Kind, Lang, Registry,
    Site, Text,
};
use super::revision;
use crate::i18n;
use crate::suggest::suggest;
use crate::url::{HttpUrl, Origin};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity {
    Error,
    Warning,
}

/// One problem found in a registry, located in its source.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// Every problem of one file, printable as `file:line:col: message` lines.
#[derive(Clone, Debug)]
pub struct Report {
    pub file: String,
    pub diagnostics: Vec<Diagnostic>,
}

impl Report {
    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
    }

    pub fn warnings(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Warning)
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.diagnostics.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            let level = match d.severity {
                Severity::Error => "",
                Severity::Warning => "warning: ",
            };
            write!(
                f,
                "{}:{}:{}: {level}{}",
                self.file, d.line, d.column, d.message
            )?;
        }
        Ok(())
    }
}

/// A valid registry and the warnings its file raised.
#[derive(Debug)]
pub struct Loaded {
    pub registry: Registry,
    pub warnings: Report,
}

/// Parses and checks a registry. `file` names the source in messages.
pub fn parse(file: &str, src: &str) -> Result<Loaded, Report> {
    let mut ck = Checker {
        src,
        diags: Vec::new(),
    };
    let registry = ck.document();
    ck.diags.sort_by_key(|d| (d.line, d.column));
    let report = Report {
        file: file.to_owned(),
        diagnostics: ck.diags,
    };
    match registry {
        Some(registry) if report.errors().next().is_none() => Ok(Loaded {
            registry,
            warnings: report,
        }),
        _ => Err(report),
    }
}

type Value<'a> = Spanned<DeValue<'a>>;

/// One table being read, with the name used for it in messages.
struct Section<'t, 'a> {
    table: &'t DeTable<'a>,
    span: Range<usize>,
    name: String,
}

impl<'t, 'a> Section<'t, 'a> {
    fn get(&self, key: &str) -> Option<&'t Value<'a>> {
        self.table
            .iter()
            .find(|(k, _)| k.get_ref().as_ref() == key)
            .map(|(_, v)| v)
    }
}

struct Checker<'s> {
    src: &'s str,
    diags: Vec<Diagnostic>,
}

const TOP_KEYS: &[&str] = &["site", "category", "cookie", "banner", "texts"];
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
const CATEGORY_KEYS: &[&str] = &["id", "title", "description", "required", "google_consent"];
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
const BANNER_KEYS: &[&str] = &["floating_button"];

/// CNIL's limit for audience-measurement cookies.
const ANALYTICS_MAX: Lifetime = Lifetime::For {
    count: 13,
    unit: super::lifetime::Unit::Month,
};
/// Ask again at least every 13 months (CNIL); longer is allowed but warned about.
const CONSENT_DAYS_ADVISED_MAX: i64 = 395;

impl Checker<'_> {
    fn at(&mut self, severity: Severity, span: &Range<usize>, message: String) {
        let offset = span.start.min(self.src.len());
        let before = &self.src[..self.src.floor_char_boundary(offset)];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = before[line_start..].chars().count() + 1;
        self.diags.push(Diagnostic {
            severity,
            line,
            column,
            message,
        });
    }

    fn error(&mut self, span: &Range<usize>, message: impl Into<String>) {
        self.at(Severity::Error, span, message.into());
    }

    fn warn(&mut self, span: &Range<usize>, message: impl Into<String>) {
        self.at(Severity::Warning, span, message.into());
    }

    fn document(&mut self) -> Option<Registry> {
        let (doc, errors) = DeTable::parse_recoverable(self.src);
        if !errors.is_empty() {
            for e in errors {
                let span = e.span().unwrap_or(0..0);
                let message = format!("TOML syntax: {}", e.message().trim_end());
                self.error(&span, message);
            }
            return None;
        }
        let root = Section {
            table: doc.get_ref(),
            span: 0..0,
            name: "the top level".to_owned(),
        };
        self.check_keys(&root, TOP_KEYS);

        let site = match root.get("site") {
            Some(v) => self.section(v, "[site]").and_then(|s| self.site(&s)),
            None => {
                self.error(
                    &(0..0),
                    "missing [site] table; start the file with [site] and its name, url and origins",
                );
                None
            }
        };
        // Without languages no text can be checked; default to English to report the rest.
        let langs = site
            .as_ref()
            .map(|s: &Site| s.languages.clone())
            .unwrap_or_else(|| vec![Lang::parse("en").expect("en is a language")]);

        let categories = self.categories(root.get("category"), &langs);
        let cookies = self.cookies(root.get("cookie"), &categories, site.as_ref(), &langs);
        self.unused_categories(root.get("category"), &categories, &cookies);
        let banner = self.banner(root.get("banner"));
        let texts = self.texts(root.get("texts"), &langs);

        let site = site?;
        let revision = revision::of(&categories, &cookies);
        Some(Registry {
            site,
            categories,
            cookies,
            banner,
            texts,
            revision,
        })
    }

    fn section<'t, 'a>(&mut self, v: &'t Value<'a>, name: &str) -> Option<Section<'t, 'a>> {
        match v.get_ref() {
            DeValue::Table(table) => Some(Section {
                table,
                span: v.span(),
                name: name.to_owned(),
            }),
            _ => {
                self.error(&v.span(), format!("{name} must be a table"));
                None
            }
        }
    }

    /// The tables of an array of tables (`[[category]]`), or an error.
    fn array_of_tables<'t, 'a>(&mut self, v: &'t Value<'a>, name: &str) -> Vec<&'t Value<'a>> {
        match v.get_ref() {
            DeValue::Array(items) => items.iter().collect(),
            _ => {
                self.error(
                    &v.span(),
                    format!("{name} must be an array of tables: write each as [[{name}]]"),
                );
                Vec::new()
            }
        }
    }

    fn check_keys(&mut self, s: &Section, allowed: &[&str]) {
        for (key, _) in s.table.iter() {
            let k = key.get_ref().as_ref();
            if allowed.contains(&k) {
                continue;
            }
            let hint = match suggest(k, allowed) {
                Some(good) => format!("; did you mean \"{good}\"?"),
                None => format!("; expected one of: {}", allowed.join(", ")),
            };
            self.error(
                &key.span(),
                format!("unknown key \"{k}\" in {}{hint}", s.name),
            );
        }
    }

    fn missing(&mut self, s: &Section, key: &str, example: &str) {
        self.error(
            &s.span,
            format!(
                "missing key \"{key}\" in {}; add e.g. {key} = {example}",
                s.name
            ),
        );
    }

    fn string(&mut self, s: &Section, key: &str) -> Option<(String, Range<usize>)> {
        let v = s.get(key)?;
        match v.get_ref() {
            DeValue::String(text) if text.trim().is_empty() => {
                self.error(&v.span(), format!("\"{key}\" in {} is empty", s.name));
                None
            }
            DeValue::String(text) => Some((text.to_string(), v.span())),
            _ => {
                self.error(
                    &v.span(),
                    format!("\"{key}\" in {} must be a string in quotes", s.name),
                );
                None
            }
        }
    }

    fn required_string(
        &mut self,
        s: &Section,
        key: &str,
        example: &str,
    ) -> Option<(String, Range<usize>)> {
        if s.get(key).is_none() {
            self.missing(s, key, example);
        }
        self.string(s, key)
    }

    fn boolean(&mut self, s: &Section, key: &str, default: bool) -> bool {
        let Some(v) = s.get(key) else { return default };
        match v.get_ref() {
            DeValue::Boolean(b) => *b,
            _ => {
                self.error(
                    &v.span(),
                    format!(
                        "\"{key}\" in {} must be true or false (without quotes)",
                        s.name
                    ),
                );
                default
            }
        }
    }

    fn strings(&mut self, s: &Section, key: &str) -> Option<Vec<(String, Range<usize>)>> {
        let v = s.get(key)?;
        let DeValue::Array(items) = v.get_ref() else {
            self.error(
                &v.span(),
                format!(
                    "\"{key}\" in {} must be a list of strings, e.g. [\"a\", \"b\"]",
                    s.name
                ),
            );
            return None;
        };
        let mut out = Vec::new();
        for item in items.iter() {
            match item.get_ref() {
                DeValue::String(text) => out.push((text.to_string(), item.span())),
                _ => self.error(
                    &item.span(),
                    format!("every entry of \"{key}\" in {} must be a string", s.name),
                ),
            }
        }
        Some(out)
    }

    /// A text: a string in the default language, or a table by language.
    fn text(&mut self, s: &Section, key: &str, langs: &[Lang]) -> Option<Text> {
        let v = s.get(key)?;
        let default = &langs[0];
        let mut by_lang = BTreeMap::new();
        match v.get_ref() {
            DeValue::String(text) => {
                by_lang.insert(default.clone(), text.to_string());
            }
            DeValue::Table(table) => {
                for (lk, lv) in table.iter() {
                    let raw = lk.get_ref().as_ref();
                    let Some(lang) = Lang::parse(raw).filter(|l| langs.contains(l)) else {
                        let declared: Vec<&str> = langs.iter().map(Lang::as_str).collect();
                        self.error(
                            &lk.span(),
                            format!(
                                "\"{raw}\" in \"{key}\" of {} is not one of the site's languages ({}); add it to [site] languages or remove it",
                                s.name,
                                declared.join(", ")
                            ),
                        );
                        continue;
                    };
                    match lv.get_ref() {
                        DeValue::String(text) => {
                            by_lang.insert(lang, text.to_string());
                        }
                        _ => self.error(
                            &lv.span(),
                            format!("\"{key}.{raw}\" in {} must be a string", s.name),
                        ),
                    }
                }
                if !by_lang.contains_key(default) && !table.is_empty() {
                    self.error(
                        &v.span(),
                        format!(
                            "\"{key}\" in {} has no \"{default}\" text, the default language; add {default} = \"...\"",
                            s.name
                        ),
                    );
                    return None;
                }
            }
            _ => {
                self.error(
                    &v.span(),
                    format!(
                        "\"{key}\" in {} must be a string or a table by language, e.g. {{ en = \"...\", fr = \"...\" }}",
                        s.name
                    ),
                );
                return None;
            }
        }
        if let Some((lang, _)) = by_lang.iter().find(|(_, t)| t.trim().is_empty()) {
            self.error(
                &v.span(),
                format!("\"{key}\" in {} is empty in \"{lang}\"", s.name),
            );
            return None;
        }
        if by_lang.is_empty() {
            self.error(&v.span(), format!("\"{key}\" in {} is empty", s.name));
            return None;
        }
        Some(Text::new(by_lang))
    }

    fn required_text(&mut self, s: &Section, key: &str, langs: &[Lang]) -> Option<Text> {
        if s.get(key).is_none() {
            self.missing(s, key, "\"...\"");
            return None;
        }
        self.text(s, key, langs)
    }

    fn site(&mut self, s: &Section) -> Option<Site> {
        self.check_keys(s, SITE_KEYS);
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

    fn url(&mut self, raw: &str, span: &Range<usize>, key: &str, section: &str) -> Option<HttpUrl> {
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
        let Some(list) = self.strings(s, "languages") else {
            return english();
        };
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
                None => self.error(
                    &span,
                    format!(
                        "\"{raw}\" is not a language tag; use e.g. \"en\", \"fr\" or \"pt-br\""
                    ),
                ),
            }
        }
        if langs.is_empty() {
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
            if host != bare && !host.ends_with(&format!(".{bare}")) {
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

    fn categories(&mut self, v: Option<&Value>, langs: &[Lang]) -> Vec<Category> {
        let Some(v) = v else {
            self.error(
                &(0..0),
                "no [[category]]; declare at least one, e.g. id = \"necessary\" with required = true",
            );
            return Vec::new();
        };
        let mut out: Vec<Category> = Vec::new();
        let mut seen: HashMap<String, usize> = HashMap::new();
        for (i, item) in self.array_of_tables(v, "category").into_iter().enumerate() {
            let Some(mut s) = self.section(item, "[[category]]") else {
                continue;
            };
            let id = s.get("id").and_then(|v| v.get_ref().as_str()).unwrap_or("");
            s.name = if id.is_empty() {
                format!("[[category]] #{}", i + 1)
            } else {
                format!("[[category]] \"{id}\"")
            };
            self.check_keys(&s, CATEGORY_KEYS);
            let id = self
                .required_string(&s, "id", "\"analytics\"")
                .and_then(|(raw, span)| {
                    let Some(id) = CategoryId::parse(&raw) else {
                        self.error(
                            &span,
                            format!(
                                "category id \"{raw}\" may use only a-z, 0-9, _ and -, e.g. \"analytics\""
                            ),
                        );
                        return None;
                    };
                    if let Some(line) = seen.get(&raw) {
                        self.error(
                            &span,
                            format!("category id \"{raw}\" is already used by the [[category]] on line {line}"),
                        );
                        return None;
                    }
                    let line = self.src[..span.start].matches('\n').count() + 1;
                    seen.insert(raw, line);
                    Some(id)
                });
            let title = self.required_text(&s, "title", langs);
            let description = self.required_text(&s, "description", langs);
            let required = self.boolean(&s, "required", false);
            let google_consent = self.google_signals(&s);
            if let (Some(id), Some(title), Some(description)) = (id, title, description) {
                out.push(Category {
                    id,
                    title,
                    description,
                    required,
                    google_consent,
                });
            }
        }
        out
    }

    fn google_signals(&mut self, s: &Section) -> Vec<&'static str> {
        let mut out = Vec::new();
        for (raw, span) in self.strings(s, "google_consent").unwrap_or_default() {
            match GOOGLE_SIGNALS.iter().find(|g| **g == raw) {
                Some(g) if out.contains(g) => {
                    self.error(&span, format!("\"{raw}\" is listed twice in {}", s.name))
                }
                Some(g) => out.push(*g),
                None => {
                    let hint = suggest(&raw, &GOOGLE_SIGNALS)
                        .map(|g| format!("did you mean \"{g}\"?"))
                        .unwrap_or_else(|| format!("use one of {}", GOOGLE_SIGNALS.join(", ")));
                    self.error(
                        &span,
                        format!("\"{raw}\" is not a Google Consent Mode v2 signal; {hint}"),
                    );
                }
            }
        }
        out
    }

    fn cookies(
        &mut self,
        v: Option<&Value>,
        categories: &[Category],
        site: Option<&Site>,
        langs: &[Lang],
    ) -> Vec<Cookie> {
        let Some(v) = v else { return Vec::new() };
        let mut out: Vec<Cookie> = Vec::new();
        let mut seen: HashMap<(String, String), usize> = HashMap::new();
        for (i, item) in self.array_of_tables(v, "cookie").into_iter().enumerate() {
            let Some(mut s) = self.section(item, "[[cookie]]") else {
                continue;
            };
            let name = s
                .get("name")
                .and_then(|v| v.get_ref().as_str())
                .unwrap_or("");
            s.name = if name.is_empty() {
                format!("[[cookie]] #{}", i + 1)
            } else {
                format!("[[cookie]] \"{name}\"")
            };
            self.check_keys(&s, COOKIE_KEYS);
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
                    let key = (raw.clone(), same_domain);
                    let line = self.src[..span.start].matches('\n').count() + 1;
                    if let Some(first) = seen.insert(key, line) {
                        self.error(
                            &span,
                            format!("cookie \"{raw}\" is declared twice for the same domain (first on line {first}); merge the two entries or give each its domain"),
                        );
                        return None;
                    }
                    Some(name)
                });
            let category = self
                .required_string(&s, "category", "\"analytics\"")
                .and_then(|(raw, span)| match categories.iter().find(|c| c.id.as_str() == raw) {
                    Some(c) => Some(c),
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

    fn unused_categories(
        &mut self,
        v: Option<&Value>,
        categories: &[Category],
        cookies: &[Cookie],
    ) {
        let Some(DeValue::Array(items)) = v.map(Spanned::get_ref) else {
            return;
        };
        for (category, item) in categories.iter().zip(items.iter()) {
            if !category.required && !cookies.iter().any(|c| c.category == category.id) {
                self.warn(
                    &item.span(),
                    format!(
                        "optional category \"{}\" has no cookies; visitors would be asked about nothing (remove it or declare its cookies)",
                        category.id
                    ),
                );
            }
        }
    }

    fn banner(&mut self, v: Option<&Value>) -> BannerOptions {
        let Some(s) = v.and_then(|v| self.section(v, "[banner]")) else {
            return BannerOptions::default();
        };
        self.check_keys(&s, BANNER_KEYS);
        BannerOptions {
            floating_button: self.boolean(&s, "floating_button", false),
        }
    }

    fn texts(
        &mut self,
        v: Option<&Value>,
        langs: &[Lang],
    ) -> BTreeMap<Lang, BTreeMap<String, String>> {
        let mut out = BTreeMap::new();
        let Some(s) = v.and_then(|v| self.section(v, "[texts]")) else {
            return out;
        };
        for (lk, lv) in s.table.iter() {
            let raw = lk.get_ref().as_ref();
            let Some(lang) = Lang::parse(raw).filter(|l| langs.contains(l)) else {
                self.error(
                    &lk.span(),
                    format!("[texts.{raw}]: \"{raw}\" is not one of the site's languages; add it to [site] languages or remove this table"),
                );
                continue;
            };
            let Some(section) = self.section(lv, &format!("[texts.{raw}]")) else {
                continue;
            };
            let keys = i18n::keys();
            self.check_keys(&section, &keys);
            let mut texts = BTreeMap::new();
            for key in keys {
                if let Some((text, _)) = self.string(&section, key) {
                    texts.insert((*key).to_owned(), text);
                }
            }
            out.insert(lang, texts);
        }
        out
    }
}

fn is_domain(s: &str) -> bool {
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

#[cfg(test)]
mod tests {
    use super::*;

    /// `cookies.toml` is written by hand and reloaded while the service runs: whatever the file
    /// holds, the loader never panics, and a refusal always carries at least one error, each
    /// problem at a line and column that exist in the file.
    mod properties {
        use super::*;
        use proptest::prelude::*;
        use proptest::test_runner::TestCaseError;

        const REPO: &str = include_str!("../../cookies.toml");

        fn config() -> ProptestConfig {
            ProptestConfig {
                cases: 256,
                failure_persistence: None,
                ..ProptestConfig::default()
            }
        }

        /// Lines a person might add or mistype.
        const SNIPPETS: [&str; 20] = [
            "[[cookie]]\n",
            "[[category]]\nid = \"x\"\n",
            "[site]\n",
            "name = \"_ga\"\n",
            "expires = \"0 days\"\n",
            "expires = \"99999999999999999999 years\"\n",
            "consent_days = -1\n",
            "languages = []\n",
            "languages = [\"\", \"EN\"]\n",
            "url = \"https://\"\n",
            "origins = [\"https://a.example/x\"]\n",
            "updated = 2026-13-45\n",
            "title = { }\n",
            "category = \"nope\"\n",
            "domain = \".\"\n",
            "cookie_domain = \"\"\n",
            "google_consent = [\"x\"]\n",
            "[texts.en]\nbanner_title = 1\n",
            "= \"\"\"\n",
            "name = \"*\"\n",
        ];

        #[derive(Debug, Clone)]
        enum Edit {
            DeleteLine(prop::sample::Index),
            DuplicateLine(prop::sample::Index),
            SwapLines(prop::sample::Index, prop::sample::Index),
            ReplaceChar(prop::sample::Index, char),
            Insert(prop::sample::Index, &'static str),
            Truncate(prop::sample::Index),
        }

        fn edit() -> impl Strategy<Value = Edit> {
            let index = any::<prop::sample::Index>;
            let chars = prop::sample::select(vec![
                '=', '"', '\'', '[', ']', '{', '}', ',', '.', '\n', '#', '*', ' ', 'a', '1', 'é',
                '\\', '\0', '\u{feff}',
            ]);
            prop_oneof![
                index().prop_map(Edit::DeleteLine),
                index().prop_map(Edit::DuplicateLine),
                (index(), index()).prop_map(|(a, b)| Edit::SwapLines(a, b)),
                (index(), chars).prop_map(|(i, c)| Edit::ReplaceChar(i, c)),
                (index(), prop::sample::select(SNIPPETS.to_vec()))
                    .prop_map(|(i, s)| Edit::Insert(i, s)),
                index().prop_map(Edit::Truncate),
            ]
        }

        fn apply(src: &str, edit: &Edit) -> String {
            let mut lines: Vec<String> = src.split_inclusive('\n').map(str::to_owned).collect();
            let chars: Vec<char> = src.chars().collect();
            match edit {
                Edit::DeleteLine(i) if !lines.is_empty() => {
                    lines.remove(i.index(lines.len()));
                }
                Edit::DuplicateLine(i) if !lines.is_empty() => {
                    let i = i.index(lines.len());
                    lines.insert(i, lines[i].clone());
                }
                Edit::SwapLines(a, b) if !lines.is_empty() => {
                    let (a, b) = (a.index(lines.len()), b.index(lines.len()));
                    lines.swap(a, b);
                }
                Edit::ReplaceChar(i, c) if !chars.is_empty() => {
                    let mut chars = chars;
                    let i = i.index(chars.len());
                    chars[i] = *c;
                    return chars.into_iter().collect();
                }
                Edit::Insert(i, snippet) => {
                    let i = i.index(lines.len() + 1);
                    lines.insert(i, (*snippet).to_owned());
                }
                Edit::Truncate(i) => {
                    return chars[..i.index(chars.len() + 1)].iter().collect();
                }
                _ => {}
            }
            lines.concat()
        }

        /// Every diagnostic names a line of the file and a column of that line (one past its
        /// end at most), and prints as `file:line:col: message`.
        fn located(src: &str, report: &Report) -> Result<(), TestCaseError> {
            let lines: Vec<&str> = src.split('\n').collect();
            for d in &report.diagnostics {
                prop_assert!(d.line >= 1 && d.line <= lines.len(), "{d:?}");
                let width = lines[d.line - 1].chars().count();
                prop_assert!(d.column >= 1 && d.column <= width + 1, "{d:?}");
                prop_assert!(!d.message.is_empty(), "{d:?}");
            }
            for (line, d) in report.to_string().lines().zip(&report.diagnostics) {
                let prefix = format!("cookies.toml:{}:{}: ", d.line, d.column);
                prop_assert!(line.starts_with(&prefix), "{line}");
            }
            Ok(())
        }

        fn check(src: &str) -> Result<(), TestCaseError> {
            match parse("cookies.toml", src) {
                Ok(loaded) => {
                    located(src, &loaded.warnings)?;
                    prop_assert_eq!(loaded.warnings.errors().count(), 0);
                    let revision = &loaded.registry.revision;
                    prop_assert!(revision.len() == 8, "{revision}");
                }
                Err(report) => {
                    prop_assert!(
                        report.errors().next().is_some(),
                        "a refusal without an error"
                    );
                    located(src, &report)?;
                }
            }
            Ok(())
        }

        proptest! {
            #![proptest_config(config())]

            #[test]
            fn edited_registries_load_or_are_refused_with_located_errors(
                edits in prop::collection::vec(edit(), 1..5)
            ) {
                let src = edits.iter().fold(REPO.to_owned(), |src, e| apply(&src, e));
                check(&src)?;
            }

            #[test]
            fn arbitrary_text_never_panics_and_every_refusal_is_located(
                src in prop_oneof![
                    any::<String>(),
                    "([a-z_\\[\\]]{1,12}( = (\"[a-z*. ]{0,8}\"|[0-9-]{1,5}|true|\\[\\]|\\{ \\}))?\n){0,12}",
                ]
            ) {
                check(&src)?;
            }
        }
    }
}
