//! Reading a webhook body safely: the content type, a size cap enforced without reading past
//! it, and a read deadline. Parsing it is `protocol::Request`'s.

use std::time::Duration;

use actix_web::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use actix_web::{web, HttpRequest};
use bytes::{Bytes, BytesMut};
use futures::StreamExt;

use crate::error::WebhookError;

/// Checks the content type: `application/json`, any parameters (charset) allowed.
pub fn check_content_type(req: &HttpRequest) -> Result<(), WebhookError> {
    let raw = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let essence = raw.split(';').next().unwrap_or("").trim();
    if essence.eq_ignore_ascii_case("application/json") {
        Ok(())
    } else {
        Err(WebhookError::UnsupportedMediaType(
            raw.chars().take(100).collect(),
        ))
    }
}

/// Reads the whole body, refusing with 413 as soon as it is known to exceed `limit` (from
/// `Content-Length` before reading anything, else while streaming) and with 408 when the client
/// takes longer than `read_timeout`.
pub async fn read_limited(
    req: &HttpRequest,
    mut payload: web::Payload,
    limit: usize,
    read_timeout: Duration,
) -> Result<Bytes, WebhookError> {
    let declared = req
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(WebhookError::TooLarge { limit });
    }
    let read = async {
        let mut body = BytesMut::with_capacity(declared.unwrap_or(0) as usize);
        while let Some(chunk) = payload.next().await {
            let chunk = chunk.map_err(|e| WebhookError::MalformedJson(format!("body: {e}")))?;
            if body.len() + chunk.len() > limit {
                return Err(WebhookError::TooLarge { limit });
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body.freeze())
    };
    tokio::time::timeout(read_timeout, read)
        .await
        .map_err(|_| WebhookError::BodyTimeout)?
}
