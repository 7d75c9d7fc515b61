//! Serde helpers for "tolerant in": proto3 JSON allows `null` for any field, numbers sent as
//! strings, and enums as names or numbers. Dialogflow and the test tools that replay captured
//! requests use all of these, so a request must never be refused for them.

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use std::fmt;

/// `null` (or absent, with `#[serde(default)]`) becomes the type's default.
pub fn nullable<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// A list whose items are kept only when they parse: a newer message kind in a request must not
/// fail the whole request.
pub fn lenient_vec<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: serde::de::DeserializeOwned,
{
    let items = Option::<Vec<serde_json::Value>>::deserialize(d)?.unwrap_or_default();
    Ok(items
        .into_iter()
        .filter_map(|v| serde_json::from_value(v).ok())
        .collect())
}

/// A number that may arrive as a JSON number or a numeric string.
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

/// `Option<f64>` from a number, a numeric string or null.
pub mod opt_f64 {
    use super::*;

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
        d.deserialize_any(NumberVisitor)
    }

    pub fn serialize<S: Serializer>(v: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
        v.serialize(s)
    }
}

/// `Option<i32>` from a number (`5`, `5.0`), a numeric string or null.
pub mod opt_i32 {
    use super::*;

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i32>, D::Error> {
        match d.deserialize_any(NumberVisitor)? {
            None => Ok(None),
            Some(f) if f.fract() == 0.0 && f >= i32::MIN as f64 && f <= i32::MAX as f64 => {
                Ok(Some(f as i32))
            }
            Some(f) => Err(de::Error::invalid_value(
                de::Unexpected::Float(f),
                &"a 32-bit integer",
            )),
        }
    }

    pub fn serialize<S: Serializer>(v: &Option<i32>, s: S) -> Result<S::Ok, S::Error> {
        v.serialize(s)
    }
}

/// `bool` from true/false, "true"/"false" or null.
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
        Some(Flag::S(s)) => s.eq_ignore_ascii_case("true"),
    })
}

/// Declares a proto enum: serialised as its proto name, read from the name (any case) or the
/// number, with unknown values read as the `UNSPECIFIED` variant rather than failing the request.
macro_rules! proto_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $num:literal => $wire:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
        pub enum $name {
            #[default]
            $($variant),+
        }

        impl $name {
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $wire),+ }
            }
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
                let v = Option::<serde_json::Value>::deserialize(d)?;
                Ok(match v {
                    Some(serde_json::Value::String(s)) => {
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
    use serde_json::json;

    #[derive(Deserialize, Default, Debug)]
    #[serde(default)]
    struct N {
        #[serde(with = "opt_f64")]
        f: Option<f64>,
        #[serde(with = "opt_i32")]
        i: Option<i32>,
        #[serde(deserialize_with = "nullable")]
        s: String,
        #[serde(deserialize_with = "flag")]
        b: bool,
    }

    proto_enum!(Color { Unspecified = 0 => "COLOR_UNSPECIFIED", Red = 1 => "RED" });

    #[test]
    fn unspecified_is_the_default() {
        assert!(Color::default().is_unspecified());
        assert!(!Color::Red.is_unspecified());
    }

    #[test]
    fn numbers_strings_and_nulls() {
        let n: N =
            serde_json::from_value(json!({"f": "0.87", "i": "5", "s": null, "b": "true"})).unwrap();
        assert_eq!(
            (n.f, n.i, n.s.as_str(), n.b),
            (Some(0.87), Some(5), "", true)
        );
        let n: N = serde_json::from_value(json!({"f": 1, "i": 5.0})).unwrap();
        assert_eq!((n.f, n.i), (Some(1.0), Some(5)));
        let n: N = serde_json::from_value(json!({"f": null, "i": null})).unwrap();
        assert_eq!((n.f, n.i), (None, None));
        assert!(serde_json::from_value::<N>(json!({"i": 5.5})).is_err());
        assert!(serde_json::from_value::<N>(json!({"f": "abc"})).is_err());
    }

    #[test]
    fn enums_by_name_number_or_unknown() {
        let c: Vec<Color> =
            serde_json::from_value(json!(["RED", "red", 1, "PURPLE", 9, null])).unwrap();
        assert_eq!(
            c,
            [
                Color::Red,
                Color::Red,
                Color::Red,
                Color::Unspecified,
                Color::Unspecified,
                Color::Unspecified
            ]
        );
        assert_eq!(serde_json::to_value(Color::Red).unwrap(), json!("RED"));
    }
}
