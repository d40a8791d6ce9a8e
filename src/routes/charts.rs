//! `GET /api/v1/admin/charts`: the dashboard's charts of the stats, drawn on the server as SVG
//! beside tables of the same numbers, an HTML fragment the dashboard's script puts in its page
//! (the token lives in the page, so an `<img src>` could not carry it).

use actix_web::http::header;
use actix_web::{HttpRequest, Responder, web};
use askama::Template;
use askama_web::WebTemplate;
use time::OffsetDateTime;

use super::Access::Admin;
use super::Endpoint;
use super::admin::{StatsQuery, query};
use crate::charts::Charts;
use crate::error::{AppError, ErrorBody};
use crate::state::State;
use crate::store::StatsDays;

#[derive(Template, WebTemplate)]
#[template(path = "charts.html")]
struct ChartsFragment {
    charts: Charts,
}

/// The stats of the last `days` days (today included) as charts: decisions by action, and the
/// share granted of each category in the registry's order, each with its table.
#[utoipa::path(get, path = "/api/v1/admin/charts", tag = "admin", security(("admin_token" = [])),
    params(StatsQuery),
    responses(
        (status = 200, description = "An HTML fragment: an SVG chart (`role=img`, with its \
            `<title>` and `<desc>`) and a table of the same numbers per chart",
            body = String, content_type = "text/html"),
        (status = 400, description = "`days` is not 1 to 3,660", body = ErrorBody),
        (status = 401, description = "No valid admin token", body = ErrorBody),
        (status = 404, description = "No admin token is configured", body = ErrorBody),
    ))]
#[tracing::instrument(skip_all)]
async fn charts(req: HttpRequest, state: web::Data<State>) -> Result<impl Responder, AppError> {
    let query: StatsQuery = query(&req)?;
    let days = StatsDays::parse(query.days.as_deref())?;
    let stats = state.store.stats(days).await?;
    let now = OffsetDateTime::now_utc();
    let (since, _) = days.bounds(now);
    let served = state.live.get();
    let categories = crate::charts::named(&served.registry);
    let charts = Charts::build(&stats, since.date(), now.date(), categories);
    Ok(ChartsFragment { charts }
        .customize()
        .insert_header((header::CACHE_CONTROL, "no-store")))
}

pub(super) const ENDPOINTS: &[Endpoint] = &[Endpoint::new(
    actix_web::http::Method::GET,
    "/api/v1/admin/charts",
    Admin,
    |r| r.to(charts),
)];
