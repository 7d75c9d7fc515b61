//! The call builder handlers use: `ctx.upstream("x").get("/path").query(..).send_json().await`.

use std::sync::Arc;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue, AUTHORIZATION};
use reqwest::Method;
use serde::de::DeserializeOwned;
use serde::Serialize;
use tokio::time::Instant;

use super::{Upstream, UpstreamError, UpstreamErrorKind};
use crate::config::UpstreamAuth;

/// Below this, a call cannot do anything useful; failing at once keeps the budget for the reply.
const MIN_CALL_TIME: Duration = Duration::from_millis(5);

/// An upstream bound to one turn's deadline.
pub struct UpstreamClient {
    http: reqwest::Client,
    upstream: Option<Arc<Upstream>>,
    name: String,
    deadline: Instant,
    margin: Duration,
    request_id: Arc<str>,
}

impl UpstreamClient {
    pub(super) fn new(
        http: reqwest::Client,
        upstream: Option<Arc<Upstream>>,
        name: &str,
        deadline: Instant,
        margin: Duration,
        request_id: Arc<str>,
    ) -> Self {
        UpstreamClient {
            http,
            upstream,
            name: name.to_string(),
            deadline,
            margin,
            request_id,
        }
    }

    pub fn get(&self, path: &str) -> UpstreamRequest {
        self.request(Method::GET, path)
    }

    pub fn post(&self, path: &str) -> UpstreamRequest {
        self.request(Method::POST, path)
    }

    pub fn put(&self, path: &str) -> UpstreamRequest {
        self.request(Method::PUT, path)
    }

    pub fn delete(&self, path: &str) -> UpstreamRequest {
        self.request(Method::DELETE, path)
    }

    pub fn request(&self, method: Method, path: &str) -> UpstreamRequest {
        UpstreamRequest {
            http: self.http.clone(),
            upstream: self.upstream.clone(),
            name: self.name.clone(),
            deadline: self.deadline,
            margin: self.margin,
            request_id: self.request_id.clone(),
            method,
            path: path.to_string(),
            query: Vec::new(),
            headers: HeaderMap::new(),
            body: None,
            build_error: None,
        }
    }
}

/// One outbound call being built.
pub struct UpstreamRequest {
    http: reqwest::Client,
    upstream: Option<Arc<Upstream>>,
    name: String,
    deadline: Instant,
    margin: Duration,
    request_id: Arc<str>,
    method: Method,
    path: String,
    query: Vec<(String, String)>,
    headers: HeaderMap,
    body: Option<Vec<u8>>,
    /// A builder mistake (bad header, unserialisable body), reported when sent.
    build_error: Option<String>,
}

/// A successful (2xx) upstream answer with its body read in full (and capped).
#[derive(Debug)]
pub struct UpstreamResponse {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl UpstreamRequest {
    /// Adds query pairs; values are anything `Display`-like via `ToString`.
    pub fn query<K: ToString, V: ToString>(mut self, pairs: &[(K, V)]) -> Self {
        self.query
            .extend(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        self
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        match (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            (Ok(n), Ok(v)) => {
                self.headers.insert(n, v);
            }
            _ => self.build_error = Some(format!("invalid header `{name}`")),
        }
        self
    }

    /// A JSON request body.
    pub fn json<T: Serialize + ?Sized>(mut self, body: &T) -> Self {
        match serde_json::to_vec(body) {
            Ok(bytes) => {
                self.body = Some(bytes);
                self.headers.insert(
                    reqwest::header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                );
            }
            Err(e) => self.build_error = Some(format!("body not serialisable: {e}")),
        }
        self
    }

    /// Sends and decodes a JSON body.
    pub async fn send_json<T: DeserializeOwned>(self) -> Result<T, UpstreamError> {
        let name = self.name.clone();
        let resp = self.send().await?;
        serde_json::from_slice(&resp.body)
            .map_err(|e| UpstreamError::new(name, UpstreamErrorKind::Decode(e.to_string())))
    }

    /// Sends and returns the body as text.
    pub async fn send_text(self) -> Result<String, UpstreamError> {
        let name = self.name.clone();
        let resp = self.send().await?;
        String::from_utf8(resp.body.to_vec())
            .map_err(|e| UpstreamError::new(name, UpstreamErrorKind::Decode(e.to_string())))
    }

    /// Sends; a non-2xx status is an error.
    pub async fn send(self) -> Result<UpstreamResponse, UpstreamError> {
        let err = |kind| UpstreamError::new(self.name.clone(), kind);
        let Some(up) = self.upstream.clone() else {
            return Err(err(UpstreamErrorKind::NotConfigured));
        };
        if let Some(problem) = &self.build_error {
            return Err(err(UpstreamErrorKind::Request(problem.clone())));
        }
        let left = self
            .deadline
            .saturating_duration_since(Instant::now())
            .saturating_sub(self.margin);
        let timeout = up.timeout.min(left);
        if timeout < MIN_CALL_TIME {
            return Err(err(UpstreamErrorKind::BudgetExhausted));
        }
        let mut builder = self
            .http
            .request(self.method.clone(), up.url(&self.path))
            .headers(self.headers.clone())
            .header("x-request-id", &*self.request_id);
        // No reqwest `.timeout(..)`: the `tokio::time::timeout` below bounds the whole exchange
        // (body included) already, and a second timer per call showed in the profile.
        if !self.query.is_empty() {
            builder = builder.query(&self.query);
        }
        builder = match &up.auth {
            UpstreamAuth::None => builder,
            UpstreamAuth::Bearer { token } => {
                builder.header(AUTHORIZATION, format!("Bearer {}", token.expose()))
            }
            UpstreamAuth::Header { name, value } => builder.header(name.as_str(), value.expose()),
        };
        if let Some(body) = &self.body {
            builder = builder.body(body.clone());
        }
        let started = std::time::Instant::now();
        let result =
            match tokio::time::timeout(timeout, exchange(builder, up.max_response_bytes)).await {
                Ok(Ok(resp)) => Ok(resp),
                Ok(Err(kind)) => Err(err(kind)),
                Err(_) => Err(err(UpstreamErrorKind::Timeout)),
            };
        let outcome = match &result {
            Ok(_) => "ok",
            Err(e) => e.kind.label(),
        };
        crate::telemetry::record_upstream(&up.name, outcome, started.elapsed());
        result
    }
}

/// Sends and reads the body, refusing more than `cap` bytes without buffering them.
async fn exchange(
    builder: reqwest::RequestBuilder,
    cap: u64,
) -> Result<UpstreamResponse, UpstreamErrorKind> {
    let mut resp = builder.send().await.map_err(classify)?;
    let status = resp.status().as_u16();
    if !resp.status().is_success() {
        return Err(UpstreamErrorKind::Status(status));
    }
    if resp.content_length().is_some_and(|len| len > cap) {
        return Err(UpstreamErrorKind::TooLarge(cap));
    }
    let headers = std::mem::take(resp.headers_mut());
    let mut body = BytesMut::new();
    while let Some(chunk) = resp.chunk().await.map_err(classify)? {
        if (body.len() + chunk.len()) as u64 > cap {
            return Err(UpstreamErrorKind::TooLarge(cap));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(UpstreamResponse {
        status,
        headers,
        body: body.freeze(),
    })
}

fn classify(e: reqwest::Error) -> UpstreamErrorKind {
    if e.is_timeout() {
        UpstreamErrorKind::Timeout
    } else if e.is_connect() {
        UpstreamErrorKind::Connect(without_url(&e))
    } else if e.is_decode() || e.is_body() {
        UpstreamErrorKind::Decode(without_url(&e))
    } else {
        UpstreamErrorKind::Request(without_url(&e))
    }
}

/// reqwest's messages include the URL, whose query may carry an API key: drop it.
fn without_url(e: &reqwest::Error) -> String {
    let mut msg = e.to_string();
    if let Some(url) = e.url() {
        msg = msg.replace(url.as_str(), "<url>");
    }
    msg
}
