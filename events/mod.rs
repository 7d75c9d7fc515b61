//! The event handler list. Adding a handler: a new file here, a `mod` line and a `register`
//! line below, and at least one case under `fixtures/events/<file name>/`. The drift test fails
//! by name when one of these is missing.

use crate::ingest::EventRegistry;

mod okta_user_locked;
mod ticket_created;

/// Registers every event handler.
pub fn register_all(r: &mut EventRegistry) {
    ticket_created::register(r);
    okta_user_locked::register(r);
}
