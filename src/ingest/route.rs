//! `POST /events/<source>`: verify, parse, split, extract, route, store durably, then answer;
//! `GET /events/<source>`: Okta's one-time verification challenge, for an Okta source only.
//!
//! Answers: 200 once every event of the delivery is committed (a duplicate too: already
//! stored); 401 a failed verification; 404 no such source; 413 too large; 408 too slow; 400 not
//! JSON or no id or type where the source says they are; 503 with `Retry-After` when the store
//! cannot commit (our fault: the sender must retry, so never a 4xx). Errors are JSON,
//! `{"error": {"code", "message"}}`, as on the webhook routes.

use std::time::Duration;

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse, ResponseError};
use serde_json::{json, Value};

use super::metrics;
use super::service::Ingest;
use super::source::Source;
use super::store::{Inserted, NewEvent};
use super::verify::Rejection;
use crate::error::WebhookError;
use crate::state::AppState;

/// The header Okta's verification `GET` carries.
const OKTA_CHALLENGE: &str = "x-okta-verification-challenge";

/// Mounts the event routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/events/{source}")
            .route(web::post().to(post))
            .route(web::get().to(get))
            .default_service(web::to(|| async {
                Err::<HttpResponse, _>(WebhookError::MethodNotAllowed { allow: "POST" })
            })),
    );
}

/// Why a delivery was refused.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("no event source `{0}` is configured (add [sources.{0}])")]
    UnknownSource(String),
    #[error("the delivery failed verification ({})", .0.as_str())]
    Unauthorized(Rejection),
    #[error("{0}")]
    Malformed(String),
    #[error("the event could not be stored; retry later")]
    Unavailable { retry_after_secs: u64 },
    #[error("only POST is served for this source")]
    GetNotServed,
}

impl IngestError {
    fn code(&self) -> &'static str {
        match self {
            IngestError::UnknownSource(_) => "not_found",
            IngestError::Unauthorized(_) => "unauthorized",
            IngestError::Malformed(_) => "malformed_event",
            IngestError::Unavailable { .. } => "unavailable",
            IngestError::GetNotServed => "method_not_allowed",
        }
    }

    fn metric(&self) -> &'static str {
        match self {
            IngestError::UnknownSource(_) => "unknown_source",
            IngestError::Unauthorized(_) => "unauthorized",
            IngestError::Malformed(_) => "malformed",
            IngestError::Unavailable { .. } => "unavailable",
            IngestError::GetNotServed => "method_not_allowed",
        }
    }
}

impl ResponseError for IngestError {
    fn status_code(&self) -> StatusCode {
        match self {
            IngestError::UnknownSource(_) => StatusCode::NOT_FOUND,
            IngestError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            IngestError::Malformed(_) => StatusCode::BAD_REQUEST,
            IngestError::Unavailable { .. } => StatusCode::SERVICE_UNAVAILABLE,
            IngestError::GetNotServed => StatusCode::METHOD_NOT_ALLOWED,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let mut resp = WebhookError::json_body(self.status_code(), self.code(), &self.to_string());
        match self {
            IngestError::Unavailable { retry_after_secs } => {
                if let Ok(v) = HeaderValue::from_str(&retry_after_secs.to_string()) {
                    resp.headers_mut().insert(header::RETRY_AFTER, v);
                }
            }
            IngestError::GetNotServed => {
                resp.headers_mut()
                    .insert(header::ALLOW, HeaderValue::from_static("POST"));
            }
            _ => {}
        }
        resp
    }
}

/// The event path and the named source, or 404 (no sources at all, or not this one).
fn ingest_of<'a>(state: &'a AppState, name: &str) -> Result<(&'a Ingest, &'a Source), IngestError> {
    state
        .events
        .as_deref()
        .and_then(|i| Some((i, i.source(name)?)))
        .ok_or_else(|| IngestError::UnknownSource(name.chars().take(100).collect()))
}

async fn post(
    name: web::Path<String>,
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> HttpResponse {
    let name = name.into_inner();
    let (ingest, source) = match ingest_of(&state, &name) {
        Ok(found) => found,
        Err(e) => {
            metrics::received(&name, e.metric(), 1);
            return e.error_response();
        }
    };
    let read_timeout = Duration::from_millis(state.settings.server.body_read_timeout_ms);
    let body = match crate::body::read_limited(&req, payload, source.body_limit, read_timeout).await
    {
        Ok(b) => b,
        Err(e) => {
            metrics::received(&name, "too_large_or_slow", 1);
            return e.error_response();
        }
    };
    match accept(ingest, source, &req, &body).await {
        Ok(resp) => resp,
        Err(e) => {
            metrics::received(&name, e.metric(), 1);
            if let IngestError::Unavailable { .. } = e {
                tracing::warn!(source = %name, "event not stored: answering 503");
            } else {
                tracing::info!(source = %name, error = %e, "event delivery refused");
            }
            e.error_response()
        }
    }
}

async fn accept(
    ingest: &Ingest,
    source: &Source,
    req: &HttpRequest,
    body: &[u8],
) -> Result<HttpResponse, IngestError> {
    let name = source.name.as_str();
    let headers = req.headers();
    source
        .verifier
        .verify(headers, body, ingest.clock.now_secs())
        .map_err(IngestError::Unauthorized)?;
    if body.is_empty() {
        return Err(IngestError::Malformed("the body is empty".into()));
    }
    let json: Value = serde_json::from_slice(body)
        .map_err(|e| IngestError::Malformed(format!("the body is not valid JSON: {e}")))?;
    if let Some(answer) = source.handshake(headers, &json) {
        metrics::received(name, "handshake", 1);
        return Ok(HttpResponse::Ok().json(answer));
    }
    let received_at = ingest.clock.now_ms();
    let kept = source.kept_headers(headers);
    let units = source.units(&json);
    let mut events = Vec::with_capacity(units.len());
    for unit in units {
        let missing = |what: &str, spec: &Option<String>| {
            IngestError::Malformed(format!(
                "no event {what} found{}",
                spec.as_deref()
                    .map(|s| format!(" at `{s}`"))
                    .unwrap_or_default()
            ))
        };
        let event_id = source
            .event_id
            .extract(headers, unit)
            .ok_or_else(|| missing("id", &source.settings.event_id))?;
        let event_type = source
            .event_type
            .extract(headers, unit)
            .ok_or_else(|| missing("type", &source.settings.event_type))?;
        if event_id.len() > 512 || event_type.len() > 256 {
            return Err(IngestError::Malformed(
                "the event id or type is too long".into(),
            ));
        }
        let bytes = if source.is_batch() {
            serde_json::to_vec(unit).unwrap_or_default()
        } else {
            body.to_vec()
        };
        events.push(NewEvent {
            handlers: ingest.route(source, &event_type, unit),
            source: name.to_string(),
            event_id,
            event_type,
            body: bytes,
            headers: kept.clone(),
            received_at,
        });
    }
    let ignored = events.iter().filter(|e| e.handlers.is_empty()).count();
    let has_work = ignored < events.len();
    let results = ingest.store.insert(events).await.map_err(|e| {
        tracing::error!(source = %name, error = %e, "storing events failed");
        IngestError::Unavailable {
            retry_after_secs: ingest.settings.retry_after_secs,
        }
    })?;
    let stored = results
        .iter()
        .filter(|r| matches!(r, Inserted::Stored { .. }))
        .count();
    let duplicates = results.len() - stored;
    if stored > 0 {
        // Events that no handler wants give the workers nothing to do.
        if has_work {
            ingest.wake();
        }
        metrics::received(name, "stored", stored as u64);
    }
    if duplicates > 0 {
        metrics::received(name, "duplicate", duplicates as u64);
    }
    tracing::debug!(source = %name, stored, duplicates, ignored, "events received");
    Ok(HttpResponse::Ok().json(json!({
        "stored": stored,
        "duplicates": duplicates,
    })))
}

/// Okta's one-time verification: echo the challenge header as `{"verification": ...}`, only to
/// a caller that sends the source's secret, as Okta does with every request.
async fn get(
    name: web::Path<String>,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> HttpResponse {
    match challenge(&state, &name, &req) {
        Ok(resp) => {
            metrics::received(&name, "handshake", 1);
            resp
        }
        Err(e) => {
            metrics::received(&name, e.metric(), 1);
            e.error_response()
        }
    }
}

fn challenge(state: &AppState, name: &str, req: &HttpRequest) -> Result<HttpResponse, IngestError> {
    let (ingest, source) = ingest_of(state, name)?;
    if !source.is_okta() {
        return Err(IngestError::GetNotServed);
    }
    source
        .verifier
        .verify(req.headers(), b"", ingest.clock.now_secs())
        .map_err(IngestError::Unauthorized)?;
    let challenge = req
        .headers()
        .get(OKTA_CHALLENGE)
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty() && v.len() <= 1024)
        .ok_or_else(|| {
            IngestError::Malformed(
                "expected an X-Okta-Verification-Challenge header (Okta's verification request)"
                    .into(),
            )
        })?;
    Ok(HttpResponse::Ok().json(json!({ "verification": challenge })))
}
