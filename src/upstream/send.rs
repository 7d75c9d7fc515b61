//! What `send` does, outermost first: the response cache (shared flights, stale on error), the
//! circuit breaker, the concurrency limit, then attempts with auth and budget-bound retries.
//! Every step is bounded by what is left of the turn's budget.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use futures::FutureExt;

use reqwest::header::RETRY_AFTER;
use url::Url;

use super::buffer::BufferBudget;
use super::cache;
use super::call::{without_url, CacheOptions, UpstreamRequest, UpstreamResponse};
use super::traced::{Ended, InFlight};
use super::{retry, Upstream, UpstreamError, UpstreamErrorKind};
use crate::chunks::Chunks;
use crate::trace::CacheUse;

/// Below this, a call cannot do anything useful; failing at once keeps the budget for the reply.
const MIN_CALL_TIME: Duration = Duration::from_millis(5);

/// One failed attempt, with what the server said about retrying.
struct Failure {
    kind: UpstreamErrorKind,
    retry_after: Option<Duration>,
}

impl From<UpstreamErrorKind> for Failure {
    fn from(kind: UpstreamErrorKind) -> Self {
        Failure {
            kind,
            retry_after: None,
        }
    }
}

impl UpstreamRequest {
    /// Sends; a non-2xx status is an error.
    pub async fn send(mut self) -> Result<UpstreamResponse, UpstreamError> {
        // Once per call: `None` unless someone observes calls (`crate::trace`).
        self.trace = crate::trace::current();
        let err = |kind| UpstreamError::new(&*self.name, kind);
        let Some(up) = self.upstream.clone() else {
            return Err(err(UpstreamErrorKind::NotConfigured));
        };
        if let Some(problem) = &self.build_error {
            return Err(err(UpstreamErrorKind::Request(problem.clone())));
        }
        let url = self.url(&up.base).map_err(err)?;
        match &self.cache {
            Some(opts) => self.send_cached(&up, &url, opts).await,
            None => self.call(&up, &url).await,
        }
        .map_err(err)
    }

    async fn send_cached(
        &self,
        up: &Upstream,
        url: &Url,
        opts: &CacheOptions,
    ) -> Result<UpstreamResponse, UpstreamErrorKind> {
        let key = cache::key(
            self.method.as_str(),
            url.as_str(),
            &opts.vary,
            &self.headers,
            self.body.as_deref(),
        );
        let fetched = AtomicBool::new(false);
        let asked = self.trace.as_ref().map(|_| tokio::time::Instant::now());
        let answer = up
            .cache
            .get_or_fetch(&key, &self.headers, opts.ttl, opts.max_stale, || {
                fetched.store(true, Ordering::Relaxed);
                // The cache's own size bounds what it keeps: no lease on the buffer budget.
                self.call(up, url)
                    .map(|r| r.map(UpstreamResponse::unleased))
            });
        // Waiters keep their own deadline, whoever leads the flight.
        let answer = tokio::time::timeout(self.left(), answer)
            .await
            .unwrap_or(Err(UpstreamErrorKind::BudgetExhausted));
        // A hit: answered without a request of its own (stored, or another caller's flight).
        let hit = answer.is_ok() && !fetched.load(Ordering::Relaxed);
        super::metrics::record_cache(&up.name, if hit { "hit" } else { "miss" });
        let kind = match answer {
            Ok(resp) => {
                if let (true, Some(t), Some(at)) = (hit, &self.trace, asked) {
                    self.trace_exchange(t, up, url, 0, CacheUse::Hit, at, Ended::Answered(&resp));
                }
                return Ok((*resp).clone());
            }
            Err(kind) => kind,
        };
        if !opts.max_stale.is_zero() && stale_allowed(&kind) {
            if let Some(stale) = up.cache.stale(&key, &self.headers, opts.max_stale).await {
                super::metrics::record_cache(&up.name, "stale");
                tracing::info!(upstream = %up.name, error = %kind, "served a stale cache entry");
                if let (Some(t), Some(at)) = (&self.trace, asked) {
                    let answered = Ended::Answered(&stale);
                    self.trace_exchange(t, up, url, 0, CacheUse::Stale, at, answered);
                }
                return Ok((*stale).clone());
            }
        }
        Err(kind)
    }

    /// One logical call: breaker, concurrency permit, attempts; recorded once.
    async fn call(&self, up: &Upstream, url: &Url) -> Result<UpstreamResponse, UpstreamErrorKind> {
        let started = std::time::Instant::now();
        let result = self.guarded(up, url).await;
        let outcome = match &result {
            Ok(_) => "ok",
            Err(kind) => kind.label(),
        };
        up.metrics.record(outcome, started.elapsed());
        result
    }

    async fn guarded(
        &self,
        up: &Upstream,
        url: &Url,
    ) -> Result<UpstreamResponse, UpstreamErrorKind> {
        let asked = self.trace.as_ref().map(|_| tokio::time::Instant::now());
        let refused = |kind: UpstreamErrorKind| {
            if let (Some(t), Some(at)) = (&self.trace, asked) {
                self.trace_exchange(t, up, url, 0, self.cache_use(), at, Ended::Failed(&kind));
            }
            kind
        };
        let Some(admission) = up.breaker.admit() else {
            return Err(refused(UpstreamErrorKind::CircuitOpen));
        };
        let _permit = up
            .limiter
            .acquire(self.left().saturating_sub(MIN_CALL_TIME))
            .await
            .map_err(refused)?;
        let result = self.attempts(up, url).await;
        match &result {
            // Never called (no budget, no credentials): says nothing about the upstream's health.
            Err(
                UpstreamErrorKind::BudgetExhausted
                | UpstreamErrorKind::Auth(_)
                | UpstreamErrorKind::BufferFull,
            ) => drop(admission),
            Err(kind) => up.breaker.record(admission, upstream_failed(kind)),
            Ok(_) => up.breaker.record(admission, false),
        }
        result
    }

    async fn attempts(
        &self,
        up: &Upstream,
        url: &Url,
    ) -> Result<UpstreamResponse, UpstreamErrorKind> {
        let mut failed = 0u32;
        let mut reauthorised = false;
        let mut last = UpstreamErrorKind::BudgetExhausted;
        let mut attempt_no = 0u32;
        loop {
            let timeout = up.timeout.min(self.left());
            if timeout < MIN_CALL_TIME {
                return Err(last);
            }
            attempt_no += 1;
            let in_flight = self
                .trace
                .as_ref()
                .map(|t| InFlight::new(self, t, up, url, attempt_no));
            let mut used_token = None;
            let attempt = async {
                let (builder, token) = up.auth.apply(self.builder(url), timeout).await?;
                used_token = token;
                exchange(builder, up.max_response_bytes, &self.buffer).await
            };
            let ended = tokio::time::timeout(timeout, attempt).await;
            if let Some(in_flight) = in_flight {
                let budget_cut = UpstreamErrorKind::BudgetExhausted;
                let timed_out = UpstreamErrorKind::Timeout;
                in_flight.finish(match &ended {
                    Ok(Ok(resp)) => Ended::Answered(resp),
                    Ok(Err(f)) => Ended::Failed(&f.kind),
                    Err(_) if timeout < up.timeout => Ended::Failed(&budget_cut),
                    Err(_) => Ended::Failed(&timed_out),
                });
            }
            let failure = match ended {
                Ok(Ok(resp)) => return Ok(resp),
                Ok(Err(f)) => f,
                // Cut by the turn's budget, not by the upstream's own timeout: says nothing
                // about the upstream (the breaker ignores it; a cache flight does not share it).
                Err(_) if timeout < up.timeout => {
                    return Err(UpstreamErrorKind::BudgetExhausted);
                }
                Err(_) => Failure::from(UpstreamErrorKind::Timeout),
            };
            // A rejected token is refreshed once, whatever the method: nothing was done.
            if failure.kind == UpstreamErrorKind::Status(401) && !reauthorised {
                if let Some(token) = &used_token {
                    if up.auth.invalidate(token) {
                        reauthorised = true;
                        last = failure.kind;
                        continue;
                    }
                }
            }
            failed += 1;
            if !self.idempotent
                || !retry::retryable(&failure.kind)
                || failed >= up.retry.max_attempts
            {
                return Err(failure.kind);
            }
            let wait = up.retry.wait(failed, failure.retry_after);
            if !up.retry.fits(wait, self.left()) {
                tracing::debug!(upstream = %up.name, ?wait, "no budget left for a retry");
                return Err(failure.kind);
            }
            super::metrics::record_retry(&up.name);
            tokio::time::sleep(wait).await;
            last = failure.kind;
        }
    }

    pub(super) fn cache_use(&self) -> CacheUse {
        if self.cache.is_some() {
            CacheUse::Miss
        } else {
            CacheUse::Bypass
        }
    }

    fn builder(&self, url: &Url) -> reqwest::RequestBuilder {
        let mut builder = self
            .http
            .request(self.method.clone(), url.clone())
            .header("x-request-id", &*self.request_id);
        if !self.headers.is_empty() {
            builder = builder.headers(self.headers.clone());
        }
        if let Some(body) = &self.body {
            builder = builder.body(body.clone());
        }
        builder
    }
}

/// Failures a stale cache entry may cover: the upstream's, and this call's own limits (better
/// a slightly old answer now than none).
fn stale_allowed(kind: &UpstreamErrorKind) -> bool {
    upstream_failed(kind)
        || matches!(
            kind,
            UpstreamErrorKind::Saturated
                | UpstreamErrorKind::BudgetExhausted
                | UpstreamErrorKind::BufferFull
        )
}

/// Failures that say the upstream is unwell (counted by the breaker, covered by stale entries),
/// as opposed to answers about this request (404, 409) or our own limits.
fn upstream_failed(kind: &UpstreamErrorKind) -> bool {
    match kind {
        UpstreamErrorKind::Timeout
        | UpstreamErrorKind::Connect(_)
        | UpstreamErrorKind::Request(_)
        | UpstreamErrorKind::CircuitOpen => true,
        UpstreamErrorKind::Status(s) => *s >= 500 || *s == 429,
        _ => false,
    }
}

/// Sends and reads the body, refusing more than `cap` bytes without buffering them: a declared
/// `Content-Length` above the cap is refused before reading, and a chunked body is dropped as
/// soon as it passes the cap. The bytes held are leased from `buffer` as they are allocated
/// (a declared length before reading); a body the budget cannot cover is dropped at once.
async fn exchange(
    builder: reqwest::RequestBuilder,
    cap: u64,
    buffer: &Arc<BufferBudget>,
) -> Result<UpstreamResponse, Failure> {
    let mut resp = builder.send().await.map_err(classify)?;
    let status = resp.status().as_u16();
    if !resp.status().is_success() {
        return Err(Failure {
            kind: UpstreamErrorKind::Status(status),
            retry_after: resp
                .headers()
                .get(RETRY_AFTER)
                .and_then(retry::parse_retry_after),
        });
    }
    if resp.content_length().is_some_and(|len| len > cap) {
        return Err(UpstreamErrorKind::TooLarge(cap).into());
    }
    let headers = std::mem::take(resp.headers_mut());
    let expected = resp.content_length().unwrap_or(0).min(cap) as usize;
    let mut lease = buffer.lease();
    lease.cover(expected)?;
    let mut body = Chunks::default();
    while let Some(chunk) = resp.chunk().await.map_err(classify)? {
        if (body.len() + chunk.len()) as u64 > cap {
            return Err(UpstreamErrorKind::TooLarge(cap).into());
        }
        body.push(chunk, expected);
        lease.cover(body.allocated())?;
    }
    let body = body.into_bytes();
    Ok(UpstreamResponse {
        status,
        headers,
        body,
        lease: Some(Arc::new(lease)),
    })
}

fn classify(e: reqwest::Error) -> Failure {
    Failure::from(if e.is_timeout() {
        UpstreamErrorKind::Timeout
    } else if e.is_connect() {
        UpstreamErrorKind::Connect(without_url(&e))
    } else if e.is_decode() || e.is_body() {
        UpstreamErrorKind::Decode(without_url(&e))
    } else {
        UpstreamErrorKind::Request(without_url(&e))
    })
}
