//! Dialogflow ES v2: request -> [`Turn`], [`Reply`] -> response, with ES's rules that bite.
//!
//! - Output context names are `<request session>/contexts/<id>` for every session form, ids are
//!   checked against Dialogflow's pattern, and `lifespanCount` is always sent (0 deletes).
//! - A text reply goes out both as `fulfillmentText` and as the first text message, so every
//!   integration shows it.
//! - `followupEventInput.languageCode` is required by Dialogflow: it is filled from the request.
//! - ES has no response parameters, so reply parameters travel in one session context
//!   ([`PARAMS_CONTEXT`]), where later turns and the agent (`#intentful-params.x`) can read them.

use serde_json::{Map, Value};

use super::es::{self, WebhookRequest, WebhookResponse};
use super::reply::{EntityOverride, Message};
use super::turn::InputContext;
use super::{Protocol, Reply, Turn};

/// The output context that carries reply parameters on ES.
pub const PARAMS_CONTEXT: &str = "intentful-params";
/// How many turns reply parameters stay available on ES.
pub const PARAMS_LIFESPAN: i32 = 50;

/// Why a reply cannot be sent as ES JSON. The dispatcher answers with the fallback instead and
/// the fixture tests fail, so this shows up in development rather than in production.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RenderError {
    #[error("{what} cannot be expressed in Dialogflow {protocol}")]
    Unsupported {
        protocol: Protocol,
        what: &'static str,
    },
    #[error("context id `{0}` is invalid: use 1-250 bytes of [a-z0-9_-%]")]
    InvalidContextId(String),
    #[error("context `{0}` is reserved by Dialogflow")]
    ReservedContext(String),
    #[error("the request has no session to build names from")]
    NoSession,
}

/// Moves the neutral turn out of an ES request.
///
/// Moved rather than copied: cloning every string and the parameter maps was a visible share of
/// a call (perf). What [`render`] still reads stays behind: the session, the language code and
/// `originalDetectIntentRequest.source`.
pub fn take_turn(req: &mut WebhookRequest) -> Turn {
    let mut qr = req.query_result.take().unwrap_or_default();
    let (source, payload) = req
        .original_detect_intent_request
        .as_mut()
        .map(|o| (o.source.clone(), std::mem::take(&mut o.payload)))
        .unwrap_or_default();
    let turn = Turn {
        protocol: Some(Protocol::Es),
        key: String::new(),
        session: req.session.clone(),
        response_id: std::mem::take(&mut req.response_id),
        language_code: qr.language_code.clone(),
        query_text: std::mem::take(&mut qr.query_text),
        intent_display_name: qr.intent.take().map(|i| i.display_name).unwrap_or_default(),
        action: std::mem::take(&mut qr.action),
        tag: String::new(),
        confidence: qr.intent_detection_confidence,
        parameters: std::mem::take(&mut qr.parameters),
        contexts: std::mem::take(&mut qr.output_contexts)
            .into_iter()
            .map(|c| InputContext {
                id: short_id(&c.name).to_string(),
                lifespan: c.lifespan_count.unwrap_or(0),
                parameters: c.parameters,
            })
            .collect(),
        source,
        payload,
        page: String::new(),
        form: Vec::new(),
    };
    req.query_result = Some(es::QueryResult {
        language_code: qr.language_code,
        ..es::QueryResult::default()
    });
    turn
}

/// The registry keys to try for an ES request, in order: action, then intent display name.
pub fn keys(turn: &Turn) -> [&str; 2] {
    [turn.action.as_str(), turn.intent_display_name.as_str()]
}

/// Renders a reply as an ES WebhookResponse.
///
/// Takes the reply by value and moves its strings and maps into the response: copying them
/// cost an allocation per string on every call (callgrind).
pub fn render(reply: Reply, req: &WebhookRequest) -> Result<WebhookResponse, RenderError> {
    let mut resp = WebhookResponse::default();
    if reply.passthrough {
        return Ok(resp);
    }
    if reply.target_page.is_some() || reply.target_flow.is_some() {
        return Err(unsupported("a page or flow transition"));
    }
    // ES has no forms: the reply's own text re-asks, so invalid form parameters need no field.
    if is_aog(req) {
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

    let session = req.session.trim_end_matches('/');
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
        let language_code = req
            .query_result
            .as_ref()
            .map(|q| q.language_code.clone())
            .unwrap_or_default();
        resp.followup_event_input = Some(es::EventInput {
            name: event.name,
            parameters: event.params,
            language_code,
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

fn is_aog(req: &WebhookRequest) -> bool {
    req.original_detect_intent_request
        .as_ref()
        .is_some_and(|o| matches!(o.source.as_str(), "google" | "GOOGLE" | "ACTIONS_ON_GOOGLE"))
}

/// The last path segment of a context name, whatever the session form.
fn short_id(name: &str) -> &str {
    name.rsplit('/').next().unwrap_or(name)
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

/// Serialises a response, for callers that need bytes (routes, CLI).
pub fn to_json(resp: &WebhookResponse) -> Result<Vec<u8>, serde_json::Error> {
    serde_json::to_vec(resp)
}

/// Parameters of a reply, exposed for tests that inspect the params context.
pub fn params_of(resp: &WebhookResponse) -> Option<&Map<String, Value>> {
    resp.output_contexts
        .iter()
        .find(|c| c.name.ends_with(&format!("/contexts/{PARAMS_CONTEXT}")))
        .map(|c| &c.parameters)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn req(session: &str, source: &str) -> WebhookRequest {
        serde_json::from_value(json!({
            "session": session,
            "responseId": "r1",
            "queryResult": {"queryText": "hi", "languageCode": "en-US", "action": "a",
                            "intent": {"displayName": "Hello"}},
            "originalDetectIntentRequest": {"source": source}
        }))
        .unwrap()
    }

    fn render_json(reply: Reply, req: &WebhookRequest) -> Value {
        serde_json::to_value(render(reply, req).unwrap()).unwrap()
    }

    #[test]
    fn text_goes_to_fulfillment_text_and_first_message() {
        let v = render_json(
            Reply::text("Hello"),
            &req("projects/p/agent/sessions/s", ""),
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
            &req("projects/p/agent/sessions/s", ""),
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
                &req(session, ""),
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
        let r = req("projects/p/agent/sessions/s", "");
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
    fn render_after_take_turn_still_has_session_language_and_source() {
        let mut r = req("projects/p/agent/sessions/s", "google");
        let turn = take_turn(&mut r);
        assert_eq!(turn.language_code, "en-US");
        let v = render_json(
            Reply::text("ok")
                .context("booking", 1)
                .followup("confirm", Map::new()),
            &r,
        );
        assert_eq!(v["followupEventInput"]["languageCode"], "en-US");
        assert_eq!(
            v["outputContexts"][0]["name"],
            "projects/p/agent/sessions/s/contexts/booking"
        );
        // Still Actions on Google after the move: the AoG message is there.
        assert_eq!(v["fulfillmentMessages"][0]["platform"], "ACTIONS_ON_GOOGLE");
    }

    #[test]
    fn followup_gets_request_language() {
        let v = render_json(
            Reply::default().followup("confirm", Map::new()),
            &req("projects/p/agent/sessions/s", ""),
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
            &req("projects/p/agent/sessions/s", ""),
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
            &req("projects/p/agent/sessions/s", "google"),
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
            &req("projects/p/agent/sessions/s", "google"),
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
        let r = req("projects/p/agent/sessions/s", "");
        assert!(render(Reply::text("x").target_page("p"), &r).is_err());
        assert!(render(Reply::text("x").end_interaction(), &r).is_err());
        assert!(render(Reply::text("again?").invalid_form_param("guests"), &r).is_ok());
    }

    #[test]
    fn turn_reads_short_context_ids_from_env_sessions() {
        let mut r: WebhookRequest = serde_json::from_value(json!({
            "session": "projects/p/agent/environments/e/users/u/sessions/s",
            "queryResult": {"outputContexts": [
                {"name": "projects/p/agent/environments/e/users/u/sessions/s/contexts/booking",
                 "lifespanCount": 2, "parameters": {"guests": 2}}
            ]}
        }))
        .unwrap();
        let t = take_turn(&mut r);
        assert_eq!(t.context("booking").map(|c| c.lifespan), Some(2));
    }
}
