//! Who may open a webhook call at all: an optional source-address allowlist (with explicit
//! trust of one proxy hop) and optional rate limits per client address and per credential,
//! answered with 403 and 429 (`Retry-After`) before any authentication work is done.
//!
//! The rate limits are this instance's own (governor, in memory) unless `limits.shared =
//! "postgres"` counts them in the events database for all instances (`shared.rs`).
//!
//! Addresses are judged in canonical form: on a dual-stack bind (`::`) an IPv4 peer arrives as
//! `::ffff:a.b.c.d`, and a proxy may forward it so; both count as `a.b.c.d`, for the allowlist
//! and for the rate-limit key alike.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use actix_web::HttpRequest;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use ipnet::IpNet;
use serde::{Deserialize, Serialize};

use crate::error::WebhookError;

mod shared;
use shared::SharedCounter;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct LimitSettings {
    /// Source networks allowed to call the webhook routes (and `/metrics`, `/intents` when the
    /// main port serves them), as CIDRs; empty allows all.
    pub allow_cidrs: Vec<IpNet>,
    /// Take the client address from the last `X-Forwarded-For` entry (the one our own proxy or
    /// load balancer appended) instead of the TCP peer. Only one hop is trusted.
    pub trust_proxy_hop: bool,
    /// Sustained webhook calls per second per client address; 0 turns it off.
    pub per_ip_per_sec: u32,
    /// Sustained webhook calls per second per credential (`Authorization` or the auth header);
    /// 0 turns it off.
    pub per_credential_per_sec: u32,
    /// Extra calls allowed in a burst above the sustained rate.
    pub burst: u32,
    /// Where the rate limits count: `none` (each instance its own), or `postgres` (all
    /// instances together, in the database of `events.store`).
    pub shared: LimitSharing,
    /// With `shared = "postgres"`: a check with no answer from the database within this long
    /// falls back to the instance's own limits (the webhook's deadline comes first).
    pub shared_timeout_ms: u64,
}

impl Default for LimitSettings {
    fn default() -> Self {
        LimitSettings {
            allow_cidrs: Vec::new(),
            trust_proxy_hop: false,
            per_ip_per_sec: 0,
            per_credential_per_sec: 0,
            burst: 0,
            shared: LimitSharing::None,
            shared_timeout_ms: 50,
        }
    }
}

#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum LimitSharing {
    #[default]
    None,
    Postgres,
}

pub struct ClientGate {
    allow: Vec<IpNet>,
    trust_proxy_hop: bool,
    per_ip: Option<DefaultKeyedRateLimiter<IpAddr>>,
    per_credential: Option<DefaultKeyedRateLimiter<u64>>,
    checks: AtomicU64,
    /// `limits.shared = "postgres"`: the count across instances, with the limits per key.
    shared: Option<SharedCounter>,
    ip_limit: i64,
    credential_limit: i64,
}

/// How often the limiters forget idle clients, so their state stays bounded.
const PRUNE_EVERY: u64 = 4096;

impl ClientGate {
    pub fn new(s: &LimitSettings) -> ClientGate {
        let quota = |per_sec: u32| {
            NonZeroU32::new(per_sec).map(|rate| {
                let burst = NonZeroU32::new(per_sec.saturating_add(s.burst)).unwrap_or(rate);
                Quota::per_second(rate).allow_burst(burst)
            })
        };
        ClientGate {
            allow: s.allow_cidrs.clone(),
            trust_proxy_hop: s.trust_proxy_hop,
            per_ip: quota(s.per_ip_per_sec).map(RateLimiter::keyed),
            per_credential: quota(s.per_credential_per_sec).map(RateLimiter::keyed),
            checks: AtomicU64::new(0),
            shared: None,
            ip_limit: i64::from(s.per_ip_per_sec) + i64::from(s.burst),
            credential_limit: i64::from(s.per_credential_per_sec) + i64::from(s.burst),
        }
    }

    /// Counts the rate limits on `pg` for every instance; this instance's own limiter stays as
    /// the fallback when the database does not answer within `timeout`.
    pub fn shared_through(mut self, pg: Arc<crate::pg::Pg>, timeout: Duration) -> ClientGate {
        if self.per_ip.is_some() || self.per_credential.is_some() {
            self.shared = Some(SharedCounter::new(pg, timeout));
        }
        self
    }

    /// Checks that found no answer from the shared counter and used this instance's limits.
    pub fn shared_fallbacks(&self) -> u64 {
        self.shared.as_ref().map_or(0, |s| s.fallbacks())
    }

    /// The client's address as configured (the TCP peer, or the trusted proxy's last hop), an
    /// IPv4-mapped IPv6 address as its IPv4 address.
    pub fn client_ip(&self, req: &HttpRequest) -> Option<IpAddr> {
        self.claimed_ip(req).map(|ip| ip.to_canonical())
    }

    fn claimed_ip(&self, req: &HttpRequest) -> Option<IpAddr> {
        if self.trust_proxy_hop {
            // The last entry of the last header line: a client may send its own lines and
            // entries first, but our proxy appends the real peer at the very end.
            let forwarded = req
                .headers()
                .get_all("x-forwarded-for")
                .last()
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.rsplit(',').next())
                .and_then(|last| last.trim().parse().ok());
            if forwarded.is_some() {
                return forwarded;
            }
        }
        req.peer_addr().map(|a| a.ip())
    }

    pub async fn check(
        &self,
        req: &HttpRequest,
        credential_header: &str,
    ) -> Result<(), WebhookError> {
        let ip = self.client_ip(req);
        if !self.allow.is_empty()
            && !ip.is_some_and(|ip| self.allow.iter().any(|n| n.contains(&ip)))
        {
            return Err(WebhookError::Forbidden);
        }
        // Keyed by a hash: no limiter, here or in the database, holds the credential itself.
        let credential = self
            .per_credential
            .as_ref()
            .and_then(|_| req.headers().get(credential_header))
            .map(|v| credential_key(v.as_bytes()));
        let ip = ip.filter(|_| self.per_ip.is_some());
        if let Some(shared) = &self.shared {
            let mut keys = Vec::with_capacity(2);
            if let Some(ip) = ip {
                keys.push((format!("ip:{ip}"), self.ip_limit));
            }
            if let Some(c) = credential {
                keys.push((format!("credential:{c:016x}"), self.credential_limit));
            }
            let now_ms = time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000;
            if let Some(counted) = shared.count(keys, now_ms as i64).await {
                return match counted.iter().any(|c| c.calls > c.limit) {
                    // The window ends within the second.
                    true => Err(WebhookError::TooManyRequests {
                        retry_after_secs: 1,
                    }),
                    false => Ok(()),
                };
            }
        }
        if self.checks.fetch_add(1, Ordering::Relaxed) % PRUNE_EVERY == PRUNE_EVERY - 1 {
            if let Some(l) = &self.per_ip {
                l.retain_recent();
            }
            if let Some(l) = &self.per_credential {
                l.retain_recent();
            }
        }
        if let (Some(limiter), Some(ip)) = (&self.per_ip, ip) {
            limited(limiter.check_key(&ip))?;
        }
        if let (Some(limiter), Some(c)) = (&self.per_credential, credential) {
            limited(limiter.check_key(&c))?;
        }
        Ok(())
    }
}

/// A credential's key: the first 8 bytes of its SHA-256, the same in every instance and every
/// build (std's hasher promises neither).
fn credential_key(value: &[u8]) -> u64 {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(value);
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    u64::from_be_bytes(first)
}

fn limited<T>(
    r: Result<T, governor::NotUntil<<DefaultClock as Clock>::Instant>>,
) -> Result<(), WebhookError> {
    r.map(|_| ()).map_err(|not_until| {
        let wait = not_until.wait_time_from(DefaultClock::default().now());
        WebhookError::TooManyRequests {
            retry_after_secs: wait.as_secs().max(1),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn gate(trust_proxy_hop: bool) -> ClientGate {
        ClientGate::new(&LimitSettings {
            allow_cidrs: vec!["10.0.0.0/8".parse().expect("cidr")],
            trust_proxy_hop,
            per_ip_per_sec: 1,
            ..LimitSettings::default()
        })
    }

    fn from_peer(peer: &str) -> HttpRequest {
        TestRequest::default()
            .peer_addr(peer.parse().expect("addr"))
            .to_http_request()
    }

    #[tokio::test]
    async fn an_ipv4_mapped_peer_is_judged_as_ipv4() {
        let g = gate(false);
        let mapped = from_peer("[::ffff:10.1.2.3]:4000");
        assert_eq!(g.client_ip(&mapped), Some("10.1.2.3".parse().expect("ip")));
        assert!(g.check(&mapped, "authorization").await.is_ok());
        // The same client over plain IPv4 shares the mapped one's quota (one call a second).
        let plain = from_peer("10.1.2.3:4001");
        assert!(matches!(
            g.check(&plain, "authorization").await,
            Err(WebhookError::TooManyRequests { .. })
        ));
        assert!(matches!(
            g.check(&from_peer("[::ffff:192.0.2.1]:4000"), "authorization")
                .await,
            Err(WebhookError::Forbidden)
        ));
    }

    #[tokio::test]
    async fn an_ipv4_mapped_forwarded_address_is_judged_as_ipv4() {
        let g = gate(true);
        let req = TestRequest::default()
            .peer_addr("127.0.0.1:4000".parse().expect("addr"))
            .insert_header(("x-forwarded-for", "192.0.2.9, ::ffff:10.9.8.7"))
            .to_http_request();
        assert_eq!(g.client_ip(&req), Some("10.9.8.7".parse().expect("ip")));
        assert!(g.check(&req, "authorization").await.is_ok());
    }
}
