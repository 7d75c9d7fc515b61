//! [`InSpan`]: a future polled and dropped inside a span it borrows.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use tracing::Span;

/// Polls `fut` with `span` entered, and drops it (on completion, or when the caller stops
/// waiting) with `span` entered too, as `tracing::Instrument` does. `Instrument` owns its span,
/// so a caller that needs the span afterwards hands it a clone, and cloning and dropping a span
/// cost two span lookups with atomic counts per webhook call; this borrows it.
pub(crate) struct InSpan<'a, F> {
    pub span: &'a Span,
    /// `None` once the future is done and dropped.
    pub fut: Pin<&'a mut Option<F>>,
}

impl<F: Future> Future for InSpan<'_, F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.get_mut();
        let _entered = this.span.enter();
        let Some(fut) = this.fut.as_mut().as_pin_mut() else {
            // Polled after it returned: a caller's bug, which waits rather than panics.
            return Poll::Pending;
        };
        let out = std::task::ready!(fut.poll(cx));
        // Dropped here, still inside the span, rather than later outside it.
        this.fut.set(None);
        Poll::Ready(out)
    }
}

impl<F> Drop for InSpan<'_, F> {
    fn drop(&mut self) {
        // A caller that stops waiting (the connection closed, shutdown) drops the future
        // mid-way: its destructors log inside the call's span as well.
        let _entered = self.span.enter();
        self.fut.set(None);
    }
}
