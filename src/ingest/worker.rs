//! The workers: claim due jobs under a lease, run each handler under its own timeout (a panic
//! is caught as a failure), and record the outcome: done, a retry at the backoff, or dead after
//! the last attempt (or at once for an event the handler says it can never take).
//!
//! At most `events.workers` attempts run at once. The loop sleeps until an insert wakes it,
//! the next job falls due, or `events.poll_interval_ms` passes (work queued by another process,
//! such as a replay from the CLI). At start it takes back the jobs a previous run left running:
//! a job in flight at a crash is run again, so handlers run at least once.

use std::sync::Arc;
use std::time::Duration;

use futures::FutureExt;
use tokio::sync::{watch, Semaphore};
use tokio::task::JoinHandle;
use tracing::Instrument;

use super::backoff::next_delay;
use super::event::{Event, EventError};
use super::metrics;
use super::service::Ingest;
use super::store::{Claimed, Finish};
use crate::intent::Ctx;

/// How often dedupe entries past the window are purged.
const PURGE_EVERY: Duration = Duration::from_secs(3_600);
/// How often the queue gauges are refreshed.
const STATS_EVERY: Duration = Duration::from_secs(5);

/// The running workers; [`Workers::stop`] ends them.
pub struct Workers {
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl Workers {
    /// Starts the worker loop on the current tokio runtime.
    pub fn start(ingest: Arc<Ingest>) -> Workers {
        let (stop, stopped) = watch::channel(false);
        let task = tokio::spawn(run(ingest, stopped));
        Workers { stop, task }
    }

    /// Stops claiming, then waits up to `grace` for running attempts. Attempts still running
    /// after that keep their claim and are taken back at the next start.
    pub async fn stop(self, grace: Duration) {
        let _ = self.stop.send(true);
        let _ = tokio::time::timeout(grace, self.task).await;
    }
}

async fn run(ingest: Arc<Ingest>, mut stopped: watch::Receiver<bool>) {
    let slots = Arc::new(Semaphore::new(ingest.settings.workers));
    match ingest.store.recover(ingest.clock.now_ms()).await {
        Ok(0) => {}
        Ok(n) if ingest.store.shared() => tracing::info!(
            jobs = n,
            "taking over event jobs whose lease ran out (their instance is gone)"
        ),
        Ok(n) => tracing::info!(
            jobs = n,
            "resuming event jobs left running by the previous run"
        ),
        Err(e) => tracing::warn!(error = %e, "could not take back jobs left running"),
    }
    let poll = Duration::from_millis(ingest.settings.poll_interval_ms);
    let mut next_purge = tokio::time::Instant::now();
    let mut next_stats = tokio::time::Instant::now();
    loop {
        if *stopped.borrow() {
            break;
        }
        let now_i = tokio::time::Instant::now();
        if now_i >= next_purge {
            next_purge = now_i + PURGE_EVERY;
            purge(&ingest).await;
        }
        if now_i >= next_stats {
            next_stats = now_i + STATS_EVERY;
            if let Ok(stats) = ingest.store.stats().await {
                metrics::queue(&stats, ingest.clock.now_ms());
            }
        }
        let free = slots.available_permits();
        let mut wait = poll;
        if free > 0 {
            let now = ingest.clock.now_ms();
            let lease_until = now + ingest.lease().as_millis() as i64;
            match ingest
                .store
                .claim(&ingest.owner, now, lease_until, free)
                .await
            {
                Ok(jobs) => {
                    let full = jobs.len() == free;
                    for job in jobs {
                        let Ok(permit) = slots.clone().acquire_owned().await else {
                            return;
                        };
                        let ingest = ingest.clone();
                        tokio::spawn(async move {
                            attempt(&ingest, job).await;
                            drop(permit);
                            ingest.wake();
                        });
                    }
                    if full {
                        // There may be more due: look again once a slot frees up.
                        continue;
                    }
                    if let Ok(Some(due)) = ingest.store.next_due().await {
                        let until = (due - ingest.clock.now_ms()).max(1) as u64;
                        wait = wait.min(Duration::from_millis(until));
                    }
                }
                Err(e) => tracing::warn!(error = %e, "claiming event jobs failed; retrying"),
            }
        }
        tokio::select! {
            _ = ingest.wake.notified() => {}
            _ = tokio::time::sleep(wait) => {}
            _ = stopped.changed() => {}
        }
    }
    // Let the attempts under way finish (`Workers::stop` bounds the wait).
    let _ = slots.acquire_many(ingest.settings.workers as u32).await;
}

async fn purge(ingest: &Ingest) {
    let window = i64::from(ingest.settings.dedupe_days) * 86_400_000;
    match ingest.store.purge(ingest.clock.now_ms() - window).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(events = n, "purged events past the dedupe window"),
        Err(e) => tracing::warn!(error = %e, "purging old events failed"),
    }
}

/// One attempt of one job, start to recorded outcome.
async fn attempt(ingest: &Ingest, job: Claimed) {
    let Claimed {
        event,
        handler,
        attempt,
    } = job;
    let (seq, source, event_type) = (event.seq, event.source.clone(), event.event_type.clone());
    let span = tracing::info_span!(
        "event",
        source = %source,
        event_id = %event.event_id,
        event_type = %event_type,
        handler = %handler,
        attempt
    );
    let spec = ingest
        .registry
        .find(&handler, &source, &event_type)
        .cloned();
    let schedule = ingest.schedule(&source, spec.as_deref());
    let timeout = ingest.attempt_timeout(spec.as_deref());
    let started = tokio::time::Instant::now();
    let request_id: Arc<str> = Arc::from(format!("{source}/{}#{attempt}", event.event_id));
    let result = match &spec {
        None => Err((
            "missing",
            EventError::payload(format!("no event handler named `{handler}` is registered")),
        )),
        Some(spec) => {
            let deadline = started + timeout;
            let ctx = Ctx::for_event(deadline, ingest.upstreams.clone(), request_id);
            let handle = spec
                .call(ctx, Event::new(event, attempt))
                .instrument(span.clone());
            let run = std::panic::AssertUnwindSafe(handle).catch_unwind();
            match tokio::time::timeout_at(deadline, run).await {
                Ok(Ok(Ok(()))) => Ok(()),
                Ok(Ok(Err(e))) => Err(("error", e)),
                Ok(Err(_panic)) => Err(("panic", EventError::failed("the handler panicked"))),
                Err(_) => Err((
                    "timeout",
                    EventError::failed(format!("timed out after {} ms", timeout.as_millis())),
                )),
            }
        }
    };
    let elapsed = started.elapsed();
    let now = ingest.clock.now_ms();
    let outcome = match result {
        Ok(()) => {
            metrics::attempt(&source, &handler, "ok", elapsed);
            span.in_scope(|| {
                tracing::info!(elapsed_ms = elapsed.as_millis() as u64, "event handled")
            });
            Finish::Done
        }
        Err((label, e)) => {
            metrics::attempt(&source, &handler, label, elapsed);
            let delay = if e.is_retryable() {
                next_delay(&schedule, attempt, &mut rand::rng())
            } else {
                None
            };
            match delay {
                Some(d) => {
                    span.in_scope(|| {
                        tracing::warn!(error = %e, retry_in_ms = d.as_millis() as u64, "event handler failed; will retry")
                    });
                    Finish::RetryAt {
                        at: now + d.as_millis() as i64,
                        error: e.to_string(),
                    }
                }
                None => {
                    metrics::dead(&source, &handler);
                    span.in_scope(|| {
                        tracing::error!(error = %e, attempts = attempt, "event handler failed for good: dead letter")
                    });
                    Finish::Dead {
                        error: e.to_string(),
                    }
                }
            }
        }
    };
    // A lost write here leaves the job running under our lease: it is run again once the
    // lease expires (at least once, never lost).
    if let Err(e) = ingest
        .store
        .finish(seq, &handler, &ingest.owner, now, outcome)
        .await
    {
        span.in_scope(|| tracing::warn!(error = %e, "recording the attempt's outcome failed"));
    }
}
