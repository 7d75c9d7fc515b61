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
//! The reading rules are serde_with's, named in [`super::tolerant`].
//!
//! The `Intent.Message` oneof is the [`MessageKind`] enum, flattened beside `platform`, so a
//! message can never carry two kinds at once. Message-typed fields are `Option` (proto3 message
//! presence); scalar fields are plain values whose default means "not set".

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use serde_with::{serde_as, DefaultOnNull};

use super::tolerant::{self, proto_enum, Flag, Int32, Items, OrString};

/// `google.protobuf.Struct`: any JSON object.
pub type Struct = Map<String, Value>;

fn is_false(b: &bool) -> bool {
    !*b
}

/// `Message.platform` is omitted when unset or `PLATFORM_UNSPECIFIED`, as proto3 omits defaults.
fn no_platform(p: &Option<Platform>) -> bool {
    p.is_none_or(|p| p.is_unspecified())
}

mod intent;
mod message;
mod session;
#[cfg(test)]
mod tests;
mod webhook;

pub use intent::*;
pub use message::*;
pub use session::*;
pub use webhook::*;
