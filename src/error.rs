//! [`WebhookError`]: everything that stops a call before dispatch, as a JSON error body.
//!
//! Dialogflow and operators both read these, so every one is JSON with a stable `code`, never
//! actix's default HTML or plain text; [`json_errors`] holds the rest of the app to the same
//! shape. Only what actix-http answers before the app sees a request (a malformed head, 431, a
//! head that never completes) stays bodiless: SECURITY.md lists those.

use actix_web::dev::ServiceResponse;
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::middleware::{ErrorHandlerResponse, ErrorHandlers};
use actix_web::{HttpResponse, ResponseError};
use serde_json::json;

#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    #[error("the request body is empty")]
    EmptyBody,
    #[error("the body is not valid JSON: {0}")]
    MalformedJson(String),
    /// `challenge` is the `WWW-Authenticate` value of the route's mode, if it has one.
    #[error("missing or invalid credentials")]
    Unauthorized { challenge: Option<&'static str> },
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
            WebhookError::Unauthorized { .. } => "unauthorized",
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
            WebhookError::Unauthorized { .. } => StatusCode::UNAUTHORIZED,
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
            WebhookError::Unauthorized {
                challenge: Some(challenge),
            } => {
                headers.insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static(challenge),
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

/// Middleware turning any 4xx or 5xx the app answers without a JSON body (an extractor's plain
/// text, a route that forgot) into the JSON error shape, with its status and headers kept.
pub fn json_errors<B: 'static>() -> ErrorHandlers<B> {
    ErrorHandlers::new().default_handler(into_json_error)
}

fn into_json_error<B>(res: ServiceResponse<B>) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let is_json = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if is_json {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let (req, plain) = res.into_parts();
    let status = plain.status();
    let reason = status.canonical_reason().unwrap_or("error");
    let code: String = reason
        .chars()
        .filter_map(|c| match c {
            ' ' | '-' => Some('_'),
            c if c.is_ascii_alphanumeric() => Some(c.to_ascii_lowercase()),
            _ => None,
        })
        .collect();
    let mut json = WebhookError::json_body(status, &code, &reason.to_ascii_lowercase());
    for (name, value) in plain.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            json.headers_mut().append(name.clone(), value.clone());
        }
    }
    Ok(ErrorHandlerResponse::Response(
        ServiceResponse::new(req, json).map_into_right_body(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::{test, web, App};

    #[actix_web::test]
    async fn plain_error_answers_leave_as_json_and_json_ones_unchanged() {
        let app = test::init_service(
            App::new()
                .wrap(json_errors())
                .route(
                    "/plain",
                    web::get().to(|| async {
                        HttpResponse::BadRequest()
                            .insert_header((header::ALLOW, "GET"))
                            .body("plain words")
                    }),
                )
                .route(
                    "/extractor",
                    web::get().to(|| async {
                        Err::<HttpResponse, _>(actix_web::error::ErrorNotFound("no such thing"))
                    }),
                )
                .route(
                    "/ours",
                    web::get().to(|| async { Err::<HttpResponse, _>(WebhookError::Forbidden) }),
                ),
        )
        .await;
        for (path, status, code) in [
            ("/plain", 400, "bad_request"),
            ("/extractor", 404, "not_found"),
            ("/ours", 403, "forbidden"),
        ] {
            let resp =
                test::call_service(&app, test::TestRequest::get().uri(path).to_request()).await;
            assert_eq!(resp.status().as_u16(), status, "{path}");
            if path == "/plain" {
                assert_eq!(resp.headers().get(header::ALLOW).unwrap(), "GET");
            }
            let body: serde_json::Value = test::read_body_json(resp).await;
            assert_eq!(body["error"]["code"], code, "{path}: {body}");
        }
    }
}
