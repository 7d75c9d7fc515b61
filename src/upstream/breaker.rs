//! A circuit breaker per upstream, shared by every request: after repeated failures calls fail
//! at once with [`UpstreamErrorKind::CircuitOpen`](super::UpstreamErrorKind::CircuitOpen), so
//! the handler's fallback goes out now instead of after the budget is burnt on a dead API.
//!
//! Closed → open after `consecutive_failures` in a row or `failure_rate` over `window_ms` (with
//! at least `min_calls`); open → half-open after `cooldown_ms`, where exactly one probe goes
//! through; the probe's result closes or re-opens the circuit.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::settings::BreakerSettings;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CircuitState {
    Closed,
    Open,
    HalfOpen,
}

impl CircuitState {
    pub fn as_str(self) -> &'static str {
        match self {
            CircuitState::Closed => "closed",
            CircuitState::Open => "open",
            CircuitState::HalfOpen => "half_open",
        }
    }
}

#[derive(Debug)]
pub(crate) struct Breaker {
    upstream: String,
    settings: BreakerSettings,
    inner: Mutex<Inner>,
}

#[derive(Debug)]
struct Inner {
    state: CircuitState,
    opened_at: Instant,
    probe_in_flight: bool,
    consecutive: u32,
    /// Outcomes in the window (time, failed), oldest first.
    window: VecDeque<(Instant, bool)>,
    /// How many of `window`'s outcomes are failures; `push`, `pop_oldest` and `clear_window`
    /// keep it equal to that count.
    failures: usize,
}

impl Inner {
    fn push(&mut self, at: Instant, failed: bool) {
        self.window.push_back((at, failed));
        self.failures += usize::from(failed);
    }

    fn pop_oldest(&mut self) {
        if let Some((_, failed)) = self.window.pop_front() {
            self.failures -= usize::from(failed);
        }
    }

    fn clear_window(&mut self) {
        self.window.clear();
        self.failures = 0;
    }
}

/// Leave to make one call; report its outcome with [`Breaker::record`]. Dropped unreported (the
/// call was cancelled), a probe frees the half-open slot for the next caller.
pub(crate) struct Admission<'a> {
    breaker: &'a Breaker,
    probe: bool,
    reported: bool,
}

impl Breaker {
    pub(crate) fn new(upstream: &str, settings: &BreakerSettings) -> Breaker {
        Breaker {
            upstream: upstream.to_string(),
            settings: settings.clone(),
            inner: Mutex::new(Inner {
                state: CircuitState::Closed,
                opened_at: Instant::now(),
                probe_in_flight: false,
                consecutive: 0,
                window: VecDeque::new(),
                failures: 0,
            }),
        }
    }

    pub fn state(&self) -> CircuitState {
        self.inner
            .lock()
            .map(|i| i.state)
            .unwrap_or(CircuitState::Closed)
    }

    /// `None` while open (or half-open with the probe already out).
    pub(crate) fn admit(&self) -> Option<Admission<'_>> {
        let Ok(mut inner) = self.inner.lock() else {
            // A poisoned lock only means a panic elsewhere; never block calls because of it.
            return Some(self.admission(false));
        };
        match inner.state {
            CircuitState::Closed => Some(self.admission(false)),
            CircuitState::Open => {
                let cooldown = Duration::from_millis(self.settings.cooldown_ms);
                if inner.opened_at.elapsed() < cooldown {
                    return None;
                }
                self.transition(&mut inner, CircuitState::HalfOpen);
                inner.probe_in_flight = true;
                Some(self.admission(true))
            }
            CircuitState::HalfOpen if inner.probe_in_flight => None,
            CircuitState::HalfOpen => {
                inner.probe_in_flight = true;
                Some(self.admission(true))
            }
        }
    }

    fn admission(&self, probe: bool) -> Admission<'_> {
        Admission {
            breaker: self,
            probe,
            reported: false,
        }
    }

    /// Records one call's outcome; `failed` means the upstream looked unhealthy (no connection,
    /// timeout, 5xx, 429), not that it refused this particular request.
    pub(crate) fn record(&self, mut admission: Admission<'_>, failed: bool) {
        admission.reported = true;
        let Ok(mut inner) = self.inner.lock() else {
            return;
        };
        let now = Instant::now();
        if admission.probe {
            inner.probe_in_flight = false;
            if failed {
                inner.opened_at = now;
                self.transition(&mut inner, CircuitState::Open);
            } else {
                inner.consecutive = 0;
                inner.clear_window();
                self.transition(&mut inner, CircuitState::Closed);
            }
            return;
        }
        if inner.state != CircuitState::Closed {
            // A call admitted before the circuit opened; its outcome is old news.
            return;
        }
        inner.consecutive = if failed { inner.consecutive + 1 } else { 0 };
        let s = &self.settings;
        let mut open = s.consecutive_failures > 0 && inner.consecutive >= s.consecutive_failures;
        if s.failure_rate > 0.0 {
            let window = Duration::from_millis(s.window_ms);
            inner.push(now, failed);
            while inner
                .window
                .front()
                .is_some_and(|(t, _)| now.duration_since(*t) > window)
            {
                inner.pop_oldest();
            }
            // Bounded: only the newest calls matter once there are enough of them.
            let keep = (s.min_calls as usize).max(1) * 10;
            while inner.window.len() > keep {
                inner.pop_oldest();
            }
            let calls = inner.window.len();
            if calls >= s.min_calls as usize {
                open |= inner.failures as f64 / calls as f64 >= s.failure_rate;
            }
        }
        if open {
            inner.opened_at = now;
            inner.consecutive = 0;
            inner.clear_window();
            self.transition(&mut inner, CircuitState::Open);
        }
    }

    fn transition(&self, inner: &mut Inner, to: CircuitState) {
        if inner.state == to {
            return;
        }
        tracing::warn!(
            upstream = %self.upstream,
            from = inner.state.as_str(),
            to = to.as_str(),
            "upstream circuit changed state"
        );
        inner.state = to;
        super::metrics::record_breaker(&self.upstream, to.as_str());
    }
}

impl Drop for Admission<'_> {
    fn drop(&mut self) {
        if self.probe && !self.reported {
            if let Ok(mut inner) = self.breaker.inner.lock() {
                inner.probe_in_flight = false;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(consecutive: u32, rate: f64, min_calls: u32) -> BreakerSettings {
        BreakerSettings {
            consecutive_failures: consecutive,
            failure_rate: rate,
            window_ms: 60_000,
            min_calls,
            cooldown_ms: 20,
        }
    }

    fn call(b: &Breaker, failed: bool) -> bool {
        match b.admit() {
            Some(a) => {
                b.record(a, failed);
                true
            }
            None => false,
        }
    }

    #[test]
    fn failure_rate_opens_without_a_streak() {
        let b = Breaker::new("x", &settings(0, 0.5, 4));
        for failed in [true, false, true] {
            call(&b, failed);
        }
        assert_eq!(b.state(), CircuitState::Closed, "below min_calls");
        call(&b, false);
        assert_eq!(b.state(), CircuitState::Open, "2 of 4 failed");
    }

    #[test]
    fn failures_that_left_the_window_no_longer_count() {
        // min_calls 2 keeps the newest 20 outcomes.
        let b = Breaker::new("x", &settings(0, 0.5, 2));
        for failed in (0..40).map(|i| i == 10) {
            call(&b, failed);
        }
        assert_eq!(b.state(), CircuitState::Closed);
        // The early failure is gone: 9 of the newest 20 is below half, 10 is half.
        for _ in 0..9 {
            call(&b, true);
        }
        assert_eq!(b.state(), CircuitState::Closed, "9 of 20 failed");
        call(&b, true);
        assert_eq!(b.state(), CircuitState::Open, "10 of 20 failed");
    }

    #[test]
    fn half_open_admits_one_probe_and_a_failed_probe_reopens() {
        let b = Breaker::new("x", &settings(1, 0.0, 1));
        call(&b, true);
        assert!(b.admit().is_none());
        std::thread::sleep(Duration::from_millis(25));
        let probe = b.admit().expect("probe");
        assert!(b.admit().is_none(), "only one probe");
        b.record(probe, true);
        assert_eq!(b.state(), CircuitState::Open);
        std::thread::sleep(Duration::from_millis(25));
        drop(b.admit().expect("probe"));
        assert!(b.admit().is_some(), "a cancelled probe frees the slot");
    }
}
