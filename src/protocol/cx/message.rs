//! `ResponseMessage` with every message kind (response_message.proto).

use super::*;

proto_enum!(
    /// `ResponseMessage.ResponseType` (set by Dialogflow on the messages of a request).
    ResponseType {
        Unspecified = 0 => "RESPONSE_TYPE_UNSPECIFIED",
        EntryPrompt = 1 => "ENTRY_PROMPT",
        ParameterPrompt = 2 => "PARAMETER_PROMPT",
        HandlerPrompt = 3 => "HANDLER_PROMPT",
    }
);

/// `ResponseMessage` (response_message.proto): the `message` oneof flattened beside `channel`
/// and `responseType`, e.g. `{"channel": "voice", "text": {"text": ["Hi"]}}`.
///
/// Read by hand ([`ResponseMessage::deserialize`]) rather than with `#[serde(flatten)]`, which
/// buffers every message into serde's `Content` first (callgrind).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResponseMessage {
    /// Only callers whose `QueryParameters.channel` matches get the message; empty = all.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub channel: String,
    #[serde(skip_serializing_if = "ResponseType::is_unspecified")]
    pub response_type: ResponseType,
    #[serde(flatten)]
    pub kind: ResponseMessageKind,
}

impl ResponseMessage {
    /// A message for every channel.
    pub fn new(kind: ResponseMessageKind) -> Self {
        ResponseMessage {
            channel: String::new(),
            response_type: ResponseType::Unspecified,
            kind,
        }
    }
}

/// The keys of a `ResponseMessage` object: its own fields and the oneof's field names.
#[derive(Deserialize)]
#[serde(field_identifier, rename_all = "camelCase")]
enum ResponseMessageKey {
    Channel,
    #[serde(alias = "response_type")]
    ResponseType,
    Text,
    Payload,
    #[serde(alias = "conversation_success")]
    ConversationSuccess,
    #[serde(alias = "output_audio_text")]
    OutputAudioText,
    #[serde(alias = "live_agent_handoff")]
    LiveAgentHandoff,
    #[serde(alias = "end_interaction")]
    EndInteraction,
    #[serde(alias = "play_audio")]
    PlayAudio,
    #[serde(alias = "mixed_audio")]
    MixedAudio,
    #[serde(alias = "telephony_transfer_call")]
    TelephonyTransferCall,
    #[serde(alias = "knowledge_info_card")]
    KnowledgeInfoCard,
    #[serde(alias = "tool_call")]
    ToolCall,
    /// A kind this build does not know, or any other key: skipped.
    #[serde(other)]
    Other,
}

impl<'de> Deserialize<'de> for ResponseMessage {
    /// As the flattened form read it: the first key that names a known kind is the message
    /// (later kind keys are skipped), unknown keys are ignored, and an object without a known
    /// kind is an error, which [`tolerant::lenient_vec`] turns into a dropped message.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = ResponseMessage;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a ResponseMessage object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<ResponseMessage, A::Error> {
                use ResponseMessageKey as K;
                use ResponseMessageKind as M;
                let mut channel = None;
                let mut response_type = None;
                let mut kind = None;
                while let Some(key) = map.next_key::<ResponseMessageKey>()? {
                    let own_field = matches!(key, K::Channel | K::ResponseType);
                    if kind.is_some() && !own_field {
                        map.next_value::<serde::de::IgnoredAny>()?;
                        continue;
                    }
                    match key {
                        K::Channel => channel = map.next_value::<Option<String>>()?,
                        K::ResponseType => response_type = Some(map.next_value()?),
                        K::Text => kind = Some(M::Text(map.next_value()?)),
                        K::Payload => kind = Some(M::Payload(map.next_value()?)),
                        K::ConversationSuccess => {
                            kind = Some(M::ConversationSuccess(map.next_value()?))
                        }
                        K::OutputAudioText => kind = Some(M::OutputAudioText(map.next_value()?)),
                        K::LiveAgentHandoff => kind = Some(M::LiveAgentHandoff(map.next_value()?)),
                        K::EndInteraction => kind = Some(M::EndInteraction(map.next_value()?)),
                        K::PlayAudio => kind = Some(M::PlayAudio(map.next_value()?)),
                        K::MixedAudio => kind = Some(M::MixedAudio(map.next_value()?)),
                        K::TelephonyTransferCall => {
                            kind = Some(M::TelephonyTransferCall(map.next_value()?))
                        }
                        K::KnowledgeInfoCard => {
                            kind = Some(M::KnowledgeInfoCard(map.next_value()?))
                        }
                        K::ToolCall => kind = Some(M::ToolCall(map.next_value()?)),
                        K::Other => {
                            map.next_value::<serde::de::IgnoredAny>()?;
                        }
                    }
                }
                let kind = kind.ok_or_else(|| {
                    serde::de::Error::custom(
                        "a ResponseMessage with no message kind this build knows",
                    )
                })?;
                Ok(ResponseMessage {
                    channel: channel.unwrap_or_default(),
                    response_type: response_type.unwrap_or_default(),
                    kind,
                })
            }
        }
        d.deserialize_map(V)
    }
}

/// The `ResponseMessage.message` oneof, externally tagged: `{"text": {...}}`,
/// `{"endInteraction": {}}`. `endInteraction` and `mixedAudio` are output only (Dialogflow
/// writes them, a webhook should not).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ResponseMessageKind {
    Text(Text),
    /// A custom payload, e.g. Dialogflow Messenger `richContent`.
    Payload(Struct),
    #[serde(alias = "conversation_success")]
    ConversationSuccess(ConversationSuccess),
    #[serde(alias = "output_audio_text")]
    OutputAudioText(OutputAudioText),
    #[serde(alias = "live_agent_handoff")]
    LiveAgentHandoff(LiveAgentHandoff),
    #[serde(alias = "end_interaction")]
    EndInteraction(EndInteraction),
    #[serde(alias = "play_audio")]
    PlayAudio(PlayAudio),
    #[serde(alias = "mixed_audio")]
    MixedAudio(MixedAudio),
    #[serde(alias = "telephony_transfer_call")]
    TelephonyTransferCall(TelephonyTransferCall),
    #[serde(alias = "knowledge_info_card")]
    KnowledgeInfoCard(KnowledgeInfoCard),
    #[serde(alias = "tool_call")]
    ToolCall(ToolCall),
}

/// An empty text message, `{"text": {}}`; only so that [`ResponseMessage`] has a `Default`.
impl Default for ResponseMessageKind {
    fn default() -> Self {
        ResponseMessageKind::Text(Text::default())
    }
}

/// `ResponseMessage.Text`: one or more variants of the text (Dialogflow picks one).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Text {
    #[serde(
        deserialize_with = "string_list",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub text: Vec<String>,
    /// Output only.
    #[serde(
        alias = "allow_playback_interruption",
        deserialize_with = "flag",
        skip_serializing_if = "is_false"
    )]
    pub allow_playback_interruption: bool,
}

/// `ResponseMessage.ConversationSuccess`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ConversationSuccess {
    #[serde(deserialize_with = "nullable", skip_serializing_if = "Map::is_empty")]
    pub metadata: Struct,
}

/// `ResponseMessage.OutputAudioText`: `text` or `ssml` (a oneof), used for speech output.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct OutputAudioText {
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub source: Option<AudioTextSource>,
    /// Output only.
    #[serde(
        alias = "allow_playback_interruption",
        deserialize_with = "flag",
        skip_serializing_if = "is_false"
    )]
    pub allow_playback_interruption: bool,
}

/// The `OutputAudioText.source` oneof.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum AudioTextSource {
    Text(String),
    Ssml(String),
}

/// `ResponseMessage.LiveAgentHandoff`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct LiveAgentHandoff {
    #[serde(deserialize_with = "nullable", skip_serializing_if = "Map::is_empty")]
    pub metadata: Struct,
}

/// `ResponseMessage.EndInteraction`: no fields; serialises as `{}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EndInteraction {}

/// `ResponseMessage.KnowledgeInfoCard`: no fields; serialises as `{}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct KnowledgeInfoCard {}

/// `ResponseMessage.PlayAudio`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PlayAudio {
    /// Required.
    #[serde(
        alias = "audio_uri",
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub audio_uri: String,
    /// Output only.
    #[serde(
        alias = "allow_playback_interruption",
        deserialize_with = "flag",
        skip_serializing_if = "is_false"
    )]
    pub allow_playback_interruption: bool,
}

/// `ResponseMessage.MixedAudio` (output only).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct MixedAudio {
    #[serde(deserialize_with = "nullable", skip_serializing_if = "Vec::is_empty")]
    pub segments: Vec<Segment>,
}

/// `ResponseMessage.MixedAudio.Segment`: `audio` (base64 bytes) or `uri` (a oneof).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Segment {
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub content: Option<SegmentContent>,
    /// Output only.
    #[serde(
        alias = "allow_playback_interruption",
        deserialize_with = "flag",
        skip_serializing_if = "is_false"
    )]
    pub allow_playback_interruption: bool,
}

/// The `Segment.content` oneof.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum SegmentContent {
    /// Base64-encoded audio bytes, as proto3 JSON writes `bytes`.
    Audio(String),
    Uri(String),
}

/// `ResponseMessage.TelephonyTransferCall`: the `endpoint` oneof has one member in v3,
/// `phoneNumber` (E.164); there is no `sipUri` in CX v3.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TelephonyTransferCall {
    #[serde(
        alias = "phone_number",
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub phone_number: String,
}

/// `ToolCall` (tool_call.proto), the `toolCall` message kind: a call of a tool's action.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ToolCall {
    /// Required: `projects/<P>/locations/<L>/agents/<A>/tools/<T>`.
    #[serde(
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub tool: String,
    /// Required: the name of the tool's action.
    #[serde(
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub action: String,
    #[serde(
        alias = "input_parameters",
        deserialize_with = "nullable",
        skip_serializing_if = "Map::is_empty"
    )]
    pub input_parameters: Struct,
}
