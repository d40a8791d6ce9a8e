//! `GET /`: a page that embeds the banner the way a website does.

use actix_web::{get, web};
use askama::Template;
use askama_web::WebTemplate;

use crate::startup::State;

#[derive(Template, WebTemplate)]
#[template(path = "demo.html")]
struct DemoPage {
    lang: String,
    site_name: String,
    revision: String,
}

#[get("/")]
pub(crate) async fn index(state: web::Data<State>) -> DemoPage {
    let served = state.live.get();
    let registry = &served.registry;
    let lang = registry.default_lang();
    DemoPage {
        lang: lang.to_string(),
        site_name: registry.site.name.get(lang, lang).to_owned(),
        revision: registry.revision.clone(),
    }
}
