//! Dialogflow CX v3: [`Reply`] -> `WebhookResponse`, and the `[cx]` settings.
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

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::cx::{self, WebhookResponse};
use super::reply::Message;
use super::{Protocol, RenderError, Reply};

/// `[cx]`: where follow-up events go on CX, and the named CX webhooks with their timeouts.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct CxSettings {
    /// Where a reply's follow-up event goes on CX, by event name: a page or a flow (full
    /// resource names). An event without an entry cannot be expressed on CX.
    pub events: BTreeMap<String, CxTarget>,
    /// Named CX webhooks served at `POST /webhook/cx/<name>`, each with the timeout configured
    /// on that webhook in the agent; `/webhook/cx` itself uses `deadline.cx_ms`.
    pub webhooks: BTreeMap<String, CxWebhook>,
}

/// `[cx.webhooks.<name>]`: the timeout configured on that webhook in the agent.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct CxWebhook {
    pub timeout_ms: u64,
}

/// `[cx.events.<event>]`: a page or a flow, by full resource name.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct CxTarget {
    pub page: Option<String>,
    pub flow: Option<String>,
}

/// What rendering a CX answer needs from its request.
#[derive(Debug, Clone, Default)]
pub struct CxCtx {
    /// `pageInfo.currentPage`, which a response that marks form parameters invalid names.
    pub current_page: String,
}

/// Renders a reply as a CX WebhookResponse.
pub fn render(
    reply: Reply,
    ctx: &CxCtx,
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
        resp.page_info = Some(cx::PageInfo {
            current_page: ctx.current_page.clone(),
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
    use serde_json::json;

    fn req() -> CxCtx {
        CxCtx {
            current_page: "pages/p".into(),
        }
    }

    fn render_json(reply: Reply, settings: &CxSettings) -> Value {
        serde_json::to_value(render(reply, &req(), settings).unwrap()).unwrap()
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
        let v = render_json(Reply::text("x").followup("done"), &settings);
        assert_eq!(v["targetFlow"], "flows/f");
        assert!(v.get("targetPage").is_none());
        let v = render_json(
            Reply::text("x").target_page("pages/q").replace_all(),
            &settings,
        );
        assert_eq!(v["targetPage"], "pages/q");
        assert_eq!(v["fulfillmentResponse"]["mergeBehavior"], "REPLACE");

        let r = req();
        assert!(render(Reply::text("x").followup("unmapped"), &r, &settings).is_err());
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
