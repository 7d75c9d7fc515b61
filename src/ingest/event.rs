//! [`Event`]: what a handler gets, and [`EventError`]: what it returns when it cannot finish.

use std::sync::{Arc, OnceLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::de::DeserializeOwned;
use serde_json::Value;
use serde_json_path::JsonPath;

use super::store::StoredEvent;
use crate::upstream::UpstreamError;

/// Why an attempt failed. `Upstream` and `Failed` are retried on the handler's schedule;
/// `Payload` means the event lacks what the handler needs, which no retry can change: the event
/// goes to the dead letters at once, with this message.
#[derive(Debug, thiserror::Error)]
pub enum EventError {
    #[error(transparent)]
    Upstream(#[from] UpstreamError),
    #[error("{0}")]
    Failed(String),
    #[error("the event cannot be handled: {0}")]
    Payload(String),
}

impl EventError {
    pub fn failed(message: impl Into<String>) -> Self {
        EventError::Failed(message.into())
    }

    pub fn payload(message: impl Into<String>) -> Self {
        EventError::Payload(message.into())
    }

    /// Whether another attempt could succeed.
    pub fn is_retryable(&self) -> bool {
        !matches!(self, EventError::Payload(_))
    }

    /// A short, bounded label for metrics.
    pub fn kind(&self) -> &'static str {
        match self {
            EventError::Upstream(e) => e.kind.label(),
            EventError::Failed(_) => "failed",
            EventError::Payload(_) => "payload",
        }
    }
}

/// One stored event, as its handler sees it. Cheap to clone.
#[derive(Clone)]
pub struct Event {
    stored: Arc<StoredEvent>,
    attempt: u32,
    json: Arc<OnceLock<Result<Value, String>>>,
}

impl std::fmt::Debug for Event {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The body may carry personal data: only the identity is printed.
        f.debug_struct("Event")
            .field("source", &self.stored.source)
            .field("id", &self.stored.event_id)
            .field("type", &self.stored.event_type)
            .field("attempt", &self.attempt)
            .finish()
    }
}

impl Event {
    pub fn new(stored: StoredEvent, attempt: u32) -> Event {
        Event {
            stored: Arc::new(stored),
            attempt,
            json: Arc::new(OnceLock::new()),
        }
    }

    /// The sender's id for the event (`webhook-id`, Stripe's `evt_...`, Okta's `uuid`):
    /// stable across redeliveries and retries, so a handler can pass it on as an idempotency
    /// key.
    pub fn id(&self) -> &str {
        &self.stored.event_id
    }

    /// Which attempt this is, from 1. Above 1 a previous attempt failed, timed out, or was
    /// cut short by a crash (its effects may have happened).
    pub fn attempt(&self) -> u32 {
        self.attempt
    }

    pub fn source(&self) -> &str {
        &self.stored.source
    }

    pub fn event_type(&self) -> &str {
        &self.stored.event_type
    }

    /// The store's number for the event (`intentful events show <seq>`).
    pub fn seq(&self) -> i64 {
        self.stored.seq
    }

    pub fn received_at(&self) -> SystemTime {
        UNIX_EPOCH + Duration::from_millis(self.stored.received_at.max(0) as u64)
    }

    /// The event's bytes: the request body as received, or this event's element of a batch.
    pub fn body(&self) -> &[u8] {
        &self.stored.body
    }

    /// A stored request header (names are lowercase). Credentials and signatures are never
    /// stored; see `keep_headers`.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.stored
            .headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body as JSON, parsed once.
    pub fn json(&self) -> Result<&Value, EventError> {
        self.json
            .get_or_init(|| serde_json::from_slice(&self.stored.body).map_err(|e| e.to_string()))
            .as_ref()
            .map_err(|e| EventError::payload(format!("the body is not JSON: {e}")))
    }

    /// The first value a JSONPath (RFC 9535) selects, as `T`; absent or of another shape is a
    /// [`EventError::Payload`].
    pub fn path<T: DeserializeOwned>(&self, path: &str) -> Result<T, EventError> {
        self.path_opt(path)?
            .ok_or_else(|| EventError::payload(format!("no value at {path}")))
    }

    /// [`Event::path`], with `None` when the path selects nothing (or `null`).
    pub fn path_opt<T: DeserializeOwned>(&self, path: &str) -> Result<Option<T>, EventError> {
        let compiled = JsonPath::parse(path)
            .map_err(|e| EventError::payload(format!("`{path}` is not a JSONPath: {e}")))?;
        match compiled.query(self.json()?).first() {
            None | Some(Value::Null) => Ok(None),
            Some(v) => T::deserialize(v)
                .map(Some)
                .map_err(|e| EventError::payload(format!("{path}: {e}"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(body: &str) -> Event {
        Event::new(
            StoredEvent {
                seq: 7,
                source: "helpdesk".into(),
                event_id: "msg_1".into(),
                event_type: "ticket.created".into(),
                received_at: 1_700_000_000_000,
                headers: vec![("webhook-id".into(), "msg_1".into())],
                body: body.as_bytes().to_vec(),
            },
            2,
        )
    }

    #[test]
    fn paths_headers_and_identity() {
        let ev = event(r#"{"data": {"priority": "high", "n": 3, "tags": ["a", "b"]}}"#);
        assert_eq!(ev.id(), "msg_1");
        assert_eq!(ev.attempt(), 2);
        assert_eq!(ev.header("Webhook-Id"), Some("msg_1"));
        assert_eq!(ev.path::<String>("$.data.priority").unwrap(), "high");
        assert_eq!(ev.path::<u32>("$.data.n").unwrap(), 3);
        assert_eq!(ev.path::<Vec<String>>("$.data.tags").unwrap(), ["a", "b"]);
        assert_eq!(ev.path::<String>("$.data.tags[1]").unwrap(), "b");
        assert_eq!(ev.path_opt::<String>("$.data.missing").unwrap(), None);
        let missing = ev.path::<String>("$.data.missing").unwrap_err();
        assert!(!missing.is_retryable());
        assert!(missing.to_string().contains("no value at $.data.missing"));
        assert!(ev.path::<u32>("$.data.priority").is_err());
        assert!(ev.path::<String>("$[").is_err());
        assert!(format!("{ev:?}").contains("msg_1"));
        assert!(
            !format!("{ev:?}").contains("high"),
            "the body stays out of Debug"
        );
    }

    #[test]
    fn a_body_that_is_not_json_is_a_payload_error() {
        let err = event("not json").path::<String>("$.a").unwrap_err();
        assert_eq!(err.kind(), "payload");
    }
}
