//! Dialogflow CX v3 webhook wire types, field by field from google/cloud/dialogflow/cx/v3
//! (webhook.proto, response_message.proto, tool_call.proto), checked against the descriptors of
//! `google-cloud-dialogflow-cx` 2.9.0.
//!
//! The same rule as ES: strict proto3 JSON out (lowerCamelCase, enum names, empty fields
//! omitted, never an extra key), tolerant in (unknown fields, snake_case, nulls, numeric
//! strings, unknown enum names, unknown message kinds). One exception on the way out: a `null`
//! inside `sessionInfo.parameters` is kept, because that is how CX deletes a session parameter.
//!
//! Proto oneofs are Rust enums wherever the webhook writes them (`WebhookResponse.transition`,
//! `ResponseMessage.message`, `OutputAudioText.source`, `MixedAudio.Segment.content`), so a
//! response can never carry two members of one oneof. The request's `query` oneof, which only
//! Dialogflow writes, is kept as five optional fields.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use serde_with::formats::PreferMany;
use serde_with::{serde_as, DefaultOnNull, MapSkipError, OneOrMany, Same};

use super::tolerant::{proto_enum, Flag, Items, OrString};

type Struct = Map<String, Value>;

fn is_false(b: &bool) -> bool {
    !*b
}

mod message;
mod request;
mod response;
#[cfg(test)]
mod tests;

pub use message::*;
pub use request::*;
pub use response::*;
