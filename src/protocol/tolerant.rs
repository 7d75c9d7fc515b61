//! "Strict out, tolerant in" (DESIGN.md, principle 2): the few reading rules serde_with does not
//! already name, and short names for the ones it does.
//!
//! Dialogflow sends clean proto3 JSON, but what replays captured requests (test consoles,
//! re-serialised fixtures, other runtimes, curl) uses all that proto3 JSON allows: `null` for
//! "not set", numbers and booleans as strings, integers as floats (`5.0`), enums by number or
//! by a name this build does not know, and message kinds it does not know. The wire types read
//! every field through these rules; output stays canonical (plain numbers, enum names).
//!
//! Every type here is meant for `#[serde_as(as = "...")]` on a struct with `#[serde(default)]`,
//! so that an absent field is the default too.

use serde::de::Error as _;
use serde::{Deserializer, Serializer};
use serde_with::{
    DefaultOnNull, DeserializeAs, DisplayFromStr, PickFirst, Same, SerializeAs, VecSkipError,
};

/// A number or a boolean, or the same written as a string (`"0.5"`, `"true"`).
pub type OrString = PickFirst<(Same, DisplayFromStr)>;

/// A boolean that may be a string; `null` is `false`.
pub type Flag = DefaultOnNull<OrString>;

/// A list whose items are kept only when they parse (a newer message kind must not fail the
/// request); `null` is the empty list.
pub type Items = DefaultOnNull<VecSkipError<Same>>;

/// A proto `int32` as proto3 JSON parsers read it: `5`, `5.0` or `"5"`; a fraction or a value
/// out of range is an error. Written as a plain number.
pub struct Int32;

impl<'de> DeserializeAs<'de, i32> for Int32 {
    fn deserialize_as<D: Deserializer<'de>>(d: D) -> Result<i32, D::Error> {
        let n: f64 = OrString::deserialize_as(d)?;
        if n.fract() == 0.0 && (f64::from(i32::MIN)..=f64::from(i32::MAX)).contains(&n) {
            Ok(n as i32)
        } else {
            Err(D::Error::custom(format!("{n} is not a 32-bit integer")))
        }
    }
}

impl SerializeAs<i32> for Int32 {
    fn serialize_as<S: Serializer>(v: &i32, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_i32(*v)
    }
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
    use serde::{Deserialize, Serialize};
    use serde_json::json;
    use serde_with::serde_as;

    #[serde_as]
    #[derive(Serialize, Deserialize, Default, Debug, PartialEq)]
    #[serde(default)]
    struct N {
        #[serde_as(as = "Option<OrString>")]
        #[serde(skip_serializing_if = "Option::is_none")]
        f: Option<f64>,
        #[serde_as(as = "Option<Int32>")]
        #[serde(skip_serializing_if = "Option::is_none")]
        i: Option<i32>,
        #[serde_as(as = "DefaultOnNull")]
        s: String,
        #[serde_as(as = "Flag")]
        b: bool,
        #[serde_as(as = "Items")]
        v: Vec<u8>,
    }

    proto_enum!(Color { Unspecified = 0 => "COLOR_UNSPECIFIED", Red = 1 => "RED" });

    fn n(v: serde_json::Value) -> N {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn numbers_and_flags_from_numbers_strings_and_nulls() {
        assert_eq!(n(json!({"f": 0.87})).f, Some(0.87));
        assert_eq!(n(json!({"f": "0.87"})).f, Some(0.87));
        assert_eq!(n(json!({"f": 1})).f, Some(1.0));
        assert_eq!(n(json!({"f": null})).f, None);
        assert!(n(json!({"f": "NaN"})).f.is_some_and(f64::is_nan));
        for v in [json!(5), json!("5"), json!(5.0), json!("5.0")] {
            assert_eq!(n(json!({ "i": v.clone() })).i, Some(5), "input {v}");
        }
        assert_eq!(n(json!({"i": "-3"})).i, Some(-3));
        assert_eq!(n(json!({"i": 0})).i, Some(0));
        let got = n(json!({"s": null, "b": "true"}));
        assert_eq!((got.s.as_str(), got.b), ("", true));
        assert!(!n(json!({"b": null})).b);
        for bad in [
            json!({"f": "abc"}),
            json!({"f": true}),
            json!({"i": 5.5}),
            json!({"i": 2147483648u64}),
            json!({"b": "yes"}),
        ] {
            assert!(serde_json::from_value::<N>(bad.clone()).is_err(), "{bad}");
        }
        assert_eq!(n(json!({})), N::default());
    }

    #[test]
    fn items_that_do_not_parse_are_dropped() {
        let d: N = serde_json::from_str(r#"{"v": [1, {"a": [2]}, "x", 300, 3, null, 4]}"#).unwrap();
        assert_eq!(d.v, [1, 3, 4]);
        assert!(n(json!({"v": null})).v.is_empty());
    }

    #[test]
    fn numbers_serialize_as_plain_numbers() {
        let v = serde_json::to_value(N {
            f: Some(0.5),
            i: Some(-3),
            ..N::default()
        })
        .unwrap();
        assert_eq!(v, json!({"f": 0.5, "i": -3, "s": "", "b": false, "v": []}));
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
        assert!(Color::default().is_unspecified());
        assert_eq!(serde_json::to_value(Color::Red).unwrap(), json!("RED"));
    }
}
