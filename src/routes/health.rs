//! `/healthz` and `/readyz`. Both ask the store's own health probe (a durable write, shared by
//! every caller for a second). `/healthz` is the contract's check for uptime monitors: plain
//! `ok`. `/readyz` is for load balancers and orchestrators deciding whether to send consent
//! here: JSON naming the store and when it was last proven writable, and on refusal the JSON
//! error every other endpoint answers, so a probe can log why.

use actix_web::{HttpResponse, web};
use serde::Serialize;

use crate::error::{AppError, ErrorBody};
use crate::state::State;

/// `200 ok` only when the store takes a durable write; `Consentry-Probed-At` says when the
/// shared probe behind the answer wrote (at most once a second, whatever the callers).
#[utoipa::path(get, path = "/healthz", tag = "operations",
    responses(
        (status = 200, description = "The store takes a durable write", body = String,
            content_type = "text/plain",
            headers(("Consentry-Probed-At" = String, description = "When the shared probe wrote"))),
        (status = 503, description = "The store refuses durable writes", body = ErrorBody),
    ))]
#[tracing::instrument(skip_all)]
pub(crate) async fn healthz(state: web::Data<State>) -> Result<HttpResponse, AppError> {
    let probed = state.store.health().await?;
    Ok(HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .insert_header(("Cache-Control", "no-store"))
        .insert_header((
            "Consentry-Probed-At",
            crate::consent::millis::format(probed),
        ))
        .body("ok"))
}

#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct Readiness {
    /// Always `true`: a service that cannot take consent answers 503 instead.
    ready: bool,
    /// The store's engine (`sled`).
    store: &'static str,
    /// When the store last took a durable write (RFC 3339, milliseconds).
    probed_at: String,
}

/// `200` with `Readiness` when a consent post would be stored now; `503 store-unavailable`
/// (with `Retry-After`) when the store refuses durable writes.
#[utoipa::path(get, path = "/readyz", tag = "operations",
    responses(
        (status = 200, description = "A consent post would be stored now", body = Readiness),
        (status = 503, description = "The store refuses durable writes (`store-unavailable`, \
            `Retry-After: 1`)", body = ErrorBody),
    ))]
#[tracing::instrument(skip_all)]
pub(crate) async fn readyz(state: web::Data<State>) -> Result<HttpResponse, AppError> {
    let probed = state.store.health().await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(Readiness {
            ready: true,
            store: state.store.engine(),
            probed_at: crate::consent::millis::format(probed),
        }))
}
