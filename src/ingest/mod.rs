//! Event triggers: webhooks that other systems send (a helpdesk, a shop, Okta, GitHub) become
//! durable events that start chatbot work in `events/` handlers.
//!
//! The path of one delivery (`POST /events/<source>`, `route.rs`):
//! 1. the source's verifier checks the raw bytes (`verify/`), before anything is parsed;
//! 2. the body is parsed once; a batch (Okta) is split into its events; each event's id and
//!    type are extracted (`extract.rs`) and it is routed to the handlers that want it
//!    (`registry.rs`, with the source's `when` filters);
//! 3. one transaction claims `(source, id)` by a unique key and stores the raw event with one
//!    job per handler; concurrent deliveries share that commit and its fsync (group commit,
//!    `store/`);
//! 4. only then the sender gets 2xx. A duplicate gets 200 and nothing else happens; a store
//!    that cannot commit gets the sender a 503 with `Retry-After`, never a 4xx;
//! 5. a worker (`worker.rs`) claims due jobs under a lease, runs each handler under its own
//!    timeout, and records done, a retry at an exponential backoff with full jitter, or dead
//!    after the last attempt. A job left running by a crash is claimed again after a restart:
//!    handlers run at least once, see a stable `ev.id()` and `ev.attempt()`, and a handler
//!    that succeeded is never run again for that event (unless an operator replays it).

mod backoff;
pub mod cli;
pub mod event;
pub mod extract;
pub mod metrics;
pub mod registry;
pub mod route;
mod service;
pub mod settings;
pub mod source;
pub mod store;
pub mod verify;
pub mod worker;

pub use backoff::Clock;
pub use event::{Event, EventError};
pub use registry::{EventRegistry, EventRegistryError, HandlerSpec};
pub use service::{open_store, Ingest};
pub use settings::{EventsSettings, SourceSettings};
pub use worker::Workers;

/// What event handler authors import: `use crate::ingest::prelude::*;`.
pub mod prelude {
    pub use super::{Event, EventError, EventRegistry};
    pub use crate::intent::Ctx;
    pub use crate::upstream::UpstreamError;
    pub use serde::{Deserialize, Serialize};
    pub use serde_json::{json, Value};
    pub use std::time::Duration;
}
