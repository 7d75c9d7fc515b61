//! A webhook body to a typed ES or CX request: the route's protocol, or on `/webhook` the
//! protocol its top-level keys name (ES `queryResult`, CX `fulfillmentInfo`/`sessionInfo`, ...).
//!
//! On `/webhook` the keys are noted while the typed parse reads them ([`TopKeys`]), so telling
//! ES from CX costs no pass of its own over the body; a byte scan before the parse was the
//! largest cost of the request path after the parse itself (callgrind). Whatever that fast
//! path cannot decide (no marker, both protocols' markers, a body that does not parse) takes
//! the exact path, which gives every refusal its precise message.

use serde::de::{self, DeserializeOwned, DeserializeSeed, Deserializer, MapAccess, Visitor};

use crate::body;
use crate::error::WebhookError;
use crate::protocol::{cx, es, Protocol};
use crate::webhook::{Parsed, Route};

/// Parses a body for a route.
pub fn parse_request(route: Route, body: &[u8]) -> Result<Parsed, WebhookError> {
    match route {
        Route::Es => parse_es(body).map(Parsed::Es),
        Route::Cx | Route::CxNamed => parse_cx(body).map(Parsed::Cx),
        Route::Auto => detect(body),
    }
}

// The requests are boxed as soon as they are parsed and checked by reference: an ES request is
// about 1 KiB, and each move through a `Result` was a copy of it (callgrind).

fn parse_es(body: &[u8]) -> Result<Box<es::WebhookRequest>, WebhookError> {
    let req: Box<es::WebhookRequest> = body::parse(body, "Dialogflow ES WebhookRequest")?;
    check_es(&req)?;
    Ok(req)
}

fn check_es(req: &es::WebhookRequest) -> Result<(), WebhookError> {
    if req.query_result.is_none() {
        return Err(WebhookError::NotARequest(
            "not a Dialogflow ES WebhookRequest: `queryResult` is missing".into(),
        ));
    }
    if req.session.trim().is_empty() {
        return Err(WebhookError::NotARequest(
            "not a Dialogflow ES WebhookRequest: `session` is missing".into(),
        ));
    }
    Ok(())
}

fn parse_cx(body: &[u8]) -> Result<Box<cx::WebhookRequest>, WebhookError> {
    let req: Box<cx::WebhookRequest> = body::parse(body, "Dialogflow CX WebhookRequest")?;
    check_cx(&req)?;
    Ok(req)
}

fn check_cx(req: &cx::WebhookRequest) -> Result<(), WebhookError> {
    let has_session = req
        .session_info
        .as_ref()
        .is_some_and(|s| !s.session.trim().is_empty());
    if !has_session && req.detect_intent_response_id.is_empty() && req.fulfillment_info.is_none() {
        return Err(WebhookError::NotARequest(
            "not a Dialogflow CX WebhookRequest: it has none of `detectIntentResponseId`, \
             `fulfillmentInfo`, `sessionInfo`"
                .into(),
        ));
    }
    Ok(())
}

const ES_MARKERS: &[&str] = &[
    "queryResult",
    "query_result",
    "originalDetectIntentRequest",
    "original_detect_intent_request",
];
const CX_MARKERS: &[&str] = &[
    "detectIntentResponseId",
    "detect_intent_response_id",
    "fulfillmentInfo",
    "fulfillment_info",
    "sessionInfo",
    "session_info",
    "pageInfo",
    "page_info",
    "intentInfo",
    "intent_info",
];

/// Which protocols' markers are among the top-level keys of a JSON object.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
struct Markers {
    es: bool,
    cx: bool,
}

impl Markers {
    fn note(&mut self, key: &str) {
        self.es |= ES_MARKERS.contains(&key);
        self.cx |= CX_MARKERS.contains(&key);
    }
}

/// The exact path: the keys alone, values skipped unread.
impl<'de> serde::Deserialize<'de> for Markers {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Markers;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Markers, A::Error> {
                let mut m = Markers::default();
                // Cow: keys with escapes cannot be borrowed from the body.
                while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                    m.note(&key);
                    map.next_value::<de::IgnoredAny>()?;
                }
                Ok(m)
            }
        }
        d.deserialize_map(V)
    }
}

/// Tells ES from CX by the top-level keys; an ambiguous body is refused with advice.
fn detect(body: &[u8]) -> Result<Parsed, WebhookError> {
    // The fast path: read the body as ES, noting the top-level keys and stopping at the first
    // CX one; a body that stopped there before any ES key is read as CX the same way. Either
    // answers only when the parse got through the whole body and met one protocol's keys,
    // which is exactly when the exact path below would take it.
    if let Some(parsed) = detect_fast(body) {
        return match parsed {
            Parsed::Es(req) => check_es(&req).map(|()| Parsed::Es(req)),
            Parsed::Cx(req) => check_cx(&req).map(|()| Parsed::Cx(req)),
        };
    }
    let Markers { es, cx } = body::parse(body, "JSON object")?;
    let data_err = |what: &str, e: serde_json::Error| {
        WebhookError::NotARequest(format!("not a Dialogflow {what} WebhookRequest: {e}"))
    };
    match (es, cx) {
        (true, false) => serde_json::from_slice::<Box<es::WebhookRequest>>(body)
            .map_err(|e| data_err("ES", e))
            .and_then(|r| check_es(&r).map(|()| Parsed::Es(r))),
        (false, true) => serde_json::from_slice::<Box<cx::WebhookRequest>>(body)
            .map_err(|e| data_err("CX", e))
            .and_then(|r| check_cx(&r).map(|()| Parsed::Cx(r))),
        (true, true) => Err(WebhookError::NotARequest(
            "ambiguous body: it has both ES fields (queryResult) and CX fields \
             (fulfillmentInfo/sessionInfo); post it to /webhook/es or /webhook/cx to pick the protocol"
                .into(),
        )),
        (false, false) => Err(WebhookError::NotARequest(
            "not a Dialogflow WebhookRequest: expected ES `queryResult` or CX `fulfillmentInfo`/`sessionInfo`; \
             post to /webhook/es or /webhook/cx to pick the protocol"
                .into(),
        )),
    }
}

/// The fast path of [`detect`]: the typed request, or `None` to leave the body to the exact path.
fn detect_fast(body: &[u8]) -> Option<Parsed> {
    body::check_depth(body).ok()?;
    let mut seen = Markers::default();
    match parse_watching::<Box<es::WebhookRequest>>(body, &mut seen, Protocol::Cx) {
        Some(req) if seen.es => Some(Parsed::Es(req)),
        None if seen.cx && !seen.es => {
            let mut seen = Markers::default();
            parse_watching::<Box<cx::WebhookRequest>>(body, &mut seen, Protocol::Es)
                .filter(|_| seen.cx)
                .map(Parsed::Cx)
        }
        _ => None,
    }
}

/// Parses the whole body as `T`, noting its top-level keys in `seen`; `None` when it does not
/// parse or when a key of `stop_at`'s protocol turned up (noted, then the parse stops).
fn parse_watching<T: DeserializeOwned>(
    body: &[u8],
    seen: &mut Markers,
    stop_at: Protocol,
) -> Option<T> {
    let mut de = serde_json::Deserializer::from_slice(body);
    let value = T::deserialize(TopKeys {
        inner: &mut de,
        watch: Watch { seen, stop_at },
    })
    .ok()?;
    de.end().ok()?;
    Some(value)
}

/// What the keys are noted in, and which protocol's key ends the parse.
struct Watch<'m> {
    seen: &'m mut Markers,
    stop_at: Protocol,
}

impl Watch<'_> {
    fn reborrow(&mut self) -> Watch<'_> {
        Watch {
            seen: self.seen,
            stop_at: self.stop_at,
        }
    }

    fn note<E: de::Error>(&mut self, key: &str) -> Result<(), E> {
        self.seen.note(key);
        let stop = match self.stop_at {
            Protocol::Es => self.seen.es,
            Protocol::Cx => self.seen.cx,
        };
        if stop {
            return Err(E::custom("a key of the other protocol"));
        }
        Ok(())
    }
}

/// A deserializer that hands the typed parse the keys of the top-level object through
/// [`Watch`]; nested values are not watched.
struct TopKeys<'m, D> {
    inner: D,
    watch: Watch<'m>,
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for TopKeys<'_, D> {
    type Error = D::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.inner.deserialize_any(TopObject {
            inner: visitor,
            watch: self.watch,
        })
    }

    // serde_json's `deserialize_struct` and `deserialize_map` read an object as `deserialize_any`
    // does; whatever else the parse asks for, the fast path fails and the exact path answers.
    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map struct enum identifier
        ignored_any
    }
}

/// The top-level visitor: its map's keys are watched.
struct TopObject<'m, V> {
    inner: V,
    watch: Watch<'m>,
}

impl<'de, V: Visitor<'de>> Visitor<'de> for TopObject<'_, V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        self.inner.expecting(f)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<V::Value, A::Error> {
        self.inner.visit_map(WatchedMap {
            inner: map,
            watch: self.watch,
        })
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, seq: A) -> Result<V::Value, A::Error> {
        self.inner.visit_seq(seq)
    }
}

struct WatchedMap<'m, A> {
    inner: A,
    watch: Watch<'m>,
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for WatchedMap<'_, A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        self.inner.next_key_seed(KeySeed {
            inner: seed,
            watch: self.watch.reborrow(),
        })
    }

    fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value, A::Error> {
        self.inner.next_value_seed(seed)
    }

    fn size_hint(&self) -> Option<usize> {
        self.inner.size_hint()
    }
}

/// Reads one key through [`KeyName`].
struct KeySeed<'m, S> {
    inner: S,
    watch: Watch<'m>,
}

impl<'de, S: DeserializeSeed<'de>> DeserializeSeed<'de> for KeySeed<'_, S> {
    type Value = S::Value;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<S::Value, D::Error> {
        self.inner.deserialize(KeyName {
            inner: d,
            watch: self.watch,
        })
    }
}

/// The deserializer of one key: every way of asking for it lands in [`KeyVisitor`].
struct KeyName<'m, D> {
    inner: D,
    watch: Watch<'m>,
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for KeyName<'_, D> {
    type Error = D::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.inner.deserialize_any(KeyVisitor {
            inner: visitor,
            watch: self.watch,
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

/// Notes a key's text, then hands it to the typed parse's own key visitor. serde_json hands
/// keys over as strings, borrowed from the body or unescaped into a buffer.
struct KeyVisitor<'m, V> {
    inner: V,
    watch: Watch<'m>,
}

impl<'de, V: Visitor<'de>> Visitor<'de> for KeyVisitor<'_, V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        self.inner.expecting(f)
    }

    fn visit_str<E: de::Error>(mut self, v: &str) -> Result<V::Value, E> {
        self.watch.note(v)?;
        self.inner.visit_str(v)
    }

    fn visit_borrowed_str<E: de::Error>(mut self, v: &'de str) -> Result<V::Value, E> {
        self.watch.note(v)?;
        self.inner.visit_borrowed_str(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Which protocol the fast path reads a body as; `None` when it leaves it to the exact path.
    fn fast(body: &str) -> Option<Protocol> {
        detect_fast(body.as_bytes()).map(|p| p.protocol())
    }

    #[test]
    fn fast_path_reads_top_level_keys_only() {
        assert_eq!(
            fast(r#" {"queryResult": {"queryText": "fulfillmentInfo"}, "session": "sessionInfo"}"#),
            Some(Protocol::Es)
        );
        assert_eq!(
            fast(r#"{"payload": {"queryResult": {"x": "y"}}, "sessionInfo": {}}"#),
            Some(Protocol::Cx)
        );
        assert_eq!(
            fast(r#"{"query_result": {}, "session": "s"}"#),
            Some(Protocol::Es)
        );
        assert_eq!(
            fast(r#"{"detect_intent_response_id": "d", "fulfillmentInfo": {"tag": "t"}}"#),
            Some(Protocol::Cx)
        );
    }

    #[test]
    fn fast_path_defers_what_it_cannot_decide() {
        for body in [
            r#"{"queryResult": {}, "pageInfo": {}}"#, // both, ES first
            r#"{"pageInfo": {}, "queryResult": {}}"#, // both, CX first
            r#"{"a": "b"}"#,                          // neither
            r#"{"queryResult": 5}"#,                  // does not parse as ES
            r#"{"sessionInfo": 5}"#,                  // does not parse as CX
            r#"[{"queryResult": {}}]"#,               // not an object
            r#"{"queryResult": {}} x"#,               // trailing data
            r#"{"queryResult"#,                       // unterminated
            "",
        ] {
            assert_eq!(fast(body), None, "{body}");
        }
    }

    #[test]
    fn escaped_keys_are_noted_as_the_exact_path_reads_them() {
        // Keys with escapes reach the watcher unescaped, as serde gives them to the typed parse.
        assert_eq!(
            fast(r#"{"query\u0052esult": {}, "session": "s"}"#),
            Some(Protocol::Es)
        );
        assert_eq!(
            fast(r#"{"session\u0049nfo": {"session": "s"}, "queryResult": {}}"#),
            None
        );
    }

    #[test]
    fn detect_answers_as_the_exact_path_does() {
        let es =
            r#"{"queryResult": {"queryText": "hi"}, "session": "projects/p/agent/sessions/s"}"#;
        assert!(matches!(detect(es.as_bytes()), Ok(Parsed::Es(_))));
        let cx = r#"{"detectIntentResponseId": "d", "sessionInfo": {"session": "projects/p/locations/l/agents/a/sessions/s"}}"#;
        assert!(matches!(detect(cx.as_bytes()), Ok(Parsed::Cx(_))));
        for (body, says) in [
            (r#"{"queryResult": {}, "pageInfo": {}}"#, "ambiguous"),
            (r#"{"pageInfo": {}, "queryResult": {}}"#, "ambiguous"),
            (r#"{"a": 1}"#, "expected ES `queryResult`"),
            (r#"{"queryResult": {}}"#, "`session` is missing"),
            (
                r#"{"queryResult": 5, "session": "s"}"#,
                "not a Dialogflow ES WebhookRequest",
            ),
            (r#"[1]"#, "not a JSON object"),
        ] {
            match detect(body.as_bytes()) {
                Err(WebhookError::NotARequest(m)) => assert!(m.contains(says), "{body}: {m}"),
                Err(e) => panic!("{body}: {e}"),
                Ok(_) => panic!("{body}: accepted"),
            }
        }
        let deep = format!(
            "{{\"queryResult\": {{\"parameters\": {{\"a\": {}{}}}}}, \"session\": \"s\"}}",
            "[".repeat(body::MAX_JSON_DEPTH),
            "]".repeat(body::MAX_JSON_DEPTH)
        );
        assert_eq!(fast(&deep), None, "too deep for the fast path");
        assert!(
            matches!(detect(deep.as_bytes()), Err(WebhookError::NotARequest(m)) if m.contains("nested")),
            "the exact path refuses it"
        );
    }
}
