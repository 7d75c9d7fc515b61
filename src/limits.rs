//! Who may open a webhook call at all: an optional source-address allowlist (with explicit
//! trust of one proxy hop) and optional rate limits per client address and per credential,
//! answered with 403 and 429 (`Retry-After`) before any authentication work is done.
//!
//! Addresses are judged in canonical form: on a dual-stack bind (`::`) an IPv4 peer arrives as
//! `::ffff:a.b.c.d`, and a proxy may forward it so; both count as `a.b.c.d`, for the allowlist
//! and for the rate-limit key alike.

use std::hash::{Hash, Hasher};
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};

use actix_web::HttpRequest;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use ipnet::IpNet;
use serde::{Deserialize, Serialize};

use crate::error::WebhookError;

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
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
}

pub struct ClientGate {
    allow: Vec<IpNet>,
    trust_proxy_hop: bool,
    per_ip: Option<DefaultKeyedRateLimiter<IpAddr>>,
    per_credential: Option<DefaultKeyedRateLimiter<u64>>,
    checks: AtomicU64,
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
        }
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

    pub fn check(&self, req: &HttpRequest, credential_header: &str) -> Result<(), WebhookError> {
        let ip = self.client_ip(req);
        if !self.allow.is_empty()
            && !ip.is_some_and(|ip| self.allow.iter().any(|n| n.contains(&ip)))
        {
            return Err(WebhookError::Forbidden);
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
        if let Some(limiter) = &self.per_credential {
            if let Some(value) = req.headers().get(credential_header) {
                // Keyed by a hash: the limiter never holds the credential itself.
                let mut h = std::collections::hash_map::DefaultHasher::new();
                value.as_bytes().hash(&mut h);
                limited(limiter.check_key(&h.finish()))?;
            }
        }
        Ok(())
    }
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

    #[test]
    fn an_ipv4_mapped_peer_is_judged_as_ipv4() {
        let g = gate(false);
        let mapped = from_peer("[::ffff:10.1.2.3]:4000");
        assert_eq!(g.client_ip(&mapped), Some("10.1.2.3".parse().expect("ip")));
        assert!(g.check(&mapped, "authorization").is_ok());
        // The same client over plain IPv4 shares the mapped one's quota (one call a second).
        let plain = from_peer("10.1.2.3:4001");
        assert!(matches!(
            g.check(&plain, "authorization"),
            Err(WebhookError::TooManyRequests { .. })
        ));
        assert!(matches!(
            g.check(&from_peer("[::ffff:192.0.2.1]:4000"), "authorization"),
            Err(WebhookError::Forbidden)
        ));
    }

    #[test]
    fn an_ipv4_mapped_forwarded_address_is_judged_as_ipv4() {
        let g = gate(true);
        let req = TestRequest::default()
            .peer_addr("127.0.0.1:4000".parse().expect("addr"))
            .insert_header(("x-forwarded-for", "192.0.2.9, ::ffff:10.9.8.7"))
            .to_http_request();
        assert_eq!(g.client_ip(&req), Some("10.9.8.7".parse().expect("ip")));
        assert!(g.check(&req, "authorization").is_ok());
    }
}
