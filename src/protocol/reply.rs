//! [`Reply`]: what a handler answers, before it is rendered for ES or CX.
//!
//! A builder so that the common case stays one line (`Reply::text("Hi")`) and the rare ones
//! (contexts, follow-up events, CX transitions) read as what they do.

use serde::Serialize;
use serde_json::{Map, Value};

use super::{cx, es};

/// The protocol-neutral answer of an intent handler.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Reply {
    /// `true` for "no answer": ES and CX then show the agent's own static response (`{}`).
    pub passthrough: bool,
    pub messages: Vec<Message>,
    /// Parameters to set; `Value::Null` deletes one.
    pub params: Map<String, Value>,
    pub contexts: Vec<ContextChange>,
    pub followup: Option<FollowupEvent>,
    pub session_entities: Vec<SessionEntities>,
    /// A custom top-level payload (ES `payload`, CX `payload`).
    pub payload: Option<Map<String, Value>>,
    /// CX: go to this page (full resource name).
    pub target_page: Option<String>,
    /// CX: go to this flow (full resource name).
    pub target_flow: Option<String>,
    /// CX: mark these form parameters INVALID so the page re-prompts for them.
    pub invalid_form_params: Vec<String>,
    /// CX: replace the messages Dialogflow already queued instead of appending to them.
    pub replace_messages: bool,
    /// Why parameters given to a builder could not be written as JSON parameters; rendering
    /// refuses the reply (the intent's fallback goes out, and its fixtures fail) rather than
    /// silently dropping them.
    pub(crate) invalid_params: Option<String>,
}

/// One rich message. The first group renders on both protocols; `Es`/`Cx` are escape hatches
/// for platform features that only one protocol has.
#[derive(Debug, Clone, PartialEq)]
pub enum Message {
    Text(String),
    /// Spoken SSML, with the text shown on screens.
    Ssml {
        ssml: String,
        display_text: String,
    },
    Card {
        title: String,
        subtitle: String,
        image_uri: String,
        buttons: Vec<Button>,
    },
    Image {
        uri: String,
        accessibility_text: String,
    },
    QuickReplies {
        title: String,
        replies: Vec<String>,
    },
    /// A custom payload message for the integration (Messenger rich content, Slack blocks, ...).
    Payload(Map<String, Value>),
    /// CX: hand the conversation to a human agent.
    LiveAgentHandoff(Map<String, Value>),
    /// CX: end the interaction after this turn.
    EndInteraction,
    /// CX telephony: transfer the call to a phone number (E.164).
    TransferCall(String),
    /// ES only: any `Intent.Message`, e.g. an Actions on Google carousel.
    Es(Box<es::Message>),
    /// CX only: any `ResponseMessage`.
    Cx(Box<cx::ResponseMessage>),
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Button {
    pub text: String,
    pub postback: String,
}

/// Set (lifespan > 0) or delete (lifespan 0) an ES context by its short id.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ContextChange {
    pub id: String,
    pub lifespan: i32,
    pub params: Map<String, Value>,
}

/// ES follow-up event / CX event-driven transition.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FollowupEvent {
    pub name: String,
    pub params: Map<String, Value>,
}

/// ES session entity type override for this session.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SessionEntities {
    /// Display name of the entity type, e.g. `dish`.
    pub entity_type: String,
    pub mode: EntityOverride,
    pub entities: Vec<SessionEntity>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum EntityOverride {
    #[default]
    Override,
    Supplement,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct SessionEntity {
    pub value: String,
    pub synonyms: Vec<String>,
}

impl Reply {
    /// No answer from the webhook: Dialogflow shows the intent's static response.
    pub fn passthrough() -> Self {
        Reply {
            passthrough: true,
            ..Reply::default()
        }
    }

    /// A plain text answer.
    pub fn text(text: impl Into<String>) -> Self {
        Reply::default().and_text(text)
    }

    /// A spoken SSML answer with its on-screen text.
    pub fn ssml(ssml: impl Into<String>, display_text: impl Into<String>) -> Self {
        Reply::default().message(Message::Ssml {
            ssml: ssml.into(),
            display_text: display_text.into(),
        })
    }

    pub fn and_text(self, text: impl Into<String>) -> Self {
        self.message(Message::Text(text.into()))
    }

    pub fn message(mut self, message: Message) -> Self {
        self.passthrough = false;
        self.messages.push(message);
        self
    }

    pub fn card(self, title: impl Into<String>, subtitle: impl Into<String>) -> Self {
        self.message(Message::Card {
            title: title.into(),
            subtitle: subtitle.into(),
            image_uri: String::new(),
            buttons: Vec::new(),
        })
    }

    pub fn image(self, uri: impl Into<String>, accessibility_text: impl Into<String>) -> Self {
        self.message(Message::Image {
            uri: uri.into(),
            accessibility_text: accessibility_text.into(),
        })
    }

    /// Suggestion chips: quick replies without a title (ES `quickReplies`, and Actions on Google
    /// suggestions; CX a Messenger `chips` rich content).
    pub fn chips<I, S>(self, chips: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.quick_replies("", chips)
    }

    pub fn quick_replies<I, S>(self, title: impl Into<String>, replies: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.message(Message::QuickReplies {
            title: title.into(),
            replies: replies.into_iter().map(Into::into).collect(),
        })
    }

    /// Sets a parameter (ES: in the parameters context; CX: a session parameter).
    pub fn param(mut self, name: impl Into<String>, value: impl Serialize) -> Self {
        self.passthrough = false;
        let name = name.into();
        match serde_json::to_value(value) {
            Ok(value) => {
                self.params.insert(name, value);
            }
            Err(e) => {
                self.invalid_params
                    .get_or_insert(format!("parameter `{name}` could not be serialized: {e}"));
            }
        }
        self
    }

    /// Deletes a parameter.
    pub fn delete_param(mut self, name: impl Into<String>) -> Self {
        self.passthrough = false;
        self.params.insert(name.into(), Value::Null);
        self
    }

    /// Sets an ES context for `lifespan` turns (CX: a session parameter of that name).
    pub fn context(self, id: impl Into<String>, lifespan: i32) -> Self {
        self.context_with(id, lifespan, Map::new())
    }

    /// Sets an ES context with parameters: any value that serializes as a JSON object, such as
    /// a `#[derive(Serialize)]` struct. Fields that serialize as `null` (a `None`) are left out.
    pub fn context_with(
        mut self,
        id: impl Into<String>,
        lifespan: i32,
        params: impl Serialize,
    ) -> Self {
        self.passthrough = false;
        let params = self.object(params, "context parameters");
        self.contexts.push(ContextChange {
            id: id.into(),
            lifespan,
            params,
        });
        self
    }

    /// Deletes an ES context (lifespan 0).
    pub fn delete_context(self, id: impl Into<String>) -> Self {
        self.context(id, 0)
    }

    /// Triggers an ES follow-up event (CX: the transition configured for the event).
    pub fn followup(self, name: impl Into<String>) -> Self {
        self.followup_with(name, Map::new())
    }

    /// Triggers a follow-up event with parameters, given as for
    /// [`context_with`](Self::context_with). On CX they become session parameters.
    pub fn followup_with(mut self, name: impl Into<String>, params: impl Serialize) -> Self {
        self.passthrough = false;
        let params = self.object(params, "follow-up event parameters");
        self.followup = Some(FollowupEvent {
            name: name.into(),
            params,
        });
        self
    }

    /// `params` as a JSON object without its `null` fields; anything else is recorded as the
    /// reason this reply cannot be rendered.
    fn object(&mut self, params: impl Serialize, what: &str) -> Map<String, Value> {
        match serde_json::to_value(params) {
            Ok(Value::Object(mut map)) => {
                map.retain(|_, v| !v.is_null());
                map
            }
            Ok(other) => {
                self.invalid_params.get_or_insert(format!(
                    "{what} must serialize as a JSON object, not {}",
                    json_kind(&other)
                ));
                Map::new()
            }
            Err(e) => {
                self.invalid_params
                    .get_or_insert(format!("{what} could not be serialized: {e}"));
                Map::new()
            }
        }
    }

    /// Overrides (or supplements) an ES entity type for this session.
    pub fn session_entities(mut self, entities: SessionEntities) -> Self {
        self.passthrough = false;
        self.session_entities.push(entities);
        self
    }

    /// A custom top-level payload.
    pub fn payload(mut self, payload: Map<String, Value>) -> Self {
        self.passthrough = false;
        self.payload = Some(payload);
        self
    }

    /// CX: transition to a page.
    pub fn target_page(mut self, page: impl Into<String>) -> Self {
        self.passthrough = false;
        self.target_page = Some(page.into());
        self
    }

    /// CX: transition to a flow.
    pub fn target_flow(mut self, flow: impl Into<String>) -> Self {
        self.passthrough = false;
        self.target_flow = Some(flow.into());
        self
    }

    /// CX: mark a form parameter INVALID so the page asks for it again.
    pub fn invalid_form_param(mut self, name: impl Into<String>) -> Self {
        self.passthrough = false;
        self.invalid_form_params.push(name.into());
        self
    }

    /// CX: replace the messages Dialogflow already queued for this turn instead of appending.
    pub fn replace_all(mut self) -> Self {
        self.replace_messages = true;
        self
    }

    /// CX: end the interaction.
    pub fn end_interaction(self) -> Self {
        self.message(Message::EndInteraction)
    }

    /// CX: hand over to a live agent.
    pub fn live_agent_handoff(self, metadata: Map<String, Value>) -> Self {
        self.message(Message::LiveAgentHandoff(metadata))
    }

    /// CX telephony: transfer the call.
    pub fn transfer_call(self, phone_number: impl Into<String>) -> Self {
        self.message(Message::TransferCall(phone_number.into()))
    }

    /// Why the reply cannot be rendered, when a builder was given parameters that are not a
    /// JSON object.
    pub fn invalid_params(&self) -> Option<&str> {
        self.invalid_params.as_deref()
    }

    /// The first plain or spoken text of the reply, for logs and `fulfillmentText`.
    pub fn first_text(&self) -> Option<&str> {
        self.messages.iter().find_map(|m| match m {
            Message::Text(t) => Some(t.as_str()),
            Message::Ssml { display_text, .. } => Some(display_text.as_str()),
            _ => None,
        })
    }
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::{CxSettings, Request};
    use serde_json::json;

    #[derive(Serialize)]
    struct Slots {
        guests: Option<u32>,
        day: Option<&'static str>,
    }

    fn render_es(reply: Reply) -> Result<Value, crate::protocol::RenderError> {
        let body = json!({"session": "projects/p/agent/sessions/s", "queryResult": {"languageCode": "en"}});
        let request = Request::parse(body.to_string().as_bytes(), None).unwrap();
        let (_, ctx) = request.into_parts();
        let bytes = ctx.render(reply, &CxSettings::default())?;
        Ok(serde_json::from_slice(&bytes).unwrap())
    }

    #[test]
    fn chips_are_untitled_quick_replies() {
        assert_eq!(
            Reply::text("?").chips(["Yes", "No"]),
            Reply::text("?").quick_replies("", ["Yes", "No"])
        );
    }

    #[test]
    fn context_and_event_parameters_from_a_struct_leave_out_none() {
        let slots = Slots {
            guests: Some(4),
            day: None,
        };
        let reply = Reply::default()
            .context_with("booking", 5, &slots)
            .followup_with("booked", &slots);
        let want = json!({"guests": 4}).as_object().cloned().unwrap();
        assert_eq!(reply.contexts[0].params, want);
        assert_eq!(reply.followup.as_ref().map(|f| &f.params), Some(&want));
        assert_eq!(reply.invalid_params(), None);
        assert_eq!(
            Reply::default().followup("x").followup.unwrap().params,
            Map::new()
        );
    }

    #[test]
    fn parameters_that_are_not_an_object_make_the_reply_unrenderable() {
        let reply = Reply::text("hi").context_with("c", 1, "just text");
        assert!(reply
            .invalid_params()
            .is_some_and(|p| p.contains("a string")));
        let err = render_es(reply).unwrap_err().to_string();
        assert!(
            err.contains("context parameters must serialize as a JSON object"),
            "{err}"
        );

        // A map with non-string keys cannot be written as JSON at all.
        let odd = std::collections::BTreeMap::from([((1, 2), "x")]);
        let reply = Reply::text("hi").param("odd", &odd);
        assert!(reply.invalid_params().is_some_and(|p| p.contains("`odd`")));
        assert!(render_es(reply).is_err());
        assert!(render_es(Reply::text("hi").param("n", 1)).is_ok());
    }
}
