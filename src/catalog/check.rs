//! `consentry check`'s pass over a loaded registry against the catalog: a cookie the catalog
//! knows, declared in a category that disagrees with it, gets a warning at its `category`.
//!
//! Category ids are the site's own words, so "disagrees" is only what can be told for sure:
//! - the catalog says preferences, analytics or marketing, and the registry's category is
//!   `required`, so visitors cannot refuse the item (the one that matters most);
//! - the registry's category id is one of the catalog's four words, and another one.
//!
//! A site calling its analytics "stats", or keeping a necessary cookie in an optional category
//! called "functional", is its own business.

use std::ops::Range;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::{Catalog, Known, KnownCategory, catalog};
use crate::registry::{CookieName, Diagnostic, Kind, Loaded, Registry, Severity};

/// Adds a warning to `loaded` for each cookie of `src` (the text it was loaded from) whose
/// category disagrees with the catalog.
pub(crate) fn review(src: &str, loaded: &mut Loaded) {
    let found = disagreements(src, &loaded.registry, catalog());
    loaded.warnings.add(found);
}

fn disagreements(src: &str, registry: &Registry, catalog: &Catalog) -> Vec<Diagnostic> {
    // The loader accepted `src`, so it parses; a file changed since reads as nothing to add.
    let Ok(doc) = DeTable::parse(src) else {
        return Vec::new();
    };
    let Some(DeValue::Array(cookies)) = get(doc.get_ref(), "cookie").map(Spanned::get_ref) else {
        return Vec::new();
    };
    cookies
        .iter()
        .filter_map(|item| match item.get_ref() {
            DeValue::Table(table) => disagreement(table, registry, catalog),
            _ => None,
        })
        .map(|(span, message)| Diagnostic::at(src, span.start, Severity::Warning, message))
        .collect()
}

/// The place and words of the warning one `[[cookie]]` table deserves, if any.
fn disagreement(
    table: &DeTable,
    registry: &Registry,
    catalog: &Catalog,
) -> Option<(Range<usize>, String)> {
    let text = |key: &str| get(table, key).and_then(|v| v.get_ref().as_str());
    let name = text("name")?;
    let kind = text("kind").map_or(Some(Kind::Cookie), Kind::parse)?;
    let category = get(table, "category")?;
    let id = category.get_ref().as_str()?;
    let declared = registry.category(id)?;
    // A registry's pattern is the catalog's when written the same; its exact name is whatever
    // the catalog would say of a cookie of that name.
    let known = if CookieName::parse(name)?.is_pattern() {
        catalog.exact(name, kind)
    } else {
        catalog.find(name, kind)
    }?;
    let message = if known.category != KnownCategory::Necessary && declared.required {
        format!(
            "{}, but category \"{id}\" is required, so visitors cannot refuse it",
            what(name, known)
        )
    } else {
        match KnownCategory::parse(id) {
            Some(word) if word != known.category => {
                let meant = known.category.as_str();
                let hint = if registry.category(meant).is_some() {
                    format!("move it to \"{meant}\" unless it serves another purpose on this site")
                } else {
                    format!(
                        "declare a category for {meant} and move it there, unless it serves another purpose on this site"
                    )
                };
                format!(
                    "{}, but category \"{id}\" holds it; {hint}",
                    what(name, known)
                )
            }
            _ => return None,
        }
    };
    Some((category.span(), message))
}

/// `"_ga" is an analytics cookie of Google Analytics in Consentry's catalog`
fn what(name: &str, known: &Known) -> String {
    format!(
        "\"{name}\" is {} {} of {} in Consentry's catalog",
        known.category.with_article(),
        known.kind.noun(),
        known.provider
    )
}

fn get<'t, 'a>(table: &'t DeTable<'a>, key: &str) -> Option<&'t Spanned<DeValue<'a>>> {
    table
        .iter()
        .find(|(k, _)| k.get_ref().as_ref() == key)
        .map(|(_, v)| v)
}
