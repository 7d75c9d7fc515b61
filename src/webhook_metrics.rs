//! The series of webhook calls, registered once at start-up for every intent key and `unknown`:
//! they show on `/metrics` at 0 before the first call, and a call updates its handles without
//! building a metrics key. Label values are bounded: an intent is a registered key or
//! `unknown`; refusals take their series with the facade's macro where they happen.

use std::collections::HashMap;
use std::time::Duration;

use metrics::{counter, gauge, histogram, Counter, Gauge, Histogram};

use crate::telemetry::metrics_handle;

/// The routes a webhook call comes in on (their `route` label), each with the protocols it
/// accepts. `webhook::Route::label` names them; a test there keeps the two in step.
pub const WEBHOOK_ROUTES: [(&str, &[&str]); 4] = [
    ("/webhook", &["es", "cx"]),
    ("/webhook/es", &["es"]),
    ("/webhook/cx", &["cx"]),
    (NAMED_CX_ROUTE, &["cx"]),
];

/// The route of the named CX webhooks (`[cx.webhooks.<name>]`), which serves only those.
pub const NAMED_CX_ROUTE: &str = "/webhook/cx/{name}";

/// How a call with a registered intent can end (`dispatch::Outcome`); a call without one ends
/// as [`UNKNOWN_INTENT`].
pub const OUTCOMES: [&str; 4] = [
    "ok",
    "fallback_error",
    "fallback_deadline",
    "fallback_render",
];

/// The outcome, and the `intent` label, of a call no intent module handles.
pub const UNKNOWN_INTENT: (&str, &str) = ("unknown_intent", "unknown");

/// The series of webhook calls, registered at start-up for every intent key and `unknown`.
pub struct WebhookMetrics {
    in_flight: Gauge,
    by_intent: HashMap<String, IntentSeries>,
}

/// One intent's series.
struct IntentSeries {
    requests: Vec<RouteSeries>,
    /// By protocol.
    duration: Vec<(&'static str, Histogram)>,
    deadline_fallbacks: Counter,
}

/// One intent's calls on one route and protocol, by outcome.
struct RouteSeries {
    route: &'static str,
    protocol: &'static str,
    by_outcome: Vec<(&'static str, Counter)>,
}

impl IntentSeries {
    fn new(intent: &str, outcomes: &[&'static str], named_cx: bool) -> IntentSeries {
        let intent = intent.to_string();
        let mut requests = Vec::new();
        let mut protocols: Vec<&'static str> = Vec::new();
        let routes = WEBHOOK_ROUTES
            .into_iter()
            .filter(|(route, _)| named_cx || *route != NAMED_CX_ROUTE);
        for (route, accepted) in routes {
            for &protocol in accepted {
                let by_outcome = outcomes
                    .iter()
                    .map(|&outcome| {
                        let c = counter!("intentful_webhook_requests_total", "route" => route,
                            "protocol" => protocol, "intent" => intent.clone(), "outcome" => outcome);
                        (outcome, c)
                    })
                    .collect();
                requests.push(RouteSeries {
                    route,
                    protocol,
                    by_outcome,
                });
                if !protocols.contains(&protocol) {
                    protocols.push(protocol);
                }
            }
        }
        let duration = protocols
            .into_iter()
            .map(|protocol| {
                let h = histogram!("intentful_webhook_duration_seconds", "protocol" => protocol,
                    "intent" => intent.clone());
                (protocol, h)
            })
            .collect();
        IntentSeries {
            requests,
            duration,
            deadline_fallbacks: counter!("intentful_deadline_fallbacks_total", "intent" => intent),
        }
    }

    fn handles(
        &self,
        route: &str,
        protocol: &str,
        outcome: &str,
    ) -> Option<(&Counter, &Histogram)> {
        let series = self
            .requests
            .iter()
            .find(|r| r.route == route && r.protocol == protocol)?;
        let (_, requests) = series.by_outcome.iter().find(|(o, _)| *o == outcome)?;
        let (_, duration) = self.duration.iter().find(|(p, _)| *p == protocol)?;
        Some((requests, duration))
    }
}

impl WebhookMetrics {
    /// Registers the series of `intents` (the registry's keys) and of `unknown`, on the named
    /// CX route too when `named_cx` (some `[cx.webhooks]` are configured).
    pub fn new<'a>(intents: impl IntoIterator<Item = &'a str>, named_cx: bool) -> WebhookMetrics {
        // Handles taken before the recorder exists would belong to the no-op recorder.
        let _ = metrics_handle();
        let (unknown_outcome, unknown) = UNKNOWN_INTENT;
        let mut by_intent: HashMap<String, IntentSeries> = intents
            .into_iter()
            .map(|key| (key.to_string(), IntentSeries::new(key, &OUTCOMES, named_cx)))
            .collect();
        by_intent.insert(
            unknown.to_string(),
            IntentSeries::new(unknown, &[unknown_outcome], named_cx),
        );
        WebhookMetrics {
            in_flight: gauge!("intentful_webhook_in_flight"),
            by_intent,
        }
    }

    /// Counts a call as in flight until the guard is dropped.
    pub fn in_flight(&self) -> InFlight<'_> {
        self.in_flight.increment(1.0);
        InFlight(&self.in_flight)
    }

    /// One observation per answered call. `intent` is a registered key or `unknown`.
    pub fn observe(
        &self,
        route: &'static str,
        protocol: &'static str,
        intent: &str,
        outcome: &'static str,
        elapsed: Duration,
    ) {
        let series = self.by_intent.get(intent);
        match series.and_then(|s| s.handles(route, protocol, outcome)) {
            Some((requests, duration)) => {
                requests.increment(1);
                duration.record(elapsed);
            }
            // Labels outside the ones registered (the tests rule that out) are still counted.
            None => {
                let intent = intent.to_string();
                counter!("intentful_webhook_requests_total", "route" => route, "protocol" => protocol,
                    "intent" => intent.clone(), "outcome" => outcome)
                .increment(1);
                histogram!("intentful_webhook_duration_seconds", "protocol" => protocol, "intent" => intent)
                    .record(elapsed);
            }
        }
        if outcome == "fallback_deadline" {
            match series {
                Some(s) => s.deadline_fallbacks.increment(1),
                None => {
                    counter!("intentful_deadline_fallbacks_total", "intent" => intent.to_string())
                        .increment(1)
                }
            }
        }
    }
}

/// A call in flight; dropping it ends it.
pub struct InFlight<'a>(&'a Gauge);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.decrement(1.0);
    }
}

/// A request refused before dispatch, by error code.
pub fn record_rejection(route: &'static str, code: &'static str) {
    counter!("intentful_webhook_rejections_total", "route" => route, "code" => code).increment(1);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::telemetry::{metrics_handle, render_metrics};

    /// The value of the sample line that starts with `series`, if `/metrics` has it.
    fn sample(series: &str) -> Option<f64> {
        render_metrics()
            .lines()
            .find_map(|l| l.strip_prefix(series)?.trim().parse().ok())
    }

    #[test]
    fn webhook_series_exist_from_start_up_and_count_calls() {
        let m = WebhookMetrics::new(["metrics.test.registered"], false);
        let ok = r#"intentful_webhook_requests_total{route="/webhook/es",protocol="es",intent="metrics.test.registered",outcome="ok"}"#;
        let unknown = r#"intentful_webhook_requests_total{route="/webhook",protocol="cx",intent="unknown",outcome="unknown_intent"}"#;
        assert_eq!(sample(ok), Some(0.0));
        assert!(sample(unknown).is_some());
        let impossible = r#"intentful_webhook_requests_total{route="/webhook/es",protocol="cx""#;
        assert!(!render_metrics().contains(impossible));
        let named = r#"{route="/webhook/cx/{name}",protocol="cx",intent="metrics.test.registered""#;
        assert!(!render_metrics().contains(named), "no named CX webhook");
        WebhookMetrics::new(["metrics.test.named"], true);
        let named = r#"{route="/webhook/cx/{name}",protocol="cx",intent="metrics.test.named""#;
        assert!(render_metrics().contains(named));

        m.observe(
            "/webhook/es",
            "es",
            "metrics.test.registered",
            "ok",
            Duration::from_millis(3),
        );
        assert_eq!(sample(ok), Some(1.0));
        let count = r#"intentful_webhook_duration_seconds_count{protocol="es",intent="metrics.test.registered"}"#;
        // Histogram observations reach `/metrics` once drained.
        metrics_handle().run_upkeep();
        assert_eq!(sample(count), Some(1.0));
    }

    #[test]
    fn a_label_outside_the_registered_ones_is_still_counted() {
        let m = WebhookMetrics::new(["metrics.test.other"], false);
        m.observe(
            "/webhook/es",
            "es",
            "metrics.test.unregistered",
            "fallback_deadline",
            Duration::ZERO,
        );
        let line = r#"intentful_webhook_requests_total{route="/webhook/es",protocol="es",intent="metrics.test.unregistered",outcome="fallback_deadline"}"#;
        assert_eq!(sample(line), Some(1.0));
        let deadline = r#"intentful_deadline_fallbacks_total{intent="metrics.test.unregistered"}"#;
        assert_eq!(sample(deadline), Some(1.0));
    }
}
