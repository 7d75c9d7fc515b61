//! The protocol-neutral conversation turn and reply, and the wire protocols that carry them.
//!
//! Intent handlers only ever see a [`Turn`] and return a [`Reply`]; `es` and `cx` hold the exact
//! wire types, and the `*_render` modules translate between the two worlds. Keeping handlers away
//! from wire JSON is what lets one intent file answer both Dialogflow ES and CX.

pub mod cx;
pub mod cx_render;
pub mod es;
pub mod es_render;
mod reply;
pub mod tolerant;
mod turn;

pub use reply::{
    Button, ContextChange, EntityOverride, FollowupEvent, Message, Reply, SessionEntities,
    SessionEntity,
};
pub use turn::{InputContext, Turn};

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
