//! [`CloudLogging`]: a `tracing-subscriber` event format whose JSON lines Google Cloud Logging
//! reads: `severity`, `time` (RFC 3339), `message`, the event's fields, the fields of the spans
//! it is in (flattened, innermost wins, the event's own over all), `target`, and a span's
//! `trace` / `span_id` under `logging.googleapis.com/trace` / `spanId`, so that a webhook
//! call's lines group under its trace in the console.
//!
//! The fmt layer keeps a span's fields as the JSON object [`SpanFields`] writes, its keys already
//! the line's. Every field, a span's or an event's, is written by one visitor ([`Fields`]), so a
//! value looks the same on the line whichever of them it came from; values are written straight
//! into the line, never held as `serde_json::Value`s.

use std::collections::BTreeMap;
use std::fmt;
use std::io::Write;

use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value};
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

/// Writes fields as `,"key":value` into a line (or a span's object) under their line keys,
/// each key once: the first value written wins.
struct Fields<'a> {
    out: &'a mut Vec<u8>,
    /// The keys written so far.
    written: Vec<&'static str>,
}

impl<'a> Fields<'a> {
    fn new(out: &'a mut Vec<u8>) -> Fields<'a> {
        // Room for a webhook line's keys without growing.
        Fields {
            out,
            written: Vec::with_capacity(16),
        }
    }

    fn has(&self, key: &str) -> bool {
        self.written.contains(&key)
    }

    fn put(&mut self, field: &Field, value: impl Serialize) {
        let Some(key) = line_key(field.name()) else {
            return;
        };
        if self.has(key) {
            return;
        }
        self.written.push(key);
        self.write(key, value);
    }

    /// Writes one entry; serializing a string, number or bool into a `Vec` cannot fail.
    fn write(&mut self, key: &str, value: impl Serialize) {
        let _ = write!(self.out, ",\"{key}\":");
        let _ = serde_json::to_writer(&mut *self.out, &value);
    }
}

/// The line key of field `name` (tracing's field names are static).
fn line_key(name: &'static str) -> Option<&'static str> {
    match name {
        "trace" => Some("logging.googleapis.com/trace"),
        "span_id" => Some("logging.googleapis.com/spanId"),
        "severity" | "time" | "target" => None,
        // A `log` record's metadata, which the line's own keys already say.
        name if name.starts_with("log.") => None,
        name => Some(name),
    }
}

impl Visit for Fields<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.put(field, value);
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.put(field, value);
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.put(field, value);
    }
    /// A float JSON cannot hold (NaN, infinity) is written `null`.
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.put(field, value);
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.put(field, value);
    }
    /// As the text `{:?}` gives (a message is `fmt::Arguments`). Formatted into a `String`
    /// first: a `Debug` that fails makes serde_json's `collect_str` panic, and a log line
    /// must never take its call down.
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        let mut text = String::new();
        if fmt::Write::write_fmt(&mut text, format_args!("{value:?}")).is_err() {
            text = format!("<{} failed to format>", field.name());
        }
        self.put(field, text);
    }
}

/// `fields` as one JSON object under their line keys.
fn object_of(fields: impl RecordFields) -> Result<String, fmt::Error> {
    let mut out = Vec::with_capacity(256);
    let mut visitor = Fields::new(&mut out);
    fields.record(&mut visitor);
    match out.first_mut() {
        Some(first) => *first = b'{',
        None => out.push(b'{'),
    }
    out.push(b'}');
    String::from_utf8(out).map_err(|_| fmt::Error)
}

/// How the fmt layer keeps a span's fields: one JSON object under the keys the line will use,
/// `{"request_id":"...","logging.googleapis.com/trace":"...",...}`.
pub struct SpanFields;

impl<'writer> FormatFields<'writer> for SpanFields {
    fn format_fields<R: RecordFields>(
        &self,
        mut writer: Writer<'writer>,
        fields: R,
    ) -> fmt::Result {
        writer.write_str(&object_of(fields)?)
    }

    /// A span's `record`: the new values over the ones it has.
    fn add_fields(
        &self,
        current: &'writer mut FormattedFields<Self>,
        fields: &Record<'_>,
    ) -> fmt::Result {
        let mut object: Map<String, Value> =
            serde_json::from_str(&current.fields).unwrap_or_default();
        let added: Map<String, Value> =
            serde_json::from_str(&object_of(fields)?).map_err(|_| fmt::Error)?;
        object.extend(added);
        current.fields = serde_json::to_string(&object).map_err(|_| fmt::Error)?;
        Ok(())
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
        let mut out = Vec::with_capacity(512);
        let _ = write!(out, "{{\"severity\":\"{severity}\",\"time\":\"");
        time::OffsetDateTime::now_utc()
            .format_into(&mut out, &Rfc3339)
            .map_err(|_| fmt::Error)?;
        out.push(b'"');
        // The event's own fields first: a key's first value wins, so the event's beat its
        // spans' and an inner span's beat an outer one's.
        let mut line = Fields::new(&mut out);
        event.record(&mut line);
        if !line.has("message") {
            // Every line has a message, even an event without one; a span's is not the line's.
            line.written.push("message");
            line.write("message", "");
        }
        let spans: Vec<_> = ctx.event_scope().into_iter().flatten().collect();
        for (i, span) in spans.iter().enumerate() {
            let extensions = span.extensions();
            let Some(fields) = extensions.get::<FormattedFields<SpanFields>>() else {
                continue;
            };
            let object = fields.fields.as_str();
            let outermost = i + 1 == spans.len();
            let declared = || span.fields().iter().filter_map(|f| line_key(f.name()));
            if outermost && !declared().any(|k| line.has(k)) {
                // Nothing to leave out, and no span after it needs its keys: copied whole.
                if let Some(inner) = object.strip_prefix('{').and_then(|o| o.strip_suffix('}')) {
                    if !inner.is_empty() {
                        line.out.push(b',');
                        line.out.extend_from_slice(inner.as_bytes());
                    }
                }
                continue;
            }
            // Values are copied as the JSON they are, not parsed.
            let Ok(entries) = serde_json::from_str::<BTreeMap<&str, &RawValue>>(object) else {
                continue;
            };
            for (key, value) in entries {
                if let Some(key) = declared().find(|k| *k == key) {
                    if !line.has(key) {
                        line.written.push(key);
                        line.write(key, value);
                    }
                }
            }
        }
        line.write("target", meta.target());
        out.extend_from_slice(b"}\n");
        writer.write_str(std::str::from_utf8(&out).map_err(|_| fmt::Error)?)
    }
}
