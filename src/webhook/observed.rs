//! A webhook call as its observers (the recorder, the inspector) see it: the stages timed as the
//! call goes, the body as received, what the answer learnt (protocol, intent, the turn), and at
//! the end one [`FinishedCall`] handed to every observer. Nothing here exists when nobody
//! observes calls: the request path holds an `Option<Observed>` that is `None`.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use actix_web::body::{BoxBody, MessageBody};
use actix_web::web::Bytes;
use actix_web::HttpResponse;
use tokio::time::Instant;

use super::Route;
use crate::intent::IntentSpec;
use crate::protocol::{Protocol, Turn};
use crate::state::AppState;
use crate::trace::{self, CallTrace, FinishedCall};

pub(super) struct Observed {
    trace: CallTrace,
    started: Instant,
    /// Where the stage being timed began.
    mark: Instant,
    request: Bytes,
    seen: Option<Seen>,
}

/// What the answer learnt about the call.
struct Seen {
    protocol: Protocol,
    intent: Option<String>,
    file: Option<&'static str>,
    turn: serde_json::Value,
}

impl Observed {
    /// The call's observation, when someone observes calls.
    pub fn start(state: &AppState, started: Instant) -> Option<Observed> {
        if state.observers.is_empty() {
            return None;
        }
        let margin = Duration::from_millis(state.settings.deadline.upstream_margin_ms);
        Some(Observed {
            trace: CallTrace::starting(started, Duration::ZERO, margin),
            started,
            mark: started,
            request: Bytes::new(),
            seen: None,
        })
    }

    /// Ends the stage that began where the last one ended.
    pub fn stage(&mut self, name: &'static str) {
        let now = Instant::now();
        self.trace.stage(name, self.mark, now);
        self.mark = now;
    }

    pub fn received(&mut self, body: &Bytes) {
        self.request = body.clone();
    }

    /// What dispatch knows before the handler runs.
    pub fn learnt(
        &mut self,
        protocol: Protocol,
        spec: Option<&IntentSpec>,
        turn: &Turn,
        budget: Duration,
    ) {
        self.trace.set_budget(budget);
        self.seen = Some(Seen {
            protocol,
            intent: spec.map(|s| s.key.clone()),
            file: spec.map(|s| s.file),
            turn: turn_json(turn),
        });
    }

    /// Runs the handler with this trace as the task's, so the upstream layer records into it.
    pub async fn handler<F: Future>(&mut self, dispatching: F) -> F::Output {
        self.mark = Instant::now();
        let done = trace::scope(self.trace.clone(), dispatching).await;
        self.stage("handler");
        done
    }

    /// Hands the finished call to every observer; returns the response unchanged.
    pub fn publish(
        self,
        state: &AppState,
        response: HttpResponse,
        request_id: &str,
        route: Route,
        outcome: &'static str,
    ) -> HttpResponse {
        let status = response.status().as_u16();
        let (head, body) = response.into_parts();
        // Every answer here is in memory already: its bytes are shared, not copied.
        let (body, bytes) = match body.try_into_bytes() {
            Ok(bytes) => (BoxBody::new(bytes.clone()), bytes),
            Err(body) => (body, Bytes::new()),
        };
        let seen = self.seen;
        let call = Arc::new(FinishedCall {
            id: request_id.to_string(),
            at: SystemTime::now() - self.started.elapsed(),
            protocol: seen
                .as_ref()
                .map(|s| s.protocol)
                .or(route.protocol())
                .unwrap_or(Protocol::Es),
            route: route.label(),
            intent: seen.as_ref().and_then(|s| s.intent.clone()),
            intent_file: seen.as_ref().and_then(|s| s.file),
            outcome,
            status,
            duration: self.started.elapsed(),
            request: self.request,
            response: bytes,
            turn: seen.map(|s| s.turn),
            trace: self.trace.snapshot(),
        });
        for observer in &state.observers {
            observer.finished(call.clone());
        }
        head.set_body(body)
    }
}

/// The parameters and contexts a handler sees.
fn turn_json(turn: &Turn) -> serde_json::Value {
    let contexts: Vec<serde_json::Value> = turn
        .contexts
        .iter()
        .map(
            |c| serde_json::json!({"id": c.id, "lifespan": c.lifespan, "parameters": c.parameters}),
        )
        .collect();
    serde_json::json!({
        "key": turn.key,
        "session": turn.session,
        "language_code": turn.language_code,
        "query_text": turn.query_text,
        "parameters": turn.parameters,
        "contexts": contexts,
        "page": turn.page,
        "tag": turn.tag,
        "action": turn.action,
    })
}
