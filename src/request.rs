//! A webhook body to a typed ES or CX request: the route's protocol, or on `/webhook` the
//! protocol its top-level keys name (ES `queryResult`, CX `fulfillmentInfo`/`sessionInfo`, ...).
//!
//! On `/webhook` the keys are noted while the typed parse reads them ([`Watch`]), so telling
//! ES from CX costs no pass of its own over the body; a byte scan before the parse was the
//! largest cost of the request path after the parse itself (callgrind). Whatever that fast
//! path cannot decide (no marker, both protocols' markers, a body that does not parse) takes
//! the exact path, which gives every refusal its precise message.

use serde::de::{self, DeserializeOwned, Deserializer, MapAccess, Visitor};

use crate::body;
use crate::error::WebhookError;
use crate::key_hook::{Hooked, KeyHook};
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
    let req = body::parse_with(body, "Dialogflow ES WebhookRequest", es_request)?;
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
    let (Markers { es, cx }, text) = body::parse_with(body, "JSON object", |text| {
        Ok((serde_json::from_str(text)?, text))
    })?;
    let data_err = |what: &str, e: serde_json::Error| {
        WebhookError::NotARequest(format!("not a Dialogflow {what} WebhookRequest: {e}"))
    };
    match (es, cx) {
        (true, false) => es_request(text)
            .map_err(|e| data_err("ES", e))
            .and_then(|r| check_es(&r).map(|()| Parsed::Es(r))),
        (false, true) => serde_json::from_str::<Box<cx::WebhookRequest>>(text)
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
    let body = body::checked_text(body).ok()?;
    let mut seen = Markers::default();
    match parse_watching::<Box<es::WebhookRequest>>(body, &mut seen, Some(Protocol::Cx)) {
        Ok(req) if seen.es => Some(Parsed::Es(req)),
        Err(_) if seen.cx && !seen.es => {
            let mut seen = Markers::default();
            parse_watching::<Box<cx::WebhookRequest>>(body, &mut seen, Some(Protocol::Es))
                .ok()
                .filter(|_| seen.cx)
                .map(Parsed::Cx)
        }
        _ => None,
    }
}

/// An ES request, read as [`parse_watching`] reads it.
fn es_request(body: &str) -> Result<Box<es::WebhookRequest>, serde_json::Error> {
    parse_watching(body, &mut Markers::default(), None)
}

/// Parses the whole body as `T`, noting its top-level keys in `seen`; fails when it does not
/// parse or when a key of `stop_at`'s protocol turned up (noted, then the parse stops). In
/// ES's `queryResult`, the keys no turn reads are left unread ([`UNREAD_IN_QUERY_RESULT`]).
fn parse_watching<T: DeserializeOwned>(
    body: &str,
    seen: &mut Markers,
    stop_at: Option<Protocol>,
) -> Result<T, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_str(body);
    let value = T::deserialize(Hooked {
        inner: &mut de,
        hook: Watch {
            seen,
            stop_at,
            at_query_result: false,
        },
    })?;
    de.end()?;
    Ok(value)
}

/// The parts of ES's `queryResult` that neither the turn nor the answer uses: the agent's own
/// responses and diagnostics. Read, they were about an eighth of a welcome call's cost
/// (callgrind), and Dialogflow sends `fulfillmentMessages` with every request. Skipped, their
/// JSON structure is still checked (and the whole body is UTF-8), but not what their strings
/// and numbers hold: a value of the wrong shape, a lone surrogate escape or an out-of-range
/// number there no longer fails the request, and neither does such a key given twice.
const UNREAD_IN_QUERY_RESULT: &[&str] = &[
    "fulfillmentMessages",
    "fulfillment_messages",
    "webhookPayload",
    "webhook_payload",
    "diagnosticInfo",
    "diagnostic_info",
    "sentimentAnalysisResult",
    "sentiment_analysis_result",
];

/// The top-level keys' hook: notes them in `seen`, ends the parse at the first key of
/// `stop_at`'s protocol, and has `queryResult` read without [`UNREAD_IN_QUERY_RESULT`].
struct Watch<'m> {
    seen: &'m mut Markers,
    stop_at: Option<Protocol>,
    /// The key just read is `queryResult`.
    at_query_result: bool,
}

impl KeyHook for Watch<'_> {
    fn on_key<'k, E: de::Error>(&mut self, key: &'k str) -> Result<&'k str, E> {
        self.seen.note(key);
        self.at_query_result = matches!(key, "queryResult" | "query_result");
        let stop = match self.stop_at {
            Some(Protocol::Es) => self.seen.es,
            Some(Protocol::Cx) => self.seen.cx,
            None => false,
        };
        if stop {
            return Err(E::custom("a key of the other protocol"));
        }
        Ok(key)
    }

    fn hide_in_value(&mut self) -> &'static [&'static str] {
        if self.at_query_result {
            UNREAD_IN_QUERY_RESULT
        } else {
            &[]
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An ES request with every part of `queryResult` the request path leaves unread, in
    /// shapes the typed parse would refuse, next to the parts it reads.
    const RICH_ES: &str = r#"{
        "responseId": "r-1", "session": "projects/p/agent/sessions/s-1",
        "queryResult": {
            "queryText": "book a table", "languageCode": "en", "action": "booking.create",
            "parameters": {"guests": 4, "when": {"date_time": "2026-12-01T19:00:00Z"}},
            "fulfillmentMessages": [{"text": {"text": ["one"]}}, {"newKind": {}}, 5],
            "fulfillment_messages": "not even a list",
            "webhookPayload": {"google": {"expectUserResponse": true}},
            "diagnosticInfo": {"webhook_latency_ms": 12},
            "sentimentAnalysisResult": {"queryTextSentiment": {"score": "bad"}},
            "outputContexts": [{"name": "projects/p/agent/sessions/s-1/contexts/booking",
                                "lifespanCount": 2, "parameters": {"guests": 4}}],
            "intent": {"name": "projects/p/agent/intents/i", "displayName": "Book"},
            "intentDetectionConfidence": 0.75
        },
        "originalDetectIntentRequest": {"source": "google", "payload": {"user": {"id": "u"}}}
    }"#;

    /// The turn and what stays behind for the answer, as text to compare.
    fn turn_and_rest(mut req: Box<es::WebhookRequest>) -> String {
        let turn = crate::protocol::es_render::take_turn(&mut req);
        format!("{turn:?}\n{req:?}")
    }

    /// Reads `body` as the request path does on both ES routes, and fully, with every part of
    /// `queryResult` typed; the turns and what the answer reads must be the same.
    fn assert_unread_parts_change_nothing(body: &[u8], full: Box<es::WebhookRequest>) {
        let expected = turn_and_rest(full);
        for route in [Route::Auto, Route::Es] {
            let Ok(Parsed::Es(req)) = parse_request(route, body) else {
                panic!("{route:?} did not read an ES request");
            };
            assert_eq!(turn_and_rest(req), expected, "{route:?}");
        }
    }

    #[test]
    fn the_unread_parts_of_query_result_change_no_turn_and_no_answer() {
        // Typed in full, the rich body is refused; with its odd parts made plain, it parses and
        // must give the turn the request path gets from the original.
        assert!(serde_json::from_str::<es::WebhookRequest>(RICH_ES).is_err());
        let mut plain: serde_json::Value = serde_json::from_str(RICH_ES).expect("json");
        let qr = &mut plain["queryResult"];
        qr["fulfillmentMessages"] = serde_json::json!([{"text": {"text": ["one"]}}]);
        qr.as_object_mut()
            .expect("object")
            .remove("fulfillment_messages");
        qr["sentimentAnalysisResult"] = serde_json::json!({});
        let full = serde_json::from_value(plain).expect("typed in full");
        assert_unread_parts_change_nothing(RICH_ES.as_bytes(), full);

        let mut checked = 0;
        for dir in std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures"))
            .expect("fixtures")
            .flatten()
            .filter(|d| d.path().is_dir())
        {
            for file in std::fs::read_dir(dir.path()).expect("dir").flatten() {
                let path = file.path();
                if !path.to_string_lossy().ends_with(".request.json") {
                    continue;
                }
                let body = std::fs::read(&path).expect("fixture");
                let Ok(full) = serde_json::from_slice::<Box<es::WebhookRequest>>(&body) else {
                    continue;
                };
                if full.query_result.is_none() {
                    continue; // a CX fixture
                }
                assert_unread_parts_change_nothing(&body, full);
                checked += 1;
            }
        }
        assert!(checked >= 10, "only {checked} ES fixtures");
    }

    #[test]
    fn unread_parts_still_have_their_syntax_checked_and_must_be_utf8() {
        let broken = RICH_ES.replace(r#""diagnosticInfo": {"#, r#""diagnosticInfo": {,"#);
        // A byte that is not UTF-8 inside a text of the agent's messages, which go unread.
        let mut not_utf8 = RICH_ES.replace(r#"["one"]"#, r#"["o?e"]"#).into_bytes();
        let at = not_utf8.iter().position(|&b| b == b'?').expect("marker");
        not_utf8[at] = 0xff;
        for body in [broken.as_bytes(), &not_utf8] {
            for route in [Route::Auto, Route::Es] {
                let result = parse_request(route, body);
                assert!(
                    matches!(result, Err(WebhookError::MalformedJson(_))),
                    "{route:?}: {:?}",
                    result.map(|p| p.protocol())
                );
            }
        }
    }

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
