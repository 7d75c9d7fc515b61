//! What the pages show of a call: plain serializable rows for the templates, with the
//! recorder's redaction applied and the timeline laid out against the call's budget.

use std::time::UNIX_EPOCH;

use serde::Serialize;
use serde_json::Value;

use crate::record::Redactor;
use crate::trace::FinishedCall;

/// One line of the call list.
#[derive(Serialize)]
pub struct Row {
    pub id: String,
    /// RFC 3339, UTC.
    pub time: String,
    pub protocol: &'static str,
    pub intent: String,
    pub outcome: &'static str,
    pub status: u16,
    pub duration_ms: String,
    pub fallback: bool,
}

impl Row {
    pub fn of(call: &FinishedCall) -> Row {
        Row {
            id: call.id.clone(),
            time: rfc3339(call),
            protocol: call.protocol.as_str(),
            intent: call.intent.clone().unwrap_or_else(|| "-".into()),
            outcome: call.outcome,
            status: call.status,
            duration_ms: format!("{:.1}", call.duration.as_secs_f64() * 1000.0),
            fallback: call.outcome != "ok",
        }
    }
}

/// One bar of the waterfall; `left` and `width` are percentages of the drawn span.
#[derive(Serialize)]
pub struct Bar {
    pub label: String,
    /// `stage` or `upstream`, for the colour.
    pub kind: &'static str,
    pub detail: String,
    pub left: f64,
    pub width: f64,
    pub ms: String,
    pub failed: bool,
}

/// A call's page.
#[derive(Serialize)]
pub struct Detail {
    pub row: Row,
    pub route: &'static str,
    pub request: String,
    pub response: String,
    pub turn: Option<String>,
    pub bars: Vec<Bar>,
    /// Where the handler's deadline falls, and where the upstream margin starts, in percent.
    pub deadline: f64,
    pub margin_start: f64,
    pub budget_ms: u64,
    pub margin_ms: u64,
    pub exchanges: usize,
}

impl Detail {
    pub fn of(call: &FinishedCall, redactor: &Redactor) -> Detail {
        let (request, response, turn) = redacted(call, redactor);
        let t = &call.trace;
        let budget_us = t.budget.as_micros() as u64;
        let margin_us = t.margin.as_micros() as u64;
        let last = t
            .stages
            .iter()
            .map(|s| s.end_us)
            .chain(t.exchanges.iter().map(|e| e.start_us + e.duration_us))
            .max()
            .unwrap_or(0);
        // The drawn span: the budget, or longer when the call ran past it.
        let span = budget_us.max(last).max(1) as f64;
        let pct = |us: u64| (us as f64 / span * 100.0).min(100.0);
        let mut bars: Vec<Bar> = t
            .stages
            .iter()
            .map(|s| Bar {
                label: s.name.to_string(),
                kind: "stage",
                detail: String::new(),
                left: pct(s.start_us),
                width: pct(s.end_us.saturating_sub(s.start_us)).max(0.3),
                ms: ms(s.end_us.saturating_sub(s.start_us)),
                failed: false,
            })
            .collect();
        bars.extend(t.exchanges.iter().map(|e| {
            let status = e
                .status
                .map_or_else(|| "no answer".to_string(), |s| s.to_string());
            let query = e
                .query
                .as_deref()
                .map(|q| format!("?{q}"))
                .unwrap_or_default();
            Bar {
                label: format!("{} {} {}{}", e.upstream, e.method, e.path, query),
                kind: "upstream",
                detail: format!(
                    "status {status} · attempt {} · cache {} · breaker {}{}",
                    e.attempt,
                    e.cache.as_str(),
                    e.breaker,
                    e.error
                        .as_deref()
                        .map(|err| format!(" · {err}"))
                        .unwrap_or_default()
                ),
                left: pct(e.start_us),
                width: pct(e.duration_us).max(0.3),
                ms: ms(e.duration_us),
                failed: e.error.is_some() || e.status.is_some_and(|s| s >= 400),
            }
        }));
        Detail {
            row: Row::of(call),
            route: call.route,
            request,
            response,
            turn,
            bars,
            deadline: pct(budget_us),
            margin_start: pct(budget_us.saturating_sub(margin_us)),
            budget_ms: budget_us / 1000,
            margin_ms: margin_us / 1000,
            exchanges: t.exchanges.len(),
        }
    }
}

/// The request, the answer and the turn, pretty, after redaction; a body that is not JSON is
/// shown as text.
fn redacted(call: &FinishedCall, redactor: &Redactor) -> (String, String, Option<String>) {
    let parse = |b: &[u8]| serde_json::from_slice::<Value>(b).ok();
    let mut request = parse(&call.request);
    let mut response = parse(&call.response);
    let mut turn = call.turn.clone();
    if let Some(req) = request.as_mut() {
        let mut others: Vec<&mut Value> = response.iter_mut().chain(turn.iter_mut()).collect();
        redactor.redact(req, &mut others);
    }
    let pretty = |v: Option<Value>, raw: &[u8]| match v {
        Some(v) => serde_json::to_string_pretty(&v).unwrap_or_default(),
        None => String::from_utf8_lossy(raw).into_owned(),
    };
    (
        pretty(request, &call.request),
        pretty(response, &call.response),
        turn.map(|t| serde_json::to_string_pretty(&t).unwrap_or_default()),
    )
}

fn ms(us: u64) -> String {
    format!("{:.1} ms", us as f64 / 1000.0)
}

fn rfc3339(call: &FinishedCall) -> String {
    let secs = call
        .at
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0);
    time::OffsetDateTime::from_unix_timestamp_nanos((secs * 1e9) as i128)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}
