//! [`WebhookError`]: everything that stops a call before dispatch, as a JSON error body.
//!
//! Dialogflow and operators both read these, so every one is JSON with a stable `code`, never
//! actix's default HTML or plain text.

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde_json::json;

#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    #[error("the request body is empty")]
    EmptyBody,
    #[error("the body is not valid JSON: {0}")]
    MalformedJson(String),
    #[error("missing or invalid credentials")]
    Unauthorized,
    #[error("this source address may not call the webhook")]
    Forbidden,
    #[error("the request body took too long to arrive")]
    BodyTimeout,
    #[error("the request body is larger than {limit} bytes")]
    TooLarge { limit: usize },
    #[error("content type must be application/json, got `{0}`")]
    UnsupportedMediaType(String),
    #[error("{0}")]
    NotARequest(String),
    #[error("method not allowed; use {allow}")]
    MethodNotAllowed { allow: &'static str },
    #[error("no such route: {0}")]
    NotFound(String),
    #[error("too many requests")]
    TooManyRequests { retry_after_secs: u64 },
    #[error("the service is unavailable: {0}")]
    Unavailable(String),
}

impl WebhookError {
    /// A stable, machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            WebhookError::EmptyBody => "empty_body",
            WebhookError::MalformedJson(_) => "malformed_json",
            WebhookError::Unauthorized => "unauthorized",
            WebhookError::Forbidden => "forbidden",
            WebhookError::BodyTimeout => "body_timeout",
            WebhookError::TooLarge { .. } => "payload_too_large",
            WebhookError::UnsupportedMediaType(_) => "unsupported_media_type",
            WebhookError::NotARequest(_) => "not_a_webhook_request",
            WebhookError::MethodNotAllowed { .. } => "method_not_allowed",
            WebhookError::NotFound(_) => "not_found",
            WebhookError::TooManyRequests { .. } => "too_many_requests",
            WebhookError::Unavailable(_) => "unavailable",
        }
    }

    /// A JSON error body with any status, for the few errors raised outside this enum.
    pub fn json_body(status: StatusCode, code: &str, message: &str) -> HttpResponse {
        HttpResponse::build(status).json(json!({"error": {"code": code, "message": message}}))
    }
}

impl ResponseError for WebhookError {
    fn status_code(&self) -> StatusCode {
        match self {
            WebhookError::EmptyBody | WebhookError::MalformedJson(_) => StatusCode::BAD_REQUEST,
            WebhookError::Unauthorized => StatusCode::UNAUTHORIZED,
            WebhookError::Forbidden => StatusCode::FORBIDDEN,
            WebhookError::BodyTimeout => StatusCode::REQUEST_TIMEOUT,
            WebhookError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            WebhookError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            WebhookError::NotARequest(_) => StatusCode::UNPROCESSABLE_ENTITY,
            WebhookError::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            WebhookError::NotFound(_) => StatusCode::NOT_FOUND,
            WebhookError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            WebhookError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let mut resp = WebhookError::json_body(self.status_code(), self.code(), &self.to_string());
        let headers = resp.headers_mut();
        match self {
            WebhookError::MethodNotAllowed { allow } => {
                headers.insert(header::ALLOW, HeaderValue::from_static(allow));
            }
            WebhookError::TooManyRequests { retry_after_secs } => {
                if let Ok(v) = HeaderValue::from_str(&retry_after_secs.to_string()) {
                    headers.insert(header::RETRY_AFTER, v);
                }
            }
            WebhookError::Unauthorized => {
                headers.insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Basic realm=\"intentful\", Bearer"),
                );
            }
            WebhookError::TooLarge { .. } | WebhookError::BodyTimeout => {
                // The rest of the body was not read; the connection cannot be reused.
                headers.insert(header::CONNECTION, HeaderValue::from_static("close"));
            }
            _ => {}
        }
        resp
    }
}
