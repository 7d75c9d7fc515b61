//! Deserializer wrappers that let the request path see, and rename, the keys of one JSON object
//! while a typed parse reads it, without a pass of their own over the body.
//!
//! Two hooks use them (see `request.rs`): the top-level keys are noted to tell ES from CX, and
//! some keys of ES's `queryResult` are hidden. A hidden key reaches the typed parse as an empty
//! name, which no field has, so serde's derive skips its value as an unknown key: unread, though
//! serde_json still checks its structure (brackets, commas, quotes; not what its strings and
//! numbers hold).
//!
//! Made for structs read by serde_json, not as general wrappers: every key is read as a string
//! (`deserialize_any`), and the visitor passes on only what serde_json gives a struct or an
//! option.

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, Visitor};

/// What happens to each key of the hooked object.
pub trait KeyHook {
    /// Sees `key` before the typed parse; returns the name the parse gets instead (the key
    /// itself, or `""` to have its value skipped), or an error that ends the parse.
    fn on_key<'k, E: de::Error>(&mut self, key: &'k str) -> Result<&'k str, E>;

    /// Keys to hide inside the value of the key just seen (nothing by default).
    fn hide_in_value(&mut self) -> &'static [&'static str] {
        &[]
    }
}

/// Hides the listed keys.
pub struct Hide(pub &'static [&'static str]);

impl KeyHook for Hide {
    fn on_key<'k, E: de::Error>(&mut self, key: &'k str) -> Result<&'k str, E> {
        Ok(if self.0.contains(&key) { "" } else { key })
    }
}

/// A deserializer whose object's keys go through `hook` (for structs read by serde_json).
/// Objects nested in it are not hooked.
pub struct Hooked<D, H> {
    pub inner: D,
    pub hook: H,
}

impl<'de, D: Deserializer<'de>, H: KeyHook> Deserializer<'de> for Hooked<D, H> {
    type Error = D::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.inner.deserialize_any(HookedVisitor {
            inner: visitor,
            hook: self.hook,
        })
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.inner.deserialize_option(HookedVisitor {
            inner: visitor,
            hook: self.hook,
        })
    }

    // serde_json reads a struct or a map from an object as `deserialize_any` does (and a
    // struct from an array as a sequence, which is not hooked).
    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        unit unit_struct newtype_struct seq tuple tuple_struct map struct enum identifier
        ignored_any
    }
}

/// Hands the object's map on with its keys hooked; `Some` of an option is hooked in turn.
struct HookedVisitor<V, H> {
    inner: V,
    hook: H,
}

impl<'de, V: Visitor<'de>, H: KeyHook> Visitor<'de> for HookedVisitor<V, H> {
    type Value = V::Value;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        self.inner.expecting(f)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<V::Value, A::Error> {
        self.inner.visit_map(HookedMap {
            inner: map,
            hook: self.hook,
        })
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, seq: A) -> Result<V::Value, A::Error> {
        self.inner.visit_seq(seq)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<V::Value, D::Error> {
        self.inner.visit_some(Hooked {
            inner: d,
            hook: self.hook,
        })
    }

    fn visit_none<E: de::Error>(self) -> Result<V::Value, E> {
        self.inner.visit_none()
    }

    fn visit_unit<E: de::Error>(self) -> Result<V::Value, E> {
        self.inner.visit_unit()
    }

    // Scalars: the typed parse's own answer (it refuses them where it wants an object).
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<V::Value, E> {
        self.inner.visit_bool(v)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<V::Value, E> {
        self.inner.visit_i64(v)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<V::Value, E> {
        self.inner.visit_u64(v)
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<V::Value, E> {
        self.inner.visit_f64(v)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<V::Value, E> {
        self.inner.visit_str(v)
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<V::Value, E> {
        self.inner.visit_borrowed_str(v)
    }
}

struct HookedMap<A, H> {
    inner: A,
    hook: H,
}

impl<'de, A: MapAccess<'de>, H: KeyHook> MapAccess<'de> for HookedMap<A, H> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        self.inner.next_key_seed(KeySeed {
            inner: seed,
            hook: &mut self.hook,
        })
    }

    fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value, A::Error> {
        match self.hook.hide_in_value() {
            [] => self.inner.next_value_seed(seed),
            hidden => self.inner.next_value_seed(HidingSeed {
                inner: seed,
                hidden,
            }),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        self.inner.size_hint()
    }
}

/// A value read with some of its object's keys hidden.
struct HidingSeed<S> {
    inner: S,
    hidden: &'static [&'static str],
}

impl<'de, S: DeserializeSeed<'de>> DeserializeSeed<'de> for HidingSeed<S> {
    type Value = S::Value;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<S::Value, D::Error> {
        self.inner.deserialize(Hooked {
            inner: d,
            hook: Hide(self.hidden),
        })
    }
}

/// Reads one key through the hook.
struct KeySeed<'h, S, H> {
    inner: S,
    hook: &'h mut H,
}

impl<'de, S: DeserializeSeed<'de>, H: KeyHook> DeserializeSeed<'de> for KeySeed<'_, S, H> {
    type Value = S::Value;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<S::Value, D::Error> {
        self.inner.deserialize(KeyName {
            inner: d,
            hook: self.hook,
        })
    }
}

/// The deserializer of one key: every way of asking for it lands in [`KeyVisitor`].
struct KeyName<'h, D, H> {
    inner: D,
    hook: &'h mut H,
}

impl<'de, D: Deserializer<'de>, H: KeyHook> Deserializer<'de> for KeyName<'_, D, H> {
    type Error = D::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.inner.deserialize_any(KeyVisitor {
            inner: visitor,
            hook: self.hook,
        })
    }

    // A JSON key is read the same way whichever form is asked for (serde_json's `MapKey`
    // forwards identifiers and strings to `deserialize_any`).
    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map struct enum identifier
        ignored_any
    }
}

/// Shows a key's text to the hook, then hands the parse's own key visitor the name the hook
/// chose. serde_json hands keys over as strings, borrowed from the body or unescaped into a
/// buffer.
struct KeyVisitor<'h, V, H> {
    inner: V,
    hook: &'h mut H,
}

impl<'de, V: Visitor<'de>, H: KeyHook> Visitor<'de> for KeyVisitor<'_, V, H> {
    type Value = V::Value;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        self.inner.expecting(f)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<V::Value, E> {
        let name = self.hook.on_key(v)?;
        self.inner.visit_str(name)
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<V::Value, E> {
        let name = self.hook.on_key(v)?;
        self.inner.visit_borrowed_str(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Default, Deserialize, PartialEq)]
    #[serde(default)]
    struct Inner {
        keep: String,
        drop: Vec<u32>,
        nested: Option<Box<Inner>>,
    }

    #[derive(Debug, Default, Deserialize, PartialEq)]
    #[serde(default)]
    struct Outer {
        inner: Option<Inner>,
        drop: Vec<u32>,
    }

    /// Hides `drop` inside the value of `inner`, nowhere else.
    struct InInner(bool);

    impl KeyHook for InInner {
        fn on_key<'k, E: de::Error>(&mut self, key: &'k str) -> Result<&'k str, E> {
            self.0 = key == "inner";
            Ok(key)
        }
        fn hide_in_value(&mut self) -> &'static [&'static str] {
            if self.0 {
                &["drop"]
            } else {
                &[]
            }
        }
    }

    fn parse(json: &str) -> Result<Outer, serde_json::Error> {
        let mut de = serde_json::Deserializer::from_str(json);
        let v = Outer::deserialize(Hooked {
            inner: &mut de,
            hook: InInner(false),
        })?;
        de.end()?;
        Ok(v)
    }

    #[test]
    fn a_hidden_key_is_skipped_in_its_object_only() {
        let v = parse(
            r#"{"drop": [1], "inner": {"keep": "k", "drop": [2, 3],
                "nested": {"drop": [4], "keep": "n"}}}"#,
        )
        .expect("parses");
        assert_eq!(v.drop, vec![1], "outside the hooked value: read");
        let inner = v.inner.expect("inner");
        assert_eq!(inner.keep, "k");
        assert!(inner.drop.is_empty(), "hidden: skipped");
        assert_eq!(
            inner.nested.expect("nested").drop,
            vec![4],
            "deeper objects: read"
        );
    }

    #[test]
    fn a_hidden_value_of_the_wrong_shape_is_not_an_error_but_bad_syntax_is() {
        assert!(parse(r#"{"inner": {"drop": "not a list", "keep": "k"}}"#).is_ok());
        assert!(parse(r#"{"inner": {"drop": [1, }, "keep": "k"}}"#).is_err());
        assert!(
            parse(r#"{"inner": {"keep": 5}}"#).is_err(),
            "others still typed"
        );
    }

    #[test]
    fn null_and_escaped_keys_go_through() {
        assert_eq!(parse(r#"{"inner": null}"#).expect("null").inner, None);
        let v = parse(r#"{"inner": {"dr\u006fp": [9], "k\u0065ep": "e"}}"#).expect("escaped");
        let inner = v.inner.expect("inner");
        assert!(inner.drop.is_empty(), "an escaped hidden key is hidden too");
        assert_eq!(inner.keep, "e");
    }
}
