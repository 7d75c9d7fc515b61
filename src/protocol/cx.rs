//! Dialogflow CX v3 webhook wire types, field by field from google/cloud/dialogflow/cx/v3
//! (webhook.proto, response_message.proto).
//!
//! The same rule as ES: strict proto3 JSON out (lowerCamelCase, enum names, empty fields
//! omitted, never an extra key), tolerant in (unknown fields, snake_case, nulls, numeric
//! strings). One exception on the way out: a `null` inside `sessionInfo.parameters` is kept,
//! because that is how CX deletes a session parameter.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::tolerant::{self, flag, nullable, proto_enum};

type Struct = Map<String, Value>;

fn is_false(b: &bool) -> bool {
    !*b
}

/// `WebhookRequest` (webhook.proto). The query oneof (`text`, `triggerIntent`, `transcript`,
/// `triggerEvent`, `dtmfDigits`) is kept as separate optional fields; at most one is set.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct WebhookRequest {
    #[serde(
        alias = "detect_intent_response_id",
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub detect_intent_response_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(alias = "trigger_intent", skip_serializing_if = "Option::is_none")]
    pub trigger_intent: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transcript: Option<String>,
    #[serde(alias = "trigger_event", skip_serializing_if = "Option::is_none")]
    pub trigger_event: Option<String>,
    #[serde(alias = "dtmf_digits", skip_serializing_if = "Option::is_none")]
    pub dtmf_digits: Option<String>,
    #[serde(
        alias = "language_code",
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub language_code: String,
    #[serde(alias = "fulfillment_info", skip_serializing_if = "Option::is_none")]
    pub fulfillment_info: Option<FulfillmentInfo>,
    #[serde(alias = "intent_info", skip_serializing_if = "Option::is_none")]
    pub intent_info: Option<IntentInfo>,
    #[serde(alias = "page_info", skip_serializing_if = "Option::is_none")]
    pub page_info: Option<PageInfo>,
    #[serde(alias = "session_info", skip_serializing_if = "Option::is_none")]
    pub session_info: Option<SessionInfo>,
    #[serde(
        deserialize_with = "tolerant::lenient_vec",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub messages: Vec<ResponseMessage>,
    #[serde(deserialize_with = "nullable", skip_serializing_if = "Map::is_empty")]
    pub payload: Struct,
    #[serde(
        alias = "sentiment_analysis_result",
        skip_serializing_if = "Option::is_none"
    )]
    pub sentiment_analysis_result: Option<SentimentAnalysisResult>,
    #[serde(alias = "language_info", skip_serializing_if = "Option::is_none")]
    pub language_info: Option<LanguageInfo>,
}

/// `WebhookRequest.FulfillmentInfo`: the tag that selects the handler.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct FulfillmentInfo {
    #[serde(
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub tag: String,
}

/// `WebhookRequest.IntentInfo`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct IntentInfo {
    #[serde(
        alias = "last_matched_intent",
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub last_matched_intent: String,
    #[serde(
        alias = "display_name",
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub display_name: String,
    #[serde(
        deserialize_with = "nullable",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub parameters: BTreeMap<String, IntentParameterValue>,
    #[serde(with = "tolerant::opt_f64", skip_serializing_if = "Option::is_none")]
    pub confidence: Option<f64>,
}

/// `WebhookRequest.IntentInfo.IntentParameterValue`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct IntentParameterValue {
    #[serde(
        alias = "original_value",
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub original_value: String,
    #[serde(alias = "resolved_value", skip_serializing_if = "Value::is_null")]
    pub resolved_value: Value,
}

/// `WebhookRequest.SentimentAnalysisResult`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SentimentAnalysisResult {
    #[serde(with = "tolerant::opt_f64", skip_serializing_if = "Option::is_none")]
    pub score: Option<f64>,
    #[serde(with = "tolerant::opt_f64", skip_serializing_if = "Option::is_none")]
    pub magnitude: Option<f64>,
}

/// `LanguageInfo` (webhook.proto).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct LanguageInfo {
    #[serde(
        alias = "input_language_code",
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub input_language_code: String,
    #[serde(
        alias = "resolved_language_code",
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub resolved_language_code: String,
    #[serde(
        alias = "confidence_score",
        with = "tolerant::opt_f64",
        skip_serializing_if = "Option::is_none"
    )]
    pub confidence_score: Option<f64>,
}

/// `PageInfo` (webhook.proto), in requests and responses.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PageInfo {
    #[serde(
        alias = "current_page",
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub current_page: String,
    #[serde(
        alias = "display_name",
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub display_name: String,
    #[serde(alias = "form_info", skip_serializing_if = "Option::is_none")]
    pub form_info: Option<FormInfo>,
}

/// `PageInfo.FormInfo`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct FormInfo {
    #[serde(
        alias = "parameter_info",
        deserialize_with = "nullable",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub parameter_info: Vec<ParameterInfo>,
}

proto_enum!(
    /// `PageInfo.FormInfo.ParameterInfo.ParameterState`.
    ParameterState {
        Unspecified = 0 => "PARAMETER_STATE_UNSPECIFIED",
        Empty = 1 => "EMPTY",
        Invalid = 2 => "INVALID",
        Filled = 3 => "FILLED",
    }
);

/// `PageInfo.FormInfo.ParameterInfo`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ParameterInfo {
    #[serde(
        alias = "display_name",
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub display_name: String,
    #[serde(deserialize_with = "flag", skip_serializing_if = "is_false")]
    pub required: bool,
    #[serde(skip_serializing_if = "ParameterState::is_unspecified")]
    pub state: ParameterState,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<Value>,
    #[serde(
        alias = "just_collected",
        deserialize_with = "flag",
        skip_serializing_if = "is_false"
    )]
    pub just_collected: bool,
}

/// `SessionInfo` (webhook.proto). In a response, a `null` parameter deletes it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SessionInfo {
    #[serde(
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub session: String,
    #[serde(deserialize_with = "nullable", skip_serializing_if = "Map::is_empty")]
    pub parameters: Struct,
}

/// `WebhookResponse` (webhook.proto).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct WebhookResponse {
    #[serde(
        alias = "fulfillment_response",
        skip_serializing_if = "Option::is_none"
    )]
    pub fulfillment_response: Option<FulfillmentResponse>,
    #[serde(alias = "page_info", skip_serializing_if = "Option::is_none")]
    pub page_info: Option<PageInfo>,
    #[serde(alias = "session_info", skip_serializing_if = "Option::is_none")]
    pub session_info: Option<SessionInfo>,
    #[serde(deserialize_with = "nullable", skip_serializing_if = "Map::is_empty")]
    pub payload: Struct,
    /// The `transition` oneof: one type, so a page and a flow can never both be set.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub transition: Option<Transition>,
}

/// The `WebhookResponse.transition` oneof.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Transition {
    #[serde(alias = "target_page")]
    TargetPage(String),
    #[serde(alias = "target_flow")]
    TargetFlow(String),
}

proto_enum!(
    /// `WebhookResponse.FulfillmentResponse.MergeBehavior`.
    MergeBehavior {
        Unspecified = 0 => "MERGE_BEHAVIOR_UNSPECIFIED",
        Append = 1 => "APPEND",
        Replace = 2 => "REPLACE",
    }
);

/// `WebhookResponse.FulfillmentResponse`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct FulfillmentResponse {
    #[serde(
        deserialize_with = "tolerant::lenient_vec",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub messages: Vec<ResponseMessage>,
    #[serde(
        alias = "merge_behavior",
        skip_serializing_if = "MergeBehavior::is_unspecified"
    )]
    pub merge_behavior: MergeBehavior,
}

proto_enum!(
    /// `ResponseMessage.ResponseType` (output only: set by Dialogflow in requests).
    ResponseType {
        Unspecified = 0 => "RESPONSE_TYPE_UNSPECIFIED",
        EntryPrompt = 1 => "ENTRY_PROMPT",
        ParameterPrompt = 2 => "PARAMETER_PROMPT",
        HandlerPrompt = 3 => "HANDLER_PROMPT",
    }
);

/// `ResponseMessage` (response_message.proto): the message oneof flattened beside `channel`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResponseMessage {
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub channel: String,
    #[serde(
        default,
        alias = "response_type",
        skip_serializing_if = "ResponseType::is_unspecified"
    )]
    pub response_type: ResponseType,
    #[serde(flatten)]
    pub kind: ResponseMessageKind,
}

impl ResponseMessage {
    /// A message for every channel.
    pub fn new(kind: ResponseMessageKind) -> Self {
        ResponseMessage {
            channel: String::new(),
            response_type: ResponseType::Unspecified,
            kind,
        }
    }
}

/// The `ResponseMessage.message` oneof.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ResponseMessageKind {
    Text(Text),
    Payload(Struct),
    #[serde(alias = "conversation_success")]
    ConversationSuccess(ConversationSuccess),
    #[serde(alias = "output_audio_text")]
    OutputAudioText(OutputAudioText),
    #[serde(alias = "live_agent_handoff")]
    LiveAgentHandoff(LiveAgentHandoff),
    #[serde(alias = "end_interaction")]
    EndInteraction(EndInteraction),
    #[serde(alias = "play_audio")]
    PlayAudio(PlayAudio),
    #[serde(alias = "mixed_audio")]
    MixedAudio(MixedAudio),
    #[serde(alias = "telephony_transfer_call")]
    TelephonyTransferCall(TelephonyTransferCall),
    #[serde(alias = "knowledge_info_card")]
    KnowledgeInfoCard(KnowledgeInfoCard),
}

/// `ResponseMessage.Text`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Text {
    #[serde(deserialize_with = "nullable", skip_serializing_if = "Vec::is_empty")]
    pub text: Vec<String>,
    #[serde(
        alias = "allow_playback_interruption",
        deserialize_with = "flag",
        skip_serializing_if = "is_false"
    )]
    pub allow_playback_interruption: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ConversationSuccess {
    #[serde(deserialize_with = "nullable", skip_serializing_if = "Map::is_empty")]
    pub metadata: Struct,
}

/// `ResponseMessage.OutputAudioText`: `text` or `ssml` (a oneof).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct OutputAudioText {
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub source: Option<AudioTextSource>,
    #[serde(
        alias = "allow_playback_interruption",
        deserialize_with = "flag",
        skip_serializing_if = "is_false"
    )]
    pub allow_playback_interruption: bool,
}

/// The `OutputAudioText.source` oneof.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum AudioTextSource {
    Text(String),
    Ssml(String),
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct LiveAgentHandoff {
    #[serde(deserialize_with = "nullable", skip_serializing_if = "Map::is_empty")]
    pub metadata: Struct,
}

/// `ResponseMessage.EndInteraction`: no fields; serialises as `{}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EndInteraction {}

/// `ResponseMessage.KnowledgeInfoCard`: no fields; serialises as `{}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct KnowledgeInfoCard {}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PlayAudio {
    #[serde(
        alias = "audio_uri",
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub audio_uri: String,
    #[serde(
        alias = "allow_playback_interruption",
        deserialize_with = "flag",
        skip_serializing_if = "is_false"
    )]
    pub allow_playback_interruption: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct MixedAudio {
    #[serde(deserialize_with = "nullable", skip_serializing_if = "Vec::is_empty")]
    pub segments: Vec<Segment>,
}

/// `MixedAudio.Segment`: `audio` (base64 bytes) or `uri` (a oneof).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Segment {
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub content: Option<SegmentContent>,
    #[serde(
        alias = "allow_playback_interruption",
        deserialize_with = "flag",
        skip_serializing_if = "is_false"
    )]
    pub allow_playback_interruption: bool,
}

/// The `Segment.content` oneof.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum SegmentContent {
    /// Base64-encoded audio bytes, as proto3 JSON writes `bytes`.
    Audio(String),
    Uri(String),
}

/// `TelephonyTransferCall`: the endpoint oneof has one member, `phoneNumber` (E.164).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TelephonyTransferCall {
    #[serde(
        alias = "phone_number",
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub phone_number: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn full_request() -> Value {
        json!({
            "detectIntentResponseId": "1d3a0bc0-0000-4000-8000-000000000001",
            "intentInfo": {
                "lastMatchedIntent": "projects/p/locations/global/agents/a/intents/i",
                "displayName": "book.table",
                "parameters": {"guests": {"originalValue": "four", "resolvedValue": 4.0}},
                "confidence": 0.93
            },
            "pageInfo": {
                "currentPage": "projects/p/locations/global/agents/a/flows/f/pages/pg",
                "displayName": "Book Table",
                "formInfo": {"parameterInfo": [
                    {"displayName": "guests", "required": true, "state": "FILLED", "value": 4.0, "justCollected": true},
                    {"displayName": "time", "required": true, "state": "EMPTY"}
                ]}
            },
            "sessionInfo": {"session": "projects/p/locations/global/agents/a/sessions/s", "parameters": {"guests": 4.0}},
            "fulfillmentInfo": {"tag": "booking.table"},
            "messages": [{"text": {"text": ["How many?"]}, "responseType": "ENTRY_PROMPT", "source": "VIRTUAL_AGENT"}],
            "payload": {"telephony": {"caller_id": "+100"}},
            "sentimentAnalysisResult": {"score": -0.2, "magnitude": 0.4},
            "text": "four people",
            "languageCode": "en",
            "languageInfo": {"inputLanguageCode": "en", "resolvedLanguageCode": "en", "confidenceScore": 1.0}
        })
    }

    #[test]
    fn full_request_round_trips() {
        let v = full_request();
        let req: WebhookRequest = serde_json::from_value(v.clone()).unwrap();
        let form = &req
            .page_info
            .as_ref()
            .unwrap()
            .form_info
            .as_ref()
            .unwrap()
            .parameter_info;
        assert_eq!(form[0].state, ParameterState::Filled);
        assert!(form[0].just_collected);
        assert_eq!(
            req.intent_info.as_ref().unwrap().parameters["guests"].resolved_value,
            json!(4.0)
        );
        let mut expected = v;
        // `source` is not a ResponseMessage field: it is dropped on the way in.
        expected["messages"][0]
            .as_object_mut()
            .unwrap()
            .remove("source");
        assert_eq!(serde_json::to_value(&req).unwrap(), expected);
    }

    #[test]
    fn snake_case_numbers_as_strings_and_unknown_fields() {
        let req: WebhookRequest = serde_json::from_value(json!({
            "detect_intent_response_id": "r", "fulfillment_info": {"tag": "t"}, "brandNew": 1,
            "intent_info": {"display_name": "d", "confidence": "0.5",
                            "parameters": {"p": {"original_value": "x", "resolved_value": "x"}}},
            "session_info": {"session": "s", "parameters": null},
            "page_info": {"form_info": {"parameter_info": [{"display_name": "p", "state": "SOMETHING_NEW"}]}},
            "messages": [{"unknownKind": {}}, {"text": {"text": ["ok"]}}]
        }))
        .unwrap();
        assert_eq!(req.fulfillment_info.unwrap().tag, "t");
        assert_eq!(req.intent_info.as_ref().unwrap().confidence, Some(0.5));
        assert_eq!(
            req.page_info.unwrap().form_info.unwrap().parameter_info[0].state,
            ParameterState::Unspecified
        );
        assert_eq!(req.messages.len(), 1);
    }

    #[test]
    fn every_message_kind_has_the_proto_shape() {
        let cases = json!([
            {"text": {"text": ["a", "b"]}},
            {"payload": {"richContent": [[{"type": "chips"}]]}},
            {"conversationSuccess": {"metadata": {"k": "v"}}},
            {"outputAudioText": {"ssml": "<speak>Hi</speak>"}},
            {"outputAudioText": {"text": "Hi"}},
            {"liveAgentHandoff": {"metadata": {"queue": "vip"}}},
            {"endInteraction": {}},
            {"playAudio": {"audioUri": "gs://b/a.wav"}},
            {"mixedAudio": {"segments": [{"uri": "gs://b/a.wav"}, {"audio": "AAEC", "allowPlaybackInterruption": true}]}},
            {"telephonyTransferCall": {"phoneNumber": "+15551234567"}},
            {"knowledgeInfoCard": {}},
            {"channel": "voice", "text": {"text": ["spoken"]}}
        ]);
        for case in cases.as_array().unwrap() {
            let m: ResponseMessage = serde_json::from_value(case.clone()).unwrap();
            assert_eq!(&serde_json::to_value(&m).unwrap(), case);
        }
    }

    #[test]
    fn response_rules() {
        assert_eq!(
            serde_json::to_value(WebhookResponse::default()).unwrap(),
            json!({})
        );
        let resp = WebhookResponse {
            fulfillment_response: Some(FulfillmentResponse {
                messages: vec![ResponseMessage::new(ResponseMessageKind::Text(Text {
                    text: vec!["hi".into()],
                    ..Default::default()
                }))],
                merge_behavior: MergeBehavior::Replace,
            }),
            page_info: Some(PageInfo {
                current_page: "pg".into(),
                form_info: Some(FormInfo {
                    parameter_info: vec![ParameterInfo {
                        display_name: "guests".into(),
                        state: ParameterState::Invalid,
                        ..Default::default()
                    }],
                }),
                ..Default::default()
            }),
            session_info: Some(SessionInfo {
                session: String::new(),
                parameters: serde_json::from_value(json!({"guests": null, "keep": 1})).unwrap(),
            }),
            payload: Map::new(),
            transition: Some(Transition::TargetFlow("flows/f".into())),
        };
        assert_eq!(
            serde_json::to_value(resp).unwrap(),
            json!({
                "fulfillmentResponse": {"messages": [{"text": {"text": ["hi"]}}], "mergeBehavior": "REPLACE"},
                "pageInfo": {"currentPage": "pg", "formInfo": {"parameterInfo": [{"displayName": "guests", "state": "INVALID"}]}},
                "sessionInfo": {"parameters": {"guests": null, "keep": 1}},
                "targetFlow": "flows/f"
            })
        );
    }
}
