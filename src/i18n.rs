//! Built-in interface texts (buttons, fixed sentences, lifetime words) of the banner and the
//! policy page, by language. A site overrides any key in `[texts.<lang>]` of `cookies.toml`.
//!
//! Unit keys hold the plural forms separated by `|`: `one|other`, or `one|few|many` where the
//! language has a "few" form (Polish).

use std::collections::BTreeMap;

use crate::registry::{Lang, Lifetime, Registry};

type Table = &'static [(&'static str, &'static str)];

const EN: Table = &[
    ("banner_title", "We use cookies"),
    (
        "banner_text",
        "Some cookies are needed for this site to work. With your consent, we also use others to understand how the site is used and to show relevant advertising. Accept or reject them all, or choose by purpose; you can change your mind at any time.",
    ),
    ("accept_all", "Accept all"),
    ("reject_all", "Reject all"),
    ("customize", "Customise"),
    ("save", "Save my choices"),
    ("preferences_title", "Cookie preferences"),
    (
        "preferences_text",
        "Choose which cookies we may use. Strictly necessary cookies cannot be switched off: the site does not work without them.",
    ),
    ("close", "Close"),
    ("always_on", "Always on"),
    ("cookie_policy", "Cookie policy"),
    (
        "gpc_notice",
        "Your browser sent a Global Privacy Control signal, so every optional cookie is off. You can still switch categories on in the cookie settings.",
    ),
    ("settings", "Cookie settings"),
    ("show_cookies", "Show cookies"),
    ("consent_id", "Your consent ID"),
    ("col_name", "Name"),
    ("col_provider", "Provider"),
    ("col_purpose", "Purpose"),
    ("col_expires", "Lifetime"),
    ("col_kind", "Type"),
    ("col_party", "Set by"),
    ("first_party", "First party"),
    ("third_party", "Third party"),
    ("kind_cookie", "Cookie"),
    ("kind_local_storage", "Local storage"),
    ("kind_session_storage", "Session storage"),
    ("kind_pixel", "Pixel"),
    ("session", "Session"),
    ("unit_minute", "minute|minutes"),
    ("unit_hour", "hour|hours"),
    ("unit_day", "day|days"),
    ("unit_week", "week|weeks"),
    ("unit_month", "month|months"),
    ("unit_year", "year|years"),
    ("policy_title", "Cookie policy"),
    ("policy_what_title", "What cookies are"),
    (
        "policy_what_text",
        "Cookies are small text files that a website stores in your browser. Similar technologies, such as local storage and tracking pixels, work the same way; this policy calls them all cookies. Some are needed for the site to work; we use the others only if you agree.",
    ),
    ("policy_choice_title", "How to accept or refuse cookies"),
    (
        "policy_choice_text",
        "On your first visit we ask which optional cookies you accept. Refusing is as easy as accepting, and you can change or withdraw your choice at any time with the button below. You can also block or delete cookies in your browser's settings; the site keeps working, though some features may not.",
    ),
    ("policy_list_title", "The cookies we use"),
    ("policy_required", "Always active"),
    ("policy_optional", "Only with your consent"),
    ("policy_none", "No cookies are declared in this category."),
    ("policy_updated", "Last updated"),
    ("policy_contact_title", "Contact"),
    (
        "policy_contact_text",
        "For any question about this policy or your consent, write to",
    ),
    ("policy_language", "Language"),
    ("privacy_policy", "Privacy policy"),
    ("skip_to_content", "Skip to content"),
];

const FR: Table = &[
    ("banner_title", "Nous utilisons des cookies"),
    (
        "banner_text",
        "Certains cookies sont nécessaires au fonctionnement du site. Avec votre accord, nous en utilisons d'autres pour comprendre comment le site est utilisé et vous montrer des publicités pertinentes. Acceptez-les ou refusez-les tous, ou choisissez par finalité ; vous pouvez changer d'avis à tout moment.",
    ),
    ("accept_all", "Tout accepter"),
    ("reject_all", "Tout refuser"),
    ("customize", "Personnaliser"),
    ("save", "Enregistrer mes choix"),
    ("preferences_title", "Préférences de cookies"),
    (
        "preferences_text",
        "Choisissez les cookies que nous pouvons utiliser. Les cookies strictement nécessaires ne peuvent pas être désactivés : le site ne fonctionne pas sans eux.",
    ),
    ("close", "Fermer"),
    ("always_on", "Toujours actifs"),
    ("cookie_policy", "Politique de cookies"),
    (
        "gpc_notice",
        "Votre navigateur a envoyé un signal Global Privacy Control : tous les cookies facultatifs sont désactivés. Vous pouvez encore activer des catégories dans les paramètres des cookies.",
    ),
    ("settings", "Paramètres des cookies"),
    ("show_cookies", "Voir les cookies"),
    ("consent_id", "Votre identifiant de consentement"),
    ("col_name", "Nom"),
    ("col_provider", "Fournisseur"),
    ("col_purpose", "Finalité"),
    ("col_expires", "Durée"),
    ("col_kind", "Type"),
    ("col_party", "Déposé par"),
    ("first_party", "Le site (première partie)"),
    ("third_party", "Un tiers"),
    ("kind_cookie", "Cookie"),
    ("kind_local_storage", "Stockage local"),
    ("kind_session_storage", "Stockage de session"),
    ("kind_pixel", "Pixel"),
    ("session", "Session"),
    ("unit_minute", "minute|minutes"),
    ("unit_hour", "heure|heures"),
    ("unit_day", "jour|jours"),
    ("unit_week", "semaine|semaines"),
    ("unit_month", "mois|mois"),
    ("unit_year", "an|ans"),
    ("policy_title", "Politique de cookies"),
    ("policy_what_title", "Qu'est-ce qu'un cookie ?"),
    (
        "policy_what_text",
        "Un cookie est un petit fichier texte qu'un site enregistre dans votre navigateur. Des technologies semblables, comme le stockage local et les pixels de suivi, fonctionnent de la même façon ; cette politique les appelle toutes cookies. Certains sont nécessaires au fonctionnement du site ; nous n'utilisons les autres qu'avec votre accord.",
    ),
    ("policy_choice_title", "Accepter ou refuser les cookies"),
    (
        "policy_choice_text",
        "Lors de votre première visite, nous vous demandons quels cookies facultatifs vous acceptez. Refuser est aussi simple qu'accepter, et vous pouvez modifier ou retirer votre choix à tout moment avec le bouton ci-dessous. Vous pouvez aussi bloquer ou supprimer les cookies dans les réglages de votre navigateur ; le site continue de fonctionner, mais certaines fonctions peuvent ne plus être disponibles.",
    ),
    ("policy_list_title", "Les cookies que nous utilisons"),
    ("policy_required", "Toujours actifs"),
    ("policy_optional", "Seulement avec votre accord"),
    (
        "policy_none",
        "Aucun cookie n'est déclaré dans cette catégorie.",
    ),
    ("policy_updated", "Dernière mise à jour"),
    ("policy_contact_title", "Contact"),
    (
        "policy_contact_text",
        "Pour toute question sur cette politique ou votre consentement, écrivez à",
    ),
    ("policy_language", "Langue"),
    ("privacy_policy", "Politique de confidentialité"),
    ("skip_to_content", "Aller au contenu"),
];

/// Languages with built-in texts, by primary subtag.
const BUILTIN: &[(&str, Table)] = &[("en", EN), ("fr", FR)];

fn builtin(lang: &Lang) -> Option<Table> {
    BUILTIN
        .iter()
        .find(|(code, _)| *code == lang.as_str() || *code == lang.primary())
        .map(|(_, table)| *table)
}

pub fn has_builtin(lang: &Lang) -> bool {
    builtin(lang).is_some()
}

/// Every key a site may override in `[texts.<lang>]`.
pub fn keys() -> Vec<&'static str> {
    EN.iter().map(|(k, _)| *k).collect()
}

/// The interface texts of one language: the site's overrides, then the built-in texts of that
/// language, then English.
#[derive(Clone, Debug)]
pub struct UiTexts {
    lang: Lang,
    map: BTreeMap<&'static str, String>,
}

impl UiTexts {
    pub fn new(registry: &Registry, lang: &Lang) -> UiTexts {
        let own = builtin(lang).unwrap_or(EN);
        let overrides = registry.texts.get(lang);
        let map = EN
            .iter()
            .map(|(key, english)| {
                let text = overrides
                    .and_then(|o| o.get(*key).cloned())
                    .or_else(|| {
                        own.iter()
                            .find(|(k, _)| k == key)
                            .map(|(_, t)| (*t).to_owned())
                    })
                    .unwrap_or_else(|| (*english).to_owned());
                (*key, text)
            })
            .collect();
        UiTexts {
            lang: lang.clone(),
            map,
        }
    }

    pub fn get<'a>(&'a self, key: &'a str) -> &'a str {
        self.map.get(key).map(String::as_str).unwrap_or(key)
    }

    pub fn map(&self) -> &BTreeMap<&'static str, String> {
        &self.map
    }

    /// A lifetime in words: "Session", "13 months", "1 an", "5 lat".
    pub fn lifetime(&self, lifetime: Lifetime) -> String {
        let Lifetime::For { count, unit } = lifetime else {
            return self.get("session").to_owned();
        };
        let key = format!("unit_{}", unit.as_str());
        let forms: Vec<&str> = self.get(&key).split('|').collect();
        let index = match plural_category(&self.lang, count) {
            Plural::One => 0,
            Plural::Few => 1.min(forms.len() - 1),
            Plural::Other => forms.len() - 1,
        };
        format!("{count} {}", forms[index])
    }
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

    #[test]
    fn every_builtin_language_has_exactly_the_english_keys() {
        let english = keys();
        for (code, table) in BUILTIN {
            let own: Vec<&str> = table.iter().map(|(k, _)| *k).collect();
            assert_eq!(own, english, "keys of {code}");
            for (key, text) in *table {
                assert!(!text.trim().is_empty(), "{code}.{key} is empty");
                if key.starts_with("unit_") {
                    let forms = text.split('|').count();
                    assert!((2..=3).contains(&forms), "{code}.{key} has {forms} forms");
                }
            }
        }
    }
}
