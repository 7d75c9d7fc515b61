//! Serde helpers for "strict out, tolerant in" (DESIGN.md, principle 2).
//!
//! Dialogflow itself sends clean proto3 JSON, but proto3 JSON *allows* more than that and the
//! things that replay captured requests (test consoles, re-serialised fixtures, other language
//! runtimes, hand-written curl bodies) use all of it:
//!
//! - `null` for any field, meaning "not set";
//! - 64-bit and sometimes 32-bit numbers and floats written as strings (`"0.87"`, `"5"`), and
//!   integers written as floats (`5.0`);
//! - enums as their name or their number, and names this build does not know yet;
//! - booleans as `"true"` / `"false"`.
//!
//! A request must never be refused for any of these, so the wire types read every scalar
//! through the helpers below. Output is unaffected: the helpers only ever *write* the canonical
//! proto3 form (plain numbers, enum names), and omission of default values is decided by each
//! field's `skip_serializing_if` (see [`is_none_or_zero_f64`] and friends).
//!
//! # Absent fields
//!
//! serde only treats a missing `Option` field as `None` when it deserialises it itself; as soon
//! as a field has `deserialize_with` (or `with`) a missing field is an error *unless* the field
//! (or its container) also has `#[serde(default)]`. Every helper here is written to be used
//! together with `default`:
//!
//! ```ignore
//! #[derive(Deserialize, Default)]
//! struct S {
//!     #[serde(default, with = "tolerant::opt_f64")]
//!     confidence: Option<f64>, // absent -> None, null -> None, "0.5" -> Some(0.5)
//!     #[serde(default, deserialize_with = "tolerant::nullable")]
//!     name: String, // absent -> "", null -> ""
//! }
//! ```
//!
//! The wire types put `#[serde(default)]` on the whole struct, which covers every field.

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serializer};
use std::fmt;

/// `null` (or absent, with `#[serde(default)]`) becomes the type's default: the generic
/// "null means not set" helper for strings, lists, maps and messages.
pub fn nullable<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// A list whose items are kept only when they parse: a newer message kind in a request must not
/// fail the whole request. `null` is an empty list.
pub fn lenient_vec<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: serde::de::DeserializeOwned,
{
    // Each item is kept as its raw text and parsed on its own: a `Value` tree per item (one
    // allocation per key and string) cost more than the second parse (perf).
    let items =
        Option::<Vec<Box<serde_json::value::RawValue>>>::deserialize(d)?.unwrap_or_default();
    Ok(items
        .iter()
        .filter_map(|raw| serde_json::from_str(raw.get()).ok())
        .collect())
}

/// Reads a number from a JSON number or a numeric string; `null` and `""` are "not set".
/// Also accepts proto3's spellings of the non-finite floats (`"NaN"`, `"Infinity"`,
/// `"-Infinity"`).
struct NumberVisitor;

impl<'de> Visitor<'de> for NumberVisitor {
    type Value = Option<f64>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a number or a numeric string")
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Some(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Some(v as f64))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Some(v as f64))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        let v = v.trim();
        if v.is_empty() {
            return Ok(None);
        }
        v.parse::<f64>()
            .map(Some)
            .map_err(|_| E::invalid_value(de::Unexpected::Str(v), &self))
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(NumberVisitor)
    }
}

/// A whole number in `[min, max]`, or an error naming what was expected.
fn whole<E: de::Error>(f: f64, min: f64, max: f64, what: &'static str) -> Result<f64, E> {
    if f.fract() == 0.0 && f >= min && f <= max {
        Ok(f)
    } else {
        Err(E::invalid_value(de::Unexpected::Float(f), &what))
    }
}

/// `Option<f64>` (proto `float` / `double`) from a number, a numeric string or null.
/// Written as a plain JSON number; the non-finite values, which JSON numbers cannot hold, are
/// written as the strings proto3 JSON defines for them.
pub mod opt_f64 {
    use super::*;

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
        d.deserialize_any(NumberVisitor)
    }

    pub fn serialize<S: Serializer>(v: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
        match *v {
            None => s.serialize_none(),
            Some(f) if f.is_nan() => s.serialize_str("NaN"),
            Some(f) if f == f64::INFINITY => s.serialize_str("Infinity"),
            Some(f) if f == f64::NEG_INFINITY => s.serialize_str("-Infinity"),
            Some(f) => s.serialize_f64(f),
        }
    }
}

/// `Option<i32>` (proto `int32`) from a number (`5`, `5.0`), a numeric string (`"5"`) or null.
/// A fraction or a value out of range is an error. Written as a plain JSON number.
pub mod opt_i32 {
    use super::*;

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i32>, D::Error> {
        match d.deserialize_any(NumberVisitor)? {
            None => Ok(None),
            Some(f) => whole(
                f,
                f64::from(i32::MIN),
                f64::from(i32::MAX),
                "a 32-bit integer",
            )
            .map(|f| Some(f as i32)),
        }
    }

    pub fn serialize<S: Serializer>(v: &Option<i32>, s: S) -> Result<S::Ok, S::Error> {
        match *v {
            None => s.serialize_none(),
            Some(i) => s.serialize_i32(i),
        }
    }
}

/// `Option<u32>` (proto `uint32`) from a number (`5`, `5.0`), a numeric string (`"5"`) or
/// null. A fraction, a negative or a value out of range is an error. Written as a plain JSON
/// number.
pub mod opt_u32 {
    use super::*;

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
        match d.deserialize_any(NumberVisitor)? {
            None => Ok(None),
            Some(f) => whole(f, 0.0, f64::from(u32::MAX), "an unsigned 32-bit integer")
                .map(|f| Some(f as u32)),
        }
    }

    pub fn serialize<S: Serializer>(v: &Option<u32>, s: S) -> Result<S::Ok, S::Error> {
        match *v {
            None => s.serialize_none(),
            Some(u) => s.serialize_u32(u),
        }
    }
}

/// `bool` from `true`/`false`, `"true"`/`"false"` (any case) or null (false).
pub fn flag<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Flag {
        B(bool),
        S(String),
    }
    Ok(match Option::<Flag>::deserialize(d)? {
        None => false,
        Some(Flag::B(b)) => b,
        Some(Flag::S(s)) => s.trim().eq_ignore_ascii_case("true"),
    })
}

/// `skip_serializing_if` for a proto3 `float` kept as `Option<f64>`: proto3 JSON omits the
/// default `0`, so `Some(0.0)` is omitted like `None`.
pub fn is_none_or_zero_f64(v: &Option<f64>) -> bool {
    matches!(v, None | Some(0.0))
}

/// `skip_serializing_if` for a proto3 `int32` kept as `Option<i32>`: `Some(0)` is omitted like
/// `None`. (Not for `Context.lifespanCount`, where an explicit 0 deletes the context.)
pub fn is_none_or_zero_i32(v: &Option<i32>) -> bool {
    matches!(v, None | Some(0))
}

/// Declares a proto enum: serialised as its proto name, read from the name (any case) or the
/// number, with unknown values read as the `UNSPECIFIED` variant rather than failing the request.
/// The first variant must be the `*_UNSPECIFIED` one (number 0): it is the default.
macro_rules! proto_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $num:literal => $wire:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
        pub enum $name {
            #[default]
            $($variant),+
        }

        impl $name {
            /// The proto enum value name, as written on the wire.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $wire),+ }
            }
            /// True for the default (`*_UNSPECIFIED`) value, which proto3 JSON omits.
            pub fn is_unspecified(&self) -> bool {
                *self == $name::default()
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let v = <Option<serde_json::Value> as serde::Deserialize>::deserialize(d)?;
                Ok(match v {
                    Some(serde_json::Value::String(s)) => {
                        let s = s.trim();
                        $(if s.eq_ignore_ascii_case($wire) { return Ok($name::$variant); })+
                        $name::default()
                    }
                    Some(serde_json::Value::Number(n)) => match n.as_i64() {
                        $(Some($num) => $name::$variant,)+
                        _ => $name::default(),
                    },
                    _ => $name::default(),
                })
            }
        }
    };
}
pub(crate) use proto_enum;

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Serialize;
    use serde_json::json;

    #[derive(Serialize, Deserialize, Default, Debug, PartialEq)]
    #[serde(default)]
    struct N {
        #[serde(with = "opt_f64", skip_serializing_if = "Option::is_none")]
        f: Option<f64>,
        #[serde(with = "opt_i32", skip_serializing_if = "Option::is_none")]
        i: Option<i32>,
        #[serde(with = "opt_u32", skip_serializing_if = "Option::is_none")]
        u: Option<u32>,
        #[serde(deserialize_with = "nullable")]
        s: String,
        #[serde(deserialize_with = "flag")]
        b: bool,
    }

    /// No container-level `default`: each field carries its own, as the module doc shows.
    #[derive(Deserialize, Debug)]
    struct FieldDefaults {
        #[serde(default, deserialize_with = "opt_f64::deserialize")]
        f: Option<f64>,
        #[serde(default, with = "opt_i32")]
        i: Option<i32>,
        #[serde(default, with = "opt_u32")]
        u: Option<u32>,
        #[serde(default, deserialize_with = "nullable")]
        s: String,
        #[serde(default, deserialize_with = "flag")]
        b: bool,
        #[serde(default, deserialize_with = "lenient_vec")]
        v: Vec<u8>,
    }

    proto_enum!(Color { Unspecified = 0 => "COLOR_UNSPECIFIED", Red = 1 => "RED" });

    fn n(v: serde_json::Value) -> N {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn unspecified_is_the_default() {
        assert!(Color::default().is_unspecified());
        assert!(!Color::Red.is_unspecified());
        assert_eq!(Color::Red.as_str(), "RED");
    }

    #[test]
    fn floats_from_numbers_strings_and_nulls() {
        assert_eq!(n(json!({"f": 0.87})).f, Some(0.87));
        assert_eq!(n(json!({"f": "0.87"})).f, Some(0.87));
        assert_eq!(n(json!({"f": " 1e-3 "})).f, Some(0.001));
        assert_eq!(n(json!({"f": 1})).f, Some(1.0));
        assert_eq!(n(json!({"f": -2})).f, Some(-2.0));
        assert_eq!(n(json!({"f": null})).f, None);
        assert_eq!(n(json!({"f": ""})).f, None);
        assert_eq!(n(json!({})).f, None);
        assert!(n(json!({"f": "NaN"})).f.is_some_and(f64::is_nan));
        assert_eq!(n(json!({"f": "-Infinity"})).f, Some(f64::NEG_INFINITY));
        assert!(serde_json::from_value::<N>(json!({"f": "abc"})).is_err());
        assert!(serde_json::from_value::<N>(json!({"f": true})).is_err());
    }

    #[test]
    fn integers_from_numbers_strings_floats_and_nulls() {
        for v in [json!(5), json!("5"), json!(5.0), json!(" 5 "), json!("5.0")] {
            let got = n(json!({"i": v.clone(), "u": v.clone()}));
            assert_eq!((got.i, got.u), (Some(5), Some(5)), "input {v}");
        }
        assert_eq!(n(json!({"i": -3})).i, Some(-3));
        assert_eq!(n(json!({"i": "-3"})).i, Some(-3));
        assert_eq!(n(json!({"i": 0})).i, Some(0));
        assert_eq!(n(json!({"i": null, "u": null})), N::default());
        assert_eq!(n(json!({"u": 4294967295u64})).u, Some(u32::MAX));
        for bad in [
            json!({"i": 5.5}),
            json!({"i": "x"}),
            json!({"i": 2147483648u64}),
            json!({"u": -1}),
            json!({"u": "4294967296"}),
            json!({"u": 0.5}),
        ] {
            assert!(serde_json::from_value::<N>(bad.clone()).is_err(), "{bad}");
        }
    }

    #[test]
    fn strings_and_flags() {
        let got = n(json!({"s": null, "b": "TRUE"}));
        assert_eq!((got.s.as_str(), got.b), ("", true));
        assert!(!n(json!({"b": "false"})).b);
        assert!(!n(json!({"b": null})).b);
        assert!(n(json!({"b": true})).b);
        assert_eq!(n(json!({"s": "x"})).s, "x");
    }

    #[test]
    fn absent_fields_default_with_field_level_default() {
        let d: FieldDefaults = serde_json::from_value(json!({})).unwrap();
        assert_eq!((d.f, d.i, d.u), (None, None, None));
        assert_eq!((d.s.as_str(), d.b, d.v.len()), ("", false, 0));
        let d: FieldDefaults =
            serde_json::from_value(json!({"f": "0.5", "i": "-1", "u": 7.0, "v": [1, "x", 300, 2]}))
                .unwrap();
        assert_eq!((d.f, d.i, d.u), (Some(0.5), Some(-1), Some(7)));
        assert_eq!(d.v, [1, 2], "items that do not parse are dropped");
        // The webhook parses bytes, not a `Value`: the same rule from text, nested items too.
        let d: FieldDefaults =
            serde_json::from_str(r#"{"v": [1, {"a": [2]}, "x", 3, null, 4]}"#).unwrap();
        assert_eq!(d.v, [1, 3, 4]);
        let d: FieldDefaults = serde_json::from_str(r#"{"v": null}"#).unwrap();
        assert!(d.v.is_empty());
    }

    #[test]
    fn numbers_serialize_as_plain_numbers() {
        let v = serde_json::to_value(N {
            f: Some(0.5),
            i: Some(-3),
            u: Some(5),
            ..N::default()
        })
        .unwrap();
        assert_eq!(v, json!({"f": 0.5, "i": -3, "u": 5, "s": "", "b": false}));
        let inf = N {
            f: Some(f64::INFINITY),
            ..N::default()
        };
        assert_eq!(serde_json::to_value(inf).unwrap()["f"], json!("Infinity"));
    }

    #[test]
    fn zero_skip_helpers() {
        assert!(is_none_or_zero_f64(&None));
        assert!(is_none_or_zero_f64(&Some(0.0)));
        assert!(!is_none_or_zero_f64(&Some(0.1)));
        assert!(is_none_or_zero_i32(&Some(0)));
        assert!(!is_none_or_zero_i32(&Some(-1)));
    }

    #[test]
    fn enums_by_name_number_or_unknown() {
        let c: Vec<Color> =
            serde_json::from_value(json!(["RED", "red", 1, "PURPLE", 9, null, {"x": 1}])).unwrap();
        assert_eq!(
            c,
            [
                Color::Red,
                Color::Red,
                Color::Red,
                Color::Unspecified,
                Color::Unspecified,
                Color::Unspecified,
                Color::Unspecified
            ]
        );
        assert_eq!(serde_json::to_value(Color::Red).unwrap(), json!("RED"));
        assert_eq!(
            serde_json::to_value(Color::Unspecified).unwrap(),
            json!("COLOR_UNSPECIFIED")
        );
    }
}
