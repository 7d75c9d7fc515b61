//! The per-upstream concurrency limit, so a slow API cannot pile up unbounded work: past it, a
//! call waits for a slot only as long as its budget allows, then fails `Saturated`, which leaves
//! the handler time to answer with its fallback.

use std::time::Duration;

use tokio::sync::{Semaphore, SemaphorePermit};

use super::UpstreamErrorKind;

#[derive(Debug)]
pub(crate) struct Limiter(Semaphore);

impl Limiter {
    pub(crate) fn new(max_concurrency: usize) -> Limiter {
        Limiter(Semaphore::new(max_concurrency))
    }

    /// A slot, waiting at most `within`.
    pub(crate) async fn acquire(
        &self,
        within: Duration,
    ) -> Result<SemaphorePermit<'_>, UpstreamErrorKind> {
        // The uncontended case takes no timer.
        if let Ok(permit) = self.0.try_acquire() {
            return Ok(permit);
        }
        match tokio::time::timeout(within, self.0.acquire()).await {
            Ok(Ok(permit)) => Ok(permit),
            _ => Err(UpstreamErrorKind::Saturated),
        }
    }
}
