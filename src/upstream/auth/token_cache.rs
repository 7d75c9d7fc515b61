//! A cached token with single-flight refresh: however many calls find it stale at once, one of
//! them fetches and the rest wait for that result.

use std::future::Future;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use crate::upstream::UpstreamErrorKind;

#[derive(Default)]
pub(crate) struct TokenCache {
    current: RwLock<Option<Cached>>,
    /// Held by the one call that is fetching; the others queue here, then re-read `current`.
    refreshing: tokio::sync::Mutex<()>,
}

struct Cached {
    value: Arc<str>,
    refresh_at: Instant,
}

impl TokenCache {
    fn fresh(&self) -> Option<Arc<str>> {
        let guard = self.current.read().ok()?;
        guard
            .as_ref()
            .filter(|c| Instant::now() < c.refresh_at)
            .map(|c| c.value.clone())
    }

    /// The cached token, or a new one from `fetch` (which returns the token and its lifetime).
    pub(crate) async fn get<F, Fut>(&self, fetch: F) -> Result<Arc<str>, UpstreamErrorKind>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<(String, Duration), UpstreamErrorKind>>,
    {
        if let Some(token) = self.fresh() {
            return Ok(token);
        }
        let _turn = self.refreshing.lock().await;
        if let Some(token) = self.fresh() {
            return Ok(token);
        }
        let (value, lifetime) = fetch().await?;
        let value: Arc<str> = value.into();
        let refresh_at = Instant::now() + lifetime.saturating_sub(super::refresh_early(lifetime));
        if let Ok(mut slot) = self.current.write() {
            *slot = Some(Cached {
                value: value.clone(),
                refresh_at,
            });
        }
        Ok(value)
    }

    /// Forgets `used` unless a newer token already replaced it.
    pub(crate) fn invalidate(&self, used: &str) {
        if let Ok(mut slot) = self.current.write() {
            if slot.as_ref().is_some_and(|c| &*c.value == used) {
                *slot = None;
            }
        }
    }
}
