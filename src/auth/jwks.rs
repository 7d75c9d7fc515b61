//! Google's signing keys (JWKS), cached per the response's `Cache-Control: max-age`, refreshed
//! when a token names an unknown `kid` (at most once per interval), and kept in use when a
//! refresh fails: a Google hiccup must not lock Dialogflow out.
//!
//! While no key is cached at all, nothing limits a call's fetch: a call shares the result of a
//! fetch that began after it arrived, or starts one (one at a time), so the first call after
//! Google recovers is answered and a burst of calls during an outage costs two fetches. [`JwksCache::prefetch`] fetches at start-up in the background and
//! retries with jittered exponential backoff until the keys are in.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::DecodingKey;
use tokio::sync::{Mutex, RwLock};
use tokio::time::Instant;

use super::Rejection;

/// Used when Google sends no max-age.
const DEFAULT_MAX_AGE: Duration = Duration::from_secs(300);
/// A JWKS document is small; anything larger is not Google's.
const MAX_JWKS_BYTES: u64 = 256 * 1024;
/// The start-up fetch retries after about this long, doubling up to [`PREFETCH_MAX_BACKOFF`].
const PREFETCH_BASE_BACKOFF: Duration = Duration::from_millis(500);
const PREFETCH_MAX_BACKOFF: Duration = Duration::from_secs(30);

struct Cached {
    keys: JwkSet,
    expires: Instant,
}

pub struct JwksCache {
    url: String,
    http: reqwest::Client,
    min_refresh_interval: Duration,
    cached: RwLock<Option<Cached>>,
    /// Serialises fetches and remembers when the last one was tried.
    refreshing: Mutex<Option<Instant>>,
    /// Fetches begun, counted under `refreshing`: a caller that queued behind a fetch begun
    /// after its arrival takes that fetch's result rather than fetching again.
    started: AtomicU64,
}

impl JwksCache {
    pub fn new(url: &str, http: reqwest::Client, min_refresh_interval: Duration) -> Self {
        JwksCache {
            url: url.to_string(),
            http,
            min_refresh_interval,
            cached: RwLock::new(None),
            refreshing: Mutex::new(None),
            started: AtomicU64::new(0),
        }
    }

    /// The key for `kid`, fetching or refreshing the set when needed.
    pub async fn key(self: &Arc<Self>, kid: &str) -> Result<DecodingKey, Rejection> {
        let (found, fresh) = self.lookup(kid).await;
        match (found, fresh) {
            (Some(key), true) => return Ok(key),
            // Expired but known: answer with it now and refresh behind the call, so no turn
            // waits on Google (and none at all while Google is slow or down).
            (Some(key), false) => {
                if self.refreshing.try_lock().is_ok() {
                    let me = Arc::clone(self);
                    tokio::spawn(async move { me.refresh_limited().await });
                }
                return Ok(key);
            }
            (None, _) => {}
        }
        if self.has_keys().await {
            // An unknown kid: Google may have rotated, but anyone can send any kid, so at
            // most one refresh per interval.
            self.refresh_limited().await;
        } else {
            self.fetch_while_empty().await;
        }
        match self.lookup(kid).await {
            (Some(key), _) => Ok(key),
            (None, _) if !self.has_keys().await => Err(Rejection::KeysUnavailable),
            (None, _) => Err(Rejection::UnknownKey),
        }
    }

    /// Fetches the keys until they are in, backing off with jitter between failures so that an
    /// idle service does not hammer Google and a fleet restarted at once does not retry in step.
    /// Ends as soon as keys are cached, whoever fetched them.
    pub async fn prefetch(self: Arc<Self>) {
        let mut failures = 0u32;
        loop {
            if self.has_keys().await {
                return;
            }
            self.fetch_while_empty().await;
            if self.has_keys().await {
                return;
            }
            failures = failures.saturating_add(1);
            tokio::time::sleep(backoff(failures)).await;
        }
    }

    async fn has_keys(&self) -> bool {
        self.cached.read().await.is_some()
    }

    async fn lookup(&self, kid: &str) -> (Option<DecodingKey>, bool) {
        let guard = self.cached.read().await;
        let Some(cached) = guard.as_ref() else {
            return (None, false);
        };
        let key = cached
            .keys
            .find(kid)
            .and_then(|jwk| DecodingKey::from_jwk(jwk).ok());
        (key, Instant::now() < cached.expires)
    }

    /// With no keys cached, fetches now, unless a fetch begun after this caller arrived has
    /// finished while it waited for the lock: that result (keys or not) is this caller's too.
    /// A fetch begun before its arrival may have failed before Google recovered, so it does
    /// not count.
    async fn fetch_while_empty(&self) {
        let seen = self.started.load(Ordering::Acquire);
        let mut last = self.refreshing.lock().await;
        if self.started.load(Ordering::Acquire) != seen || self.has_keys().await {
            return;
        }
        self.fetch_and_store(&mut last).await;
    }

    /// Refreshes cached keys unless the last attempt is more recent than the minimum interval.
    async fn refresh_limited(&self) {
        let mut last = self.refreshing.lock().await;
        if last.is_some_and(|at| at.elapsed() < self.min_refresh_interval) {
            return;
        }
        self.fetch_and_store(&mut last).await;
    }

    /// Called with `refreshing` held (`last` is its content).
    async fn fetch_and_store(&self, last: &mut Option<Instant>) {
        self.started.fetch_add(1, Ordering::Release);
        *last = Some(Instant::now());
        match self.fetch().await {
            Ok(fresh) => *self.cached.write().await = Some(fresh),
            Err(e) => {
                tracing::warn!(url = %self.url, "fetching Google signing keys failed, keeping cached keys: {e}")
            }
        }
    }

    async fn fetch(&self) -> Result<Cached, String> {
        let resp = self
            .http
            .get(&self.url)
            .timeout(Duration::from_secs(3))
            .send()
            .await
            .map_err(|e| e.to_string())?;
        if !resp.status().is_success() {
            return Err(format!("HTTP {}", resp.status()));
        }
        if resp.content_length().is_some_and(|n| n > MAX_JWKS_BYTES) {
            return Err("key set too large".into());
        }
        let max_age = resp
            .headers()
            .get(reqwest::header::CACHE_CONTROL)
            .and_then(|v| v.to_str().ok())
            .and_then(max_age)
            .unwrap_or(DEFAULT_MAX_AGE);
        let mut resp = resp;
        let mut body = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(|e| e.to_string())? {
            // A chunked body has no Content-Length to refuse up front: stop at the cap.
            if (body.len() + chunk.len()) as u64 > MAX_JWKS_BYTES {
                return Err("key set too large".into());
            }
            body.extend_from_slice(&chunk);
        }
        let keys: JwkSet = serde_json::from_slice(&body).map_err(|e| e.to_string())?;
        Ok(Cached {
            keys,
            expires: Instant::now() + max_age,
        })
    }
}

/// The wait before start-up fetch number `failures + 1`: exponential, capped, and jittered
/// into its upper half.
fn backoff(failures: u32) -> Duration {
    let doublings = failures.saturating_sub(1).min(16);
    let ceiling = PREFETCH_BASE_BACKOFF
        .saturating_mul(1 << doublings)
        .min(PREFETCH_MAX_BACKOFF);
    ceiling.mul_f64(rand::random_range(0.5..=1.0))
}

/// `max-age=N` from a Cache-Control value.
fn max_age(cache_control: &str) -> Option<Duration> {
    cache_control
        .split(',')
        .filter_map(|d| d.trim().strip_prefix("max-age="))
        .find_map(|n| n.trim().parse::<u64>().ok())
        // Capped at a day: Google rotates its keys more often, and a huge value must not
        // overflow the expiry instant.
        .map(|s| Duration::from_secs(s.min(86_400)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefetch_backoff_grows_jittered_to_its_cap() {
        for failures in 1..40 {
            let ceiling = PREFETCH_BASE_BACKOFF
                .saturating_mul(1 << (failures - 1).min(16))
                .min(PREFETCH_MAX_BACKOFF);
            let wait = backoff(failures);
            assert!(
                wait >= ceiling / 2 && wait <= ceiling,
                "{failures}: {wait:?}"
            );
        }
        let waits: std::collections::HashSet<_> = (0..20).map(|_| backoff(3)).collect();
        assert!(waits.len() > 1, "jittered");
    }

    #[test]
    fn reads_max_age() {
        assert_eq!(
            max_age("public, max-age=19432, must-revalidate, no-transform"),
            Some(Duration::from_secs(19432))
        );
        assert_eq!(max_age("no-cache"), None);
    }

    #[test]
    fn an_absurd_max_age_is_capped() {
        let age = max_age("public, max-age=18446744073709551615").unwrap();
        assert_eq!(age, Duration::from_secs(86_400));
        // And the expiry instant can be computed from it.
        let _ = Instant::now() + age;
    }
}
