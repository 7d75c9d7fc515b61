//! The opt-in response cache (`.cache(ttl)`), one per upstream, bounded in entries and bytes
//! with least-recently-used eviction, plus single flight: identical calls in flight at the same
//! moment share one upstream request.
//!
//! A key is the method, the full URL with its query, the values of the headers the call said
//! vary, and a digest of the body. A response's own `Vary` is honoured on lookup: the stored
//! entry remembers the request's values of those headers and only serves requests that match.
//! Entries outlive their TTL by the largest `stale_on_error` a call asked for, so a failing
//! upstream can still be answered from them.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use dashmap::DashMap;
use lru::LruCache;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue, VARY};
use sha2::{Digest, Sha256};
use tokio::sync::OnceCell;

use super::settings::CacheSettings;
use super::{UpstreamErrorKind, UpstreamResponse};

/// What every caller waiting on one flight gets.
pub(crate) type Shared = Result<Arc<UpstreamResponse>, UpstreamErrorKind>;

#[derive(Debug)]
pub(crate) struct ResponseCache {
    max_bytes: u64,
    store: Mutex<Store>,
    flights: DashMap<String, Arc<OnceCell<Shared>>>,
}

#[derive(Debug)]
struct Store {
    lru: LruCache<String, Arc<Entry>>,
    bytes: u64,
}

#[derive(Debug)]
pub(crate) struct Entry {
    pub response: Arc<UpstreamResponse>,
    fresh_until: Instant,
    stale_until: Instant,
    /// The request's values of the headers the response's `Vary` names.
    vary: Vec<(HeaderName, Option<HeaderValue>)>,
    weight: u64,
}

pub(crate) enum Lookup {
    Fresh(Arc<UpstreamResponse>),
    /// Past its TTL, but may stand in when the upstream fails.
    Stale(Arc<Entry>),
    Miss,
}

impl Entry {
    pub(crate) fn stale_for(&self) -> Duration {
        Instant::now().saturating_duration_since(self.fresh_until)
    }
}

/// The cache key: method, URL with query, the named request headers, and the body's digest.
pub(crate) fn key(
    method: &str,
    url: &str,
    vary: &[HeaderName],
    headers: &HeaderMap,
    body: Option<&[u8]>,
) -> String {
    let mut key = format!("{method} {url}");
    for name in vary {
        key.push('\n');
        key.push_str(name.as_str());
        // Raw bytes, hex-encoded: non-ASCII values must not collapse into one key, and an
        // absent header must differ from an empty one.
        match headers.get(name) {
            Some(v) => {
                key.push('=');
                key.push_str(&hex::encode(v.as_bytes()));
            }
            None => key.push('-'),
        }
    }
    if let Some(body) = body {
        key.push_str("\nbody:");
        key.push_str(&hex::encode(Sha256::digest(body)));
    }
    key
}

impl ResponseCache {
    pub(crate) fn new(s: &CacheSettings) -> ResponseCache {
        let entries =
            std::num::NonZeroUsize::new(s.max_entries).unwrap_or(std::num::NonZeroUsize::MIN);
        ResponseCache {
            max_bytes: s.max_bytes,
            store: Mutex::new(Store {
                lru: LruCache::new(entries),
                bytes: 0,
            }),
            flights: DashMap::new(),
        }
    }

    pub(crate) fn lookup(&self, key: &str, request: &HeaderMap) -> Lookup {
        let Ok(mut store) = self.store.lock() else {
            return Lookup::Miss;
        };
        let now = Instant::now();
        let Some(entry) = store.lru.get(key).cloned() else {
            return Lookup::Miss;
        };
        if now >= entry.stale_until {
            store.bytes -= entry.weight;
            store.lru.pop(key);
            return Lookup::Miss;
        }
        if !entry.vary.iter().all(|(n, v)| request.get(n) == v.as_ref()) {
            return Lookup::Miss;
        }
        if now < entry.fresh_until {
            Lookup::Fresh(entry.response.clone())
        } else {
            Lookup::Stale(entry)
        }
    }

    /// Stores `response` for `ttl` (and `keep_stale` beyond); `Vary: *` is never stored.
    pub(crate) fn insert(
        &self,
        key: &str,
        request: &HeaderMap,
        response: Arc<UpstreamResponse>,
        ttl: Duration,
        keep_stale: Duration,
    ) {
        let mut vary = Vec::new();
        for value in response.headers.get_all(VARY) {
            let Ok(text) = value.to_str() else { return };
            for name in text.split(',').map(str::trim).filter(|n| !n.is_empty()) {
                let Ok(name) = HeaderName::from_bytes(name.as_bytes()) else {
                    return;
                };
                if name.as_str() == "*" {
                    return;
                }
                let value = request.get(&name).cloned();
                vary.push((name, value));
            }
        }
        let headers: usize = response
            .headers
            .iter()
            .map(|(n, v)| n.as_str().len() + v.len())
            .sum();
        let weight = (key.len() + headers + response.body.len()) as u64;
        if weight > self.max_bytes {
            return;
        }
        let now = Instant::now();
        let entry = Arc::new(Entry {
            response,
            fresh_until: now + ttl,
            stale_until: now + ttl + keep_stale,
            vary,
            weight,
        });
        let Ok(mut store) = self.store.lock() else {
            return;
        };
        if let Some((_, old)) = store.lru.push(key.to_string(), entry) {
            // Either the same key replaced, or the least recently used entry evicted.
            store.bytes -= old.weight;
        }
        store.bytes += weight;
        while store.bytes > self.max_bytes {
            match store.lru.pop_lru() {
                Some((_, old)) => store.bytes -= old.weight,
                None => break,
            }
        }
    }

    /// Runs `fetch` once for all concurrent callers of `key`. If the caller running it is
    /// cancelled (its own deadline), a waiting caller takes over.
    ///
    /// `fetch` answers `Err` for an outcome that belongs to its own caller rather than to the
    /// upstream (that caller's budget ran out, the limit stayed full for it): such a result is
    /// not shared, and the next waiter fetches with its own budget instead.
    pub(crate) async fn single_flight<F, Fut>(&self, key: &str, fetch: F) -> Shared
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<Shared, UpstreamErrorKind>>,
    {
        let cell = self.flights.entry(key.to_string()).or_default().clone();
        // The guard holds this caller's only reference, so a cancelled caller's reference goes
        // with its guard.
        let guard = FlightGuard {
            flights: &self.flights,
            key,
            cell: Some(cell),
        };
        let Some(cell) = &guard.cell else {
            return Err(UpstreamErrorKind::Request("flight vanished".into()));
        };
        match cell.get_or_try_init(fetch).await {
            Ok(shared) => shared.clone(),
            Err(own) => Err(own),
        }
    }

    #[cfg(test)]
    fn len_and_bytes(&self) -> (usize, u64) {
        let s = self.store.lock().unwrap();
        (s.lru.len(), s.bytes)
    }
}

/// Retires a flight when its caller leaves: once it has a result (later calls go to the cache),
/// or when the last caller gave up before it had one (so the map cannot fill with dead keys).
struct FlightGuard<'a> {
    flights: &'a DashMap<String, Arc<OnceCell<Shared>>>,
    key: &'a str,
    cell: Option<Arc<OnceCell<Shared>>>,
}

impl Drop for FlightGuard<'_> {
    fn drop(&mut self) {
        let Some(cell) = self.cell.take() else {
            return;
        };
        let done = cell.initialized();
        let ours = Arc::as_ptr(&cell);
        // Our reference goes first, so whichever caller leaves last sees only the map's: two
        // callers leaving at once can no longer each see the other and both keep the entry.
        drop(cell);
        self.flights.remove_if(self.key, |_, c| {
            std::ptr::eq(Arc::as_ptr(c), ours) && (done || Arc::strong_count(c) <= 1)
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;

    fn resp(body: &'static [u8], vary: Option<&'static str>) -> Arc<UpstreamResponse> {
        let mut headers = HeaderMap::new();
        if let Some(v) = vary {
            headers.insert(VARY, HeaderValue::from_static(v));
        }
        Arc::new(UpstreamResponse {
            status: 200,
            headers,
            body: Bytes::from_static(body),
        })
    }

    #[test]
    fn bounded_by_entries_and_bytes_with_lru_eviction() {
        let c = ResponseCache::new(&CacheSettings {
            max_entries: 2,
            max_bytes: 40,
        });
        let h = HeaderMap::new();
        let ttl = Duration::from_secs(60);
        c.insert("a", &h, resp(b"0123456789", None), ttl, Duration::ZERO);
        c.insert("b", &h, resp(b"0123456789", None), ttl, Duration::ZERO);
        assert!(matches!(c.lookup("a", &h), Lookup::Fresh(_)), "touch a");
        c.insert("c", &h, resp(b"0123456789", None), ttl, Duration::ZERO);
        assert!(
            matches!(c.lookup("b", &h), Lookup::Miss),
            "b was least recent"
        );
        assert_eq!(c.len_and_bytes(), (2, 22));
        c.insert(
            "d",
            &h,
            resp(b"012345678901234567890123456789", None),
            ttl,
            Duration::ZERO,
        );
        assert_eq!(c.len_and_bytes().0, 1, "bytes bound evicts the rest");
        c.insert("e", &h, resp(&[b'x'; 64], None), ttl, Duration::ZERO);
        assert!(
            matches!(c.lookup("e", &h), Lookup::Miss),
            "larger than the cache"
        );
    }

    #[tokio::test]
    async fn abandoned_and_finished_flights_are_retired() {
        let c = ResponseCache::new(&CacheSettings::default());
        let pending = c.single_flight(
            "k",
            std::future::pending::<Result<Shared, UpstreamErrorKind>>,
        );
        let _ = tokio::time::timeout(Duration::from_millis(10), pending).await;
        assert!(c.flights.is_empty(), "the only caller gave up");
        let done = c
            .single_flight("k", || async { Ok(Ok(resp(b"x", None))) })
            .await;
        assert!(done.is_ok());
        assert!(c.flights.is_empty(), "finished");
    }

    #[test]
    fn response_vary_and_staleness() {
        let c = ResponseCache::new(&CacheSettings::default());
        let mut en = HeaderMap::new();
        en.insert("accept-language", HeaderValue::from_static("en"));
        let mut ja = HeaderMap::new();
        ja.insert("accept-language", HeaderValue::from_static("ja"));
        c.insert(
            "k",
            &en,
            resp(b"hi", Some("Accept-Language")),
            Duration::ZERO,
            Duration::from_secs(5),
        );
        assert!(matches!(c.lookup("k", &ja), Lookup::Miss));
        assert!(matches!(c.lookup("k", &en), Lookup::Stale(_)));
        c.insert(
            "star",
            &en,
            resp(b"hi", Some("*")),
            Duration::from_secs(5),
            Duration::ZERO,
        );
        assert!(matches!(c.lookup("star", &en), Lookup::Miss));
    }

    #[test]
    fn varying_header_values_never_share_a_key() {
        let name = HeaderName::from_static("x-user-name");
        let key_for = |value: Option<&[u8]>| {
            let mut h = HeaderMap::new();
            if let Some(v) = value {
                h.insert(name.clone(), HeaderValue::from_bytes(v).unwrap());
            }
            key("GET", "http://x/p", std::slice::from_ref(&name), &h, None)
        };
        let keys = [
            key_for(None),
            key_for(Some(b"")),
            key_for(Some("Jos\u{e9}".as_bytes())),
            key_for(Some("Zo\u{eb}".as_bytes())),
            key_for(Some(b"ascii")),
        ];
        for (i, a) in keys.iter().enumerate() {
            for b in &keys[i + 1..] {
                assert_ne!(a, b);
            }
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn callers_giving_up_together_leave_no_dead_flight() {
        let c = Arc::new(ResponseCache::new(&CacheSettings::default()));
        for round in 0..50 {
            let give_up = tokio::time::Instant::now() + Duration::from_millis(5);
            let callers: Vec<_> = (0..8)
                .map(|_| {
                    let c = c.clone();
                    tokio::spawn(async move {
                        let pending = c.single_flight(
                            "k",
                            std::future::pending::<Result<Shared, UpstreamErrorKind>>,
                        );
                        let _ = tokio::time::timeout_at(give_up, pending).await;
                    })
                })
                .collect();
            for caller in callers {
                caller.await.unwrap();
            }
            assert!(c.flights.is_empty(), "round {round}: a dead flight stayed");
        }
    }
}
