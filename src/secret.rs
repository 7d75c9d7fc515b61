//! [`Secret`]: a credential from the settings (a password, token, HMAC key or private key).
//!
//! It prints and serialises as `***`, so a settings dump, a `Debug` of a settings struct or a
//! log field never carries it; [`Secret::expose`] is the one way to the value, for the place
//! that sends or checks it. Comparisons run in constant time.
//!
//! A small type of our own rather than `secrecy`'s `SecretString`: the settings derive
//! `Serialize` (figment layers them over their serialised defaults) and `PartialEq`;
//! `SecretString` has no `PartialEq`, and serialises only through its opt-in
//! `SerializableSecret`, which writes the value in clear.

use std::fmt;

use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;

/// A secret value: read from config or env, printed as `***`, never logged.
#[derive(Clone, Default, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The real value, for the one place that needs it (a header, a signature).
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether `candidate` is this secret, in a time that depends only on the lengths.
    pub fn matches(&self, candidate: &[u8]) -> bool {
        self.0.as_bytes().ct_eq(candidate).into()
    }
}

impl PartialEq for Secret {
    fn eq(&self, other: &Secret) -> bool {
        self.matches(other.0.as_bytes())
    }
}

impl Eq for Secret {}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl Serialize for Secret {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str("***")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_shows_its_value() {
        let s = Secret::new("hunter2-hunter2");
        assert_eq!(format!("{s:?}"), "***");
        assert_eq!(format!("{s}"), "***");
        assert_eq!(serde_json::to_string(&s).unwrap(), "\"***\"");
        #[derive(Debug)]
        #[allow(dead_code)] // read through Debug only
        struct Holder {
            token: Secret,
        }
        let dump = format!("{:?}", Holder { token: s.clone() });
        assert!(!dump.contains("hunter2"), "{dump}");
        assert_eq!(s.expose(), "hunter2-hunter2");
    }

    #[test]
    fn reads_a_plain_string() {
        let s: Secret = serde_json::from_str("\"from-env\"").unwrap();
        assert_eq!(s.expose(), "from-env");
    }

    #[test]
    fn matches_only_the_same_bytes() {
        let s = Secret::new("sixteen-chars-ok");
        assert!(s.matches(b"sixteen-chars-ok"));
        assert!(!s.matches(b"sixteen-chars-oK"));
        assert!(!s.matches(b"sixteen-chars-o"));
        assert!(!s.matches(b""));
        assert_eq!(s, Secret::new("sixteen-chars-ok"));
        assert_ne!(s, Secret::new("another"));
    }
}
