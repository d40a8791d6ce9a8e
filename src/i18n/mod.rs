//! Built-in interface texts (buttons, fixed sentences, lifetime words) of the banner and the
//! policy page: one data file per language beside this one, embedded at compile time and parsed
//! once into typed structs, so a template that names a text that does not exist fails to build.
//! A site overrides any text in `[texts.<lang>]` of `cookies.toml`.
//!
//! Adding a language: copy `en.toml` to `<code>.toml`, translate every text, and add its line to
//! `FILES`. The unit test below refuses a file with a text missing, an unknown key, or an empty
//! text.

mod lang;

use std::collections::BTreeMap;
use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

pub use lang::Lang;

/// Every built-in language, by primary subtag, and its data file.
const FILES: [(&str, &str); 8] = [
    ("en", include_str!("en.toml")),
    ("fr", include_str!("fr.toml")),
    ("de", include_str!("de.toml")),
    ("es", include_str!("es.toml")),
    ("it", include_str!("it.toml")),
    ("nl", include_str!("nl.toml")),
    ("pl", include_str!("pl.toml")),
    ("pt", include_str!("pt.toml")),
];

/// The banner's texts: they travel in its configuration, in this order (alphabetical, as they
/// were written when they were a map, so a snapshot's bytes did not change with the type).
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct BannerTexts {
    pub accept_all: String,
    pub always_on: String,
    pub banner_text: String,
    pub banner_title: String,
    pub close: String,
    /// Labels the visitor's consent id in the preferences dialog.
    pub consent_id: String,
    pub cookie_policy: String,
    pub customize: String,
    pub gpc_notice: String,
    pub gpc_title: String,
    pub preferences_text: String,
    pub preferences_title: String,
    /// The link from the preferences dialog to the visitor's receipt page.
    pub receipt: String,
    pub reject_all: String,
    pub save: String,
    pub settings: String,
    pub show_cookies: String,
}

/// Lifetime words. Units hold their plural forms separated by `|`: `one|other`, or
/// `one|few|many` where the language has a "few" form (Polish).
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct LifetimeTexts {
    pub session: String,
    pub unit_minute: String,
    pub unit_hour: String,
    pub unit_day: String,
    pub unit_week: String,
    pub unit_month: String,
    pub unit_year: String,
    /// The lifetime of what the banner keeps until the service has received it.
    pub until_delivered: String,
}

/// The cookie-policy page's texts.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PolicyTexts {
    pub col_name: String,
    pub col_provider: String,
    pub col_purpose: String,
    pub col_expires: String,
    pub col_kind: String,
    pub col_party: String,
    pub first_party: String,
    pub third_party: String,
    pub kind_cookie: String,
    pub kind_local_storage: String,
    pub kind_session_storage: String,
    pub kind_pixel: String,
    /// A cookie named `*` on a domain, in words; `{domain}` stands for the domain.
    pub name_any: String,
    /// A name pattern ending in `*`; `{prefix}` stands for what comes before it.
    pub name_prefix: String,
    /// Any other name pattern with `*`; `{pattern}` stands for it.
    pub name_pattern: String,
    pub policy_title: String,
    pub policy_what_title: String,
    pub policy_what_text: String,
    pub policy_choice_title: String,
    pub policy_choice_text: String,
    pub policy_list_title: String,
    pub policy_required: String,
    pub policy_optional: String,
    pub policy_none: String,
    /// The heading of Consentry's own cookie and storage key, where no category is required.
    pub policy_own_title: String,
    /// The purpose of the `consentry` cookie that keeps the decision.
    pub own_cookie_purpose: String,
    /// The purpose of the `consentry:pending` key that keeps an undelivered decision.
    pub own_pending_purpose: String,
    /// The purpose of the `consentry:discovered` key, with `[banner] discover` only.
    pub own_discovered_purpose: String,
    pub policy_updated: String,
    pub policy_contact_title: String,
    pub policy_contact_text: String,
    pub policy_language: String,
    pub privacy_policy: String,
    pub skip_to_content: String,
}

/// The human summary of an evidence document (`evidence::summary`). Kept out of `Texts`, so a
/// site cannot override it: it reads evidence back, and `consentry evidence` makes it offline,
/// without the registry. `{id}`, `{when}`, `{asked}`, `{action}`, `{accepted}` and `{refused}`
/// stand for what they name.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct EvidenceTexts {
    pub title: String,
    pub decision: String,
    /// What an empty list of categories reads as.
    pub none: String,
    pub action_accept_all: String,
    pub action_reject_all: String,
    pub action_custom: String,
    pub action_gpc: String,
    pub action_withdraw: String,
}

/// The receipt page a visitor reaches from the banner (`/consent/{id}`, `routes::receipt`).
/// Kept out of `Texts` like the evidence summary: it reads records back, and says how to check
/// them. `{site}` stands for the site's name; `{n}`, `{count}` and `{index}` for numbers.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ReceiptTexts {
    pub title: String,
    pub intro: String,
    pub decision: String,
    pub recorded: String,
    pub action: String,
    pub accepted: String,
    pub refused: String,
    pub expires: String,
    pub log: String,
    pub log_entry: String,
    pub log_proof: String,
    pub log_pending: String,
    pub check_title: String,
    pub check_text: String,
    pub check_records: String,
    pub check_checkpoint: String,
    pub check_key: String,
    pub check_evidence: String,
    pub none_title: String,
    pub none_text: String,
    pub invalid: String,
}

/// Every interface text of one language.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Texts {
    pub banner: BannerTexts,
    pub lifetime: LifetimeTexts,
    pub policy: PolicyTexts,
}

/// One data file: the language's own name (for the policy page's switcher) and its texts.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Builtin {
    name: String,
    banner: BannerTexts,
    lifetime: LifetimeTexts,
    policy: PolicyTexts,
    evidence: EvidenceTexts,
    receipt: ReceiptTexts,
}

impl Builtin {
    fn texts(&self) -> Texts {
        Texts {
            banner: self.banner.clone(),
            lifetime: self.lifetime.clone(),
            policy: self.policy.clone(),
        }
    }
}

static BUILTIN: LazyLock<Vec<(&'static str, Builtin)>> = LazyLock::new(|| {
    FILES
        .iter()
        .map(|(code, src)| {
            let parsed = toml::from_str(src)
                .unwrap_or_else(|e| panic!("src/i18n/{code}.toml is not valid: {e}"));
            (*code, parsed)
        })
        .collect()
});

/// The receipt page's texts in `lang`, else in English.
pub(crate) fn receipt_texts(lang: &Lang) -> &'static ReceiptTexts {
    &builtin(lang).unwrap_or_else(english).receipt
}

/// Every key a site may override in `[texts.<lang>]`, in the data files' order.
static KEYS: LazyLock<Vec<String>> = LazyLock::new(|| {
    sections(&english().texts())
        .into_iter()
        .flat_map(|(_, table)| table.into_iter().map(|(key, _)| key))
        .collect()
});

fn english() -> &'static Builtin {
    &BUILTIN[0].1
}

fn builtin(lang: &Lang) -> Option<&'static Builtin> {
    BUILTIN
        .iter()
        .find(|(code, _)| *code == lang.as_str() || *code == lang.primary())
        .map(|(_, builtin)| builtin)
}

pub(crate) fn has_builtin(lang: &Lang) -> bool {
    builtin(lang).is_some()
}

/// A language's own name ("Français"), or nothing when Consentry has no texts in it.
pub(crate) fn native_name(lang: &Lang) -> &'static str {
    builtin(lang).map_or("", |b| b.name.as_str())
}

/// The evidence summary's texts in `lang`, else in English.
pub(crate) fn evidence_texts(lang: &Lang) -> &'static EvidenceTexts {
    &builtin(lang).unwrap_or_else(english).evidence
}

/// Every key a site may override in `[texts.<lang>]`.
pub(crate) fn keys() -> Vec<&'static str> {
    KEYS.iter().map(String::as_str).collect()
}

/// The texts as `(section, table)` pairs: the keys of a site's overrides are their fields.
fn sections(texts: &Texts) -> Vec<(String, toml::Table)> {
    let toml::Value::Table(root) = toml::Value::try_from(texts).expect("texts are strings") else {
        unreachable!("a struct serializes as a table")
    };
    root.into_iter()
        .filter_map(|(name, v)| match v {
            toml::Value::Table(table) => Some((name, table)),
            _ => None,
        })
        .collect()
}

impl Texts {
    /// The interface texts of one language: the site's overrides (checked by the registry's
    /// loader to name only keys of `keys()`), then the built-in texts of that language, then
    /// English.
    pub(crate) fn new(lang: &Lang, overrides: Option<&BTreeMap<String, String>>) -> Texts {
        let own = builtin(lang).unwrap_or_else(english).texts();
        let Some(overrides) = overrides.filter(|o| !o.is_empty()) else {
            return own;
        };
        let mut root = toml::Table::new();
        for (name, mut table) in sections(&own) {
            for (key, slot) in table.iter_mut() {
                if let Some(text) = overrides.get(key.as_str()) {
                    *slot = toml::Value::String(text.clone());
                }
            }
            root.insert(name, toml::Value::Table(table));
        }
        root.try_into().expect("the same keys, all strings")
    }
}

/// `count` with the plural form of `forms` (`one|other` or `one|few|many`) it takes in `lang`:
/// "13 months", "1 an", "5 lat".
pub(crate) fn counted(lang: &Lang, count: u32, forms: &str) -> String {
    let forms: Vec<&str> = forms.split('|').collect();
    let index = match plural_category(lang, count) {
        Plural::One => 0,
        Plural::Few => 1.min(forms.len() - 1),
        Plural::Other => forms.len() - 1,
    };
    format!("{count} {}", forms[index])
}

enum Plural {
    One,
    Few,
    Other,
}

/// CLDR plural category of a positive whole number, for the built-in languages.
fn plural_category(lang: &Lang, n: u32) -> Plural {
    match lang.primary() {
        "pl" if n == 1 => Plural::One,
        "pl" if (2..=4).contains(&(n % 10)) && !(12..=14).contains(&(n % 100)) => Plural::Few,
        "pl" => Plural::Other,
        _ if n == 1 => Plural::One,
        _ => Plural::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lang(tag: &str) -> Lang {
        Lang::parse(tag).expect("a language tag")
    }

    #[test]
    fn every_builtin_language_has_every_text_and_nothing_else() {
        // Parsing with deny_unknown_fields and no defaults is the check: a missing or unknown
        // key refuses the file.
        assert_eq!(BUILTIN.len(), FILES.len());
        for (code, builtin) in BUILTIN.iter() {
            assert!(!builtin.name.trim().is_empty(), "{code} has no name");
            for (section, table) in sections(&builtin.texts()) {
                for (key, text) in table {
                    let text = text.as_str().expect("texts are strings");
                    assert!(!text.trim().is_empty(), "{code}.{section}.{key} is empty");
                    if key.starts_with("unit_") {
                        let forms = text.split('|').count();
                        assert!((2..=3).contains(&forms), "{code}.{key} has {forms} forms");
                    }
                }
            }
        }
        assert_eq!(keys().len(), 59);
    }

    #[test]
    fn every_builtin_evidence_summary_names_its_placeholders_once() {
        for (code, builtin) in BUILTIN.iter() {
            let e = &builtin.evidence;
            assert_eq!(e.title.matches("{id}").count(), 1, "{code}.evidence.title");
            for placeholder in ["{when}", "{asked}", "{action}", "{accepted}", "{refused}"] {
                assert_eq!(
                    e.decision.matches(placeholder).count(),
                    1,
                    "{code}.evidence.decision lacks {placeholder}"
                );
            }
            assert!(!e.none.trim().is_empty(), "{code}.evidence.none");
        }
        assert_eq!(evidence_texts(&lang("fr-ca")).none, "aucun");
        assert_eq!(evidence_texts(&lang("sv")).none, "nothing");
    }

    #[test]
    fn every_builtin_receipt_text_names_its_placeholders() {
        for (code, builtin) in BUILTIN.iter() {
            let r = &builtin.receipt;
            for (key, text, placeholders) in [
                ("intro", &r.intro, &["{site}"][..]),
                ("decision", &r.decision, &["{n}", "{count}"]),
                ("log_entry", &r.log_entry, &["{index}"]),
                ("check_text", &r.check_text, &["{site}"]),
                ("check_evidence", &r.check_evidence, &["{site}"]),
                ("invalid", &r.invalid, &["{site}"]),
            ] {
                for placeholder in placeholders {
                    assert_eq!(text.matches(placeholder).count(), 1, "{code}.{key}: {text}");
                }
            }
        }
        assert_eq!(
            receipt_texts(&lang("pt-br")).log,
            "Registo de consentimentos"
        );
        assert_eq!(receipt_texts(&lang("sv")).log, "Consent log");
    }

    #[test]
    fn every_builtin_name_pattern_text_holds_its_placeholder_once() {
        for (code, builtin) in BUILTIN.iter() {
            let p = &builtin.policy;
            for (key, text, placeholder) in [
                ("name_any", &p.name_any, "{domain}"),
                ("name_prefix", &p.name_prefix, "{prefix}"),
                ("name_pattern", &p.name_pattern, "{pattern}"),
            ] {
                assert_eq!(text.matches(placeholder).count(), 1, "{code}.{key}: {text}");
            }
        }
    }

    #[test]
    fn a_site_override_replaces_only_its_text() {
        let overrides = BTreeMap::from([("accept_all".to_owned(), "Oui".to_owned())]);
        let fr = Texts::new(&lang("fr"), Some(&overrides));
        assert_eq!(fr.banner.accept_all, "Oui");
        assert_eq!(fr.banner.reject_all, "Tout refuser");
        assert_eq!(
            Texts::new(&lang("fr-ca"), None).banner.reject_all,
            "Tout refuser"
        );
        assert_eq!(
            Texts::new(&lang("sv"), None).banner.reject_all,
            "Reject all"
        );
    }

    #[test]
    fn polish_counts_use_one_few_and_many_forms() {
        let pl = Texts::new(&lang("pl"), None);
        let years = |count| counted(&lang("pl"), count, &pl.lifetime.unit_year);
        assert_eq!(years(1), "1 rok");
        assert_eq!(years(2), "2 lata");
        assert_eq!(years(5), "5 lat");
        assert_eq!(years(22), "22 lata");
        assert_eq!(years(12), "12 lat");
        let months = |count| counted(&lang("pl"), count, &pl.lifetime.unit_month);
        assert_eq!(months(3), "3 miesiące");
        assert_eq!(months(13), "13 miesięcy");
        assert_eq!(pl.lifetime.session, "Sesja");
    }
}
