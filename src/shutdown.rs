//! The shutdown deadline: "shutting down at T", set once when the grace period after SIGTERM
//! starts. Dispatch races every handler against it, so a call still running at T answers with
//! its fallback instead of losing its connection when the HTTP layer stops.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::time::Instant;

/// Shared by the signal task (which sets T) and every call (which waits for it).
#[derive(Debug, Clone)]
pub struct Shutdown(Arc<watch::Sender<Option<Instant>>>);

impl Default for Shutdown {
    fn default() -> Self {
        Shutdown(Arc::new(watch::Sender::new(None)))
    }
}

impl Shutdown {
    /// Starts the grace period: calls still running `grace` from now end with their fallback
    /// then. Only the first call sets T; it is returned either way.
    pub fn begin(&self, grace: Duration) -> Instant {
        let at = Instant::now() + grace;
        self.0.send_if_modified(|t| {
            let first = t.is_none();
            t.get_or_insert(at);
            first
        });
        self.at().unwrap_or(at)
    }

    /// T, once the grace period has started.
    pub fn at(&self) -> Option<Instant> {
        *self.0.borrow()
    }

    /// Resolves at T; pending for as long as no shutdown has begun.
    pub async fn reached(&self) {
        let mut rx = self.0.subscribe();
        // `self` holds the sender, so the channel cannot close while this waits.
        let at = rx.wait_for(Option::is_some).await.ok().and_then(|t| *t);
        match at {
            Some(at) => tokio::time::sleep_until(at).await,
            None => std::future::pending().await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn waiters_wake_at_the_end_of_the_grace_and_not_before() {
        let shutdown = Shutdown::default();
        let waiter = tokio::spawn({
            let shutdown = shutdown.clone();
            async move {
                shutdown.reached().await;
                Instant::now()
            }
        });
        tokio::time::sleep(Duration::from_secs(60)).await;
        assert!(!waiter.is_finished(), "woke without a shutdown");
        let at = shutdown.begin(Duration::from_millis(1_500));
        assert_eq!(shutdown.begin(Duration::from_secs(9)), at, "T is set once");
        assert_eq!(waiter.await.expect("join"), at);
        // A call that starts waiting after T is already late.
        tokio::time::timeout(Duration::from_millis(1), shutdown.reached())
            .await
            .expect("reached at once");
    }
}
