//! The `[upstreams.<name>]` configuration: where an upstream is, how we authenticate to it, and
//! how hard we may lean on it (retries, breaker, concurrency, cache size).
//!
//! Lives here rather than in `config.rs` so the upstream layer owns its own knobs; `config.rs`
//! re-exports the types and calls [`UpstreamSettings::validate`].

use serde::{Deserialize, Serialize};
use url::Url;

use crate::secret::Secret;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct UpstreamSettings {
    pub base_url: Url,
    #[serde(default = "default_upstream_timeout")]
    pub timeout_ms: u64,
    #[serde(default = "default_max_response_bytes")]
    pub max_response_bytes: u64,
    #[serde(default)]
    pub auth: UpstreamAuth,
    /// Calls in flight at once; past it a call waits only as long as its budget allows.
    #[serde(default = "default_max_concurrency")]
    pub max_concurrency: usize,
    #[serde(default)]
    pub retry: RetrySettings,
    #[serde(default)]
    pub breaker: BreakerSettings,
    #[serde(default)]
    pub cache: CacheSettings,
}

impl UpstreamSettings {
    /// An upstream at `base_url` with every other setting at its default.
    pub fn new(base_url: Url) -> Self {
        UpstreamSettings {
            base_url,
            timeout_ms: default_upstream_timeout(),
            max_response_bytes: default_max_response_bytes(),
            auth: UpstreamAuth::None,
            max_concurrency: default_max_concurrency(),
            retry: RetrySettings::default(),
            breaker: BreakerSettings::default(),
            cache: CacheSettings::default(),
        }
    }
}

fn default_upstream_timeout() -> u64 {
    2_000
}

fn default_max_response_bytes() -> u64 {
    2 * 1024 * 1024
}

fn default_max_concurrency() -> usize {
    64
}

/// `[upstream_limits]`: bounds shared by every upstream.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct UpstreamLimits {
    /// Response body bytes all upstream calls together may hold at once (being read, or
    /// handed to a handler and not yet dropped). A call whose body would go past it fails at
    /// once (`buffer_full`), so its handler answers with the fallback.
    pub max_buffered_bytes: u64,
}

impl Default for UpstreamLimits {
    fn default() -> Self {
        UpstreamLimits {
            max_buffered_bytes: 32 * 1024 * 1024,
        }
    }
}

/// How intentful authenticates to an upstream. Secret fields are best set from the environment
/// (`INTENTFUL_UPSTREAMS__<NAME>__AUTH__<FIELD>`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum UpstreamAuth {
    #[default]
    None,
    /// `Authorization: Bearer <token>`.
    Bearer { token: Secret },
    /// A static header such as `X-Api-Key: <value>`.
    Header { name: String, value: Secret },
    /// An API key in a header or in the query string.
    ApiKey {
        #[serde(rename = "in", default)]
        location: KeyLocation,
        name: String,
        value: Secret,
    },
    /// HTTP Basic.
    Basic { username: String, password: Secret },
    /// OAuth2 client credentials; the token is cached until shortly before it expires.
    Oauth2 {
        /// Absolute, or a path below the upstream's `base_url`.
        token_url: String,
        client_id: String,
        client_secret: Secret,
        #[serde(default)]
        scope: Option<String>,
        #[serde(default)]
        audience: Option<String>,
        /// `basic` (RFC 6749 client_secret_basic) or `post` (credentials in the form body).
        #[serde(default)]
        client_auth: ClientAuth,
    },
    /// A self-signed JWT sent as a bearer token (the service-account pattern).
    SignedJwt {
        #[serde(default)]
        algorithm: JwtAlgorithm,
        /// RS256: the PEM private key inline (or from env) ...
        #[serde(default)]
        private_key: Option<Secret>,
        /// ... or read from this file.
        #[serde(default)]
        private_key_file: Option<String>,
        /// HS256: the shared secret.
        #[serde(default)]
        secret: Option<Secret>,
        #[serde(default)]
        key_id: Option<String>,
        iss: String,
        #[serde(default)]
        sub: Option<String>,
        aud: String,
        #[serde(default)]
        scope: Option<String>,
        #[serde(default = "default_jwt_lifetime")]
        lifetime_s: u64,
    },
}

fn default_jwt_lifetime() -> u64 {
    3_600
}

#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum KeyLocation {
    #[default]
    Header,
    Query,
}

#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ClientAuth {
    #[default]
    Basic,
    Post,
}

#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
pub enum JwtAlgorithm {
    #[default]
    RS256,
    HS256,
}

/// Retries of idempotent calls on connect errors, 429, 502, 503 and 504, inside the budget.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct RetrySettings {
    /// Attempts in all, the first included; 1 turns retries off.
    pub max_attempts: u32,
    /// First backoff ceiling; doubled per attempt, with full jitter.
    pub base_ms: u64,
    /// Backoff ceiling.
    pub max_ms: u64,
    /// A retry is only started when the budget still holds the wait plus this much.
    pub min_attempt_ms: u64,
}

impl Default for RetrySettings {
    fn default() -> Self {
        RetrySettings {
            max_attempts: 3,
            base_ms: 50,
            max_ms: 1_000,
            min_attempt_ms: 50,
        }
    }
}

/// When the circuit opens, and for how long.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct BreakerSettings {
    /// Opens after this many failed calls in a row; 0 disables this rule.
    pub consecutive_failures: u32,
    /// Opens when this share of calls (0..=1) in the window failed; 0 disables this rule.
    pub failure_rate: f64,
    /// The failure-rate window.
    pub window_ms: u64,
    /// The failure rate is only judged over at least this many calls.
    pub min_calls: u32,
    /// How long the circuit stays open before one probe is let through.
    pub cooldown_ms: u64,
}

impl Default for BreakerSettings {
    fn default() -> Self {
        BreakerSettings {
            consecutive_failures: 5,
            failure_rate: 0.5,
            window_ms: 30_000,
            min_calls: 20,
            cooldown_ms: 10_000,
        }
    }
}

/// Bounds of the upstream's response cache (used only by calls that opt in with `.cache(ttl)`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct CacheSettings {
    pub max_entries: usize,
    pub max_bytes: u64,
}

impl Default for CacheSettings {
    fn default() -> Self {
        CacheSettings {
            max_entries: 1_000,
            max_bytes: 16 * 1024 * 1024,
        }
    }
}

impl UpstreamSettings {
    /// Checks that every value can work; `Err((key, problem))` names the key.
    pub fn validate(&self, name: &str) -> Result<(), (String, String)> {
        let key = |k: &str| format!("upstreams.{name}.{k}");
        let bad = |k: &str, p: &str| Err((key(k), p.to_string()));
        if !matches!(self.base_url.scheme(), "http" | "https") {
            return bad("base_url", "must be an http or https URL");
        }
        if self.timeout_ms == 0 {
            return bad("timeout_ms", "must be above 0");
        }
        if self.max_response_bytes == 0 {
            return bad("max_response_bytes", "must be above 0");
        }
        if self.max_concurrency == 0 {
            return bad("max_concurrency", "must be above 0");
        }
        let r = &self.retry;
        if r.max_attempts == 0 || r.max_attempts > 10 {
            return bad("retry.max_attempts", "must be between 1 and 10");
        }
        if r.base_ms == 0 || r.base_ms > r.max_ms {
            return bad("retry.base_ms", "must be above 0 and at most retry.max_ms");
        }
        if r.min_attempt_ms == 0 {
            return bad("retry.min_attempt_ms", "must be above 0");
        }
        let b = &self.breaker;
        if !(0.0..=1.0).contains(&b.failure_rate) {
            return bad("breaker.failure_rate", "must be between 0 and 1");
        }
        if b.failure_rate > 0.0 && (b.window_ms == 0 || b.min_calls == 0) {
            return bad(
                "breaker.window_ms",
                "window_ms and min_calls must be above 0 when failure_rate is set",
            );
        }
        if b.cooldown_ms == 0 {
            return bad("breaker.cooldown_ms", "must be above 0");
        }
        if self.cache.max_entries == 0 {
            return bad("cache.max_entries", "must be above 0");
        }
        if self.cache.max_bytes == 0 {
            return bad("cache.max_bytes", "must be above 0");
        }
        self.validate_auth(name)
    }

    fn validate_auth(&self, name: &str) -> Result<(), (String, String)> {
        let bad = |k: &str, p: &str| Err((format!("upstreams.{name}.auth.{k}"), p.to_string()));
        match &self.auth {
            UpstreamAuth::None | UpstreamAuth::Bearer { .. } | UpstreamAuth::Basic { .. } => {}
            UpstreamAuth::Header { name: h, .. } | UpstreamAuth::ApiKey { name: h, .. } => {
                if h.is_empty() || reqwest::header::HeaderName::from_bytes(h.as_bytes()).is_err() {
                    return bad("name", "must be a valid header or parameter name");
                }
            }
            UpstreamAuth::Oauth2 { token_url, .. } => {
                if !token_url.starts_with('/') && Url::parse(token_url).is_err() {
                    return bad(
                        "token_url",
                        "must be an absolute URL or a path starting with /",
                    );
                }
            }
            UpstreamAuth::SignedJwt { lifetime_s, .. } => {
                if *lifetime_s < 60 || *lifetime_s > 86_400 {
                    return bad("lifetime_s", "must be between 60 and 86400");
                }
                if let Err((k, p)) = super::auth::signed_jwt::signing_key(&self.auth) {
                    return bad(k, &p);
                }
            }
        }
        Ok(())
    }
}
