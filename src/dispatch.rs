//! Runs one handler under the turn's deadline and always comes back with a [`Reply`].
//!
//! The handler runs inline in the webhook's own task, not spawned: a panic is caught with
//! `catch_unwind`, and at the deadline the handler's future is dropped on the spot, so a hung
//! upstream call cannot keep running (and holding memory) after the fallback went out. Spawning
//! did the same at the cost of a task allocation, a scheduler hop and, for every handler, a
//! deadline timer; inline, a handler that answers without waiting never arms the timer
//! (`timeout_at` polls the handler before its timer).
//!
//! A second deadline can end the handler early: the end of the shutdown grace period
//! (`Shutdown`), after which the call answers with its fallback like at its own deadline.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use futures::FutureExt;

use tokio::time::Instant;

use crate::config::Settings;
use crate::intent::{Ctx, IntentSpec};
use crate::protocol::{Reply, Turn};
use crate::shutdown::Shutdown;

/// How a call ended; a bounded label set for metrics and logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Ok,
    FallbackError,
    FallbackDeadline,
    /// The server's shutdown grace period ended before the handler did.
    FallbackShutdown,
    /// The handler's reply could not be sent on this protocol (e.g. a CX transition on ES).
    FallbackRender,
    UnknownIntent,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::FallbackError => "fallback_error",
            Outcome::FallbackDeadline => "fallback_deadline",
            Outcome::FallbackShutdown => "fallback_shutdown",
            Outcome::FallbackRender => "fallback_render",
            Outcome::UnknownIntent => "unknown_intent",
        }
    }
}

/// The reply to render and how it came about.
#[derive(Debug)]
pub struct Dispatched {
    pub reply: Reply,
    pub outcome: Outcome,
    /// Why the fallback was used, for the one log line.
    pub cause: Option<String>,
}

/// Runs `spec`'s handler (or the unknown-intent policy when `spec` is `None`) until it answers,
/// `deadline` passes or `shutdown`'s grace period ends, whichever comes first.
pub async fn dispatch(
    settings: &Settings,
    spec: Option<&Arc<IntentSpec>>,
    ctx: Ctx,
    turn: Turn,
    deadline: Instant,
    shutdown: &Shutdown,
) -> Dispatched {
    let Some(spec) = spec else {
        let reply = settings
            .unknown_intent_text()
            .map_or_else(Reply::passthrough, Reply::text);
        return Dispatched {
            reply,
            outcome: Outcome::UnknownIntent,
            cause: None,
        };
    };
    // Late already (a slow body read can use up the budget): the handler must not start,
    // since it could not answer in time and would only begin side effects nobody waits for.
    if Instant::now() >= deadline {
        return Dispatched {
            reply: fallback_for(settings, spec),
            outcome: Outcome::FallbackDeadline,
            cause: Some("deadline reached before the handler started".to_string()),
        };
    }
    if shutdown.at().is_some_and(|at| Instant::now() >= at) {
        return Dispatched {
            reply: fallback_for(settings, spec),
            outcome: Outcome::FallbackShutdown,
            cause: Some("shutdown grace period over before the handler started".to_string()),
        };
    }
    // `lazy`: the handler function's synchronous part (before its future exists) runs inside
    // `catch_unwind` too, so a panic there is a fallback like any other.
    let handler =
        AssertUnwindSafe(futures::future::lazy(|_| spec.call(ctx, turn)).flatten()).catch_unwind();
    // `biased`: the handler is polled first, so one that answers at once never waits on the
    // shutdown channel.
    let finished = tokio::select! {
        biased;
        finished = tokio::time::timeout_at(deadline, handler) => finished,
        () = shutdown.reached() => {
            return Dispatched {
                reply: fallback_for(settings, spec),
                outcome: Outcome::FallbackShutdown,
                cause: Some("shutdown grace period over".to_string()),
            };
        }
    };
    let (outcome, cause) = match finished {
        Ok(Ok(Ok(reply))) => {
            return Dispatched {
                reply,
                outcome: Outcome::Ok,
                cause: None,
            }
        }
        Ok(Ok(Err(e))) => (Outcome::FallbackError, e.to_string()),
        Ok(Err(panic)) => (
            Outcome::FallbackError,
            format!("handler panicked: {}", panic_message(panic)),
        ),
        // The handler's future was dropped with the timeout: whatever it awaited is cancelled.
        Err(_) => (Outcome::FallbackDeadline, "deadline reached".to_string()),
    };
    Dispatched {
        reply: fallback_for(settings, spec),
        outcome,
        cause: Some(cause),
    }
}

/// The intent's fallback: configured text, else the one in code, else the global text.
pub fn fallback_for(settings: &Settings, spec: &IntentSpec) -> Reply {
    if let Some(text) = settings
        .intents
        .get(&spec.key)
        .and_then(|i| i.fallback_text.as_deref())
    {
        return Reply::text(text);
    }
    spec.fallback
        .clone()
        .unwrap_or_else(|| Reply::text(settings.fallback.text.clone()))
}

fn panic_message(payload: Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "non-string panic payload".to_string()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::time::Duration;

    use super::*;
    use crate::intent::{IntentError, Registry};
    use crate::protocol::Protocol;
    use crate::upstream::Upstreams;

    /// Dispatches to the intent `key` of `r` under `deadline`.
    async fn run(r: Registry, key: &str, deadline: Instant) -> Dispatched {
        run_until(r, key, deadline, &Shutdown::default()).await
    }

    /// Dispatches to the intent `key` of `r` under `deadline` and `shutdown`.
    async fn run_until(
        r: Registry,
        key: &str,
        deadline: Instant,
        shutdown: &Shutdown,
    ) -> Dispatched {
        let settings = Settings::default();
        let registry = r.finish().expect("registry");
        let spec = registry.lookup([key]).expect("spec").clone();
        let margin = Duration::from_millis(settings.deadline.upstream_margin_ms);
        let upstreams = Upstreams::from_settings(&settings.upstreams, margin);
        let upstreams = Arc::new(upstreams.expect("upstreams"));
        let ctx = Ctx::new(deadline, upstreams, Arc::from("r1"), Protocol::Es);
        dispatch(
            &settings,
            Some(&spec),
            ctx,
            Turn::default(),
            deadline,
            shutdown,
        )
        .await
    }

    /// A handler that panics before it returns its future, i.e. outside any `async` block.
    fn panics_synchronously(_: Ctx, _: Turn) -> std::future::Ready<Result<Reply, IntentError>> {
        panic!("before the future exists")
    }

    #[tokio::test]
    async fn a_panic_before_the_future_exists_is_a_fallback() {
        let mut r = Registry::default();
        r.add("sync.panic", panics_synchronously).fallback("sorry");
        let done = run(r, "sync.panic", Instant::now() + Duration::from_secs(1)).await;
        assert_eq!(done.outcome, Outcome::FallbackError);
        assert_eq!(done.reply.first_text(), Some("sorry"));
        assert!(done
            .cause
            .unwrap_or_default()
            .contains("before the future exists"));
    }

    #[tokio::test]
    async fn a_handler_is_not_started_once_the_deadline_has_passed() {
        static RAN: AtomicBool = AtomicBool::new(false);
        let mut r = Registry::default();
        r.add("late", |_ctx: Ctx, _turn: Turn| async {
            RAN.store(true, Ordering::SeqCst);
            Ok(Reply::text("too late"))
        })
        .fallback("sorry");
        let deadline = Instant::now();
        tokio::time::sleep(Duration::from_millis(2)).await;
        let done = run(r, "late", deadline).await;
        assert_eq!(done.outcome, Outcome::FallbackDeadline);
        assert_eq!(done.reply.first_text(), Some("sorry"));
        assert!(
            !RAN.load(Ordering::SeqCst),
            "the handler ran after its deadline"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_handler_still_running_at_the_end_of_the_grace_falls_back_then() {
        let mut r = Registry::default();
        r.add("hang", |_ctx: Ctx, _turn: Turn| async {
            std::future::pending::<()>().await;
            Ok(Reply::text("never"))
        })
        .fallback("sorry");
        let shutdown = Shutdown::default();
        let deadline = Instant::now() + Duration::from_secs(30);
        let grace_ends = {
            let shutdown = shutdown.clone();
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_secs(1)).await;
                shutdown.begin(Duration::from_millis(1_500))
            })
        };
        let done = run_until(r, "hang", deadline, &shutdown).await;
        assert_eq!(done.outcome, Outcome::FallbackShutdown);
        assert_eq!(done.reply.first_text(), Some("sorry"));
        assert_eq!(Instant::now(), grace_ends.await.expect("join"));
    }
}
