use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};

use crate::state::State;

/// The registry as JSON, revalidated by ETag so pollers pay a 304.
#[utoipa::path(get, path = "/api/v1/registry", tag = "registry",
    responses(
        (status = 200, description = "The registry: site, revision, `shown` (language → hash of \
            what the banner shows in it), languages, categories, cookies (CONTRACT §3)",
            body = Object, headers(("ETag" = String))),
        (status = 304, description = "Unchanged since the `If-None-Match` ETag"),
    ))]
#[tracing::instrument(skip_all)]
pub(crate) async fn registry(req: HttpRequest, state: web::Data<State>) -> HttpResponse {
    let served = state.live.get();
    let etag = served.registry_etag.as_str();
    if super::etag_matches(&req, etag) {
        return HttpResponse::NotModified()
            .insert_header((header::ETAG, etag))
            .finish();
    }
    HttpResponse::Ok()
        .content_type("application/json")
        .insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(served.registry_json.clone())
}
