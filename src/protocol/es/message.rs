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
///
/// Read by hand ([`Message::deserialize`]) rather than with `#[serde(flatten)]`, which buffers
/// every message into serde's `Content` first: that was a quarter of a request's parse
/// (callgrind).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Message {
    /// `None` (or unspecified) is the default platform, shown by every integration.
    #[serde(skip_serializing_if = "no_platform")]
    pub platform: Option<Platform>,
    #[serde(flatten)]
    pub kind: MessageKind,
}

/// The keys of an `Intent.Message` object: `platform` and the oneof's field names.
#[derive(Deserialize)]
#[serde(field_identifier, rename_all = "camelCase")]
enum MessageKey {
    Platform,
    Text,
    Image,
    #[serde(alias = "quick_replies")]
    QuickReplies,
    Card,
    Payload,
    #[serde(alias = "simple_responses")]
    SimpleResponses,
    #[serde(alias = "basic_card")]
    BasicCard,
    Suggestions,
    #[serde(alias = "link_out_suggestion")]
    LinkOutSuggestion,
    #[serde(alias = "list_select")]
    ListSelect,
    #[serde(alias = "carousel_select")]
    CarouselSelect,
    #[serde(alias = "browse_carousel_card")]
    BrowseCarouselCard,
    #[serde(alias = "table_card")]
    TableCard,
    #[serde(alias = "media_content")]
    MediaContent,
    /// A kind this build does not know, or any other key: skipped.
    #[serde(other)]
    Other,
}

impl<'de> Deserialize<'de> for Message {
    /// As the flattened form read it: the first key that names a known kind is the message
    /// (later kind keys are skipped), unknown keys are ignored, and an object without a known
    /// kind is an error, which [`tolerant::lenient_vec`] turns into a skipped message.
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Message;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an Intent.Message object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Message, A::Error> {
                use MessageKey as K;
                use MessageKind as M;
                let mut platform = None;
                let mut kind = None;
                while let Some(key) = map.next_key::<MessageKey>()? {
                    if kind.is_some() && !matches!(key, K::Platform) {
                        map.next_value::<serde::de::IgnoredAny>()?;
                        continue;
                    }
                    match key {
                        K::Platform => platform = map.next_value()?,
                        K::Text => kind = Some(M::Text(map.next_value()?)),
                        K::Image => kind = Some(M::Image(map.next_value()?)),
                        K::QuickReplies => kind = Some(M::QuickReplies(map.next_value()?)),
                        K::Card => kind = Some(M::Card(map.next_value()?)),
                        K::Payload => kind = Some(M::Payload(map.next_value()?)),
                        K::SimpleResponses => kind = Some(M::SimpleResponses(map.next_value()?)),
                        K::BasicCard => kind = Some(M::BasicCard(map.next_value()?)),
                        K::Suggestions => kind = Some(M::Suggestions(map.next_value()?)),
                        K::LinkOutSuggestion => {
                            kind = Some(M::LinkOutSuggestion(map.next_value()?))
                        }
                        K::ListSelect => kind = Some(M::ListSelect(map.next_value()?)),
                        K::CarouselSelect => kind = Some(M::CarouselSelect(map.next_value()?)),
                        K::BrowseCarouselCard => {
                            kind = Some(M::BrowseCarouselCard(map.next_value()?))
                        }
                        K::TableCard => kind = Some(M::TableCard(map.next_value()?)),
                        K::MediaContent => kind = Some(M::MediaContent(map.next_value()?)),
                        K::Other => {
                            map.next_value::<serde::de::IgnoredAny>()?;
                        }
                    }
                }
                let kind = kind.ok_or_else(|| {
                    serde::de::Error::custom(
                        "an Intent.Message with no message kind this build knows",
                    )
                })?;
                Ok(Message { platform, kind })
            }
        }
        d.deserialize_map(V)
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
/// Read as part of [`Message`]; [`MessageKey`] lists the same names for reading.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum MessageKind {
    Text(Text),
    Image(Image),
    #[serde(alias = "quick_replies")]
    QuickReplies(QuickReplies),
    Card(Card),
    /// A custom, platform-specific payload (`google.protobuf.Struct`).
    Payload(Struct),
    #[serde(alias = "simple_responses")]
    SimpleResponses(SimpleResponses),
    #[serde(alias = "basic_card")]
    BasicCard(BasicCard),
    Suggestions(Suggestions),
    #[serde(alias = "link_out_suggestion")]
    LinkOutSuggestion(LinkOutSuggestion),
    #[serde(alias = "list_select")]
    ListSelect(ListSelect),
    #[serde(alias = "carousel_select")]
    CarouselSelect(CarouselSelect),
    #[serde(alias = "browse_carousel_card")]
    BrowseCarouselCard(BrowseCarouselCard),
    #[serde(alias = "table_card")]
    TableCard(TableCard),
    #[serde(alias = "media_content")]
    MediaContent(MediaContent),
}

/// `Intent.Message.Text`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Text {
    #[serde(deserialize_with = "nullable", skip_serializing_if = "Vec::is_empty")]
    pub text: Vec<String>,
}

/// `Intent.Message.Image`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Image {
    #[serde(
        alias = "image_uri",
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub image_uri: String,
    #[serde(
        alias = "accessibility_text",
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub accessibility_text: String,
}

/// `Intent.Message.QuickReplies`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct QuickReplies {
    #[serde(
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub title: String,
    #[serde(
        alias = "quick_replies",
        deserialize_with = "nullable",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub quick_replies: Vec<String>,
}

/// `Intent.Message.Card`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Card {
    #[serde(
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub title: String,
    #[serde(
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub subtitle: String,
    #[serde(
        alias = "image_uri",
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub image_uri: String,
    #[serde(deserialize_with = "nullable", skip_serializing_if = "Vec::is_empty")]
    pub buttons: Vec<CardButton>,
}

/// `Intent.Message.Card.Button`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CardButton {
    #[serde(
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub text: String,
    /// Text sent back to the agent, or a URI to open.
    #[serde(
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub postback: String,
}

/// `Intent.Message.SimpleResponses` (Actions on Google; one per message list).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SimpleResponses {
    #[serde(
        alias = "simple_responses",
        deserialize_with = "nullable",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub simple_responses: Vec<SimpleResponse>,
}

/// `Intent.Message.SimpleResponse`: exactly one of `textToSpeech` and `ssml`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SimpleResponse {
    #[serde(
        alias = "text_to_speech",
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub text_to_speech: String,
    #[serde(
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub ssml: String,
    #[serde(
        alias = "display_text",
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub display_text: String,
}

/// `Intent.Message.BasicCard` (Actions on Google).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct BasicCard {
    #[serde(
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub title: String,
    #[serde(
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub subtitle: String,
    /// Required unless `image` is set.
    #[serde(
        alias = "formatted_text",
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub formatted_text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image: Option<Image>,
    #[serde(deserialize_with = "nullable", skip_serializing_if = "Vec::is_empty")]
    pub buttons: Vec<BasicCardButton>,
}

/// `Intent.Message.BasicCard.Button` (also the buttons of a [`TableCard`]).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct BasicCardButton {
    #[serde(
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub title: String,
    /// Required by Dialogflow; `Option` for proto3 message presence.
    #[serde(alias = "open_uri_action", skip_serializing_if = "Option::is_none")]
    pub open_uri_action: Option<OpenUriAction>,
}

/// `Intent.Message.BasicCard.Button.OpenUriAction`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct OpenUriAction {
    #[serde(
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub uri: String,
}

/// `Intent.Message.Suggestions` (Actions on Google chips).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Suggestions {
    #[serde(deserialize_with = "nullable", skip_serializing_if = "Vec::is_empty")]
    pub suggestions: Vec<Suggestion>,
}

/// `Intent.Message.Suggestion`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Suggestion {
    #[serde(
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub title: String,
}

/// `Intent.Message.LinkOutSuggestion`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct LinkOutSuggestion {
    #[serde(
        alias = "destination_name",
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub destination_name: String,
    #[serde(
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub uri: String,
}

/// `Intent.Message.ListSelect`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ListSelect {
    #[serde(
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub title: String,
    #[serde(deserialize_with = "nullable", skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<ListSelectItem>,
    #[serde(
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub subtitle: String,
}

/// `Intent.Message.CarouselSelect`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CarouselSelect {
    #[serde(deserialize_with = "nullable", skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<CarouselSelectItem>,
}

/// `Intent.Message.ListSelect.Item` and `Intent.Message.CarouselSelect.Item`, which have the
/// same four fields in the proto.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SelectItem {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub info: Option<SelectItemInfo>,
    #[serde(
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub title: String,
    #[serde(
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub description: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image: Option<Image>,
}

/// `Intent.Message.ListSelect.Item`.
pub type ListSelectItem = SelectItem;
/// `Intent.Message.CarouselSelect.Item`.
pub type CarouselSelectItem = SelectItem;

/// `Intent.Message.SelectItemInfo`: the key sent back when the item is chosen.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SelectItemInfo {
    #[serde(
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub key: String,
    #[serde(deserialize_with = "nullable", skip_serializing_if = "Vec::is_empty")]
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
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct BrowseCarouselCard {
    #[serde(deserialize_with = "nullable", skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<BrowseCarouselCardItem>,
    #[serde(
        alias = "image_display_options",
        skip_serializing_if = "ImageDisplayOptions::is_unspecified"
    )]
    pub image_display_options: ImageDisplayOptions,
}

/// `BrowseCarouselCard.BrowseCarouselCardItem`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct BrowseCarouselCardItem {
    /// The proto names this field `open_uri_action` although its type is `OpenUrlAction`.
    #[serde(alias = "open_uri_action", skip_serializing_if = "Option::is_none")]
    pub open_uri_action: Option<OpenUrlAction>,
    #[serde(
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub title: String,
    #[serde(
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub description: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image: Option<Image>,
    #[serde(
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub footer: String,
}

/// `BrowseCarouselCardItem.OpenUrlAction`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct OpenUrlAction {
    #[serde(
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
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
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TableCard {
    #[serde(
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub title: String,
    #[serde(
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub subtitle: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image: Option<Image>,
    #[serde(
        alias = "column_properties",
        deserialize_with = "nullable",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub column_properties: Vec<ColumnProperties>,
    #[serde(deserialize_with = "nullable", skip_serializing_if = "Vec::is_empty")]
    pub rows: Vec<TableCardRow>,
    #[serde(deserialize_with = "nullable", skip_serializing_if = "Vec::is_empty")]
    pub buttons: Vec<BasicCardButton>,
}

/// `Intent.Message.ColumnProperties`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ColumnProperties {
    #[serde(
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub header: String,
    #[serde(
        alias = "horizontal_alignment",
        skip_serializing_if = "HorizontalAlignment::is_unspecified"
    )]
    pub horizontal_alignment: HorizontalAlignment,
}

/// `Intent.Message.TableCardRow`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TableCardRow {
    #[serde(deserialize_with = "nullable", skip_serializing_if = "Vec::is_empty")]
    pub cells: Vec<TableCardCell>,
    #[serde(
        alias = "divider_after",
        deserialize_with = "flag",
        skip_serializing_if = "is_false"
    )]
    pub divider_after: bool,
}

/// `Intent.Message.TableCardCell`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TableCardCell {
    #[serde(
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
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
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct MediaContent {
    #[serde(
        alias = "media_type",
        skip_serializing_if = "ResponseMediaType::is_unspecified"
    )]
    pub media_type: ResponseMediaType,
    #[serde(
        alias = "media_objects",
        deserialize_with = "nullable",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub media_objects: Vec<ResponseMediaObject>,
}

/// `MediaContent.ResponseMediaObject`. Its `image` oneof (`largeImage` | `icon`) is
/// [`MediaImage`], flattened, so at most one of the two is ever written.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ResponseMediaObject {
    #[serde(
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub name: String,
    #[serde(
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub description: String,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub image: Option<MediaImage>,
    #[serde(
        alias = "content_url",
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
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
