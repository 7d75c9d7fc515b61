//! Finished calls and who observes them (the recorder, the inspector).

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use bytes::Bytes;

use super::TraceData;
use crate::protocol::Protocol;

/// A finished webhook call, published after the answer was sent.
#[derive(Clone, Debug)]
pub struct FinishedCall {
    /// The call's request id (`x-request-id`).
    pub id: String,
    pub at: SystemTime,
    pub protocol: Protocol,
    /// The route's label, e.g. `/webhook/es`.
    pub route: &'static str,
    /// The registry key that answered; `None` for an unknown intent or a refused call.
    pub intent: Option<String>,
    /// The registry's source file for the intent, e.g. `intents/weather_current.rs`.
    pub intent_file: Option<&'static str>,
    /// `ok`, `fallback_error`, ... or, for a refused call, the error code (`unauthorized`, ...).
    pub outcome: &'static str,
    pub status: u16,
    pub duration: Duration,
    /// The body as received (empty when the call was refused before it was read).
    pub request: Bytes,
    pub response: Bytes,
    /// Parameters and contexts as the handler saw them.
    pub turn: Option<serde_json::Value>,
    pub trace: TraceData,
}

/// Gets every finished call. Called on the request path after the answer is built: an
/// implementation hands the call on (a bounded queue, a ring buffer) and returns at once.
pub trait CallObserver: Send + Sync {
    fn finished(&self, call: Arc<FinishedCall>);

    /// Waits, at most `within`, until the calls handed on so far are dealt with (the server is
    /// stopping). Blocking; nothing to wait for by default.
    fn flush(&self, _within: Duration) {}
}
