//! `GET /`: a page that embeds the banner the way a website does, with an example tag per
//! optional category, an embed held back until consent and the live consent state.

use actix_web::http::header;
use actix_web::{HttpResponse, Responder, web};
use askama::Template;
use askama_web::WebTemplate;

use crate::error::{AppError, ErrorBody};
use crate::state::State;

#[derive(Template, WebTemplate)]
#[template(path = "demo.html")]
pub(crate) struct DemoPage {
    lang: String,
    site_name: String,
    revision: String,
    /// Whether `/admin` is open; the link says how to open it when not.
    admin_open: bool,
    /// The optional categories, one example tag each.
    categories: Vec<CategoryView>,
    all_categories: Vec<CategoryView>,
    /// The category the example embed waits for: `marketing` if there is one, else the last
    /// optional one.
    embed_category: Option<CategoryView>,
}

#[derive(Clone)]
struct CategoryView {
    id: String,
    title: String,
}

#[utoipa::path(get, path = "/", tag = "pages",
    responses((status = 200, description = "A demo page that embeds the banner", body = String,
        content_type = "text/html")))]
pub(crate) async fn index(state: web::Data<State>) -> DemoPage {
    let served = state.live.get();
    let registry = &served.registry;
    let lang = registry.default_lang();
    let view = |c: &crate::registry::Category| CategoryView {
        id: c.id.to_string(),
        title: c.title.get(lang, lang).to_owned(),
    };
    let categories: Vec<CategoryView> = registry
        .categories
        .iter()
        .filter(|c| !c.required)
        .map(view)
        .collect();
    let embed_category = categories
        .iter()
        .find(|c| c.id == "marketing")
        .or(categories.last())
        .cloned();
    DemoPage {
        lang: lang.to_string(),
        site_name: registry.site.name.get(lang, lang).to_owned(),
        revision: registry.revision.clone(),
        admin_open: state.admin_token.is_some(),
        all_categories: registry.categories.iter().map(view).collect(),
        categories,
        embed_category,
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "demo_embed.html")]
struct EmbedPage;

/// The page's own CSP, which lets the demo frame it (the default one forbids framing).
const EMBED_CSP: &str = "default-src 'none'; style-src 'self'; frame-ancestors 'self'";

/// The example embed that the demo's iframe loads once its category is granted.
#[utoipa::path(get, path = "/demo/embed", tag = "pages",
    responses((status = 200, description = "The demo's example embed", body = String,
        content_type = "text/html")))]
pub(crate) async fn embed() -> impl Responder {
    EmbedPage
        .customize()
        .insert_header((header::CONTENT_SECURITY_POLICY, EMBED_CSP))
}

const EXAMPLE_JS: &str = include_str!("../../static/demo/example.js");
const DEMO_JS: &str = include_str!("../../static/demo/demo.js");
const DEMO_CSS: &str = include_str!("../../static/demo/demo.css");

/// The demo's example tag and its own script and styles.
#[utoipa::path(get, path = "/demo/{file}", tag = "pages",
    params(("file" = String, Path, description = "example.js, demo.js or demo.css")),
    responses(
        (status = 200, description = "The file", body = String),
        (status = 404, description = "No such file", body = ErrorBody),
    ))]
pub(crate) async fn asset(file: web::Path<String>) -> Result<HttpResponse, AppError> {
    let (body, content_type) = match file.as_str() {
        "example.js" => (EXAMPLE_JS, "text/javascript; charset=utf-8"),
        "demo.js" => (DEMO_JS, "text/javascript; charset=utf-8"),
        "demo.css" => (DEMO_CSS, "text/css; charset=utf-8"),
        other => return Err(AppError::NotFound(format!("no such file: /demo/{other}"))),
    };
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(body))
}
