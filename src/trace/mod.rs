//! The per-call trace: when each stage of a webhook call ran and every upstream exchange it made,
//! for the recorder (`record/`) and the inspector page, which both observe finished calls.
//!
//! A trace exists only while someone observes calls (`AppState::observers` not empty): the
//! webhook path then runs the handler inside [`scope`], and the upstream layer finds the trace
//! with [`current`]. With no observer there is no trace and no extra work beyond one task-local
//! lookup per upstream call.

mod observer;

pub use observer::{CallObserver, FinishedCall};

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::Instant;

tokio::task_local! {
    static CURRENT: CallTrace;
}

/// The running call's trace, if any.
pub fn current() -> Option<CallTrace> {
    CURRENT.try_with(CallTrace::clone).ok()
}

/// Runs `f` with `trace` as the task's [`current`] trace.
pub async fn scope<F: Future>(trace: CallTrace, f: F) -> F::Output {
    CURRENT.scope(trace, f).await
}

/// One call's trace; clones share it.
#[derive(Clone, Debug)]
pub struct CallTrace(Arc<Mutex<TraceData>>);

/// What a trace holds; times are microseconds since `started`.
#[derive(Clone, Debug)]
pub struct TraceData {
    pub started: Instant,
    /// The handler's budget (the deadline is `started + budget`).
    pub budget: Duration,
    /// What each upstream call keeps of the budget for the reply.
    pub margin: Duration,
    pub stages: Vec<Stage>,
    pub exchanges: Vec<Exchange>,
}

/// One stage of the request path: `auth`, `body`, `parse`, `handler`, `render`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stage {
    pub name: &'static str,
    pub start_us: u64,
    pub end_us: u64,
}

/// How an exchange used the upstream's response cache.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CacheUse {
    /// Answered from the cache (or another caller's flight): no request of its own.
    Hit,
    /// Cacheable, fetched.
    Miss,
    /// The upstream failed and an expired entry answered.
    Stale,
    /// The call did not use the cache.
    Bypass,
}

impl CacheUse {
    pub fn as_str(self) -> &'static str {
        match self {
            CacheUse::Hit => "hit",
            CacheUse::Miss => "miss",
            CacheUse::Stale => "stale",
            CacheUse::Bypass => "bypass",
        }
    }
}

/// One upstream attempt (or a cache answer) as the upstream layer saw it. Credentials never get
/// here: headers are the ones the handler set, minus anything that looks like a credential, and
/// the path and query are the handler's, before the upstream's auth adds its own.
#[derive(Clone, Debug, PartialEq)]
pub struct Exchange {
    /// The configured upstream name.
    pub upstream: String,
    pub method: String,
    /// Below the upstream's base URL, percent-encoded as sent.
    pub path: String,
    pub query: Option<String>,
    pub request_headers: Vec<(String, String)>,
    pub request_body: Option<String>,
    /// `None` when no answer came (timeout, connection refused, circuit open).
    pub status: Option<u16>,
    pub response_headers: Vec<(String, String)>,
    /// Read only for a 2xx answer; an error status's body is not read.
    pub response_body: String,
    /// 1 for the first attempt; 0 for an answer that made no request (cache hit, open circuit).
    pub attempt: u32,
    pub cache: CacheUse,
    /// The circuit's state when the attempt started: `closed`, `open` or `half_open`.
    pub breaker: &'static str,
    pub start_us: u64,
    pub duration_us: u64,
    pub error: Option<String>,
}

impl CallTrace {
    pub fn new(budget: Duration, margin: Duration) -> Self {
        Self::starting(Instant::now(), budget, margin)
    }

    /// A trace whose call started at `started` (before the trace could be made).
    pub fn starting(started: Instant, budget: Duration, margin: Duration) -> Self {
        CallTrace(Arc::new(Mutex::new(TraceData {
            started,
            budget,
            margin,
            stages: Vec::new(),
            exchanges: Vec::new(),
        })))
    }

    pub fn stage(&self, name: &'static str, start: Instant, end: Instant) {
        self.with(|t| {
            let stage = Stage {
                name,
                start_us: t.micros(start),
                end_us: t.micros(end),
            };
            t.stages.push(stage);
        });
    }

    pub fn exchange(&self, e: Exchange) {
        self.with(|t| t.exchanges.push(e));
    }

    /// The budget, once the call knows it (after parsing).
    pub fn set_budget(&self, budget: Duration) {
        self.with(|t| t.budget = budget);
    }

    /// Microseconds from the call's start to `at`.
    pub fn micros(&self, at: Instant) -> u64 {
        self.with(|t| t.micros(at)).unwrap_or(0)
    }

    pub fn snapshot(&self) -> TraceData {
        self.with(|t| t.clone()).unwrap_or_else(|| TraceData {
            started: Instant::now(),
            budget: Duration::ZERO,
            margin: Duration::ZERO,
            stages: Vec::new(),
            exchanges: Vec::new(),
        })
    }

    fn with<R>(&self, f: impl FnOnce(&mut TraceData) -> R) -> Option<R> {
        // A poisoned lock means a panic while pushing: the trace is only for observers.
        self.0.lock().ok().map(|mut t| f(&mut t))
    }
}

impl TraceData {
    fn micros(&self, at: Instant) -> u64 {
        at.saturating_duration_since(self.started).as_micros() as u64
    }
}

/// Header names whose values are credentials or session secrets, never traced or recorded.
pub fn is_credential_header(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    matches!(
        n.as_str(),
        "authorization" | "proxy-authorization" | "cookie" | "set-cookie"
    ) || [
        "key",
        "token",
        "secret",
        "auth",
        "password",
        "signature",
        "session",
    ]
    .iter()
    .any(|w| n.contains(w))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn current_is_the_scoped_trace_and_absent_outside() {
        assert!(current().is_none());
        let trace = CallTrace::new(Duration::from_secs(4), Duration::from_millis(150));
        let start = Instant::now();
        scope(trace.clone(), async {
            let t = current().expect("inside the scope");
            t.stage("handler", start, start + Duration::from_millis(2));
        })
        .await;
        assert!(current().is_none());
        let data = trace.snapshot();
        assert_eq!(data.stages.len(), 1);
        assert_eq!(data.stages[0].name, "handler");
        assert!(data.stages[0].end_us >= 2_000);
    }

    #[test]
    fn credential_headers_are_told_apart() {
        for h in [
            "Authorization",
            "x-api-key",
            "X-Auth-Token",
            "cookie",
            "x-goog-signature",
        ] {
            assert!(is_credential_header(h), "{h}");
        }
        for h in ["content-type", "accept-language", "x-request-id"] {
            assert!(!is_credential_header(h), "{h}");
        }
    }
}
