//! `POST /api/v1/admin/log/consistency`: does the log today still extend a checkpoint someone
//! kept? The dashboard's check for the person answering an auditor: the earlier checkpoint
//! pasted in, the answer with the latest checkpoint and the consistency proof between them, so
//! the same can be checked again elsewhere (README "Showing nothing was rewritten").

use actix_web::http::Method;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;

use super::Access::Admin;
use super::Endpoint;
use super::consents::read_body;
use super::log::unreadable;
use crate::error::{AppError, ErrorBody};
use crate::state::State;
use crate::store::StoreError;
use crate::store::log::StoreNodes;
use crate::tlog::{Checkpoint, ContinuityError, Tree, compare};

pub(super) const ENDPOINTS: &[Endpoint] = &[Endpoint::new(
    Method::POST,
    "/api/v1/admin/log/consistency",
    Admin,
    |r| r.to(consistency),
)];

/// A signed checkpoint is a few hundred bytes; a note may carry a few signatures more.
const BODY_LIMIT: usize = 8 * 1024;

#[derive(Serialize, utoipa::ToSchema)]
struct Answer {
    /// Whether the latest checkpoint's tree extends the earlier one.
    consistent: bool,
    /// Why not, for a person.
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
    /// The earlier checkpoint's tree size, once its signature held.
    #[serde(skip_serializing_if = "Option::is_none")]
    first: Option<u64>,
    /// The latest checkpoint's tree size.
    second: u64,
    /// The latest signed checkpoint, as `GET /api/v1/log/checkpoint` answers it.
    checkpoint: String,
    /// The consistency proof from `first` to `second` (RFC 9162 §2.1.4), base64.
    #[serde(skip_serializing_if = "Option::is_none")]
    path: Option<Vec<String>>,
}

/// The earlier checkpoint in the body (`text/plain`, a C2SP signed note).
#[utoipa::path(post, path = "/api/v1/admin/log/consistency", tag = "admin",
    security(("admin_token" = [])),
    request_body(content = String, content_type = "text/plain",
        description = "An earlier signed checkpoint of this log"),
    responses(
        (status = 200, description = "The verdict, the latest checkpoint and the proof",
            body = Answer),
        (status = 400, description = "The body is not a signed checkpoint", body = ErrorBody),
        (status = 401, description = "No valid admin token", body = ErrorBody),
        (status = 404, description = "No checkpoint is signed yet, or no admin token is \
            configured", body = ErrorBody),
        (status = 408, description = "The body did not arrive in time", body = ErrorBody),
        (status = 413, description = "A body over 8 KiB", body = ErrorBody),
        (status = 503, description = "The store or the log cannot be read", body = ErrorBody),
    ))]
#[tracing::instrument(skip_all)]
pub(crate) async fn consistency(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<State>,
) -> Result<HttpResponse, AppError> {
    let body = read_body(&req, payload, state.body_timeout, BODY_LIMIT).await?;
    // A checkpoint pasted from a mail or a terminal may have lost its final newline, or
    // gained Windows line ends; the note is the same text either way.
    let text = String::from_utf8(body)
        .map_err(|_| AppError::bad_request("invalid-checkpoint", "the body is not UTF-8 text"))?
        .replace("\r\n", "\n");
    let earlier = format!("{}\n", text.trim_matches(['\n', ' ', '\t']));
    let key = state.log_key.clone();
    let answer = state
        .store
        .blocking(move |store| Ok(check(store, &earlier, &key)))
        .await??;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(answer))
}

fn check(
    store: &crate::store::Store,
    earlier: &str,
    key: &crate::tlog::VerifierKey,
) -> Result<Answer, AppError> {
    let latest = store.log_latest_checkpoint()?.ok_or_else(|| {
        AppError::NotFound("no checkpoint is signed yet; the first comes within seconds".into())
    })?;
    let head = Checkpoint::open(&latest.note, key).map_err(|e| {
        tracing::error!(error = %e, "the stored checkpoint does not open with the log's key");
        AppError::Unavailable(StoreError::unavailable(
            "the latest checkpoint is unreadable",
        ))
    })?;
    let nodes = StoreNodes::new(store.clone());
    let tree = Tree::read(&nodes).map_err(unreadable)?;
    let continuity = compare(earlier, key, &head, |first, second| {
        tree.consistency(first, second)
    })
    .map_err(failed)?;
    Ok(Answer {
        consistent: continuity.verdict.is_ok(),
        reason: continuity.verdict.err().map(|e| e.to_string()),
        first: continuity.earlier.map(|c| c.size()),
        second: head.size(),
        checkpoint: latest.note,
        path: continuity
            .proof
            .map(|p| p.path.iter().map(|h| h.to_base64()).collect()),
    })
}

/// A body that is no checkpoint is the caller's to fix; a tree that cannot be read is ours.
fn failed(e: ContinuityError) -> AppError {
    match e {
        ContinuityError::Unreadable(e) => {
            AppError::bad_request("invalid-checkpoint", e.to_string())
        }
        ContinuityError::Log(e) => unreadable(e),
    }
}
