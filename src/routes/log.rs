//! The consent log's public surface (CONTRACT §7): the latest signed checkpoint, the verifier
//! key, inclusion and consistency proofs, and every checkpoint since a date, so that anyone can
//! check a record is in the log and that the log was never rewritten. Public and cacheable
//! for no time: the tree grows every second.

use std::time::SystemTime;

use actix_web::http::header::{self, HttpDate};
use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};

use super::{Access, Endpoint};
use crate::error::AppError;
use crate::state::State;
use crate::store::Store;
use crate::tlog::{LogError, Tree};

pub(crate) const ENDPOINTS: &[Endpoint] = &[
    Endpoint::get("/api/v1/log/checkpoint", |r| r.to(checkpoint)),
    Endpoint::get("/api/v1/log/key", |r| r.to(key)),
    Endpoint::get("/api/v1/log/proof/inclusion", |r| r.to(inclusion)),
    Endpoint::get("/api/v1/log/proof/consistency", |r| r.to(consistency)),
    Endpoint::get("/api/v1/log/checkpoints", |r| r.to(checkpoints)),
];

// Every entry is public: `Endpoint::get` registers it under `Access::Public`.
const _: () = assert!(matches!(ENDPOINTS[0].access, Access::Public));

/// Checkpoints one answer lists at most (at one every 5 s, about a week's worth).
const MAX_CHECKPOINTS: usize = 100_000;

fn text(body: String) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .insert_header(("Cache-Control", "no-store"))
        .body(body)
}

/// The latest signed checkpoint: `<origin>\n<size>\n<root>\n\n— <key name> <signature>\n`.
#[utoipa::path(get, path = "/api/v1/log/checkpoint", tag = "log",
    responses(
        (status = 200, description = "The latest checkpoint, a C2SP signed note", body = String,
            content_type = "text/plain",
            headers(("Last-Modified" = String, description = "When it was signed"))),
        (status = 404, description = "No checkpoint is signed yet (the first comes within \
            seconds of start)", body = crate::error::ErrorBody),
    ))]
pub(crate) async fn checkpoint(state: web::Data<State>) -> Result<HttpResponse, AppError> {
    let latest = state
        .store
        .blocking(|store| store.log_latest_checkpoint())
        .await?;
    match latest {
        // When it was signed, as HTTP says it (the dashboard shows it).
        Some(latest) => {
            let signed = HttpDate::from(SystemTime::from(latest.signed_at));
            Ok(HttpResponse::Ok()
                .content_type("text/plain; charset=utf-8")
                .insert_header(("Cache-Control", "no-store"))
                .insert_header((header::LAST_MODIFIED, signed))
                .body(latest.note))
        }
        None => Err(AppError::NotFound(
            "no checkpoint is signed yet; the first comes within seconds of start".to_owned(),
        )),
    }
}

/// The verifier key checkpoints are signed with: `<name>+<key id>+<key>`.
#[utoipa::path(get, path = "/api/v1/log/key", tag = "log",
    responses((status = 200, description = "The verifier key", body = String,
        content_type = "text/plain")))]
pub(crate) async fn key(state: web::Data<State>) -> HttpResponse {
    text(format!("{}\n", state.log_key))
}

#[derive(Deserialize, utoipa::IntoParams)]
pub(crate) struct InclusionQuery {
    /// The leaf's index (a record's `log.index`).
    index: Option<String>,
    /// The size of the tree to prove it in (a checkpoint's size).
    tree_size: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
struct InclusionAnswer {
    index: u64,
    tree_size: u64,
    /// Base64 (standard, padded).
    leaf_hash: String,
    path: Vec<String>,
    /// The leaf's record was erased: its hash stays, nothing else of it.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    erased: bool,
}

/// An inclusion proof of leaf `index` in the tree of `tree_size` (RFC 9162 §2.1.3).
#[utoipa::path(get, path = "/api/v1/log/proof/inclusion", tag = "log", params(InclusionQuery),
    responses(
        (status = 200, description = "The proof", body = InclusionAnswer),
        (status = 400, description = "An index or size the tree does not have", body = crate::error::ErrorBody),
    ))]
pub(crate) async fn inclusion(
    state: web::Data<State>,
    query: web::Query<InclusionQuery>,
) -> Result<HttpResponse, AppError> {
    let index = number("index", query.index.as_deref())?;
    let size = number("tree_size", query.tree_size.as_deref())?;
    let answer = state
        .store
        .blocking(move |store| Ok(prove_inclusion(store, index, size)))
        .await??;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(answer))
}

fn prove_inclusion(store: &Store, index: u64, size: u64) -> Result<InclusionAnswer, AppError> {
    let nodes = crate::store::log::StoreNodes::new(store.clone());
    let tree = Tree::read(&nodes).map_err(unreadable)?;
    let proof = tree.inclusion(index, size).map_err(refused)?;
    let leaf = tree.leaf_hash(index).map_err(refused)?;
    Ok(InclusionAnswer {
        index,
        tree_size: size,
        leaf_hash: leaf.to_base64(),
        path: proof.path.iter().map(|h| h.to_base64()).collect(),
        erased: !store.log_leaf_kept(index)?,
    })
}

#[derive(Deserialize, utoipa::IntoParams)]
pub(crate) struct ConsistencyQuery {
    /// The older tree's size.
    first: Option<String>,
    /// The newer tree's size.
    second: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
struct ConsistencyAnswer {
    first: u64,
    second: u64,
    path: Vec<String>,
}

/// A consistency proof from the tree of `first` leaves to the tree of `second` (RFC 9162 §2.1.4).
#[utoipa::path(get, path = "/api/v1/log/proof/consistency", tag = "log", params(ConsistencyQuery),
    responses(
        (status = 200, description = "The proof", body = ConsistencyAnswer),
        (status = 400, description = "Sizes the tree does not have, or first above second",
            body = crate::error::ErrorBody),
    ))]
pub(crate) async fn consistency(
    state: web::Data<State>,
    query: web::Query<ConsistencyQuery>,
) -> Result<HttpResponse, AppError> {
    let first = number("first", query.first.as_deref())?;
    let second = number("second", query.second.as_deref())?;
    let answer = state
        .store
        .blocking(move |store| {
            let nodes = crate::store::log::StoreNodes::new(store.clone());
            Ok(Tree::read(&nodes)
                .map_err(unreadable)
                .and_then(|tree| tree.consistency(first, second).map_err(refused))
                .map(|proof| ConsistencyAnswer {
                    first,
                    second,
                    path: proof.path.iter().map(|h| h.to_base64()).collect(),
                }))
        })
        .await??;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(answer))
}

#[derive(Deserialize, utoipa::IntoParams)]
pub(crate) struct CheckpointsQuery {
    /// A date (2026-12-01) or RFC 3339 time: checkpoints signed then or later.
    since: Option<String>,
}

#[derive(Serialize)]
struct Listed<'a> {
    signed_at: String,
    checkpoint: &'a str,
}

/// Every checkpoint signed since `since`, oldest first: NDJSON, `{"signed_at", "checkpoint"}`.
#[utoipa::path(get, path = "/api/v1/log/checkpoints", tag = "log", params(CheckpointsQuery),
    responses(
        (status = 200, description = "One checkpoint a line", content_type = "application/x-ndjson",
            body = String),
        (status = 400, description = "A since that is not a date", body = crate::error::ErrorBody),
    ))]
pub(crate) async fn checkpoints(
    state: web::Data<State>,
    query: web::Query<CheckpointsQuery>,
) -> Result<HttpResponse, AppError> {
    let range = crate::store::TimeRange::parse(query.since.as_deref(), None)?;
    let since = range.since().unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    let listed = state
        .store
        .blocking(move |store| store.log_checkpoints(since, MAX_CHECKPOINTS))
        .await?;
    let mut body = String::new();
    for checkpoint in &listed {
        let line = Listed {
            signed_at: crate::consent::millis::format(checkpoint.signed_at),
            checkpoint: &checkpoint.note,
        };
        body.push_str(&serde_json::to_string(&line).map_err(crate::store::StoreError::from)?);
        body.push('\n');
    }
    Ok(HttpResponse::Ok()
        .content_type("application/x-ndjson")
        .insert_header(("Cache-Control", "no-store"))
        .body(body))
}

/// A query parameter that must be a whole number.
fn number(field: &'static str, value: Option<&str>) -> Result<u64, AppError> {
    let value = value.unwrap_or_default();
    value.parse().map_err(|_| {
        AppError::bad_request_field(
            "invalid-proof-query",
            field,
            format!("{field} must be a whole number, not {value:?}"),
        )
    })
}

/// A proof the tree cannot give: beyond its size, or sizes the wrong way round.
fn refused(e: LogError) -> AppError {
    match e {
        LogError::NotInTree { .. }
        | LogError::BeyondTree { .. }
        | LogError::FirstAfterSecond { .. } => {
            AppError::bad_request("invalid-proof-query", e.to_string())
        }
        other => unreadable(other),
    }
}

/// A log that cannot be read is ours to fix: logged, and 503 to the caller.
pub(super) fn unreadable(e: LogError) -> AppError {
    tracing::error!(error = %e, "the consent log cannot be read");
    AppError::Unavailable(crate::store::StoreError::unavailable(
        "the log cannot be read",
    ))
}
