//! `GET /.well-known/gpc.json`: tells browsers and auditors that Global Privacy Control is
//! honoured (https://privacycg.github.io/gpc-spec/).

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;

use crate::error::{AppError, ErrorBody};
use crate::state::State;

#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct GpcSupport {
    gpc: bool,
    #[serde(rename = "lastUpdate", skip_serializing_if = "Option::is_none")]
    last_update: Option<String>,
}

/// Present only when the registry honours GPC.
#[utoipa::path(get, path = "/.well-known/gpc.json", tag = "registry",
    responses(
        (status = 200, description = "Global Privacy Control is honoured", body = GpcSupport),
        (status = 404, description = "The registry does not honour it (`honor_gpc = false`)",
            body = ErrorBody),
    ))]
async fn gpc_json(req: HttpRequest, state: web::Data<State>) -> Result<HttpResponse, AppError> {
    let served = state.live.get();
    let site = &served.registry.site;
    if !site.honor_gpc {
        return Err(AppError::NotFound(format!("no such page: {}", req.path())));
    }
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"))
        .json(GpcSupport {
            gpc: true,
            last_update: site.updated.map(|d| d.to_string()),
        }))
}

pub(super) const ENDPOINTS: &[super::Endpoint] =
    &[super::Endpoint::get("/.well-known/gpc.json", |r| {
        r.to(gpc_json)
    })];
