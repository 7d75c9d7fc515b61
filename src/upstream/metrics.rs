//! One upstream's series: a successful call's registered with the upstream (at 0 on `/metrics`
//! before the first call); failures, retries, breaker moves and cache results take theirs with
//! the facade's macros where they happen. The `upstream` label is a configured name.

use std::time::Duration;

use metrics::{counter, gauge, histogram, Counter, Histogram};

use crate::telemetry::metrics_handle;

/// One upstream's call metrics: the series of a successful call registered with the upstream,
/// a failure's outcome series taken when it happens.
#[derive(Debug)]
pub struct UpstreamMetrics {
    name: String,
    ok: Counter,
    duration: Histogram,
}

impl UpstreamMetrics {
    pub fn new(upstream: &str) -> UpstreamMetrics {
        // Handles taken before the recorder exists would belong to the no-op recorder.
        let _ = metrics_handle();
        let name = upstream.to_string();
        UpstreamMetrics {
            ok: counter!("intentful_upstream_requests_total", "upstream" => name.clone(), "outcome" => "ok"),
            duration: histogram!("intentful_upstream_duration_seconds", "upstream" => name.clone()),
            name,
        }
    }

    /// One call's outcome and latency.
    pub fn record(&self, outcome: &'static str, elapsed: Duration) {
        if outcome == "ok" {
            self.ok.increment(1);
        } else {
            counter!("intentful_upstream_requests_total", "upstream" => self.name.clone(), "outcome" => outcome)
                .increment(1);
        }
        self.duration.record(elapsed);
    }
}

/// An upstream attempt that is about to be repeated.
pub fn record_retry(upstream: &str) {
    counter!("intentful_upstream_retries_total", "upstream" => upstream.to_string()).increment(1);
}

/// A circuit breaker moved to `state` (`closed`, `open`, `half_open`).
pub fn record_breaker(upstream: &str, state: &'static str) {
    let upstream = upstream.to_string();
    counter!("intentful_upstream_breaker_transitions_total", "upstream" => upstream.clone(), "to" => state)
        .increment(1);
    let open = if state == "closed" { 0.0 } else { 1.0 };
    gauge!("intentful_upstream_breaker_open", "upstream" => upstream).set(open);
}

/// A cacheable call answered from the cache (`hit`, `stale`) or not (`miss`).
pub fn record_cache(upstream: &str, result: &'static str) {
    counter!("intentful_upstream_cache_total", "upstream" => upstream.to_string(), "result" => result)
        .increment(1);
}
