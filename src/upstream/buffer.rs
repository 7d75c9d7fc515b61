//! One byte budget for the response bodies of every upstream call at once
//! (`upstream_limits.max_buffered_bytes`), so that many slow, large bodies cannot add up to
//! `max_response_bytes × calls in flight`.
//!
//! A call leases bytes as its body grows (the declared length up front, else chunk by chunk)
//! and keeps the lease inside the [`super::UpstreamResponse`] until the body is dropped, e.g.
//! once `send_json` has parsed it. A call that cannot get more fails at once with
//! `BufferFull`: waiting for bytes that other half-read bodies hold could deadlock them all.
//! Cached responses carry no lease; each upstream's `cache.max_bytes` bounds them instead.

use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::UpstreamErrorKind;

/// The shared budget; one per [`super::Upstreams`].
pub struct BufferBudget {
    bytes: Arc<Semaphore>,
    limit: usize,
    peak: AtomicUsize,
    gauge: metrics::Gauge,
}

impl fmt::Debug for BufferBudget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BufferBudget")
            .field("limit", &self.limit)
            .field("in_use", &self.in_use())
            .finish()
    }
}

impl BufferBudget {
    pub(crate) fn new(limit: u64) -> Arc<BufferBudget> {
        let limit = usize::try_from(limit)
            .unwrap_or(usize::MAX)
            .min(Semaphore::MAX_PERMITS);
        // Handles taken before a recorder exists stay no-ops: install it first.
        let _ = crate::telemetry::metrics_handle();
        Arc::new(BufferBudget {
            bytes: Arc::new(Semaphore::new(limit)),
            limit,
            peak: AtomicUsize::new(0),
            gauge: metrics::gauge!("intentful_upstream_buffered_bytes"),
        })
    }

    /// Bytes held by response bodies now.
    pub fn in_use(&self) -> usize {
        self.limit - self.bytes.available_permits()
    }

    /// The most bytes held at once since start.
    pub fn peak(&self) -> usize {
        self.peak.load(Ordering::Relaxed)
    }

    pub fn limit(&self) -> usize {
        self.limit
    }

    /// An empty lease for one body.
    pub(crate) fn lease(self: &Arc<Self>) -> Lease {
        Lease {
            budget: self.clone(),
            permit: None,
            held: 0,
        }
    }

    fn changed(&self) {
        let in_use = self.in_use();
        self.peak.fetch_max(in_use, Ordering::Relaxed);
        self.gauge.set(in_use as f64);
    }
}

/// The bytes one body holds; given back when dropped.
pub(crate) struct Lease {
    budget: Arc<BufferBudget>,
    permit: Option<OwnedSemaphorePermit>,
    held: usize,
}

impl fmt::Debug for Lease {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Lease({} bytes)", self.held)
    }
}

impl Lease {
    /// Grows the lease to `total` bytes, or fails at once when the budget cannot cover them.
    pub(crate) fn cover(&mut self, total: usize) -> Result<(), UpstreamErrorKind> {
        let Some(more) = total.checked_sub(self.held).filter(|m| *m > 0) else {
            return Ok(());
        };
        let permit = u32::try_from(more)
            .ok()
            .and_then(|n| self.budget.bytes.clone().try_acquire_many_owned(n).ok())
            .ok_or(UpstreamErrorKind::BufferFull)?;
        match &mut self.permit {
            Some(held) => held.merge(permit),
            None => self.permit = Some(permit),
        }
        self.held = total;
        self.budget.changed();
        Ok(())
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        if self.permit.take().is_some() {
            self.budget.changed();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leases_share_the_budget_and_give_it_back_when_dropped() {
        let budget = BufferBudget::new(100);
        let mut a = budget.lease();
        let mut b = budget.lease();
        a.cover(60).unwrap();
        a.cover(40).unwrap();
        assert_eq!(budget.in_use(), 60, "a lease never shrinks");
        assert_eq!(b.cover(41), Err(UpstreamErrorKind::BufferFull));
        b.cover(40).unwrap();
        assert_eq!((budget.in_use(), budget.peak()), (100, 100));
        drop(a);
        assert_eq!(budget.in_use(), 40);
        drop(b);
        assert_eq!((budget.in_use(), budget.peak()), (0, 100));
    }
}
