//! `GET /api/v1/admin/consents/{consent_id}/evidence`: a visitor's evidence document (CONTRACT
//! §7, `evidence`), behind the admin token. A record not yet in a signed checkpoint is waited
//! for up to the merge delay; past it the answer is 503 with `Retry-After`, never a document
//! that would not verify.

use actix_web::http::Method;
use actix_web::{HttpResponse, web};

use super::Access::Admin;
use super::Endpoint;
use crate::consent::ConsentId;
use crate::error::{AppError, ErrorBody};
use crate::evidence::{MERGE_DELAY, build};
use crate::state::State;

pub(super) const ENDPOINTS: &[Endpoint] = &[Endpoint::new(
    Method::GET,
    "/api/v1/admin/consents/{consent_id}/evidence",
    Admin,
    |r| r.to(evidence),
)];

/// One JSON document an auditor checks offline with `consentry verify`: the visitor's records
/// with their `log`, the snapshot each `shown` names, an inclusion proof of each to one signed
/// checkpoint, that checkpoint, the verifier key, and a summary in the visitor's language.
#[utoipa::path(get, path = "/api/v1/admin/consents/{consent_id}/evidence", tag = "admin",
    security(("admin_token" = [])),
    params(("consent_id" = String, Path, description = "The visitor's id")),
    responses(
        (status = 200, description = "The evidence document (README: Checking the log)",
            body = Object),
        (status = 400, description = "A malformed id", body = ErrorBody),
        (status = 401, description = "No valid admin token", body = ErrorBody),
        (status = 404, description = "No records under this id (unknown or erased), or no \
            admin token is configured", body = ErrorBody),
        (status = 503, description = "A record is not in a signed checkpoint yet (after the \
            10 s merge delay), or the store is unavailable; see Retry-After", body = ErrorBody),
    ))]
#[tracing::instrument(skip_all)]
pub(super) async fn evidence(
    path: web::Path<String>,
    state: web::Data<State>,
) -> Result<HttpResponse, AppError> {
    let id = ConsentId::parse(&path)?;
    let document = build(&state.store, &state.log_key, &id, MERGE_DELAY).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(document))
}
