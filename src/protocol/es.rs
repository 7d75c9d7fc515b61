//! Dialogflow ES v2 webhook wire types, field by field from google/cloud/dialogflow/v2
//! (webhook.proto, session.proto, context.proto, intent.proto, session_entity_type.proto).
//!
//! Out is strict proto3 JSON: lowerCamelCase, enums as names, empty fields omitted, no extra
//! key (Dialogflow rejects a response with an unknown field). In is tolerant: unknown fields are
//! ignored, snake_case spellings accepted, `null` means default, numbers may be strings.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::tolerant::{self, flag, nullable, proto_enum};

type Struct = Map<String, Value>;

fn is_false(b: &bool) -> bool {
    !*b
}

/// `WebhookRequest` (webhook.proto).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct WebhookRequest {
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

/// `QueryResult` (session.proto).
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
    #[serde(
        alias = "speech_recognition_confidence",
        with = "tolerant::opt_f64",
        skip_serializing_if = "Option::is_none"
    )]
    pub speech_recognition_confidence: Option<f64>,
    #[serde(
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub action: String,
    #[serde(deserialize_with = "nullable", skip_serializing_if = "Map::is_empty")]
    pub parameters: Struct,
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
    #[serde(
        alias = "output_contexts",
        deserialize_with = "nullable",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub output_contexts: Vec<Context>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub intent: Option<Intent>,
    #[serde(
        alias = "intent_detection_confidence",
        with = "tolerant::opt_f64",
        skip_serializing_if = "Option::is_none"
    )]
    pub intent_detection_confidence: Option<f64>,
    #[serde(
        alias = "diagnostic_info",
        deserialize_with = "nullable",
        skip_serializing_if = "Map::is_empty"
    )]
    pub diagnostic_info: Struct,
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
}

/// `Sentiment` (session.proto): score in [-1, 1], magnitude ≥ 0.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Sentiment {
    #[serde(with = "tolerant::opt_f64", skip_serializing_if = "Option::is_none")]
    pub score: Option<f64>,
    #[serde(with = "tolerant::opt_f64", skip_serializing_if = "Option::is_none")]
    pub magnitude: Option<f64>,
}

/// `OriginalDetectIntentRequest` (webhook.proto): the integration's own request.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct OriginalDetectIntentRequest {
    #[serde(
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub source: String,
    #[serde(
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub version: String,
    #[serde(deserialize_with = "nullable", skip_serializing_if = "Map::is_empty")]
    pub payload: Struct,
}

/// `Context` (context.proto). `lifespanCount` is always written when set, 0 included: 0 is how
/// a context is deleted, and proto3 would otherwise drop it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Context {
    #[serde(deserialize_with = "nullable")]
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
    /// `Intent.WebhookState`.
    WebhookState {
        Unspecified = 0 => "WEBHOOK_STATE_UNSPECIFIED",
        Enabled = 1 => "WEBHOOK_STATE_ENABLED",
        EnabledForSlotFilling = 2 => "WEBHOOK_STATE_ENABLED_FOR_SLOT_FILLING",
    }
);

/// The matched `Intent` as a webhook request carries it (name and display name, plus the
/// flags Dialogflow may include; the rest of the Intent resource never appears here).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Intent {
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
    #[serde(with = "tolerant::opt_i32", skip_serializing_if = "Option::is_none")]
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
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub action: String,
}

/// `WebhookResponse` (webhook.proto).
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
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payload: Option<Struct>,
    #[serde(
        alias = "output_contexts",
        deserialize_with = "nullable",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub output_contexts: Vec<Context>,
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

/// `EventInput` (session.proto); `languageCode` is required by Dialogflow.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct EventInput {
    #[serde(deserialize_with = "nullable")]
    pub name: String,
    #[serde(deserialize_with = "nullable", skip_serializing_if = "Map::is_empty")]
    pub parameters: Struct,
    #[serde(alias = "language_code", deserialize_with = "nullable")]
    pub language_code: String,
}

proto_enum!(
    /// `SessionEntityType.EntityOverrideMode`.
    EntityOverrideMode {
        Unspecified = 0 => "ENTITY_OVERRIDE_MODE_UNSPECIFIED",
        Override = 1 => "ENTITY_OVERRIDE_MODE_OVERRIDE",
        Supplement = 2 => "ENTITY_OVERRIDE_MODE_SUPPLEMENT",
    }
);

/// `SessionEntityType` (session_entity_type.proto).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SessionEntityType {
    #[serde(deserialize_with = "nullable")]
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
    #[serde(deserialize_with = "nullable")]
    pub value: String,
    #[serde(deserialize_with = "nullable", skip_serializing_if = "Vec::is_empty")]
    pub synonyms: Vec<String>,
}

proto_enum!(
    /// `Intent.Message.Platform`. Unknown platforms read as unspecified rather than failing
    /// the request; output only ever writes these names.
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

/// `Intent.Message`: one rich message, the proto oneof flattened beside `platform`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform: Option<Platform>,
    #[serde(flatten)]
    pub kind: MessageKind,
}

/// The `Intent.Message` oneof.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum MessageKind {
    Text(Text),
    Image(Image),
    #[serde(alias = "quick_replies")]
    QuickReplies(QuickReplies),
    Card(Card),
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

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Text {
    #[serde(deserialize_with = "nullable", skip_serializing_if = "Vec::is_empty")]
    pub text: Vec<String>,
}

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
    #[serde(
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub postback: String,
}

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

/// `Intent.Message.BasicCard.Button`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct BasicCardButton {
    #[serde(
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub title: String,
    #[serde(alias = "open_uri_action", skip_serializing_if = "Option::is_none")]
    pub open_uri_action: Option<OpenUriAction>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct OpenUriAction {
    #[serde(
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub uri: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Suggestions {
    #[serde(deserialize_with = "nullable", skip_serializing_if = "Vec::is_empty")]
    pub suggestions: Vec<Suggestion>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Suggestion {
    #[serde(
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub title: String,
}

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

/// `Intent.Message.SelectItemInfo`.
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

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ListSelect {
    #[serde(
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub title: String,
    #[serde(deserialize_with = "nullable", skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<SelectItem>,
    #[serde(
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub subtitle: String,
}

/// `ListSelect.Item` and `CarouselSelect.Item` share this shape.
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

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CarouselSelect {
    #[serde(deserialize_with = "nullable", skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<SelectItem>,
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

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct BrowseCarouselCardItem {
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

/// `MediaContent.ResponseMediaObject`; `largeImage` and `icon` are a oneof.
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

    fn full_request() -> Value {
        json!({
            "responseId": "7811ac58-5bd5-4e44-8d06-6cd8c67f5406-e15c53b8",
            "session": "projects/p/agent/environments/draft/users/-/sessions/ABwppHG",
            "queryResult": {
                "queryText": "book a table for four",
                "action": "booking.table",
                "parameters": {"guests": 4, "date": ""},
                "allRequiredParamsPresent": true,
                "fulfillmentText": "static",
                "fulfillmentMessages": [{"text": {"text": ["static"]}}, {"platform": "SLACK", "payload": {"blocks": []}}],
                "webhookSource": "src",
                "outputContexts": [{"name": "projects/p/agent/environments/draft/users/-/sessions/ABwppHG/contexts/booking", "lifespanCount": 5, "parameters": {"guests": 4}}],
                "intent": {"name": "projects/p/agent/intents/1", "displayName": "Book Table", "isFallback": false},
                "intentDetectionConfidence": 0.87,
                "speechRecognitionConfidence": 0.9,
                "diagnosticInfo": {"webhook_latency_ms": 120},
                "sentimentAnalysisResult": {"queryTextSentiment": {"score": 0.3, "magnitude": 0.3}},
                "languageCode": "en-us"
            },
            "originalDetectIntentRequest": {"source": "google", "version": "2", "payload": {"user": {"locale": "en-US"}}}
        })
    }

    #[test]
    fn full_request_round_trips() {
        let v = full_request();
        let req: WebhookRequest = serde_json::from_value(v.clone()).unwrap();
        let qr = req.query_result.as_ref().unwrap();
        assert_eq!(qr.intent.as_ref().unwrap().display_name, "Book Table");
        assert_eq!(qr.output_contexts[0].lifespan_count, Some(5));
        assert_eq!(qr.fulfillment_messages[1].platform, Some(Platform::Slack));
        assert_eq!(
            qr.sentiment_analysis_result
                .as_ref()
                .unwrap()
                .query_text_sentiment
                .as_ref()
                .unwrap()
                .score,
            Some(0.3)
        );
        let mut expected = v;
        // `isFallback: false` is a default and is omitted on the way out, as proto3 does.
        expected["queryResult"]["intent"]
            .as_object_mut()
            .unwrap()
            .remove("isFallback");
        assert_eq!(serde_json::to_value(&req).unwrap(), expected);
    }

    #[test]
    fn snake_case_numeric_strings_nulls_and_unknown_fields() {
        let req: WebhookRequest = serde_json::from_value(json!({
            "session": "s", "response_id": "r", "somethingNew": {"x": 1},
            "query_result": {"query_text": "hi", "intent_detection_confidence": "0.5",
                "output_contexts": [{"name": "c", "lifespan_count": "3"}],
                "fulfillment_messages": [{"quick_replies": {"quick_replies": ["a"]}, "platform": "NEW_PLATFORM"},
                                         {"telephonyPlayAudio": {"audioUri": "gs://x"}}],
                "intent": null, "action": null, "all_required_params_present": "true"}
        }))
        .unwrap();
        let qr = req.query_result.unwrap();
        assert_eq!(
            (req.response_id.as_str(), qr.query_text.as_str()),
            ("r", "hi")
        );
        assert_eq!(qr.intent_detection_confidence, Some(0.5));
        assert_eq!(qr.output_contexts[0].lifespan_count, Some(3));
        assert!(qr.all_required_params_present);
        assert_eq!(
            qr.fulfillment_messages[0].platform,
            Some(Platform::Unspecified)
        );
        assert!(matches!(
            qr.fulfillment_messages[0].kind,
            MessageKind::QuickReplies(_)
        ));
        assert_eq!(
            qr.fulfillment_messages.len(),
            1,
            "a message kind we do not know is skipped"
        );
    }

    #[test]
    fn empty_response_is_empty_object_and_lifespan_zero_is_kept() {
        assert_eq!(
            serde_json::to_value(WebhookResponse::default()).unwrap(),
            json!({})
        );
        let resp = WebhookResponse {
            output_contexts: vec![Context {
                name: "s/contexts/c".into(),
                lifespan_count: Some(0),
                parameters: Map::new(),
            }],
            ..Default::default()
        };
        assert_eq!(
            serde_json::to_value(resp).unwrap(),
            json!({"outputContexts": [{"name": "s/contexts/c", "lifespanCount": 0}]})
        );
    }

    #[test]
    fn every_message_kind_has_the_proto_shape() {
        let cases = json!([
            {"text": {"text": ["a"]}},
            {"image": {"imageUri": "https://i", "accessibilityText": "alt"}},
            {"quickReplies": {"title": "t", "quickReplies": ["a", "b"]}},
            {"card": {"title": "t", "subtitle": "s", "imageUri": "https://i", "buttons": [{"text": "b", "postback": "p"}]}},
            {"payload": {"slack": {"text": "x"}}},
            {"platform": "ACTIONS_ON_GOOGLE", "simpleResponses": {"simpleResponses": [{"textToSpeech": "hi", "displayText": "Hi"}]}},
            {"platform": "ACTIONS_ON_GOOGLE", "basicCard": {"title": "t", "formattedText": "f", "image": {"imageUri": "https://i"}, "buttons": [{"title": "b", "openUriAction": {"uri": "https://u"}}]}},
            {"platform": "ACTIONS_ON_GOOGLE", "suggestions": {"suggestions": [{"title": "s"}]}},
            {"platform": "ACTIONS_ON_GOOGLE", "linkOutSuggestion": {"destinationName": "d", "uri": "https://u"}},
            {"platform": "ACTIONS_ON_GOOGLE", "listSelect": {"title": "t", "items": [{"info": {"key": "k", "synonyms": ["s"]}, "title": "i"}], "subtitle": "s"}},
            {"platform": "ACTIONS_ON_GOOGLE", "carouselSelect": {"items": [{"info": {"key": "k"}, "title": "i", "description": "d"}]}},
            {"platform": "ACTIONS_ON_GOOGLE", "browseCarouselCard": {"items": [{"openUriAction": {"url": "https://u", "urlTypeHint": "AMP_CONTENT"}, "title": "t", "footer": "f"}], "imageDisplayOptions": "CROPPED"}},
            {"platform": "ACTIONS_ON_GOOGLE", "tableCard": {"title": "t", "columnProperties": [{"header": "h", "horizontalAlignment": "CENTER"}], "rows": [{"cells": [{"text": "c"}], "dividerAfter": true}]}},
            {"platform": "ACTIONS_ON_GOOGLE", "mediaContent": {"mediaType": "AUDIO", "mediaObjects": [{"name": "n", "largeImage": {"imageUri": "https://i"}, "contentUrl": "https://a"}]}}
        ]);
        for case in cases.as_array().unwrap() {
            let m: Message = serde_json::from_value(case.clone()).unwrap();
            assert_eq!(&serde_json::to_value(&m).unwrap(), case);
        }
    }

    #[test]
    fn session_entity_types_and_events() {
        let resp = WebhookResponse {
            followup_event_input: Some(EventInput {
                name: "e".into(),
                parameters: Map::new(),
                language_code: "en".into(),
            }),
            session_entity_types: vec![SessionEntityType {
                name: "s/entityTypes/dish".into(),
                entity_override_mode: EntityOverrideMode::Supplement,
                entities: vec![Entity {
                    value: "ramen".into(),
                    synonyms: vec!["ramen".into()],
                }],
            }],
            ..Default::default()
        };
        assert_eq!(
            serde_json::to_value(resp).unwrap(),
            json!({
                "followupEventInput": {"name": "e", "languageCode": "en"},
                "sessionEntityTypes": [{"name": "s/entityTypes/dish", "entityOverrideMode": "ENTITY_OVERRIDE_MODE_SUPPLEMENT",
                                        "entities": [{"value": "ramen", "synonyms": ["ramen"]}]}]
            })
        );
    }
}
