//! Dialogflow's system entities as typed, tolerant parameter values, for an intent's `Params`:
//!
//! ```text
//! #[derive(Deserialize)]
//! struct Params {
//!     #[serde(rename = "geo-city")]
//!     city: Option<sys::GeoCity>,
//!     date: Option<sys::Date>,
//! }
//! ```
//!
//! Each type reads every shape ES and CX send for its entity, and the shapes replayed or
//! re-serialised requests carry: numbers as floats (`4.0`) or text (`"4"`), dates as ISO text
//! (ES sends a timestamp even for `@sys.date`) or as CX's `{year, month, day}` objects, and a
//! list (a parameter marked "is list") of which the first usable item is taken; a `Vec<sys::X>`
//! field reads the whole list. A value that fits none of the shapes is a parameter error naming
//! the entity, never a panic. An unfilled parameter (`""`, `null`) never reaches these types:
//! `turn.params()` makes it absent, so an `Option` field is `None`.
//!
//! Written back (to a context, a session parameter or an event) a number is a plain number and a
//! composite value has Dialogflow's own keys; dates and times are written exactly as they came,
//! so that the agent's own prompts and conditions (`$session.params.date.year` on CX) still read
//! them.

/// `impl Deserialize` through [`deserialize`] for each entity.
macro_rules! deserialize_as_entity {
    ($($ty:ty),+) => {$(
        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                super::deserialize(d)
            }
        }
    )+};
}

mod amount;
mod number;
mod place;
mod when;

pub use amount::{Duration, DurationUnit, UnitCurrency};
pub use number::{Integer, Number};
pub use place::{GeoCity, Location};
pub use when::{Date, DateTime, Time};

use serde::de::Error as _;
use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};

/// One system entity: what it is called in errors, and how it reads one JSON value.
trait Entity: Sized {
    /// E.g. "@sys.date (ISO text or {year, month, day})".
    const WHAT: &'static str;
    /// `None` when `v` is not this entity.
    fn read(v: &Value) -> Option<Self>;
}

/// Reads an entity from `v`, or from the first item of a list that reads as one.
fn deserialize<'de, D: Deserializer<'de>, T: Entity>(d: D) -> Result<T, D::Error> {
    let v = Value::deserialize(d)?;
    let found = match &v {
        Value::Array(items) => items.iter().find_map(T::read),
        one => T::read(one),
    };
    // The value itself is user input: the error names only its JSON kind.
    found.ok_or_else(|| D::Error::custom(format!("expected {}, got {}", T::WHAT, kind(&v))))
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "text",
        Value::Array(a) if a.is_empty() => "an empty list",
        Value::Array(_) => "a list with no usable item",
        Value::Object(_) => "an object",
    }
}

/// A finite number, or text holding one (`"4"`, `" 1,250.50 "`: commas group thousands, as
/// Dialogflow writes amounts).
fn number(v: &Value) -> Option<f64> {
    let n = match v {
        Value::Number(n) => n.as_f64()?,
        Value::String(s) => s.trim().replace(',', "").parse().ok()?,
        _ => return None,
    };
    n.is_finite().then_some(n)
}

/// A whole number in `i64`'s exact float range, however written (`4`, `4.0`, `"4"`).
fn whole(v: &Value) -> Option<i64> {
    if let Some(n) = v.as_i64() {
        return Some(n);
    }
    let f = number(v)?;
    // 2^53: beyond it a float no longer holds every integer.
    (f.fract() == 0.0 && f.abs() <= 9_007_199_254_740_992.0).then_some(f as i64)
}

/// Trimmed, non-empty text.
fn text(v: &Value) -> Option<&str> {
    Some(v.as_str()?.trim()).filter(|s| !s.is_empty())
}

/// A field of an object by any of its spellings: `street-address`, `street_address` and
/// `streetAddress` are the same key (ES, snake-case proto JSON and camelCase re-serialisation).
fn field<'a>(object: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    object.get(key).or_else(|| {
        object
            .iter()
            .find(|(k, _)| same_key(k, key))
            .map(|(_, v)| v)
    })
}

fn same_key(a: &str, b: &str) -> bool {
    let squash = |s: &str| {
        s.chars()
            .filter(|c| *c != '-' && *c != '_')
            .map(|c| c.to_ascii_lowercase())
            .collect::<String>()
    };
    squash(a) == squash(b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn numbers_from_numbers_and_text() {
        assert_eq!(number(&json!(4)), Some(4.0));
        assert_eq!(number(&json!(" 1,250.50 ")), Some(1250.5));
        assert_eq!(number(&json!("NaN")), None);
        assert_eq!(number(&json!(true)), None);
        assert_eq!(whole(&json!(4.0)), Some(4));
        assert_eq!(whole(&json!("-3")), Some(-3));
        assert_eq!(whole(&json!(4.5)), None);
        assert_eq!(whole(&json!(1e300)), None);
    }

    #[test]
    fn keys_match_across_spellings() {
        let m = json!({"streetAddress": "1 Main St", "zip_code": "75001"});
        let m = m.as_object().unwrap();
        assert_eq!(field(m, "street-address"), Some(&json!("1 Main St")));
        assert_eq!(field(m, "zip-code"), Some(&json!("75001")));
        assert_eq!(field(m, "city"), None);
    }

    #[test]
    fn errors_name_the_entity_and_the_kind_but_not_the_value() {
        let err = serde_json::from_value::<GeoCity>(json!({"country": "Secretland"}))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("@sys.geo-city") && err.contains("an object"),
            "{err}"
        );
        assert!(!err.contains("Secretland"), "{err}");
        let err = serde_json::from_value::<Integer>(json!([]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("an empty list"), "{err}");
    }
}
