//! `GET /banner.js`: the script websites embed, precompressed, revalidated by a strong ETag.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};

use crate::banner::Encoding;
use crate::state::State;

/// Browsers and CDNs may reuse the script for five minutes, then revalidate (a 304 costs a few
/// bytes), so a registry edit reaches visitors within minutes without redeploying the site.
const CACHE_CONTROL: &str = "public, max-age=300, stale-while-revalidate=3600";

#[utoipa::path(get, path = "/banner.js", tag = "pages",
    responses(
        (status = 200, description = "The banner script with every language's configuration \
            (brotli or gzip by `Accept-Encoding`)", body = String, content_type = "text/javascript",
            headers(("ETag" = String))),
        (status = 304, description = "Unchanged since the `If-None-Match` ETag"),
    ))]
#[tracing::instrument(skip_all)]
pub(crate) async fn banner(req: HttpRequest, state: web::Data<State>) -> HttpResponse {
    let served = state.live.get();
    let accept = req
        .headers()
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok());
    let encoding = Encoding::negotiate(accept);
    let variant = served.banner.variant(encoding);
    let fresh = super::etag_matches(&req, &variant.etag);
    let mut res = if fresh {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    res.insert_header((header::ETAG, variant.etag.as_str()))
        .insert_header((header::CACHE_CONTROL, CACHE_CONTROL))
        .insert_header((header::VARY, "Accept-Encoding"))
        .insert_header(("Cross-Origin-Resource-Policy", "cross-origin"));
    if fresh {
        return res.finish();
    }
    if let Some(coding) = encoding.header() {
        res.insert_header((header::CONTENT_ENCODING, coding));
    }
    res.content_type("text/javascript; charset=utf-8")
        .body(variant.body.clone())
}
