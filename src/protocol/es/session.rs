//! `QueryResult` and what it carries (session.proto), contexts and session entity types.

use super::*;

/// `QueryResult` (session.proto), every v2 field.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct QueryResult {
    #[serde(
        alias = "query_text",
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub query_text: String,
    #[serde(
        alias = "language_code",
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub language_code: String,
    /// 0..1; proto3's 0 means "not set".
    #[serde(
        alias = "speech_recognition_confidence",
        with = "tolerant::opt_f64",
        skip_serializing_if = "tolerant::is_none_or_zero_f64"
    )]
    pub speech_recognition_confidence: Option<f64>,
    #[serde(
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub action: String,
    /// Values are string, number, bool, null, list or map (composite entities); ES sends `""`
    /// for an unfilled optional parameter.
    #[serde(deserialize_with = "nullable", skip_serializing_if = "Map::is_empty")]
    pub parameters: Struct,
    /// `false` while slot filling.
    #[serde(
        alias = "all_required_params_present",
        deserialize_with = "flag",
        skip_serializing_if = "is_false"
    )]
    pub all_required_params_present: bool,
    #[serde(
        alias = "cancels_slot_filling",
        deserialize_with = "flag",
        skip_serializing_if = "is_false"
    )]
    pub cancels_slot_filling: bool,
    #[serde(
        alias = "fulfillment_text",
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub fulfillment_text: String,
    /// The intent's static responses; kinds this build does not know are skipped.
    #[serde(
        alias = "fulfillment_messages",
        deserialize_with = "tolerant::lenient_vec",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub fulfillment_messages: Vec<Message>,
    #[serde(
        alias = "webhook_source",
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub webhook_source: String,
    #[serde(
        alias = "webhook_payload",
        deserialize_with = "nullable",
        skip_serializing_if = "Map::is_empty"
    )]
    pub webhook_payload: Struct,
    /// Active contexts; their parameters also hold `<param>.original` entries.
    #[serde(
        alias = "output_contexts",
        deserialize_with = "nullable",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub output_contexts: Vec<Context>,
    /// Partially filled: `name`, `displayName`, `endInteraction`, `isFallback`, ...
    /// Boxed: an `Intent` is most of a query result's size, and the parse moves the result
    /// several times.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub intent: Option<Box<Intent>>,
    #[serde(
        alias = "intent_detection_confidence",
        with = "tolerant::opt_f64",
        skip_serializing_if = "tolerant::is_none_or_zero_f64"
    )]
    pub intent_detection_confidence: Option<f64>,
    /// Free-form (webhook latency, errors); its keys change without notice.
    #[serde(
        alias = "diagnostic_info",
        deserialize_with = "nullable",
        skip_serializing_if = "Map::is_empty"
    )]
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
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Sentiment {
    #[serde(
        with = "tolerant::opt_f64",
        skip_serializing_if = "tolerant::is_none_or_zero_f64"
    )]
    pub score: Option<f64>,
    #[serde(
        with = "tolerant::opt_f64",
        skip_serializing_if = "tolerant::is_none_or_zero_f64"
    )]
    pub magnitude: Option<f64>,
}

/// `google.rpc.Status`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Status {
    #[serde(
        with = "tolerant::opt_i32",
        skip_serializing_if = "tolerant::is_none_or_zero_i32"
    )]
    pub code: Option<i32>,
    #[serde(
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub message: String,
    /// `google.protobuf.Any` values: JSON objects with an `@type` key.
    #[serde(deserialize_with = "nullable", skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<Struct>,
}

/// `EventInput` (session.proto). `name` and `languageCode` are required by Dialogflow; the ES
/// renderer fills the language from the request.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct EventInput {
    #[serde(
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub name: String,
    #[serde(deserialize_with = "nullable", skip_serializing_if = "Map::is_empty")]
    pub parameters: Struct,
    #[serde(
        alias = "language_code",
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub language_code: String,
}

// ---------------------------------------------------------------------------------------------
// context.proto, session_entity_type.proto, entity_type.proto
// ---------------------------------------------------------------------------------------------

/// `Context` (context.proto). `name` is `<session>/contexts/<id>`.
///
/// `lifespanCount` is always written when `Some`, `0` included: 0 is how a context is deleted,
/// and proto3 would otherwise drop it. The renderer always sets it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Context {
    #[serde(
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub name: String,
    #[serde(
        alias = "lifespan_count",
        with = "tolerant::opt_i32",
        skip_serializing_if = "Option::is_none"
    )]
    pub lifespan_count: Option<i32>,
    #[serde(deserialize_with = "nullable", skip_serializing_if = "Map::is_empty")]
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
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SessionEntityType {
    #[serde(
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub name: String,
    #[serde(
        alias = "entity_override_mode",
        skip_serializing_if = "EntityOverrideMode::is_unspecified"
    )]
    pub entity_override_mode: EntityOverrideMode,
    #[serde(deserialize_with = "nullable", skip_serializing_if = "Vec::is_empty")]
    pub entities: Vec<Entity>,
}

/// `EntityType.Entity` (entity_type.proto).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Entity {
    #[serde(
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub value: String,
    #[serde(deserialize_with = "nullable", skip_serializing_if = "Vec::is_empty")]
    pub synonyms: Vec<String>,
}
