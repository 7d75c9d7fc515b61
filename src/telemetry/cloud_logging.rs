//! JSON log lines in the shape Google Cloud Logging reads: `severity`, `message`, `time`, and
//! `logging.googleapis.com/trace` / `spanId` when the request carried a trace header, so a
//! webhook call's lines group under its trace in the console.

use std::fmt;

use smallvec::SmallVec;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Record};
use tracing::{Event, Level};

/// Span field names that Cloud Logging wants under its own keys.
pub const TRACE_FIELD: &str = "trace";
pub const SPAN_ID_FIELD: &str = "span_id";

/// Cloud Logging's severity for a tracing level.
pub fn severity(level: &Level) -> &'static str {
    match *level {
        Level::ERROR => "ERROR",
        Level::WARN => "WARNING",
        Level::INFO => "INFO",
        Level::DEBUG | Level::TRACE => "DEBUG",
    }
}

/// A span's fields as ready-made line fragments, `,"key":value`, in recording order, so that a
/// line copies a span's fields in one piece.
///
/// Before, each value was kept as JSON on its own and every line rebuilt `"key":` around it,
/// and every line's own fields went through a second buffer: together most of a log line's
/// cost (callgrind). Keys are final here: Cloud Logging's trace keys are already renamed, and
/// the keys a line sets itself (`message`, `severity`, `time`, `target`) are left out.
#[derive(Default)]
pub struct SpanFields {
    /// Field name and the byte range of its fragment in `json`.
    entries: SmallVec<[(&'static str, u32, u32); 8]>,
    json: Vec<u8>,
    /// Set once a field is recorded again: its old fragment stays in `json` as dead bytes, so
    /// lines copy entry by entry instead of the whole buffer.
    rewritten: bool,
}

impl SpanFields {
    /// The fields a span is created with.
    pub(crate) fn new(attrs: &Attributes<'_>) -> SpanFields {
        // Sized for the webhook span's fields: growing it cost reallocations on every call.
        let mut fields = SpanFields {
            json: Vec::with_capacity(320),
            ..SpanFields::default()
        };
        attrs.record(&mut Fields(&mut fields));
        fields
    }

    /// Fields recorded later (`span.record`).
    pub(crate) fn record(&mut self, values: &Record<'_>) {
        values.record(&mut Fields(self));
    }

    fn contains(&self, name: &str) -> bool {
        self.entries.iter().any(|(k, _, _)| *k == name)
    }

    /// Each field's name and fragment.
    fn iter(&self) -> impl Iterator<Item = (&'static str, &[u8])> {
        self.entries
            .iter()
            .map(|&(k, start, end)| (k, &self.json[start as usize..end as usize]))
    }
}

/// The key a span field is written under, or `None` for the keys each line sets itself.
fn span_key(name: &'static str) -> Option<&'static str> {
    match name {
        TRACE_FIELD => Some("logging.googleapis.com/trace"),
        SPAN_ID_FIELD => Some("logging.googleapis.com/spanId"),
        "message" | "severity" | "time" | "target" => None,
        other => Some(other),
    }
}

/// Where visited fields are written: a span's [`SpanFields`] or the line being built.
trait FieldSink {
    /// The buffer to append the next `,"key":value` fragment to, and the key to write, or
    /// `None` to skip the field.
    fn begin(&mut self, name: &'static str) -> Option<(&mut Vec<u8>, &'static str)>;
    /// The fragment of `name` was appended at `start`.
    fn end(&mut self, name: &'static str, start: usize);
}

impl FieldSink for SpanFields {
    fn begin(&mut self, name: &'static str) -> Option<(&mut Vec<u8>, &'static str)> {
        Some((&mut self.json, span_key(name)?))
    }

    fn end(&mut self, name: &'static str, start: usize) {
        // u32: a field over 4 GiB is not a log field; such lengths cannot reach here anyway.
        let (start, end) = (start as u32, self.json.len() as u32);
        match self.entries.iter_mut().find(|(k, _, _)| *k == name) {
            Some(slot) => {
                *slot = (name, start, end);
                self.rewritten = true;
            }
            None => self.entries.push((name, start, end)),
        }
    }
}

/// An event's own fields, written straight into its line.
struct EventFields<'a> {
    line: &'a mut Vec<u8>,
    /// The names of the fields written: they hide the spans' fields of the same name.
    written: SmallVec<[&'static str; 8]>,
}

impl FieldSink for EventFields<'_> {
    fn begin(&mut self, name: &'static str) -> Option<(&mut Vec<u8>, &'static str)> {
        match name {
            "severity" | "time" | "target" => None,
            _ => Some((&mut *self.line, name)),
        }
    }

    fn end(&mut self, name: &'static str, _start: usize) {
        self.written.push(name);
    }
}

/// Visits fields into a [`FieldSink`], each value written as JSON.
struct Fields<'s, S>(&'s mut S);

impl<S: FieldSink> Fields<'_, S> {
    fn put(&mut self, field: &Field, value: impl FnOnce(&mut Vec<u8>)) {
        let name = field.name();
        let Some((out, key)) = self.0.begin(name) else {
            return;
        };
        let start = out.len();
        out.push(b',');
        push_json_str(out, key);
        out.push(b':');
        value(out);
        self.0.end(name, start);
    }
}

/// Appends a scalar as JSON.
fn push_scalar<T: serde::Serialize>(out: &mut Vec<u8>, value: T) {
    let at = out.len();
    if serde_json::to_writer(&mut *out, &value).is_err() {
        // Not expected for the scalars tracing records (serde_json writes a non-finite float
        // as `null` itself); if it happens, the field is `null`, not junk.
        out.truncate(at);
        out.extend_from_slice(b"null");
    }
}

/// Writes `Debug` output as a JSON string straight into the buffer: the message of every log
/// line goes through here, and a `format!` per line showed in the allocation profile.
struct JsonStringWriter<'a>(&'a mut Vec<u8>);

impl fmt::Write for JsonStringWriter<'_> {
    fn write_str(&mut self, chunk: &str) -> fmt::Result {
        if needs_no_escape(chunk) {
            self.0.extend_from_slice(chunk.as_bytes());
            return Ok(());
        }
        // serde_json escapes a whole string with its quotes; keep what is between them.
        let at = self.0.len();
        serde_json::to_writer(&mut *self.0, chunk).map_err(|_| fmt::Error)?;
        self.0.pop();
        self.0.remove(at);
        Ok(())
    }
}

impl<S: FieldSink> Visit for Fields<'_, S> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.put(field, |out| push_json_str(out, value));
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.put(field, |out| push_scalar(out, value));
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.put(field, |out| push_scalar(out, value));
    }
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.put(field, |out| push_scalar(out, value));
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.put(field, |out| push_scalar(out, value));
    }
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.put(field, |out| {
            use fmt::Write as _;
            let start = out.len();
            out.push(b'"');
            if write!(JsonStringWriter(out), "{value:?}").is_err() {
                // A `Debug` impl that fails: the field says so rather than holding half a
                // string.
                out.truncate(start);
                out.extend_from_slice(b"\"<unformattable>\"");
            } else {
                out.push(b'"');
            }
        });
    }
}

/// Appends `text` as a JSON string.
fn push_json_str(out: &mut Vec<u8>, text: &str) {
    if needs_no_escape(text) {
        // One reservation for the three pieces: as three writes, this was a tenth of a line.
        out.reserve(text.len() + 2);
        out.push(b'"');
        out.extend_from_slice(text.as_bytes());
        out.push(b'"');
    } else if serde_json::to_writer(&mut *out, text).is_err() {
        // Not reachable: serde_json fails only when its writer does, and a `Vec` does not.
        out.extend_from_slice(b"\"\"");
    }
}

/// True when `text` can go between JSON quotes as it is: no quote, backslash or control
/// character. Field names, ids and labels always can, and copying them beats serde_json's
/// byte-by-byte escaping, which was most of a log line's cost (callgrind).
fn needs_no_escape(text: &str) -> bool {
    // Eight bytes at a time in a `u64`, the last few padded with a harmless byte: log values
    // are short, and a vectorised loop left them to its byte-by-byte tail (callgrind).
    const ONES: u64 = u64::from_le_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_le_bytes([0x80; 8]);
    // Some byte of `x` is below `n` (n <= 0x80) iff this is not zero. Exact for the word as a
    // whole only: a borrow can also flag the byte above a low one, which does not matter here.
    let below = |x: u64, n: u8| x.wrapping_sub(ONES * u64::from(n)) & !x & HIGHS;
    let any_bad = |x: u64| {
        below(x, 0x20)
            | below(x ^ (ONES * u64::from(b'"')), 1)
            | below(x ^ (ONES * u64::from(b'\\')), 1)
    };
    let mut chunks = text.as_bytes().chunks_exact(8);
    let mut bad = 0;
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        bad |= any_bad(u64::from_le_bytes(word));
    }
    let mut word = [b'a'; 8];
    word[..chunks.remainder().len()].copy_from_slice(chunks.remainder());
    bad |= any_bad(u64::from_le_bytes(word));
    bad == 0
}

/// Appends the current UTC time in RFC 3339 with nanoseconds, e.g. `2026-11-29T00:31:05.123456789Z`.
/// The date and time of day are formatted once per second per thread.
fn push_time(out: &mut Vec<u8>) {
    thread_local! {
        static SECOND: std::cell::RefCell<(u64, String)> = const { std::cell::RefCell::new((u64::MAX, String::new())) };
    }
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let secs = now.as_secs();
    SECOND.with(|cell| {
        let Ok(mut cached) = cell.try_borrow_mut() else {
            return;
        };
        if cached.0 != secs {
            let Ok(t) = time::OffsetDateTime::from_unix_timestamp(secs as i64) else {
                // Out of `time`'s range: an empty time rather than a lost line.
                return;
            };
            cached.1 = format!(
                "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
                t.year(),
                u8::from(t.month()),
                t.day(),
                t.hour(),
                t.minute(),
                t.second()
            );
            cached.0 = secs;
        }
        out.extend_from_slice(cached.1.as_bytes());
        let mut frac = *b".000000000Z";
        let mut nanos = now.subsec_nanos();
        for digit in frac[1..10].iter_mut().rev() {
            *digit = b'0' + (nanos % 10) as u8;
            nanos /= 10;
        }
        out.extend_from_slice(&frac);
    });
}

/// Writes one log line for `event`: Cloud Logging's keys, then the event's own fields, then the
/// fields of the spans it is in, `spans` ordered from the root to the innermost.
pub(crate) fn write_line(event: &Event<'_>, spans: &[&SpanFields], out: &mut Vec<u8>) {
    let meta = event.metadata();
    out.extend_from_slice(b"{\"severity\":\"");
    out.extend_from_slice(severity(meta.level()).as_bytes());
    // Formatted straight into the line: RFC 3339 needs no JSON escaping.
    out.extend_from_slice(b"\",\"time\":\"");
    push_time(out);
    out.push(b'"');
    // The event's own fields first: which of them are recorded (an `Empty` or `None` field is
    // not) decides which span fields they hide.
    let mut fields = EventFields {
        line: &mut *out,
        written: SmallVec::new(),
    };
    event.record(&mut Fields(&mut fields));
    let written = fields.written;
    if !written.contains(&"message") {
        out.extend_from_slice(b",\"message\":\"\"");
    }
    // Span fields outermost to innermost; a field set again by an inner span or by the event
    // itself is written only there, so every key appears once. Webhook lines have one span,
    // whose fields the event does not repeat: one copy.
    for (i, own) in spans.iter().enumerate() {
        let shadowed =
            |k: &str| written.contains(&k) || spans[i + 1..].iter().any(|inner| inner.contains(k));
        if !own.rewritten && !own.entries.iter().any(|(k, _, _)| shadowed(k)) {
            out.extend_from_slice(&own.json);
            continue;
        }
        for (k, fragment) in own.iter() {
            if !shadowed(k) {
                out.extend_from_slice(fragment);
            }
        }
    }
    out.extend_from_slice(b",\"target\":");
    push_json_str(out, meta.target());
    out.extend_from_slice(b"}\n");
}

/// The trace id and span id from `X-Cloud-Trace-Context: TRACE/SPAN;o=1` or
/// `traceparent: 00-TRACE-SPAN-01`.
pub fn trace_from_headers(
    cloud: Option<&str>,
    traceparent: Option<&str>,
) -> Option<(String, String)> {
    let valid_trace = |t: &str| t.len() == 32 && t.bytes().all(|b| b.is_ascii_hexdigit());
    if let Some(v) = cloud {
        let (trace, rest) = v.split_once('/').unwrap_or((v, ""));
        let span = rest.split(';').next().unwrap_or("");
        if valid_trace(trace) {
            return Some((trace.to_ascii_lowercase(), span.to_string()));
        }
    }
    let v = traceparent?;
    let mut parts = v.split('-');
    let (_version, trace, span) = (parts.next()?, parts.next()?, parts.next()?);
    valid_trace(trace).then(|| (trace.to_ascii_lowercase(), span.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::telemetry::test_buffer::Buffer;
    use serde_json::Value;

    /// What the JSON subscriber writes while `f` runs, with events up to `level` enabled.
    fn logged(level: tracing_subscriber::filter::LevelFilter, f: impl FnOnce()) -> String {
        let buf = Buffer::default();
        let writer = buf.clone();
        let subscriber = crate::telemetry::JsonSubscriber::new(
            tracing_subscriber::filter::Targets::new().with_default(level),
            move || writer.clone(),
        );
        tracing::subscriber::with_default(subscriber, f);
        buf.text()
    }

    #[test]
    fn lines_have_cloud_logging_fields() {
        let text = logged(tracing_subscriber::filter::LevelFilter::DEBUG, || {
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
        });
        let lines: Vec<Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 3);
        let first = &lines[0];
        assert_eq!(first["severity"], "WARNING");
        assert_eq!(first["message"], "answered with the fallback");
        assert_eq!(first["outcome"], "fallback_deadline");
        assert_eq!(first["request_id"], "r1");
        assert_eq!(
            first["logging.googleapis.com/trace"],
            "projects/p/traces/abc"
        );
        assert_eq!(first["logging.googleapis.com/spanId"], "42");
        assert!(time::OffsetDateTime::parse(
            first["time"].as_str().unwrap(),
            &time::format_description::well_known::Rfc3339
        )
        .is_ok());
        assert_eq!(lines[1]["severity"], "ERROR");
        assert_eq!(lines[2]["severity"], "DEBUG");
    }

    #[test]
    fn messages_and_debug_fields_are_escaped_json_strings() {
        let long = "x".repeat(1000);
        let text = logged(tracing_subscriber::filter::LevelFilter::INFO, || {
            let span = tracing::info_span!(
                "webhook",
                session = long.as_str(),
                label = "a\"b\\c",
                n = 1.5f64
            );
            let _g = span.enter();
            span.record("n", f64::NAN);
            tracing::info!(cause = ?"quote \" and\nnewline", "said \"{}\"\t{}", "hi", 42);
        });
        assert_eq!(text.lines().count(), 1, "{text}");
        let line: Value = serde_json::from_str(text.trim()).unwrap();
        assert_eq!(line["message"], "said \"hi\"\t42");
        assert_eq!(line["cause"], "\"quote \\\" and\\nnewline\"");
        // Longer than the inline buffer, and a float JSON cannot hold.
        assert_eq!(line["session"], long.as_str());
        assert_eq!(line["n"], Value::Null);
        assert_eq!(line["label"], "a\"b\\c");
    }

    #[test]
    fn every_key_appears_once_with_its_innermost_value() {
        let text = logged(tracing_subscriber::filter::LevelFilter::INFO, || {
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
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2, "{text}");
        for key in [
            "a", "b", "n", "later", "message", "severity", "time", "target",
        ] {
            assert_eq!(
                lines[0].matches(&format!("\"{key}\":")).count(),
                1,
                "{key} in {}",
                lines[0]
            );
        }
        let first: Value = serde_json::from_str(lines[0]).unwrap();
        assert_eq!(first["a"], "event-a", "the event's own value wins");
        assert_eq!(first["b"], "inner-b", "the inner span's value wins");
        assert_eq!(first["n"], 2, "a re-recorded field has its last value");
        assert_eq!(first["later"], "set");
        assert_eq!(first["message"], "hello");
        let second: Value = serde_json::from_str(lines[1]).unwrap();
        assert_eq!(
            second["message"], "",
            "a line without a message still has the key"
        );
        assert_eq!(second["only"], true);
        assert_eq!(second["a"], "outer-a");
    }

    #[test]
    fn an_event_field_left_unset_does_not_hide_the_spans() {
        let text = logged(tracing_subscriber::filter::LevelFilter::INFO, || {
            let span = tracing::info_span!("webhook", request_id = "r1");
            let _g = span.enter();
            tracing::info!(request_id = tracing::field::Empty, "empty");
            tracing::info!(request_id = None::<&str>, "none");
            tracing::info!(request_id = Some("r2"), "set");
        });
        let ids: Vec<Value> = text
            .lines()
            .map(|l| {
                assert_eq!(l.matches("\"request_id\":").count(), 1, "{l}");
                serde_json::from_str::<Value>(l).unwrap()["request_id"].clone()
            })
            .collect();
        assert_eq!(ids, ["r1", "r1", "r2"]);
    }

    #[test]
    fn time_is_rfc3339_utc_with_nanoseconds_and_current() {
        let mut out = Vec::new();
        let before = time::OffsetDateTime::now_utc();
        push_time(&mut out);
        let text = String::from_utf8(out).unwrap();
        assert_eq!(text.len(), "2026-11-29T00:31:05.123456789Z".len(), "{text}");
        let parsed =
            time::OffsetDateTime::parse(&text, &time::format_description::well_known::Rfc3339)
                .unwrap();
        assert!(parsed >= before - time::Duration::seconds(1), "{text}");
        assert!(parsed <= time::OffsetDateTime::now_utc(), "{text}");
        // Same second twice: the cached prefix, a fresh fraction.
        let mut again = Vec::new();
        push_time(&mut again);
        assert!(again.ends_with(b"Z"));
    }

    #[test]
    fn escape_check_catches_what_json_must_escape() {
        assert!(needs_no_escape("projects/p/agent/sessions/s-1_2"));
        assert!(needs_no_escape("東京 é"));
        assert!(needs_no_escape(""));
        for bad in ["a\"b", "a\\b", "a\nb", "\u{1}", "tab\t"] {
            assert!(!needs_no_escape(bad), "{bad:?}");
        }
        // Every length around the word size, a bad byte at every position, next to bytes
        // that are close to bad ones (0x20, 0x21, 0x5b, 0x7f, UTF-8 continuation bytes).
        for len in 1..=25 {
            let clean: String = " !#[]~\u{7f}é".chars().cycle().take(len).collect();
            assert!(needs_no_escape(&clean), "{clean:?}");
            for at in 0..clean.chars().count() {
                for bad in ['"', '\\', '\u{0}', '\u{1f}', '\n'] {
                    let text: String = clean
                        .chars()
                        .enumerate()
                        .map(|(i, c)| if i == at { bad } else { c })
                        .collect();
                    assert!(!needs_no_escape(&text), "{text:?}");
                }
            }
        }
    }

    #[test]
    fn severity_covers_every_level() {
        assert_eq!(severity(&Level::ERROR), "ERROR");
        assert_eq!(severity(&Level::WARN), "WARNING");
        assert_eq!(severity(&Level::INFO), "INFO");
        assert_eq!(severity(&Level::DEBUG), "DEBUG");
        assert_eq!(severity(&Level::TRACE), "DEBUG");
    }

    #[test]
    fn line_without_trace_has_no_trace_keys() {
        let text = logged(tracing_subscriber::filter::LevelFilter::INFO, || {
            let span = tracing::info_span!("webhook", request_id = "r2");
            let _g = span.enter();
            tracing::info!(elapsed_ms = 3u64, "answered");
        });
        let line: Value = serde_json::from_str(text.trim()).unwrap();
        let keys: Vec<&str> = line
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        for key in ["severity", "message", "time"] {
            assert!(keys.contains(&key), "{key} missing: {line}");
        }
        assert_eq!(line["severity"], "INFO");
        assert_eq!(line["message"], "answered");
        assert_eq!(line["elapsed_ms"], 3);
        assert!(
            !keys.iter().any(|k| k.starts_with("logging.googleapis.com/")
                || *k == TRACE_FIELD
                || *k == SPAN_ID_FIELD)
        );
    }

    #[test]
    fn trace_headers() {
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
}
