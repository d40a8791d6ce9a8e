//! Consentry's catalog of well-known cookies and storage keys (`known.toml`, built in): who sets
//! each, for what, for how long, and the category a site would usually put it in. `consentry
//! check` warns where a registry disagrees with it (`review`), and an undeclared item that a scan
//! or a visitor's browser met gets ready-to-paste TOML from it (`suggestion`).

mod check;
mod suggestion;
#[cfg(test)]
mod suggestion_tests;
#[cfg(test)]
mod tests;

use std::sync::LazyLock;

pub(crate) use check::review;
pub(crate) use suggestion::{suggestion, suggestion_seen};

use crate::registry::{self, CookieName, HttpUrl, Kind, Lifetime, Report};

/// The catalog's entries: `[[cookie]]` tables a registry could hold.
const KNOWN: &str = include_str!("known.toml");

/// What the entries are read under: the registry loader's own document, with the four
/// categories, so an entry is exactly what a site's `[[cookie]]` may be and the loader's every
/// rule applies to it. The site's host is none a catalog entry names, so every `domain` reads as
/// a third party's.
const STUB: &str = r#"[site]
name = "Consentry catalog"
url = "https://catalog.consentry.invalid"
origins = ["https://catalog.consentry.invalid"]
languages = ["en"]

[[category]]
id = "necessary"
title = "Necessary"
description = "Needed for the site to work."
required = true

[[category]]
id = "preferences"
title = "Preferences"
description = "Remember choices."

[[category]]
id = "analytics"
title = "Analytics"
description = "Measure visits."

[[category]]
id = "marketing"
title = "Marketing"
description = "Advertising."

"#;

/// The category the catalog gives an item: the words the issue and most consent platforms use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum KnownCategory {
    Necessary,
    Preferences,
    Analytics,
    Marketing,
}

impl KnownCategory {
    pub(crate) const ALL: [KnownCategory; 4] = [
        KnownCategory::Necessary,
        KnownCategory::Preferences,
        KnownCategory::Analytics,
        KnownCategory::Marketing,
    ];

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            KnownCategory::Necessary => "necessary",
            KnownCategory::Preferences => "preferences",
            KnownCategory::Analytics => "analytics",
            KnownCategory::Marketing => "marketing",
        }
    }

    pub(crate) fn parse(s: &str) -> Option<KnownCategory> {
        KnownCategory::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// "an analytics", "a marketing": the category as an adjective in a sentence.
    pub(crate) fn with_article(self) -> String {
        let article = if self == KnownCategory::Analytics {
            "an"
        } else {
            "a"
        };
        format!("{article} {}", self.as_str())
    }
}

/// One well-known cookie or storage key.
#[derive(Clone, Debug)]
pub(crate) struct Known {
    /// A name, or a pattern with `*`.
    pub(crate) name: CookieName,
    pub(crate) kind: Kind,
    pub(crate) provider: String,
    pub(crate) category: KnownCategory,
    /// In English, in our own words.
    pub(crate) purpose: String,
    /// The provider's default.
    pub(crate) expires: Lifetime,
    /// The vendor's own domain, for a cookie that lives there (for the scan, to tell a
    /// well-known third-party cookie from a first-party one of the same name).
    #[allow(dead_code)]
    pub(crate) domain: Option<String>,
    /// `None` for software the site runs itself (see `is_site_software`).
    pub(crate) privacy_url: Option<HttpUrl>,
}

impl Known {
    /// Whether the site itself runs what sets it (its framework, its CMS, a self-hosted
    /// Matomo): then no third party receives the data, the site is its provider, and the entry
    /// has no privacy policy of a vendor to point to.
    pub(crate) fn is_site_software(&self) -> bool {
        self.privacy_url.is_none()
    }
}

/// Every entry of `known.toml`, in its order.
#[derive(Debug, Default)]
pub(crate) struct Catalog {
    entries: Vec<Known>,
}

/// Why the catalog's text cannot be used.
#[derive(Debug, thiserror::Error)]
pub(crate) enum CatalogError {
    /// The registry loader refused it; lines are `known.toml`'s own.
    #[error("{0}")]
    Invalid(Report),
    #[error("known.toml: \"{0}\" names no provider; every catalog entry says who sets it")]
    NoProvider(String),
}

/// The built-in catalog, read once. A broken `known.toml` fails `cargo test` (see the tests);
/// should one ship all the same, the service runs with an empty catalog rather than not at all.
pub(crate) fn catalog() -> &'static Catalog {
    static CATALOG: LazyLock<Catalog> = LazyLock::new(|| match Catalog::load(KNOWN) {
        Ok((catalog, _)) => catalog,
        Err(e) => {
            tracing::error!("the built-in cookie catalog is broken and left empty: {e}");
            Catalog::default()
        }
    });
    &CATALOG
}

impl Catalog {
    /// Reads catalog text as a registry's `[[cookie]]` tables; the loader's warnings come back
    /// beside it (lines of `text`), since a vendor's default lifetime may be longer than a
    /// site should keep.
    fn load(text: &str) -> Result<(Catalog, Report), CatalogError> {
        let stub_lines = STUB.matches('\n').count();
        let in_text = |mut report: Report| {
            report.file = "known.toml".to_owned();
            // What the stub itself raises (a category no entry uses) has no line of the text.
            for d in &mut report.diagnostics {
                d.line = d.line.saturating_sub(stub_lines).max(1);
            }
            report
        };
        let loaded = registry::parse("known.toml", &format!("{STUB}{text}"))
            .map_err(|report| CatalogError::Invalid(in_text(report)))?;
        let registry = &loaded.registry;
        let en = registry.default_lang();
        let entries = registry
            .cookies
            .iter()
            .map(|c| {
                let provider = c
                    .provider
                    .as_ref()
                    .ok_or_else(|| CatalogError::NoProvider(c.name.as_str().to_owned()))?;
                Ok(Known {
                    name: c.name.clone(),
                    kind: c.kind,
                    provider: provider.get(en, en).to_owned(),
                    category: KnownCategory::parse(c.category.as_str())
                        .expect("the stub declares only the four categories"),
                    purpose: c.purpose.get(en, en).to_owned(),
                    expires: c.expires,
                    domain: c.domain.clone(),
                    privacy_url: c.privacy_url.clone(),
                })
            })
            .collect::<Result<Vec<Known>, CatalogError>>()?;
        Ok((Catalog { entries }, in_text(loaded.warnings)))
    }

    #[allow(dead_code)] // for the scan's report; the tests read every entry through it
    pub(crate) fn entries(&self) -> &[Known] {
        &self.entries
    }

    /// What the catalog knows of an item a browser holds: the entry of that exact name, else
    /// the longest pattern that matches it (the first in the file among equally long ones).
    /// Kind matters: a cookie `_ga` is not a local-storage key `_ga`.
    pub(crate) fn find(&self, name: &str, kind: Kind) -> Option<&Known> {
        self.exact(name, kind).or_else(|| {
            self.entries
                .iter()
                .filter(|k| k.kind == kind && k.name.is_pattern() && k.name.matches(name))
                .min_by_key(|k| std::cmp::Reverse(k.name.as_str().len()))
        })
    }

    /// The entry whose name or pattern is written exactly as `name`: how a registry's own
    /// pattern is looked up (`_ga_*` is the catalog's `_ga_*`, not any pattern it fits).
    pub(crate) fn exact(&self, name: &str, kind: Kind) -> Option<&Known> {
        self.entries
            .iter()
            .find(|k| k.kind == kind && k.name.as_str() == name)
    }
}
