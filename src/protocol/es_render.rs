//! Dialogflow ES v2: [`Reply`] -> `WebhookResponse`, with ES's rules that bite.
//!
//! - Output context names are `<request session>/contexts/<id>` for every session form, ids are
//!   checked against Dialogflow's pattern, and `lifespanCount` is always sent (0 deletes).
//! - A text reply goes out both as `fulfillmentText` and as the first text message, so every
//!   integration shows it.
//! - `followupEventInput.languageCode` is required by Dialogflow: it is filled from the request.
//! - ES has no response parameters, so reply parameters travel in one session context
//!   ([`PARAMS_CONTEXT`]), where later turns and the agent (`#intentful-params.x`) can read them.

use super::es::{self, WebhookResponse};
use super::reply::{EntityOverride, Message};
use super::{Protocol, RenderError, Reply};

/// The output context that carries reply parameters on ES.
pub const PARAMS_CONTEXT: &str = "intentful-params";
/// How many turns reply parameters stay available on ES.
pub const PARAMS_LIFESPAN: i32 = 50;

/// What rendering an ES answer needs from its request.
#[derive(Debug, Clone, Default)]
pub struct EsCtx {
    /// The session that output context and session entity names are built on.
    pub session: String,
    /// `followupEventInput.languageCode` is required: the request's own.
    pub language_code: String,
    /// Actions on Google shows only messages of its own platform.
    pub actions_on_google: bool,
}

/// Renders a reply as an ES WebhookResponse.
pub fn render(reply: Reply, ctx: &EsCtx) -> Result<WebhookResponse, RenderError> {
    let mut resp = WebhookResponse::default();
    if reply.passthrough {
        return Ok(resp);
    }
    if reply.target_page.is_some() || reply.target_flow.is_some() {
        return Err(unsupported("a page or flow transition"));
    }
    // ES has no forms: the reply's own text re-asks, so invalid form parameters need no field.
    if ctx.actions_on_google {
        resp.fulfillment_messages = actions_on_google_messages(&reply);
    }
    if let Some(text) = reply.first_text() {
        resp.fulfillment_text = text.to_string();
    }
    let Reply {
        messages,
        params,
        contexts,
        followup,
        session_entities,
        payload,
        ..
    } = reply;
    for message in messages {
        render_message(message, &mut resp.fulfillment_messages)?;
    }
    resp.payload = payload;

    let session = ctx.session.trim_end_matches('/');
    let needs_session = !contexts.is_empty() || !params.is_empty() || !session_entities.is_empty();
    if needs_session && session.is_empty() {
        return Err(RenderError::NoSession);
    }
    for change in contexts {
        let id = check_context_id(&change.id)?;
        resp.output_contexts.push(es::Context {
            name: format!("{session}/contexts/{id}"),
            lifespan_count: Some(change.lifespan.max(0)),
            parameters: change.params,
        });
    }
    if !params.is_empty() {
        resp.output_contexts.push(es::Context {
            name: format!("{session}/contexts/{PARAMS_CONTEXT}"),
            lifespan_count: Some(PARAMS_LIFESPAN),
            parameters: params,
        });
    }
    if let Some(event) = followup {
        resp.followup_event_input = Some(es::EventInput {
            name: event.name,
            parameters: event.params,
            language_code: ctx.language_code.clone(),
        });
    }
    for set in session_entities {
        resp.session_entity_types.push(es::SessionEntityType {
            name: format!("{session}/entityTypes/{}", set.entity_type),
            entity_override_mode: match set.mode {
                EntityOverride::Override => es::EntityOverrideMode::Override,
                EntityOverride::Supplement => es::EntityOverrideMode::Supplement,
            },
            entities: set
                .entities
                .into_iter()
                .map(|e| es::Entity {
                    synonyms: if e.synonyms.is_empty() {
                        vec![e.value.clone()]
                    } else {
                        e.synonyms
                    },
                    value: e.value,
                })
                .collect(),
        });
    }
    Ok(resp)
}

/// Actions on Google only shows messages of its own platform, and wants a simple response
/// first; text, SSML and quick replies are mirrored there so the Assistant shows the same reply.
fn actions_on_google_messages(reply: &Reply) -> Vec<es::Message> {
    let aog = |kind| es::Message {
        platform: Some(es::Platform::ActionsOnGoogle),
        kind,
    };
    let mut out = Vec::new();
    let spoken = reply.messages.iter().find_map(|m| match m {
        Message::Text(t) => Some(es::SimpleResponse {
            text_to_speech: t.clone(),
            ..Default::default()
        }),
        Message::Ssml { ssml, display_text } => Some(es::SimpleResponse {
            ssml: ssml.clone(),
            display_text: display_text.clone(),
            ..Default::default()
        }),
        _ => None,
    });
    let Some(spoken) = spoken else {
        return out;
    };
    out.push(aog(es::MessageKind::SimpleResponses(es::SimpleResponses {
        simple_responses: vec![spoken],
    })));
    // The Assistant allows at most 8 chips of at most 25 characters each.
    let chips: Vec<es::Suggestion> = reply
        .messages
        .iter()
        .filter_map(|m| match m {
            Message::QuickReplies { replies, .. } => Some(replies),
            _ => None,
        })
        .flatten()
        .filter(|r| !r.is_empty() && r.chars().count() <= 25)
        .take(8)
        .map(|r| es::Suggestion { title: r.clone() })
        .collect();
    if !chips.is_empty() {
        out.push(aog(es::MessageKind::Suggestions(es::Suggestions {
            suggestions: chips,
        })));
    }
    out
}

fn render_message(message: Message, out: &mut Vec<es::Message>) -> Result<(), RenderError> {
    let plain = |kind| es::Message {
        platform: None,
        kind,
    };
    match message {
        Message::Text(text) => {
            out.push(plain(es::MessageKind::Text(es::Text { text: vec![text] })))
        }
        // Spoken SSML reaches voice surfaces through the Actions on Google simple response;
        // everywhere else shows the display text.
        Message::Ssml { display_text, .. } => out.push(plain(es::MessageKind::Text(es::Text {
            text: vec![display_text],
        }))),
        Message::Card {
            title,
            subtitle,
            image_uri,
            buttons,
        } => out.push(plain(es::MessageKind::Card(es::Card {
            title,
            subtitle,
            image_uri,
            buttons: buttons
                .into_iter()
                .map(|b| es::CardButton {
                    text: b.text,
                    postback: b.postback,
                })
                .collect(),
        }))),
        Message::Image {
            uri,
            accessibility_text,
        } => out.push(plain(es::MessageKind::Image(es::Image {
            image_uri: uri,
            accessibility_text,
        }))),
        Message::QuickReplies { title, replies } => {
            out.push(plain(es::MessageKind::QuickReplies(es::QuickReplies {
                title,
                quick_replies: replies,
            })))
        }
        Message::Payload(map) => out.push(plain(es::MessageKind::Payload(map))),
        Message::Es(m) => out.push(*m),
        Message::LiveAgentHandoff(_) => return Err(unsupported("a live-agent handoff")),
        Message::EndInteraction => return Err(unsupported("ending the interaction")),
        Message::TransferCall(_) => return Err(unsupported("a telephony transfer")),
        Message::Cx(_) => return Err(unsupported("a CX response message")),
    }
    Ok(())
}

fn unsupported(what: &'static str) -> RenderError {
    RenderError::Unsupported {
        protocol: Protocol::Es,
        what,
    }
}

/// Dialogflow lowercases context ids; we accept any case but send the canonical form.
fn check_context_id(id: &str) -> Result<String, RenderError> {
    let id = id.to_ascii_lowercase();
    let valid = !id.is_empty()
        && id.len() <= 250
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"_-%".contains(&b));
    if !valid {
        return Err(RenderError::InvalidContextId(id));
    }
    if id == "__system_counters__"
        || id.ends_with("_id_dialog_context")
        || id.ends_with("_dialog_params_size")
    {
        return Err(RenderError::ReservedContext(id));
    }
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    fn ctx(session: &str, source: &str) -> EsCtx {
        EsCtx {
            session: session.into(),
            language_code: "en-US".into(),
            actions_on_google: source == "google",
        }
    }

    fn render_json(reply: Reply, ctx: &EsCtx) -> Value {
        serde_json::to_value(render(reply, ctx).unwrap()).unwrap()
    }

    #[test]
    fn text_goes_to_fulfillment_text_and_first_message() {
        let v = render_json(
            Reply::text("Hello"),
            &ctx("projects/p/agent/sessions/s", ""),
        );
        assert_eq!(
            v,
            json!({"fulfillmentText": "Hello", "fulfillmentMessages": [{"text": {"text": ["Hello"]}}]})
        );
    }

    #[test]
    fn passthrough_is_empty_object() {
        let v = render_json(
            Reply::passthrough(),
            &ctx("projects/p/agent/sessions/s", ""),
        );
        assert_eq!(v, json!({}));
    }

    #[test]
    fn context_names_follow_every_session_form() {
        for session in [
            "projects/p/agent/sessions/s",
            "projects/p/agent/environments/e/users/u/sessions/s",
            "projects/p/locations/eu/agent/sessions/s",
        ] {
            let v = render_json(
                Reply::text("x").context("Booking", 3).delete_context("old"),
                &ctx(session, ""),
            );
            assert_eq!(
                v["outputContexts"],
                json!([
                    {"name": format!("{session}/contexts/booking"), "lifespanCount": 3},
                    {"name": format!("{session}/contexts/old"), "lifespanCount": 0}
                ])
            );
        }
    }

    #[test]
    fn bad_and_reserved_context_ids_are_refused() {
        let r = ctx("projects/p/agent/sessions/s", "");
        assert!(matches!(
            render(Reply::text("x").context("has space", 1), &r),
            Err(RenderError::InvalidContextId(_))
        ));
        assert!(matches!(
            render(Reply::text("x").context("__system_counters__", 1), &r),
            Err(RenderError::ReservedContext(_))
        ));
    }

    #[test]
    fn followup_gets_request_language() {
        let v = render_json(
            Reply::default().followup("confirm"),
            &ctx("projects/p/agent/sessions/s", ""),
        );
        assert_eq!(
            v["followupEventInput"],
            json!({"name": "confirm", "languageCode": "en-US"})
        );
    }

    #[test]
    fn params_travel_in_the_params_context() {
        let v = render_json(
            Reply::text("x").param("temp_c", 21),
            &ctx("projects/p/agent/sessions/s", ""),
        );
        assert_eq!(
            v["outputContexts"][0],
            json!({"name": "projects/p/agent/sessions/s/contexts/intentful-params",
                   "lifespanCount": 50, "parameters": {"temp_c": 21}})
        );
    }

    #[test]
    fn ssml_on_actions_on_google_adds_simple_response() {
        let v = render_json(
            Reply::ssml("<speak>Hi</speak>", "Hi"),
            &ctx("projects/p/agent/sessions/s", "google"),
        );
        assert_eq!(v["fulfillmentText"], "Hi");
        assert_eq!(
            v["fulfillmentMessages"][0],
            json!({"platform": "ACTIONS_ON_GOOGLE",
                   "simpleResponses": {"simpleResponses": [{"ssml": "<speak>Hi</speak>", "displayText": "Hi"}]}})
        );
    }

    #[test]
    fn actions_on_google_gets_simple_response_and_chips_first() {
        let v = render_json(
            Reply::text("Hi").quick_replies("", ["Yes", "This chip is far too long to show"]),
            &ctx("projects/p/agent/sessions/s", "google"),
        );
        assert_eq!(
            v["fulfillmentMessages"],
            json!([
                {"platform": "ACTIONS_ON_GOOGLE", "simpleResponses": {"simpleResponses": [{"textToSpeech": "Hi"}]}},
                {"platform": "ACTIONS_ON_GOOGLE", "suggestions": {"suggestions": [{"title": "Yes"}]}},
                {"text": {"text": ["Hi"]}},
                {"quickReplies": {"quickReplies": ["Yes", "This chip is far too long to show"]}}
            ])
        );
    }

    #[test]
    fn cx_only_features_are_refused() {
        let r = ctx("projects/p/agent/sessions/s", "");
        assert!(render(Reply::text("x").target_page("p"), &r).is_err());
        assert!(render(Reply::text("x").end_interaction(), &r).is_err());
        assert!(render(Reply::text("again?").invalid_form_param("guests"), &r).is_ok());
    }
}
