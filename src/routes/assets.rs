//! Stylesheets of our own pages, compiled into the binary so it runs from anywhere.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};

use crate::error::{AppError, ErrorBody};

const SITE_CSS: &str = include_str!("../../static/site.css");

#[utoipa::path(get, path = "/static/{file}", tag = "pages",
    params(("file" = String, Path, description = "site.css")),
    responses(
        (status = 200, description = "The stylesheet", body = String, content_type = "text/css"),
        (status = 304, description = "Unchanged since the `If-None-Match` ETag"),
        (status = 404, description = "No such file", body = ErrorBody),
    ))]
pub(crate) async fn asset(
    req: HttpRequest,
    file: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let (body, content_type) = match file.as_str() {
        "site.css" => (SITE_CSS, "text/css; charset=utf-8"),
        other => return Err(AppError::NotFound(format!("no such file: /static/{other}"))),
    };
    let etag = format!("\"{}\"", crate::registry::short_hash(body.as_bytes(), 16));
    if super::etag_matches(&req, &etag) {
        return Ok(HttpResponse::NotModified()
            .insert_header((header::ETAG, etag))
            .finish());
    }
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((header::ETAG, etag))
        .insert_header((
            header::CACHE_CONTROL,
            "public, max-age=300, must-revalidate",
        ))
        .body(body))
}
