//! What a traced call (`crate::trace`) learns from the upstream layer: one [`Exchange`] per
//! attempt, per cache answer and per call refused before any attempt. Only headers the handler
//! set, minus credentials, and the URL before the upstream's auth touched it.

use reqwest::header::HeaderMap;
use tokio::time::Instant;
use url::Url;

use super::call::{UpstreamRequest, UpstreamResponse};
use super::{Upstream, UpstreamErrorKind};
use crate::trace::{is_credential_header, CacheUse, CallTrace, Exchange};

/// How one traced step ended.
pub(super) enum Ended<'a> {
    Answered(&'a UpstreamResponse),
    Failed(&'a UpstreamErrorKind),
    /// Dropped mid-way: the handler's deadline (or the caller hanging up) came first.
    Cancelled,
}

/// An attempt being made; if it is dropped before [`InFlight::finish`], the trace still gets it,
/// as cancelled.
pub(super) struct InFlight<'a> {
    req: &'a UpstreamRequest,
    trace: &'a CallTrace,
    up: &'a Upstream,
    url: &'a Url,
    attempt: u32,
    started: Instant,
    done: bool,
}

impl<'a> InFlight<'a> {
    pub(super) fn new(
        req: &'a UpstreamRequest,
        trace: &'a CallTrace,
        up: &'a Upstream,
        url: &'a Url,
        attempt: u32,
    ) -> Self {
        InFlight {
            req,
            trace,
            up,
            url,
            attempt,
            started: Instant::now(),
            done: false,
        }
    }

    pub(super) fn finish(mut self, ended: Ended<'_>) {
        self.done = true;
        self.record(ended);
    }

    fn record(&self, ended: Ended<'_>) {
        let cache = self.req.cache_use();
        self.req.trace_exchange(
            self.trace,
            self.up,
            self.url,
            self.attempt,
            cache,
            self.started,
            ended,
        );
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        if !self.done {
            self.record(Ended::Cancelled);
        }
    }
}

impl UpstreamRequest {
    /// Adds one exchange to the call's trace.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn trace_exchange(
        &self,
        trace: &CallTrace,
        up: &Upstream,
        url: &Url,
        attempt: u32,
        cache: CacheUse,
        started: Instant,
        ended: Ended<'_>,
    ) {
        let (path, query) = below_base(url, &up.base);
        let (status, response_headers, response_body, error) = match ended {
            Ended::Answered(resp) => (
                Some(resp.status),
                headers(&resp.headers),
                String::from_utf8_lossy(&resp.body).into_owned(),
                None,
            ),
            Ended::Failed(kind) => {
                let status = match kind {
                    UpstreamErrorKind::Status(s) => Some(*s),
                    _ => None,
                };
                (status, Vec::new(), String::new(), Some(kind.to_string()))
            }
            Ended::Cancelled => (
                None,
                Vec::new(),
                String::new(),
                Some("cancelled: the call's deadline came first".to_string()),
            ),
        };
        trace.exchange(Exchange {
            upstream: up.name.clone(),
            method: self.method.as_str().to_string(),
            path,
            query,
            request_headers: headers(&self.headers),
            request_body: self
                .body
                .as_ref()
                .map(|b| String::from_utf8_lossy(b).into_owned()),
            status,
            response_headers,
            response_body,
            attempt,
            cache,
            breaker: up.breaker.state().as_str(),
            start_us: trace.micros(started),
            duration_us: started.elapsed().as_micros() as u64,
            error,
        });
    }
}

/// The path below `base` and the query, as sent.
fn below_base(url: &Url, base: &str) -> (String, Option<String>) {
    let rest = url
        .as_str()
        .strip_prefix(base)
        .filter(|r| r.is_empty() || r.starts_with('/') || r.starts_with('?'));
    match rest {
        Some(rest) => {
            let rest = rest.split('#').next().unwrap_or_default();
            match rest.split_once('?') {
                Some((path, query)) => (path.to_string(), Some(query.to_string())),
                None => (rest.to_string(), None),
            }
        }
        None => (url.path().to_string(), url.query().map(str::to_string)),
    }
}

fn headers(map: &HeaderMap) -> Vec<(String, String)> {
    map.iter()
        .filter(|(name, _)| !is_credential_header(name.as_str()))
        .filter_map(|(name, value)| Some((name.to_string(), value.to_str().ok()?.to_string())))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_path_is_below_the_base() {
        let u = |s: &str| Url::parse(s).expect("url");
        assert_eq!(
            below_base(&u("http://h:1/v2/r?a=1"), "http://h:1/v2"),
            ("/r".into(), Some("a=1".into()))
        );
        assert_eq!(below_base(&u("http://h/"), "http://h"), ("/".into(), None));
        assert_eq!(
            below_base(&u("http://h/v2"), "http://h/v2"),
            ("".into(), None)
        );
        assert_eq!(
            below_base(&u("http://h/v22/x"), "http://h/v2"),
            ("/v22/x".into(), None)
        );
    }
}
