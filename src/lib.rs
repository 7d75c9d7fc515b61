//! intentful: a Dialogflow ES and CX webhook fulfillment backend.
//!
//! Module map:
//! - [`config`]: settings (defaults < `intentful.toml` < `INTENTFUL_*` env), validated at start;
//!   [`secret`]: the redacted, constant-time type of every credential in them.
//! - [`protocol`]: the neutral [`protocol::Turn`]/[`protocol::Reply`] and the ES/CX wire types.
//! - [`intent`]: the registry and the contract intent modules implement; `intents` lists them.
//! - `deadline`: the handler's budget; `dispatch`: runs a handler under it, with fallbacks.
//! - `upstream`: named upstream APIs over one shared client, bounded by the deadline.
//! - `auth`: inbound caller verification (Basic, header token, Google ID token, HMAC);
//!   `limits`: source allowlist and rate limits in front of it.
//! - `webhook`, `body`, `routes`, `error`: the HTTP surface; `admin`: where
//!   `/metrics` and `/intents` are served and to whom.
//! - [`state`], [`startup`], `shutdown`, `telemetry`: wiring, serving, the shutdown
//!   deadline, logs and metrics.
//! - [`ingest`] and `events`: event triggers from other systems and their handlers.
//! - [`inspect`]: the inspector page (the last calls, their timeline, save and replay).
//! - [`record`]: every answered call written as a fixture case (`serve --record DIR`).
//! - [`trace`]: the per-call trace (stages, upstream exchanges) for those who observe calls.
//! - [`fixtures`] (feature `fixtures`): the record/replay kit behind `cargo test` and
//!   `intentful fixtures check`.
//!
//! The public surface: [`intent::prelude`] for intent authors, [`ingest::prelude`] for event
//! handler authors, [`fixtures`] for their tests, and [`startup`], [`state`], [`config`] and
//! [`protocol`] for embedding the server in a binary of one's own. The modules marked
//! `#[doc(hidden)]` are public only for the integration tests, the benchmark and the fuzzers;
//! they are not an API. The rest is `pub(crate)`.
//!
//! The library sets no `#[global_allocator]`: that is the choice of the binary that links it
//! (the `intentful` binary's is mimalloc, feature `mimalloc`).

#[doc(hidden)]
pub mod admin;
#[doc(hidden)]
pub mod auth;
pub(crate) mod body;
mod chunks;
pub mod config;
pub(crate) mod deadline;
#[doc(hidden)]
pub mod dispatch;
pub(crate) mod error;
#[path = "../events/mod.rs"]
pub(crate) mod events;
#[cfg(feature = "fixtures")]
pub mod fixtures;
pub mod ingest; // event triggers (issue 16)
pub mod inspect;
pub mod intent;
#[path = "../intents/mod.rs"]
pub(crate) mod intents;
#[doc(hidden)]
pub mod limits;
pub mod pg; // shared state for several instances (issue 18)
pub mod protocol;
pub mod record;
pub(crate) mod routes;
pub mod secret;
pub(crate) mod shutdown;
pub mod startup;
pub mod state;
#[doc(hidden)]
pub mod telemetry;
#[doc(hidden)]
pub mod tls;
pub mod trace;
pub mod upstream;
#[doc(hidden)]
pub mod webhook;
pub(crate) mod webhook_metrics;
