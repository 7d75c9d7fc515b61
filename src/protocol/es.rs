//! Dialogflow ES (v2) webhook wire types, field by field from `google/cloud/dialogflow/v2`
//! (`webhook.proto`, `session.proto`, `context.proto`, `intent.proto`, `entity_type.proto`,
//! `session_entity_type.proto`), checked against the descriptors of `google-cloud-dialogflow`
//! 2.54.0 (`conformance/FIELDS.md`).
//!
//! **Out is strict proto3 JSON**, because Dialogflow rejects a response with an unknown or
//! misspelled field ("Cannot find field ..."): lowerCamelCase keys, enums as their proto names,
//! default values omitted (empty strings, lists and maps, `false`, `0`, `*_UNSPECIFIED`, unset
//! messages), never a key the proto does not have. The one deliberate exception is
//! `Context.lifespanCount`, written whenever it is set, `0` included: `0` is how a webhook
//! deletes a context, and proto3 would otherwise drop it.
//!
//! **In is tolerant**, because a request must never be refused for a harmless difference:
//! unknown fields are ignored (newer Dialogflow fields, v2beta1 extras such as
//! `alternativeQueryResults`), every field also accepts its proto (snake_case) name, `null` means
//! "not set", numbers may arrive as strings, unknown enum names read as `*_UNSPECIFIED`, and a
//! rich message of a kind this build does not know is skipped rather than failing the request.
//! The helpers live in [`super::tolerant`].
//!
//! The `Intent.Message` oneof is the [`MessageKind`] enum, flattened beside `platform`, so a
//! message can never carry two kinds at once. Message-typed fields are `Option` (proto3 message
//! presence); scalar fields are plain values whose default means "not set".

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::tolerant::{self, flag, nullable, proto_enum};

/// `google.protobuf.Struct`: any JSON object.
pub type Struct = Map<String, Value>;

fn is_false(b: &bool) -> bool {
    !*b
}

/// `Message.platform` is omitted when unset or `PLATFORM_UNSPECIFIED`, as proto3 omits defaults.
fn no_platform(p: &Option<Platform>) -> bool {
    p.is_none_or(|p| p.is_unspecified())
}

// ---------------------------------------------------------------------------------------------
// webhook.proto
// ---------------------------------------------------------------------------------------------

/// `WebhookRequest` (webhook.proto). v2 has exactly these four fields; v2beta1's
/// `alternativeQueryResults` is not part of v2 and is ignored if present.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct WebhookRequest {
    /// `projects/<P>/agent/sessions/<S>`, `projects/<P>/agent/environments/<E>/users/<U>/
    /// sessions/<S>`, or either form under `projects/<P>/locations/<L>/`.
    #[serde(
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub session: String,
    #[serde(
        alias = "response_id",
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
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
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct OriginalDetectIntentRequest {
    /// `google`, `facebook`, `slack`, ... set by Dialogflow.
    #[serde(
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub source: String,
    /// Actions on Google only.
    #[serde(
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub version: String,
    /// `QueryParameters.payload` of the caller; the phone gateway puts
    /// `{"telephony": {"caller_id": "+1..."}}` here.
    #[serde(deserialize_with = "nullable", skip_serializing_if = "Map::is_empty")]
    pub payload: Struct,
}

/// `WebhookResponse` (webhook.proto). `WebhookResponse::default()` serialises to `{}`, which
/// lets the intent's static response show.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct WebhookResponse {
    #[serde(
        alias = "fulfillment_text",
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub fulfillment_text: String,
    #[serde(
        alias = "fulfillment_messages",
        deserialize_with = "nullable",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub fulfillment_messages: Vec<Message>,
    #[serde(
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub source: String,
    /// `Some` is written even when empty (a set message field); Actions on Google reads
    /// `payload.google`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payload: Option<Struct>,
    #[serde(
        alias = "output_contexts",
        deserialize_with = "nullable",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub output_contexts: Vec<Context>,
    /// When set, Dialogflow ignores `fulfillmentText`, `fulfillmentMessages` and `payload`.
    #[serde(
        alias = "followup_event_input",
        skip_serializing_if = "Option::is_none"
    )]
    pub followup_event_input: Option<EventInput>,
    #[serde(
        alias = "session_entity_types",
        deserialize_with = "nullable",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub session_entity_types: Vec<SessionEntityType>,
}

// ---------------------------------------------------------------------------------------------
// session.proto
// ---------------------------------------------------------------------------------------------

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
    #[serde(skip_serializing_if = "Option::is_none")]
    pub intent: Option<Intent>,
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

// ---------------------------------------------------------------------------------------------
// intent.proto: Intent
// ---------------------------------------------------------------------------------------------

proto_enum!(
    /// `Intent.WebhookState`.
    WebhookState {
        Unspecified = 0 => "WEBHOOK_STATE_UNSPECIFIED",
        Enabled = 1 => "WEBHOOK_STATE_ENABLED",
        EnabledForSlotFilling = 2 => "WEBHOOK_STATE_ENABLED_FOR_SLOT_FILLING",
    }
);

/// `Intent` (intent.proto). A webhook request fills only part of it (`name`, `displayName`,
/// `endInteraction`, `isFallback`, ...), but every field of the resource is accepted so that a
/// fuller intent never fails a request. Nested lists skip items that do not parse.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Intent {
    /// `projects/<P>/agent/intents/<ID>`.
    #[serde(
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub name: String,
    #[serde(
        alias = "display_name",
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub display_name: String,
    #[serde(
        alias = "webhook_state",
        skip_serializing_if = "WebhookState::is_unspecified"
    )]
    pub webhook_state: WebhookState,
    #[serde(
        with = "tolerant::opt_i32",
        skip_serializing_if = "tolerant::is_none_or_zero_i32"
    )]
    pub priority: Option<i32>,
    #[serde(
        alias = "is_fallback",
        deserialize_with = "flag",
        skip_serializing_if = "is_false"
    )]
    pub is_fallback: bool,
    #[serde(
        alias = "ml_disabled",
        deserialize_with = "flag",
        skip_serializing_if = "is_false"
    )]
    pub ml_disabled: bool,
    #[serde(
        alias = "live_agent_handoff",
        deserialize_with = "flag",
        skip_serializing_if = "is_false"
    )]
    pub live_agent_handoff: bool,
    #[serde(
        alias = "end_interaction",
        deserialize_with = "flag",
        skip_serializing_if = "is_false"
    )]
    pub end_interaction: bool,
    #[serde(
        alias = "input_context_names",
        deserialize_with = "tolerant::lenient_vec",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub input_context_names: Vec<String>,
    #[serde(
        deserialize_with = "tolerant::lenient_vec",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub events: Vec<String>,
    #[serde(
        alias = "training_phrases",
        deserialize_with = "tolerant::lenient_vec",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub training_phrases: Vec<TrainingPhrase>,
    #[serde(
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub action: String,
    #[serde(
        alias = "output_contexts",
        deserialize_with = "tolerant::lenient_vec",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub output_contexts: Vec<Context>,
    #[serde(
        alias = "reset_contexts",
        deserialize_with = "flag",
        skip_serializing_if = "is_false"
    )]
    pub reset_contexts: bool,
    /// The intent's parameter definitions (not the values: those are
    /// `QueryResult.parameters`).
    #[serde(
        deserialize_with = "tolerant::lenient_vec",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub parameters: Vec<IntentParameter>,
    #[serde(
        deserialize_with = "tolerant::lenient_vec",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub messages: Vec<Message>,
    #[serde(
        alias = "default_response_platforms",
        deserialize_with = "nullable",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub default_response_platforms: Vec<Platform>,
    #[serde(
        alias = "root_followup_intent_name",
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub root_followup_intent_name: String,
    #[serde(
        alias = "parent_followup_intent_name",
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub parent_followup_intent_name: String,
    #[serde(
        alias = "followup_intent_info",
        deserialize_with = "tolerant::lenient_vec",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub followup_intent_info: Vec<FollowupIntentInfo>,
}

proto_enum!(
    /// `Intent.TrainingPhrase.Type`.
    TrainingPhraseType {
        Unspecified = 0 => "TYPE_UNSPECIFIED",
        Example = 1 => "EXAMPLE",
        Template = 2 => "TEMPLATE",
    }
);

/// `Intent.TrainingPhrase`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TrainingPhrase {
    #[serde(
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub name: String,
    #[serde(skip_serializing_if = "TrainingPhraseType::is_unspecified")]
    pub r#type: TrainingPhraseType,
    #[serde(
        deserialize_with = "tolerant::lenient_vec",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub parts: Vec<TrainingPhrasePart>,
    #[serde(
        alias = "times_added_count",
        with = "tolerant::opt_i32",
        skip_serializing_if = "tolerant::is_none_or_zero_i32"
    )]
    pub times_added_count: Option<i32>,
}

/// `Intent.TrainingPhrase.Part`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TrainingPhrasePart {
    #[serde(
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub text: String,
    #[serde(
        alias = "entity_type",
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub entity_type: String,
    #[serde(
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub alias: String,
    #[serde(
        alias = "user_defined",
        deserialize_with = "flag",
        skip_serializing_if = "is_false"
    )]
    pub user_defined: bool,
}

/// `Intent.Parameter`: a parameter definition of the intent.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct IntentParameter {
    #[serde(
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub name: String,
    #[serde(
        alias = "display_name",
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub display_name: String,
    #[serde(
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub value: String,
    #[serde(
        alias = "default_value",
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub default_value: String,
    #[serde(
        alias = "entity_type_display_name",
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub entity_type_display_name: String,
    #[serde(deserialize_with = "flag", skip_serializing_if = "is_false")]
    pub mandatory: bool,
    #[serde(
        deserialize_with = "tolerant::lenient_vec",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub prompts: Vec<String>,
    #[serde(
        alias = "is_list",
        deserialize_with = "flag",
        skip_serializing_if = "is_false"
    )]
    pub is_list: bool,
}

/// `Intent.FollowupIntentInfo`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct FollowupIntentInfo {
    #[serde(
        alias = "followup_intent_name",
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub followup_intent_name: String,
    #[serde(
        alias = "parent_followup_intent_name",
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub parent_followup_intent_name: String,
}

// ---------------------------------------------------------------------------------------------
// intent.proto: Intent.Message
// ---------------------------------------------------------------------------------------------

proto_enum!(
    /// `Intent.Message.Platform`.
    ///
    /// An unknown platform name (a v2beta1 `TELEPHONY`, a future integration) is read as
    /// `PLATFORM_UNSPECIFIED` instead of failing the whole request; we chose that over an
    /// `Other(String)` catch-all because a catch-all could be written back out, and output must
    /// only ever carry names Dialogflow v2 accepts. `Message.platform` omits the unspecified
    /// value on the way out, as proto3 does.
    Platform {
        Unspecified = 0 => "PLATFORM_UNSPECIFIED",
        Facebook = 1 => "FACEBOOK",
        Slack = 2 => "SLACK",
        Telegram = 3 => "TELEGRAM",
        Kik = 4 => "KIK",
        Skype = 5 => "SKYPE",
        Line = 6 => "LINE",
        Viber = 7 => "VIBER",
        ActionsOnGoogle = 8 => "ACTIONS_ON_GOOGLE",
        GoogleHangouts = 11 => "GOOGLE_HANGOUTS",
    }
);

/// `Intent.Message`: one rich message, its `message` oneof ([`MessageKind`]) flattened beside
/// `platform`. No `Default`: a message without a kind is not a message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    /// `None` (or unspecified) is the default platform, shown by every integration.
    #[serde(default, skip_serializing_if = "no_platform")]
    pub platform: Option<Platform>,
    #[serde(flatten)]
    pub kind: MessageKind,
}

impl Message {
    /// A message for the default platform.
    pub fn new(kind: MessageKind) -> Self {
        Message {
            platform: None,
            kind,
        }
    }

    /// A message for one platform.
    pub fn for_platform(platform: Platform, kind: MessageKind) -> Self {
        Message {
            platform: Some(platform),
            kind,
        }
    }
}

/// The `Intent.Message.message` oneof, externally tagged with the proto3 JSON field names.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum MessageKind {
    Text(Text),
    Image(Image),
    #[serde(alias = "quick_replies")]
    QuickReplies(QuickReplies),
    Card(Card),
    /// A custom, platform-specific payload (`google.protobuf.Struct`).
    Payload(Struct),
    #[serde(alias = "simple_responses")]
    SimpleResponses(SimpleResponses),
    #[serde(alias = "basic_card")]
    BasicCard(BasicCard),
    Suggestions(Suggestions),
    #[serde(alias = "link_out_suggestion")]
    LinkOutSuggestion(LinkOutSuggestion),
    #[serde(alias = "list_select")]
    ListSelect(ListSelect),
    #[serde(alias = "carousel_select")]
    CarouselSelect(CarouselSelect),
    #[serde(alias = "browse_carousel_card")]
    BrowseCarouselCard(BrowseCarouselCard),
    #[serde(alias = "table_card")]
    TableCard(TableCard),
    #[serde(alias = "media_content")]
    MediaContent(MediaContent),
}

/// `Intent.Message.Text`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Text {
    #[serde(deserialize_with = "nullable", skip_serializing_if = "Vec::is_empty")]
    pub text: Vec<String>,
}

/// `Intent.Message.Image`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Image {
    #[serde(
        alias = "image_uri",
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub image_uri: String,
    #[serde(
        alias = "accessibility_text",
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub accessibility_text: String,
}

/// `Intent.Message.QuickReplies`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct QuickReplies {
    #[serde(
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub title: String,
    #[serde(
        alias = "quick_replies",
        deserialize_with = "nullable",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub quick_replies: Vec<String>,
}

/// `Intent.Message.Card`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Card {
    #[serde(
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub title: String,
    #[serde(
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub subtitle: String,
    #[serde(
        alias = "image_uri",
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub image_uri: String,
    #[serde(deserialize_with = "nullable", skip_serializing_if = "Vec::is_empty")]
    pub buttons: Vec<CardButton>,
}

/// `Intent.Message.Card.Button`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CardButton {
    #[serde(
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub text: String,
    /// Text sent back to the agent, or a URI to open.
    #[serde(
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub postback: String,
}

/// `Intent.Message.SimpleResponses` (Actions on Google; one per message list).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SimpleResponses {
    #[serde(
        alias = "simple_responses",
        deserialize_with = "nullable",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub simple_responses: Vec<SimpleResponse>,
}

/// `Intent.Message.SimpleResponse`: exactly one of `textToSpeech` and `ssml`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SimpleResponse {
    #[serde(
        alias = "text_to_speech",
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub text_to_speech: String,
    #[serde(
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub ssml: String,
    #[serde(
        alias = "display_text",
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub display_text: String,
}

/// `Intent.Message.BasicCard` (Actions on Google).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct BasicCard {
    #[serde(
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub title: String,
    #[serde(
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub subtitle: String,
    /// Required unless `image` is set.
    #[serde(
        alias = "formatted_text",
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub formatted_text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image: Option<Image>,
    #[serde(deserialize_with = "nullable", skip_serializing_if = "Vec::is_empty")]
    pub buttons: Vec<BasicCardButton>,
}

/// `Intent.Message.BasicCard.Button` (also the buttons of a [`TableCard`]).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct BasicCardButton {
    #[serde(
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub title: String,
    /// Required by Dialogflow; `Option` for proto3 message presence.
    #[serde(alias = "open_uri_action", skip_serializing_if = "Option::is_none")]
    pub open_uri_action: Option<OpenUriAction>,
}

/// `Intent.Message.BasicCard.Button.OpenUriAction`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct OpenUriAction {
    #[serde(
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub uri: String,
}

/// `Intent.Message.Suggestions` (Actions on Google chips).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Suggestions {
    #[serde(deserialize_with = "nullable", skip_serializing_if = "Vec::is_empty")]
    pub suggestions: Vec<Suggestion>,
}

/// `Intent.Message.Suggestion`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Suggestion {
    #[serde(
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub title: String,
}

/// `Intent.Message.LinkOutSuggestion`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct LinkOutSuggestion {
    #[serde(
        alias = "destination_name",
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub destination_name: String,
    #[serde(
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub uri: String,
}

/// `Intent.Message.ListSelect`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ListSelect {
    #[serde(
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub title: String,
    #[serde(deserialize_with = "nullable", skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<ListSelectItem>,
    #[serde(
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub subtitle: String,
}

/// `Intent.Message.CarouselSelect`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CarouselSelect {
    #[serde(deserialize_with = "nullable", skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<CarouselSelectItem>,
}

/// `Intent.Message.ListSelect.Item` and `Intent.Message.CarouselSelect.Item`, which have the
/// same four fields in the proto.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SelectItem {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub info: Option<SelectItemInfo>,
    #[serde(
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub title: String,
    #[serde(
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub description: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image: Option<Image>,
}

/// `Intent.Message.ListSelect.Item`.
pub type ListSelectItem = SelectItem;
/// `Intent.Message.CarouselSelect.Item`.
pub type CarouselSelectItem = SelectItem;

/// `Intent.Message.SelectItemInfo`: the key sent back when the item is chosen.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SelectItemInfo {
    #[serde(
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub key: String,
    #[serde(deserialize_with = "nullable", skip_serializing_if = "Vec::is_empty")]
    pub synonyms: Vec<String>,
}

proto_enum!(
    /// `BrowseCarouselCard.ImageDisplayOptions`.
    ImageDisplayOptions {
        Unspecified = 0 => "IMAGE_DISPLAY_OPTIONS_UNSPECIFIED",
        Gray = 1 => "GRAY",
        White = 2 => "WHITE",
        Cropped = 3 => "CROPPED",
        BlurredBackground = 4 => "BLURRED_BACKGROUND",
    }
);

proto_enum!(
    /// `BrowseCarouselCardItem.OpenUrlAction.UrlTypeHint`.
    UrlTypeHint {
        Unspecified = 0 => "URL_TYPE_HINT_UNSPECIFIED",
        AmpAction = 1 => "AMP_ACTION",
        AmpContent = 2 => "AMP_CONTENT",
    }
);

/// `Intent.Message.BrowseCarouselCard` (Actions on Google; 2 to 10 items).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct BrowseCarouselCard {
    #[serde(deserialize_with = "nullable", skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<BrowseCarouselCardItem>,
    #[serde(
        alias = "image_display_options",
        skip_serializing_if = "ImageDisplayOptions::is_unspecified"
    )]
    pub image_display_options: ImageDisplayOptions,
}

/// `BrowseCarouselCard.BrowseCarouselCardItem`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct BrowseCarouselCardItem {
    /// The proto names this field `open_uri_action` although its type is `OpenUrlAction`.
    #[serde(alias = "open_uri_action", skip_serializing_if = "Option::is_none")]
    pub open_uri_action: Option<OpenUrlAction>,
    #[serde(
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub title: String,
    #[serde(
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub description: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image: Option<Image>,
    #[serde(
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub footer: String,
}

/// `BrowseCarouselCardItem.OpenUrlAction`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct OpenUrlAction {
    #[serde(
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub url: String,
    #[serde(
        alias = "url_type_hint",
        skip_serializing_if = "UrlTypeHint::is_unspecified"
    )]
    pub url_type_hint: UrlTypeHint,
}

proto_enum!(
    /// `ColumnProperties.HorizontalAlignment`.
    HorizontalAlignment {
        Unspecified = 0 => "HORIZONTAL_ALIGNMENT_UNSPECIFIED",
        Leading = 1 => "LEADING",
        Center = 2 => "CENTER",
        Trailing = 3 => "TRAILING",
    }
);

/// `Intent.Message.TableCard` (Actions on Google).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TableCard {
    #[serde(
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub title: String,
    #[serde(
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub subtitle: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image: Option<Image>,
    #[serde(
        alias = "column_properties",
        deserialize_with = "nullable",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub column_properties: Vec<ColumnProperties>,
    #[serde(deserialize_with = "nullable", skip_serializing_if = "Vec::is_empty")]
    pub rows: Vec<TableCardRow>,
    #[serde(deserialize_with = "nullable", skip_serializing_if = "Vec::is_empty")]
    pub buttons: Vec<BasicCardButton>,
}

/// `Intent.Message.ColumnProperties`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ColumnProperties {
    #[serde(
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub header: String,
    #[serde(
        alias = "horizontal_alignment",
        skip_serializing_if = "HorizontalAlignment::is_unspecified"
    )]
    pub horizontal_alignment: HorizontalAlignment,
}

/// `Intent.Message.TableCardRow`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TableCardRow {
    #[serde(deserialize_with = "nullable", skip_serializing_if = "Vec::is_empty")]
    pub cells: Vec<TableCardCell>,
    #[serde(
        alias = "divider_after",
        deserialize_with = "flag",
        skip_serializing_if = "is_false"
    )]
    pub divider_after: bool,
}

/// `Intent.Message.TableCardCell`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TableCardCell {
    #[serde(
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub text: String,
}

proto_enum!(
    /// `MediaContent.ResponseMediaType`.
    ResponseMediaType {
        Unspecified = 0 => "RESPONSE_MEDIA_TYPE_UNSPECIFIED",
        Audio = 1 => "AUDIO",
    }
);

/// Short name for [`ResponseMediaType`] (the proto's enum is `ResponseMediaType`; the JSON field
/// is `mediaType`).
pub type MediaType = ResponseMediaType;

/// `Intent.Message.MediaContent` (Actions on Google audio).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct MediaContent {
    #[serde(
        alias = "media_type",
        skip_serializing_if = "ResponseMediaType::is_unspecified"
    )]
    pub media_type: ResponseMediaType,
    #[serde(
        alias = "media_objects",
        deserialize_with = "nullable",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub media_objects: Vec<ResponseMediaObject>,
}

/// `MediaContent.ResponseMediaObject`. Its `image` oneof (`largeImage` | `icon`) is
/// [`MediaImage`], flattened, so at most one of the two is ever written.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ResponseMediaObject {
    #[serde(
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub name: String,
    #[serde(
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub description: String,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub image: Option<MediaImage>,
    #[serde(
        alias = "content_url",
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub content_url: String,
}

/// The `ResponseMediaObject.image` oneof.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum MediaImage {
    #[serde(alias = "large_image")]
    LargeImage(Image),
    Icon(Image),
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse<T: serde::de::DeserializeOwned>(v: Value) -> T {
        serde_json::from_value(v).unwrap()
    }

    fn out<T: Serialize>(v: &T) -> Value {
        serde_json::to_value(v).unwrap()
    }

    const SESSION: &str = "projects/acme-bot/agent/environments/prod/users/u-42/sessions/ABwppHG";

    /// A realistic ES request carrying every field that may appear, in Dialogflow's own
    /// (camelCase, non-default-only) form, so that serialising it must give it back unchanged.
    fn full_request() -> Value {
        json!({
            "responseId": "7811ac58-5bd5-4e44-8d06-6cd8c67f5406-e15c53b8",
            "session": SESSION,
            "queryResult": {
                "queryText": "book a table for four tomorrow",
                "languageCode": "en-us",
                "speechRecognitionConfidence": 0.92,
                "action": "booking.table",
                "parameters": {
                    "guests": 4,
                    "date": "2024-05-02T12:00:00+02:00",
                    "time": "",
                    "location": {"city": "Lyon", "street-address": ""},
                    "dishes": ["ramen", "gyoza"],
                    "vip": true
                },
                "allRequiredParamsPresent": true,
                "cancelsSlotFilling": true,
                "fulfillmentText": "Booking a table for 4.",
                "fulfillmentMessages": [
                    {"text": {"text": ["Booking a table for 4."]}},
                    {"platform": "FACEBOOK", "quickReplies": {"title": "Time?", "quickReplies": ["7pm", "8pm"]}},
                    {"platform": "SLACK", "payload": {"blocks": [{"type": "section"}]}},
                    {"platform": "ACTIONS_ON_GOOGLE", "simpleResponses": {"simpleResponses": [{"textToSpeech": "Booking."}]}}
                ],
                "webhookSource": "intentful",
                "webhookPayload": {"google": {"expectUserResponse": true}},
                "outputContexts": [
                    {
                        "name": format!("{SESSION}/contexts/booking-followup"),
                        "lifespanCount": 2,
                        "parameters": {"guests": 4, "guests.original": "four"}
                    },
                    {"name": format!("{SESSION}/contexts/__system_counters__"), "parameters": {"no-input": 0, "no-match": 0}}
                ],
                "intent": {
                    "name": "projects/acme-bot/agent/intents/29bcd7f8-f717-4261-a8fd-2d3e451b8af8",
                    "displayName": "Book Table",
                    "isFallback": true,
                    "liveAgentHandoff": true,
                    "endInteraction": true
                },
                "intentDetectionConfidence": 0.87,
                "diagnosticInfo": {"webhook_latency_ms": 120, "end_conversation": false},
                "sentimentAnalysisResult": {"queryTextSentiment": {"score": -0.3, "magnitude": 0.6}}
            },
            "originalDetectIntentRequest": {
                "source": "google",
                "version": "2",
                "payload": {"user": {"locale": "en-US", "userId": "u-42"}, "telephony": {"caller_id": "+18558363987"}}
            }
        })
    }

    #[test]
    fn full_request_round_trips() {
        let v = full_request();
        let req: WebhookRequest = parse(v.clone());
        assert_eq!(req.session, SESSION);
        let qr = req.query_result.as_ref().unwrap();
        assert_eq!(qr.language_code, "en-us");
        assert_eq!(qr.speech_recognition_confidence, Some(0.92));
        assert_eq!(qr.intent_detection_confidence, Some(0.87));
        assert_eq!(qr.parameters["guests"], json!(4));
        assert!(qr.all_required_params_present && qr.cancels_slot_filling);
        let intent = qr.intent.as_ref().unwrap();
        assert_eq!(intent.display_name, "Book Table");
        assert!(intent.is_fallback && intent.live_agent_handoff && intent.end_interaction);
        assert_eq!(qr.output_contexts[0].lifespan_count, Some(2));
        assert_eq!(qr.output_contexts[1].lifespan_count, None);
        assert_eq!(qr.fulfillment_messages.len(), 4);
        assert_eq!(qr.fulfillment_messages[0].platform, None);
        assert_eq!(qr.fulfillment_messages[2].platform, Some(Platform::Slack));
        assert!(matches!(
            qr.fulfillment_messages[3].kind,
            MessageKind::SimpleResponses(_)
        ));
        let sentiment = qr
            .sentiment_analysis_result
            .as_ref()
            .and_then(|s| s.query_text_sentiment.as_ref())
            .unwrap();
        assert_eq!(
            (sentiment.score, sentiment.magnitude),
            (Some(-0.3), Some(0.6))
        );
        assert_eq!(qr.diagnostic_info["webhook_latency_ms"], json!(120));
        let original = req.original_detect_intent_request.as_ref().unwrap();
        assert_eq!(
            (original.source.as_str(), original.version.as_str()),
            ("google", "2")
        );
        assert_eq!(original.payload["telephony"]["caller_id"], "+18558363987");

        assert_eq!(
            out(&req),
            v,
            "a canonical request serialises back unchanged"
        );
        assert_eq!(parse::<WebhookRequest>(out(&req)), req);
    }

    /// Turns every object key of a JSON value into snake_case, except inside the free-form
    /// Struct fields whose keys are user data.
    fn snake_keys(v: &Value, free_form: bool) -> Value {
        fn snake(k: &str) -> String {
            let mut s = String::new();
            for c in k.chars() {
                if c.is_ascii_uppercase() {
                    s.push('_');
                    s.push(c.to_ascii_lowercase());
                } else {
                    s.push(c);
                }
            }
            s
        }
        const STRUCTS: [&str; 5] = [
            "parameters",
            "payload",
            "webhookPayload",
            "diagnosticInfo",
            "details",
        ];
        match v {
            Value::Object(m) if !free_form => Value::Object(
                m.iter()
                    .map(|(k, v)| (snake(k), snake_keys(v, STRUCTS.contains(&k.as_str()))))
                    .collect(),
            ),
            Value::Array(a) if !free_form => {
                Value::Array(a.iter().map(|v| snake_keys(v, false)).collect())
            }
            other => other.clone(),
        }
    }

    #[test]
    fn snake_case_input_reads_the_same() {
        let camel = full_request();
        let snake = snake_keys(&camel, false);
        assert_eq!(
            snake["query_result"]["intent_detection_confidence"],
            json!(0.87)
        );
        assert_eq!(
            snake["query_result"]["fulfillment_messages"][1]["quick_replies"]["quick_replies"],
            json!(["7pm", "8pm"])
        );
        assert_eq!(
            snake["query_result"]["parameters"]["location"]["street-address"],
            json!(""),
            "user data keys are left alone"
        );
        assert_eq!(
            parse::<WebhookRequest>(snake),
            parse::<WebhookRequest>(camel)
        );
    }

    #[test]
    fn snake_case_message_kinds_and_nested_fields() {
        let m: Message = parse(
            json!({"platform": "ACTIONS_ON_GOOGLE", "browse_carousel_card": {
            "items": [{"open_uri_action": {"url": "https://u", "url_type_hint": "AMP_ACTION"}, "title": "t"}],
            "image_display_options": "WHITE"}}),
        );
        assert_eq!(
            out(&m),
            json!({"platform": "ACTIONS_ON_GOOGLE", "browseCarouselCard": {
                "items": [{"openUriAction": {"url": "https://u", "urlTypeHint": "AMP_ACTION"}, "title": "t"}],
                "imageDisplayOptions": "WHITE"}})
        );
        let m: Message = parse(json!({"media_content": {"media_type": "AUDIO",
            "media_objects": [{"name": "n", "icon": {"image_uri": "https://i"}, "content_url": "https://a"}]}}));
        assert_eq!(
            out(&m),
            json!({"mediaContent": {"mediaType": "AUDIO",
                "mediaObjects": [{"name": "n", "icon": {"imageUri": "https://i"}, "contentUrl": "https://a"}]}})
        );
    }

    #[test]
    fn numeric_strings_are_numbers() {
        let req: WebhookRequest = parse(json!({
            "session": SESSION,
            "queryResult": {
                "speechRecognitionConfidence": "0.92",
                "intentDetectionConfidence": "0.87",
                "outputContexts": [{"name": "c", "lifespanCount": "5"}, {"name": "d", "lifespanCount": 3.0}],
                "intent": {"displayName": "x", "priority": "500000"},
                "sentimentAnalysisResult": {"queryTextSentiment": {"score": "-0.25", "magnitude": "1"}}
            }
        }));
        let qr = req.query_result.unwrap();
        assert_eq!(qr.speech_recognition_confidence, Some(0.92));
        assert_eq!(qr.intent_detection_confidence, Some(0.87));
        assert_eq!(qr.output_contexts[0].lifespan_count, Some(5));
        assert_eq!(qr.output_contexts[1].lifespan_count, Some(3));
        assert_eq!(qr.intent.unwrap().priority, Some(500_000));
        let s = qr
            .sentiment_analysis_result
            .unwrap()
            .query_text_sentiment
            .unwrap();
        assert_eq!((s.score, s.magnitude), (Some(-0.25), Some(1.0)));
        // ...and they go out as plain numbers.
        let ctx = Context {
            name: "c".into(),
            lifespan_count: Some(5),
            ..Default::default()
        };
        assert_eq!(out(&ctx), json!({"name": "c", "lifespanCount": 5}));
    }

    #[test]
    fn unknown_fields_are_ignored_everywhere() {
        let req: WebhookRequest = parse(json!({
            "session": SESSION,
            "somethingNew": {"x": 1},
            "alternativeQueryResults": [{"queryText": "v2beta1 only"}],
            "queryResult": {
                "queryText": "hi",
                "newField": [1, 2],
                "intent": {"displayName": "Hello", "futureFlag": true},
                "outputContexts": [{"name": "c", "lifespanCount": 1, "lifespanTime": 30}],
                "fulfillmentMessages": [
                    {"card": {"title": "t", "buttons": [{"text": "b", "extra": 1}], "extra": 2}, "source": "VIRTUAL_AGENT"}
                ],
                "sentimentAnalysisResult": {"queryTextSentiment": {"score": 0.1, "label": "pos"}}
            },
            "originalDetectIntentRequest": {"source": "line", "extra": "x"}
        }));
        let expected: WebhookRequest = parse(json!({
            "session": SESSION,
            "queryResult": {
                "queryText": "hi",
                "intent": {"displayName": "Hello"},
                "outputContexts": [{"name": "c", "lifespanCount": 1}],
                "fulfillmentMessages": [{"card": {"title": "t", "buttons": [{"text": "b"}]}}],
                "sentimentAnalysisResult": {"queryTextSentiment": {"score": 0.1}}
            },
            "originalDetectIntentRequest": {"source": "line"}
        }));
        assert_eq!(req, expected);
    }

    #[test]
    fn nulls_and_missing_fields_default() {
        let req: WebhookRequest = parse(json!({
            "session": SESSION,
            "responseId": null,
            "queryResult": {
                "queryText": null, "languageCode": null, "speechRecognitionConfidence": null,
                "action": null, "parameters": null, "allRequiredParamsPresent": null,
                "cancelsSlotFilling": null, "fulfillmentText": null, "fulfillmentMessages": null,
                "webhookSource": null, "webhookPayload": null, "outputContexts": null,
                "intent": null, "intentDetectionConfidence": null, "diagnosticInfo": null,
                "sentimentAnalysisResult": null
            },
            "originalDetectIntentRequest": null
        }));
        assert_eq!(
            req,
            WebhookRequest {
                session: SESSION.into(),
                query_result: Some(QueryResult::default()),
                ..Default::default()
            }
        );
        assert_eq!(out(&req), json!({"session": SESSION, "queryResult": {}}));
        assert_eq!(
            parse::<WebhookRequest>(json!({})),
            WebhookRequest::default()
        );
        assert_eq!(
            parse::<Context>(json!({"name": "c", "lifespanCount": null, "parameters": null})),
            Context {
                name: "c".into(),
                ..Default::default()
            }
        );
    }

    #[test]
    fn default_values_are_omitted_on_output() {
        let qr = QueryResult {
            speech_recognition_confidence: Some(0.0),
            intent_detection_confidence: Some(0.0),
            intent: Some(Intent {
                priority: Some(0),
                ..Default::default()
            }),
            sentiment_analysis_result: Some(SentimentAnalysisResult {
                query_text_sentiment: Some(Sentiment {
                    score: Some(0.0),
                    magnitude: None,
                }),
                status: None,
            }),
            ..Default::default()
        };
        assert_eq!(
            out(&qr),
            json!({"intent": {}, "sentimentAnalysisResult": {"queryTextSentiment": {}}})
        );
        let m = Message::for_platform(Platform::Unspecified, MessageKind::Text(Text::default()));
        assert_eq!(out(&m), json!({"text": {}}));
    }

    #[test]
    fn empty_response_is_an_empty_object() {
        assert_eq!(out(&WebhookResponse::default()), json!({}));
        assert_eq!(
            parse::<WebhookResponse>(json!({})),
            WebhookResponse::default()
        );
    }

    #[test]
    fn lifespan_count_zero_is_kept() {
        let resp = WebhookResponse {
            output_contexts: vec![
                Context {
                    name: format!("{SESSION}/contexts/old"),
                    lifespan_count: Some(0),
                    parameters: Map::new(),
                },
                Context {
                    name: format!("{SESSION}/contexts/unset"),
                    lifespan_count: None,
                    parameters: Map::new(),
                },
            ],
            ..Default::default()
        };
        let v = out(&resp);
        assert_eq!(
            v,
            json!({"outputContexts": [
                {"name": format!("{SESSION}/contexts/old"), "lifespanCount": 0},
                {"name": format!("{SESSION}/contexts/unset")}
            ]})
        );
        let back: WebhookResponse = parse(v);
        assert_eq!(back.output_contexts[0].lifespan_count, Some(0));
        assert_eq!(
            parse::<Context>(json!({"name": "c", "lifespanCount": "0"})).lifespan_count,
            Some(0)
        );
    }

    #[test]
    fn unknown_platform_and_message_kinds_are_tolerated() {
        let req: WebhookRequest = parse(json!({
            "session": SESSION,
            "queryResult": {
                "queryText": "hi",
                "fulfillmentMessages": [
                    {"platform": "TELEPHONY", "text": {"text": ["phone"]}},
                    {"platform": "telegram", "text": {"text": ["lower case name"]}},
                    {"platform": 8, "suggestions": {"suggestions": [{"title": "by number"}]}},
                    {"platform": "TELEPHONY", "telephonyPlayAudio": {"audioUri": "gs://x"}},
                    {"platform": "FACEBOOK"},
                    {"rbmText": {"text": "x"}},
                    {"text": {"text": ["default"]}}
                ],
                "intent": {"displayName": "x", "defaultResponsePlatforms": ["SLACK", "TELEPHONY"],
                           "messages": [{"telephonyTransferCall": {"phoneNumber": "+1"}}, {"text": {}}]}
            }
        }));
        let qr = req.query_result.unwrap();
        let platforms: Vec<_> = qr.fulfillment_messages.iter().map(|m| m.platform).collect();
        assert_eq!(
            platforms,
            [
                Some(Platform::Unspecified),
                Some(Platform::Telegram),
                Some(Platform::ActionsOnGoogle),
                None
            ],
            "unknown platform reads as unspecified; unknown or empty kinds are skipped"
        );
        assert_eq!(
            out(&qr.fulfillment_messages[0]),
            json!({"text": {"text": ["phone"]}}),
            "only valid platform names go out"
        );
        let intent = qr.intent.unwrap();
        assert_eq!(
            intent.default_response_platforms,
            [Platform::Slack, Platform::Unspecified]
        );
        assert_eq!(intent.messages.len(), 1);
    }

    /// The JSON field name of a kind; exhaustive, so a new kind cannot miss the shape test.
    fn kind_name(kind: &MessageKind) -> &'static str {
        match kind {
            MessageKind::Text(_) => "text",
            MessageKind::Image(_) => "image",
            MessageKind::QuickReplies(_) => "quickReplies",
            MessageKind::Card(_) => "card",
            MessageKind::Payload(_) => "payload",
            MessageKind::SimpleResponses(_) => "simpleResponses",
            MessageKind::BasicCard(_) => "basicCard",
            MessageKind::Suggestions(_) => "suggestions",
            MessageKind::LinkOutSuggestion(_) => "linkOutSuggestion",
            MessageKind::ListSelect(_) => "listSelect",
            MessageKind::CarouselSelect(_) => "carouselSelect",
            MessageKind::BrowseCarouselCard(_) => "browseCarouselCard",
            MessageKind::TableCard(_) => "tableCard",
            MessageKind::MediaContent(_) => "mediaContent",
        }
    }

    fn image(uri: &str) -> Image {
        Image {
            image_uri: uri.into(),
            accessibility_text: "alt".into(),
        }
    }

    fn open(uri: &str) -> BasicCardButton {
        BasicCardButton {
            title: "Open".into(),
            open_uri_action: Some(OpenUriAction { uri: uri.into() }),
        }
    }

    fn item(key: &str) -> SelectItem {
        SelectItem {
            info: Some(SelectItemInfo {
                key: key.into(),
                synonyms: vec![format!("{key} syn")],
            }),
            title: key.to_uppercase(),
            description: "d".into(),
            image: Some(image("https://i/item.png")),
        }
    }

    /// Every message kind, built in Rust, next to the exact proto3 JSON it must produce.
    fn every_kind() -> Vec<(Message, Value)> {
        use MessageKind as K;
        let aog = Platform::ActionsOnGoogle;
        vec![
            (
                Message::new(K::Text(Text {
                    text: vec!["Hello".into(), "Hi".into()],
                })),
                json!({"text": {"text": ["Hello", "Hi"]}}),
            ),
            (
                Message::for_platform(Platform::Facebook, K::Image(image("https://i/a.png"))),
                json!({"platform": "FACEBOOK", "image": {"imageUri": "https://i/a.png", "accessibilityText": "alt"}}),
            ),
            (
                Message::for_platform(
                    Platform::Telegram,
                    K::QuickReplies(QuickReplies {
                        title: "Pick".into(),
                        quick_replies: vec!["Yes".into(), "No".into()],
                    }),
                ),
                json!({"platform": "TELEGRAM", "quickReplies": {"title": "Pick", "quickReplies": ["Yes", "No"]}}),
            ),
            (
                Message::new(K::Card(Card {
                    title: "Ramen".into(),
                    subtitle: "Hot".into(),
                    image_uri: "https://i/r.png".into(),
                    buttons: vec![CardButton {
                        text: "Order".into(),
                        postback: "order ramen".into(),
                    }],
                })),
                json!({"card": {"title": "Ramen", "subtitle": "Hot", "imageUri": "https://i/r.png",
                                "buttons": [{"text": "Order", "postback": "order ramen"}]}}),
            ),
            (
                Message::for_platform(
                    Platform::Slack,
                    K::Payload(
                        json!({"slack": {"text": "x", "attachments": []}})
                            .as_object()
                            .unwrap()
                            .clone(),
                    ),
                ),
                json!({"platform": "SLACK", "payload": {"slack": {"text": "x", "attachments": []}}}),
            ),
            (
                Message::for_platform(
                    aog,
                    K::SimpleResponses(SimpleResponses {
                        simple_responses: vec![SimpleResponse {
                            text_to_speech: String::new(),
                            ssml: "<speak>Hi</speak>".into(),
                            display_text: "Hi".into(),
                        }],
                    }),
                ),
                json!({"platform": "ACTIONS_ON_GOOGLE", "simpleResponses": {"simpleResponses": [
                    {"ssml": "<speak>Hi</speak>", "displayText": "Hi"}]}}),
            ),
            (
                Message::for_platform(
                    aog,
                    K::BasicCard(BasicCard {
                        title: "T".into(),
                        subtitle: "S".into(),
                        formatted_text: "**F**".into(),
                        image: Some(image("https://i/b.png")),
                        buttons: vec![open("https://u")],
                    }),
                ),
                json!({"platform": "ACTIONS_ON_GOOGLE", "basicCard": {"title": "T", "subtitle": "S",
                    "formattedText": "**F**", "image": {"imageUri": "https://i/b.png", "accessibilityText": "alt"},
                    "buttons": [{"title": "Open", "openUriAction": {"uri": "https://u"}}]}}),
            ),
            (
                Message::for_platform(
                    aog,
                    K::Suggestions(Suggestions {
                        suggestions: vec![
                            Suggestion {
                                title: "Yes".into(),
                            },
                            Suggestion { title: "No".into() },
                        ],
                    }),
                ),
                json!({"platform": "ACTIONS_ON_GOOGLE", "suggestions": {"suggestions": [{"title": "Yes"}, {"title": "No"}]}}),
            ),
            (
                Message::for_platform(
                    aog,
                    K::LinkOutSuggestion(LinkOutSuggestion {
                        destination_name: "Site".into(),
                        uri: "https://u".into(),
                    }),
                ),
                json!({"platform": "ACTIONS_ON_GOOGLE", "linkOutSuggestion": {"destinationName": "Site", "uri": "https://u"}}),
            ),
            (
                Message::for_platform(
                    aog,
                    K::ListSelect(ListSelect {
                        title: "L".into(),
                        items: vec![item("a"), item("b")],
                        subtitle: "sub".into(),
                    }),
                ),
                json!({"platform": "ACTIONS_ON_GOOGLE", "listSelect": {"title": "L", "items": [
                    {"info": {"key": "a", "synonyms": ["a syn"]}, "title": "A", "description": "d",
                     "image": {"imageUri": "https://i/item.png", "accessibilityText": "alt"}},
                    {"info": {"key": "b", "synonyms": ["b syn"]}, "title": "B", "description": "d",
                     "image": {"imageUri": "https://i/item.png", "accessibilityText": "alt"}}
                ], "subtitle": "sub"}}),
            ),
            (
                Message::for_platform(
                    aog,
                    K::CarouselSelect(CarouselSelect {
                        items: vec![SelectItem {
                            info: Some(SelectItemInfo {
                                key: "k".into(),
                                synonyms: vec![],
                            }),
                            title: "K".into(),
                            ..Default::default()
                        }],
                    }),
                ),
                json!({"platform": "ACTIONS_ON_GOOGLE", "carouselSelect": {"items": [{"info": {"key": "k"}, "title": "K"}]}}),
            ),
            (
                Message::for_platform(
                    aog,
                    K::BrowseCarouselCard(BrowseCarouselCard {
                        items: vec![BrowseCarouselCardItem {
                            open_uri_action: Some(OpenUrlAction {
                                url: "https://u".into(),
                                url_type_hint: UrlTypeHint::AmpContent,
                            }),
                            title: "T".into(),
                            description: "D".into(),
                            image: Some(image("https://i/c.png")),
                            footer: "F".into(),
                        }],
                        image_display_options: ImageDisplayOptions::BlurredBackground,
                    }),
                ),
                json!({"platform": "ACTIONS_ON_GOOGLE", "browseCarouselCard": {"items": [
                    {"openUriAction": {"url": "https://u", "urlTypeHint": "AMP_CONTENT"}, "title": "T",
                     "description": "D", "image": {"imageUri": "https://i/c.png", "accessibilityText": "alt"},
                     "footer": "F"}], "imageDisplayOptions": "BLURRED_BACKGROUND"}}),
            ),
            (
                Message::for_platform(
                    aog,
                    K::TableCard(TableCard {
                        title: "T".into(),
                        subtitle: "S".into(),
                        image: Some(image("https://i/t.png")),
                        column_properties: vec![
                            ColumnProperties {
                                header: "Dish".into(),
                                horizontal_alignment: HorizontalAlignment::Leading,
                            },
                            ColumnProperties {
                                header: "Price".into(),
                                horizontal_alignment: HorizontalAlignment::Unspecified,
                            },
                        ],
                        rows: vec![
                            TableCardRow {
                                cells: vec![
                                    TableCardCell {
                                        text: "Ramen".into(),
                                    },
                                    TableCardCell { text: "9".into() },
                                ],
                                divider_after: true,
                            },
                            TableCardRow {
                                cells: vec![TableCardCell { text: "Tea".into() }],
                                divider_after: false,
                            },
                        ],
                        buttons: vec![open("https://menu")],
                    }),
                ),
                json!({"platform": "ACTIONS_ON_GOOGLE", "tableCard": {"title": "T", "subtitle": "S",
                    "image": {"imageUri": "https://i/t.png", "accessibilityText": "alt"},
                    "columnProperties": [{"header": "Dish", "horizontalAlignment": "LEADING"}, {"header": "Price"}],
                    "rows": [{"cells": [{"text": "Ramen"}, {"text": "9"}], "dividerAfter": true},
                             {"cells": [{"text": "Tea"}]}],
                    "buttons": [{"title": "Open", "openUriAction": {"uri": "https://menu"}}]}}),
            ),
            (
                Message::for_platform(
                    aog,
                    K::MediaContent(MediaContent {
                        media_type: MediaType::Audio,
                        media_objects: vec![
                            ResponseMediaObject {
                                name: "Song".into(),
                                description: "D".into(),
                                image: Some(MediaImage::LargeImage(image("https://i/l.png"))),
                                content_url: "https://a/song.mp3".into(),
                            },
                            ResponseMediaObject {
                                name: "Jingle".into(),
                                description: String::new(),
                                image: Some(MediaImage::Icon(image("https://i/icon.png"))),
                                content_url: "https://a/jingle.mp3".into(),
                            },
                            ResponseMediaObject {
                                name: "Bare".into(),
                                content_url: "https://a/bare.mp3".into(),
                                ..Default::default()
                            },
                        ],
                    }),
                ),
                json!({"platform": "ACTIONS_ON_GOOGLE", "mediaContent": {"mediaType": "AUDIO", "mediaObjects": [
                    {"name": "Song", "description": "D",
                     "largeImage": {"imageUri": "https://i/l.png", "accessibilityText": "alt"},
                     "contentUrl": "https://a/song.mp3"},
                    {"name": "Jingle", "icon": {"imageUri": "https://i/icon.png", "accessibilityText": "alt"},
                     "contentUrl": "https://a/jingle.mp3"},
                    {"name": "Bare", "contentUrl": "https://a/bare.mp3"}
                ]}}),
            ),
        ]
    }

    #[test]
    fn every_message_kind_has_the_exact_proto_shape() {
        let cases = every_kind();
        let mut seen: Vec<&str> = cases.iter().map(|(m, _)| kind_name(&m.kind)).collect();
        seen.sort_unstable();
        seen.dedup();
        assert_eq!(seen.len(), 14, "one case per MessageKind");
        for (message, expected) in &cases {
            assert_eq!(&out(message), expected, "{}", kind_name(&message.kind));
            assert_eq!(&parse::<Message>(expected.clone()), message);
            // The oneof key is the only key besides `platform`.
            let keys: Vec<&String> = expected
                .as_object()
                .unwrap()
                .keys()
                .filter(|k| *k != "platform")
                .collect();
            assert_eq!(keys, [kind_name(&message.kind)]);
        }
    }

    #[test]
    fn full_response_has_the_exact_proto_shape() {
        let mut params = Map::new();
        params.insert("guests".into(), json!(4));
        let resp = WebhookResponse {
            fulfillment_text: "Booked.".into(),
            fulfillment_messages: vec![Message::new(MessageKind::Text(Text {
                text: vec!["Booked.".into()],
            }))],
            source: "intentful".into(),
            payload: Some(
                json!({"google": {"expectUserResponse": false}})
                    .as_object()
                    .unwrap()
                    .clone(),
            ),
            output_contexts: vec![Context {
                name: format!("{SESSION}/contexts/booking"),
                lifespan_count: Some(5),
                parameters: params.clone(),
            }],
            followup_event_input: Some(EventInput {
                name: "booking_done".into(),
                parameters: params,
                language_code: "en-US".into(),
            }),
            session_entity_types: vec![SessionEntityType {
                name: format!("{SESSION}/entityTypes/dish"),
                entity_override_mode: EntityOverrideMode::Supplement,
                entities: vec![Entity {
                    value: "ramen".into(),
                    synonyms: vec!["ramen".into(), "noodles".into()],
                }],
            }],
        };
        let v = out(&resp);
        assert_eq!(
            v,
            json!({
                "fulfillmentText": "Booked.",
                "fulfillmentMessages": [{"text": {"text": ["Booked."]}}],
                "source": "intentful",
                "payload": {"google": {"expectUserResponse": false}},
                "outputContexts": [{"name": format!("{SESSION}/contexts/booking"), "lifespanCount": 5,
                                    "parameters": {"guests": 4}}],
                "followupEventInput": {"name": "booking_done", "parameters": {"guests": 4}, "languageCode": "en-US"},
                "sessionEntityTypes": [{"name": format!("{SESSION}/entityTypes/dish"),
                                        "entityOverrideMode": "ENTITY_OVERRIDE_MODE_SUPPLEMENT",
                                        "entities": [{"value": "ramen", "synonyms": ["ramen", "noodles"]}]}]
            })
        );
        assert_eq!(parse::<WebhookResponse>(v), resp);
        let overriding = SessionEntityType {
            entity_override_mode: EntityOverrideMode::Override,
            ..Default::default()
        };
        assert_eq!(
            out(&overriding),
            json!({"entityOverrideMode": "ENTITY_OVERRIDE_MODE_OVERRIDE"})
        );
        assert_eq!(out(&SessionEntityType::default()), json!({}));
    }

    #[test]
    fn full_intent_resource_is_accepted() {
        let v = json!({
            "name": "projects/p/agent/intents/1",
            "displayName": "Book Table",
            "webhookState": "WEBHOOK_STATE_ENABLED_FOR_SLOT_FILLING",
            "priority": 500000,
            "isFallback": true,
            "mlDisabled": true,
            "liveAgentHandoff": true,
            "endInteraction": true,
            "inputContextNames": ["projects/p/agent/sessions/-/contexts/booking"],
            "events": ["BOOK"],
            "trainingPhrases": [{"name": "tp1", "type": "EXAMPLE", "parts": [
                {"text": "book for "}, {"text": "four", "entityType": "@sys.number", "alias": "guests", "userDefined": true}
            ], "timesAddedCount": 2}],
            "action": "booking.table",
            "outputContexts": [{"name": "projects/p/agent/sessions/-/contexts/booking", "lifespanCount": 5}],
            "resetContexts": true,
            "parameters": [{"name": "p1", "displayName": "guests", "value": "$guests", "defaultValue": "2",
                            "entityTypeDisplayName": "@sys.number", "mandatory": true,
                            "prompts": ["How many?"], "isList": true}],
            "messages": [{"text": {"text": ["ok"]}}],
            "defaultResponsePlatforms": ["ACTIONS_ON_GOOGLE", "GOOGLE_HANGOUTS"],
            "rootFollowupIntentName": "projects/p/agent/intents/0",
            "parentFollowupIntentName": "projects/p/agent/intents/0",
            "followupIntentInfo": [{"followupIntentName": "projects/p/agent/intents/2",
                                    "parentFollowupIntentName": "projects/p/agent/intents/1"}]
        });
        let intent: Intent = parse(v.clone());
        assert_eq!(intent.webhook_state, WebhookState::EnabledForSlotFilling);
        assert_eq!(
            intent.training_phrases[0].r#type,
            TrainingPhraseType::Example
        );
        assert_eq!(intent.parameters[0].entity_type_display_name, "@sys.number");
        assert_eq!(out(&intent), v);
    }

    #[test]
    fn sentiment_status_reads_and_writes() {
        let v = json!({"queryTextSentiment": {"score": 0.5}, "status": {"code": 3, "message": "bad",
            "details": [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "X"}]}});
        let s: SentimentAnalysisResult = parse(v.clone());
        assert_eq!(s.status.as_ref().and_then(|s| s.code), Some(3));
        assert_eq!(out(&s), v);
    }
}
