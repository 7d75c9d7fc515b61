//! Dialogflow CX v3: request -> [`Turn`], [`Reply`] -> response.
//!
//! How a neutral reply maps onto CX (the table in the README repeats this):
//! - text -> `text` message; SSML -> `outputAudioText` (spoken) plus `text` (shown);
//! - card, image, quick replies -> a Dialogflow Messenger `richContent` payload message;
//! - parameters -> `sessionInfo.parameters` (`null` deletes one);
//! - contexts -> a session parameter named after the context id (`null` when deleted), since
//!   CX has no contexts;
//! - a follow-up event -> the page or flow configured under `[cx.events]`, its parameters
//!   merged into the session parameters;
//! - invalid form parameters -> `pageInfo.formInfo.parameterInfo[].state = INVALID`.
//!
//! ES-only parts (session entity types, raw ES messages) and events without a configured target
//! are refused with a [`RenderError`], which the fixture tests turn into a failure.

use serde_json::{Map, Value};

use super::cx::{self, WebhookRequest, WebhookResponse};
use super::es_render::RenderError;
use super::reply::Message;
use super::turn::{FormParameter, FormState};
use super::{Protocol, Reply, Turn};
use crate::config::CxSettings;

/// Moves the neutral turn out of a CX request.
///
/// Moved rather than copied, as on ES; [`render`] still reads `pageInfo.currentPage`, which
/// stays behind.
pub fn take_turn(req: &mut WebhookRequest) -> Turn {
    let (session, mut parameters) = req
        .session_info
        .take()
        .map(|s| (s.session, s.parameters))
        .unwrap_or_default();
    let intent = req.intent_info.take();
    let (intent_display_name, confidence) = match intent {
        Some(info) => {
            // Intent parameters are this turn's fresh values: they win over older session
            // values.
            for (name, value) in info.parameters {
                parameters.insert(name, value.resolved_value);
            }
            (info.display_name, info.confidence)
        }
        None => (String::new(), None),
    };
    let page = req.page_info.as_mut();
    let form = page
        .as_ref()
        .and_then(|p| p.form_info.as_ref())
        .map(|f| {
            f.parameter_info
                .iter()
                .map(|p| FormParameter {
                    name: p.display_name.clone(),
                    required: p.required,
                    state: match p.state {
                        cx::ParameterState::Empty => FormState::Empty,
                        cx::ParameterState::Invalid => FormState::Invalid,
                        cx::ParameterState::Filled => FormState::Filled,
                        _ => FormState::Unspecified,
                    },
                    value: p.value.clone(),
                    just_collected: p.just_collected,
                })
                .collect()
        })
        .unwrap_or_default();
    let page = page
        .map(|p| std::mem::take(&mut p.display_name))
        .unwrap_or_default();
    let query_text = [
        &mut req.text,
        &mut req.transcript,
        &mut req.trigger_intent,
        &mut req.trigger_event,
        &mut req.dtmf_digits,
    ]
    .into_iter()
    .find_map(|q| q.take().filter(|s| !s.is_empty()))
    .unwrap_or_default();
    Turn {
        protocol: Some(Protocol::Cx),
        key: String::new(),
        session,
        response_id: std::mem::take(&mut req.detect_intent_response_id),
        language_code: std::mem::take(&mut req.language_code),
        query_text,
        intent_display_name,
        action: String::new(),
        tag: req
            .fulfillment_info
            .take()
            .map(|f| f.tag)
            .unwrap_or_default(),
        confidence,
        parameters,
        contexts: Vec::new(),
        source: String::new(),
        payload: std::mem::take(&mut req.payload),
        page,
        form,
    }
}

/// The registry key for a CX request: the fulfillment tag.
pub fn keys(turn: &Turn) -> [&str; 1] {
    [turn.tag.as_str()]
}

/// Renders a reply as a CX WebhookResponse.
///
/// Takes the reply by value and moves its strings and maps into the response: copying them
/// cost an allocation per string on every call (callgrind).
pub fn render(
    reply: Reply,
    req: &WebhookRequest,
    settings: &CxSettings,
) -> Result<WebhookResponse, RenderError> {
    let mut resp = WebhookResponse::default();
    if reply.passthrough {
        return Ok(resp);
    }
    if !reply.session_entities.is_empty() {
        return Err(unsupported("session entity types"));
    }
    let Reply {
        messages: reply_messages,
        mut params,
        contexts,
        followup,
        payload,
        target_page: mut page,
        target_flow: mut flow,
        invalid_form_params,
        replace_messages,
        ..
    } = reply;
    let mut messages = Vec::new();
    let mut rich: Vec<Value> = Vec::new();
    for message in reply_messages {
        render_message(message, &mut messages, &mut rich)?;
    }
    if !rich.is_empty() {
        let mut payload = Map::new();
        payload.insert("richContent".into(), Value::Array(vec![Value::Array(rich)]));
        messages.push(plain(cx::ResponseMessageKind::Payload(payload)));
    }
    if !messages.is_empty() {
        resp.fulfillment_response = Some(cx::FulfillmentResponse {
            messages,
            merge_behavior: if replace_messages {
                cx::MergeBehavior::Replace
            } else {
                cx::MergeBehavior::Unspecified
            },
        });
    }

    for change in contexts {
        let value = if change.lifespan > 0 {
            Value::Object(change.params)
        } else {
            Value::Null
        };
        params.insert(change.id.to_ascii_lowercase(), value);
    }

    if let Some(event) = followup {
        let target = settings
            .events
            .get(&event.name)
            .ok_or(RenderError::Unsupported {
                protocol: Protocol::Cx,
                what: "a follow-up event without a [cx.events] target",
            })?;
        if page.is_none() && flow.is_none() {
            page = target.page.clone();
            flow = target.flow.clone();
        }
        params.extend(event.params);
    }
    resp.transition = match (page, flow) {
        (Some(_), Some(_)) => return Err(unsupported("both a target page and a target flow")),
        (Some(page), None) => Some(cx::Transition::TargetPage(page)),
        (None, Some(flow)) => Some(cx::Transition::TargetFlow(flow)),
        (None, None) => None,
    };

    // CX re-prompts for an INVALID parameter only once its value is cleared.
    for name in &invalid_form_params {
        params.entry(name.clone()).or_insert(Value::Null);
    }
    if !params.is_empty() {
        resp.session_info = Some(cx::SessionInfo {
            session: String::new(),
            parameters: params,
        });
    }
    if !invalid_form_params.is_empty() {
        let current_page = req
            .page_info
            .as_ref()
            .map(|p| p.current_page.clone())
            .unwrap_or_default();
        resp.page_info = Some(cx::PageInfo {
            current_page,
            display_name: String::new(),
            form_info: Some(cx::FormInfo {
                parameter_info: invalid_form_params
                    .into_iter()
                    .map(|name| cx::ParameterInfo {
                        display_name: name,
                        state: cx::ParameterState::Invalid,
                        ..Default::default()
                    })
                    .collect(),
            }),
        });
    }
    resp.payload = payload.unwrap_or_default();
    Ok(resp)
}

fn plain(kind: cx::ResponseMessageKind) -> cx::ResponseMessage {
    cx::ResponseMessage::new(kind)
}

fn render_message(
    message: Message,
    out: &mut Vec<cx::ResponseMessage>,
    rich: &mut Vec<Value>,
) -> Result<(), RenderError> {
    match message {
        Message::Text(text) => out.push(plain(cx::ResponseMessageKind::Text(cx::Text {
            text: vec![text],
            ..Default::default()
        }))),
        Message::Ssml { ssml, display_text } => {
            out.push(plain(cx::ResponseMessageKind::OutputAudioText(
                cx::OutputAudioText {
                    source: Some(cx::AudioTextSource::Ssml(ssml)),
                    ..Default::default()
                },
            )));
            out.push(plain(cx::ResponseMessageKind::Text(cx::Text {
                text: vec![display_text],
                ..Default::default()
            })));
        }
        Message::Card {
            title,
            subtitle,
            image_uri,
            buttons,
        } => {
            let mut card = Map::new();
            card.insert("type".into(), "info".into());
            card.insert("title".into(), title.into());
            if !subtitle.is_empty() {
                card.insert("subtitle".into(), subtitle.into());
            }
            if !image_uri.is_empty() {
                card.insert("image".into(), serde_json::json!({"rawUrl": image_uri}));
            }
            rich.push(Value::Object(card));
            if !buttons.is_empty() {
                rich.push(serde_json::json!({
                    "type": "chips",
                    "options": buttons.into_iter().map(|b| {
                        if b.postback.starts_with("http") {
                            serde_json::json!({"text": b.text, "link": b.postback})
                        } else {
                            serde_json::json!({"text": b.text})
                        }
                    }).collect::<Vec<_>>()
                }));
            }
        }
        Message::Image {
            uri,
            accessibility_text,
        } => rich.push(serde_json::json!({
            "type": "image", "rawUrl": uri, "accessibilityText": accessibility_text
        })),
        Message::QuickReplies { title, replies } => {
            if !title.is_empty() {
                rich.push(serde_json::json!({"type": "description", "title": title}));
            }
            rich.push(serde_json::json!({
                "type": "chips",
                "options": replies.into_iter().map(|r| serde_json::json!({"text": r})).collect::<Vec<_>>()
            }));
        }
        Message::Payload(map) => out.push(plain(cx::ResponseMessageKind::Payload(map))),
        Message::LiveAgentHandoff(metadata) => out.push(plain(
            cx::ResponseMessageKind::LiveAgentHandoff(cx::LiveAgentHandoff { metadata }),
        )),
        Message::EndInteraction => out.push(plain(cx::ResponseMessageKind::EndInteraction(
            cx::EndInteraction::default(),
        ))),
        Message::TransferCall(number) => out.push(plain(
            cx::ResponseMessageKind::TelephonyTransferCall(cx::TelephonyTransferCall {
                phone_number: number,
            }),
        )),
        Message::Cx(m) => out.push(*m),
        Message::Es(_) => return Err(unsupported("an ES platform message")),
    }
    Ok(())
}

fn unsupported(what: &'static str) -> RenderError {
    RenderError::Unsupported {
        protocol: Protocol::Cx,
        what,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::CxTarget;
    use serde_json::json;

    fn req() -> WebhookRequest {
        serde_json::from_value(json!({
            "detectIntentResponseId": "r",
            "fulfillmentInfo": {"tag": "t"},
            "intentInfo": {"displayName": "d", "parameters": {"city": {"originalValue": "tokyo", "resolvedValue": "Tokyo"}}},
            "pageInfo": {"currentPage": "pages/p", "displayName": "P",
                         "formInfo": {"parameterInfo": [{"displayName": "guests", "required": true, "state": "INVALID"}]}},
            "sessionInfo": {"session": "sessions/s", "parameters": {"city": "Osaka", "lang": "en"}},
            "transcript": "weather in tokyo",
            "languageCode": "ja-JP"
        }))
        .unwrap()
    }

    #[test]
    fn render_after_take_turn_keeps_the_current_page() {
        let mut r = req();
        let turn = take_turn(&mut r);
        assert_eq!(
            (turn.page.as_str(), turn.query_text.as_str()),
            ("P", "weather in tokyo")
        );
        assert_eq!(turn.param_str("city"), Some("Tokyo"));
        let v = serde_json::to_value(
            render(
                Reply::text("again?").invalid_form_param("guests"),
                &r,
                &CxSettings::default(),
            )
            .unwrap(),
        )
        .unwrap();
        assert_eq!(v["pageInfo"]["currentPage"], "pages/p");
    }

    fn render_json(reply: Reply, settings: &CxSettings) -> Value {
        serde_json::to_value(render(reply, &req(), settings).unwrap()).unwrap()
    }

    #[test]
    fn turn_overlays_intent_parameters_and_reads_the_form() {
        let t = take_turn(&mut req());
        assert_eq!(
            (t.tag.as_str(), t.query_text.as_str(), t.page.as_str()),
            ("t", "weather in tokyo", "P")
        );
        assert_eq!(
            t.parameters["city"], "Tokyo",
            "intent parameters win over session values"
        );
        assert_eq!(t.parameters["lang"], "en");
        assert_eq!(t.form[0].state, FormState::Invalid);
        assert_eq!(t.language(), "ja");
    }

    #[test]
    fn rich_messages_become_messenger_rich_content() {
        let v = render_json(
            Reply::text("hi")
                .card("Title", "Sub")
                .quick_replies("", ["a", "b"]),
            &CxSettings::default(),
        );
        assert_eq!(
            v["fulfillmentResponse"]["messages"],
            json!([
                {"text": {"text": ["hi"]}},
                {"payload": {"richContent": [[
                    {"type": "info", "title": "Title", "subtitle": "Sub"},
                    {"type": "chips", "options": [{"text": "a"}, {"text": "b"}]}
                ]]}}
            ])
        );
    }

    #[test]
    fn cx_powers_render_to_their_messages() {
        let v = render_json(
            Reply::ssml("<speak>Bye</speak>", "Bye")
                .transfer_call("+15551234567")
                .live_agent_handoff(Map::new())
                .end_interaction(),
            &CxSettings::default(),
        );
        assert_eq!(
            v["fulfillmentResponse"]["messages"],
            json!([
                {"outputAudioText": {"ssml": "<speak>Bye</speak>"}},
                {"text": {"text": ["Bye"]}},
                {"telephonyTransferCall": {"phoneNumber": "+15551234567"}},
                {"liveAgentHandoff": {}},
                {"endInteraction": {}}
            ])
        );
    }

    #[test]
    fn params_contexts_and_invalid_form_params() {
        let v = render_json(
            Reply::text("again?")
                .param("a", 1)
                .delete_param("b")
                .context("Booking", 2)
                .delete_context("old")
                .invalid_form_param("guests"),
            &CxSettings::default(),
        );
        assert_eq!(
            v["sessionInfo"],
            json!({"parameters": {"a": 1, "b": null, "booking": {}, "old": null, "guests": null}})
        );
        assert_eq!(
            v["pageInfo"],
            json!({"currentPage": "pages/p", "formInfo": {"parameterInfo": [{"displayName": "guests", "state": "INVALID"}]}})
        );
    }

    #[test]
    fn transitions_and_followup_events() {
        let mut settings = CxSettings::default();
        settings.events.insert(
            "done".into(),
            CxTarget {
                page: None,
                flow: Some("flows/f".into()),
            },
        );
        let v = render_json(Reply::text("x").followup("done", Map::new()), &settings);
        assert_eq!(v["targetFlow"], "flows/f");
        assert!(v.get("targetPage").is_none());
        let v = render_json(
            Reply::text("x").target_page("pages/q").replace_all(),
            &settings,
        );
        assert_eq!(v["targetPage"], "pages/q");
        assert_eq!(v["fulfillmentResponse"]["mergeBehavior"], "REPLACE");

        let r = req();
        assert!(render(
            Reply::text("x").followup("unmapped", Map::new()),
            &r,
            &settings
        )
        .is_err());
        assert!(render(
            Reply::text("x").target_page("p").target_flow("f"),
            &r,
            &settings
        )
        .is_err());
        assert!(render(
            Reply::text("x").session_entities(Default::default()),
            &r,
            &settings
        )
        .is_err());
    }

    #[test]
    fn passthrough_is_empty() {
        assert_eq!(
            render_json(Reply::passthrough(), &CxSettings::default()),
            json!({})
        );
    }
}
