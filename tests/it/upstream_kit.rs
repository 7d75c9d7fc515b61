//! Shared helpers for the upstream tests: one named upstream, built exactly as the app builds
//! it, pointed at a real server.

use std::sync::Arc;
use std::time::Duration;

use intentful::config::{Settings, UpstreamSettings};
use intentful::upstream::{UpstreamClient, Upstreams};

/// The name every upstream test uses.
pub const NAME: &str = "api";

/// Settings for an upstream at `url` with retries off (tests that retry turn them on).
pub fn settings(url: &str) -> UpstreamSettings {
    let mut s = UpstreamSettings::new(url.parse().expect("url"));
    s.retry.max_attempts = 1;
    s
}

/// The app's upstreams with just `up` as [`NAME`]; validated like start-up does.
pub fn upstreams(up: UpstreamSettings) -> Arc<Upstreams> {
    let mut settings = Settings::default();
    settings.upstreams.insert(NAME.into(), up);
    settings.validate().expect("valid settings");
    let margin = Duration::from_millis(settings.deadline.upstream_margin_ms);
    Arc::new(Upstreams::from_settings(&settings.upstreams, margin).expect("client"))
}

/// A client whose turn has `budget` left (before the default 150 ms upstream margin).
pub fn client(ups: &Upstreams, budget: Duration) -> UpstreamClient {
    ups.client(
        NAME,
        tokio::time::Instant::now() + budget,
        Arc::from("req-test"),
    )
}

/// The circuit state of [`NAME`].
pub fn circuit(ups: &Upstreams) -> intentful::upstream::CircuitState {
    ups.circuits()
        .into_iter()
        .find(|(n, _)| *n == NAME)
        .map(|(_, s)| s)
        .expect("configured")
}
