//! Reading `cookies.toml`: every rule of the contract, every problem reported in one pass with
//! `file:line:column`, and nothing built unless the whole file is valid.

mod banner;
mod category;
mod cookie;
mod reader;
mod report;
mod site;
#[cfg(test)]
mod tests;
mod texts;

use toml::de::DeTable;

use self::reader::Section;
pub use self::report::{Diagnostic, Loaded, Report, Severity};
use crate::registry::{Lang, Registry, Site, revision};

/// Parses and checks a registry. `file` names the source in messages.
pub fn parse(file: &str, src: &str) -> Result<Loaded, Report> {
    let mut ck = Checker {
        src,
        diags: Vec::new(),
        broken: Broken::default(),
        category_spans: Vec::new(),
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

/// The one pass over a file: each table's file adds the methods that read it, and every problem
/// goes into `diags` instead of stopping the pass.
struct Checker<'s> {
    src: &'s str,
    diags: Vec<Diagnostic>,
    broken: Broken,
    /// Where each category that was read is declared, in its order.
    category_spans: Vec<std::ops::Range<usize>>,
}

/// What was already reported as broken, so that one mistake gives one error: what depends on a
/// broken item is not reported again ("category has no cookies" after its cookie's typo).
#[derive(Default)]
struct Broken {
    /// The site's languages could not all be read: a text in a language not among the ones
    /// read may be in one that was meant.
    languages: bool,
    /// Ids of categories that were reported and left out; `None` when one had no readable id,
    /// so any unknown category a cookie names may be it.
    categories: Vec<Option<String>>,
    /// Categories named by cookies that were reported and left out; `None` when one had no
    /// readable category, so any optional category may have been meant to hold it.
    cookie_categories: Vec<Option<String>>,
    /// `[[cookie]]` itself is unreadable.
    cookies: bool,
}

const TOP_KEYS: &[&str] = &["site", "category", "cookie", "banner", "texts"];

impl Checker<'_> {
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
        let mut root = Section::new(doc.get_ref(), 0..0, "the top level".to_owned());
        self.check_keys(&mut root, TOP_KEYS);

        let site = match root.get("site") {
            Some(v) => self.section(v, "[site]").and_then(|s| self.site(s)),
            None => {
                self.error(
                    &(0..0),
                    "missing [site] table; start the file with [site] and its name, url and origins",
                );
                None
            }
        };
        if site.is_none() {
            self.broken.languages = true;
        }
        // Without languages no text can be checked; default to English to report the rest.
        let langs = site
            .as_ref()
            .map(|s: &Site| s.languages.clone())
            .unwrap_or_else(|| vec![Lang::parse("en").expect("en is a language")]);

        let categories = self.categories(root.get("category"), &langs);
        let cookies = self.cookies(root.get("cookie"), &categories, site.as_ref(), &langs);
        self.unused_categories(&categories, &cookies);
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
}
