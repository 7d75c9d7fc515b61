//! [`Source`]: one configured sender, ready to take deliveries: its verifier, where its events'
//! ids and types are, how a batch splits, which headers are kept, and its handlers' filters.

use std::collections::HashMap;

use actix_web::http::header::{HeaderMap, HeaderName};
use serde_json::{json, Value};
use serde_json_path::JsonPath;

use super::extract::Extractor;
use super::settings::{SourceSettings, VerifySettings};
use super::verify::SourceVerifier;

pub struct Source {
    pub name: String,
    pub settings: SourceSettings,
    pub verifier: SourceVerifier,
    pub event_id: Extractor,
    pub event_type: Extractor,
    batch: Option<JsonPath>,
    keep: Vec<HeaderName>,
    /// `when` filters by handler name.
    filters: HashMap<String, JsonPath>,
    pub body_limit: usize,
}

impl Source {
    /// Built from settings that `settings::validate` accepted; `Err` names the problem.
    pub fn new(name: &str, s: &SourceSettings, default_limit: usize) -> Result<Source, String> {
        let defaults = s.verify.defaults();
        let verifier =
            SourceVerifier::new(&s.verify).map_err(|(f, p)| format!("verify.{f}: {p}"))?;
        let spec = |given: &Option<String>, default: Option<&str>, field: &str| {
            given
                .as_deref()
                .or(default)
                .ok_or_else(|| format!("{field} is not set"))
                .and_then(Extractor::parse)
        };
        let batch = s
            .batch
            .as_deref()
            .or(defaults.batch)
            .map(JsonPath::parse)
            .transpose()
            .map_err(|e| format!("batch: {e}"))?;
        let never = s.verify.credential_headers();
        let keep = defaults
            .keep_headers
            .iter()
            .map(|h| h.to_string())
            .chain(s.keep_headers.iter().map(|h| h.to_ascii_lowercase()))
            .chain(["content-type".to_string()])
            .filter(|h| !never.contains(h))
            .filter_map(|h| HeaderName::from_bytes(h.as_bytes()).ok())
            .collect();
        let filters = s
            .handlers
            .iter()
            .filter_map(|(h, cfg)| cfg.when.as_ref().map(|w| (h, w)))
            .map(|(h, w)| {
                JsonPath::parse(w)
                    .map(|p| (h.clone(), p))
                    .map_err(|e| format!("handlers.{h}.when: {e}"))
            })
            .collect::<Result<_, _>>()?;
        Ok(Source {
            name: name.to_string(),
            event_id: spec(&s.event_id, defaults.event_id, "event_id")?,
            event_type: spec(&s.event_type, defaults.event_type, "event_type")?,
            verifier,
            batch,
            keep,
            filters,
            body_limit: s.body_limit_bytes.unwrap_or(default_limit),
            settings: s.clone(),
        })
    }

    pub fn kind(&self) -> &'static str {
        self.settings.verify.kind()
    }

    pub fn is_okta(&self) -> bool {
        matches!(self.settings.verify, VerifySettings::Okta { .. })
    }

    /// A provider's handshake, answered instead of storing anything: Slack's
    /// `url_verification` (echo the challenge) and GitHub's `ping` on hook creation.
    pub fn handshake(&self, headers: &HeaderMap, body: &Value) -> Option<Value> {
        match &self.settings.verify {
            VerifySettings::Slack { .. } if body["type"] == "url_verification" => {
                let challenge = body["challenge"].as_str().unwrap_or_default();
                Some(json!({ "challenge": challenge }))
            }
            VerifySettings::Github { .. }
                if headers
                    .get("x-github-event")
                    .is_some_and(|v| v.as_bytes() == b"ping") =>
            {
                Some(json!({ "status": "pong" }))
            }
            _ => None,
        }
    }

    /// The events of one delivery: the batch's nodes, or the whole body.
    pub fn units<'v>(&self, body: &'v Value) -> Vec<&'v Value> {
        match &self.batch {
            Some(path) => path.query(body).all(),
            None => vec![body],
        }
    }

    pub fn is_batch(&self) -> bool {
        self.batch.is_some()
    }

    /// The headers stored with each event, lowercase names.
    pub fn kept_headers(&self, headers: &HeaderMap) -> Vec<(String, String)> {
        self.keep
            .iter()
            .filter_map(|name| {
                let v = headers.get(name)?.to_str().ok()?;
                Some((name.as_str().to_string(), v.to_string()))
            })
            .collect()
    }

    /// Whether `handler`'s `when` filter (if any) lets `event` through.
    pub fn admits(&self, handler: &str, event: &Value) -> bool {
        self.filters
            .get(handler)
            .is_none_or(|path| !path.query(event).is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::settings::{HandlerSettings, RetryOverride};
    use crate::secret::Secret;
    use actix_web::http::header::HeaderValue;

    fn okta() -> SourceSettings {
        SourceSettings {
            verify: VerifySettings::Okta {
                secrets: vec![Secret::new("okta-secret-0123456789")],
                header: "authorization".into(),
            },
            event_id: None,
            event_type: None,
            batch: None,
            keep_headers: vec!["X-Request-Id".into(), "Authorization".into()],
            body_limit_bytes: None,
            retry: RetryOverride::default(),
            handlers: [(
                "locked".to_string(),
                HandlerSettings {
                    // RFC 9535: a filter tests the children of the node before it; here the
                    // event's members, so it holds when `outcome.result` is FAILURE.
                    when: Some("$[?@.result == 'FAILURE']".into()),
                    retry: RetryOverride::default(),
                },
            )]
            .into(),
        }
    }

    #[test]
    fn okta_batches_split_and_filters_apply_per_event() {
        let src = Source::new("okta", &okta(), 1024).unwrap();
        let body = json!({"data": {"events": [
            {"uuid": "u1", "eventType": "user.account.lock", "outcome": {"result": "FAILURE"}},
            {"uuid": "u2", "eventType": "user.session.start", "outcome": {"result": "SUCCESS"}}
        ]}});
        let units = src.units(&body);
        assert_eq!(units.len(), 2);
        let h = HeaderMap::new();
        assert_eq!(src.event_id.extract(&h, units[1]).as_deref(), Some("u2"));
        assert_eq!(
            src.event_type.extract(&h, units[0]).as_deref(),
            Some("user.account.lock")
        );
        assert!(src.admits("locked", units[0]));
        assert!(!src.admits("locked", units[1]));
        assert!(src.admits("unfiltered", units[1]));
    }

    #[test]
    fn credentials_are_never_kept() {
        let src = Source::new("okta", &okta(), 1024).unwrap();
        let mut h = HeaderMap::new();
        for (k, v) in [
            ("authorization", "okta-secret-0123456789"),
            ("x-request-id", "r1"),
            ("content-type", "application/json"),
            ("x-other", "o"),
        ] {
            h.insert(HeaderName::from_static(k), HeaderValue::from_static(v));
        }
        let mut kept = src.kept_headers(&h);
        kept.sort();
        assert_eq!(
            kept,
            [
                ("content-type".to_string(), "application/json".to_string()),
                ("x-request-id".to_string(), "r1".to_string())
            ]
        );
    }
}
