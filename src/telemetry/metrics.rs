//! Metrics through the `metrics` facade, exported as Prometheus text on `/metrics`.
//!
//! Here: the recorder, the exporter and every series' help text. The series themselves live
//! with what they count (`webhook_metrics.rs`, `upstream/metrics.rs`, `ingest/metrics.rs`).

use std::sync::OnceLock;
use std::time::Duration;

use metrics::counter;
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
const HELP: &[(&str, &str)] = &[
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
    ("intentful_record_cases_total", "Webhook calls handed to the recorder, by result (written, skipped, queue_full, write_failed)"),
    ("intentful_log_lines_dropped_total", "JSON log lines dropped because stdout could not keep up and the log queue was full"),
    ("intentful_limits_shared_fallbacks_total", "Rate-limit checks that got no answer from the shared database in time and used this instance's limits"),
];

fn describe() {
    for &(name, help) in HELP {
        if name.ends_with("_total") {
            metrics::describe_counter!(name, help);
        } else if name.ends_with("_seconds") {
            metrics::describe_histogram!(name, metrics::Unit::Seconds, help);
        } else {
            metrics::describe_gauge!(name, help);
        }
    }
}
