//! Provisional wire types (minimal subset) until the complete, proto-checked set lands.
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct WebhookRequest { pub detect_intent_response_id: String, pub text: Option<String>, pub trigger_intent: Option<String>, pub transcript: Option<String>, pub trigger_event: Option<String>, pub dtmf_digits: Option<String>, pub language_code: String, pub fulfillment_info: Option<FulfillmentInfo>, pub intent_info: Option<IntentInfo>, pub page_info: Option<PageInfo>, pub session_info: Option<SessionInfo>, pub payload: Map<String, Value> }
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct FulfillmentInfo { pub tag: String }
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct IntentInfo { pub display_name: String, pub parameters: std::collections::BTreeMap<String, IntentParameterValue>, pub confidence: Option<f64> }
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct IntentParameterValue { pub original_value: String, pub resolved_value: Value }
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PageInfo { pub current_page: String, pub display_name: String, pub form_info: Option<FormInfo> }
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct FormInfo { pub parameter_info: Vec<ParameterInfo> }
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ParameterInfo { pub display_name: String, pub required: bool, pub state: ParameterState, pub value: Option<Value>, pub just_collected: bool }
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub enum ParameterState { #[default] Unspecified, Empty, Invalid, Filled }
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SessionInfo { pub session: String, pub parameters: Map<String, Value> }
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct WebhookResponse { pub fulfillment_response: Option<FulfillmentResponse>, pub page_info: Option<PageInfo>, pub session_info: Option<SessionInfo>, pub payload: Map<String, Value>, #[serde(flatten)] pub transition: Option<Transition> }
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Transition { TargetPage(String), TargetFlow(String) }
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct FulfillmentResponse { pub messages: Vec<ResponseMessage>, pub merge_behavior: MergeBehavior }
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub enum MergeBehavior { #[default] Unspecified, Append, Replace }
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ResponseMessage { pub channel: String, #[serde(flatten)] pub kind: ResponseMessageKind }
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ResponseMessageKind { #[default] EndInteraction2, Text(Text), Payload(Map<String, Value>), OutputAudioText(OutputAudioText), LiveAgentHandoff(LiveAgentHandoff), EndInteraction(EndInteraction), TelephonyTransferCall(TelephonyTransferCall) }
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Text { pub text: Vec<String>, pub allow_playback_interruption: bool }
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct OutputAudioText { #[serde(flatten)] pub source: Option<OutputAudioTextSource>, pub allow_playback_interruption: bool }
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum OutputAudioTextSource { Text(String), Ssml(String) }
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct LiveAgentHandoff { pub metadata: Map<String, Value> }
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EndInteraction {}
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TelephonyTransferCall { #[serde(flatten)] pub endpoint: Option<TransferEndpoint> }
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum TransferEndpoint { PhoneNumber(String) }
