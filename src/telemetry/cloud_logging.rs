//! JSON log lines in the shape Google Cloud Logging reads: `severity`, `message`, `time`, and
//! `logging.googleapis.com/trace` / `spanId` when the request carried a trace header, so a
//! webhook call's lines group under its trace in the console.

use std::fmt;

use serde_json::{Map, Value};
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::fmt::format::{JsonFields, Writer};
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields, FormattedFields};
use tracing_subscriber::registry::LookupSpan;

/// Span field names that Cloud Logging wants under its own keys.
pub const TRACE_FIELD: &str = "trace";
pub const SPAN_ID_FIELD: &str = "span_id";

/// The event formatter; pair it with `JsonFields` so span fields are stored as JSON.
pub struct CloudLogging;

/// Cloud Logging's severity for a tracing level.
pub fn severity(level: &Level) -> &'static str {
    match *level {
        Level::ERROR => "ERROR",
        Level::WARN => "WARNING",
        Level::INFO => "INFO",
        Level::DEBUG | Level::TRACE => "DEBUG",
    }
}

struct FieldsToJson<'a>(&'a mut Map<String, Value>);

impl Visit for FieldsToJson<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_string(), Value::from(value));
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.0.insert(field.name().to_string(), Value::from(value));
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0.insert(field.name().to_string(), Value::from(value));
    }
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.0.insert(field.name().to_string(), Value::from(value));
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.0.insert(field.name().to_string(), Value::from(value));
    }
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.0
            .insert(field.name().to_string(), Value::from(format!("{value:?}")));
    }
}

impl<S, N> FormatEvent<S, N> for CloudLogging
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let meta = event.metadata();
        let mut line = Map::new();
        line.insert("severity".into(), severity(meta.level()).into());
        let time = time::OffsetDateTime::now_utc()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default();
        line.insert("time".into(), time.into());
        // Span fields first (outermost to innermost), so the event's own fields win.
        if let Some(scope) = ctx.event_scope() {
            for span in scope.from_root() {
                let ext = span.extensions();
                let Some(fields) = ext.get::<FormattedFields<JsonFields>>() else {
                    continue;
                };
                if let Ok(Value::Object(map)) = serde_json::from_str::<Value>(fields.as_str()) {
                    for (k, v) in map {
                        match k.as_str() {
                            TRACE_FIELD => line.insert("logging.googleapis.com/trace".into(), v),
                            SPAN_ID_FIELD => line.insert("logging.googleapis.com/spanId".into(), v),
                            _ => line.insert(k, v),
                        };
                    }
                }
            }
        }
        let mut fields = Map::new();
        event.record(&mut FieldsToJson(&mut fields));
        let message = fields.remove("message").unwrap_or(Value::from(""));
        line.insert("message".into(), message);
        line.extend(fields);
        line.insert("target".into(), meta.target().into());
        let text = serde_json::to_string(&line).map_err(|_| fmt::Error)?;
        writeln!(writer, "{text}")
    }
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
    use std::io::Write;
    use std::sync::{Arc, Mutex};

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

    #[test]
    fn lines_have_cloud_logging_fields() {
        let buf = Buffer::default();
        let writer = buf.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(Level::DEBUG)
            .event_format(CloudLogging)
            .fmt_fields(JsonFields::new())
            .with_writer(move || writer.clone())
            .finish();
        tracing::subscriber::with_default(subscriber, || {
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
        let text = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
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
    fn severity_covers_every_level() {
        assert_eq!(severity(&Level::ERROR), "ERROR");
        assert_eq!(severity(&Level::WARN), "WARNING");
        assert_eq!(severity(&Level::INFO), "INFO");
        assert_eq!(severity(&Level::DEBUG), "DEBUG");
        assert_eq!(severity(&Level::TRACE), "DEBUG");
    }

    #[test]
    fn line_without_trace_has_no_trace_keys() {
        let buf = Buffer::default();
        let writer = buf.clone();
        let subscriber = tracing_subscriber::fmt()
            .event_format(CloudLogging)
            .fmt_fields(JsonFields::new())
            .with_writer(move || writer.clone())
            .finish();
        tracing::subscriber::with_default(subscriber, || {
            let span = tracing::info_span!("webhook", request_id = "r2");
            let _g = span.enter();
            tracing::info!(elapsed_ms = 3u64, "answered");
        });
        let text = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
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
