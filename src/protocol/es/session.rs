//! `QueryResult` and what it carries (session.proto), contexts and session entity types.

use super::*;

/// `QueryResult` (session.proto), every v2 field.
#[serde_as]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct QueryResult {
    #[serde_as(as = "DefaultOnNull")]
    #[serde(alias = "query_text", skip_serializing_if = "String::is_empty")]
    pub query_text: String,
    #[serde_as(as = "DefaultOnNull")]
    #[serde(alias = "language_code", skip_serializing_if = "String::is_empty")]
    pub language_code: String,
    /// 0..1; proto3's 0 means "not set".
    #[serde_as(as = "Option<OrString>")]
    #[serde(
        alias = "speech_recognition_confidence",
        skip_serializing_if = "tolerant::is_none_or_zero_f64"
    )]
    pub speech_recognition_confidence: Option<f64>,
    #[serde_as(as = "DefaultOnNull")]
    #[serde(skip_serializing_if = "String::is_empty")]
    pub action: String,
    /// Values are string, number, bool, null, list or map (composite entities); ES sends `""`
    /// for an unfilled optional parameter.
    #[serde_as(as = "DefaultOnNull")]
    #[serde(skip_serializing_if = "Map::is_empty")]
    pub parameters: Struct,
    /// `false` while slot filling.
    #[serde_as(as = "Flag")]
    #[serde(
        alias = "all_required_params_present",
        skip_serializing_if = "is_false"
    )]
    pub all_required_params_present: bool,
    #[serde_as(as = "Flag")]
    #[serde(alias = "cancels_slot_filling", skip_serializing_if = "is_false")]
    pub cancels_slot_filling: bool,
    #[serde_as(as = "DefaultOnNull")]
    #[serde(alias = "fulfillment_text", skip_serializing_if = "String::is_empty")]
    pub fulfillment_text: String,
    /// The intent's static responses; kinds this build does not know are skipped.
    #[serde_as(as = "Items")]
    #[serde(alias = "fulfillment_messages", skip_serializing_if = "Vec::is_empty")]
    pub fulfillment_messages: Vec<Message>,
    #[serde_as(as = "DefaultOnNull")]
    #[serde(alias = "webhook_source", skip_serializing_if = "String::is_empty")]
    pub webhook_source: String,
    #[serde_as(as = "DefaultOnNull")]
    #[serde(alias = "webhook_payload", skip_serializing_if = "Map::is_empty")]
    pub webhook_payload: Struct,
    /// Active contexts; their parameters also hold `<param>.original` entries.
    #[serde_as(as = "DefaultOnNull")]
    #[serde(alias = "output_contexts", skip_serializing_if = "Vec::is_empty")]
    pub output_contexts: Vec<Context>,
    /// Partially filled: `name`, `displayName`, `endInteraction`, `isFallback`, ...
    #[serde(skip_serializing_if = "Option::is_none")]
    pub intent: Option<Intent>,
    #[serde_as(as = "Option<OrString>")]
    #[serde(
        alias = "intent_detection_confidence",
        skip_serializing_if = "tolerant::is_none_or_zero_f64"
    )]
    pub intent_detection_confidence: Option<f64>,
    /// Free-form (webhook latency, errors); its keys change without notice.
    #[serde_as(as = "DefaultOnNull")]
    #[serde(alias = "diagnostic_info", skip_serializing_if = "Map::is_empty")]
    pub diagnostic_info: Struct,
    /// Only when the caller asked for sentiment analysis.
    #[serde(
        alias = "sentiment_analysis_result",
        skip_serializing_if = "Option::is_none"
    )]
    pub sentiment_analysis_result: Option<SentimentAnalysisResult>,
}

/// `SentimentAnalysisResult` (session.proto).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SentimentAnalysisResult {
    #[serde(
        alias = "query_text_sentiment",
        skip_serializing_if = "Option::is_none"
    )]
    pub query_text_sentiment: Option<Sentiment>,
    /// Why sentiment analysis failed, when it did (newer v2 field).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
}

/// `Sentiment` (session.proto): score in [-1, 1], magnitude ≥ 0.
#[serde_as]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Sentiment {
    #[serde_as(as = "Option<OrString>")]
    #[serde(skip_serializing_if = "tolerant::is_none_or_zero_f64")]
    pub score: Option<f64>,
    #[serde_as(as = "Option<OrString>")]
    #[serde(skip_serializing_if = "tolerant::is_none_or_zero_f64")]
    pub magnitude: Option<f64>,
}

/// `google.rpc.Status`.
#[serde_as]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Status {
    #[serde_as(as = "Option<Int32>")]
    #[serde(skip_serializing_if = "tolerant::is_none_or_zero_i32")]
    pub code: Option<i32>,
    #[serde_as(as = "DefaultOnNull")]
    #[serde(skip_serializing_if = "String::is_empty")]
    pub message: String,
    /// `google.protobuf.Any` values: JSON objects with an `@type` key.
    #[serde_as(as = "DefaultOnNull")]
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<Struct>,
}

/// `EventInput` (session.proto). `name` and `languageCode` are required by Dialogflow; the ES
/// renderer fills the language from the request.
#[serde_as]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct EventInput {
    #[serde_as(as = "DefaultOnNull")]
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name: String,
    #[serde_as(as = "DefaultOnNull")]
    #[serde(skip_serializing_if = "Map::is_empty")]
    pub parameters: Struct,
    #[serde_as(as = "DefaultOnNull")]
    #[serde(alias = "language_code", skip_serializing_if = "String::is_empty")]
    pub language_code: String,
}

// ---------------------------------------------------------------------------------------------
// context.proto, session_entity_type.proto, entity_type.proto
// ---------------------------------------------------------------------------------------------

/// `Context` (context.proto). `name` is `<session>/contexts/<id>`.
///
/// `lifespanCount` is always written when `Some`, `0` included: 0 is how a context is deleted,
/// and proto3 would otherwise drop it. The renderer always sets it.
#[serde_as]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Context {
    #[serde_as(as = "DefaultOnNull")]
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name: String,
    #[serde_as(as = "Option<Int32>")]
    #[serde(alias = "lifespan_count", skip_serializing_if = "Option::is_none")]
    pub lifespan_count: Option<i32>,
    #[serde_as(as = "DefaultOnNull")]
    #[serde(skip_serializing_if = "Map::is_empty")]
    pub parameters: Struct,
}

proto_enum!(
    /// `SessionEntityType.EntityOverrideMode`.
    EntityOverrideMode {
        Unspecified = 0 => "ENTITY_OVERRIDE_MODE_UNSPECIFIED",
        Override = 1 => "ENTITY_OVERRIDE_MODE_OVERRIDE",
        Supplement = 2 => "ENTITY_OVERRIDE_MODE_SUPPLEMENT",
    }
);

/// `SessionEntityType` (session_entity_type.proto). `name` is
/// `<session>/entityTypes/<entity type display name>`.
#[serde_as]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SessionEntityType {
    #[serde_as(as = "DefaultOnNull")]
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name: String,
    #[serde(
        alias = "entity_override_mode",
        skip_serializing_if = "EntityOverrideMode::is_unspecified"
    )]
    pub entity_override_mode: EntityOverrideMode,
    #[serde_as(as = "DefaultOnNull")]
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub entities: Vec<Entity>,
}

/// `EntityType.Entity` (entity_type.proto).
#[serde_as]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Entity {
    #[serde_as(as = "DefaultOnNull")]
    #[serde(skip_serializing_if = "String::is_empty")]
    pub value: String,
    #[serde_as(as = "DefaultOnNull")]
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub synonyms: Vec<String>,
}
