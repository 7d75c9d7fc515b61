//! Runs one handler under the turn's deadline and always comes back with a [`Reply`].
//!
//! The handler runs inline in the webhook's own task, not spawned: a panic is caught with
//! `catch_unwind`, and at the deadline the handler's future is dropped on the spot, so a hung
//! upstream call cannot keep running (and holding memory) after the fallback went out. Spawning
//! did the same at the cost of a task allocation, a scheduler hop and, for every handler, a
//! deadline timer; inline, a handler that answers without waiting never arms the timer
//! (`timeout_at` polls the handler before its timer).

use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use futures::FutureExt;

use tokio::time::Instant;

use crate::config::Settings;
use crate::intent::{Ctx, IntentSpec};
use crate::protocol::{Reply, Turn};

/// How a call ended; a bounded label set for metrics and logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Ok,
    FallbackError,
    FallbackDeadline,
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

/// Runs `spec`'s handler (or the unknown-intent policy when `spec` is `None`).
pub async fn dispatch(
    settings: &Settings,
    spec: Option<&Arc<IntentSpec>>,
    ctx: Ctx,
    turn: Turn,
    deadline: Instant,
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
    let handler = AssertUnwindSafe(spec.call(ctx, turn)).catch_unwind();
    let (outcome, cause) = match tokio::time::timeout_at(deadline, handler).await {
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
