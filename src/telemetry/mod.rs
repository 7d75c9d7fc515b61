//! Logs (tracing) and metrics (the `metrics` facade, exported as Prometheus text).

pub mod cloud_logging;
pub mod json_subscriber;
pub mod log_queue;
#[cfg(test)]
pub(crate) mod test_buffer;

pub use json_subscriber::JsonSubscriber;
pub use log_queue::LogGuard;

use std::io::IsTerminal;
use std::sync::OnceLock;
use std::time::Duration;

use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::EnvFilter;

use crate::config::LogSettings;

/// Installs the global subscriber; when one is installed already, it stays and this does
/// nothing. Keep the guard until the process ends: JSON lines are written by a thread of their
/// own, and dropping the guard writes out the ones still queued (see [`log_queue`]).
pub fn init_logging(settings: &LogSettings) -> LogGuard {
    let json = match settings.format.as_str() {
        "json" => true,
        "pretty" => false,
        _ => !std::io::stdout().is_terminal(),
    };
    if json {
        let (writer, guard) = log_queue::queue(std::io::stdout());
        let drops = writer.clone();
        let subscriber = JsonSubscriber::new(json_filter(&settings.level), writer);
        if tracing::subscriber::set_global_default(subscriber).is_err() {
            // Another subscriber was there first: the queue goes with its guard, unused.
            return LogGuard::none();
        }
        log_queue::report_drops(drops);
        // Dependencies' `log` records as tracing events. On its own: a `log` logger set up
        // before (by an embedding program) must not cost us the installed subscriber's guard.
        {
            use tracing_log::AsLog;
            let _ = tracing_log::LogTracer::builder()
                .with_max_level(LevelFilter::current().as_log())
                .init();
        }
        guard
    } else {
        // Lines on a terminal are for a person watching: written at once, in order with any
        // other output, and filtered with every `RUST_LOG` feature.
        let filter = EnvFilter::try_from_env("RUST_LOG")
            .or_else(|_| EnvFilter::try_new(&settings.level))
            .unwrap_or_else(|_| EnvFilter::new("info"));
        // Fails only when a subscriber is installed already: it stays.
        let _ = tracing_subscriber::fmt().with_env_filter(filter).try_init();
        LogGuard::none()
    }
}

/// The JSON format's filter: `RUST_LOG` when set and valid, else `log.level`, else `info`.
/// Both take `target=level` lists (`intentful=debug,info`); span and field directives, which
/// only the terminal format reads, make a value invalid.
fn json_filter(level: &str) -> Targets {
    std::env::var("RUST_LOG")
        .ok()
        .filter(|v| !v.trim().is_empty())
        .and_then(|v| target_levels(&v))
        .or_else(|| target_levels(level))
        .unwrap_or_else(|| Targets::new().with_default(LevelFilter::INFO))
}

/// A list of levels and `target=level` pairs (`info`, `intentful=debug, warn`), or `None` for
/// anything else. `Targets` alone reads any word that is not a level as a target at `trace`:
/// `warning`, a typo or a span directive (`[webhook]=debug`) would leave no default level, and
/// JSON logs would go almost silent.
pub fn target_levels(directives: &str) -> Option<Targets> {
    // `LevelFilter` reads "" as `error`: an empty value or directive is refused instead.
    let is_level = |l: &str| !l.is_empty() && l.parse::<LevelFilter>().is_ok();
    let mut cleaned = Vec::new();
    for directive in directives.split(',').map(str::trim) {
        let valid = match directive.split_once('=') {
            Some((target, level)) => {
                let target = target.trim();
                !target.is_empty()
                    && !target.contains(['[', ']', '{', '}', ' '])
                    && is_level(level.trim())
            }
            None => is_level(directive),
        };
        if !valid {
            return None;
        }
        cleaned.push(directive.replace(' ', ""));
    }
    cleaned.join(",").parse().ok()
}

/// The Google Cloud project for trace links: `log.gcp_project`, else `GOOGLE_CLOUD_PROJECT`.
pub fn gcp_project(settings: &LogSettings) -> Option<String> {
    Some(settings.gcp_project.clone())
        .filter(|p| !p.is_empty())
        .or_else(|| {
            std::env::var("GOOGLE_CLOUD_PROJECT")
                .ok()
                .filter(|p| !p.is_empty())
        })
}

/// How often buffered histogram observations are folded into their buckets.
const UPKEEP_INTERVAL: Duration = Duration::from_secs(5);

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

/// The Prometheus text for `/metrics`, with the counters kept outside the recorder brought up
/// to date first.
pub fn render_metrics() -> String {
    // The recorder first: a counter taken before it exists goes nowhere.
    let handle = metrics_handle();
    metrics::counter!("intentful_log_lines_dropped_total").absolute(log_queue::dropped_lines());
    handle.render()
}

/// Help texts, so `/metrics` explains itself.
fn describe() {
    use metrics::{describe_counter, describe_gauge, describe_histogram, Unit};
    describe_counter!(
        "intentful_webhook_requests_total",
        "Webhook calls answered, by route, protocol, intent and outcome"
    );
    describe_histogram!(
        "intentful_webhook_duration_seconds",
        Unit::Seconds,
        "Time from arrival to answer, by protocol and intent"
    );
    describe_counter!(
        "intentful_webhook_rejections_total",
        "Webhook calls refused before dispatch, by route and error code"
    );
    describe_counter!(
        "intentful_deadline_fallbacks_total",
        "Fallback replies sent because the deadline was reached, by intent"
    );
    describe_counter!(
        "intentful_auth_rejections_total",
        "Callers refused by inbound auth, by route, mode and reason"
    );
    describe_gauge!(
        "intentful_webhook_in_flight",
        "Webhook calls being processed now"
    );
    describe_counter!(
        "intentful_upstream_requests_total",
        "Upstream API calls, by upstream and outcome"
    );
    describe_histogram!(
        "intentful_upstream_duration_seconds",
        Unit::Seconds,
        "Upstream API call latency, by upstream"
    );
    describe_counter!(
        "intentful_upstream_retries_total",
        "Upstream attempts repeated after a retryable failure, by upstream"
    );
    describe_counter!(
        "intentful_upstream_breaker_transitions_total",
        "Circuit breaker state changes, by upstream and new state"
    );
    describe_gauge!(
        "intentful_upstream_breaker_open",
        "1 while an upstream's circuit is open or half-open, else 0"
    );
    describe_counter!(
        "intentful_log_lines_dropped_total",
        "JSON log lines dropped because stdout could not keep up and the log queue was full"
    );
    describe_counter!(
        "intentful_upstream_cache_total",
        "Cacheable upstream calls, by upstream and result (hit, miss, stale)"
    );
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
    // Handles cached per worker thread: registering a series on every call (building labels,
    // hashing them, a registry lookup) showed in the profile. The key set is bounded because
    // `intent` is a registered key or `unknown`.
    WEBHOOK_SERIES.with(|cache| {
        let mut cache = cache.borrow_mut();
        let seconds = elapsed.as_secs_f64();
        let same =
            |s: &&WebhookSeries| s.route == route && s.protocol == protocol && s.outcome == outcome;
        match cache.get_mut(intent) {
            Some(per_intent) => match per_intent.iter().find(same) {
                Some(series) => series.record(seconds),
                None => {
                    let series = WebhookSeries::register(route, protocol, intent, outcome);
                    series.record(seconds);
                    per_intent.push(series);
                }
            },
            None => {
                let series = WebhookSeries::register(route, protocol, intent, outcome);
                series.record(seconds);
                cache.insert(intent.to_string(), vec![series]);
            }
        }
    });
    if outcome == "fallback_deadline" {
        metrics::counter!("intentful_deadline_fallbacks_total", "intent" => intent.to_string())
            .increment(1);
    }
}

/// The registered handles of one (route, protocol, intent, outcome) combination.
struct WebhookSeries {
    route: &'static str,
    protocol: &'static str,
    outcome: &'static str,
    requests: metrics::Counter,
    duration: metrics::Histogram,
}

impl WebhookSeries {
    fn record(&self, seconds: f64) {
        self.requests.increment(1);
        self.duration.record(seconds);
    }

    fn register(
        route: &'static str,
        protocol: &'static str,
        intent: &str,
        outcome: &'static str,
    ) -> WebhookSeries {
        use metrics::{Label, SharedString};
        // Handles taken before a recorder exists stay no-ops: install it first.
        let _ = metrics_handle();
        let intent = SharedString::from(std::sync::Arc::<str>::from(intent));
        let labels = vec![
            Label::from_static_parts("route", route),
            Label::from_static_parts("protocol", protocol),
            Label::new("intent", intent.clone()),
            Label::from_static_parts("outcome", outcome),
        ];
        WebhookSeries {
            route,
            protocol,
            outcome,
            requests: metrics::counter!("intentful_webhook_requests_total", labels),
            duration: metrics::histogram!(
                "intentful_webhook_duration_seconds",
                vec![
                    Label::from_static_parts("protocol", protocol),
                    Label::new("intent", intent),
                ]
            ),
        }
    }
}

thread_local! {
    /// Intent key -> its series on this thread (a handful of combinations per intent).
    static WEBHOOK_SERIES: std::cell::RefCell<std::collections::HashMap<String, Vec<WebhookSeries>>> =
        std::cell::RefCell::new(std::collections::HashMap::new());
}

/// The in-flight gauge, registered once (after the recorder is installed).
fn in_flight_gauge() -> &'static metrics::Gauge {
    static GAUGE: OnceLock<metrics::Gauge> = OnceLock::new();
    GAUGE.get_or_init(|| {
        let _ = metrics_handle();
        metrics::gauge!("intentful_webhook_in_flight")
    })
}

/// Counts a call as in flight until dropped.
pub struct InFlight;

impl InFlight {
    pub fn start() -> InFlight {
        in_flight_gauge().increment(1.0);
        InFlight
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        in_flight_gauge().decrement(1.0);
    }
}

/// One upstream call's outcome and latency.
pub fn record_upstream(upstream: &str, outcome: &'static str, elapsed: Duration) {
    use metrics::{Label, SharedString};
    let upstream = SharedString::from(std::sync::Arc::<str>::from(upstream));
    metrics::counter!(
        "intentful_upstream_requests_total",
        vec![
            Label::new("upstream", upstream.clone()),
            Label::from_static_parts("outcome", outcome),
        ]
    )
    .increment(1);
    metrics::histogram!("intentful_upstream_duration_seconds", "upstream" => upstream)
        .record(elapsed.as_secs_f64());
}

/// One upstream's call metrics with the handles of the common case (a successful call)
/// registered once, so the hot path allocates no labels and looks nothing up.
#[derive(Debug)]
pub struct UpstreamMetrics {
    upstream: String,
    ok: metrics::Counter,
    duration: metrics::Histogram,
}

impl UpstreamMetrics {
    pub fn new(upstream: &str) -> UpstreamMetrics {
        // Handles taken before a recorder exists stay no-ops: install it first.
        let _ = metrics_handle();
        UpstreamMetrics {
            upstream: upstream.to_string(),
            ok: metrics::counter!(
                "intentful_upstream_requests_total",
                &[
                    ("upstream", upstream.to_string()),
                    ("outcome", "ok".to_string())
                ]
            ),
            duration: metrics::histogram!(
                "intentful_upstream_duration_seconds",
                "upstream" => upstream.to_string()
            ),
        }
    }

    /// Same series as [`record_upstream`].
    pub fn record(&self, outcome: &'static str, elapsed: Duration) {
        if outcome == "ok" {
            self.ok.increment(1);
            self.duration.record(elapsed.as_secs_f64());
        } else {
            record_upstream(&self.upstream, outcome, elapsed);
        }
    }
}

/// An upstream attempt that is about to be repeated.
pub fn record_retry(upstream: &str) {
    metrics::counter!("intentful_upstream_retries_total", "upstream" => upstream.to_string())
        .increment(1);
}

/// A circuit breaker moved to `state` (`closed`, `open`, `half_open`).
pub fn record_breaker(upstream: &str, state: &'static str) {
    metrics::counter!(
        "intentful_upstream_breaker_transitions_total",
        &[
            ("upstream", upstream.to_string()),
            ("to", state.to_string())
        ]
    )
    .increment(1);
    let open = if state == "closed" { 0.0 } else { 1.0 };
    metrics::gauge!("intentful_upstream_breaker_open", "upstream" => upstream.to_string())
        .set(open);
}

/// A cacheable call answered from the cache (`hit`, `stale`) or not (`miss`).
pub fn record_cache(upstream: &str, result: &'static str) {
    metrics::counter!(
        "intentful_upstream_cache_total",
        &[
            ("upstream", upstream.to_string()),
            ("result", result.to_string())
        ]
    )
    .increment(1);
}

/// A request refused before dispatch, by HTTP status code.
pub fn record_rejection(route: &'static str, code: &'static str) {
    metrics::counter!(
        "intentful_webhook_rejections_total",
        &[("route", route.to_string()), ("code", code.to_string())]
    )
    .increment(1);
}
