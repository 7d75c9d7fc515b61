//! Retries that stay inside the turn's budget: only idempotent calls, only failures that another
//! attempt can fix (no connection, 429, 502, 503, 504), `Retry-After` honoured, otherwise
//! exponential backoff with full jitter so callers that failed together do not retry together.
//! A retry whose wait plus a minimal attempt does not fit in what is left is not started: the
//! handler gets the error while it can still answer.

use std::time::{Duration, SystemTime};

use rand::Rng;
use reqwest::header::HeaderValue;
use reqwest::Method;

use super::settings::RetrySettings;
use super::UpstreamErrorKind;

#[derive(Debug, Clone)]
pub(crate) struct RetryPolicy {
    pub max_attempts: u32,
    base: Duration,
    max: Duration,
    min_attempt: Duration,
}

impl RetryPolicy {
    pub(crate) fn new(s: &RetrySettings) -> RetryPolicy {
        RetryPolicy {
            max_attempts: s.max_attempts.max(1),
            base: Duration::from_millis(s.base_ms),
            max: Duration::from_millis(s.max_ms),
            min_attempt: Duration::from_millis(s.min_attempt_ms),
        }
    }

    /// The wait before attempt `failed + 1`: the server's `Retry-After` when it gave one, else a
    /// uniform draw from [0, min(max, base · 2^(failed−1))].
    pub(crate) fn wait(&self, failed: u32, retry_after: Option<Duration>) -> Duration {
        if let Some(wait) = retry_after {
            return wait;
        }
        let exp = failed.saturating_sub(1).min(16);
        let ceiling = self.base.saturating_mul(1 << exp).min(self.max);
        let ms = ceiling.as_millis() as u64;
        Duration::from_millis(rand::rng().random_range(0..=ms))
    }

    /// Whether `left` of the budget holds `wait` and then an attempt worth making.
    pub(crate) fn fits(&self, wait: Duration, left: Duration) -> bool {
        left >= wait.saturating_add(self.min_attempt)
    }
}

/// Safe to send twice: RFC 9110 idempotent methods (POST and PATCH need `.idempotent()`).
pub(crate) fn idempotent_method(m: &Method) -> bool {
    matches!(
        *m,
        Method::GET | Method::HEAD | Method::PUT | Method::DELETE | Method::OPTIONS
    )
}

/// Failures another attempt may fix.
pub(crate) fn retryable(kind: &UpstreamErrorKind) -> bool {
    matches!(
        kind,
        UpstreamErrorKind::Connect(_) | UpstreamErrorKind::Status(429 | 502 | 503 | 504)
    )
}

/// Longer than any turn's budget: a `Retry-After` past it means "not in this turn" just the same.
const MAX_RETRY_AFTER_SECS: u64 = 86_400;

/// `Retry-After` as delay-seconds or an HTTP date.
pub(crate) fn parse_retry_after(value: &HeaderValue) -> Option<Duration> {
    let text = value.to_str().ok()?.trim();
    if let Ok(secs) = text.parse::<u64>() {
        // Capped: no budget is a day long, and a huge value must not overflow the arithmetic.
        return Some(Duration::from_secs(secs.min(MAX_RETRY_AFTER_SECS)));
    }
    let at = httpdate::parse_http_date(text).ok()?;
    let wait = at.duration_since(SystemTime::now()).unwrap_or_default();
    Some(wait.min(Duration::from_secs(MAX_RETRY_AFTER_SECS)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_is_jittered_below_the_growing_ceiling() {
        let p = RetryPolicy::new(&RetrySettings {
            max_attempts: 5,
            base_ms: 10,
            max_ms: 35,
            min_attempt_ms: 5,
        });
        for _ in 0..200 {
            assert!(p.wait(1, None) <= Duration::from_millis(10));
            assert!(p.wait(2, None) <= Duration::from_millis(20));
            assert!(p.wait(9, None) <= Duration::from_millis(35));
        }
        let draws: std::collections::HashSet<_> = (0..50).map(|_| p.wait(3, None)).collect();
        assert!(draws.len() > 5, "full jitter spreads the waits");
        assert_eq!(
            p.wait(1, Some(Duration::from_secs(2))),
            Duration::from_secs(2)
        );
        assert!(!p.fits(Duration::from_millis(100), Duration::from_millis(104)));
        assert!(p.fits(Duration::from_millis(100), Duration::from_millis(105)));
    }

    #[test]
    fn retry_after_seconds_and_date() {
        assert_eq!(
            parse_retry_after(&HeaderValue::from_static("7")),
            Some(Duration::from_secs(7))
        );
        let later = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(30));
        let d = parse_retry_after(&HeaderValue::from_str(&later).unwrap()).unwrap();
        assert!(
            d > Duration::from_secs(28) && d <= Duration::from_secs(30),
            "{d:?}"
        );
        assert_eq!(parse_retry_after(&HeaderValue::from_static("soon")), None);
    }

    #[test]
    fn absurd_retry_after_values_are_capped_without_overflow() {
        let huge = HeaderValue::from_static("18446744073709551615");
        let wait = parse_retry_after(&huge).unwrap();
        assert!(wait <= Duration::from_secs(86_400));
        let p = RetryPolicy::new(&RetrySettings {
            min_attempt_ms: 5_000,
            ..RetrySettings::default()
        });
        assert!(!p.fits(Duration::MAX, Duration::from_secs(4)));
    }
}
