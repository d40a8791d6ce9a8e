//! `POST /api/v1/discoveries`: the names of cookies and storage keys a visitor's page holds that
//! the registry does not declare (`[banner] discover = true`). Open to the same pages as consent
//! posts, under the same rate limit (one allowance per client for both); of the request only the
//! report is kept, never the client's address or user agent.

use actix_web::http::{Method, header};
use actix_web::{HttpRequest, HttpResponse, web};

use super::consents::{check_content_type, check_origin, read_body};
use crate::discovery::Report;
use crate::error::{AppError, ErrorBody};
use crate::state::State;

/// Largest report accepted: 50 names of up to 200 bytes, a page of up to 2,048 and a host.
const BODY_LIMIT: usize = 16 * 1024;

pub(crate) fn configure(
    cfg: &mut web::ServiceConfig,
    live: crate::served::Live,
    limit: Option<&crate::rate_limit::Limiter>,
) {
    super::consents::cross_origin(cfg, SCOPE, ENDPOINTS, live, limit);
}

/// Where the discovery surface lives; the consent surface's CORS policy and rate limit wrap it.
const SCOPE: &str = "/api/v1/discoveries";

pub(super) const ENDPOINTS: &[super::Endpoint] = &[super::Endpoint::new(
    Method::POST,
    SCOPE,
    super::Access::Consent,
    |r| r.to(report),
)];

/// Counts each undeclared name of a report; `204`, or an error that says what to fix and leaves
/// nothing stored.
#[utoipa::path(post, path = "/api/v1/discoveries", tag = "consent",
    request_body(description = "`{\"host\", \"page\", \"items\": [{\"name\", \"kind\"}]}`: \
        the undeclared names a page holds, never a value (`[banner] discover = true`), as \
        `application/json` or `text/plain`", content((Object = "application/json"),
        (Object = "text/plain"))),
    responses(
        (status = 204, description = "Counted"),
        (status = 400, description = "A report that is not one: a bad name, kind, host or page, \
            or over 50 items; nothing of it kept", body = ErrorBody),
        (status = 403, description = "`Origin` not one of the registry's origins, or `discover` \
            is off", body = ErrorBody),
        (status = 413, description = "A body over 16 KiB", body = ErrorBody),
        (status = 429, description = "Too many requests from this address (shared with consent \
            posts)", body = ErrorBody),
    ))]
#[tracing::instrument(skip_all)]
async fn report(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<State>,
) -> Result<HttpResponse, AppError> {
    check_origin(&req, &state)?;
    check_content_type(&req)?;
    if !state.live.get().registry.banner.discover {
        return Err(AppError::Forbidden(
            "discovery is off: set discover = true in the [banner] table of cookies.toml"
                .to_owned(),
        ));
    }
    let body = read_body(&req, payload, state.body_timeout, BODY_LIMIT).await?;
    // The registry as it is once the body is in: a name declared meanwhile is not counted.
    let served = state.live.get();
    let report = Report::parse(&body, &served.registry)?.undeclared(&served.registry);
    state
        .store
        .note_discoveries(report, time::OffsetDateTime::now_utc())
        .await?;
    Ok(HttpResponse::NoContent()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .finish())
}
