//! Google's signing keys (JWKS), cached per the response's `Cache-Control: max-age`, refreshed
//! when a token names an unknown `kid` (at most once per interval), and kept in use when a
//! refresh fails: a Google hiccup must not lock Dialogflow out.

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

struct Cached {
    keys: JwkSet,
    expires: Instant,
}

pub struct JwksCache {
    url: String,
    http: reqwest::Client,
    min_refresh_interval: Duration,
    cached: RwLock<Option<Cached>>,
    /// Serialises refreshes and remembers when the last one was tried.
    refreshing: Mutex<Option<Instant>>,
}

impl JwksCache {
    pub fn new(url: &str, http: reqwest::Client, min_refresh_interval: Duration) -> Self {
        JwksCache {
            url: url.to_string(),
            http,
            min_refresh_interval,
            cached: RwLock::new(None),
            refreshing: Mutex::new(None),
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
                    tokio::spawn(async move { me.refresh(false).await });
                }
                return Ok(key);
            }
            (None, _) => {}
        }
        // No keys yet, or an unknown kid: refresh (rate-limited), then look again.
        self.refresh(true).await;
        match self.lookup(kid).await {
            (Some(key), _) => Ok(key),
            (None, _) if self.cached.read().await.is_none() => Err(Rejection::KeysUnavailable),
            (None, _) => Err(Rejection::UnknownKey),
        }
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

    /// Fetches the key set unless another task just did, or (for an unknown kid) unless the
    /// last attempt is more recent than the minimum interval.
    async fn refresh(&self, unknown_kid: bool) {
        let mut last = self.refreshing.lock().await;
        if let Some(at) = *last {
            let recent = at.elapsed() < self.min_refresh_interval;
            let have_keys = self.cached.read().await.is_some();
            if recent && (unknown_kid || have_keys) {
                return;
            }
        }
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
