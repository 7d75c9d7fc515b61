//! `WebhookRequest`, `OriginalDetectIntentRequest` and `WebhookResponse` (webhook.proto).

use super::*;

/// `WebhookRequest` (webhook.proto). v2 has exactly these four fields; v2beta1's
/// `alternativeQueryResults` is not part of v2 and is ignored if present.
#[serde_as]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct WebhookRequest {
    /// `projects/<P>/agent/sessions/<S>`, `projects/<P>/agent/environments/<E>/users/<U>/
    /// sessions/<S>`, or either form under `projects/<P>/locations/<L>/`.
    #[serde_as(as = "DefaultOnNull")]
    #[serde(skip_serializing_if = "String::is_empty")]
    pub session: String,
    #[serde_as(as = "DefaultOnNull")]
    #[serde(alias = "response_id", skip_serializing_if = "String::is_empty")]
    pub response_id: String,
    #[serde(alias = "query_result", skip_serializing_if = "Option::is_none")]
    pub query_result: Option<QueryResult>,
    #[serde(
        alias = "original_detect_intent_request",
        skip_serializing_if = "Option::is_none"
    )]
    pub original_detect_intent_request: Option<OriginalDetectIntentRequest>,
}

/// `OriginalDetectIntentRequest` (webhook.proto): what the integration sent to `detectIntent`.
#[serde_as]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct OriginalDetectIntentRequest {
    /// `google`, `facebook`, `slack`, ... set by Dialogflow.
    #[serde_as(as = "DefaultOnNull")]
    #[serde(skip_serializing_if = "String::is_empty")]
    pub source: String,
    /// Actions on Google only.
    #[serde_as(as = "DefaultOnNull")]
    #[serde(skip_serializing_if = "String::is_empty")]
    pub version: String,
    /// `QueryParameters.payload` of the caller; the phone gateway puts
    /// `{"telephony": {"caller_id": "+1..."}}` here.
    #[serde_as(as = "DefaultOnNull")]
    #[serde(skip_serializing_if = "Map::is_empty")]
    pub payload: Struct,
}

/// `WebhookResponse` (webhook.proto). `WebhookResponse::default()` serialises to `{}`, which
/// lets the intent's static response show.
#[serde_as]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct WebhookResponse {
    #[serde_as(as = "DefaultOnNull")]
    #[serde(alias = "fulfillment_text", skip_serializing_if = "String::is_empty")]
    pub fulfillment_text: String,
    #[serde_as(as = "DefaultOnNull")]
    #[serde(alias = "fulfillment_messages", skip_serializing_if = "Vec::is_empty")]
    pub fulfillment_messages: Vec<Message>,
    #[serde_as(as = "DefaultOnNull")]
    #[serde(skip_serializing_if = "String::is_empty")]
    pub source: String,
    /// `Some` is written even when empty (a set message field); Actions on Google reads
    /// `payload.google`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payload: Option<Struct>,
    #[serde_as(as = "DefaultOnNull")]
    #[serde(alias = "output_contexts", skip_serializing_if = "Vec::is_empty")]
    pub output_contexts: Vec<Context>,
    /// When set, Dialogflow ignores `fulfillmentText`, `fulfillmentMessages` and `payload`.
    #[serde(
        alias = "followup_event_input",
        skip_serializing_if = "Option::is_none"
    )]
    pub followup_event_input: Option<EventInput>,
    #[serde_as(as = "DefaultOnNull")]
    #[serde(alias = "session_entity_types", skip_serializing_if = "Vec::is_empty")]
    pub session_entity_types: Vec<SessionEntityType>,
}
