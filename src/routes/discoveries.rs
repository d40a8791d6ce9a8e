//! `POST /api/v1/discoveries`: the names of cookies and storage keys a visitor's page holds that
//! the registry does not declare (`[banner] discover = true`). Open to the same pages as consent
//! posts, under the same rate limit (one allowance per client for both); of the request only the
//! report is kept, never the client's address or user agent.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};

use super::consents::{check_content_type, check_origin, cors, limited, read_body};
use crate::discovery::Report;
use crate::error::AppError;
use crate::state::State;

/// Largest report accepted: 50 names of up to 200 bytes, a page of up to 2,048 and a host.
const BODY_LIMIT: usize = 16 * 1024;

pub(crate) fn configure(
    cfg: &mut web::ServiceConfig,
    live: crate::served::Live,
    limit: Option<&super::consents::RateLimit>,
) {
    cfg.service(
        web::scope("/api/v1/discoveries")
            .wrap(limited(limit))
            .wrap(cors(live))
            .service(web::resource("").route(web::post().to(report))),
    );
}

/// Counts each undeclared name of a report; `204`, or an error that says what to fix and leaves
/// nothing stored.
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
