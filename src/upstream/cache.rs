//! The opt-in response cache (`.cache(ttl)`): one `moka` cache per upstream, bounded in bytes
//! and entries, least recently used evicted, each entry living for the TTL of the call that
//! stored it. Identical calls in flight at the same moment share one upstream request.
//!
//! A key is the method, the full URL with its query, the values of the headers the call said
//! vary, and a digest of the body. A response's own `Vary` is honoured: the entry remembers the
//! request's values of those headers and serves only requests that match; a request that does
//! not match is fetched and cached under a variant of the key made of its own values. With
//! `stale_on_error`, a second copy of the entry outlives its TTL by that much, so a failing
//! upstream can still be answered from it.

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use moka::future::Cache;
use moka::policy::EvictionPolicy;
use moka::Expiry;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue, VARY};
use sha2::{Digest, Sha256};

use super::settings::CacheSettings;
use super::{UpstreamErrorKind, UpstreamResponse};

/// Where an entry is kept: its fresh copy lives for the TTL, its stale copy (kept only for
/// `stale_on_error`) that much longer.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Slot {
    key: String,
    stale: bool,
}

impl Slot {
    fn fresh(key: impl Into<String>) -> Slot {
        Slot {
            key: key.into(),
            stale: false,
        }
    }

    fn stale(key: impl Into<String>) -> Slot {
        Slot {
            key: key.into(),
            stale: true,
        }
    }
}

#[derive(Debug)]
pub(crate) struct ResponseCache {
    entries: Cache<Slot, Arc<Entry>>,
}

#[derive(Debug)]
struct Entry {
    response: Arc<UpstreamResponse>,
    stored_at: Instant,
    ttl: Duration,
    keep_stale: Duration,
    /// The request's values of the headers the response's `Vary` names.
    vary: Vec<(HeaderName, Option<HeaderValue>)>,
    /// Response headers and body, in bytes.
    size: usize,
}

/// How one flight can end other than with an entry: moka hands the same error to every caller
/// that waited on it.
enum Unstored {
    /// The upstream's answer: every caller of the flight gets it.
    Failed(UpstreamErrorKind),
    /// The leading caller's own limit (its budget, the concurrency limit while it waited): the
    /// others fetch again with theirs.
    Own(UpstreamErrorKind),
    /// A response that may not be stored (`Vary: *`): only for the caller that fetched it.
    Uncacheable(Arc<UpstreamResponse>),
}

/// What one flight gave a caller.
enum Fetched {
    Entry(Arc<Entry>),
    /// Not stored; fetched by this caller.
    Uncacheable(Arc<UpstreamResponse>),
}

/// The failures that belong to the caller rather than to the upstream.
fn own(kind: &UpstreamErrorKind) -> bool {
    matches!(
        kind,
        UpstreamErrorKind::BudgetExhausted
            | UpstreamErrorKind::Saturated
            | UpstreamErrorKind::BufferFull
    )
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
        push_header(&mut key, name, headers);
    }
    if let Some(body) = body {
        key.push_str("\nbody:");
        key.push_str(&hex::encode(Sha256::digest(body)));
    }
    key
}

/// Appends a header's value, raw bytes hex-encoded: non-ASCII values must not collapse into one
/// key, and an absent header must differ from an empty one.
fn push_header(key: &mut String, name: &HeaderName, headers: &HeaderMap) {
    key.push('\n');
    key.push_str(name.as_str());
    match headers.get(name) {
        Some(v) => {
            key.push('=');
            key.push_str(&hex::encode(v.as_bytes()));
        }
        None => key.push('-'),
    }
}

/// The key of the variant of `entry` that `request`'s values of its `Vary` headers select.
fn variant_key(key: &str, entry: &Entry, request: &HeaderMap) -> String {
    let mut variant = format!("{key}\nvariant");
    for (name, _) in &entry.vary {
        push_header(&mut variant, name, request);
    }
    variant
}

impl Entry {
    /// Gives the response back when it may not be stored: `Vary: *`, or a `Vary` we cannot read.
    fn new(
        response: Arc<UpstreamResponse>,
        request: &HeaderMap,
        ttl: Duration,
        keep_stale: Duration,
    ) -> Result<Entry, Arc<UpstreamResponse>> {
        let mut vary = Vec::new();
        for value in response.headers.get_all(VARY) {
            let Ok(text) = value.to_str() else {
                return Err(response);
            };
            for name in text.split(',').map(str::trim).filter(|n| !n.is_empty()) {
                match HeaderName::from_bytes(name.as_bytes()) {
                    Ok(name) if name.as_str() != "*" => {
                        let value = request.get(&name).cloned();
                        vary.push((name, value));
                    }
                    _ => return Err(response),
                }
            }
        }
        let headers: usize = response
            .headers
            .iter()
            .map(|(n, v)| n.as_str().len() + v.len())
            .sum();
        Ok(Entry {
            size: headers + response.body.len(),
            response,
            stored_at: Instant::now(),
            ttl,
            keep_stale,
            vary,
        })
    }

    fn matches(&self, request: &HeaderMap) -> bool {
        self.vary.iter().all(|(n, v)| request.get(n) == v.as_ref())
    }

    fn stale_for(&self) -> Duration {
        self.stored_at.elapsed().saturating_sub(self.ttl)
    }
}

/// Each slot's lifetime, from the entry that call stored.
struct Lifetime;

impl Expiry<Slot, Arc<Entry>> for Lifetime {
    fn expire_after_create(&self, slot: &Slot, entry: &Arc<Entry>, _: Instant) -> Option<Duration> {
        Some(if slot.stale {
            entry.ttl + entry.keep_stale
        } else {
            entry.ttl
        })
    }

    fn expire_after_update(
        &self,
        slot: &Slot,
        entry: &Arc<Entry>,
        at: Instant,
        _: Option<Duration>,
    ) -> Option<Duration> {
        self.expire_after_create(slot, entry, at)
    }
}

impl ResponseCache {
    pub(crate) fn new(s: &CacheSettings) -> ResponseCache {
        // moka bounds one measure; weighing every entry at least `max_bytes / max_entries`
        // makes the byte bound also hold the entry count. A stale copy is weighed again though
        // it shares its fresh copy's response, so the bound errs on the safe side.
        let least = s.max_bytes.div_ceil(s.max_entries.max(1) as u64);
        let entries = Cache::builder()
            .max_capacity(s.max_bytes)
            .eviction_policy(EvictionPolicy::lru())
            .weigher(move |slot: &Slot, entry: &Arc<Entry>| {
                let weight = ((slot.key.len() + entry.size) as u64).max(least);
                u32::try_from(weight).unwrap_or(u32::MAX)
            })
            .expire_after(Lifetime)
            .build();
        ResponseCache { entries }
    }

    /// A stored response for `key` past its TTL by at most `max_stale` whose `Vary` headers
    /// match `request`: the stand-in when the upstream fails.
    pub(crate) async fn stale(
        &self,
        key: &str,
        request: &HeaderMap,
        max_stale: Duration,
    ) -> Option<Arc<UpstreamResponse>> {
        let usable = |e: &Entry| e.matches(request) && e.stale_for() <= max_stale;
        let entry = self.entries.get(&Slot::stale(key)).await?;
        if usable(&entry) {
            return Some(entry.response.clone());
        }
        let variant = variant_key(key, &entry, request);
        let entry = self.entries.get(&Slot::stale(variant)).await?;
        usable(&entry).then(|| entry.response.clone())
    }

    /// The response for `key` that matches `request`: stored, or fetched with `fetch` once for
    /// all the callers asking at the same moment and stored for `ttl` (and `keep_stale` beyond,
    /// for [`stale`](Self::stale)). `fetch` is called only when this caller's request goes out.
    ///
    /// If the caller running `fetch` is cancelled, a waiting caller takes over. A failure that
    /// is the caller's own ([`own`]) is not handed to the others: the next one fetches with its
    /// own budget.
    pub(crate) async fn get_or_fetch<F, Fut>(
        &self,
        key: &str,
        request: &HeaderMap,
        ttl: Duration,
        keep_stale: Duration,
        fetch: F,
    ) -> Result<Arc<UpstreamResponse>, UpstreamErrorKind>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = Result<UpstreamResponse, UpstreamErrorKind>>,
    {
        let flight = |key: String| self.flight(key, request, ttl, keep_stale, &fetch);
        let entry = match flight(key.to_string()).await? {
            Fetched::Entry(entry) if !entry.matches(request) => entry,
            Fetched::Entry(entry) => return Ok(entry.response.clone()),
            Fetched::Uncacheable(response) => return Ok(response),
        };
        // The stored response varies on request headers whose values this caller does not
        // share: its own variant.
        match flight(variant_key(key, &entry, request)).await? {
            Fetched::Entry(entry) if entry.matches(request) => Ok(entry.response.clone()),
            // Varies on other headers again: an answer for this caller alone.
            Fetched::Entry(_) => fetch().await.map(Arc::new),
            Fetched::Uncacheable(response) => Ok(response),
        }
    }

    async fn flight<F, Fut>(
        &self,
        key: String,
        request: &HeaderMap,
        ttl: Duration,
        keep_stale: Duration,
        fetch: &F,
    ) -> Result<Fetched, UpstreamErrorKind>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = Result<UpstreamResponse, UpstreamErrorKind>>,
    {
        let slot = Slot::fresh(key);
        loop {
            // moka runs only one caller's `init`: whether it was ours decides whose result an
            // error or an unstorable response is.
            let led = AtomicBool::new(false);
            let init = async {
                led.store(true, Ordering::Relaxed);
                let response = match fetch().await {
                    Ok(response) => response,
                    Err(kind) if own(&kind) => return Err(Unstored::Own(kind)),
                    Err(kind) => return Err(Unstored::Failed(kind)),
                };
                let entry = match Entry::new(Arc::new(response), request, ttl, keep_stale) {
                    Ok(entry) => Arc::new(entry),
                    Err(response) => return Err(Unstored::Uncacheable(response)),
                };
                if !keep_stale.is_zero() {
                    let stale = Slot::stale(slot.key.clone());
                    self.entries.insert(stale, entry.clone()).await;
                }
                Ok(entry)
            };
            let result = self.entries.try_get_with_by_ref(&slot, init).await;
            let led = led.load(Ordering::Relaxed);
            match result {
                Ok(entry) => return Ok(Fetched::Entry(entry)),
                Err(unstored) => match &*unstored {
                    Unstored::Failed(kind) => return Err(kind.clone()),
                    Unstored::Own(kind) if led => return Err(kind.clone()),
                    Unstored::Own(_) => continue,
                    Unstored::Uncacheable(response) if led => {
                        return Ok(Fetched::Uncacheable(response.clone()))
                    }
                    Unstored::Uncacheable(_) => {
                        return fetch().await.map(|r| Fetched::Uncacheable(Arc::new(r)))
                    }
                },
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;
    use std::sync::atomic::AtomicUsize;

    const MINUTE: Duration = Duration::from_secs(60);

    fn resp(body: &'static [u8], vary: Option<&'static str>) -> UpstreamResponse {
        let mut headers = HeaderMap::new();
        if let Some(v) = vary {
            headers.insert(VARY, HeaderValue::from_static(v));
        }
        UpstreamResponse {
            status: 200,
            headers,
            body: Bytes::from_static(body),
            lease: None,
        }
    }

    fn lang(l: &'static str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("accept-language", HeaderValue::from_static(l));
        h
    }

    /// Stores `body` under `key` for `ttl` (and `keep_stale` beyond).
    async fn store(
        c: &ResponseCache,
        key: &str,
        h: &HeaderMap,
        r: UpstreamResponse,
        ttl: Duration,
        keep_stale: Duration,
    ) {
        let r = std::sync::Mutex::new(Some(r));
        c.get_or_fetch(key, h, ttl, keep_stale, || {
            let r = r.lock().unwrap().take().expect("fetched once");
            async move { Ok(r) }
        })
        .await
        .expect("stored");
    }

    /// The stored answer for `key` that matches `h`, if any.
    async fn cached(c: &ResponseCache, key: &str, h: &HeaderMap) -> Option<Bytes> {
        let stored = c.get_or_fetch(key, h, MINUTE, Duration::ZERO, || async {
            Err(UpstreamErrorKind::Status(599))
        });
        Some(stored.await.ok()?.body.clone())
    }

    #[tokio::test]
    async fn bounded_by_entries_and_bytes() {
        let c = ResponseCache::new(&CacheSettings {
            max_entries: 2,
            max_bytes: 40,
        });
        let h = HeaderMap::new();
        for key in ["a", "b", "c"] {
            store(
                &c,
                key,
                &h,
                resp(b"0123456789", None),
                MINUTE,
                Duration::ZERO,
            )
            .await;
        }
        c.entries.run_pending_tasks().await;
        assert_eq!(c.entries.entry_count(), 2, "at most max_entries");
        assert!(cached(&c, "c", &h).await.is_some(), "the newest stays");
        store(&c, "d", &h, resp(&[b'x'; 36], None), MINUTE, Duration::ZERO).await;
        c.entries.run_pending_tasks().await;
        assert!(c.entries.weighted_size() <= 40, "at most max_bytes");
        store(&c, "e", &h, resp(&[b'x'; 64], None), MINUTE, Duration::ZERO).await;
        c.entries.run_pending_tasks().await;
        assert!(cached(&c, "e", &h).await.is_none(), "larger than the cache");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn concurrent_identical_calls_fetch_once() {
        let c = Arc::new(ResponseCache::new(&CacheSettings::default()));
        let fetched = Arc::new(AtomicUsize::new(0));
        let callers: Vec<_> = (0..16)
            .map(|_| {
                let (c, fetched) = (c.clone(), fetched.clone());
                tokio::spawn(async move {
                    c.get_or_fetch("k", &HeaderMap::new(), MINUTE, Duration::ZERO, || async {
                        fetched.fetch_add(1, Ordering::SeqCst);
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        Ok(resp(b"x", None))
                    })
                    .await
                })
            })
            .collect();
        for caller in callers {
            assert_eq!(caller.await.unwrap().expect("answer").body, "x");
        }
        assert_eq!(fetched.load(Ordering::SeqCst), 1);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn an_upstream_failure_is_shared_but_a_callers_own_is_not() {
        for (kind, shared) in [
            (UpstreamErrorKind::Status(503), true),
            (UpstreamErrorKind::BudgetExhausted, false),
            (UpstreamErrorKind::Saturated, false),
        ] {
            let c = Arc::new(ResponseCache::new(&CacheSettings::default()));
            let fetched = Arc::new(AtomicUsize::new(0));
            let call = |c: Arc<ResponseCache>| {
                let (fetched, kind) = (fetched.clone(), kind.clone());
                async move {
                    c.get_or_fetch("k", &HeaderMap::new(), MINUTE, Duration::ZERO, || async {
                        // The first fetch fails; any later one succeeds.
                        let n = fetched.fetch_add(1, Ordering::SeqCst);
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        if n == 0 {
                            Err(kind.clone())
                        } else {
                            Ok(resp(b"x", None))
                        }
                    })
                    .await
                }
            };
            let leader = tokio::spawn(call(c.clone()));
            tokio::time::sleep(Duration::from_millis(10)).await;
            let waiter = tokio::spawn(call(c.clone()));
            assert_eq!(leader.await.unwrap().expect_err("first fetch"), kind);
            let waited = waiter.await.unwrap();
            if shared {
                assert_eq!(waited.expect_err("shared"), kind);
                assert_eq!(fetched.load(Ordering::SeqCst), 1, "{kind}");
            } else {
                assert_eq!(waited.expect("fetched again").body, "x", "{kind}");
                assert_eq!(fetched.load(Ordering::SeqCst), 2, "{kind}");
            }
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn a_waiter_takes_over_from_a_cancelled_caller_and_none_stays_stuck() {
        let c = Arc::new(ResponseCache::new(&CacheSettings::default()));
        // Callers giving up together leave nothing behind that blocks the next one.
        let give_up = tokio::time::Instant::now() + Duration::from_millis(20);
        let quitters: Vec<_> = (0..8)
            .map(|_| {
                let c = c.clone();
                tokio::spawn(async move {
                    let h = HeaderMap::new();
                    let pending =
                        c.get_or_fetch("k", &h, MINUTE, Duration::ZERO, std::future::pending);
                    tokio::time::timeout_at(give_up, pending).await.is_err()
                })
            })
            .collect();
        for quitter in quitters {
            assert!(quitter.await.unwrap(), "gave up");
        }
        let leader = tokio::spawn({
            let c = c.clone();
            async move {
                let h = HeaderMap::new();
                let pending = c.get_or_fetch("k", &h, MINUTE, Duration::ZERO, std::future::pending);
                tokio::time::timeout(Duration::from_millis(50), pending).await
            }
        });
        tokio::time::sleep(Duration::from_millis(10)).await;
        let waited = tokio::time::timeout(
            Duration::from_secs(2),
            c.get_or_fetch("k", &HeaderMap::new(), MINUTE, Duration::ZERO, || async {
                Ok(resp(b"x", None))
            }),
        )
        .await
        .expect("not stuck behind the cancelled caller");
        assert!(leader.await.unwrap().is_err(), "the leader gave up");
        assert_eq!(waited.expect("answer").body, "x");
    }

    #[tokio::test]
    async fn response_vary_keeps_one_entry_per_variant() {
        let c = ResponseCache::new(&CacheSettings::default());
        let (en, ja) = (lang("en"), lang("ja"));
        store(
            &c,
            "k",
            &en,
            resp(b"hi", Some("Accept-Language")),
            MINUTE,
            Duration::ZERO,
        )
        .await;
        assert_eq!(cached(&c, "k", &en).await.expect("en"), "hi");
        assert!(
            cached(&c, "k", &ja).await.is_none(),
            "en's answer is not ja's"
        );
        let got = c
            .get_or_fetch("k", &ja, MINUTE, Duration::ZERO, || async {
                Ok(resp(b"konnichiwa", Some("Accept-Language")))
            })
            .await
            .expect("ja");
        assert_eq!(got.body, "konnichiwa");
        assert_eq!(cached(&c, "k", &ja).await.expect("ja"), "konnichiwa");
        assert_eq!(cached(&c, "k", &en).await.expect("en kept"), "hi");
    }

    #[tokio::test]
    async fn vary_star_is_never_stored() {
        let c = ResponseCache::new(&CacheSettings::default());
        let en = lang("en");
        store(&c, "star", &en, resp(b"hi", Some("*")), MINUTE, MINUTE).await;
        assert!(cached(&c, "star", &en).await.is_none());
        assert!(c.stale("star", &en, MINUTE).await.is_none());
    }

    /// Each caller gets its own answer when the stored one (or its flight's) varies on headers
    /// whose values it does not share, also within its own variant.
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn waiters_fetch_for_themselves_what_they_may_not_share() {
        let c = Arc::new(ResponseCache::new(&CacheSettings::default()));
        store(
            &c,
            "k",
            &lang("en"),
            resp(b"hi", Some("Accept-Language")),
            MINUTE,
            Duration::ZERO,
        )
        .await;
        let fetched = Arc::new(AtomicUsize::new(0));
        for (key, vary) in [("k", "Accept-Language, X-User"), ("star", "*")] {
            fetched.store(0, Ordering::SeqCst);
            let callers: Vec<_> = ["alice", "bob"]
                .into_iter()
                .map(|user| {
                    let (c, fetched) = (c.clone(), fetched.clone());
                    let mut h = lang("ja");
                    h.insert("x-user", HeaderValue::from_static(user));
                    tokio::spawn(async move {
                        let got = c
                            .get_or_fetch(key, &h, MINUTE, Duration::ZERO, || async {
                                fetched.fetch_add(1, Ordering::SeqCst);
                                tokio::time::sleep(Duration::from_millis(50)).await;
                                let mut r = resp(b"", Some(vary));
                                r.body = Bytes::from(user);
                                Ok(r)
                            })
                            .await;
                        (user, got.expect("answer").body.clone())
                    })
                })
                .collect();
            for caller in callers {
                let (user, body) = caller.await.unwrap();
                assert_eq!(body, user, "{key}: {user} got another user's answer");
            }
            assert_eq!(fetched.load(Ordering::SeqCst), 2, "{key}");
        }
    }

    #[tokio::test]
    async fn stale_copies_outlive_the_ttl_by_keep_stale_for_matching_requests() {
        let c = ResponseCache::new(&CacheSettings::default());
        let (en, ja) = (lang("en"), lang("ja"));
        let keep = Duration::from_secs(5);
        store(
            &c,
            "k",
            &en,
            resp(b"hi", Some("Accept-Language")),
            Duration::ZERO,
            keep,
        )
        .await;
        store(
            &c,
            "none",
            &en,
            resp(b"hi", None),
            Duration::ZERO,
            Duration::ZERO,
        )
        .await;
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(cached(&c, "k", &en).await.is_none(), "past its TTL");
        assert_eq!(c.stale("k", &en, keep).await.expect("stale").body, "hi");
        assert!(c.stale("k", &ja, keep).await.is_none(), "another variant");
        assert!(
            c.stale("k", &en, Duration::from_millis(1)).await.is_none(),
            "too stale for this call"
        );
        assert!(c.stale("none", &en, keep).await.is_none(), "not kept");
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
}
