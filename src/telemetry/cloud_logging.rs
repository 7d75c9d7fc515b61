//! [`CloudLogging`]: a `tracing-subscriber` event format whose JSON lines Google Cloud Logging
//! reads: `severity`, `time` (RFC 3339), `message`, the event's fields, the fields of the spans
//! it is in (flattened, innermost wins, the event's own over all), `target`, and a span's
//! `trace` / `span_id` under `logging.googleapis.com/trace` / `spanId`, so that a webhook
//! call's lines group under its trace in the console.
//!
//! A span's fields are kept by the fmt layer as a JSON object formatted by [`SpanFields`]; the
//! line takes their values as they are. Span and event fields are read by one visitor, so a
//! value looks the same on the line whichever of them it came from.

use std::collections::BTreeMap;
use std::fmt;

use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::value::RawValue;
use serde_json::Value;
use time::format_description::well_known::Rfc3339;
use tracing::field::{Field, Visit};
use tracing::span::Record;
use tracing::{Event, Level, Subscriber};
use tracing_log::NormalizeEvent;
use tracing_subscriber::field::RecordFields;
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields, FormattedFields};
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

/// Visits a span's or an event's fields, in order, under their own names.
struct Fields(Vec<(&'static str, Value)>);

impl Default for Fields {
    fn default() -> Self {
        // Room for a webhook span's or line's fields without growing.
        Fields(Vec::with_capacity(8))
    }
}

impl Fields {
    fn put(&mut self, field: &Field, value: Value) {
        self.0.push((field.name(), value));
    }
}

impl Serialize for Fields {
    /// As a JSON object; a name recorded twice keeps its last value.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let last = |i: usize, name: &str| !self.0[i + 1..].iter().any(|(n, _)| *n == name);
        s.collect_map(
            self.0
                .iter()
                .enumerate()
                .filter(|(i, (name, _))| last(*i, name))
                .map(|(_, (name, value))| (name, value)),
        )
    }
}

impl Visit for Fields {
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

/// How the fmt layer keeps a span's fields: one JSON object, `{"request_id":"...",...}`.
pub struct SpanFields;

impl<'writer> FormatFields<'writer> for SpanFields {
    fn format_fields<R: RecordFields>(
        &self,
        mut writer: Writer<'writer>,
        fields: R,
    ) -> fmt::Result {
        let mut visited = Fields::default();
        fields.record(&mut visited);
        let object = serde_json::to_string(&visited).map_err(|_| fmt::Error)?;
        writer.write_str(&object)
    }

    /// A span's `record`: the new values over the ones it has.
    fn add_fields(
        &self,
        current: &'writer mut FormattedFields<Self>,
        fields: &Record<'_>,
    ) -> fmt::Result {
        let mut object: serde_json::Map<String, Value> =
            serde_json::from_str(&current.fields).unwrap_or_default();
        let mut visited = Fields::default();
        fields.record(&mut visited);
        for (name, value) in visited.0 {
            object.insert(name.to_string(), value);
        }
        current.fields = serde_json::to_string(&object).map_err(|_| fmt::Error)?;
        Ok(())
    }
}

/// One line, as Cloud Logging reads it.
struct Line<'a> {
    severity: &'static str,
    time: &'a str,
    message: Option<&'a LineValue<'a>>,
    /// Every other field, each key once.
    fields: &'a [(&'a str, LineValue<'a>)],
    target: &'a str,
}

impl Serialize for Line<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("severity", self.severity)?;
        map.serialize_entry("time", self.time)?;
        match self.message {
            Some(message) => map.serialize_entry("message", message)?,
            // Every line has a message, even an event without one.
            None => map.serialize_entry("message", "")?,
        }
        for (key, value) in self.fields.iter().filter(|(k, _)| *k != "message") {
            map.serialize_entry(key, value)?;
        }
        map.serialize_entry("target", self.target)?;
        map.end()
    }
}

impl<S> FormatEvent<S, SpanFields> for CloudLogging
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, SpanFields>,
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
        let mut own = Fields::default();
        event.record(&mut own);
        let mut fields: Vec<(&str, LineValue)> = Vec::with_capacity(16);
        for (name, value) in own.0 {
            if let Some(key) = key(name) {
                if !fields.iter().any(|(k, _)| *k == key) {
                    fields.push((key, LineValue::Own(value)));
                }
            }
        }
        let spans: Vec<_> = ctx.event_scope().into_iter().flatten().collect();
        let extensions: Vec<_> = spans.iter().map(|span| span.extensions()).collect();
        for span_fields in extensions
            .iter()
            .filter_map(|e| e.get::<FormattedFields<SpanFields>>())
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
        let line = Line {
            severity,
            time: time.as_deref().unwrap_or_default(),
            message: fields.iter().find(|(k, _)| *k == "message").map(|(_, v)| v),
            fields: &fields,
            target: meta.target(),
        };
        writer.write_str(&serde_json::to_string(&line).map_err(|_| fmt::Error)?)?;
        writeln!(writer)
    }
}
