//! `WebhookRequest` and what it carries: fulfillment, intent, page, form and session info (webhook.proto).

use super::*;

/// `WebhookRequest` (webhook.proto). The `query` oneof (`text`, `triggerIntent`, `transcript`,
/// `triggerEvent`, `dtmfDigits`) is kept as separate optional fields; Dialogflow sets at most one.
#[serde_as]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct WebhookRequest {
    #[serde_as(as = "DefaultOnNull")]
    #[serde(
        alias = "detect_intent_response_id",
        skip_serializing_if = "String::is_empty"
    )]
    pub detect_intent_response_id: String,
    /// `query` oneof: natural language text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// `query` oneof: the intent given as input (`projects/.../intents/<ID>`).
    #[serde(alias = "trigger_intent", skip_serializing_if = "Option::is_none")]
    pub trigger_intent: Option<String>,
    /// `query` oneof: the transcript of speech input.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transcript: Option<String>,
    /// `query` oneof: the event given as input.
    #[serde(alias = "trigger_event", skip_serializing_if = "Option::is_none")]
    pub trigger_event: Option<String>,
    /// `query` oneof: the DTMF digits given as input.
    #[serde(alias = "dtmf_digits", skip_serializing_if = "Option::is_none")]
    pub dtmf_digits: Option<String>,
    #[serde_as(as = "DefaultOnNull")]
    #[serde(alias = "language_code", skip_serializing_if = "String::is_empty")]
    pub language_code: String,
    #[serde(alias = "fulfillment_info", skip_serializing_if = "Option::is_none")]
    pub fulfillment_info: Option<FulfillmentInfo>,
    #[serde(alias = "intent_info", skip_serializing_if = "Option::is_none")]
    pub intent_info: Option<IntentInfo>,
    #[serde(alias = "page_info", skip_serializing_if = "Option::is_none")]
    pub page_info: Option<PageInfo>,
    #[serde(alias = "session_info", skip_serializing_if = "Option::is_none")]
    pub session_info: Option<SessionInfo>,
    /// Messages queued so far; a message of a kind this crate does not know is dropped.
    #[serde_as(as = "Items")]
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub messages: Vec<ResponseMessage>,
    /// `QueryParameters.payload` of the detect-intent call (e.g. telephony caller id).
    #[serde_as(as = "DefaultOnNull")]
    #[serde(skip_serializing_if = "Map::is_empty")]
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
#[serde_as]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct FulfillmentInfo {
    #[serde_as(as = "DefaultOnNull")]
    #[serde(skip_serializing_if = "String::is_empty")]
    pub tag: String,
}

/// `WebhookRequest.IntentInfo`.
#[serde_as]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct IntentInfo {
    #[serde_as(as = "DefaultOnNull")]
    #[serde(
        alias = "last_matched_intent",
        skip_serializing_if = "String::is_empty"
    )]
    pub last_matched_intent: String,
    #[serde_as(as = "DefaultOnNull")]
    #[serde(alias = "display_name", skip_serializing_if = "String::is_empty")]
    pub display_name: String,
    #[serde_as(as = "DefaultOnNull<MapSkipError<Same, Same>>")]
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub parameters: BTreeMap<String, IntentParameterValue>,
    /// `float`, 0.0 to 1.0.
    #[serde_as(as = "Option<OrString>")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confidence: Option<f64>,
}

/// `WebhookRequest.IntentInfo.IntentParameterValue`.
#[serde_as]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct IntentParameterValue {
    #[serde_as(as = "DefaultOnNull")]
    #[serde(alias = "original_value", skip_serializing_if = "String::is_empty")]
    pub original_value: String,
    #[serde(alias = "resolved_value", skip_serializing_if = "Value::is_null")]
    pub resolved_value: Value,
}

/// `WebhookRequest.SentimentAnalysisResult`.
#[serde_as]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SentimentAnalysisResult {
    /// `float`, -1.0 (negative) to 1.0 (positive).
    #[serde_as(as = "Option<OrString>")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score: Option<f64>,
    /// `float`, 0.0 to +inf.
    #[serde_as(as = "Option<OrString>")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub magnitude: Option<f64>,
}

/// `LanguageInfo` (session.proto, `WebhookRequest.language_info`).
#[serde_as]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct LanguageInfo {
    #[serde_as(as = "DefaultOnNull")]
    #[serde(
        alias = "input_language_code",
        skip_serializing_if = "String::is_empty"
    )]
    pub input_language_code: String,
    #[serde_as(as = "DefaultOnNull")]
    #[serde(
        alias = "resolved_language_code",
        skip_serializing_if = "String::is_empty"
    )]
    pub resolved_language_code: String,
    /// `float`, 0.0 to 1.0.
    #[serde_as(as = "Option<OrString>")]
    #[serde(alias = "confidence_score", skip_serializing_if = "Option::is_none")]
    pub confidence_score: Option<f64>,
}

/// `PageInfo` (webhook.proto), in requests and responses. In a response Dialogflow ignores
/// `currentPage` and `displayName` and reads only `formInfo`.
#[serde_as]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PageInfo {
    #[serde_as(as = "DefaultOnNull")]
    #[serde(alias = "current_page", skip_serializing_if = "String::is_empty")]
    pub current_page: String,
    #[serde_as(as = "DefaultOnNull")]
    #[serde(alias = "display_name", skip_serializing_if = "String::is_empty")]
    pub display_name: String,
    #[serde(alias = "form_info", skip_serializing_if = "Option::is_none")]
    pub form_info: Option<FormInfo>,
}

/// `PageInfo.FormInfo`. A webhook cannot add or remove form parameters.
#[serde_as]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct FormInfo {
    #[serde_as(as = "DefaultOnNull")]
    #[serde(alias = "parameter_info", skip_serializing_if = "Vec::is_empty")]
    pub parameter_info: Vec<ParameterInfo>,
}

proto_enum!(
    /// `PageInfo.FormInfo.ParameterInfo.ParameterState`. A webhook may only set `INVALID`
    /// (re-prompt); Dialogflow ignores any other state in a response.
    ParameterState {
        Unspecified = 0 => "PARAMETER_STATE_UNSPECIFIED",
        Empty = 1 => "EMPTY",
        Invalid = 2 => "INVALID",
        Filled = 3 => "FILLED",
    }
);

/// `PageInfo.FormInfo.ParameterInfo`.
#[serde_as]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ParameterInfo {
    /// Required in a response: names the form parameter.
    #[serde_as(as = "DefaultOnNull")]
    #[serde(alias = "display_name", skip_serializing_if = "String::is_empty")]
    pub display_name: String,
    #[serde_as(as = "Flag")]
    #[serde(skip_serializing_if = "is_false")]
    pub required: bool,
    #[serde(skip_serializing_if = "ParameterState::is_unspecified")]
    pub state: ParameterState,
    /// `google.protobuf.Value`; in a response, a new value for the parameter.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<Value>,
    /// Request only (ignored in a response).
    #[serde_as(as = "Flag")]
    #[serde(alias = "just_collected", skip_serializing_if = "is_false")]
    pub just_collected: bool,
}

/// `SessionInfo` (webhook.proto). In a response, a `null` parameter deletes it, so `null`
/// values are kept when serialising; `session` is ignored in a response.
#[serde_as]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SessionInfo {
    #[serde_as(as = "DefaultOnNull")]
    #[serde(skip_serializing_if = "String::is_empty")]
    pub session: String,
    /// Keyed by parameter display name.
    #[serde_as(as = "DefaultOnNull")]
    #[serde(skip_serializing_if = "Map::is_empty")]
    pub parameters: Struct,
}
