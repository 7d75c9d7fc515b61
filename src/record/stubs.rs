//! A call's upstream exchanges as the stubs of a fixture case (`<case>.upstream.json`, the
//! format `fixtures::Stub` reads): one stub per attempt, in order, so that replaying answers
//! each attempt as it was answered (a 502, then the retry's 200).
//!
//! What the wire did not show is made up so that the replay takes the same path: an answer from
//! the cache is a stub the replay's cold cache fetches; a stale answer replaces the failures
//! before it; a timeout is a stub slower than the whole budget; a refused connection or an open
//! circuit is a 503. An upstream whose token comes from a path below it gets a stub with a fake
//! token, so a replay with that auth configured is answered too.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use crate::trace::{CacheUse, Exchange, TraceData};

/// One stub, serialised as `fixtures::Stub` reads it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub(super) struct StubOut {
    pub upstream: String,
    pub method: String,
    pub path: String,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub query: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
    pub status: u16,
    pub body: Value,
    #[serde(skip_serializing_if = "is_zero")]
    pub delay_ms: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub times: Option<u64>,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl StubOut {
    /// Same request matchers: the replay answers these in turn.
    fn same_request(&self, other: &StubOut) -> bool {
        self.upstream == other.upstream
            && self.method == other.method
            && self.path == other.path
            && self.query == other.query
            && self.headers == other.headers
    }

    fn same_answer(&self, other: &StubOut) -> bool {
        self.status == other.status && self.body == other.body && self.delay_ms == other.delay_ms
    }
}

/// Token endpoints below an upstream's base URL, by upstream name (`auth.token_url = "/..."`).
pub(super) type TokenPaths = BTreeMap<String, String>;

/// The stubs that replay `trace`'s exchanges.
pub(super) fn stubs(trace: &TraceData, tokens: &TokenPaths) -> Vec<StubOut> {
    let mut out: Vec<StubOut> = Vec::new();
    let slower_than_budget = (trace.budget.as_millis() as u64).max(1_000) + 1_000;
    for e in &trace.exchanges {
        let mut stub = request_of(e);
        match (e.cache, e.attempt, e.status) {
            (CacheUse::Hit, ..) => {
                // Fetched once by the replay's cold cache, however often this call hit.
                if out
                    .iter()
                    .any(|s| s.same_request(&stub) && is_success(s.status))
                {
                    continue;
                }
                answered(&mut stub, e);
            }
            (CacheUse::Stale, ..) => {
                // The replay has no stale entry: answer with it instead of the failures.
                out.retain(|s| !s.same_request(&stub));
                answered(&mut stub, e);
            }
            (_, 0, _) => {
                // Refused before any request (open circuit, concurrency limit).
                stub.status = 503;
            }
            (_, _, Some(status)) if is_success(status) => {
                answered(&mut stub, e);
                stub.times = Some(1);
            }
            (_, _, Some(status)) => {
                stub.status = status;
                stub.times = Some(1);
            }
            (_, _, None) if timed_out(e) => {
                stub.delay_ms = slower_than_budget;
            }
            (_, _, None) => stub.status = 503,
        }
        push(&mut out, stub);
    }
    add_token_stubs(&mut out, tokens);
    out
}

/// Appends, folding an attempt answered like the one before it into its `times`.
fn push(out: &mut Vec<StubOut>, stub: StubOut) {
    if let Some(last) = out.last_mut() {
        if last.same_request(&stub) && last.same_answer(&stub) {
            if let (Some(a), Some(b)) = (last.times, stub.times) {
                last.times = Some(a + b);
                return;
            }
            if last.times.is_none() && stub.times.is_none() {
                return;
            }
        }
    }
    out.push(stub);
}

fn add_token_stubs(out: &mut Vec<StubOut>, tokens: &TokenPaths) {
    let used: Vec<String> = out.iter().map(|s| s.upstream.clone()).collect();
    for (upstream, path) in tokens {
        if !used.contains(upstream) {
            continue;
        }
        out.insert(
            0,
            StubOut {
                upstream: upstream.clone(),
                method: "POST".into(),
                path: path.clone(),
                query: BTreeMap::new(),
                headers: BTreeMap::new(),
                status: 200,
                body: serde_json::json!({
                    "access_token": "recorded-token",
                    "token_type": "Bearer",
                    "expires_in": 3600
                }),
                delay_ms: 0,
                times: None,
            },
        );
    }
}

fn is_success(status: u16) -> bool {
    (200..300).contains(&status)
}

fn timed_out(e: &Exchange) -> bool {
    e.error.as_deref().is_some_and(|m| {
        let m = m.to_ascii_lowercase();
        m.contains("timed out")
            || m.contains("timeout")
            || m.contains("budget")
            || m.contains("cancel")
    })
}

fn request_of(e: &Exchange) -> StubOut {
    let query = e
        .query
        .as_deref()
        .map(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect()
        })
        .unwrap_or_default();
    StubOut {
        upstream: e.upstream.clone(),
        method: e.method.clone(),
        path: e.path.clone(),
        query,
        headers: e
            .request_headers
            .iter()
            .map(|(k, v)| (k.to_ascii_lowercase(), v.clone()))
            .collect(),
        status: 200,
        body: Value::Null,
        delay_ms: 0,
        times: None,
    }
}

/// The answer as it came: JSON when it parses, else text; as slow as it was.
fn answered(stub: &mut StubOut, e: &Exchange) {
    stub.status = e.status.unwrap_or(200);
    stub.body = if e.response_body.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&e.response_body)
            .unwrap_or_else(|_| Value::String(e.response_body.clone()))
    };
    if e.cache != CacheUse::Hit && e.cache != CacheUse::Stale {
        stub.delay_ms = e.duration_us / 1_000;
    }
}
