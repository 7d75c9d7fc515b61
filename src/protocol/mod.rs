//! The protocol-neutral conversation turn and reply, and the wire protocols that carry them.
//!
//! Intent handlers only ever see a [`Turn`] and return a [`Reply`]. A [`Request`] reads the
//! part of a webhook body that a turn or an answer needs (`es_turn`, `cx_turn`) and splits into
//! the turn and a [`RenderCtx`]; the `*_render` modules write the reply as the protocol's
//! response. `es` and `cx` hold the full wire types, for responses, conformance and fuzzing.
//! Keeping handlers away from wire JSON is what lets one intent file answer both ES and CX.

pub mod cx;
pub mod cx_render;
mod cx_turn;
pub mod es;
pub mod es_render;
mod es_turn;
mod reply;
mod request;
pub mod tolerant;
mod turn;

pub use cx_render::{CxSettings, CxTarget, CxWebhook};
pub use reply::{
    Button, ContextChange, EntityOverride, FollowupEvent, Message, Reply, SessionEntities,
    SessionEntity,
};
pub use request::{RenderCtx, Request, MAX_RESPONSE_BYTES};
pub(crate) use turn::{is_unfilled, read_params};
pub use turn::{FixtureError, FormParameter, FormState, InputContext, ParamsError, Turn};

use serde::Serialize;

/// Which Dialogflow edition sent the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    Es,
    Cx,
}

impl Protocol {
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Es => "es",
            Protocol::Cx => "cx",
        }
    }
}

impl std::fmt::Display for Protocol {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a reply cannot be sent. The answer is the intent's fallback instead, and the fixture
/// tests fail, so this shows up in development rather than in production.
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
    #[error("response is {0} bytes, over Dialogflow's {MAX_RESPONSE_BYTES}")]
    TooLarge(usize),
    #[error("the response could not be written as JSON: {0}")]
    Json(String),
}
