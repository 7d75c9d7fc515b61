//! Wire-type tests: captured requests, strict output, tolerant input.

use super::*;
use serde_json::json;

fn map(v: Value) -> Struct {
    match v {
        Value::Object(m) => m,
        other => panic!("not an object: {other}"),
    }
}

fn to_json<T: Serialize>(t: &T) -> Value {
    serde_json::to_value(t).unwrap()
}

/// A captured-style CX request: a form with a filled and an empty parameter, intent
/// parameters, queued messages, telephony payload, sentiment and language info.
fn full_request() -> Value {
    json!({
        "detectIntentResponseId": "1d3a0bc0-0000-4000-8000-000000000001",
        "intentInfo": {
            "lastMatchedIntent": "projects/p/locations/global/agents/a/intents/0b7c",
            "displayName": "book.table",
            "parameters": {
                "guests": {"originalValue": "four", "resolvedValue": 4.0},
                "date": {"originalValue": "tomorrow",
                         "resolvedValue": {"year": 2026.0, "month": 11.0, "day": 25.0}}
            },
            "confidence": 0.93
        },
        "pageInfo": {
            "currentPage": "projects/p/locations/global/agents/a/flows/f/pages/pg",
            "displayName": "Book Table",
            "formInfo": {"parameterInfo": [
                {"displayName": "guests", "required": true, "state": "FILLED", "value": 4.0,
                 "justCollected": true},
                {"displayName": "time", "required": true, "state": "EMPTY"},
                {"displayName": "note", "state": "INVALID", "value": "???"}
            ]}
        },
        "sessionInfo": {
            "session": "projects/p/locations/global/agents/a/environments/e/sessions/s-1",
            "parameters": {"guests": 4.0, "date": {"year": 2026.0, "month": 11.0, "day": 25.0}}
        },
        "fulfillmentInfo": {"tag": "booking.table"},
        "messages": [
            {"text": {"text": ["How many people?"], "allowPlaybackInterruption": true},
             "responseType": "PARAMETER_PROMPT", "source": "VIRTUAL_AGENT"},
            {"channel": "voice", "outputAudioText": {"ssml": "<speak>How many?</speak>"},
             "responseType": "PARAMETER_PROMPT"}
        ],
        "payload": {"telephony": {"caller_id": "+15550100"}},
        "sentimentAnalysisResult": {"score": -0.2, "magnitude": 0.4},
        "text": "four people",
        "languageCode": "en",
        "languageInfo": {"inputLanguageCode": "en", "resolvedLanguageCode": "en-US",
                         "confidenceScore": 0.98}
    })
}

#[test]
fn full_request_round_trips() {
    let v = full_request();
    let req: WebhookRequest = serde_json::from_value(v.clone()).unwrap();
    let form = &req
        .page_info
        .as_ref()
        .unwrap()
        .form_info
        .as_ref()
        .unwrap()
        .parameter_info;
    assert_eq!(form.len(), 3);
    assert_eq!(form[0].state, ParameterState::Filled);
    assert!(form[0].required && form[0].just_collected);
    assert_eq!(form[0].value, Some(json!(4.0)));
    assert_eq!(form[1].state, ParameterState::Empty);
    assert_eq!(form[1].value, None);
    assert_eq!(form[2].state, ParameterState::Invalid);
    let intent = req.intent_info.as_ref().unwrap();
    assert_eq!(intent.confidence, Some(0.93));
    assert_eq!(intent.parameters["guests"].original_value, "four");
    assert_eq!(intent.parameters["guests"].resolved_value, json!(4.0));
    assert_eq!(intent.parameters["date"].resolved_value["day"], json!(25.0));
    let lang = req.language_info.as_ref().unwrap();
    assert_eq!(lang.input_language_code, "en");
    assert_eq!(lang.resolved_language_code, "en-US");
    assert_eq!(lang.confidence_score, Some(0.98));
    assert_eq!(req.fulfillment_info.as_ref().unwrap().tag, "booking.table");
    assert_eq!(req.text.as_deref(), Some("four people"));
    assert_eq!(req.messages[0].response_type, ResponseType::ParameterPrompt);
    assert_eq!(req.messages[1].channel, "voice");
    assert_eq!(
        req.sentiment_analysis_result,
        Some(SentimentAnalysisResult {
            score: Some(-0.2),
            magnitude: Some(0.4)
        })
    );

    let mut expected = v;
    // `source` is not a ResponseMessage field: it is dropped on the way in.
    expected["messages"][0]
        .as_object_mut()
        .unwrap()
        .remove("source");
    assert_eq!(to_json(&req), expected);
}

#[test]
fn every_query_kind_is_read() {
    for (key, value) in [
        ("text", "hello"),
        ("triggerIntent", "projects/p/locations/l/agents/a/intents/i"),
        ("transcript", "hello there"),
        ("triggerEvent", "welcome"),
        ("dtmfDigits", "1234#"),
    ] {
        let v = json!({"detectIntentResponseId": "r", key: value});
        let req: WebhookRequest = serde_json::from_value(v.clone()).unwrap();
        let set = [
            &req.text,
            &req.trigger_intent,
            &req.transcript,
            &req.trigger_event,
            &req.dtmf_digits,
        ]
        .into_iter()
        .filter(|q| q.is_some())
        .count();
        assert_eq!(set, 1, "{key}");
        assert_eq!(to_json(&req), v, "{key}");
    }
}

#[test]
fn snake_case_input_is_accepted() {
    let req: WebhookRequest = serde_json::from_value(json!({
        "detect_intent_response_id": "r",
        "trigger_event": "welcome",
        "language_code": "de",
        "language_info": {"input_language_code": "de", "resolved_language_code": "de-DE",
                          "confidence_score": 0.5},
        "fulfillment_info": {"tag": "t"},
        "intent_info": {"last_matched_intent": "i", "display_name": "d",
                        "parameters": {"p": {"original_value": "x", "resolved_value": "X"}}},
        "page_info": {"current_page": "pg", "display_name": "Page",
                      "form_info": {"parameter_info": [
                          {"display_name": "p", "state": "FILLED", "just_collected": true}]}},
        "session_info": {"session": "s", "parameters": {"p": "X"}},
        "sentiment_analysis_result": {"score": 0.1, "magnitude": 0.2},
        "messages": [
            {"response_type": "HANDLER_PROMPT",
             "output_audio_text": {"text": "hi", "allow_playback_interruption": true}},
            {"play_audio": {"audio_uri": "gs://b/a.wav"}},
            {"telephony_transfer_call": {"phone_number": "+15550100"}},
            {"tool_call": {"tool": "t", "action": "a", "input_parameters": {"k": 1}}}
        ]
    }))
    .unwrap();
    assert_eq!(req.detect_intent_response_id, "r");
    assert_eq!(req.trigger_event.as_deref(), Some("welcome"));
    assert_eq!(req.language_code, "de");
    assert_eq!(
        req.language_info.as_ref().unwrap().resolved_language_code,
        "de-DE"
    );
    assert_eq!(req.fulfillment_info.as_ref().unwrap().tag, "t");
    let intent = req.intent_info.as_ref().unwrap();
    assert_eq!(
        (
            intent.last_matched_intent.as_str(),
            intent.display_name.as_str()
        ),
        ("i", "d")
    );
    assert_eq!(intent.parameters["p"].original_value, "x");
    assert_eq!(intent.parameters["p"].resolved_value, json!("X"));
    let page = req.page_info.as_ref().unwrap();
    assert_eq!(page.current_page, "pg");
    let param = &page.form_info.as_ref().unwrap().parameter_info[0];
    assert_eq!(param.display_name, "p");
    assert!(param.just_collected);
    assert_eq!(
        req.sentiment_analysis_result.as_ref().unwrap().magnitude,
        Some(0.2)
    );
    assert_eq!(req.messages.len(), 4);
    assert_eq!(req.messages[0].response_type, ResponseType::HandlerPrompt);
    assert_eq!(
        req.messages[0].kind,
        ResponseMessageKind::OutputAudioText(OutputAudioText {
            source: Some(AudioTextSource::Text("hi".into())),
            allow_playback_interruption: true,
        })
    );
    // Written back in lowerCamelCase.
    assert_eq!(
        to_json(&req.messages[3]),
        json!({"toolCall": {"tool": "t", "action": "a", "inputParameters": {"k": 1}}})
    );

    let resp: WebhookResponse = serde_json::from_value(json!({
        "fulfillment_response": {"messages": [{"text": {"text": ["a"]}}],
                                 "merge_behavior": "REPLACE"},
        "session_info": {"parameters": {"x": null}},
        "page_info": {"form_info": {"parameter_info": [{"display_name": "p", "state": "INVALID"}]}},
        "target_page": "pages/p"
    }))
    .unwrap();
    assert_eq!(
        to_json(&resp),
        json!({
            "fulfillmentResponse": {"messages": [{"text": {"text": ["a"]}}],
                                    "mergeBehavior": "REPLACE"},
            "pageInfo": {"formInfo": {"parameterInfo": [{"displayName": "p", "state": "INVALID"}]}},
            "sessionInfo": {"parameters": {"x": null}},
            "targetPage": "pages/p"
        })
    );
}

#[test]
fn numbers_and_booleans_sent_as_strings_are_accepted() {
    let req: WebhookRequest = serde_json::from_value(json!({
        "intentInfo": {"confidence": "0.93"},
        "sentimentAnalysisResult": {"score": "-0.5", "magnitude": "1"},
        "languageInfo": {"confidenceScore": "0.75"},
        "pageInfo": {"formInfo": {"parameterInfo": [
            {"displayName": "p", "required": "true", "justCollected": "false", "state": 2}
        ]}}
    }))
    .unwrap();
    assert_eq!(req.intent_info.unwrap().confidence, Some(0.93));
    let s = req.sentiment_analysis_result.unwrap();
    assert_eq!((s.score, s.magnitude), (Some(-0.5), Some(1.0)));
    assert_eq!(req.language_info.unwrap().confidence_score, Some(0.75));
    let p = &req.page_info.unwrap().form_info.unwrap().parameter_info[0];
    assert!(p.required && !p.just_collected);
    assert_eq!(p.state, ParameterState::Invalid);
    // A merge behavior by number, as proto3 JSON parsers also accept.
    let f: FulfillmentResponse = serde_json::from_value(json!({"mergeBehavior": 1})).unwrap();
    assert_eq!(f.merge_behavior, MergeBehavior::Append);
}

#[test]
fn unknown_fields_enums_kinds_and_nulls_are_tolerated() {
    let req: WebhookRequest = serde_json::from_value(json!({
        "detectIntentResponseId": "r",
        "brandNewTopLevel": {"x": 1},
        "fulfillmentInfo": {"tag": "t", "extra": true},
        "intentInfo": {"displayName": null, "confidence": null,
                       "parameters": {"gone": null, "kept": {"originalValue": null, "resolvedValue": 1}}},
        "pageInfo": {"formInfo": {"parameterInfo": [
            {"displayName": "p", "state": "SOMETHING_NEW", "value": null, "required": null}]}},
        "sessionInfo": {"session": "s", "parameters": null},
        "messages": [
            {"unknownKind": {}},
            {"text": {"text": ["ok"]}, "responseType": "NEW_TYPE"},
            {"text": {"text": "bare string"}},
            {"channel": null, "payload": {"a": 1}}
        ],
        "payload": null,
        "sentimentAnalysisResult": null,
        "languageInfo": null,
        "text": null,
        "languageCode": null
    }))
    .unwrap();
    assert_eq!(req.fulfillment_info.as_ref().unwrap().tag, "t");
    let intent = req.intent_info.as_ref().unwrap();
    assert_eq!(intent.display_name, "");
    assert_eq!(intent.confidence, None);
    assert!(!intent.parameters.contains_key("gone"));
    assert_eq!(intent.parameters["kept"].original_value, "");
    let p = &req
        .page_info
        .as_ref()
        .unwrap()
        .form_info
        .as_ref()
        .unwrap()
        .parameter_info[0];
    assert_eq!(p.state, ParameterState::Unspecified);
    assert_eq!(p.value, None);
    assert!(!p.required);
    assert!(req.session_info.as_ref().unwrap().parameters.is_empty());
    assert_eq!(req.messages.len(), 3);
    assert_eq!(req.messages[0].response_type, ResponseType::Unspecified);
    assert_eq!(
        req.messages[1].kind,
        ResponseMessageKind::Text(Text {
            text: vec!["bare string".into()],
            ..Default::default()
        })
    );
    assert!(req.payload.is_empty());
    assert_eq!(req.text, None);
    assert_eq!(req.language_code, "");
    // Nothing unknown is written back.
    assert_eq!(
        to_json(&req),
        json!({
            "detectIntentResponseId": "r",
            "fulfillmentInfo": {"tag": "t"},
            "intentInfo": {"parameters": {"kept": {"resolvedValue": 1}}},
            "pageInfo": {"formInfo": {"parameterInfo": [{"displayName": "p"}]}},
            "sessionInfo": {"session": "s"},
            "messages": [
                {"text": {"text": ["ok"]}},
                {"text": {"text": ["bare string"]}},
                {"payload": {"a": 1}}
            ]
        })
    );
}

#[test]
fn every_message_kind_serialises_to_its_proto_shape() {
    use ResponseMessageKind as K;
    let cases: Vec<(ResponseMessageKind, Value)> = vec![
        (
            K::Text(Text {
                text: vec!["a".into(), "b".into()],
                allow_playback_interruption: false,
            }),
            json!({"text": {"text": ["a", "b"]}}),
        ),
        (
            K::Text(Text {
                text: vec!["a".into()],
                allow_playback_interruption: true,
            }),
            json!({"text": {"text": ["a"], "allowPlaybackInterruption": true}}),
        ),
        (
            K::Payload(map(json!({"richContent": [[{"type": "chips"}]]}))),
            json!({"payload": {"richContent": [[{"type": "chips"}]]}}),
        ),
        (
            K::ConversationSuccess(ConversationSuccess {
                metadata: map(json!({"k": "v"})),
            }),
            json!({"conversationSuccess": {"metadata": {"k": "v"}}}),
        ),
        (
            K::ConversationSuccess(ConversationSuccess::default()),
            json!({"conversationSuccess": {}}),
        ),
        (
            K::OutputAudioText(OutputAudioText {
                source: Some(AudioTextSource::Ssml("<speak>Hi</speak>".into())),
                allow_playback_interruption: false,
            }),
            json!({"outputAudioText": {"ssml": "<speak>Hi</speak>"}}),
        ),
        (
            K::OutputAudioText(OutputAudioText {
                source: Some(AudioTextSource::Text("Hi".into())),
                allow_playback_interruption: true,
            }),
            json!({"outputAudioText": {"text": "Hi", "allowPlaybackInterruption": true}}),
        ),
        (
            K::LiveAgentHandoff(LiveAgentHandoff {
                metadata: map(json!({"queue": "vip"})),
            }),
            json!({"liveAgentHandoff": {"metadata": {"queue": "vip"}}}),
        ),
        (
            K::LiveAgentHandoff(LiveAgentHandoff::default()),
            json!({"liveAgentHandoff": {}}),
        ),
        (
            K::EndInteraction(EndInteraction {}),
            json!({"endInteraction": {}}),
        ),
        (
            K::PlayAudio(PlayAudio {
                audio_uri: "gs://b/a.wav".into(),
                allow_playback_interruption: false,
            }),
            json!({"playAudio": {"audioUri": "gs://b/a.wav"}}),
        ),
        (
            K::MixedAudio(MixedAudio {
                segments: vec![
                    Segment {
                        content: Some(SegmentContent::Uri("gs://b/a.wav".into())),
                        allow_playback_interruption: false,
                    },
                    Segment {
                        content: Some(SegmentContent::Audio("AAEC".into())),
                        allow_playback_interruption: true,
                    },
                ],
            }),
            json!({"mixedAudio": {"segments": [
                {"uri": "gs://b/a.wav"},
                {"audio": "AAEC", "allowPlaybackInterruption": true}
            ]}}),
        ),
        (
            K::TelephonyTransferCall(TelephonyTransferCall {
                phone_number: "+15551234567".into(),
            }),
            json!({"telephonyTransferCall": {"phoneNumber": "+15551234567"}}),
        ),
        (
            K::KnowledgeInfoCard(KnowledgeInfoCard {}),
            json!({"knowledgeInfoCard": {}}),
        ),
        (
            K::ToolCall(ToolCall {
                tool: "projects/p/locations/l/agents/a/tools/t".into(),
                action: "lookup".into(),
                input_parameters: map(json!({"id": 7})),
            }),
            json!({"toolCall": {"tool": "projects/p/locations/l/agents/a/tools/t",
                                "action": "lookup", "inputParameters": {"id": 7}}}),
        ),
    ];
    for (kind, expected) in cases {
        let message = ResponseMessage::new(kind);
        assert_eq!(to_json(&message), expected);
        let back: ResponseMessage = serde_json::from_value(expected.clone()).unwrap();
        assert_eq!(back, message, "{expected}");
        // The kind is read by its proto (snake_case) name too.
        let (key, value) = expected.as_object().unwrap().iter().next().unwrap();
        let snake: String = key
            .chars()
            .flat_map(|c| match c.is_ascii_uppercase() {
                true => vec!['_', c.to_ascii_lowercase()],
                false => vec![c],
            })
            .collect();
        let back: ResponseMessage =
            serde_json::from_value(json!({ snake.clone(): value })).unwrap();
        assert_eq!(back, message, "{snake}");
    }
}

#[test]
fn channel_and_response_type_sit_beside_the_kind() {
    let m = ResponseMessage {
        channel: "voice".into(),
        response_type: ResponseType::EntryPrompt,
        kind: ResponseMessageKind::EndInteraction(EndInteraction {}),
    };
    assert_eq!(
        to_json(&m),
        json!({"channel": "voice", "responseType": "ENTRY_PROMPT", "endInteraction": {}})
    );
    assert_eq!(to_json(&ResponseMessage::default()), json!({"text": {}}));
}

#[test]
fn empty_response_is_an_empty_object() {
    assert_eq!(to_json(&WebhookResponse::default()), json!({}));
    assert_eq!(to_json(&FulfillmentResponse::default()), json!({}));
    assert_eq!(to_json(&PageInfo::default()), json!({}));
    assert_eq!(to_json(&SessionInfo::default()), json!({}));
    assert_eq!(to_json(&WebhookRequest::default()), json!({}));
    let resp: WebhookResponse = serde_json::from_value(json!({})).unwrap();
    assert_eq!(resp, WebhookResponse::default());
}

#[test]
fn null_session_parameter_is_kept_to_delete_it() {
    let resp = WebhookResponse {
        session_info: Some(SessionInfo {
            session: String::new(),
            parameters: map(json!({"old_choice": null, "kept": "yes"})),
        }),
        ..Default::default()
    };
    let v = to_json(&resp);
    assert_eq!(
        v,
        json!({"sessionInfo": {"parameters": {"old_choice": null, "kept": "yes"}}})
    );
    assert_eq!(
        serde_json::to_string(&resp).unwrap(),
        r#"{"sessionInfo":{"parameters":{"old_choice":null,"kept":"yes"}}}"#
    );
    // And a null read back stays a null.
    let back: WebhookResponse = serde_json::from_value(v).unwrap();
    assert_eq!(
        back.session_info.unwrap().parameters.get("old_choice"),
        Some(&Value::Null)
    );
}

#[test]
fn transition_is_target_page_or_target_flow_never_both() {
    let page = WebhookResponse {
        transition: Some(Transition::TargetPage(
            "projects/p/locations/l/agents/a/flows/f/pages/pg".into(),
        )),
        ..Default::default()
    };
    assert_eq!(
        to_json(&page),
        json!({"targetPage": "projects/p/locations/l/agents/a/flows/f/pages/pg"})
    );
    let flow = WebhookResponse {
        transition: Some(Transition::TargetFlow(
            "projects/p/locations/l/agents/a/flows/f".into(),
        )),
        ..Default::default()
    };
    assert_eq!(
        to_json(&flow),
        json!({"targetFlow": "projects/p/locations/l/agents/a/flows/f"})
    );
    for (input, expected) in [
        (
            json!({"targetPage": "pg"}),
            Some(Transition::TargetPage("pg".into())),
        ),
        (
            json!({"targetFlow": "f"}),
            Some(Transition::TargetFlow("f".into())),
        ),
        (
            json!({"target_flow": "f"}),
            Some(Transition::TargetFlow("f".into())),
        ),
        (json!({"targetPage": null}), None),
        (json!({"payload": {"a": 1}}), None),
    ] {
        let r: WebhookResponse = serde_json::from_value(input.clone()).unwrap();
        assert_eq!(r.transition, expected, "{input}");
    }
    // Both in the input (invalid for Dialogflow): one is kept, never both on the way out.
    let r: WebhookResponse =
        serde_json::from_value(json!({"targetPage": "pg", "targetFlow": "f"})).unwrap();
    let out = to_json(&r);
    assert_eq!(out.as_object().unwrap().len(), 1, "{out}");
}

#[test]
fn invalid_form_parameter_in_a_full_response() {
    let resp = WebhookResponse {
        fulfillment_response: Some(FulfillmentResponse {
            messages: vec![ResponseMessage::new(ResponseMessageKind::Text(Text {
                text: vec!["That date is in the past. Which day?".into()],
                ..Default::default()
            }))],
            merge_behavior: MergeBehavior::Replace,
        }),
        page_info: Some(PageInfo {
            current_page: "projects/p/locations/l/agents/a/flows/f/pages/pg".into(),
            form_info: Some(FormInfo {
                parameter_info: vec![ParameterInfo {
                    display_name: "date".into(),
                    required: true,
                    state: ParameterState::Invalid,
                    value: Some(Value::Null),
                    just_collected: false,
                }],
            }),
            ..Default::default()
        }),
        session_info: Some(SessionInfo {
            session: String::new(),
            parameters: map(json!({"date": null, "attempts": 2})),
        }),
        payload: map(json!({"trace": "abc"})),
        transition: None,
    };
    assert_eq!(
        to_json(&resp),
        json!({
            "fulfillmentResponse": {
                "messages": [{"text": {"text": ["That date is in the past. Which day?"]}}],
                "mergeBehavior": "REPLACE"
            },
            "pageInfo": {
                "currentPage": "projects/p/locations/l/agents/a/flows/f/pages/pg",
                "formInfo": {"parameterInfo": [
                    {"displayName": "date", "required": true, "state": "INVALID", "value": null}
                ]}
            },
            "sessionInfo": {"parameters": {"date": null, "attempts": 2}},
            "payload": {"trace": "abc"}
        })
    );
}

#[test]
fn enums_serialise_as_proto_names() {
    for (state, name) in [
        (ParameterState::Unspecified, "PARAMETER_STATE_UNSPECIFIED"),
        (ParameterState::Empty, "EMPTY"),
        (ParameterState::Invalid, "INVALID"),
        (ParameterState::Filled, "FILLED"),
    ] {
        assert_eq!(to_json(&state), json!(name));
    }
    for (mb, name) in [
        (MergeBehavior::Unspecified, "MERGE_BEHAVIOR_UNSPECIFIED"),
        (MergeBehavior::Append, "APPEND"),
        (MergeBehavior::Replace, "REPLACE"),
    ] {
        assert_eq!(to_json(&mb), json!(name));
    }
    for (rt, name) in [
        (ResponseType::Unspecified, "RESPONSE_TYPE_UNSPECIFIED"),
        (ResponseType::EntryPrompt, "ENTRY_PROMPT"),
        (ResponseType::ParameterPrompt, "PARAMETER_PROMPT"),
        (ResponseType::HandlerPrompt, "HANDLER_PROMPT"),
    ] {
        assert_eq!(to_json(&rt), json!(name));
    }
    // An unspecified merge behavior is a default field: omitted.
    let f = FulfillmentResponse {
        merge_behavior: MergeBehavior::Append,
        ..Default::default()
    };
    assert_eq!(to_json(&f), json!({"mergeBehavior": "APPEND"}));
}

#[test]
fn response_message_is_read_as_its_flattened_form_was() {
    let read = |s: &str| serde_json::from_str::<ResponseMessage>(s);
    let text = |t: &str| {
        ResponseMessageKind::Text(Text {
            text: vec![t.into()],
            allow_playback_interruption: false,
        })
    };
    assert_eq!(
        read(r#"{"text": {"text": ["a"]}, "extra": [1, {"b": 2}], "channel": "voice", "response_type": "HANDLER_PROMPT"}"#)
            .unwrap(),
        ResponseMessage {
            channel: "voice".into(),
            response_type: ResponseType::HandlerPrompt,
            kind: text("a"),
        },
        "own fields after the kind, by either name; unknown keys skipped"
    );
    assert_eq!(
        read(r#"{"channel": null, "rbmText": {}, "text": {"text": ["a"]}, "payload": {"x": 1}}"#)
            .unwrap(),
        ResponseMessage::new(text("a")),
        "null channel is unset; the first known kind wins, later ones are skipped"
    );
    for bad in [
        r#"{"channel": "voice"}"#,
        r#"{"rbmText": {}}"#,
        r#"{"text": null}"#,
        "[]",
    ] {
        assert!(read(bad).is_err(), "{bad}");
    }
}
