//! Ready-to-paste `[[cookie]]` TOML for an item a scan or a visitor's browser met that the
//! registry does not declare: filled from the catalog where it knows the item, a plain
//! placeholder where it does not, and always valid for the registry it is meant for.

use std::fmt::Write;

use super::{Known, KnownCategory};
use crate::registry::{Category, HttpUrl, Kind, Registry};

/// The `[[cookie]]` table (comments above it) to append to `registry`'s file for the item
/// `name` of `kind`, seen on `domain` (a cookie's domain, or a storage key's origin), which the
/// catalog knows as `known`. Every value is escaped as a TOML string: the name and domain came
/// from a web page.
pub(crate) fn suggestion(
    name: &str,
    kind: Kind,
    domain: Option<&str>,
    known: Option<&Known>,
    registry: &Registry,
) -> String {
    suggestion_seen(name, kind, domain, known, None, registry)
}

/// `suggestion`, for an item a scan saw live `seen` long: an item the catalog does not know
/// is suggested with that lifetime rather than a placeholder.
pub(crate) fn suggestion_seen(
    name: &str,
    kind: Kind,
    domain: Option<&str>,
    known: Option<&Known>,
    seen: Option<crate::registry::Lifetime>,
    registry: &Registry,
) -> String {
    let mut out = String::new();
    let category = match known {
        Some(known) => {
            let (category, guessed) = category_for(known.category, registry);
            let _ = writeln!(
                out,
                "# From Consentry's catalog (\"{}\", {}): check it against what the site does.",
                known.name.as_str(),
                known.provider
            );
            if guessed {
                let _ = writeln!(
                    out,
                    "# The catalog calls it \"{}\"; this registry has no such category.",
                    known.category.as_str()
                );
            }
            category
        }
        None => {
            out.push_str(
                "# Consentry's catalog does not know this item: write what it does, who sets it \
                 and how long it lives before you publish it.\n",
            );
            optional_first(registry)
        }
    };
    if registry.default_lang().as_str() != "en" {
        let _ = writeln!(
            out,
            "# The purpose is in English; the registry's default language is \"{}\".",
            registry.default_lang().as_str()
        );
    }
    if let Some(known) = known.filter(|k| k.is_site_software()) {
        let _ = writeln!(
            out,
            "# Set by {}, which the site runs itself: the site is its provider.",
            known.provider
        );
    }

    out.push_str("[[cookie]]\n");
    line(&mut out, "name", name);
    line(
        &mut out,
        "category",
        category.map_or_else(|| fallback_category(known), |c| c.id.as_str()),
    );
    match known {
        Some(known) => {
            if !known.is_site_software() {
                line(&mut out, "provider", &known.provider);
            }
            line(&mut out, "purpose", &known.purpose);
            line(&mut out, "expires", &known.expires.to_string());
        }
        None => {
            line(
                &mut out,
                "purpose",
                "REPLACE ME: what this item does, in words a visitor understands",
            );
            match seen {
                Some(lifetime) => {
                    line(&mut out, "expires", &lifetime.to_string());
                    out.push_str(
                        "# expires: as the scan saw it; check how long the site sets it for\n",
                    );
                }
                None => {
                    // A lifetime the loader accepts, so the file stays valid until it is replaced.
                    line(&mut out, "expires", "session");
                    out.push_str("# expires: replace \"session\" with how long it really lives\n");
                }
            }
        }
    }
    if kind != Kind::Cookie {
        line(&mut out, "kind", kind.as_str());
    }
    if let Some(domain) = third_party(domain, registry) {
        line(&mut out, "domain", &domain);
    }
    if let Some(url) = known.and_then(|k| k.privacy_url.as_ref()) {
        line(&mut out, "privacy_url", url.as_str());
    }
    out
}

/// `key = "value"` on one line, the value a TOML basic string.
fn line(out: &mut String, key: &str, value: &str) {
    let _ = writeln!(out, "{key} = {}", basic_string(value));
}

/// `value` quoted as a TOML basic string: the quote, the backslash and every control
/// character escaped (TOML allows none of them raw), so no value can end the string, the line
/// or the table it is written in.
fn basic_string(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The registry's category for a catalog category: the one of the same id; else, for a
/// necessary item, the first required one; else the first optional one. The flag says the
/// choice is a guess, not the catalog's word.
fn category_for(wanted: KnownCategory, registry: &Registry) -> (Option<&Category>, bool) {
    if let Some(same) = registry.category(wanted.as_str()) {
        return (Some(same), false);
    }
    let required = registry.categories.iter().find(|c| c.required);
    let guess = match wanted {
        KnownCategory::Necessary => required.or_else(|| optional_first(registry)),
        _ => optional_first(registry),
    };
    (guess, true)
}

/// The first category visitors may refuse (an unknown item is not assumed necessary), else
/// the first there is.
fn optional_first(registry: &Registry) -> Option<&Category> {
    registry
        .categories
        .iter()
        .find(|c| !c.required)
        .or_else(|| registry.categories.first())
}

/// A registry without categories has nothing to name; the loader then reports the category
/// as undeclared, which is the truth.
fn fallback_category(known: Option<&Known>) -> &'static str {
    known.map_or("analytics", |k| k.category.as_str())
}

/// The domain to declare: the one seen, as a host (a storage key's origin is a URL), unless it
/// is the site's own.
fn third_party(seen: Option<&str>, registry: &Registry) -> Option<String> {
    let seen = seen?.trim();
    let host = HttpUrl::parse(seen)
        .map(|url| url.host().to_owned())
        .unwrap_or_else(|_| seen.to_owned());
    (!host.is_empty() && !registry.site.is_first_party(Some(&host))).then_some(host)
}
