//! Metrics through the `metrics` facade, exported as Prometheus text on `/metrics`.
//!
//! Series are taken with the facade's macros where they are observed, the usage the `metrics`
//! crate documents (holding a handle only saves the lookup); label values are bounded (an
//! intent is a registered key or `unknown`, an upstream a configured name).

use std::sync::OnceLock;
use std::time::Duration;

use metrics::{counter, gauge, histogram};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

/// How often buffered histogram observations are folded into their buckets.
const UPKEEP_INTERVAL: Duration = Duration::from_secs(5);

/// The process-wide Prometheus recorder, installed on first use. Observations made before it
/// is installed are lost: start-up installs it before serving.
pub fn metrics_handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let builder = PrometheusBuilder::new()
            .set_buckets(&[
                0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 4.5, 5.0, 10.0,
            ])
            .unwrap_or_else(|_| PrometheusBuilder::new());
        let recorder = builder.build_recorder();
        let handle = recorder.handle();
        // Fails only if another recorder is installed; ours still renders what it records.
        let _ = metrics::set_global_recorder(recorder);
        // After installing: descriptions sent before go to the no-op recorder and are lost.
        describe();
        // Histograms buffer every observation until upkeep drains them; with `build_recorder`
        // that is ours to run, else memory grows with traffic whenever nobody scrapes.
        let upkeep = handle.clone();
        let _ = std::thread::Builder::new()
            .name("metrics-upkeep".into())
            .spawn(move || loop {
                std::thread::sleep(UPKEEP_INTERVAL);
                upkeep.run_upkeep();
            });
        handle
    })
}

/// The Prometheus text for `/metrics`. The log writer counts its dropped lines itself; the
/// count is copied into its counter here, at scrape time, the only time anyone reads it.
pub fn render_metrics() -> String {
    // The recorder first: a counter taken before it exists goes nowhere.
    let handle = metrics_handle();
    counter!("intentful_log_lines_dropped_total").absolute(super::dropped_log_lines());
    handle.render()
}

/// Help texts, so `/metrics` explains itself: counters end in `_total`, histograms in
/// `_seconds`, the others are gauges.
#[rustfmt::skip]
const HELP: [(&str, &str); 15] = [
    ("intentful_webhook_requests_total", "Webhook calls answered, by route, protocol, intent and outcome"),
    ("intentful_webhook_duration_seconds", "Time from arrival to answer, by protocol and intent"),
    ("intentful_webhook_rejections_total", "Webhook calls refused before dispatch, by route and error code"),
    ("intentful_webhook_in_flight", "Webhook calls being processed now"),
    ("intentful_deadline_fallbacks_total", "Fallback replies sent because the deadline was reached, by intent"),
    ("intentful_auth_rejections_total", "Callers refused by inbound auth, by route, mode and reason"),
    ("intentful_upstream_requests_total", "Upstream API calls, by upstream and outcome"),
    ("intentful_upstream_duration_seconds", "Upstream API call latency, by upstream"),
    ("intentful_upstream_retries_total", "Upstream attempts repeated after a retryable failure, by upstream"),
    ("intentful_upstream_breaker_transitions_total", "Circuit breaker state changes, by upstream and new state"),
    ("intentful_upstream_breaker_open", "1 while an upstream's circuit is open or half-open, else 0"),
    ("intentful_upstream_cache_total", "Cacheable upstream calls, by upstream and result (hit, miss, stale)"),
    ("intentful_webhook_disconnects_total", "Webhook calls dropped because the caller hung up before the answer, by route"),
    ("intentful_upstream_buffered_bytes", "Upstream response body bytes held now, under upstream_limits.max_buffered_bytes"),
    ("intentful_log_lines_dropped_total", "JSON log lines dropped because stdout could not keep up and the log queue was full"),
];

fn describe() {
    for (name, help) in HELP {
        if name.ends_with("_total") {
            metrics::describe_counter!(name, help);
        } else if name.ends_with("_seconds") {
            metrics::describe_histogram!(name, metrics::Unit::Seconds, help);
        } else {
            metrics::describe_gauge!(name, help);
        }
    }
}

/// One observation per webhook call. `intent` must be a registered key or `unknown`.
pub fn record_webhook(
    route: &'static str,
    protocol: &'static str,
    intent: &str,
    outcome: &'static str,
    elapsed: Duration,
) {
    let intent = intent.to_string();
    counter!("intentful_webhook_requests_total", "route" => route, "protocol" => protocol,
        "intent" => intent.clone(), "outcome" => outcome)
    .increment(1);
    if outcome == "fallback_deadline" {
        counter!("intentful_deadline_fallbacks_total", "intent" => intent.clone()).increment(1);
    }
    histogram!("intentful_webhook_duration_seconds", "protocol" => protocol, "intent" => intent)
        .record(elapsed);
}

/// Counts a call as in flight until dropped.
pub struct InFlight(metrics::Gauge);

impl InFlight {
    pub fn start() -> InFlight {
        let gauge = gauge!("intentful_webhook_in_flight");
        gauge.increment(1.0);
        InFlight(gauge)
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.decrement(1.0);
    }
}

/// A request refused before dispatch, by error code.
pub fn record_rejection(route: &'static str, code: &'static str) {
    counter!("intentful_webhook_rejections_total", "route" => route, "code" => code).increment(1);
}

/// One upstream's call metrics.
#[derive(Debug)]
pub struct UpstreamMetrics(String);

impl UpstreamMetrics {
    pub fn new(upstream: &str) -> UpstreamMetrics {
        // Observations made before the recorder exists are lost: installed with the upstreams.
        let _ = metrics_handle();
        UpstreamMetrics(upstream.to_string())
    }

    /// One call's outcome and latency.
    pub fn record(&self, outcome: &'static str, elapsed: Duration) {
        let upstream = self.0.clone();
        counter!("intentful_upstream_requests_total", "upstream" => upstream.clone(), "outcome" => outcome)
            .increment(1);
        histogram!("intentful_upstream_duration_seconds", "upstream" => upstream).record(elapsed);
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
