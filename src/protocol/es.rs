//! Provisional wire types (minimal subset) until the complete, proto-checked set lands.
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct WebhookRequest { pub session: String, pub response_id: String, pub query_result: Option<QueryResult>, pub original_detect_intent_request: Option<OriginalDetectIntentRequest> }
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct QueryResult { pub query_text: String, pub language_code: String, pub action: String, pub parameters: Map<String, Value>, pub output_contexts: Vec<Context>, pub intent: Option<Intent>, pub intent_detection_confidence: Option<f64> }
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Intent { pub name: String, pub display_name: String }
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct OriginalDetectIntentRequest { pub source: String, pub version: String, pub payload: Map<String, Value> }
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Context { pub name: String, #[serde(skip_serializing_if = "Option::is_none")] pub lifespan_count: Option<i32>, #[serde(skip_serializing_if = "Map::is_empty")] pub parameters: Map<String, Value> }
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct WebhookResponse {
  #[serde(skip_serializing_if = "String::is_empty")] pub fulfillment_text: String,
  #[serde(skip_serializing_if = "Vec::is_empty")] pub fulfillment_messages: Vec<Message>,
  #[serde(skip_serializing_if = "String::is_empty")] pub source: String,
  #[serde(skip_serializing_if = "Option::is_none")] pub payload: Option<Map<String, Value>>,
  #[serde(skip_serializing_if = "Vec::is_empty")] pub output_contexts: Vec<Context>,
  #[serde(skip_serializing_if = "Option::is_none")] pub followup_event_input: Option<EventInput>,
  #[serde(skip_serializing_if = "Vec::is_empty")] pub session_entity_types: Vec<SessionEntityType> }
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Message { #[serde(skip_serializing_if = "Option::is_none")] pub platform: Option<Platform>, #[serde(flatten)] pub kind: MessageKind }
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Platform { ActionsOnGoogle }
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum MessageKind { Text(Text), Image(Image), QuickReplies(QuickReplies), Card(Card), Payload(Map<String, Value>), SimpleResponses(SimpleResponses), Suggestions(Suggestions) }
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Text { pub text: Vec<String> }
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Image { #[serde(skip_serializing_if = "String::is_empty")] pub image_uri: String, #[serde(skip_serializing_if = "String::is_empty")] pub accessibility_text: String }
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct QuickReplies { #[serde(skip_serializing_if = "String::is_empty")] pub title: String, pub quick_replies: Vec<String> }
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Card { pub title: String, pub subtitle: String, pub image_uri: String, pub buttons: Vec<CardButton> }
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CardButton { pub text: String, pub postback: String }
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SimpleResponses { pub simple_responses: Vec<SimpleResponse> }
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SimpleResponse { #[serde(skip_serializing_if = "String::is_empty")] pub text_to_speech: String, #[serde(skip_serializing_if = "String::is_empty")] pub ssml: String, #[serde(skip_serializing_if = "String::is_empty")] pub display_text: String }
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct EventInput { pub name: String, #[serde(skip_serializing_if = "Map::is_empty")] pub parameters: Map<String, Value>, pub language_code: String }
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SessionEntityType { pub name: String, pub entity_override_mode: EntityOverrideMode, pub entities: Vec<Entity> }
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub enum EntityOverrideMode { #[default] #[serde(rename="ENTITY_OVERRIDE_MODE_OVERRIDE")] Override, #[serde(rename="ENTITY_OVERRIDE_MODE_SUPPLEMENT")] Supplement }
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Entity { pub value: String, pub synonyms: Vec<String> }
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Suggestions { pub suggestions: Vec<Suggestion> }
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Suggestion { pub title: String }
