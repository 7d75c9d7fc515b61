//! When a failed attempt is tried again: exponential backoff with full jitter (a random wait in
//! `[0, min(max, base * 2^(n-1))]` after failed attempt `n`), so a burst of failures does not
//! come back as a burst of retries; and a [`Clock`] that tests can pause.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rand::Rng;

use super::settings::RetrySchedule;
use super::store::Millis;

/// The wait after failed attempt `attempt` (from 1), or `None` when it was the last one.
pub fn next_delay(schedule: &RetrySchedule, attempt: u32, rng: &mut impl Rng) -> Option<Duration> {
    if attempt >= schedule.max_attempts {
        return None;
    }
    let ceiling = schedule
        .base_ms
        .saturating_mul(1u64 << (attempt.saturating_sub(1)).min(40))
        .min(schedule.max_ms);
    Some(Duration::from_millis(rng.random_range(0..=ceiling)))
}

/// Wall-clock milliseconds that advance with tokio's clock: under paused time in tests, time
/// moves when the test says so, and the stored retry times follow.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    wall_at_start: Millis,
    start: tokio::time::Instant,
}

impl Clock {
    pub fn new() -> Clock {
        let wall = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as Millis)
            .unwrap_or_default();
        Clock {
            wall_at_start: wall,
            start: tokio::time::Instant::now(),
        }
    }

    pub fn now_ms(&self) -> Millis {
        self.wall_at_start + self.start.elapsed().as_millis() as Millis
    }

    pub fn now_secs(&self) -> i64 {
        self.now_ms() / 1_000
    }
}

impl Default for Clock {
    fn default() -> Self {
        Clock::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rand::SeedableRng;

    proptest! {
        #[test]
        fn delays_stay_under_the_doubling_ceiling(
            base in 1u64..10_000,
            extra in 0u64..10_000_000,
            max_attempts in 1u32..60,
            attempt in 1u32..70,
            seed: u64,
        ) {
            let s = RetrySchedule { max_attempts, base_ms: base, max_ms: base + extra };
            let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
            match next_delay(&s, attempt, &mut rng) {
                None => prop_assert!(attempt >= max_attempts),
                Some(d) => {
                    prop_assert!(attempt < max_attempts);
                    let ceiling = (base as u128 * (1u128 << (attempt - 1).min(40))).min((base + extra) as u128);
                    prop_assert!(d.as_millis() <= ceiling);
                }
            }
        }
    }

    #[test]
    fn jitter_spreads_over_the_whole_range() {
        let s = RetrySchedule {
            max_attempts: 10,
            base_ms: 1_000,
            max_ms: 60_000,
        };
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let delays: Vec<u64> = (0..1_000)
            .map(|_| next_delay(&s, 3, &mut rng).unwrap().as_millis() as u64)
            .collect();
        assert!(delays.iter().all(|d| *d <= 4_000));
        assert!(
            delays.iter().any(|d| *d < 1_000),
            "full jitter reaches down to 0"
        );
        assert!(delays.iter().any(|d| *d > 3_000));
    }
}
