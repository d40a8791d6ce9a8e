//! The admin surface behind `CONSENTRY_ADMIN_TOKEN`: export, stats, erase, snapshots and the
//! dashboard page. With no token configured every path here answers 404, as if absent.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use askama_web::WebTemplate;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use time::OffsetDateTime;

use crate::consent::ConsentId;
use crate::error::AppError;
use crate::startup::State;
use crate::store::{ExportFormat, StatsDays, TimeRange};

const DASHBOARD_JS: &str = include_str!("../../static/admin.js");

/// 404 when the admin surface is closed, 401 unless the Bearer token matches.
fn authorize(req: &HttpRequest, state: &State) -> Result<(), AppError> {
    let Some(expected) = state.settings.admin_token.as_deref() else {
        return Err(AppError::NotFound(format!("no such page: {}", req.path())));
    };
    let given = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim_start().split_once(' '))
        // The scheme is case-insensitive (RFC 7235 §2.1): `bearer` is `Bearer`.
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map_or("", |(_, token)| token);
    // Hashing first makes the comparison independent of both lengths, too.
    let matches: bool = Sha256::digest(given.trim().as_bytes())
        .ct_eq(&Sha256::digest(expected.as_bytes()))
        .into();
    if matches {
        Ok(())
    } else {
        Err(AppError::Unauthorized)
    }
}

/// 404 when the admin surface is closed; pages that carry no data need no token.
fn admin_open(req: &HttpRequest, state: &State) -> Result<(), AppError> {
    match state.settings.admin_token {
        Some(_) => Ok(()),
        None => Err(AppError::NotFound(format!("no such page: {}", req.path()))),
    }
}

/// The query string, read only after `authorize`: an unauthorized client learns nothing from
/// how its query is answered, not even that the admin API exists.
fn query<T: DeserializeOwned>(req: &HttpRequest) -> Result<T, AppError> {
    Ok(web::Query::<T>::from_query(req.query_string())?.into_inner())
}

#[derive(Deserialize)]
struct ExportQuery {
    since: Option<String>,
    until: Option<String>,
    format: Option<String>,
}

/// Every record in the range, streamed in time order.
#[tracing::instrument(skip_all)]
async fn export(req: HttpRequest, state: web::Data<State>) -> Result<HttpResponse, AppError> {
    authorize(&req, &state)?;
    let query: ExportQuery = query(&req)?;
    let format = match query.format.as_deref() {
        None | Some("") => ExportFormat::default(),
        Some(f) => ExportFormat::parse(f)?,
    };
    let range = TimeRange::parse(query.since.as_deref(), query.until.as_deref())?;
    let preferred: Vec<String> = state
        .live
        .get()
        .registry
        .categories
        .iter()
        .map(|c| c.id.to_string())
        .collect();
    let body = state
        .store
        .export(range, format, preferred, state.settings.export_stall)
        .await?;
    let stamp = OffsetDateTime::now_utc().date();
    Ok(HttpResponse::Ok()
        .content_type(format.content_type())
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!(
                "attachment; filename=\"consents-{stamp}.{}\"",
                format.extension()
            ),
        ))
        .streaming(body))
}

#[derive(Deserialize)]
struct StatsQuery {
    /// Text, so that `days=abc` is refused naming `days`.
    days: Option<String>,
}

/// Decisions per day over the last `days` days (today included), and the share granted.
#[tracing::instrument(skip_all)]
async fn stats(req: HttpRequest, state: web::Data<State>) -> Result<HttpResponse, AppError> {
    authorize(&req, &state)?;
    let query: StatsQuery = query(&req)?;
    let days = StatsDays::parse(query.days.as_deref())?;
    let stats = state.store.stats(days).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(stats))
}

/// Erases one visitor's records (GDPR Art. 17); `204` whether or not there were any, with
/// their number in `Consentry-Erased`.
#[tracing::instrument(skip_all)]
async fn erase(
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<State>,
) -> Result<HttpResponse, AppError> {
    authorize(&req, &state)?;
    let id = ConsentId::parse(&path)?;
    let erased = state.store.erase(&id).await?;
    tracing::info!(erased, "visitor's records erased");
    Ok(HttpResponse::NoContent()
        .insert_header(("Consentry-Erased", erased.to_string()))
        .finish())
}

/// The banner configuration and texts a record's `shown` names, byte for byte as archived.
#[tracing::instrument(skip_all)]
async fn snapshot(
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<State>,
) -> Result<HttpResponse, AppError> {
    authorize(&req, &state)?;
    let json = state
        .store
        .snapshot(&path)
        .await?
        .ok_or_else(|| AppError::NotFound("no snapshot with this hash".to_owned()))?;
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .insert_header((
            header::CACHE_CONTROL,
            "private, max-age=31536000, immutable",
        ))
        .body(json))
}

#[derive(Template, WebTemplate)]
#[template(path = "admin.html")]
struct AdminPage {
    lang: String,
    site_name: String,
    revision: String,
}

/// The dashboard: a static page; its script asks for the token and reads the admin API.
async fn dashboard(req: HttpRequest, state: web::Data<State>) -> Result<AdminPage, AppError> {
    admin_open(&req, &state)?;
    let served = state.live.get();
    let lang = served.registry.default_lang();
    Ok(AdminPage {
        lang: lang.to_string(),
        site_name: served.registry.site.name.get(lang, lang).to_owned(),
        revision: served.registry.revision.clone(),
    })
}

async fn dashboard_js(req: HttpRequest, state: web::Data<State>) -> Result<HttpResponse, AppError> {
    admin_open(&req, &state)?;
    Ok(HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(DASHBOARD_JS))
}

pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/api/v1/admin/consents").route(web::get().to(export)))
        .service(web::resource("/api/v1/admin/stats").route(web::get().to(stats)))
        .service(
            web::resource("/api/v1/admin/consents/{consent_id}").route(web::delete().to(erase)),
        )
        .service(web::resource("/api/v1/admin/snapshots/{shown}").route(web::get().to(snapshot)))
        .service(web::resource("/admin").route(web::get().to(dashboard)))
        .service(web::resource("/admin/dashboard.js").route(web::get().to(dashboard_js)));
}

/// True for a path of the admin surface while it is closed (no token): it must look absent.
pub(crate) fn closed(req: &HttpRequest) -> bool {
    let path = req.path();
    let admin =
        path == "/admin" || path.starts_with("/admin/") || path.starts_with("/api/v1/admin/");
    admin
        && req
            .app_data::<web::Data<State>>()
            .is_none_or(|state| state.settings.admin_token.is_none())
}
