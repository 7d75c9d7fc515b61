//! Every `Intent.Message` kind with its platform (intent.proto).

use super::*;

proto_enum!(
    /// `Intent.Message.Platform`.
    ///
    /// An unknown platform name (a v2beta1 `TELEPHONY`, a future integration) is read as
    /// `PLATFORM_UNSPECIFIED` instead of failing the whole request; we chose that over an
    /// `Other(String)` catch-all because a catch-all could be written back out, and output must
    /// only ever carry names Dialogflow v2 accepts. `Message.platform` omits the unspecified
    /// value on the way out, as proto3 does.
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

/// `Intent.Message`: one rich message, its `message` oneof ([`MessageKind`]) flattened beside
/// `platform`. No `Default`: a message without a kind is not a message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "MessageFields")]
pub struct Message {
    /// `None` (or unspecified) is the default platform, shown by every integration.
    #[serde(skip_serializing_if = "no_platform")]
    pub platform: Option<Platform>,
    #[serde(flatten)]
    pub kind: MessageKind,
}

/// An `Intent.Message` as it arrives: `platform` and one optional field per member of the
/// oneof, by either JSON name; unknown keys are skipped.
#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct MessageFields {
    platform: Option<Platform>,
    text: Option<Text>,
    image: Option<Image>,
    #[serde(alias = "quick_replies")]
    quick_replies: Option<QuickReplies>,
    card: Option<Card>,
    payload: Option<Struct>,
    #[serde(alias = "simple_responses")]
    simple_responses: Option<SimpleResponses>,
    #[serde(alias = "basic_card")]
    basic_card: Option<BasicCard>,
    suggestions: Option<Suggestions>,
    #[serde(alias = "link_out_suggestion")]
    link_out_suggestion: Option<LinkOutSuggestion>,
    #[serde(alias = "list_select")]
    list_select: Option<ListSelect>,
    #[serde(alias = "carousel_select")]
    carousel_select: Option<CarouselSelect>,
    #[serde(alias = "browse_carousel_card")]
    browse_carousel_card: Option<BrowseCarouselCard>,
    #[serde(alias = "table_card")]
    table_card: Option<TableCard>,
    #[serde(alias = "media_content")]
    media_content: Option<MediaContent>,
}

/// The oneof holds one kind: the first set in proto field order. A message without a kind this
/// build knows is an error, which a list of messages (`tolerant::Items`) turns into a skipped
/// message.
impl TryFrom<MessageFields> for Message {
    type Error = &'static str;

    fn try_from(f: MessageFields) -> Result<Message, &'static str> {
        use MessageKind as K;
        let kind = (f.text.map(K::Text))
            .or(f.image.map(K::Image))
            .or(f.quick_replies.map(K::QuickReplies))
            .or(f.card.map(K::Card))
            .or(f.payload.map(K::Payload))
            .or(f.simple_responses.map(K::SimpleResponses))
            .or(f.basic_card.map(K::BasicCard))
            .or(f.suggestions.map(K::Suggestions))
            .or(f.link_out_suggestion.map(K::LinkOutSuggestion))
            .or(f.list_select.map(K::ListSelect))
            .or(f.carousel_select.map(K::CarouselSelect))
            .or(f.browse_carousel_card.map(K::BrowseCarouselCard))
            .or(f.table_card.map(K::TableCard))
            .or(f.media_content.map(K::MediaContent))
            .ok_or("an Intent.Message with no message kind this build knows")?;
        Ok(Message {
            platform: f.platform,
            kind,
        })
    }
}

impl Message {
    /// A message for the default platform.
    pub fn new(kind: MessageKind) -> Self {
        Message {
            platform: None,
            kind,
        }
    }

    /// A message for one platform.
    pub fn for_platform(platform: Platform, kind: MessageKind) -> Self {
        Message {
            platform: Some(platform),
            kind,
        }
    }
}

/// The `Intent.Message.message` oneof, externally tagged with the proto3 JSON field names.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum MessageKind {
    Text(Text),
    Image(Image),
    QuickReplies(QuickReplies),
    Card(Card),
    /// A custom, platform-specific payload (`google.protobuf.Struct`).
    Payload(Struct),
    SimpleResponses(SimpleResponses),
    BasicCard(BasicCard),
    Suggestions(Suggestions),
    LinkOutSuggestion(LinkOutSuggestion),
    ListSelect(ListSelect),
    CarouselSelect(CarouselSelect),
    BrowseCarouselCard(BrowseCarouselCard),
    TableCard(TableCard),
    MediaContent(MediaContent),
}

/// `Intent.Message.Text`.
#[serde_as]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Text {
    #[serde_as(as = "DefaultOnNull")]
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub text: Vec<String>,
}

/// `Intent.Message.Image`.
#[serde_as]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Image {
    #[serde_as(as = "DefaultOnNull")]
    #[serde(alias = "image_uri", skip_serializing_if = "String::is_empty")]
    pub image_uri: String,
    #[serde_as(as = "DefaultOnNull")]
    #[serde(alias = "accessibility_text", skip_serializing_if = "String::is_empty")]
    pub accessibility_text: String,
}

/// `Intent.Message.QuickReplies`.
#[serde_as]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct QuickReplies {
    #[serde_as(as = "DefaultOnNull")]
    #[serde(skip_serializing_if = "String::is_empty")]
    pub title: String,
    #[serde_as(as = "DefaultOnNull")]
    #[serde(alias = "quick_replies", skip_serializing_if = "Vec::is_empty")]
    pub quick_replies: Vec<String>,
}

/// `Intent.Message.Card`.
#[serde_as]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Card {
    #[serde_as(as = "DefaultOnNull")]
    #[serde(skip_serializing_if = "String::is_empty")]
    pub title: String,
    #[serde_as(as = "DefaultOnNull")]
    #[serde(skip_serializing_if = "String::is_empty")]
    pub subtitle: String,
    #[serde_as(as = "DefaultOnNull")]
    #[serde(alias = "image_uri", skip_serializing_if = "String::is_empty")]
    pub image_uri: String,
    #[serde_as(as = "DefaultOnNull")]
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub buttons: Vec<CardButton>,
}

/// `Intent.Message.Card.Button`.
#[serde_as]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CardButton {
    #[serde_as(as = "DefaultOnNull")]
    #[serde(skip_serializing_if = "String::is_empty")]
    pub text: String,
    /// Text sent back to the agent, or a URI to open.
    #[serde_as(as = "DefaultOnNull")]
    #[serde(skip_serializing_if = "String::is_empty")]
    pub postback: String,
}

/// `Intent.Message.SimpleResponses` (Actions on Google; one per message list).
#[serde_as]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SimpleResponses {
    #[serde_as(as = "DefaultOnNull")]
    #[serde(alias = "simple_responses", skip_serializing_if = "Vec::is_empty")]
    pub simple_responses: Vec<SimpleResponse>,
}

/// `Intent.Message.SimpleResponse`: exactly one of `textToSpeech` and `ssml`.
#[serde_as]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SimpleResponse {
    #[serde_as(as = "DefaultOnNull")]
    #[serde(alias = "text_to_speech", skip_serializing_if = "String::is_empty")]
    pub text_to_speech: String,
    #[serde_as(as = "DefaultOnNull")]
    #[serde(skip_serializing_if = "String::is_empty")]
    pub ssml: String,
    #[serde_as(as = "DefaultOnNull")]
    #[serde(alias = "display_text", skip_serializing_if = "String::is_empty")]
    pub display_text: String,
}

/// `Intent.Message.BasicCard` (Actions on Google).
#[serde_as]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct BasicCard {
    #[serde_as(as = "DefaultOnNull")]
    #[serde(skip_serializing_if = "String::is_empty")]
    pub title: String,
    #[serde_as(as = "DefaultOnNull")]
    #[serde(skip_serializing_if = "String::is_empty")]
    pub subtitle: String,
    /// Required unless `image` is set.
    #[serde_as(as = "DefaultOnNull")]
    #[serde(alias = "formatted_text", skip_serializing_if = "String::is_empty")]
    pub formatted_text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image: Option<Image>,
    #[serde_as(as = "DefaultOnNull")]
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub buttons: Vec<BasicCardButton>,
}

/// `Intent.Message.BasicCard.Button` (also the buttons of a [`TableCard`]).
#[serde_as]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct BasicCardButton {
    #[serde_as(as = "DefaultOnNull")]
    #[serde(skip_serializing_if = "String::is_empty")]
    pub title: String,
    /// Required by Dialogflow; `Option` for proto3 message presence.
    #[serde(alias = "open_uri_action", skip_serializing_if = "Option::is_none")]
    pub open_uri_action: Option<OpenUriAction>,
}

/// `Intent.Message.BasicCard.Button.OpenUriAction`.
#[serde_as]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct OpenUriAction {
    #[serde_as(as = "DefaultOnNull")]
    #[serde(skip_serializing_if = "String::is_empty")]
    pub uri: String,
}

/// `Intent.Message.Suggestions` (Actions on Google chips).
#[serde_as]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Suggestions {
    #[serde_as(as = "DefaultOnNull")]
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub suggestions: Vec<Suggestion>,
}

/// `Intent.Message.Suggestion`.
#[serde_as]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Suggestion {
    #[serde_as(as = "DefaultOnNull")]
    #[serde(skip_serializing_if = "String::is_empty")]
    pub title: String,
}

/// `Intent.Message.LinkOutSuggestion`.
#[serde_as]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct LinkOutSuggestion {
    #[serde_as(as = "DefaultOnNull")]
    #[serde(alias = "destination_name", skip_serializing_if = "String::is_empty")]
    pub destination_name: String,
    #[serde_as(as = "DefaultOnNull")]
    #[serde(skip_serializing_if = "String::is_empty")]
    pub uri: String,
}

/// `Intent.Message.ListSelect`.
#[serde_as]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ListSelect {
    #[serde_as(as = "DefaultOnNull")]
    #[serde(skip_serializing_if = "String::is_empty")]
    pub title: String,
    #[serde_as(as = "DefaultOnNull")]
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<ListSelectItem>,
    #[serde_as(as = "DefaultOnNull")]
    #[serde(skip_serializing_if = "String::is_empty")]
    pub subtitle: String,
}

/// `Intent.Message.CarouselSelect`.
#[serde_as]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CarouselSelect {
    #[serde_as(as = "DefaultOnNull")]
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<CarouselSelectItem>,
}

/// `Intent.Message.ListSelect.Item` and `Intent.Message.CarouselSelect.Item`, which have the
/// same four fields in the proto.
#[serde_as]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SelectItem {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub info: Option<SelectItemInfo>,
    #[serde_as(as = "DefaultOnNull")]
    #[serde(skip_serializing_if = "String::is_empty")]
    pub title: String,
    #[serde_as(as = "DefaultOnNull")]
    #[serde(skip_serializing_if = "String::is_empty")]
    pub description: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image: Option<Image>,
}

/// `Intent.Message.ListSelect.Item`.
pub type ListSelectItem = SelectItem;
/// `Intent.Message.CarouselSelect.Item`.
pub type CarouselSelectItem = SelectItem;

/// `Intent.Message.SelectItemInfo`: the key sent back when the item is chosen.
#[serde_as]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SelectItemInfo {
    #[serde_as(as = "DefaultOnNull")]
    #[serde(skip_serializing_if = "String::is_empty")]
    pub key: String,
    #[serde_as(as = "DefaultOnNull")]
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub synonyms: Vec<String>,
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

/// `Intent.Message.BrowseCarouselCard` (Actions on Google; 2 to 10 items).
#[serde_as]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct BrowseCarouselCard {
    #[serde_as(as = "DefaultOnNull")]
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<BrowseCarouselCardItem>,
    #[serde(
        alias = "image_display_options",
        skip_serializing_if = "ImageDisplayOptions::is_unspecified"
    )]
    pub image_display_options: ImageDisplayOptions,
}

/// `BrowseCarouselCard.BrowseCarouselCardItem`.
#[serde_as]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct BrowseCarouselCardItem {
    /// The proto names this field `open_uri_action` although its type is `OpenUrlAction`.
    #[serde(alias = "open_uri_action", skip_serializing_if = "Option::is_none")]
    pub open_uri_action: Option<OpenUrlAction>,
    #[serde_as(as = "DefaultOnNull")]
    #[serde(skip_serializing_if = "String::is_empty")]
    pub title: String,
    #[serde_as(as = "DefaultOnNull")]
    #[serde(skip_serializing_if = "String::is_empty")]
    pub description: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image: Option<Image>,
    #[serde_as(as = "DefaultOnNull")]
    #[serde(skip_serializing_if = "String::is_empty")]
    pub footer: String,
}

/// `BrowseCarouselCardItem.OpenUrlAction`.
#[serde_as]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct OpenUrlAction {
    #[serde_as(as = "DefaultOnNull")]
    #[serde(skip_serializing_if = "String::is_empty")]
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

/// `Intent.Message.TableCard` (Actions on Google).
#[serde_as]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TableCard {
    #[serde_as(as = "DefaultOnNull")]
    #[serde(skip_serializing_if = "String::is_empty")]
    pub title: String,
    #[serde_as(as = "DefaultOnNull")]
    #[serde(skip_serializing_if = "String::is_empty")]
    pub subtitle: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image: Option<Image>,
    #[serde_as(as = "DefaultOnNull")]
    #[serde(alias = "column_properties", skip_serializing_if = "Vec::is_empty")]
    pub column_properties: Vec<ColumnProperties>,
    #[serde_as(as = "DefaultOnNull")]
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rows: Vec<TableCardRow>,
    #[serde_as(as = "DefaultOnNull")]
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub buttons: Vec<BasicCardButton>,
}

/// `Intent.Message.ColumnProperties`.
#[serde_as]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ColumnProperties {
    #[serde_as(as = "DefaultOnNull")]
    #[serde(skip_serializing_if = "String::is_empty")]
    pub header: String,
    #[serde(
        alias = "horizontal_alignment",
        skip_serializing_if = "HorizontalAlignment::is_unspecified"
    )]
    pub horizontal_alignment: HorizontalAlignment,
}

/// `Intent.Message.TableCardRow`.
#[serde_as]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TableCardRow {
    #[serde_as(as = "DefaultOnNull")]
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cells: Vec<TableCardCell>,
    #[serde_as(as = "Flag")]
    #[serde(alias = "divider_after", skip_serializing_if = "is_false")]
    pub divider_after: bool,
}

/// `Intent.Message.TableCardCell`.
#[serde_as]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TableCardCell {
    #[serde_as(as = "DefaultOnNull")]
    #[serde(skip_serializing_if = "String::is_empty")]
    pub text: String,
}

proto_enum!(
    /// `MediaContent.ResponseMediaType`.
    ResponseMediaType {
        Unspecified = 0 => "RESPONSE_MEDIA_TYPE_UNSPECIFIED",
        Audio = 1 => "AUDIO",
    }
);

/// Short name for [`ResponseMediaType`] (the proto's enum is `ResponseMediaType`; the JSON field
/// is `mediaType`).
pub type MediaType = ResponseMediaType;

/// `Intent.Message.MediaContent` (Actions on Google audio).
#[serde_as]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct MediaContent {
    #[serde(
        alias = "media_type",
        skip_serializing_if = "ResponseMediaType::is_unspecified"
    )]
    pub media_type: ResponseMediaType,
    #[serde_as(as = "DefaultOnNull")]
    #[serde(alias = "media_objects", skip_serializing_if = "Vec::is_empty")]
    pub media_objects: Vec<ResponseMediaObject>,
}

/// `MediaContent.ResponseMediaObject`. Its `image` oneof (`largeImage` | `icon`) is
/// [`MediaImage`], flattened, so at most one of the two is ever written.
#[serde_as]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ResponseMediaObject {
    #[serde_as(as = "DefaultOnNull")]
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name: String,
    #[serde_as(as = "DefaultOnNull")]
    #[serde(skip_serializing_if = "String::is_empty")]
    pub description: String,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub image: Option<MediaImage>,
    #[serde_as(as = "DefaultOnNull")]
    #[serde(alias = "content_url", skip_serializing_if = "String::is_empty")]
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
