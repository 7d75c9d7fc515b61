//! Recording real calls as fixture cases (`intentful serve --record DIR`, `[record]`): every
//! answered webhook call, with the upstream exchanges its handler made, becomes a case that
//! `intentful fixtures check DIR` replays as it is.
//!
//! The request path only hands the finished call to [`Recorder`] (a bounded queue); a thread of
//! its own redacts ([`Redactor`]) and writes ([`write_case`]). A full queue or a failing disk
//! drops the recording, never the answer. [`console`] turns what the Dialogflow console shows
//! into a webhook request, for `intentful fixtures import`.

mod case;
pub mod console;
mod recorder;
mod redact;
mod replay_settings;
mod settings;
mod stubs;

pub use case::{write_case, write_request, RecordError};
pub use recorder::Recorder;
pub use redact::{fake_session, Redactor};
pub use replay_settings::write_replay_settings;
pub use settings::RecordSettings;
