//! [`CloudLogging`]: a `tracing-subscriber` event format whose JSON lines Google Cloud Logging
//! reads: `severity`, `time` (RFC 3339), `message`, the event's fields, the fields of the spans
//! it is in (flattened, innermost wins, the event's own over all), `target`, and a span's
//! `trace` / `span_id` under `logging.googleapis.com/trace` / `spanId`, so that a webhook
//! call's lines group under its trace in the console.
//!
//! A span's fields are kept by the fmt layer as a JSON object formatted by [`JsonFields`]; the
//! line takes their values as they are.

use std::collections::BTreeMap;
use std::fmt;

use serde::ser::{SerializeMap, Serializer as _};
use serde_json::value::RawValue;
use serde_json::Value;
use time::format_description::well_known::Rfc3339;
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_log::NormalizeEvent;
use tracing_subscriber::fmt::format::{JsonFields, Writer};
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormattedFields};
use tracing_subscriber::registry::LookupSpan;

/// The event format of JSON logs.
pub struct CloudLogging;

/// The key a field is written under; `None` for the keys each line sets itself.
fn key(name: &str) -> Option<&str> {
    match name {
        "trace" => Some("logging.googleapis.com/trace"),
        "span_id" => Some("logging.googleapis.com/spanId"),
        "severity" | "time" | "target" => None,
        // A `log` record's metadata, which the line's own keys already say.
        name if name.starts_with("log.") => None,
        name => Some(name),
    }
}

/// A line's field value: the event's own, or a span's, already JSON.
#[derive(serde::Serialize)]
#[serde(untagged)]
enum LineValue<'a> {
    Own(Value),
    Span(&'a RawValue),
}

/// Visits an event's own fields, under their line [`key`]s.
struct Own(Vec<(&'static str, Value)>);

impl Own {
    fn put(&mut self, field: &Field, value: Value) {
        if let Some(key) = key(field.name()) {
            self.0.push((key, value));
        }
    }
}

impl Visit for Own {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.put(field, value.into());
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.put(field, value.into());
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.put(field, value.into());
    }
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.put(field, value.into());
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.put(field, value.into());
    }
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.put(field, format!("{value:?}").into());
    }
}

impl<S> FormatEvent<S, JsonFields> for CloudLogging
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, JsonFields>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let normalized = event.normalized_metadata();
        let meta = normalized.as_ref().unwrap_or_else(|| event.metadata());
        let severity = match *meta.level() {
            Level::ERROR => "ERROR",
            Level::WARN => "WARNING",
            Level::INFO => "INFO",
            Level::DEBUG | Level::TRACE => "DEBUG",
        };
        let time = time::OffsetDateTime::now_utc().format(&Rfc3339);
        // The event's own fields, then its spans' from the innermost out. A key's first value
        // wins: the event's over its spans', an inner span's over an outer one's.
        let mut own = Own(Vec::new());
        event.record(&mut own);
        let mut fields: Vec<(&str, LineValue)> = own
            .0
            .into_iter()
            .map(|(k, v)| (k, LineValue::Own(v)))
            .collect();
        let spans: Vec<_> = ctx.event_scope().into_iter().flatten().collect();
        let extensions: Vec<_> = spans.iter().map(|span| span.extensions()).collect();
        for span_fields in extensions
            .iter()
            .filter_map(|e| e.get::<FormattedFields<JsonFields>>())
        {
            // Values are copied as the JSON they are, not parsed.
            let Ok(object) = serde_json::from_str::<BTreeMap<&str, &RawValue>>(&span_fields.fields)
            else {
                continue;
            };
            for (key, value) in object.into_iter().filter_map(|(k, v)| Some((key(k)?, v))) {
                // A span's `message` is not the line's.
                if key != "message" && !fields.iter().any(|(k, _)| *k == key) {
                    fields.push((key, LineValue::Span(value)));
                }
            }
        }
        let message = fields.iter().find(|(k, _)| *k == "message").map(|(_, v)| v);
        let mut line = Vec::with_capacity(512);
        let mut serializer = serde_json::Serializer::new(&mut line);
        let written = (|| {
            let mut map = serializer.serialize_map(None)?;
            map.serialize_entry("severity", severity)?;
            map.serialize_entry("time", time.as_deref().unwrap_or_default())?;
            match message {
                Some(message) => map.serialize_entry("message", message)?,
                // Every line has a message, even an event without one.
                None => map.serialize_entry("message", "")?,
            }
            for (key, value) in fields.iter().filter(|(k, _)| *k != "message") {
                map.serialize_entry(key, value)?;
            }
            map.serialize_entry("target", meta.target())?;
            map.end()
        })();
        written.map_err(|_| fmt::Error)?;
        writer.write_str(std::str::from_utf8(&line).map_err(|_| fmt::Error)?)?;
        writeln!(writer)
    }
}
