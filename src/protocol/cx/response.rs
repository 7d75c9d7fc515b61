//! `WebhookResponse`: fulfillment response, page and session info out, transitions (webhook.proto).

use super::*;

/// `WebhookResponse` (webhook.proto). `WebhookResponse::default()` serialises as `{}`, which lets
/// the page's static fulfillment stand.
#[serde_as]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct WebhookResponse {
    #[serde(
        alias = "fulfillment_response",
        skip_serializing_if = "Option::is_none"
    )]
    pub fulfillment_response: Option<FulfillmentResponse>,
    #[serde(alias = "page_info", skip_serializing_if = "Option::is_none")]
    pub page_info: Option<PageInfo>,
    #[serde(alias = "session_info", skip_serializing_if = "Option::is_none")]
    pub session_info: Option<SessionInfo>,
    /// Appended to `QueryResult.webhook_payloads`.
    #[serde_as(as = "DefaultOnNull")]
    #[serde(skip_serializing_if = "Map::is_empty")]
    pub payload: Struct,
    /// The `transition` oneof: one type, so a page and a flow can never both be set.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub transition: Option<Transition>,
}

/// The `WebhookResponse.transition` oneof, flattened into the response as `targetPage` or
/// `targetFlow`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Transition {
    /// `projects/<P>/locations/<L>/agents/<A>/flows/<F>/pages/<PG>`.
    #[serde(alias = "target_page")]
    TargetPage(String),
    /// `projects/<P>/locations/<L>/agents/<A>/flows/<F>`.
    #[serde(alias = "target_flow")]
    TargetFlow(String),
}

proto_enum!(
    /// `WebhookResponse.FulfillmentResponse.MergeBehavior` (unspecified means `APPEND`).
    MergeBehavior {
        Unspecified = 0 => "MERGE_BEHAVIOR_UNSPECIFIED",
        Append = 1 => "APPEND",
        Replace = 2 => "REPLACE",
    }
);

/// `WebhookResponse.FulfillmentResponse`.
#[serde_as]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct FulfillmentResponse {
    #[serde_as(as = "Items")]
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub messages: Vec<ResponseMessage>,
    #[serde(
        alias = "merge_behavior",
        skip_serializing_if = "MergeBehavior::is_unspecified"
    )]
    pub merge_behavior: MergeBehavior,
}
