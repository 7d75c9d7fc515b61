//! The call builder handlers use: `ctx.upstream("x").get("/path").query(..).send_json().await`.
//! What happens on `send` (cache, breaker, concurrency, auth, retries) is in `send.rs`.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::Method;
use serde::de::DeserializeOwned;
use serde::Serialize;
use tokio::time::Instant;
use url::Url;

use super::buffer::{BufferBudget, Lease};
use super::{Upstream, UpstreamError, UpstreamErrorKind};

/// An upstream bound to one turn's deadline.
pub struct UpstreamClient {
    http: reqwest::Client,
    upstream: Option<Arc<Upstream>>,
    name: Arc<str>,
    deadline: Instant,
    margin: Duration,
    request_id: Arc<str>,
    buffer: Arc<BufferBudget>,
}

impl UpstreamClient {
    pub(super) fn new(
        http: reqwest::Client,
        upstream: Option<Arc<Upstream>>,
        name: Arc<str>,
        deadline: Instant,
        margin: Duration,
        request_id: Arc<str>,
        buffer: Arc<BufferBudget>,
    ) -> Self {
        UpstreamClient {
            http,
            upstream,
            name,
            deadline,
            margin,
            request_id,
            buffer,
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
            buffer: self.buffer.clone(),
            idempotent: super::retry::idempotent_method(&method),
            method,
            path: path.to_string(),
            query: Vec::new(),
            headers: HeaderMap::new(),
            body: None,
            build_error: None,
            cache: None,
            trace: None,
        }
    }
}

/// One outbound call being built.
pub struct UpstreamRequest {
    pub(super) http: reqwest::Client,
    pub(super) upstream: Option<Arc<Upstream>>,
    pub(super) name: Arc<str>,
    pub(super) deadline: Instant,
    pub(super) margin: Duration,
    pub(super) request_id: Arc<str>,
    /// Shared by all calls: the bytes their response bodies may hold.
    pub(super) buffer: Arc<BufferBudget>,
    pub(super) method: Method,
    pub(super) path: String,
    pub(super) query: Vec<(String, String)>,
    pub(super) headers: HeaderMap,
    pub(super) body: Option<Bytes>,
    /// A builder mistake (bad header, unserialisable body), reported when sent.
    pub(super) build_error: Option<String>,
    /// May be sent more than once (retries).
    pub(super) idempotent: bool,
    pub(super) cache: Option<CacheOptions>,
    /// The observed call's trace, looked up when sent (`crate::trace`).
    pub(super) trace: Option<crate::trace::CallTrace>,
}

/// How a call opted into the response cache.
#[derive(Debug, Clone, Default)]
pub(super) struct CacheOptions {
    pub ttl: Duration,
    pub max_stale: Duration,
    pub vary: Vec<HeaderName>,
}

/// A successful (2xx) upstream answer with its body read in full (and capped).
#[derive(Debug, Clone)]
pub struct UpstreamResponse {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Bytes,
    /// The body's share of the upstream buffer budget, given back when the last clone is
    /// dropped; `None` for cached answers, which the cache's own size bounds.
    pub(super) lease: Option<Arc<Lease>>,
}

impl UpstreamResponse {
    /// The same answer without its lease, for the cache to keep.
    pub(super) fn unleased(mut self) -> Self {
        self.lease = None;
        self
    }
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
                self.body = Some(bytes.into());
                self.headers.insert(
                    reqwest::header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                );
            }
            Err(e) => self.build_error = Some(format!("body not serialisable: {e}")),
        }
        self
    }

    /// Marks a non-idempotent method (POST, PATCH) as safe to repeat, so it may be retried.
    pub fn idempotent(mut self) -> Self {
        self.idempotent = true;
        self
    }

    /// Answers from the upstream's cache for `ttl`; concurrent identical calls share one
    /// request.
    pub fn cache(mut self, ttl: Duration) -> Self {
        self.cache.get_or_insert_with(CacheOptions::default).ttl = ttl;
        self
    }

    /// With `.cache(..)`: when the upstream fails, answer with an entry expired for at most
    /// `max_stale`.
    pub fn stale_on_error(mut self, max_stale: Duration) -> Self {
        self.cache
            .get_or_insert_with(CacheOptions::default)
            .max_stale = max_stale;
        self
    }

    /// With `.cache(..)`: request headers whose values make a different cache entry.
    pub fn vary(mut self, headers: &[&str]) -> Self {
        let names: Result<Vec<_>, _> = headers
            .iter()
            .map(|h| HeaderName::from_bytes(h.as_bytes()))
            .collect();
        match names {
            Ok(names) => self.cache.get_or_insert_with(CacheOptions::default).vary = names,
            Err(_) => self.build_error = Some("invalid header name in vary".into()),
        }
        self
    }

    /// Sends and decodes a JSON body.
    pub async fn send_json<T: DeserializeOwned>(self) -> Result<T, UpstreamError> {
        let name = self.name.clone();
        let resp = self.send().await?;
        serde_json::from_slice(&resp.body)
            .map_err(|e| UpstreamError::new(&*name, UpstreamErrorKind::Decode(e.to_string())))
    }

    /// Sends and returns the body as text.
    pub async fn send_text(self) -> Result<String, UpstreamError> {
        let name = self.name.clone();
        let resp = self.send().await?;
        String::from_utf8(resp.body.to_vec())
            .map_err(|e| UpstreamError::new(&*name, UpstreamErrorKind::Decode(e.to_string())))
    }

    /// Where the call goes: the path below `base` (a `/` added between them when missing; a
    /// `?` in the path starts its own query), then the query pairs, form-encoded.
    pub(super) fn url(&self, base: &str) -> Result<Url, UpstreamErrorKind> {
        let base = base.trim_end_matches('/');
        let slash = if self.path.is_empty() || self.path.starts_with('/') {
            ""
        } else {
            "/"
        };
        let mut url = Url::parse(&format!("{base}{slash}{}", self.path))
            .map_err(|e| UpstreamErrorKind::Request(format!("bad URL: {e}")))?;
        if !self.query.is_empty() {
            url.query_pairs_mut().extend_pairs(&self.query);
        }
        Ok(url)
    }

    /// What is left of the budget for upstream work.
    pub(super) fn left(&self) -> Duration {
        self.deadline
            .saturating_duration_since(Instant::now())
            .saturating_sub(self.margin)
    }
}

/// reqwest's messages include the URL, whose query may carry an API key: drop it.
pub(super) fn without_url(e: &reqwest::Error) -> String {
    let mut msg = e.to_string();
    if let Some(url) = e.url() {
        msg = msg.replace(url.as_str(), "<url>");
    }
    msg
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(base: &str, path: &str, query: &[(&str, &str)]) -> String {
        let ups = super::super::Upstreams::from_settings(&Default::default(), Duration::ZERO)
            .expect("client");
        let call = ups
            .client("none", Instant::now(), Arc::from("r"))
            .get(path)
            .query(query);
        call.url(base).expect("url").to_string()
    }

    /// The shapes users write: a base with or without a path prefix and trailing slash, a path
    /// with or without its leading slash or its own query, values that need encoding.
    #[test]
    fn the_path_and_query_land_below_the_base() {
        assert_eq!(
            url("http://h:1", "/w", &[("city", "Tokyo")]),
            "http://h:1/w?city=Tokyo"
        );
        assert_eq!(url("http://h/v2/", "rates", &[]), "http://h/v2/rates");
        assert_eq!(
            url("http://h/v2", "/r", &[("a", "1"), ("b", "2")]),
            "http://h/v2/r?a=1&b=2"
        );
        assert_eq!(url("http://h/v2/", "", &[]), "http://h/v2");
        assert_eq!(url("http://h", "", &[]), "http://h/");
        assert_eq!(
            url("http://h/v2", "/x?a=1", &[("b", "2")]),
            "http://h/v2/x?a=1&b=2"
        );
        assert_eq!(
            url("http://h/v2?k=1", "", &[("b", "2")]),
            "http://h/v2?k=1&b=2"
        );
        assert_eq!(
            url("http://h", "/a b/\u{fc}", &[("q", "a b&c")]),
            "http://h/a%20b/%C3%BC?q=a+b%26c"
        );
    }
}
