//! Errors as clients see them: a stable kebab-case code, a sentence for a person, a status.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

use crate::consent::{DecisionError, IdError, TermsError};
use crate::discovery::ReportError;
use crate::evidence::EvidenceError;
use crate::store::{HistoryError, InvalidDays, RangeError, StoreError, UnknownFormat};

#[derive(Debug, thiserror::Error)]
pub(crate) enum AppError {
    #[error("{0}")]
    NotFound(String),
    #[error("{message}")]
    BadRequest { code: &'static str, message: String },
    /// A query parameter that is wrong, named.
    #[error("{message}")]
    BadQuery {
        code: &'static str,
        field: &'static str,
        message: String,
    },
    /// A posted body that is not a decision.
    #[error(transparent)]
    Decision(#[from] DecisionError),
    /// A decision its snapshot refuses.
    #[error(transparent)]
    Terms(#[from] TermsError),
    /// A consent id (in a body or a path) that is not one.
    #[error(transparent)]
    Id(#[from] IdError),
    #[error(transparent)]
    Range(#[from] RangeError),
    #[error(transparent)]
    Format(#[from] UnknownFormat),
    #[error(transparent)]
    History(#[from] HistoryError),
    #[error(transparent)]
    Days(#[from] InvalidDays),
    /// A discovery report that is not one.
    #[error(transparent)]
    Report(#[from] ReportError),
    #[error("{0}")]
    Forbidden(String),
    #[error("a valid admin token is required (Authorization: Bearer <CONSENTRY_ADMIN_TOKEN>)")]
    Unauthorized,
    #[error("{0} is not allowed here; the Allow header lists what is")]
    MethodNotAllowed(actix_web::http::Method),
    #[error("the body must be application/json or text/plain")]
    UnsupportedMediaType,
    #[error("the request body is larger than {0} bytes")]
    PayloadTooLarge(usize),
    #[error("the request body did not arrive within {} s", .0.as_secs_f64())]
    RequestTimeout(std::time::Duration),
    #[error("this address already holds {0} open connections to the service; close some and retry")]
    TooManyConnections(u32),
    #[error("the consent store cannot accept writes right now; try again shortly")]
    Unavailable(#[from] StoreError),
    /// A visitor's evidence document that cannot be made (yet).
    #[error(transparent)]
    Evidence(#[from] EvidenceError),
    /// The latest scheduled scan could not run.
    #[error("the latest scan, at {at}, failed: {error}")]
    ScanFailed { at: String, error: String },
}

impl AppError {
    pub(crate) fn bad_request_field(
        code: &'static str,
        field: &'static str,
        message: impl Into<String>,
    ) -> AppError {
        AppError::BadQuery {
            code,
            field,
            message: message.into(),
        }
    }

    pub(crate) fn bad_request(code: &'static str, message: impl Into<String>) -> AppError {
        AppError::BadRequest {
            code,
            message: message.into(),
        }
    }

    /// The stable kebab-case code clients get in `error`, and metrics count refusals by.
    pub(crate) fn code(&self) -> &'static str {
        match self {
            AppError::NotFound(_) => "not-found",
            AppError::BadRequest { code, .. } | AppError::BadQuery { code, .. } => code,
            AppError::Decision(e) => e.code(),
            AppError::Terms(e) => e.code(),
            AppError::Id(e) => e.code(),
            AppError::Range(e) => e.code(),
            AppError::Format(e) => e.code(),
            AppError::History(e) => e.code(),
            AppError::Days(e) => e.code(),
            AppError::Report(e) => e.code(),
            AppError::Forbidden(_) => "forbidden",
            AppError::Unauthorized => "unauthorized",
            AppError::MethodNotAllowed(_) => "method-not-allowed",
            AppError::UnsupportedMediaType => "unsupported-media-type",
            AppError::PayloadTooLarge(_) => "payload-too-large",
            AppError::RequestTimeout(_) => "request-timeout",
            AppError::TooManyConnections(_) => "too-many-connections",
            AppError::Unavailable(_) => "store-unavailable",
            AppError::ScanFailed { .. } => "scan-failed",
            AppError::Evidence(e) => e.code(),
        }
    }

    /// The field or parameter to fix, for the errors that have one.
    fn field(&self) -> Option<&str> {
        Some(match self {
            AppError::BadQuery { field, .. } => field,
            AppError::Decision(e) => e.field(),
            AppError::Terms(e) => e.field(),
            AppError::Id(e) => e.field(),
            AppError::Range(e) => e.field(),
            AppError::Format(e) => e.field(),
            AppError::History(e) => e.field(),
            AppError::Days(e) => e.field(),
            AppError::Report(e) => e.field(),
            _ => return None,
        })
    }
}

/// Every error answer: `{"error", "message"}`, and `field` when one field or parameter is to
/// blame.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct ErrorBody<'a> {
    /// A stable kebab-case code (`unknown-shown`, `store-unavailable`, …).
    error: &'a str,
    /// What was wrong, for a person.
    message: String,
    /// The field or query parameter to fix.
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<&'a str>,
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::BadRequest { .. } | AppError::BadQuery { .. } => StatusCode::BAD_REQUEST,
            AppError::Decision(_)
            | AppError::Terms(_)
            | AppError::Id(_)
            | AppError::Range(_)
            | AppError::Format(_)
            | AppError::History(_)
            | AppError::Days(_)
            | AppError::Report(_) => StatusCode::BAD_REQUEST,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::Unauthorized => StatusCode::UNAUTHORIZED,
            AppError::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            AppError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::RequestTimeout(_) => StatusCode::REQUEST_TIMEOUT,
            AppError::TooManyConnections(_) => StatusCode::TOO_MANY_REQUESTS,
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            // The site scanned failed to answer, not this service.
            AppError::ScanFailed { .. } => StatusCode::BAD_GATEWAY,
            AppError::Evidence(e) => e.status(),
        }
    }

    fn error_response(&self) -> HttpResponse {
        // The cause chain goes to the log, never to the client.
        if let AppError::Unavailable(cause) = self {
            tracing::error!(error = %cause, "store unavailable");
        }
        if let AppError::Evidence(e) = self
            && e.status().is_server_error()
        {
            tracing::error!(error = %e, "no evidence document");
        }
        let field = self.field();
        let mut res = HttpResponse::build(self.status_code());
        if matches!(self, AppError::Unauthorized) {
            res.insert_header(("WWW-Authenticate", "Bearer realm=\"consentry-admin\""));
        }
        if matches!(
            self,
            AppError::Unavailable(_) | AppError::TooManyConnections(_)
        ) {
            res.insert_header(("Retry-After", "1"));
        }
        if let AppError::Evidence(EvidenceError::NotLogged { .. }) = self {
            res.insert_header(("Retry-After", "5"));
        }
        // The connection goes with the answer: the rest of a slow body is never read, and a
        // connection over its address's ceiling must free its place at once.
        if matches!(
            self,
            AppError::RequestTimeout(_) | AppError::TooManyConnections(_)
        ) {
            res.force_close();
        }
        res.json(ErrorBody {
            error: self.code(),
            message: self.to_string(),
            field,
        })
    }
}

/// A query string that does not fit its handler's parameters (a repeated or mistyped key).
impl From<actix_web::error::QueryPayloadError> for AppError {
    fn from(e: actix_web::error::QueryPayloadError) -> AppError {
        let why = match e {
            actix_web::error::QueryPayloadError::Deserialize(inner) => inner.to_string(),
            other => other.to_string(),
        };
        AppError::bad_request(
            "invalid-query",
            format!("the query string is not acceptable: {why}"),
        )
    }
}
