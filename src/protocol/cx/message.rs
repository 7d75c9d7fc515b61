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
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", try_from = "ResponseMessageFields")]
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

/// A `ResponseMessage` as it arrives: its own fields and one optional field per member of the
/// oneof, by either JSON name; unknown keys are skipped.
#[serde_as]
#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct ResponseMessageFields {
    #[serde_as(as = "DefaultOnNull")]
    channel: String,
    #[serde(alias = "response_type")]
    response_type: ResponseType,
    text: Option<Text>,
    payload: Option<Struct>,
    #[serde(alias = "conversation_success")]
    conversation_success: Option<ConversationSuccess>,
    #[serde(alias = "output_audio_text")]
    output_audio_text: Option<OutputAudioText>,
    #[serde(alias = "live_agent_handoff")]
    live_agent_handoff: Option<LiveAgentHandoff>,
    #[serde(alias = "end_interaction")]
    end_interaction: Option<EndInteraction>,
    #[serde(alias = "play_audio")]
    play_audio: Option<PlayAudio>,
    #[serde(alias = "mixed_audio")]
    mixed_audio: Option<MixedAudio>,
    #[serde(alias = "telephony_transfer_call")]
    telephony_transfer_call: Option<TelephonyTransferCall>,
    #[serde(alias = "knowledge_info_card")]
    knowledge_info_card: Option<KnowledgeInfoCard>,
    #[serde(alias = "tool_call")]
    tool_call: Option<ToolCall>,
}

/// The oneof holds one kind: the first set in proto field order. A message without a kind this
/// build knows is an error, which a list of messages (`tolerant::Items`) turns into a dropped
/// message.
impl TryFrom<ResponseMessageFields> for ResponseMessage {
    type Error = &'static str;

    fn try_from(f: ResponseMessageFields) -> Result<ResponseMessage, &'static str> {
        use ResponseMessageKind as K;
        let kind = (f.text.map(K::Text))
            .or(f.payload.map(K::Payload))
            .or(f.conversation_success.map(K::ConversationSuccess))
            .or(f.output_audio_text.map(K::OutputAudioText))
            .or(f.live_agent_handoff.map(K::LiveAgentHandoff))
            .or(f.end_interaction.map(K::EndInteraction))
            .or(f.play_audio.map(K::PlayAudio))
            .or(f.mixed_audio.map(K::MixedAudio))
            .or(f.telephony_transfer_call.map(K::TelephonyTransferCall))
            .or(f.knowledge_info_card.map(K::KnowledgeInfoCard))
            .or(f.tool_call.map(K::ToolCall))
            .ok_or("a ResponseMessage with no message kind this build knows")?;
        Ok(ResponseMessage {
            channel: f.channel,
            response_type: f.response_type,
            kind,
        })
    }
}

/// The `ResponseMessage.message` oneof, externally tagged: `{"text": {...}}`,
/// `{"endInteraction": {}}`. `endInteraction` and `mixedAudio` are output only (Dialogflow
/// writes them, a webhook should not).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum ResponseMessageKind {
    Text(Text),
    /// A custom payload, e.g. Dialogflow Messenger `richContent`.
    Payload(Struct),
    ConversationSuccess(ConversationSuccess),
    OutputAudioText(OutputAudioText),
    LiveAgentHandoff(LiveAgentHandoff),
    EndInteraction(EndInteraction),
    PlayAudio(PlayAudio),
    MixedAudio(MixedAudio),
    TelephonyTransferCall(TelephonyTransferCall),
    KnowledgeInfoCard(KnowledgeInfoCard),
    ToolCall(ToolCall),
}

/// An empty text message, `{"text": {}}`; only so that [`ResponseMessage`] has a `Default`.
impl Default for ResponseMessageKind {
    fn default() -> Self {
        ResponseMessageKind::Text(Text::default())
    }
}

/// `ResponseMessage.Text`: one or more variants of the text (Dialogflow picks one).
#[serde_as]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Text {
    #[serde_as(as = "DefaultOnNull<OneOrMany<Same, PreferMany>>")]
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub text: Vec<String>,
    /// Output only.
    #[serde_as(as = "Flag")]
    #[serde(
        alias = "allow_playback_interruption",
        skip_serializing_if = "is_false"
    )]
    pub allow_playback_interruption: bool,
}

/// `ResponseMessage.ConversationSuccess`.
#[serde_as]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ConversationSuccess {
    #[serde_as(as = "DefaultOnNull")]
    #[serde(skip_serializing_if = "Map::is_empty")]
    pub metadata: Struct,
}

/// `ResponseMessage.OutputAudioText`: `text` or `ssml` (a oneof), used for speech output.
#[serde_as]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct OutputAudioText {
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub source: Option<AudioTextSource>,
    /// Output only.
    #[serde_as(as = "Flag")]
    #[serde(
        alias = "allow_playback_interruption",
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
#[serde_as]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct LiveAgentHandoff {
    #[serde_as(as = "DefaultOnNull")]
    #[serde(skip_serializing_if = "Map::is_empty")]
    pub metadata: Struct,
}

/// `ResponseMessage.EndInteraction`: no fields; serialises as `{}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EndInteraction {}

/// `ResponseMessage.KnowledgeInfoCard`: no fields; serialises as `{}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct KnowledgeInfoCard {}

/// `ResponseMessage.PlayAudio`.
#[serde_as]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PlayAudio {
    /// Required.
    #[serde_as(as = "DefaultOnNull")]
    #[serde(alias = "audio_uri", skip_serializing_if = "String::is_empty")]
    pub audio_uri: String,
    /// Output only.
    #[serde_as(as = "Flag")]
    #[serde(
        alias = "allow_playback_interruption",
        skip_serializing_if = "is_false"
    )]
    pub allow_playback_interruption: bool,
}

/// `ResponseMessage.MixedAudio` (output only).
#[serde_as]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct MixedAudio {
    #[serde_as(as = "DefaultOnNull")]
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub segments: Vec<Segment>,
}

/// `ResponseMessage.MixedAudio.Segment`: `audio` (base64 bytes) or `uri` (a oneof).
#[serde_as]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Segment {
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub content: Option<SegmentContent>,
    /// Output only.
    #[serde_as(as = "Flag")]
    #[serde(
        alias = "allow_playback_interruption",
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
#[serde_as]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TelephonyTransferCall {
    #[serde_as(as = "DefaultOnNull")]
    #[serde(alias = "phone_number", skip_serializing_if = "String::is_empty")]
    pub phone_number: String,
}

/// `ToolCall` (tool_call.proto), the `toolCall` message kind: a call of a tool's action.
#[serde_as]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ToolCall {
    /// Required: `projects/<P>/locations/<L>/agents/<A>/tools/<T>`.
    #[serde_as(as = "DefaultOnNull")]
    #[serde(skip_serializing_if = "String::is_empty")]
    pub tool: String,
    /// Required: the name of the tool's action.
    #[serde_as(as = "DefaultOnNull")]
    #[serde(skip_serializing_if = "String::is_empty")]
    pub action: String,
    #[serde_as(as = "DefaultOnNull")]
    #[serde(alias = "input_parameters", skip_serializing_if = "Map::is_empty")]
    pub input_parameters: Struct,
}
