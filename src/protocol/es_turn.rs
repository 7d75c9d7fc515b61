//! Dialogflow ES v2: what a `WebhookRequest` carries that a turn or its answer reads, and the
//! [`Turn`] made from it. Everything else in the request is skipped unread. The top-level
//! fields are read by [`super::request`]'s one pass over the body.

use serde::Deserialize;
use serde_json::{Map, Value};
use serde_with::{serde_as, DefaultOnNull};

use super::es::{Context, OriginalDetectIntentRequest};
use super::es_render::EsCtx;
use super::tolerant::OrString;
use super::turn::InputContext;
use super::{Protocol, Turn};
use crate::error::WebhookError;

/// The read part of an ES `WebhookRequest`, as tolerant as the full wire type.
#[derive(Debug, Default)]
pub struct EsRequest {
    pub(super) session: String,
    pub(super) response_id: String,
    pub(super) query_result: Option<QueryResult>,
    pub(super) original_detect_intent_request: Option<OriginalDetectIntentRequest>,
}

#[serde_as]
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(super) struct QueryResult {
    #[serde_as(as = "DefaultOnNull")]
    #[serde(alias = "query_text")]
    query_text: String,
    #[serde_as(as = "DefaultOnNull")]
    #[serde(alias = "language_code")]
    language_code: String,
    #[serde_as(as = "DefaultOnNull")]
    action: String,
    #[serde_as(as = "DefaultOnNull")]
    parameters: Map<String, Value>,
    #[serde_as(as = "DefaultOnNull")]
    #[serde(alias = "output_contexts")]
    output_contexts: Vec<Context>,
    intent: Option<IntentName>,
    #[serde_as(as = "Option<OrString>")]
    #[serde(alias = "intent_detection_confidence")]
    intent_detection_confidence: Option<f64>,
}

#[serde_as]
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct IntentName {
    #[serde_as(as = "DefaultOnNull")]
    #[serde(alias = "display_name")]
    display_name: String,
}

impl EsRequest {
    /// Refuses valid JSON that is not an ES request.
    pub(super) fn check(&self) -> Result<(), WebhookError> {
        let missing = if self.query_result.is_none() {
            "queryResult"
        } else if self.session.trim().is_empty() {
            "session"
        } else {
            return Ok(());
        };
        Err(WebhookError::NotARequest(format!(
            "not a Dialogflow ES WebhookRequest: `{missing}` is missing"
        )))
    }

    /// The registry keys to try, in order: the action, then the intent's display name.
    pub(super) fn keys(&self) -> [&str; 2] {
        let qr = self.query_result.as_ref();
        [
            qr.map_or("", |q| q.action.as_str()),
            qr.and_then(|q| q.intent.as_ref())
                .map_or("", |i| i.display_name.as_str()),
        ]
    }

    pub(super) fn into_parts(self) -> (Turn, EsCtx) {
        let qr = self.query_result.unwrap_or_default();
        let (source, payload) = self
            .original_detect_intent_request
            .map(|o| (o.source, o.payload))
            .unwrap_or_default();
        let turn = Turn {
            protocol: Some(Protocol::Es),
            session: self.session,
            response_id: self.response_id,
            language_code: qr.language_code,
            query_text: qr.query_text,
            intent_display_name: qr.intent.map(|i| i.display_name).unwrap_or_default(),
            action: qr.action,
            confidence: qr.intent_detection_confidence,
            parameters: qr.parameters,
            contexts: qr
                .output_contexts
                .into_iter()
                .map(|c| InputContext {
                    id: short_id(&c.name).to_string(),
                    lifespan: c.lifespan_count.unwrap_or(0),
                    parameters: c.parameters,
                })
                .collect(),
            source,
            payload,
            ..Turn::default()
        };
        let ctx = EsCtx {
            session: turn.session.clone(),
            language_code: turn.language_code.clone(),
            actions_on_google: turn.is_actions_on_google(),
        };
        (turn, ctx)
    }
}

/// The last path segment of a context name, whatever the session form.
fn short_id(name: &str) -> &str {
    name.rsplit('/').next().unwrap_or(name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn read(v: Value) -> EsRequest {
        crate::protocol::request::Body::read(&v.to_string()).into_es()
    }

    #[test]
    fn the_turn_carries_what_the_request_says() {
        let (turn, ctx) = read(json!({
            "session": "projects/p/agent/environments/e/users/u/sessions/s",
            "responseId": "r-1",
            "queryResult": {
                "queryText": "book a table", "languageCode": "en-GB", "action": "booking.create",
                "parameters": {"guests": 4},
                "outputContexts": [
                    {"name": "projects/p/agent/environments/e/users/u/sessions/s/contexts/booking",
                     "lifespanCount": "2", "parameters": {"guests": 4}}
                ],
                "intent": {"name": "projects/p/agent/intents/i", "displayName": "Book"},
                "intentDetectionConfidence": "0.75"
            },
            "originalDetectIntentRequest": {"source": "google", "payload": {"user": {"id": "u"}}}
        }))
        .into_parts();
        assert_eq!(turn.protocol, Some(Protocol::Es));
        assert_eq!(
            (turn.response_id.as_str(), turn.query_text.as_str()),
            ("r-1", "book a table")
        );
        assert_eq!(
            (turn.action.as_str(), turn.intent_display_name.as_str()),
            ("booking.create", "Book")
        );
        assert_eq!(turn.confidence, Some(0.75));
        assert_eq!(turn.parameters["guests"], 4);
        assert_eq!(turn.context("booking").map(|c| c.lifespan), Some(2));
        assert_eq!(turn.payload["user"]["id"], "u");
        assert_eq!(turn.language(), "en");
        assert_eq!(
            (ctx.session.as_str(), ctx.language_code.as_str()),
            (turn.session.as_str(), "en-GB")
        );
        assert!(ctx.actions_on_google && turn.is_actions_on_google());
    }

    #[test]
    fn snake_case_and_nulls_read_the_same() {
        let camel = read(json!({
            "session": "s", "responseId": "r",
            "queryResult": {"queryText": "hi", "languageCode": "de", "intentDetectionConfidence": 0.5,
                            "intent": {"displayName": "Hello"}},
            "originalDetectIntentRequest": {"source": "line"}
        }));
        let snake = read(json!({
            "session": "s", "response_id": "r",
            "query_result": {"query_text": "hi", "language_code": "de", "intent_detection_confidence": "0.5",
                             "intent": {"display_name": "Hello"}, "action": null, "parameters": null,
                             "output_contexts": null},
            "original_detect_intent_request": {"source": "line", "payload": null}
        }));
        assert_eq!(
            format!("{:?}", camel.into_parts()),
            format!("{:?}", snake.into_parts())
        );
    }

    #[test]
    fn keys_are_the_action_then_the_display_name() {
        let r = read(json!({"queryResult": {"action": "a.b", "intent": {"displayName": "D"}}}));
        assert_eq!(r.keys(), ["a.b", "D"]);
        assert_eq!(read(json!({"queryResult": {}})).keys(), ["", ""]);
    }
}
