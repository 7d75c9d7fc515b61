//! Named upstream APIs over one shared, pooled `reqwest::Client`, bounded by the turn's deadline.
//!
//! Every call's timeout is `min(the upstream's timeout, remaining budget − margin)`, so a slow
//! API fails inside the handler (which can still answer) and the dispatcher's timer is only the
//! backstop.

mod call;
mod error;

pub use call::{UpstreamClient, UpstreamRequest, UpstreamResponse};
pub use error::{UpstreamError, UpstreamErrorKind};
/// The HTTP client type every outbound call shares (re-exported for tools built on the crate).
pub use reqwest::Client as HttpClient;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use crate::config::{Settings, UpstreamAuth, UpstreamSettings};

/// The User-Agent every outbound call carries.
pub const USER_AGENT: &str = concat!("intentful/", env!("CARGO_PKG_VERSION"));

/// One configured upstream.
#[derive(Debug)]
pub struct Upstream {
    pub name: String,
    /// Base URL without a trailing slash.
    base: String,
    pub timeout: Duration,
    pub max_response_bytes: u64,
    pub auth: UpstreamAuth,
}

impl Upstream {
    fn new(name: &str, s: &UpstreamSettings) -> Self {
        Upstream {
            name: name.to_string(),
            base: s.base_url.as_str().trim_end_matches('/').to_string(),
            timeout: Duration::from_millis(s.timeout_ms),
            max_response_bytes: s.max_response_bytes,
            auth: s.auth.clone(),
        }
    }

    fn url(&self, path: &str) -> String {
        if path.is_empty() {
            self.base.clone()
        } else if path.starts_with('/') {
            format!("{}{}", self.base, path)
        } else {
            format!("{}/{}", self.base, path)
        }
    }
}

/// All upstreams and the shared client.
#[derive(Debug)]
pub struct Upstreams {
    http: reqwest::Client,
    by_name: HashMap<String, Arc<Upstream>>,
    margin: Duration,
}

impl Upstreams {
    pub fn from_settings(settings: &Settings) -> Result<Self, reqwest::Error> {
        let http = reqwest::Client::builder()
            .user_agent(USER_AGENT)
            .redirect(reqwest::redirect::Policy::limited(3))
            .pool_idle_timeout(Duration::from_secs(60))
            .tcp_nodelay(true)
            .build()?;
        let by_name = settings
            .upstreams
            .iter()
            .map(|(name, s)| (name.clone(), Arc::new(Upstream::new(name, s))))
            .collect();
        Ok(Upstreams {
            http,
            by_name,
            margin: Duration::from_millis(settings.deadline.upstream_margin_ms),
        })
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

    /// A client for one upstream, bounded by `deadline`.
    pub fn client(
        &self,
        name: &str,
        deadline: tokio::time::Instant,
        request_id: Arc<str>,
    ) -> UpstreamClient {
        UpstreamClient::new(
            self.http.clone(),
            self.by_name.get(name).cloned(),
            name,
            deadline,
            self.margin,
            request_id,
        )
    }
}
