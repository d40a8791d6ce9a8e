use actix_web::{HttpResponse, web};

use crate::error::AppError;
use crate::startup::State;

/// `200 ok` only when the store takes a durable write.
#[tracing::instrument(skip_all)]
pub(crate) async fn healthz(state: web::Data<State>) -> Result<HttpResponse, AppError> {
    let store = state.store.clone();
    web::block(move || store.check_writable())
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
        .map_err(AppError::Unavailable)?;
    Ok(HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .insert_header(("Cache-Control", "no-store"))
        .body("ok"))
}
