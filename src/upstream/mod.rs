//! Named upstream APIs over one shared, pooled `reqwest::Client`, bounded by the turn's deadline.
//!
//! Every call's timeout is `min(the upstream's timeout, remaining budget − margin)`, so a slow
//! API fails inside the handler (which can still answer) and the dispatcher's timer is only the
//! backstop. Per upstream, shared by all requests: credentials (`auth/`), a circuit breaker
//! (`breaker.rs`), a concurrency limit (`concurrency.rs`), retry policy (`retry.rs`) and an
//! opt-in response cache (`cache.rs`); `send.rs` chains them for one call. Shared by all
//! upstreams: one byte budget for the response bodies being held (`buffer.rs`).

pub mod auth;
mod breaker;
mod buffer;
mod cache;
mod call;
mod concurrency;
mod error;
mod metrics;
mod retry;
mod send;
pub mod settings;
mod traced;

pub use breaker::CircuitState;
pub use buffer::BufferBudget;
pub use call::{UpstreamClient, UpstreamRequest, UpstreamResponse};
pub use error::{UpstreamError, UpstreamErrorKind};
/// The HTTP client type every outbound call shares (re-exported for tools built on the crate).
pub use reqwest::Client as HttpClient;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

use settings::UpstreamSettings;

/// The User-Agent every outbound call carries.
pub const USER_AGENT: &str = concat!("intentful/", env!("CARGO_PKG_VERSION"));

/// One configured upstream and its shared state.
#[derive(Debug)]
pub struct Upstream {
    pub name: String,
    /// `name`, shared by every call's client without a copy.
    label: Arc<str>,
    /// The base URL without its trailing slash.
    base: String,
    pub timeout: Duration,
    pub max_response_bytes: u64,
    auth: auth::Auth,
    retry: retry::RetryPolicy,
    breaker: breaker::Breaker,
    limiter: concurrency::Limiter,
    cache: cache::ResponseCache,
    metrics: metrics::UpstreamMetrics,
}

impl Upstream {
    fn new(name: &str, s: &UpstreamSettings, http: &reqwest::Client) -> Self {
        let base = s.base_url.as_str().trim_end_matches('/').to_string();
        Upstream {
            name: name.to_string(),
            label: Arc::from(name),
            auth: auth::Auth::new(&s.auth, &base, http),
            base,
            timeout: Duration::from_millis(s.timeout_ms),
            max_response_bytes: s.max_response_bytes,
            retry: retry::RetryPolicy::new(&s.retry),
            breaker: breaker::Breaker::new(name, &s.breaker),
            limiter: concurrency::Limiter::new(s.max_concurrency),
            cache: cache::ResponseCache::new(&s.cache),
            metrics: metrics::UpstreamMetrics::new(name),
        }
    }
}

/// All upstreams and the shared client.
#[derive(Debug)]
pub struct Upstreams {
    http: reqwest::Client,
    by_name: HashMap<String, Arc<Upstream>>,
    margin: Duration,
    buffer: Arc<BufferBudget>,
}

impl Upstreams {
    /// The configured upstreams (`[upstreams]`); every call keeps `margin` of its turn's
    /// budget for the reply.
    pub fn from_settings(
        upstreams: &BTreeMap<String, UpstreamSettings>,
        margin: Duration,
    ) -> Result<Self, reqwest::Error> {
        let http = reqwest::Client::builder()
            .user_agent(USER_AGENT)
            .redirect(same_origin_redirects())
            .pool_idle_timeout(Duration::from_secs(60))
            .tcp_nodelay(true)
            .build()?;
        let by_name = upstreams
            .iter()
            .map(|(name, s)| (name.clone(), Arc::new(Upstream::new(name, s, &http))))
            .collect();
        Ok(Upstreams {
            http,
            by_name,
            margin,
            buffer: BufferBudget::new(settings::UpstreamLimits::default().max_buffered_bytes),
        })
    }

    /// Bounds the bytes all calls' response bodies may hold at once
    /// (`upstream_limits.max_buffered_bytes`; [`Upstreams::from_settings`] uses its default).
    pub fn limit_buffered(mut self, max_bytes: u64) -> Self {
        self.buffer = BufferBudget::new(max_bytes);
        self
    }

    /// The shared response-body budget: its limit, what is held now, and the peak.
    pub fn buffer(&self) -> &BufferBudget {
        &self.buffer
    }

    /// The shared, pooled client, for the few outbound calls that are not to a named upstream
    /// (Google's signing keys).
    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    pub fn contains(&self, name: &str) -> bool {
        self.by_name.contains_key(name)
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.by_name.keys().map(String::as_str)
    }

    /// Each upstream's circuit state, by name, sorted.
    pub fn circuits(&self) -> Vec<(&str, CircuitState)> {
        let mut all: Vec<_> = self
            .by_name
            .iter()
            .map(|(name, up)| (name.as_str(), up.breaker.state()))
            .collect();
        all.sort_by_key(|(name, _)| *name);
        all
    }

    /// A client for one upstream, bounded by `deadline`.
    pub fn client(
        &self,
        name: &str,
        deadline: tokio::time::Instant,
        request_id: Arc<str>,
    ) -> UpstreamClient {
        let upstream = self.by_name.get(name).cloned();
        let label = match &upstream {
            Some(up) => up.label.clone(),
            None => Arc::from(name),
        };
        UpstreamClient::new(
            self.http.clone(),
            upstream,
            label,
            deadline,
            self.margin,
            request_id,
            self.buffer.clone(),
        )
    }
}

/// At most 3 redirects, and never to another origin: reqwest strips only `Authorization` and
/// cookies on a cross-host redirect, so API-key headers or a token request's form body (with a
/// client secret) would otherwise follow the redirect to whoever it names.
fn same_origin_redirects() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        let first = attempt.previous().first().map(|u| u.origin());
        if attempt.previous().len() > 3 {
            attempt.error("too many redirects")
        } else if first.is_some_and(|o| o != attempt.url().origin()) {
            attempt.stop()
        } else {
            attempt.follow()
        }
    })
}
