//! Dialogflow CX v3: what a `WebhookRequest` carries that a turn or its answer reads, and the
//! [`Turn`] made from it. Everything else in the request (queued messages, sentiment, language
//! info) is skipped unread. The top-level fields are read by [`super::request`]'s one pass
//! over the body.

use serde_json::{Map, Value};

use super::cx::{FulfillmentInfo, IntentInfo, PageInfo, ParameterState, SessionInfo};
use super::cx_render::CxCtx;
use super::turn::{FormParameter, FormState};
use super::{Protocol, Turn};
use crate::error::WebhookError;

/// The read part of a CX `WebhookRequest`, as tolerant as the full wire type.
#[derive(Debug, Default)]
pub struct CxRequest {
    pub(super) detect_intent_response_id: String,
    /// The `query` oneof: Dialogflow sets one of these five.
    pub(super) text: Option<String>,
    pub(super) trigger_intent: Option<String>,
    pub(super) transcript: Option<String>,
    pub(super) trigger_event: Option<String>,
    pub(super) dtmf_digits: Option<String>,
    pub(super) language_code: String,
    pub(super) fulfillment_info: Option<FulfillmentInfo>,
    pub(super) intent_info: Option<IntentInfo>,
    pub(super) page_info: Option<PageInfo>,
    pub(super) session_info: Option<SessionInfo>,
    pub(super) payload: Map<String, Value>,
}

impl CxRequest {
    /// Refuses valid JSON that is not a CX request.
    pub(super) fn check(&self) -> Result<(), WebhookError> {
        let has_session = self
            .session_info
            .as_ref()
            .is_some_and(|s| !s.session.trim().is_empty());
        if has_session
            || !self.detect_intent_response_id.is_empty()
            || self.fulfillment_info.is_some()
        {
            return Ok(());
        }
        Err(WebhookError::NotARequest(
            "not a Dialogflow CX WebhookRequest: it has none of `detectIntentResponseId`, \
             `fulfillmentInfo`, `sessionInfo`"
                .into(),
        ))
    }

    /// The registry key: the fulfillment tag.
    pub(super) fn key(&self) -> &str {
        self.fulfillment_info
            .as_ref()
            .map_or("", |f| f.tag.as_str())
    }

    pub(super) fn into_parts(self) -> (Turn, CxCtx) {
        let (session, mut parameters) = self
            .session_info
            .map(|s| (s.session, s.parameters))
            .unwrap_or_default();
        let (intent_display_name, confidence) = match self.intent_info {
            Some(info) => {
                // Intent parameters are this turn's fresh values: they win over older session
                // values.
                for (name, value) in info.parameters {
                    parameters.insert(name, value.resolved_value);
                }
                (info.display_name, info.confidence)
            }
            None => (String::new(), None),
        };
        let page = self.page_info.unwrap_or_default();
        let form = page
            .form_info
            .map(|f| f.parameter_info)
            .unwrap_or_default()
            .into_iter()
            .map(|p| FormParameter {
                name: p.display_name,
                required: p.required,
                state: match p.state {
                    ParameterState::Empty => FormState::Empty,
                    ParameterState::Invalid => FormState::Invalid,
                    ParameterState::Filled => FormState::Filled,
                    ParameterState::Unspecified => FormState::Unspecified,
                },
                value: p.value,
                just_collected: p.just_collected,
            })
            .collect();
        let query_text = [
            self.text,
            self.transcript,
            self.trigger_intent,
            self.trigger_event,
            self.dtmf_digits,
        ]
        .into_iter()
        .flatten()
        .find(|q| !q.is_empty())
        .unwrap_or_default();
        let turn = Turn {
            protocol: Some(Protocol::Cx),
            session,
            response_id: self.detect_intent_response_id,
            language_code: self.language_code,
            query_text,
            intent_display_name,
            tag: self.fulfillment_info.map(|f| f.tag).unwrap_or_default(),
            confidence,
            parameters,
            payload: self.payload,
            page: page.display_name,
            form,
            ..Turn::default()
        };
        let ctx = CxCtx {
            current_page: page.current_page,
        };
        (turn, ctx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn read(v: Value) -> CxRequest {
        crate::protocol::request::Body::read(&v.to_string()).into_cx()
    }

    fn full() -> Value {
        json!({
            "detectIntentResponseId": "r",
            "fulfillmentInfo": {"tag": "t"},
            "intentInfo": {"displayName": "d", "confidence": "0.5",
                           "parameters": {"city": {"originalValue": "tokyo", "resolvedValue": "Tokyo"}}},
            "pageInfo": {"currentPage": "pages/p", "displayName": "P",
                         "formInfo": {"parameterInfo": [{"displayName": "guests", "required": true, "state": "INVALID"}]}},
            "sessionInfo": {"session": "sessions/s", "parameters": {"city": "Osaka", "lang": "en"}},
            "messages": [{"text": {"text": ["queued"]}}, {"unknownKind": {}}],
            "transcript": "weather in tokyo",
            "languageCode": "ja-JP"
        })
    }

    #[test]
    fn turn_overlays_intent_parameters_and_reads_the_form() {
        let r = read(full());
        assert_eq!(r.key(), "t");
        let (t, ctx) = r.into_parts();
        assert_eq!(
            (t.tag.as_str(), t.query_text.as_str(), t.page.as_str()),
            ("t", "weather in tokyo", "P")
        );
        assert_eq!(
            t.parameters["city"], "Tokyo",
            "intent parameters win over session values"
        );
        assert_eq!(t.parameters["lang"], "en");
        assert_eq!(t.form[0].state, FormState::Invalid);
        assert!(t.form[0].required);
        assert_eq!(t.confidence, Some(0.5));
        assert_eq!(t.language(), "ja");
        assert_eq!(
            (t.session.as_str(), t.response_id.as_str()),
            ("sessions/s", "r")
        );
        assert_eq!(ctx.current_page, "pages/p");
    }

    #[test]
    fn the_query_text_is_whichever_query_kind_came() {
        for (key, value) in [
            ("text", "hello"),
            ("transcript", "hello there"),
            ("triggerIntent", "projects/p/locations/l/agents/a/intents/i"),
            ("trigger_event", "welcome"),
            ("dtmfDigits", "1234#"),
        ] {
            let (t, _) = read(json!({"detectIntentResponseId": "r", key: value})).into_parts();
            assert_eq!(t.query_text, value, "{key}");
        }
    }

    #[test]
    fn snake_case_and_nulls_read_the_same() {
        let camel = read(full());
        let snake = read(json!({
            "detect_intent_response_id": "r",
            "fulfillment_info": {"tag": "t"},
            "intent_info": {"display_name": "d", "confidence": 0.5,
                            "parameters": {"city": {"original_value": "tokyo", "resolved_value": "Tokyo"},
                                           "gone": null}},
            "page_info": {"current_page": "pages/p", "display_name": "P",
                          "form_info": {"parameter_info": [{"display_name": "guests", "required": "true",
                                                            "state": 2}]}},
            "session_info": {"session": "sessions/s", "parameters": {"city": "Osaka", "lang": "en"}},
            "transcript": "weather in tokyo",
            "language_code": "ja-JP",
            "payload": null, "text": null
        }));
        assert_eq!(
            format!("{:?}", camel.into_parts()),
            format!("{:?}", snake.into_parts())
        );
    }
}
