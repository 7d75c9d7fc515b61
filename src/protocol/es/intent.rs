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
