//! The JSON log format ([`intentful::telemetry::json_subscriber`]): Cloud Logging's keys, span
//! fields flattened with every key once, JSON escaping, `RUST_LOG` directives; and the trace
//! headers those keys come from.

use std::io::Write;
use std::sync::{Arc, Mutex};

use serde_json::Value;
use tracing_subscriber::EnvFilter;

/// A shared in-memory output: clones write to the same bytes.
#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The raw lines written while `f` runs under `filter`.
fn raw_lines(filter: &str, f: impl FnOnce()) -> Vec<String> {
    let buf = Buffer::default();
    let writer = buf.clone();
    let subscriber =
        intentful::telemetry::json_subscriber(EnvFilter::new(filter), move || writer.clone());
    tracing::subscriber::with_default(subscriber, f);
    let text = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
    text.lines().map(str::to_string).collect()
}

fn lines(filter: &str, f: impl FnOnce()) -> Vec<Value> {
    raw_lines(filter, f)
        .iter()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn lines_have_cloud_logging_fields() {
    let got = lines("debug", || {
        let span = tracing::info_span!(
            "webhook",
            request_id = "r1",
            trace = "projects/p/traces/abc",
            span_id = "42"
        );
        let _g = span.enter();
        tracing::warn!(outcome = "fallback_deadline", "answered with the fallback");
        tracing::error!("boom");
        tracing::debug!("detail");
        tracing::trace!("not at debug");
    });
    assert_eq!(got.len(), 3);
    let first = &got[0];
    assert_eq!(first["severity"], "WARNING");
    assert_eq!(first["message"], "answered with the fallback");
    assert_eq!(first["outcome"], "fallback_deadline");
    assert_eq!(first["request_id"], "r1");
    assert_eq!(
        first["logging.googleapis.com/trace"],
        "projects/p/traces/abc"
    );
    assert_eq!(first["logging.googleapis.com/spanId"], "42");
    assert!(first.get("trace").is_none() && first.get("span_id").is_none());
    let time = first["time"].as_str().unwrap();
    assert!(
        time::OffsetDateTime::parse(time, &time::format_description::well_known::Rfc3339).is_ok()
    );
    assert_eq!(got[1]["severity"], "ERROR");
    assert_eq!(got[2]["severity"], "DEBUG");
}

#[test]
fn messages_and_fields_are_escaped_json() {
    let got = lines("info", || {
        let span = tracing::info_span!("webhook", label = "a\"b\\c", n = 1.5f64);
        let _g = span.enter();
        span.record("n", f64::NAN);
        tracing::info!(cause = ?"quote \" and\nnewline", "said \"{}\"\t{}", "hi", 42);
    });
    assert_eq!(got.len(), 1);
    assert_eq!(got[0]["message"], "said \"hi\"\t42");
    assert_eq!(got[0]["cause"], "\"quote \\\" and\\nnewline\"");
    assert_eq!(got[0]["label"], "a\"b\\c");
    assert_eq!(got[0]["n"], Value::Null, "a float JSON cannot hold");
}

#[test]
fn a_debug_value_that_fails_to_format_leaves_a_valid_line() {
    struct Broken;
    impl std::fmt::Debug for Broken {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("half")?;
            Err(std::fmt::Error)
        }
    }
    let got = lines("info", || tracing::info!(value = ?Broken, "still logged"));
    assert_eq!(got.len(), 1);
    assert_eq!(got[0]["message"], "still logged");
    assert_eq!(got[0]["value"], "<value failed to format>");
}

#[test]
fn every_key_appears_once_with_its_innermost_value() {
    let raw = raw_lines("info", || {
        let outer = tracing::info_span!(
            "outer",
            a = "outer-a",
            b = "outer-b",
            n = 1u64,
            message = "not the line's",
            later = tracing::field::Empty
        );
        outer.record("n", 2u64);
        outer.record("later", "set");
        let _o = outer.enter();
        let inner = tracing::info_span!("inner", b = "inner-b");
        let _i = inner.enter();
        tracing::info!(a = "event-a", "hello");
        tracing::info!(only = true);
    });
    assert_eq!(raw.len(), 2, "{raw:?}");
    for key in [
        "a", "b", "n", "later", "message", "severity", "time", "target",
    ] {
        let count = raw[0].matches(&format!("\"{key}\":")).count();
        assert_eq!(count, 1, "{key} in {}", raw[0]);
    }
    let first: Value = serde_json::from_str(&raw[0]).unwrap();
    assert_eq!(first["a"], "event-a", "the event's own value wins");
    assert_eq!(first["b"], "inner-b", "the inner span's value wins");
    assert_eq!(first["n"], 2, "a re-recorded field has its last value");
    assert_eq!(first["later"], "set");
    assert_eq!(first["message"], "hello");
    let second: Value = serde_json::from_str(&raw[1]).unwrap();
    assert_eq!(
        second["message"], "",
        "a line without a message still has the key"
    );
    assert_eq!(second["only"], true);
    assert_eq!(second["a"], "outer-a");
}

#[test]
fn an_event_field_left_unset_does_not_hide_the_spans() {
    let got = lines("info", || {
        let span = tracing::info_span!("webhook", request_id = "r1");
        let _g = span.enter();
        tracing::info!(request_id = tracing::field::Empty, "empty");
        tracing::info!(request_id = None::<&str>, "none");
        tracing::info!(request_id = Some("r2"), "set");
    });
    let ids: Vec<&Value> = got.iter().map(|l| &l["request_id"]).collect();
    assert_eq!(ids, ["r1", "r1", "r2"]);
}

#[test]
fn events_carry_the_span_they_name_or_the_one_entered_on_their_thread() {
    let got = lines("info", || {
        let span = tracing::info_span!("webhook", request_id = "r1");
        tracing::info!(parent: &span, "named parent, not entered");
        tracing::info!("no span");
        let _entered = span.enter();
        tracing::info!(parent: None, "explicit root");
        tracing::info!("entered");
    });
    let ids: Vec<(&str, &Value)> = got
        .iter()
        .map(|l| (l["message"].as_str().unwrap(), &l["request_id"]))
        .collect();
    assert_eq!(
        ids,
        [
            ("named parent, not entered", &Value::from("r1")),
            ("no span", &Value::Null),
            ("explicit root", &Value::Null),
            ("entered", &Value::from("r1")),
        ]
    );
}

#[test]
fn rust_log_directives_pick_targets_and_spans() {
    let got = lines("intentful::upstream=debug,[webhook]=debug,warn", || {
        tracing::debug!(target: "intentful::upstream::send", "kept");
        tracing::debug!(target: "intentful::dispatch", "dropped");
        tracing::info!(target: "hyper", "dropped too");
        tracing::warn!(target: "hyper", "kept too");
        let span = tracing::warn_span!(target: "intentful::webhook", "webhook", k = 1);
        span.in_scope(|| tracing::debug!(target: "intentful::dispatch", "kept in the span"));
    });
    let messages: Vec<&str> = got.iter().map(|l| l["message"].as_str().unwrap()).collect();
    assert_eq!(messages, ["kept", "kept too", "kept in the span"]);
    assert_eq!(got[2]["k"], 1);
}

#[test]
fn trace_headers() {
    use intentful::telemetry::trace_from_headers;
    let t = "105445aa7843bc8bf206b12000100000";
    assert_eq!(
        trace_from_headers(Some(&format!("{t}/1;o=1")), None),
        Some((t.into(), "1".into()))
    );
    assert_eq!(
        trace_from_headers(None, Some(&format!("00-{t}-00f067aa0ba902b7-01"))),
        Some((t.into(), "00f067aa0ba902b7".into()))
    );
    assert_eq!(trace_from_headers(Some("nonsense"), None), None);
}
