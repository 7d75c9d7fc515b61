//! The event path's metrics (Prometheus names):
//! - `intentful_events_received_total{source,result}`: deliveries' events by what became of
//!   them (`stored`, `duplicate`), handshakes answered (`handshake`), and refused requests by
//!   why (`unknown_source`, `unauthorized`, `malformed`, `too_large_or_slow`, `unavailable`);
//! - `intentful_event_attempts_total{source,handler,result}`: handler attempts (`ok`, `error`,
//!   `timeout`, `panic`);
//! - `intentful_events_dead_total{source,handler}`: jobs sent to the dead letters;
//! - `intentful_events_queue_depth`: jobs waiting or running;
//! - `intentful_events_dead_letters`: dead jobs in the store;
//! - `intentful_events_oldest_pending_age_seconds`: how long the oldest open job's event has
//!   waited since it was received (0 when none).

use std::time::Duration;

use super::store::{Millis, QueueStats};

pub fn received(source: &str, result: &'static str, n: u64) {
    metrics::counter!(
        "intentful_events_received_total",
        "source" => source.to_string(),
        "result" => result
    )
    .increment(n);
}

pub fn attempt(source: &str, handler: &str, result: &'static str, elapsed: Duration) {
    metrics::counter!(
        "intentful_event_attempts_total",
        "source" => source.to_string(),
        "handler" => handler.to_string(),
        "result" => result
    )
    .increment(1);
    metrics::histogram!(
        "intentful_event_attempt_duration_seconds",
        "handler" => handler.to_string()
    )
    .record(elapsed.as_secs_f64());
}

pub fn dead(source: &str, handler: &str) {
    metrics::counter!(
        "intentful_events_dead_total",
        "source" => source.to_string(),
        "handler" => handler.to_string()
    )
    .increment(1);
}

pub fn queue(stats: &QueueStats, now: Millis) {
    metrics::gauge!("intentful_events_queue_depth").set(stats.open as f64);
    metrics::gauge!("intentful_events_dead_letters").set(stats.dead as f64);
    let age = stats
        .oldest_open
        .map(|t| (now - t).max(0) as f64 / 1_000.0)
        .unwrap_or(0.0);
    metrics::gauge!("intentful_events_oldest_pending_age_seconds").set(age);
}
