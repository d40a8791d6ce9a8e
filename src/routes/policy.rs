//! The cookie-policy page that visitors read.

use actix_web::http::header;
use actix_web::{HttpRequest, Responder, web};
use askama::Template;
use askama_web::WebTemplate;
use serde::Deserialize;

use crate::i18n::UiTexts;
use crate::registry::{Lang, Registry};
use crate::state::State;

#[derive(Template, WebTemplate)]
#[template(path = "cookie_policy.html")]
struct PolicyPage {
    lang: String,
    t: UiTexts,
    site_name: String,
    site_url: String,
    contact: Option<String>,
    updated: Option<String>,
    languages: Vec<LangLink>,
    categories: Vec<CategoryView>,
}

struct LangLink {
    code: String,
    label: &'static str,
    current: bool,
}

struct CategoryView {
    id: String,
    title: String,
    description: String,
    required: bool,
    cookies: Vec<CookieView>,
}

struct CookieView {
    name: String,
    provider: String,
    privacy_url: Option<String>,
    purpose: String,
    lifetime: String,
    kind: String,
    party: String,
}

#[derive(Deserialize)]
pub(crate) struct Query {
    lang: Option<String>,
}

#[tracing::instrument(skip_all)]
pub(crate) async fn cookie_policy(
    req: HttpRequest,
    query: web::Query<Query>,
    state: web::Data<State>,
) -> impl Responder {
    let served = state.live.get();
    let registry = &served.registry;
    let accept = req
        .headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok());
    let lang = negotiate(registry, query.lang.as_deref(), accept);
    PolicyPage::new(registry, &lang)
        .customize()
        .insert_header((header::CONTENT_LANGUAGE, lang.to_string()))
        .insert_header((header::VARY, "Accept-Language"))
}

/// `?lang=` first, then `Accept-Language` by quality, then the registry's default.
pub(crate) fn negotiate(registry: &Registry, query: Option<&str>, accept: Option<&str>) -> Lang {
    if let Some(lang) = query
        .and_then(Lang::parse)
        .and_then(|l| registry.pick_lang(&l))
    {
        return lang.clone();
    }
    let mut ranges: Vec<(f32, Lang)> = accept
        .unwrap_or_default()
        .split(',')
        .filter_map(|part| {
            let mut bits = part.split(';');
            let tag = Lang::parse(bits.next()?.trim())?;
            let q = bits
                .find_map(|b| b.trim().strip_prefix("q="))
                .map_or(Some(1.0), |q| q.trim().parse::<f32>().ok())?;
            (q > 0.0).then_some((q, tag))
        })
        .collect();
    // Stable sort keeps the header's order among equal qualities.
    ranges.sort_by(|a, b| b.0.total_cmp(&a.0));
    ranges
        .iter()
        .find_map(|(_, l)| registry.pick_lang(l))
        .unwrap_or(registry.default_lang())
        .clone()
}

/// A language's own name, for the switcher.
fn native_name(lang: &Lang) -> &'static str {
    match lang.primary() {
        "en" => "English",
        "fr" => "Français",
        "de" => "Deutsch",
        "es" => "Español",
        "it" => "Italiano",
        "nl" => "Nederlands",
        "pl" => "Polski",
        "pt" => "Português",
        _ => "",
    }
}

impl PolicyPage {
    fn new(registry: &Registry, lang: &Lang) -> PolicyPage {
        let default = registry.default_lang();
        let t = UiTexts::new(registry, lang);
        let site = &registry.site;
        let categories = registry
            .categories
            .iter()
            .map(|c| CategoryView {
                id: c.id.to_string(),
                title: c.title.get(lang, default).to_owned(),
                description: c.description.get(lang, default).to_owned(),
                required: c.required,
                cookies: registry
                    .cookies_in(&c.id)
                    .map(|k| CookieView {
                        name: k.name.as_str().to_owned(),
                        provider: registry.provider_name(k, lang).to_owned(),
                        privacy_url: k.privacy_url.as_ref().map(|u| u.as_str().to_owned()),
                        purpose: k.purpose.get(lang, default).to_owned(),
                        lifetime: t.lifetime(k.expires),
                        kind: t.get(k.kind.text_key()).to_owned(),
                        party: t
                            .get(if site.is_first_party(k.domain.as_deref()) {
                                "first_party"
                            } else {
                                "third_party"
                            })
                            .to_owned(),
                    })
                    .collect(),
            })
            .collect();
        PolicyPage {
            lang: lang.to_string(),
            site_name: site.name.get(lang, default).to_owned(),
            site_url: site.url.as_str().to_owned(),
            contact: site.contact.clone(),
            updated: site.updated.map(|d| d.to_string()),
            languages: site
                .languages
                .iter()
                .map(|l| LangLink {
                    code: l.to_string(),
                    label: native_name(l),
                    current: l == lang,
                })
                .collect(),
            categories,
            t,
        }
    }
}
