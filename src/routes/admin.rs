//! The admin surface behind `CONSENTRY_ADMIN_TOKEN`: export, stats, erase, snapshots,
//! discoveries and the dashboard page. With no token configured none of it is registered, so every path answers
//! 404 as if absent; `/admin` then answers a 404 page that says how to turn the dashboard on.

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{Method, StatusCode, header};
use actix_web::middleware::{Next, from_fn};
use actix_web::{HttpRequest, HttpResponse, Responder, ResponseError, Route, web};
use askama::Template;
use askama_web::WebTemplate;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use time::OffsetDateTime;

use super::Access::{Admin, Dashboard};
use super::Endpoint;
use crate::consent::ConsentId;
use crate::error::{AppError, ErrorBody};
use crate::state::State;
use crate::store::{ExportFormat, StatsDays, TimeRange};

/// The dashboard's scripts, ES modules: the page and its figures, and looking up a visitor.
const DASHBOARD_JS: &str = include_str!("../../static/admin.js");
const LOOKUP_JS: &str = include_str!("../../static/admin_lookup.js");
const LOG_JS: &str = include_str!("../../static/admin_log.js");

/// The one guard of the admin API: 401 unless the request's Bearer token is the configured
/// one. It wraps each API route (`guarded`) rather than the scope so that a wrong method on a
/// known path is still told apart, 405 with `Allow`, before any token is asked for; a scope's
/// middleware runs before its routes are matched. With no token configured the routes are not
/// registered at all (`configure`), so this never sees a closed surface.
async fn require_token(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let given = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim_start().split_once(' '))
        // The scheme is case-insensitive (RFC 7235 §2.1): `bearer` is `Bearer`.
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map_or("", |(_, token)| token);
    let authorized = req
        .app_data::<web::Data<State>>()
        .and_then(|state| state.admin_token.as_ref())
        .is_some_and(|token| token.matches(given));
    if !authorized {
        let (req, _) = req.into_parts();
        let answer = AppError::Unauthorized.error_response();
        return Ok(ServiceResponse::new(req, answer).map_into_right_body());
    }
    Ok(next.call(req).await?.map_into_left_body())
}

pub(super) fn guarded(route: Route) -> Route {
    route.wrap(from_fn(require_token))
}

/// The query string, read only past `require_token`: an unauthorized client learns nothing from
/// how its query is answered, not even that the admin API exists.
pub(super) fn query<T: DeserializeOwned>(req: &HttpRequest) -> Result<T, AppError> {
    Ok(web::Query::<T>::from_query(req.query_string())?.into_inner())
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct ExportQuery {
    /// First day (2026-11-01) or time (RFC 3339) to include.
    since: Option<String>,
    /// Last day to include (the whole day), or a time to stop before.
    until: Option<String>,
    /// `ndjson` (the default) or `csv`.
    format: Option<String>,
}

/// Every record in the range, streamed in time order.
#[utoipa::path(get, path = "/api/v1/admin/consents", tag = "admin", security(("admin_token" = [])),
    params(ExportQuery),
    responses(
        (status = 200, description = "The records, oldest first: NDJSON (the stored bytes) or CSV",
            content((String = "application/x-ndjson"), (String = "text/csv"))),
        (status = 400, description = "A bad date, range or format", body = ErrorBody),
        (status = 401, description = "No valid admin token", body = ErrorBody),
        (status = 404, description = "No admin token is configured", body = ErrorBody),
    ))]
#[tracing::instrument(skip_all)]
async fn export(req: HttpRequest, state: web::Data<State>) -> Result<HttpResponse, AppError> {
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
        .export(range, format, preferred, state.export_stall)
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

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct StatsQuery {
    /// Text, so that `days=abc` is refused naming `days`.
    pub(super) days: Option<String>,
}

/// Decisions per day over the last `days` days (today included), and the share granted.
#[utoipa::path(get, path = "/api/v1/admin/stats", tag = "admin", security(("admin_token" = [])),
    params(StatsQuery),
    responses(
        (status = 200, description = "Decisions per day and the share granted per category",
            body = crate::store::Stats),
        (status = 400, description = "`days` is not 1 to 3,660", body = ErrorBody),
        (status = 401, description = "No valid admin token", body = ErrorBody),
        (status = 404, description = "No admin token is configured", body = ErrorBody),
    ))]
#[tracing::instrument(skip_all)]
async fn stats(req: HttpRequest, state: web::Data<State>) -> Result<HttpResponse, AppError> {
    let query: StatsQuery = query(&req)?;
    let days = StatsDays::parse(query.days.as_deref())?;
    let stats = state.store.stats(days).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(stats))
}

/// Erases one visitor's records (GDPR Art. 17); `204` whether or not there were any, with
/// their number in `Consentry-Erased`.
#[utoipa::path(delete, path = "/api/v1/admin/consents/{consent_id}", tag = "admin",
    security(("admin_token" = [])),
    params(("consent_id" = String, Path, description = "The visitor's id")),
    responses(
        (status = 204, description = "Every record of the visitor is erased, durably",
            headers(("Consentry-Erased" = u64, description = "How many records were erased"))),
        (status = 400, description = "A malformed id", body = ErrorBody),
        (status = 401, description = "No valid admin token", body = ErrorBody),
        (status = 404, description = "No admin token is configured", body = ErrorBody),
        (status = 503, description = "The store refused the erasure", body = ErrorBody),
    ))]
#[tracing::instrument(skip_all)]
async fn erase(path: web::Path<String>, state: web::Data<State>) -> Result<HttpResponse, AppError> {
    let id = ConsentId::parse(&path)?;
    let erased = state.store.erase(&id).await?;
    tracing::info!(erased, "visitor's records erased");
    Ok(HttpResponse::NoContent()
        .insert_header(("Consentry-Erased", erased.to_string()))
        .finish())
}

/// The banner configuration and texts a record's `shown` names, byte for byte as archived.
#[utoipa::path(get, path = "/api/v1/admin/snapshots/{shown}", tag = "admin",
    security(("admin_token" = [])),
    params(("shown" = String, Path, description = "A record's `shown` hash")),
    responses(
        (status = 200, description = "The banner configuration as served", body = Object),
        (status = 401, description = "No valid admin token", body = ErrorBody),
        (status = 404, description = "No snapshot with this hash, or no admin token is configured",
            body = ErrorBody),
    ))]
#[tracing::instrument(skip_all)]
async fn snapshot(
    path: web::Path<String>,
    state: web::Data<State>,
) -> Result<HttpResponse, AppError> {
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

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct ScanQuery {
    /// `json` (the default) or `html`.
    format: Option<String>,
}

/// The latest scheduled scan: the JSON of CONTRACT §5, or with `?format=html` the report page.
#[utoipa::path(get, path = "/api/v1/admin/scan", tag = "admin", security(("admin_token" = [])),
    params(ScanQuery),
    responses(
        (status = 200, description = "The latest scan's report (CONTRACT §5): JSON, or the HTML \
            page", content((Object = "application/json"), (String = "text/html"))),
        (status = 400, description = "A format other than json or html", body = ErrorBody),
        (status = 401, description = "No valid admin token", body = ErrorBody),
        (status = 404, description = "No scan is scheduled (`--scan`), the first has not \
            finished, or no admin token is configured", body = ErrorBody),
        (status = 502, description = "The latest scan failed (`scan-failed`)", body = ErrorBody),
    ))]
async fn scan(req: HttpRequest, state: web::Data<State>) -> Result<HttpResponse, AppError> {
    let query: ScanQuery = query(&req)?;
    let html = match query.format.as_deref() {
        None | Some("" | "json") => false,
        Some("html") => true,
        Some(other) => {
            return Err(AppError::bad_request(
                "invalid-format",
                format!("format \"{other}\" is not one of json, html"),
            ));
        }
    };
    let Some(latest) = &state.scan else {
        return Err(AppError::NotFound(
            "no scan is scheduled: start the service with --scan URL (and --scan-every 24h)".into(),
        ));
    };
    let report = match latest.get() {
        None => {
            return Err(AppError::NotFound(
                "the first scan has not finished yet; it starts with the service".into(),
            ));
        }
        Some(crate::scan::Outcome::Failed { at, error }) => {
            return Err(AppError::ScanFailed { at, error });
        }
        Some(crate::scan::Outcome::Done(report)) => report,
    };
    let mut res = HttpResponse::Ok();
    res.insert_header((header::CACHE_CONTROL, "no-store"));
    Ok(if html {
        // The report is the scanned site's data rendered as text: no script may run in it.
        res.content_type("text/html; charset=utf-8")
            .insert_header((
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'",
            ))
            .body(crate::scan::render_html(&report))
    } else {
        res.content_type("application/json")
            .body(crate::scan::render_json(&report))
    })
}

/// The names visitors' pages reported that the live registry does not declare.
#[utoipa::path(get, path = "/api/v1/admin/discoveries", tag = "admin",
    security(("admin_token" = [])),
    responses(
        (status = 200, description = "Per name, kind and host: first and last seen, times seen, \
            example pages, the catalog's suggestion and ready-to-paste TOML", body = Object),
        (status = 401, description = "No valid admin token", body = ErrorBody),
        (status = 404, description = "No admin token is configured", body = ErrorBody),
    ))]
#[tracing::instrument(skip_all)]
async fn discoveries(state: web::Data<State>) -> Result<HttpResponse, AppError> {
    let found = state.store.discoveries().await?;
    let listed = crate::discovery::list(found, &state.live.get().registry);
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(listed))
}

#[derive(Template, WebTemplate)]
#[template(path = "admin.html")]
struct AdminPage {
    lang: String,
    site_name: String,
    revision: String,
    /// `[banner] discover`: whether visitors' banners report undeclared names.
    discover: bool,
}

/// The dashboard: a static page; its script asks for the token and reads the admin API.
#[utoipa::path(get, path = "/admin", tag = "admin",
    responses(
        (status = 200, description = "The dashboard (it asks for the token)", body = String,
            content_type = "text/html"),
        (status = 404, description = "No admin token is configured: a page saying how to set one",
            body = String, content_type = "text/html"),
    ))]
async fn dashboard(state: web::Data<State>) -> AdminPage {
    let served = state.live.get();
    let lang = served.registry.default_lang();
    AdminPage {
        lang: lang.to_string(),
        site_name: served.registry.site.name.get(lang, lang).to_owned(),
        revision: served.registry.revision.clone(),
        discover: served.registry.banner.discover,
    }
}

#[utoipa::path(get, path = "/admin/{script}", tag = "admin",
    params(("script" = String, Path, description = "dashboard.js, lookup.js or log.js")),
    responses(
        (status = 200, description = "One of the dashboard's scripts (an ES module)",
            body = String, content_type = "text/javascript"),
        (status = 404, description = "No such script, or no admin token is configured",
            body = ErrorBody),
    ))]
async fn dashboard_script(script: web::Path<String>) -> Result<HttpResponse, AppError> {
    let body = match script.as_str() {
        "dashboard.js" => DASHBOARD_JS,
        "lookup.js" => LOOKUP_JS,
        "log.js" => LOG_JS,
        other => {
            return Err(AppError::NotFound(format!(
                "no such script: /admin/{other}"
            )));
        }
    };
    Ok(HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(body))
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_closed.html")]
struct ClosedPage {
    lang: String,
    site_name: String,
}

/// `/admin` while no token is set: a 404 page that says how to open the dashboard, rather than
/// the bare JSON 404 of an unknown path. Every method gets it, so none is told `Allow`.
async fn closed_dashboard(state: web::Data<State>) -> impl Responder {
    let served = state.live.get();
    let lang = served.registry.default_lang();
    ClosedPage {
        lang: lang.to_string(),
        site_name: served.registry.site.name.get(lang, lang).to_owned(),
    }
    .customize()
    .with_status(StatusCode::NOT_FOUND)
    .insert_header((header::CACHE_CONTROL, "no-store"))
}

/// `/admin` while no token is set: every other admin path is then simply unknown, 404 whatever
/// the method or the query.
pub(super) fn configure_closed(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/admin").route(web::route().to(closed_dashboard)));
}

/// The admin surface, registered only when a token is set (`routes::configure`). The dashboard
/// and its script carry no data and need no token; the API and the metrics need it.
pub(super) const ENDPOINTS: &[Endpoint] = &[
    Endpoint::new(Method::GET, "/api/v1/admin/consents", Admin, |r| {
        r.to(export)
    }),
    Endpoint::new(Method::GET, "/api/v1/admin/stats", Admin, |r| r.to(stats)),
    Endpoint::new(
        Method::DELETE,
        "/api/v1/admin/consents/{consent_id}",
        Admin,
        |r| r.to(erase),
    ),
    Endpoint::new(Method::GET, "/api/v1/admin/snapshots/{shown}", Admin, |r| {
        r.to(snapshot)
    }),
    Endpoint::new(Method::GET, "/api/v1/admin/scan", Admin, |r| r.to(scan)),
    Endpoint::new(Method::GET, "/api/v1/admin/discoveries", Admin, |r| {
        r.to(discoveries)
    }),
    Endpoint::new(Method::GET, "/metrics", Admin, |r| {
        r.to(super::metrics::metrics)
    }),
    Endpoint::new(Method::GET, "/admin", Dashboard, |r| r.to(dashboard)),
    Endpoint::new(Method::GET, "/admin/{script}", Dashboard, |r| {
        r.to(dashboard_script)
    }),
];
