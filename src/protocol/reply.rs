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
        let value = serde_json::to_value(value).unwrap_or(Value::Null);
        self.params.insert(name.into(), value);
        self
    }

    /// Deletes a parameter.
    pub fn delete_param(mut self, name: impl Into<String>) -> Self {
        self.passthrough = false;
        self.params.insert(name.into(), Value::Null);
        self
    }

    /// Sets an ES context for `lifespan` turns.
    pub fn context(self, id: impl Into<String>, lifespan: i32) -> Self {
        self.context_with(id, lifespan, Map::new())
    }

    /// Sets an ES context with parameters.
    pub fn context_with(
        mut self,
        id: impl Into<String>,
        lifespan: i32,
        params: Map<String, Value>,
    ) -> Self {
        self.passthrough = false;
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
    pub fn followup(mut self, name: impl Into<String>, params: Map<String, Value>) -> Self {
        self.passthrough = false;
        self.followup = Some(FollowupEvent {
            name: name.into(),
            params,
        });
        self
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

    /// The first plain or spoken text of the reply, for logs and `fulfillmentText`.
    pub fn first_text(&self) -> Option<&str> {
        self.messages.iter().find_map(|m| match m {
            Message::Text(t) => Some(t.as_str()),
            Message::Ssml { display_text, .. } => Some(display_text.as_str()),
            _ => None,
        })
    }
}
