//! The event handler list. Adding a handler: a new file here, a `mod` line and a `register`
//! line below, and at least one case under `fixtures/events/<file name>/`. The drift test fails
//! by name when one of these is missing.

use crate::ingest::{EventRegistry, EventRegistryError};

mod okta_user_locked;
mod ticket_created;

/// Registers every event handler.
pub fn register_all(r: &mut EventRegistry) {
    ticket_created::register(r);
    okta_user_locked::register(r);
}

impl EventRegistry {
    /// The handlers in this directory. It lives here, not in `src/ingest`, so the framework
    /// never imports the handlers written on it.
    pub fn builtin() -> Result<EventRegistry, EventRegistryError> {
        let mut r = EventRegistry::default();
        register_all(&mut r);
        r.finish()
    }
}
