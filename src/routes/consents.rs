//! `POST /api/v1/consents` and `GET /api/v1/consents/{id}`: recording decisions and reading one
//! visitor's back. Both are open to the registry's origins (CORS) and to the service's own pages.

use std::time::Duration;

use actix_governor::Governor;
use actix_governor::governor::middleware::NoOpMiddleware;
use actix_web::http::header;
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Condition;
use actix_web::{HttpRequest, HttpResponse, web};
use futures_util::StreamExt;

use super::Access;
use crate::consent::{Action, ConsentId, ConsentRecord, Decision, RequestFacts, TermsError};
use crate::error::{AppError, ErrorBody};
use crate::proxies::{Forwarding, client_ip};
use crate::rate_limit::{ClientIp, Limiter, RateLimit};
use crate::registry::Origin;
use crate::state::State;
use crate::store::{HistoryPage, Stored};

/// Largest consent body accepted; a real decision is a few hundred bytes.
pub(crate) const BODY_LIMIT: usize = 8 * 1024;

/// The consent surface with its CORS policy and, unless switched off, its rate limit.
pub(crate) fn configure(
    cfg: &mut web::ServiceConfig,
    live: crate::served::Live,
    limit: Option<&Limiter>,
) {
    cross_origin(cfg, SCOPE, ENDPOINTS, live.clone(), limit);
    // The visitor's receipt reads what `GET /api/v1/consents/{id}` reads, under the same limit.
    cross_origin(
        cfg,
        super::receipt::SCOPE,
        super::receipt::ENDPOINTS,
        live,
        limit,
    );
}

/// `endpoints`, all under `scope`, open cross-origin to the registry's origins and under the
/// consent rate limit: the consent surface, and what else the banner posts to.
pub(super) fn cross_origin(
    cfg: &mut web::ServiceConfig,
    scope: &'static str,
    endpoints: &'static [super::Endpoint],
    live: crate::served::Live,
    limit: Option<&Limiter>,
) {
    cfg.service(
        web::scope(scope)
            .wrap(limited(limit))
            .wrap(cors(live))
            .configure(|cfg| {
                for (path, group) in super::by_path(endpoints.iter()) {
                    let within = path.strip_prefix(scope).unwrap_or(path);
                    cfg.service(super::resource(within, &group));
                }
            }),
    );
}

/// The rate limit, unless switched off. Every scope wrapped with it counts against the same
/// allowance per client: the limiter's state is shared, not copied.
fn limited(limit: Option<&Limiter>) -> Condition<Governor<ClientIp, NoOpMiddleware>> {
    let enabled = limit.is_some();
    let governor = match limit {
        Some(config) => Governor::new(config),
        // Never consulted: `Condition` skips it.
        None => {
            Governor::new(&RateLimit::DEFAULT.limiter(Forwarding::off(), metrics::Counter::noop()))
        }
    };
    Condition::new(enabled, governor)
}

/// Where the consent surface lives; its CORS policy and rate limit wrap everything under it.
const SCOPE: &str = "/api/v1/consents";

pub(super) const ENDPOINTS: &[super::Endpoint] = &[
    super::Endpoint::new(Method::POST, SCOPE, Access::Consent, |r| r.to(record)),
    super::Endpoint::new(
        Method::GET,
        "/api/v1/consents/{consent_id}",
        Access::Consent,
        |r| r.to(decisions),
    ),
];

/// CORS for the consent endpoints: the live registry's origins only, read per request so a
/// reload takes effect at once.
fn cors(live: crate::served::Live) -> actix_cors::Cors {
    actix_cors::Cors::default()
        .allowed_origin_fn(move |origin, _| {
            origin
                .to_str()
                .is_ok_and(|o| allowed_by_registry(&live.get().registry.site.origins, o))
        })
        .allowed_methods([Method::GET, Method::POST])
        .allowed_headers([header::CONTENT_TYPE])
        .max_age(86_400)
}

fn allowed_by_registry(origins: &[Origin], origin: &str) -> bool {
    origins
        .iter()
        .any(|o| o.as_str().eq_ignore_ascii_case(origin))
}

/// Records one decision; `201` with the stored record once it is durable. Counted by action
/// and outcome in the metrics.
#[utoipa::path(post, path = "/api/v1/consents", tag = "consent",
    request_body(description = "A decision as the banner posts it (CONTRACT §4.3), as \
        `application/json` or `text/plain` (a simple request, with no CORS preflight)",
        content((Decision = "application/json"), (Decision = "text/plain"))),
    responses(
        (status = 201, description = "Stored and durable", body = ConsentRecord,
            headers(("Location" = String, description = "The visitor's history"))),
        (status = 200, description = "A retry of a stored decision (same `consent_id` and \
            `decision_id`): that record, nothing new stored", body = ConsentRecord),
        (status = 400, description = "Not a decision, or one its snapshot refuses", body = ErrorBody),
        (status = 403, description = "`Origin` missing or not one of the registry's origins",
            body = ErrorBody),
        (status = 408, description = "The body did not arrive in time", body = ErrorBody),
        (status = 413, description = "A body over 8 KiB", body = ErrorBody),
        (status = 415, description = "Neither JSON nor text/plain", body = ErrorBody),
        (status = 429, description = "Too many requests or connections from this address \
            (`Retry-After`)", body = ErrorBody),
        (status = 503, description = "The store refused the write; never stored", body = ErrorBody),
    ))]
#[tracing::instrument(skip_all)]
async fn record(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<State>,
) -> Result<HttpResponse, AppError> {
    let mut action = None;
    let answer = store_decision(&req, payload, &state, &mut action).await;
    let outcome = match &answer {
        Ok(res) if res.status() == StatusCode::CREATED => "created",
        Ok(_) => "repeated",
        Err(e) => e.code(),
    };
    state.metrics.consent_post(action, outcome);
    answer
}

/// `record`'s work; `action` is set once the body is read as a decision.
async fn store_decision(
    req: &HttpRequest,
    payload: web::Payload,
    state: &State,
    action: &mut Option<Action>,
) -> Result<HttpResponse, AppError> {
    check_origin(req, state)?;
    check_content_type(req)?;
    let body = read_body(req, payload, state.body_timeout, BODY_LIMIT).await?;
    let decision = Decision::parse(&body)?;
    *action = Some(decision.action());
    let terms = state
        .store
        .terms(decision.shown())
        .await?
        .ok_or(TermsError::UnknownShown)?;
    let facts = RequestFacts {
        user_agent: header_str(req, header::USER_AGENT).map(str::to_owned),
        ip: client_ip(req, &state.forwarding),
        sec_gpc: header_str(req, "sec-gpc").is_some_and(|v| v.trim() == "1"),
        now: time::OffsetDateTime::now_utc(),
    };
    let record = ConsentRecord::new(decision, &terms, facts)?;
    let (status, stored) = match state.store.append(&record).await? {
        Stored::New(json) => (StatusCode::CREATED, json),
        // A retry of a decision already stored (CONTRACT §4.4): its record, nothing new.
        Stored::Existing(json) => (StatusCode::OK, json),
    };
    Ok(HttpResponse::build(status)
        .content_type("application/json")
        .insert_header((
            header::LOCATION,
            format!("/api/v1/consents/{}", record.consent_id),
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(stored))
}

#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct HistoryQuery {
    /// The cursor of the next page, from the previous page's `Link`.
    after: Option<String>,
    /// Records a page, 1 to 1,000 (default 100).
    limit: Option<String>,
}

/// One visitor's decisions, oldest first, a page at a time; `Link: <…>; rel="next"` names the
/// next page while there is one.
#[utoipa::path(get, path = "/api/v1/consents/{consent_id}", tag = "consent",
    params(("consent_id" = String, Path, description = "The visitor's id"), HistoryQuery),
    responses(
        (status = 200, description = "The visitor's records, oldest first", body = [ConsentRecord],
            headers(("Link" = String, description = "`<…>; rel=\"next\"` while more follow"))),
        (status = 400, description = "A malformed id, cursor or limit", body = ErrorBody),
        (status = 404, description = "No decisions under this id", body = ErrorBody),
        (status = 429, description = "Too many requests from this address", body = ErrorBody),
    ))]
#[tracing::instrument(skip_all)]
async fn decisions(
    path: web::Path<String>,
    query: web::Query<HistoryQuery>,
    state: web::Data<State>,
) -> Result<HttpResponse, AppError> {
    let id = ConsentId::parse(&path)?;
    let page = HistoryPage::parse(query.after.as_deref(), query.limit.as_deref())?;
    let history = state.store.history(&id, page).await?;
    if history.records.is_empty() && page.is_first() {
        return Err(AppError::NotFound(
            "no decisions under this consent id".to_owned(),
        ));
    }
    let records = &history.records;
    let mut body = Vec::with_capacity(records.iter().map(|r| r.len() + 1).sum::<usize>() + 2);
    body.push(b'[');
    for (i, r) in records.iter().enumerate() {
        if i > 0 {
            body.push(b',');
        }
        body.extend_from_slice(r);
    }
    body.push(b']');
    let mut res = HttpResponse::Ok();
    res.content_type("application/json")
        .insert_header((header::CACHE_CONTROL, "no-store"));
    if let Some(next) = history.next {
        res.insert_header((
            header::LINK,
            format!(
                "</api/v1/consents/{id}?{}>; rel=\"next\"",
                page.next_query(next)
            ),
        ));
    }
    Ok(res.body(body))
}

/// A post must come from one of the registry's origins or from the service's own pages.
pub(super) fn check_origin(req: &HttpRequest, state: &State) -> Result<(), AppError> {
    let Some(origin) = header_str(req, header::ORIGIN) else {
        return Err(AppError::Forbidden(
            "origin: a consent post must carry an Origin header".to_owned(),
        ));
    };
    let served = state.live.get();
    if allowed_by_registry(&served.registry.site.origins, origin)
        || same_origin(req, origin, &state.forwarding)
    {
        return Ok(());
    }
    Err(AppError::Forbidden(format!(
        "origin: {origin} is not one of the registry's origins"
    )))
}

/// The service's own origin: the Host header (and, behind a trusted proxy, `X-Forwarded-Host`)
/// under http or https, since a proxy in front may terminate TLS.
fn same_origin(req: &HttpRequest, origin: &str, forwarding: &Forwarding) -> bool {
    let Some(authority) = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"))
    else {
        return false;
    };
    let forwarded = forwarding
        .trusts(req.peer_addr())
        .then(|| header_str(req, "x-forwarded-host"))
        .flatten();
    [header_str(req, header::HOST), forwarded]
        .into_iter()
        .flatten()
        .any(|host| host.eq_ignore_ascii_case(authority))
}

pub(super) fn check_content_type(req: &HttpRequest) -> Result<(), AppError> {
    let essence = header_str(req, header::CONTENT_TYPE).map(|v| {
        v.split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase()
    });
    match essence.as_deref() {
        Some("application/json" | "text/plain") => Ok(()),
        _ => Err(AppError::UnsupportedMediaType),
    }
}

/// Reads at most `limit` bytes; a longer body is refused before it is all read, and one that
/// has not all arrived by `deadline` (a body trickled a byte at a time, to hold the connection)
/// is answered 408 and its connection closed.
pub(super) async fn read_body(
    req: &HttpRequest,
    mut payload: web::Payload,
    deadline: Duration,
    limit: usize,
) -> Result<Vec<u8>, AppError> {
    let declared = header_str(req, header::CONTENT_LENGTH).and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(AppError::PayloadTooLarge(limit));
    }
    let read = async {
        let mut body = Vec::with_capacity(declared.unwrap_or(512).min(limit));
        while let Some(chunk) = payload.next().await {
            let chunk =
                chunk.map_err(|e| AppError::bad_request("malformed-body", e.to_string()))?;
            if body.len() + chunk.len() > limit {
                return Err(AppError::PayloadTooLarge(limit));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    };
    actix_web::rt::time::timeout(deadline, read)
        .await
        .map_err(|_| AppError::RequestTimeout(deadline))?
}

fn header_str(req: &HttpRequest, name: impl header::AsHeaderName) -> Option<&str> {
    req.headers().get(name).and_then(|v| v.to_str().ok())
}
