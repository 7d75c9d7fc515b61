//! Logs (tracing) and metrics (the `metrics` facade, exported as Prometheus text).

use std::io::IsTerminal;
use std::sync::OnceLock;
use std::time::Duration;

use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use tracing_subscriber::EnvFilter;

use crate::config::LogSettings;

/// Installs the global subscriber; later calls are ignored (tests build many apps).
pub fn init_logging(settings: &LogSettings) {
    let filter = EnvFilter::try_from_env("RUST_LOG")
        .or_else(|_| EnvFilter::try_new(&settings.level))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    let json = match settings.format.as_str() {
        "json" => true,
        "pretty" => false,
        _ => !std::io::stdout().is_terminal(),
    };
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    let _ = if json {
        builder.json().flatten_event(true).try_init()
    } else {
        builder.try_init()
    };
}

/// The process-wide Prometheus recorder, installed on first use.
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
        handle
    })
}

/// One observation per webhook call. `intent` must be a registered key or `unknown`, so label
/// values stay bounded whatever callers send.
pub fn record_webhook(
    route: &'static str,
    protocol: &'static str,
    intent: &str,
    outcome: &'static str,
    elapsed: Duration,
) {
    let labels = [
        ("route", route.to_string()),
        ("protocol", protocol.to_string()),
        ("intent", intent.to_string()),
        ("outcome", outcome.to_string()),
    ];
    metrics::counter!("intentful_webhook_requests_total", &labels).increment(1);
    metrics::histogram!(
        "intentful_webhook_duration_seconds",
        &[
            ("protocol", protocol.to_string()),
            ("intent", intent.to_string())
        ]
    )
    .record(elapsed.as_secs_f64());
}

/// A request refused before dispatch, by HTTP status code.
pub fn record_rejection(route: &'static str, code: &'static str) {
    metrics::counter!(
        "intentful_webhook_rejections_total",
        &[("route", route.to_string()), ("code", code.to_string())]
    )
    .increment(1);
}
