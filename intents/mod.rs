//! The intent list. Adding an intent: a new file here, a `mod` line and a `register` line
//! below, and at least one case under `fixtures/<file name>/`. The drift test fails by name
//! when one of these is missing.

use crate::intent::{Registry, RegistryError};

mod booking_table;
mod currency_convert;
mod weather_current;
mod welcome;

/// Registers every intent module.
pub fn register_all(r: &mut Registry) {
    welcome::register(r);
    weather_current::register(r);
    currency_convert::register(r);
    booking_table::register(r);
}

impl Registry {
    /// The intents in this directory. It lives here, not in `src/intent.rs`, so the framework
    /// never imports the intents written on it.
    pub fn builtin() -> Result<Registry, RegistryError> {
        let mut r = Registry::default();
        register_all(&mut r);
        r.finish()
    }
}
