//! The cookie-policy page that visitors read.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::i18n::{self, PolicyTexts};
use crate::localized::{LocalCategory, LocalCookie, Localized};
use crate::registry::{Lang, Registry};
use crate::state::State;

/// The page in one language: the shared localized view of the registry, and the site's facts
/// that no language changes.
#[derive(Template)]
#[template(path = "cookie_policy.html")]
struct PolicyPage<'a> {
    lang: &'a Lang,
    t: &'a PolicyTexts,
    /// The label of the button that opens the banner's preferences, as the banner names it.
    settings: &'a str,
    site_name: &'a str,
    site_url: &'a str,
    contact: Option<&'a str>,
    updated: Option<String>,
    languages: Vec<LangLink>,
    categories: &'a [LocalCategory],
    /// Consentry's own cookie and storage key, when no category is required to hold them.
    own: &'a [LocalCookie],
}

/// One entry of a page's language switcher.
pub(super) struct LangLink {
    pub(super) code: String,
    pub(super) label: &'static str,
    pub(super) current: bool,
}

/// The switcher of a page in `current`: every language of the registry, by its own name.
pub(super) fn languages(registry: &Registry, current: &Lang) -> Vec<LangLink> {
    registry
        .site
        .languages
        .iter()
        .map(|l| LangLink {
            code: l.to_string(),
            label: i18n::native_name(l),
            current: l == current,
        })
        .collect()
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct Query {
    /// A language of the registry; else `Accept-Language`, else the default.
    pub(super) lang: Option<String>,
}

#[utoipa::path(get, path = "/cookie-policy", tag = "pages", params(Query),
    responses((status = 200, description = "The cookie-policy page", body = String,
        content_type = "text/html")))]
#[tracing::instrument(skip_all)]
pub(crate) async fn cookie_policy(
    req: HttpRequest,
    query: web::Query<Query>,
    state: web::Data<State>,
) -> HttpResponse {
    let served = state.live.get();
    let registry = &served.registry;
    let lang = page_lang(&req, registry, &query);
    // `negotiate` answers one of the registry's languages, and `Served` has a view of each.
    let view = &served.views[&lang];
    // The page borrows the served registry, so it is rendered here rather than returned.
    let html = match PolicyPage::new(registry, view).render() {
        Ok(html) => html,
        Err(error) => {
            tracing::error!(%error, "the cookie-policy page did not render");
            return HttpResponse::InternalServerError().finish();
        }
    };
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CONTENT_LANGUAGE, lang.to_string()))
        .insert_header((header::VARY, "Accept-Language"))
        .body(html)
}

/// The language of a page of the registry's: `?lang=`, else the request's `Accept-Language`.
pub(super) fn page_lang(req: &HttpRequest, registry: &Registry, query: &Query) -> Lang {
    let accept = req
        .headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok());
    negotiate(registry, query.lang.as_deref(), accept)
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

impl<'a> PolicyPage<'a> {
    fn new(registry: &'a Registry, view: &'a Localized) -> PolicyPage<'a> {
        let site = &registry.site;
        PolicyPage {
            lang: &view.lang,
            t: &view.texts.policy,
            settings: &view.texts.banner.settings,
            site_name: &view.site_name,
            site_url: site.url.as_str(),
            contact: site.contact.as_deref(),
            updated: site.updated.map(|d| d.to_string()),
            languages: languages(registry, &view.lang),
            categories: &view.categories,
            own: &view.own,
        }
    }
}
