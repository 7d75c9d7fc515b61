//! `Intent` with its training phrases, parameters and follow-up info (intent.proto).

use super::*;

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
#[serde_as]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Intent {
    /// `projects/<P>/agent/intents/<ID>`.
    #[serde_as(as = "DefaultOnNull")]
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name: String,
    #[serde_as(as = "DefaultOnNull")]
    #[serde(alias = "display_name", skip_serializing_if = "String::is_empty")]
    pub display_name: String,
    #[serde(
        alias = "webhook_state",
        skip_serializing_if = "WebhookState::is_unspecified"
    )]
    pub webhook_state: WebhookState,
    #[serde_as(as = "Option<Int32>")]
    #[serde(skip_serializing_if = "tolerant::is_none_or_zero_i32")]
    pub priority: Option<i32>,
    #[serde_as(as = "Flag")]
    #[serde(alias = "is_fallback", skip_serializing_if = "is_false")]
    pub is_fallback: bool,
    #[serde_as(as = "Flag")]
    #[serde(alias = "ml_disabled", skip_serializing_if = "is_false")]
    pub ml_disabled: bool,
    #[serde_as(as = "Flag")]
    #[serde(alias = "live_agent_handoff", skip_serializing_if = "is_false")]
    pub live_agent_handoff: bool,
    #[serde_as(as = "Flag")]
    #[serde(alias = "end_interaction", skip_serializing_if = "is_false")]
    pub end_interaction: bool,
    #[serde_as(as = "Items")]
    #[serde(alias = "input_context_names", skip_serializing_if = "Vec::is_empty")]
    pub input_context_names: Vec<String>,
    #[serde_as(as = "Items")]
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub events: Vec<String>,
    #[serde_as(as = "Items")]
    #[serde(alias = "training_phrases", skip_serializing_if = "Vec::is_empty")]
    pub training_phrases: Vec<TrainingPhrase>,
    #[serde_as(as = "DefaultOnNull")]
    #[serde(skip_serializing_if = "String::is_empty")]
    pub action: String,
    #[serde_as(as = "Items")]
    #[serde(alias = "output_contexts", skip_serializing_if = "Vec::is_empty")]
    pub output_contexts: Vec<Context>,
    #[serde_as(as = "Flag")]
    #[serde(alias = "reset_contexts", skip_serializing_if = "is_false")]
    pub reset_contexts: bool,
    /// The intent's parameter definitions (not the values: those are
    /// `QueryResult.parameters`).
    #[serde_as(as = "Items")]
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub parameters: Vec<IntentParameter>,
    #[serde_as(as = "Items")]
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub messages: Vec<Message>,
    #[serde_as(as = "DefaultOnNull")]
    #[serde(
        alias = "default_response_platforms",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub default_response_platforms: Vec<Platform>,
    #[serde_as(as = "DefaultOnNull")]
    #[serde(
        alias = "root_followup_intent_name",
        skip_serializing_if = "String::is_empty"
    )]
    pub root_followup_intent_name: String,
    #[serde_as(as = "DefaultOnNull")]
    #[serde(
        alias = "parent_followup_intent_name",
        skip_serializing_if = "String::is_empty"
    )]
    pub parent_followup_intent_name: String,
    #[serde_as(as = "Items")]
    #[serde(alias = "followup_intent_info", skip_serializing_if = "Vec::is_empty")]
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
#[serde_as]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TrainingPhrase {
    #[serde_as(as = "DefaultOnNull")]
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name: String,
    #[serde(skip_serializing_if = "TrainingPhraseType::is_unspecified")]
    pub r#type: TrainingPhraseType,
    #[serde_as(as = "Items")]
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub parts: Vec<TrainingPhrasePart>,
    #[serde_as(as = "Option<Int32>")]
    #[serde(
        alias = "times_added_count",
        skip_serializing_if = "tolerant::is_none_or_zero_i32"
    )]
    pub times_added_count: Option<i32>,
}

/// `Intent.TrainingPhrase.Part`.
#[serde_as]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TrainingPhrasePart {
    #[serde_as(as = "DefaultOnNull")]
    #[serde(skip_serializing_if = "String::is_empty")]
    pub text: String,
    #[serde_as(as = "DefaultOnNull")]
    #[serde(alias = "entity_type", skip_serializing_if = "String::is_empty")]
    pub entity_type: String,
    #[serde_as(as = "DefaultOnNull")]
    #[serde(skip_serializing_if = "String::is_empty")]
    pub alias: String,
    #[serde_as(as = "Flag")]
    #[serde(alias = "user_defined", skip_serializing_if = "is_false")]
    pub user_defined: bool,
}

/// `Intent.Parameter`: a parameter definition of the intent.
#[serde_as]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct IntentParameter {
    #[serde_as(as = "DefaultOnNull")]
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name: String,
    #[serde_as(as = "DefaultOnNull")]
    #[serde(alias = "display_name", skip_serializing_if = "String::is_empty")]
    pub display_name: String,
    #[serde_as(as = "DefaultOnNull")]
    #[serde(skip_serializing_if = "String::is_empty")]
    pub value: String,
    #[serde_as(as = "DefaultOnNull")]
    #[serde(alias = "default_value", skip_serializing_if = "String::is_empty")]
    pub default_value: String,
    #[serde_as(as = "DefaultOnNull")]
    #[serde(
        alias = "entity_type_display_name",
        skip_serializing_if = "String::is_empty"
    )]
    pub entity_type_display_name: String,
    #[serde_as(as = "Flag")]
    #[serde(skip_serializing_if = "is_false")]
    pub mandatory: bool,
    #[serde_as(as = "Items")]
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub prompts: Vec<String>,
    #[serde_as(as = "Flag")]
    #[serde(alias = "is_list", skip_serializing_if = "is_false")]
    pub is_list: bool,
}

/// `Intent.FollowupIntentInfo`.
#[serde_as]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct FollowupIntentInfo {
    #[serde_as(as = "DefaultOnNull")]
    #[serde(
        alias = "followup_intent_name",
        skip_serializing_if = "String::is_empty"
    )]
    pub followup_intent_name: String,
    #[serde_as(as = "DefaultOnNull")]
    #[serde(
        alias = "parent_followup_intent_name",
        skip_serializing_if = "String::is_empty"
    )]
    pub parent_followup_intent_name: String,
}
