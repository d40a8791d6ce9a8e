//! Errors as clients see them: a stable kebab-case code, a sentence for a person, a status.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{0}")]
    NotFound(String),
    #[error("{message}")]
    BadRequest { code: &'static str, message: String },
    #[error("{0}")]
    Forbidden(String),
    #[error("the request body is larger than {0} bytes")]
    PayloadTooLarge(usize),
    #[error("the consent store cannot accept writes right now; try again shortly")]
    Unavailable(#[source] crate::store::StoreError),
    #[error("internal error")]
    Internal(String),
}

impl AppError {
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> AppError {
        AppError::BadRequest {
            code,
            message: message.into(),
        }
    }

    fn code(&self) -> &'static str {
        match self {
            AppError::NotFound(_) => "not-found",
            AppError::BadRequest { code, .. } => code,
            AppError::Forbidden(_) => "forbidden",
            AppError::PayloadTooLarge(_) => "payload-too-large",
            AppError::Unavailable(_) => "store-unavailable",
            AppError::Internal(_) => "internal",
        }
    }
}

#[derive(Serialize)]
struct Body<'a> {
    error: &'a str,
    message: String,
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        // The cause chain goes to the log, never to the client.
        match self {
            AppError::Unavailable(cause) => tracing::error!(error = %cause, "store unavailable"),
            AppError::Internal(cause) => tracing::error!(error = %cause, "internal error"),
            _ => {}
        }
        HttpResponse::build(self.status_code()).json(Body {
            error: self.code(),
            message: self.to_string(),
        })
    }
}
