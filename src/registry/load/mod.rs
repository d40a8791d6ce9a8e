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
}
