use actix_web::{HttpResponse, web};

use crate::error::AppError;
use crate::state::State;

/// `200 ok` only when the store takes a durable write; `Consentry-Probed-At` says when the
/// shared probe behind the answer wrote (at most once a second, whatever the callers).
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
