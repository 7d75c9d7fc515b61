//! Wire-type tests: strict output, tolerant input, every message kind.

use super::*;
use serde_json::json;

fn parse<T: serde::de::DeserializeOwned>(v: Value) -> T {
    serde_json::from_value(v).unwrap()
}

fn out<T: Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap()
}

const SESSION: &str = "projects/acme-bot/agent/environments/prod/users/u-42/sessions/ABwppHG";

/// A realistic ES request carrying every field that may appear, in Dialogflow's own
/// (camelCase, non-default-only) form, so that serialising it must give it back unchanged.
fn full_request() -> Value {
    json!({
        "responseId": "7811ac58-5bd5-4e44-8d06-6cd8c67f5406-e15c53b8",
        "session": SESSION,
        "queryResult": {
            "queryText": "book a table for four tomorrow",
            "languageCode": "en-us",
            "speechRecognitionConfidence": 0.92,
            "action": "booking.table",
            "parameters": {
                "guests": 4,
                "date": "2024-05-02T12:00:00+02:00",
                "time": "",
                "location": {"city": "Lyon", "street-address": ""},
                "dishes": ["ramen", "gyoza"],
                "vip": true
            },
            "allRequiredParamsPresent": true,
            "cancelsSlotFilling": true,
            "fulfillmentText": "Booking a table for 4.",
            "fulfillmentMessages": [
                {"text": {"text": ["Booking a table for 4."]}},
                {"platform": "FACEBOOK", "quickReplies": {"title": "Time?", "quickReplies": ["7pm", "8pm"]}},
                {"platform": "SLACK", "payload": {"blocks": [{"type": "section"}]}},
                {"platform": "ACTIONS_ON_GOOGLE", "simpleResponses": {"simpleResponses": [{"textToSpeech": "Booking."}]}}
            ],
            "webhookSource": "intentful",
            "webhookPayload": {"google": {"expectUserResponse": true}},
            "outputContexts": [
                {
                    "name": format!("{SESSION}/contexts/booking-followup"),
                    "lifespanCount": 2,
                    "parameters": {"guests": 4, "guests.original": "four"}
                },
                {"name": format!("{SESSION}/contexts/__system_counters__"), "parameters": {"no-input": 0, "no-match": 0}}
            ],
            "intent": {
                "name": "projects/acme-bot/agent/intents/29bcd7f8-f717-4261-a8fd-2d3e451b8af8",
                "displayName": "Book Table",
                "isFallback": true,
                "liveAgentHandoff": true,
                "endInteraction": true
            },
            "intentDetectionConfidence": 0.87,
            "diagnosticInfo": {"webhook_latency_ms": 120, "end_conversation": false},
            "sentimentAnalysisResult": {"queryTextSentiment": {"score": -0.3, "magnitude": 0.6}}
        },
        "originalDetectIntentRequest": {
            "source": "google",
            "version": "2",
            "payload": {"user": {"locale": "en-US", "userId": "u-42"}, "telephony": {"caller_id": "+18558363987"}}
        }
    })
}

#[test]
fn full_request_round_trips() {
    let v = full_request();
    let req: WebhookRequest = parse(v.clone());
    assert_eq!(req.session, SESSION);
    let qr = req.query_result.as_ref().unwrap();
    assert_eq!(qr.language_code, "en-us");
    assert_eq!(qr.speech_recognition_confidence, Some(0.92));
    assert_eq!(qr.intent_detection_confidence, Some(0.87));
    assert_eq!(qr.parameters["guests"], json!(4));
    assert!(qr.all_required_params_present && qr.cancels_slot_filling);
    let intent = qr.intent.as_ref().unwrap();
    assert_eq!(intent.display_name, "Book Table");
    assert!(intent.is_fallback && intent.live_agent_handoff && intent.end_interaction);
    assert_eq!(qr.output_contexts[0].lifespan_count, Some(2));
    assert_eq!(qr.output_contexts[1].lifespan_count, None);
    assert_eq!(qr.fulfillment_messages.len(), 4);
    assert_eq!(qr.fulfillment_messages[0].platform, None);
    assert_eq!(qr.fulfillment_messages[2].platform, Some(Platform::Slack));
    assert!(matches!(
        qr.fulfillment_messages[3].kind,
        MessageKind::SimpleResponses(_)
    ));
    let sentiment = qr
        .sentiment_analysis_result
        .as_ref()
        .and_then(|s| s.query_text_sentiment.as_ref())
        .unwrap();
    assert_eq!(
        (sentiment.score, sentiment.magnitude),
        (Some(-0.3), Some(0.6))
    );
    assert_eq!(qr.diagnostic_info["webhook_latency_ms"], json!(120));
    let original = req.original_detect_intent_request.as_ref().unwrap();
    assert_eq!(
        (original.source.as_str(), original.version.as_str()),
        ("google", "2")
    );
    assert_eq!(original.payload["telephony"]["caller_id"], "+18558363987");

    assert_eq!(
        out(&req),
        v,
        "a canonical request serialises back unchanged"
    );
    assert_eq!(parse::<WebhookRequest>(out(&req)), req);
}

/// Turns every object key of a JSON value into snake_case, except inside the free-form
/// Struct fields whose keys are user data.
fn snake_keys(v: &Value, free_form: bool) -> Value {
    fn snake(k: &str) -> String {
        let mut s = String::new();
        for c in k.chars() {
            if c.is_ascii_uppercase() {
                s.push('_');
                s.push(c.to_ascii_lowercase());
            } else {
                s.push(c);
            }
        }
        s
    }
    const STRUCTS: [&str; 5] = [
        "parameters",
        "payload",
        "webhookPayload",
        "diagnosticInfo",
        "details",
    ];
    match v {
        Value::Object(m) if !free_form => Value::Object(
            m.iter()
                .map(|(k, v)| (snake(k), snake_keys(v, STRUCTS.contains(&k.as_str()))))
                .collect(),
        ),
        Value::Array(a) if !free_form => {
            Value::Array(a.iter().map(|v| snake_keys(v, false)).collect())
        }
        other => other.clone(),
    }
}

#[test]
fn snake_case_input_reads_the_same() {
    let camel = full_request();
    let snake = snake_keys(&camel, false);
    assert_eq!(
        snake["query_result"]["intent_detection_confidence"],
        json!(0.87)
    );
    assert_eq!(
        snake["query_result"]["fulfillment_messages"][1]["quick_replies"]["quick_replies"],
        json!(["7pm", "8pm"])
    );
    assert_eq!(
        snake["query_result"]["parameters"]["location"]["street-address"],
        json!(""),
        "user data keys are left alone"
    );
    assert_eq!(
        parse::<WebhookRequest>(snake),
        parse::<WebhookRequest>(camel)
    );
}

#[test]
fn snake_case_message_kinds_and_nested_fields() {
    let m: Message = parse(
        json!({"platform": "ACTIONS_ON_GOOGLE", "browse_carousel_card": {
        "items": [{"open_uri_action": {"url": "https://u", "url_type_hint": "AMP_ACTION"}, "title": "t"}],
        "image_display_options": "WHITE"}}),
    );
    assert_eq!(
        out(&m),
        json!({"platform": "ACTIONS_ON_GOOGLE", "browseCarouselCard": {
            "items": [{"openUriAction": {"url": "https://u", "urlTypeHint": "AMP_ACTION"}, "title": "t"}],
            "imageDisplayOptions": "WHITE"}})
    );
    let m: Message = parse(json!({"media_content": {"media_type": "AUDIO",
        "media_objects": [{"name": "n", "icon": {"image_uri": "https://i"}, "content_url": "https://a"}]}}));
    assert_eq!(
        out(&m),
        json!({"mediaContent": {"mediaType": "AUDIO",
            "mediaObjects": [{"name": "n", "icon": {"imageUri": "https://i"}, "contentUrl": "https://a"}]}})
    );
}

#[test]
fn numeric_strings_are_numbers() {
    let req: WebhookRequest = parse(json!({
        "session": SESSION,
        "queryResult": {
            "speechRecognitionConfidence": "0.92",
            "intentDetectionConfidence": "0.87",
            "outputContexts": [{"name": "c", "lifespanCount": "5"}, {"name": "d", "lifespanCount": 3.0}],
            "intent": {"displayName": "x", "priority": "500000"},
            "sentimentAnalysisResult": {"queryTextSentiment": {"score": "-0.25", "magnitude": "1"}}
        }
    }));
    let qr = req.query_result.unwrap();
    assert_eq!(qr.speech_recognition_confidence, Some(0.92));
    assert_eq!(qr.intent_detection_confidence, Some(0.87));
    assert_eq!(qr.output_contexts[0].lifespan_count, Some(5));
    assert_eq!(qr.output_contexts[1].lifespan_count, Some(3));
    assert_eq!(qr.intent.unwrap().priority, Some(500_000));
    let s = qr
        .sentiment_analysis_result
        .unwrap()
        .query_text_sentiment
        .unwrap();
    assert_eq!((s.score, s.magnitude), (Some(-0.25), Some(1.0)));
    // ...and they go out as plain numbers.
    let ctx = Context {
        name: "c".into(),
        lifespan_count: Some(5),
        ..Default::default()
    };
    assert_eq!(out(&ctx), json!({"name": "c", "lifespanCount": 5}));
}

#[test]
fn unknown_fields_are_ignored_everywhere() {
    let req: WebhookRequest = parse(json!({
        "session": SESSION,
        "somethingNew": {"x": 1},
        "alternativeQueryResults": [{"queryText": "v2beta1 only"}],
        "queryResult": {
            "queryText": "hi",
            "newField": [1, 2],
            "intent": {"displayName": "Hello", "futureFlag": true},
            "outputContexts": [{"name": "c", "lifespanCount": 1, "lifespanTime": 30}],
            "fulfillmentMessages": [
                {"card": {"title": "t", "buttons": [{"text": "b", "extra": 1}], "extra": 2}, "source": "VIRTUAL_AGENT"}
            ],
            "sentimentAnalysisResult": {"queryTextSentiment": {"score": 0.1, "label": "pos"}}
        },
        "originalDetectIntentRequest": {"source": "line", "extra": "x"}
    }));
    let expected: WebhookRequest = parse(json!({
        "session": SESSION,
        "queryResult": {
            "queryText": "hi",
            "intent": {"displayName": "Hello"},
            "outputContexts": [{"name": "c", "lifespanCount": 1}],
            "fulfillmentMessages": [{"card": {"title": "t", "buttons": [{"text": "b"}]}}],
            "sentimentAnalysisResult": {"queryTextSentiment": {"score": 0.1}}
        },
        "originalDetectIntentRequest": {"source": "line"}
    }));
    assert_eq!(req, expected);
}

#[test]
fn nulls_and_missing_fields_default() {
    let req: WebhookRequest = parse(json!({
        "session": SESSION,
        "responseId": null,
        "queryResult": {
            "queryText": null, "languageCode": null, "speechRecognitionConfidence": null,
            "action": null, "parameters": null, "allRequiredParamsPresent": null,
            "cancelsSlotFilling": null, "fulfillmentText": null, "fulfillmentMessages": null,
            "webhookSource": null, "webhookPayload": null, "outputContexts": null,
            "intent": null, "intentDetectionConfidence": null, "diagnosticInfo": null,
            "sentimentAnalysisResult": null
        },
        "originalDetectIntentRequest": null
    }));
    assert_eq!(
        req,
        WebhookRequest {
            session: SESSION.into(),
            query_result: Some(QueryResult::default()),
            ..Default::default()
        }
    );
    assert_eq!(out(&req), json!({"session": SESSION, "queryResult": {}}));
    assert_eq!(
        parse::<WebhookRequest>(json!({})),
        WebhookRequest::default()
    );
    assert_eq!(
        parse::<Context>(json!({"name": "c", "lifespanCount": null, "parameters": null})),
        Context {
            name: "c".into(),
            ..Default::default()
        }
    );
}

#[test]
fn default_values_are_omitted_on_output() {
    let qr = QueryResult {
        speech_recognition_confidence: Some(0.0),
        intent_detection_confidence: Some(0.0),
        intent: Some(Intent {
            priority: Some(0),
            ..Default::default()
        }),
        sentiment_analysis_result: Some(SentimentAnalysisResult {
            query_text_sentiment: Some(Sentiment {
                score: Some(0.0),
                magnitude: None,
            }),
            status: None,
        }),
        ..Default::default()
    };
    assert_eq!(
        out(&qr),
        json!({"intent": {}, "sentimentAnalysisResult": {"queryTextSentiment": {}}})
    );
    let m = Message::for_platform(Platform::Unspecified, MessageKind::Text(Text::default()));
    assert_eq!(out(&m), json!({"text": {}}));
}

#[test]
fn empty_response_is_an_empty_object() {
    assert_eq!(out(&WebhookResponse::default()), json!({}));
    assert_eq!(
        parse::<WebhookResponse>(json!({})),
        WebhookResponse::default()
    );
}

#[test]
fn lifespan_count_zero_is_kept() {
    let resp = WebhookResponse {
        output_contexts: vec![
            Context {
                name: format!("{SESSION}/contexts/old"),
                lifespan_count: Some(0),
                parameters: Map::new(),
            },
            Context {
                name: format!("{SESSION}/contexts/unset"),
                lifespan_count: None,
                parameters: Map::new(),
            },
        ],
        ..Default::default()
    };
    let v = out(&resp);
    assert_eq!(
        v,
        json!({"outputContexts": [
            {"name": format!("{SESSION}/contexts/old"), "lifespanCount": 0},
            {"name": format!("{SESSION}/contexts/unset")}
        ]})
    );
    let back: WebhookResponse = parse(v);
    assert_eq!(back.output_contexts[0].lifespan_count, Some(0));
    assert_eq!(
        parse::<Context>(json!({"name": "c", "lifespanCount": "0"})).lifespan_count,
        Some(0)
    );
}

#[test]
fn unknown_platform_and_message_kinds_are_tolerated() {
    let req: WebhookRequest = parse(json!({
        "session": SESSION,
        "queryResult": {
            "queryText": "hi",
            "fulfillmentMessages": [
                {"platform": "TELEPHONY", "text": {"text": ["phone"]}},
                {"platform": "telegram", "text": {"text": ["lower case name"]}},
                {"platform": 8, "suggestions": {"suggestions": [{"title": "by number"}]}},
                {"platform": "TELEPHONY", "telephonyPlayAudio": {"audioUri": "gs://x"}},
                {"platform": "FACEBOOK"},
                {"rbmText": {"text": "x"}},
                {"text": {"text": ["default"]}}
            ],
            "intent": {"displayName": "x", "defaultResponsePlatforms": ["SLACK", "TELEPHONY"],
                       "messages": [{"telephonyTransferCall": {"phoneNumber": "+1"}}, {"text": {}}]}
        }
    }));
    let qr = req.query_result.unwrap();
    let platforms: Vec<_> = qr.fulfillment_messages.iter().map(|m| m.platform).collect();
    assert_eq!(
        platforms,
        [
            Some(Platform::Unspecified),
            Some(Platform::Telegram),
            Some(Platform::ActionsOnGoogle),
            None
        ],
        "unknown platform reads as unspecified; unknown or empty kinds are skipped"
    );
    assert_eq!(
        out(&qr.fulfillment_messages[0]),
        json!({"text": {"text": ["phone"]}}),
        "only valid platform names go out"
    );
    let intent = qr.intent.unwrap();
    assert_eq!(
        intent.default_response_platforms,
        [Platform::Slack, Platform::Unspecified]
    );
    assert_eq!(intent.messages.len(), 1);
}

#[test]
fn message_is_read_as_its_flattened_form_was() {
    let read = |s: &str| serde_json::from_str::<Message>(s);
    let text = |t: &str| {
        MessageKind::Text(Text {
            text: vec![t.into()],
        })
    };
    assert_eq!(
        read(r#"{"text": {"text": ["a"]}, "extra": [1, {"b": 2}], "platform": "SLACK"}"#).unwrap(),
        Message::for_platform(Platform::Slack, text("a")),
        "platform after the kind, unknown keys skipped"
    );
    assert_eq!(
        read(r#"{"platform": null, "rbmText": {}, "text": {"text": ["a"]}, "image": {"imageUri": "u"}}"#)
            .unwrap(),
        Message::new(text("a")),
        "null platform is unset; the first known kind wins, later ones are skipped"
    );
    assert_eq!(
        read(r#"{"quick_replies": {"quick_replies": ["x"]}}"#).unwrap(),
        Message::new(MessageKind::QuickReplies(QuickReplies {
            title: String::new(),
            quick_replies: vec!["x".into()],
        })),
        "kinds are read by their proto names too"
    );
    for bad in [
        r#"{"platform": "SLACK"}"#,
        r#"{"rbmText": {}}"#,
        r#"{"text": null}"#,
        "[]",
        "1",
    ] {
        assert!(read(bad).is_err(), "{bad}");
    }
}

/// The JSON field name of a kind; exhaustive, so a new kind cannot miss the shape test.
fn kind_name(kind: &MessageKind) -> &'static str {
    match kind {
        MessageKind::Text(_) => "text",
        MessageKind::Image(_) => "image",
        MessageKind::QuickReplies(_) => "quickReplies",
        MessageKind::Card(_) => "card",
        MessageKind::Payload(_) => "payload",
        MessageKind::SimpleResponses(_) => "simpleResponses",
        MessageKind::BasicCard(_) => "basicCard",
        MessageKind::Suggestions(_) => "suggestions",
        MessageKind::LinkOutSuggestion(_) => "linkOutSuggestion",
        MessageKind::ListSelect(_) => "listSelect",
        MessageKind::CarouselSelect(_) => "carouselSelect",
        MessageKind::BrowseCarouselCard(_) => "browseCarouselCard",
        MessageKind::TableCard(_) => "tableCard",
        MessageKind::MediaContent(_) => "mediaContent",
    }
}

fn image(uri: &str) -> Image {
    Image {
        image_uri: uri.into(),
        accessibility_text: "alt".into(),
    }
}

fn open(uri: &str) -> BasicCardButton {
    BasicCardButton {
        title: "Open".into(),
        open_uri_action: Some(OpenUriAction { uri: uri.into() }),
    }
}

fn item(key: &str) -> SelectItem {
    SelectItem {
        info: Some(SelectItemInfo {
            key: key.into(),
            synonyms: vec![format!("{key} syn")],
        }),
        title: key.to_uppercase(),
        description: "d".into(),
        image: Some(image("https://i/item.png")),
    }
}

/// Every message kind, built in Rust, next to the exact proto3 JSON it must produce.
fn every_kind() -> Vec<(Message, Value)> {
    use MessageKind as K;
    let aog = Platform::ActionsOnGoogle;
    vec![
        (
            Message::new(K::Text(Text {
                text: vec!["Hello".into(), "Hi".into()],
            })),
            json!({"text": {"text": ["Hello", "Hi"]}}),
        ),
        (
            Message::for_platform(Platform::Facebook, K::Image(image("https://i/a.png"))),
            json!({"platform": "FACEBOOK", "image": {"imageUri": "https://i/a.png", "accessibilityText": "alt"}}),
        ),
        (
            Message::for_platform(
                Platform::Telegram,
                K::QuickReplies(QuickReplies {
                    title: "Pick".into(),
                    quick_replies: vec!["Yes".into(), "No".into()],
                }),
            ),
            json!({"platform": "TELEGRAM", "quickReplies": {"title": "Pick", "quickReplies": ["Yes", "No"]}}),
        ),
        (
            Message::new(K::Card(Card {
                title: "Ramen".into(),
                subtitle: "Hot".into(),
                image_uri: "https://i/r.png".into(),
                buttons: vec![CardButton {
                    text: "Order".into(),
                    postback: "order ramen".into(),
                }],
            })),
            json!({"card": {"title": "Ramen", "subtitle": "Hot", "imageUri": "https://i/r.png",
                            "buttons": [{"text": "Order", "postback": "order ramen"}]}}),
        ),
        (
            Message::for_platform(
                Platform::Slack,
                K::Payload(
                    json!({"slack": {"text": "x", "attachments": []}})
                        .as_object()
                        .unwrap()
                        .clone(),
                ),
            ),
            json!({"platform": "SLACK", "payload": {"slack": {"text": "x", "attachments": []}}}),
        ),
        (
            Message::for_platform(
                aog,
                K::SimpleResponses(SimpleResponses {
                    simple_responses: vec![SimpleResponse {
                        text_to_speech: String::new(),
                        ssml: "<speak>Hi</speak>".into(),
                        display_text: "Hi".into(),
                    }],
                }),
            ),
            json!({"platform": "ACTIONS_ON_GOOGLE", "simpleResponses": {"simpleResponses": [
                {"ssml": "<speak>Hi</speak>", "displayText": "Hi"}]}}),
        ),
        (
            Message::for_platform(
                aog,
                K::BasicCard(BasicCard {
                    title: "T".into(),
                    subtitle: "S".into(),
                    formatted_text: "**F**".into(),
                    image: Some(image("https://i/b.png")),
                    buttons: vec![open("https://u")],
                }),
            ),
            json!({"platform": "ACTIONS_ON_GOOGLE", "basicCard": {"title": "T", "subtitle": "S",
                "formattedText": "**F**", "image": {"imageUri": "https://i/b.png", "accessibilityText": "alt"},
                "buttons": [{"title": "Open", "openUriAction": {"uri": "https://u"}}]}}),
        ),
        (
            Message::for_platform(
                aog,
                K::Suggestions(Suggestions {
                    suggestions: vec![
                        Suggestion {
                            title: "Yes".into(),
                        },
                        Suggestion { title: "No".into() },
                    ],
                }),
            ),
            json!({"platform": "ACTIONS_ON_GOOGLE", "suggestions": {"suggestions": [{"title": "Yes"}, {"title": "No"}]}}),
        ),
        (
            Message::for_platform(
                aog,
                K::LinkOutSuggestion(LinkOutSuggestion {
                    destination_name: "Site".into(),
                    uri: "https://u".into(),
                }),
            ),
            json!({"platform": "ACTIONS_ON_GOOGLE", "linkOutSuggestion": {"destinationName": "Site", "uri": "https://u"}}),
        ),
        (
            Message::for_platform(
                aog,
                K::ListSelect(ListSelect {
                    title: "L".into(),
                    items: vec![item("a"), item("b")],
                    subtitle: "sub".into(),
                }),
            ),
            json!({"platform": "ACTIONS_ON_GOOGLE", "listSelect": {"title": "L", "items": [
                {"info": {"key": "a", "synonyms": ["a syn"]}, "title": "A", "description": "d",
                 "image": {"imageUri": "https://i/item.png", "accessibilityText": "alt"}},
                {"info": {"key": "b", "synonyms": ["b syn"]}, "title": "B", "description": "d",
                 "image": {"imageUri": "https://i/item.png", "accessibilityText": "alt"}}
            ], "subtitle": "sub"}}),
        ),
        (
            Message::for_platform(
                aog,
                K::CarouselSelect(CarouselSelect {
                    items: vec![SelectItem {
                        info: Some(SelectItemInfo {
                            key: "k".into(),
                            synonyms: vec![],
                        }),
                        title: "K".into(),
                        ..Default::default()
                    }],
                }),
            ),
            json!({"platform": "ACTIONS_ON_GOOGLE", "carouselSelect": {"items": [{"info": {"key": "k"}, "title": "K"}]}}),
        ),
        (
            Message::for_platform(
                aog,
                K::BrowseCarouselCard(BrowseCarouselCard {
                    items: vec![BrowseCarouselCardItem {
                        open_uri_action: Some(OpenUrlAction {
                            url: "https://u".into(),
                            url_type_hint: UrlTypeHint::AmpContent,
                        }),
                        title: "T".into(),
                        description: "D".into(),
                        image: Some(image("https://i/c.png")),
                        footer: "F".into(),
                    }],
                    image_display_options: ImageDisplayOptions::BlurredBackground,
                }),
            ),
            json!({"platform": "ACTIONS_ON_GOOGLE", "browseCarouselCard": {"items": [
                {"openUriAction": {"url": "https://u", "urlTypeHint": "AMP_CONTENT"}, "title": "T",
                 "description": "D", "image": {"imageUri": "https://i/c.png", "accessibilityText": "alt"},
                 "footer": "F"}], "imageDisplayOptions": "BLURRED_BACKGROUND"}}),
        ),
        (
            Message::for_platform(
                aog,
                K::TableCard(TableCard {
                    title: "T".into(),
                    subtitle: "S".into(),
                    image: Some(image("https://i/t.png")),
                    column_properties: vec![
                        ColumnProperties {
                            header: "Dish".into(),
                            horizontal_alignment: HorizontalAlignment::Leading,
                        },
                        ColumnProperties {
                            header: "Price".into(),
                            horizontal_alignment: HorizontalAlignment::Unspecified,
                        },
                    ],
                    rows: vec![
                        TableCardRow {
                            cells: vec![
                                TableCardCell {
                                    text: "Ramen".into(),
                                },
                                TableCardCell { text: "9".into() },
                            ],
                            divider_after: true,
                        },
                        TableCardRow {
                            cells: vec![TableCardCell { text: "Tea".into() }],
                            divider_after: false,
                        },
                    ],
                    buttons: vec![open("https://menu")],
                }),
            ),
            json!({"platform": "ACTIONS_ON_GOOGLE", "tableCard": {"title": "T", "subtitle": "S",
                "image": {"imageUri": "https://i/t.png", "accessibilityText": "alt"},
                "columnProperties": [{"header": "Dish", "horizontalAlignment": "LEADING"}, {"header": "Price"}],
                "rows": [{"cells": [{"text": "Ramen"}, {"text": "9"}], "dividerAfter": true},
                         {"cells": [{"text": "Tea"}]}],
                "buttons": [{"title": "Open", "openUriAction": {"uri": "https://menu"}}]}}),
        ),
        (
            Message::for_platform(
                aog,
                K::MediaContent(MediaContent {
                    media_type: MediaType::Audio,
                    media_objects: vec![
                        ResponseMediaObject {
                            name: "Song".into(),
                            description: "D".into(),
                            image: Some(MediaImage::LargeImage(image("https://i/l.png"))),
                            content_url: "https://a/song.mp3".into(),
                        },
                        ResponseMediaObject {
                            name: "Jingle".into(),
                            description: String::new(),
                            image: Some(MediaImage::Icon(image("https://i/icon.png"))),
                            content_url: "https://a/jingle.mp3".into(),
                        },
                        ResponseMediaObject {
                            name: "Bare".into(),
                            content_url: "https://a/bare.mp3".into(),
                            ..Default::default()
                        },
                    ],
                }),
            ),
            json!({"platform": "ACTIONS_ON_GOOGLE", "mediaContent": {"mediaType": "AUDIO", "mediaObjects": [
                {"name": "Song", "description": "D",
                 "largeImage": {"imageUri": "https://i/l.png", "accessibilityText": "alt"},
                 "contentUrl": "https://a/song.mp3"},
                {"name": "Jingle", "icon": {"imageUri": "https://i/icon.png", "accessibilityText": "alt"},
                 "contentUrl": "https://a/jingle.mp3"},
                {"name": "Bare", "contentUrl": "https://a/bare.mp3"}
            ]}}),
        ),
    ]
}

#[test]
fn every_message_kind_has_the_exact_proto_shape() {
    let cases = every_kind();
    let mut seen: Vec<&str> = cases.iter().map(|(m, _)| kind_name(&m.kind)).collect();
    seen.sort_unstable();
    seen.dedup();
    assert_eq!(seen.len(), 14, "one case per MessageKind");
    for (message, expected) in &cases {
        assert_eq!(&out(message), expected, "{}", kind_name(&message.kind));
        assert_eq!(&parse::<Message>(expected.clone()), message);
        // Every kind is read by its proto (snake_case) name too, nested fields included.
        assert_eq!(
            &parse::<Message>(snake_keys(expected, false)),
            message,
            "{}",
            kind_name(&message.kind)
        );
        // The oneof key is the only key besides `platform`.
        let keys: Vec<&String> = expected
            .as_object()
            .unwrap()
            .keys()
            .filter(|k| *k != "platform")
            .collect();
        assert_eq!(keys, [kind_name(&message.kind)]);
    }
}

#[test]
fn full_response_has_the_exact_proto_shape() {
    let mut params = Map::new();
    params.insert("guests".into(), json!(4));
    let resp = WebhookResponse {
        fulfillment_text: "Booked.".into(),
        fulfillment_messages: vec![Message::new(MessageKind::Text(Text {
            text: vec!["Booked.".into()],
        }))],
        source: "intentful".into(),
        payload: Some(
            json!({"google": {"expectUserResponse": false}})
                .as_object()
                .unwrap()
                .clone(),
        ),
        output_contexts: vec![Context {
            name: format!("{SESSION}/contexts/booking"),
            lifespan_count: Some(5),
            parameters: params.clone(),
        }],
        followup_event_input: Some(EventInput {
            name: "booking_done".into(),
            parameters: params,
            language_code: "en-US".into(),
        }),
        session_entity_types: vec![SessionEntityType {
            name: format!("{SESSION}/entityTypes/dish"),
            entity_override_mode: EntityOverrideMode::Supplement,
            entities: vec![Entity {
                value: "ramen".into(),
                synonyms: vec!["ramen".into(), "noodles".into()],
            }],
        }],
    };
    let v = out(&resp);
    assert_eq!(
        v,
        json!({
            "fulfillmentText": "Booked.",
            "fulfillmentMessages": [{"text": {"text": ["Booked."]}}],
            "source": "intentful",
            "payload": {"google": {"expectUserResponse": false}},
            "outputContexts": [{"name": format!("{SESSION}/contexts/booking"), "lifespanCount": 5,
                                "parameters": {"guests": 4}}],
            "followupEventInput": {"name": "booking_done", "parameters": {"guests": 4}, "languageCode": "en-US"},
            "sessionEntityTypes": [{"name": format!("{SESSION}/entityTypes/dish"),
                                    "entityOverrideMode": "ENTITY_OVERRIDE_MODE_SUPPLEMENT",
                                    "entities": [{"value": "ramen", "synonyms": ["ramen", "noodles"]}]}]
        })
    );
    assert_eq!(parse::<WebhookResponse>(v), resp);
    let overriding = SessionEntityType {
        entity_override_mode: EntityOverrideMode::Override,
        ..Default::default()
    };
    assert_eq!(
        out(&overriding),
        json!({"entityOverrideMode": "ENTITY_OVERRIDE_MODE_OVERRIDE"})
    );
    assert_eq!(out(&SessionEntityType::default()), json!({}));
}

#[test]
fn full_intent_resource_is_accepted() {
    let v = json!({
        "name": "projects/p/agent/intents/1",
        "displayName": "Book Table",
        "webhookState": "WEBHOOK_STATE_ENABLED_FOR_SLOT_FILLING",
        "priority": 500000,
        "isFallback": true,
        "mlDisabled": true,
        "liveAgentHandoff": true,
        "endInteraction": true,
        "inputContextNames": ["projects/p/agent/sessions/-/contexts/booking"],
        "events": ["BOOK"],
        "trainingPhrases": [{"name": "tp1", "type": "EXAMPLE", "parts": [
            {"text": "book for "}, {"text": "four", "entityType": "@sys.number", "alias": "guests", "userDefined": true}
        ], "timesAddedCount": 2}],
        "action": "booking.table",
        "outputContexts": [{"name": "projects/p/agent/sessions/-/contexts/booking", "lifespanCount": 5}],
        "resetContexts": true,
        "parameters": [{"name": "p1", "displayName": "guests", "value": "$guests", "defaultValue": "2",
                        "entityTypeDisplayName": "@sys.number", "mandatory": true,
                        "prompts": ["How many?"], "isList": true}],
        "messages": [{"text": {"text": ["ok"]}}],
        "defaultResponsePlatforms": ["ACTIONS_ON_GOOGLE", "GOOGLE_HANGOUTS"],
        "rootFollowupIntentName": "projects/p/agent/intents/0",
        "parentFollowupIntentName": "projects/p/agent/intents/0",
        "followupIntentInfo": [{"followupIntentName": "projects/p/agent/intents/2",
                                "parentFollowupIntentName": "projects/p/agent/intents/1"}]
    });
    let intent: Intent = parse(v.clone());
    assert_eq!(intent.webhook_state, WebhookState::EnabledForSlotFilling);
    assert_eq!(
        intent.training_phrases[0].r#type,
        TrainingPhraseType::Example
    );
    assert_eq!(intent.parameters[0].entity_type_display_name, "@sys.number");
    assert_eq!(out(&intent), v);
}

#[test]
fn sentiment_status_reads_and_writes() {
    let v = json!({"queryTextSentiment": {"score": 0.5}, "status": {"code": 3, "message": "bad",
        "details": [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "X"}]}});
    let s: SentimentAnalysisResult = parse(v.clone());
    assert_eq!(s.status.as_ref().and_then(|s| s.code), Some(3));
    assert_eq!(out(&s), v);
}
