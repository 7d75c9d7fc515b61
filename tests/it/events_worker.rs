//! The workers on paused time: retries at the backoff, dead letters after the last attempt (at
//! once for a payload the handler can never take), timeouts and panics count as failures; and a
//! restart resumes the work a stopped process left pending or running.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use intentful::config::Settings;
use intentful::ingest::store::{EventStatus, JobStatus, NewEvent};
use intentful::ingest::{EventError, EventRegistry, Ingest, Workers};
use intentful::intent::Registry;
use intentful::state::AppState;
use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::support::event_settings;

fn ingest(settings: Settings, handlers: EventRegistry) -> Arc<Ingest> {
    let state = AppState::with_event_handlers(settings, Registry::builtin().unwrap(), handlers)
        .expect("state");
    state.events.clone().expect("sources are configured")
}

async fn store_event(ingest: &Ingest, id: &str) -> i64 {
    let source = ingest.source("helpdesk").unwrap();
    let body = serde_json::json!({"type": "ticket.created", "data": {"id": id}});
    let handlers = ingest.route(source, "ticket.created", &body);
    let out = ingest
        .store
        .insert(vec![NewEvent {
            source: "helpdesk".into(),
            event_id: id.into(),
            event_type: "ticket.created".into(),
            body: serde_json::to_vec(&body).unwrap(),
            headers: vec![],
            received_at: ingest.clock.now_ms(),
            handlers,
        }])
        .await
        .unwrap();
    ingest.wake();
    match out[0] {
        intentful::ingest::store::Inserted::Stored { seq } => seq,
        other => panic!("{other:?}"),
    }
}

/// Waits without timers of its own (under paused time a test's own timer would let the clock
/// run ahead while the store's thread works) until event `seq` has `status`.
async fn until_status(ingest: &Ingest, seq: i64, status: EventStatus) {
    for _ in 0..100_000 {
        if ingest.store.get(seq).await.unwrap().unwrap().status == status {
            return;
        }
        tokio::task::yield_now().await;
    }
    panic!("event {seq} never became {status:?}");
}

type Attempts = mpsc::UnboundedReceiver<(u32, Instant)>;

/// A handler named `h` for helpdesk events that reports each attempt, then does `outcome`.
fn reporting<F>(outcome: F) -> (EventRegistry, Attempts)
where
    F: Fn(u32) -> futures::future::BoxFuture<'static, Result<(), EventError>>
        + Send
        + Sync
        + 'static,
{
    let (tx, rx) = mpsc::unbounded_channel();
    let outcome = Arc::new(outcome);
    let mut r = EventRegistry::default();
    r.on_named(
        "h",
        "tests/it/events_worker.rs",
        "helpdesk",
        "*",
        move |_ctx, ev| {
            let _ = tx.send((ev.attempt(), Instant::now()));
            outcome(ev.attempt())
        },
    );
    (r.finish().unwrap(), rx)
}

fn settings(dir: &std::path::Path) -> Settings {
    let mut s = event_settings(dir, "http://127.0.0.1:9");
    s.events.retry.max_attempts = 4;
    s.events.retry.base_ms = 1_000;
    s.events.retry.max_ms = 10_000;
    s
}

#[tokio::test(start_paused = true)]
async fn failures_retry_at_the_backoff_then_go_to_the_dead_letters() {
    let dir = tempfile::tempdir().unwrap();
    let (handlers, mut attempts) =
        reporting(|_| Box::pin(async { Err(EventError::failed("the CRM is down")) }));
    let ingest = ingest(settings(dir.path()), handlers);
    let _workers = Workers::start(ingest.clone());
    let seq = store_event(&ingest, "t-1").await;
    let mut seen = Vec::new();
    for _ in 0..4 {
        seen.push(attempts.recv().await.unwrap());
    }
    until_status(&ingest, seq, EventStatus::Dead).await;
    let numbers: Vec<u32> = seen.iter().map(|(n, _)| *n).collect();
    assert_eq!(numbers, [1, 2, 3, 4]);
    // Full jitter: each wait is anywhere in [0, base * 2^(n-1)], never above.
    for (i, pair) in seen.windows(2).enumerate() {
        let waited = pair[1].1 - pair[0].1;
        let ceiling = Duration::from_millis(1_000 << i);
        assert!(
            waited <= ceiling + Duration::from_millis(10),
            "wait {i}: {waited:?} > {ceiling:?}"
        );
    }
    let rec = ingest.store.get(seq).await.unwrap().unwrap();
    assert_eq!(rec.jobs[0].status, JobStatus::Dead);
    assert_eq!(rec.jobs[0].attempts, 4);
    assert_eq!(rec.jobs[0].last_error.as_deref(), Some("the CRM is down"));
    // Nothing more happens to a dead job...
    tokio::time::sleep(Duration::from_secs(3_600)).await;
    assert!(attempts.try_recv().is_err());
    // ...until it is replayed, from attempt 1.
    ingest
        .store
        .requeue_dead(ingest.clock.now_ms())
        .await
        .unwrap();
    ingest.wake();
    assert_eq!(attempts.recv().await.unwrap().0, 1);
}

#[tokio::test(start_paused = true)]
async fn a_payload_error_is_dead_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let (handlers, mut attempts) =
        reporting(|_| Box::pin(async { Err(EventError::payload("no ticket id at $.data.id")) }));
    let ingest = ingest(settings(dir.path()), handlers);
    let _workers = Workers::start(ingest.clone());
    let seq = store_event(&ingest, "t-2").await;
    assert_eq!(attempts.recv().await.unwrap().0, 1);
    until_status(&ingest, seq, EventStatus::Dead).await;
    let rec = ingest.store.get(seq).await.unwrap().unwrap();
    assert_eq!(rec.jobs[0].attempts, 1);
    assert!(rec.jobs[0]
        .last_error
        .as_deref()
        .unwrap()
        .contains("no ticket id"));
}

#[tokio::test(start_paused = true)]
async fn timeouts_and_panics_are_failures_and_a_later_success_is_done() {
    let dir = tempfile::tempdir().unwrap();
    let (tx, mut attempts) = mpsc::unbounded_channel();
    let mut r = EventRegistry::default();
    r.on_named(
        "h",
        "tests/it/events_worker.rs",
        "helpdesk",
        "*",
        move |_ctx, ev| {
            let _ = tx.send((ev.attempt(), Instant::now()));
            async move {
                match ev.attempt() {
                    1 => {
                        tokio::time::sleep(Duration::from_secs(3_600)).await;
                        Ok(())
                    }
                    2 => panic!("handler bug"),
                    _ => Ok(()),
                }
            }
        },
    )
    .timeout(Duration::from_secs(5));
    let ingest = ingest(settings(dir.path()), r.finish().unwrap());
    let _workers = Workers::start(ingest.clone());
    let seq = store_event(&ingest, "t-3").await;
    let (_, first) = attempts.recv().await.unwrap();
    let (n, second) = attempts.recv().await.unwrap();
    assert_eq!(n, 2);
    assert!(
        second - first >= Duration::from_secs(5),
        "cut at the attempt's timeout"
    );
    assert_eq!(attempts.recv().await.unwrap().0, 3, "a panic is retried");
    until_status(&ingest, seq, EventStatus::Done).await;
    assert_eq!(
        ingest.store.get(seq).await.unwrap().unwrap().jobs[0].attempts,
        3
    );
}

/// A process that stops without finishing: its runtime (workers, attempts) is dropped.
#[test]
fn a_restart_resumes_running_and_pending_work() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = event_settings(dir.path(), "http://127.0.0.1:9");
    s.events.retry.base_ms = 300;
    s.events.retry.max_ms = 300;
    s.events.retry.max_attempts = 100;
    let first_run = Arc::new(AtomicBool::new(true));
    let registry = |first_run: Arc<AtomicBool>| {
        let mut r = EventRegistry::default();
        r.on_named(
            "h",
            "tests/it/events_worker.rs",
            "helpdesk",
            "*",
            move |_ctx, ev| {
                let first_run = first_run.load(Ordering::SeqCst);
                async move {
                    match (first_run, ev.id()) {
                        // Hangs until the process dies.
                        (true, "running") => std::future::pending().await,
                        (true, _) => Err(EventError::failed("try later")),
                        (false, _) => Ok(()),
                    }
                }
            },
        );
        r.finish().unwrap()
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (running, pending) = rt.block_on(async {
        let a = ingest(s.clone(), registry(first_run.clone()));
        let _workers = Workers::start(a.clone());
        let running = store_event(&a, "running").await;
        let pending = store_event(&a, "pending").await;
        for _ in 0..200 {
            let r = a.store.get(running).await.unwrap().unwrap();
            let p = a.store.get(pending).await.unwrap().unwrap();
            if r.jobs[0].status == JobStatus::Running
                && p.jobs[0].attempts >= 1
                && p.jobs[0].status == JobStatus::Pending
            {
                return (running, pending);
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("the first run never got its jobs going");
    });
    drop(rt); // the "crash": every task of the first run is gone mid-attempt
    first_run.store(false, Ordering::SeqCst);

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let b = ingest(s.clone(), registry(first_run.clone()));
        let _workers = Workers::start(b.clone());
        for _ in 0..500 {
            let r = b.store.get(running).await.unwrap().unwrap();
            let p = b.store.get(pending).await.unwrap().unwrap();
            if r.status == EventStatus::Done && p.status == EventStatus::Done {
                assert_eq!(
                    r.jobs[0].attempts, 2,
                    "the interrupted attempt, then the resumed one"
                );
                assert!(
                    p.jobs[0].attempts >= 2,
                    "the failed attempts, then the resumed one"
                );
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("the restart did not resume the work");
    });
}
