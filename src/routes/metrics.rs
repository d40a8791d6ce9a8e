//! `GET /metrics`: the service's metrics in the Prometheus text format, for operators only:
//! behind the admin token on the main port, or without one on `--metrics-bind`'s own listener,
//! which is meant to be reachable from the scraper alone.

use actix_web::http::header;
use actix_web::{HttpResponse, web};

use crate::state::State;
use crate::telemetry::Metrics;

/// The exposition format's version 0.0.4, which every Prometheus reads.
const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// On the main port, behind the admin token (`admin::ENDPOINTS`).
#[utoipa::path(get, path = "/metrics", tag = "operations", security(("admin_token" = [])),
    responses(
        (status = 200, description = "The metrics in the Prometheus text format 0.0.4; without a \
            token on `--metrics-bind`'s listener", body = String, content_type = "text/plain"),
        (status = 401, description = "No valid admin token", body = crate::error::ErrorBody),
        (status = 404, description = "No admin token is configured", body = crate::error::ErrorBody),
    ))]
pub(crate) async fn metrics(state: web::Data<State>) -> HttpResponse {
    render(&state.metrics)
}

/// On `--metrics-bind`'s listener.
async fn listener_metrics(metrics: web::Data<Metrics>) -> HttpResponse {
    render(&metrics)
}

fn render(metrics: &Metrics) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(CONTENT_TYPE)
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(metrics.render())
}

/// The routes of `--metrics-bind`'s listener, whose application holds the `Metrics` alone.
pub(crate) fn configure_listener(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/metrics").route(web::get().to(listener_metrics)));
}
