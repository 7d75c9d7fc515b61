//! [`Request`]: a webhook body read as Dialogflow ES or CX, then split into the handler's
//! [`Turn`] and what rendering its answer needs ([`RenderCtx`]).
//!
//! Every body is read in one typed pass into [`Body`], the top-level fields of both protocols
//! (their names never overlap). On `/webhook` the fields that came tell the protocol (ES
//! `queryResult`, CX `fulfillmentInfo`/`sessionInfo`/...); a body with both protocols' fields,
//! or neither, is refused with advice.

use serde::Deserialize;
use serde_json::error::Category;
use serde_json::{Map, Value};
use serde_with::{serde_as, DefaultOnNull};

use super::cx::{FulfillmentInfo, IntentInfo, PageInfo, SessionInfo};
use super::cx_render::{self, CxCtx, CxSettings};
use super::cx_turn::CxRequest;
use super::es::OriginalDetectIntentRequest;
use super::es_render::{self, EsCtx};
use super::es_turn::{EsRequest, QueryResult};
use super::{Protocol, RenderError, Reply, Turn};
use crate::error::WebhookError;

/// Dialogflow refuses larger webhook responses.
pub const MAX_RESPONSE_BYTES: usize = 64 * 1024;

/// A webhook request of either protocol, holding only what its turn and answer read.
#[derive(Debug)]
pub enum Request {
    Es(EsRequest),
    Cx(CxRequest),
}

/// What rendering the answer to a [`Request`] needs, once its [`Turn`] went to the handler.
#[derive(Debug, Clone)]
pub enum RenderCtx {
    Es(EsCtx),
    Cx(CxCtx),
}

impl Request {
    /// Reads `body` as a request of `protocol`, or, when `None` (`/webhook`), of the protocol
    /// its top-level keys name. Malformed JSON is a 400; valid JSON that is not a request of
    /// that protocol a 422.
    pub fn parse(body: &[u8], protocol: Option<Protocol>) -> Result<Request, WebhookError> {
        if body.iter().all(u8::is_ascii_whitespace) {
            return Err(WebhookError::EmptyBody);
        }
        // JSON text is UTF-8 as a whole (RFC 8259); serde_json checks only the strings it reads,
        // not those it skips.
        let text = std::str::from_utf8(body).map_err(|e| {
            WebhookError::MalformedJson(format!(
                "invalid UTF-8 at byte {} of the body",
                e.valid_up_to()
            ))
        })?;
        let what = match protocol {
            Some(Protocol::Es) => "Dialogflow ES WebhookRequest",
            Some(Protocol::Cx) => "Dialogflow CX WebhookRequest",
            None => "Dialogflow WebhookRequest",
        };
        let body: Body = json(text, what)?;
        let request = match protocol.map_or_else(|| body.protocol(), Ok)? {
            Protocol::Es => {
                let r = body.into_es();
                r.check()?;
                Request::Es(r)
            }
            Protocol::Cx => {
                let r = body.into_cx();
                r.check()?;
                Request::Cx(r)
            }
        };
        Ok(request)
    }

    pub fn protocol(&self) -> Protocol {
        match self {
            Request::Es(_) => Protocol::Es,
            Request::Cx(_) => Protocol::Cx,
        }
    }

    /// The registry keys to try, in order: CX the fulfillment tag; ES the action, then the
    /// intent's display name. Empty ones stand for "none".
    pub fn keys(&self) -> [&str; 2] {
        match self {
            Request::Es(r) => r.keys(),
            Request::Cx(r) => [r.key(), ""],
        }
    }

    /// The handler's turn, and what the answer's rendering still needs.
    pub fn into_parts(self) -> (Turn, RenderCtx) {
        match self {
            Request::Es(r) => {
                let (turn, ctx) = r.into_parts();
                (turn, RenderCtx::Es(ctx))
            }
            Request::Cx(r) => {
                let (turn, ctx) = r.into_parts();
                (turn, RenderCtx::Cx(ctx))
            }
        }
    }
}

impl RenderCtx {
    /// The answer's bytes, or why `reply` cannot be sent: something the protocol cannot
    /// express, or more than Dialogflow's 64 KiB.
    pub fn render(&self, reply: Reply, cx: &CxSettings) -> Result<Vec<u8>, RenderError> {
        if let Some(problem) = reply.invalid_params() {
            return Err(RenderError::Json(problem.to_string()));
        }
        // Most answers are a few hundred bytes: one buffer, no growing.
        let mut bytes = Vec::with_capacity(1024);
        match self {
            RenderCtx::Es(ctx) => {
                serde_json::to_writer(&mut bytes, &es_render::render(reply, ctx)?)
            }
            RenderCtx::Cx(ctx) => {
                serde_json::to_writer(&mut bytes, &cx_render::render(reply, ctx, cx)?)
            }
        }
        .map_err(|e| RenderError::Json(e.to_string()))?;
        if bytes.len() > MAX_RESPONSE_BYTES {
            return Err(RenderError::TooLarge(bytes.len()));
        }
        Ok(bytes)
    }
}

/// The top-level fields of an ES and of a CX `WebhookRequest`, by either JSON name, that a
/// turn or its answer reads; everything else is skipped unread.
#[serde_as]
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(super) struct Body {
    // ES
    #[serde_as(as = "DefaultOnNull")]
    session: String,
    #[serde_as(as = "DefaultOnNull")]
    #[serde(alias = "response_id")]
    response_id: String,
    #[serde(alias = "query_result")]
    query_result: Option<QueryResult>,
    #[serde(alias = "original_detect_intent_request")]
    original_detect_intent_request: Option<OriginalDetectIntentRequest>,
    // CX
    #[serde(alias = "detect_intent_response_id")]
    detect_intent_response_id: Option<String>,
    text: Option<String>,
    #[serde(alias = "trigger_intent")]
    trigger_intent: Option<String>,
    transcript: Option<String>,
    #[serde(alias = "trigger_event")]
    trigger_event: Option<String>,
    #[serde(alias = "dtmf_digits")]
    dtmf_digits: Option<String>,
    #[serde_as(as = "DefaultOnNull")]
    #[serde(alias = "language_code")]
    language_code: String,
    #[serde(alias = "fulfillment_info")]
    fulfillment_info: Option<FulfillmentInfo>,
    #[serde(alias = "intent_info")]
    intent_info: Option<IntentInfo>,
    #[serde(alias = "page_info")]
    page_info: Option<PageInfo>,
    #[serde(alias = "session_info")]
    session_info: Option<SessionInfo>,
    #[serde_as(as = "DefaultOnNull")]
    payload: Map<String, Value>,
}

impl Body {
    /// The protocol whose fields the body has; both or neither is refused with advice.
    fn protocol(&self) -> Result<Protocol, WebhookError> {
        let es = self.query_result.is_some() || self.original_detect_intent_request.is_some();
        let cx = self.detect_intent_response_id.is_some()
            || self.fulfillment_info.is_some()
            || self.session_info.is_some()
            || self.page_info.is_some()
            || self.intent_info.is_some();
        match (es, cx) {
            (true, false) => Ok(Protocol::Es),
            (false, true) => Ok(Protocol::Cx),
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

    pub(super) fn into_es(self) -> EsRequest {
        EsRequest {
            session: self.session,
            response_id: self.response_id,
            query_result: self.query_result,
            original_detect_intent_request: self.original_detect_intent_request,
        }
    }

    pub(super) fn into_cx(self) -> CxRequest {
        CxRequest {
            detect_intent_response_id: self.detect_intent_response_id.unwrap_or_default(),
            text: self.text,
            trigger_intent: self.trigger_intent,
            transcript: self.transcript,
            trigger_event: self.trigger_event,
            dtmf_digits: self.dtmf_digits,
            language_code: self.language_code,
            fulfillment_info: self.fulfillment_info,
            intent_info: self.intent_info,
            page_info: self.page_info,
            session_info: self.session_info,
            payload: self.payload,
        }
    }

    /// A body from test JSON, skipping the protocol checks.
    #[cfg(test)]
    pub(super) fn read(text: &str) -> Body {
        serde_json::from_str(text).expect("a webhook body")
    }
}

/// `text` as a `what`: a syntax error (too deep a nesting included) is malformed JSON; valid
/// JSON of another shape, or not an object, is not a request.
fn json<'a, T: Deserialize<'a>>(text: &'a str, what: &str) -> Result<T, WebhookError> {
    let parsed = serde_json::from_str(text);
    // serde also builds structs from arrays; a webhook request is always an object.
    let object = text.trim_start().starts_with('{');
    match parsed {
        Err(e) if e.classify() != Category::Data => Err(WebhookError::MalformedJson(e.to_string())),
        _ if !object => Err(WebhookError::NotARequest(format!(
            "not a {what}: expected a JSON object"
        ))),
        Err(e) => Err(WebhookError::NotARequest(format!("not a {what}: {e}"))),
        Ok(value) => Ok(value),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An ES request whose parts no turn reads come in shapes the full wire type refuses.
    const RICH_ES: &str = r#"{
        "responseId": "r-1", "session": "projects/p/agent/sessions/s-1",
        "queryResult": {
            "queryText": "book a table", "languageCode": "en", "action": "booking.create",
            "parameters": {"guests": 4, "when": {"date_time": "2026-12-01T19:00:00Z"}},
            "fulfillmentMessages": "not even a list",
            "webhookPayload": {"google": {"expectUserResponse": true}},
            "diagnosticInfo": {"webhook_latency_ms": 12},
            "sentimentAnalysisResult": {"queryTextSentiment": {"score": "bad"}},
            "outputContexts": [{"name": "projects/p/agent/sessions/s-1/contexts/booking",
                                "lifespanCount": 2, "parameters": {"guests": 4}}],
            "intent": {"name": "projects/p/agent/intents/i", "displayName": "Book", "priority": "high"},
            "intentDetectionConfidence": 0.75
        },
        "originalDetectIntentRequest": {"source": "google", "payload": {"user": {"id": "u"}}}
    }"#;

    fn refused(body: &[u8], protocol: Option<Protocol>) -> WebhookError {
        match Request::parse(body, protocol) {
            Err(e) => e,
            Ok(r) => panic!("{:?} accepted: {r:?}", String::from_utf8_lossy(body)),
        }
    }

    #[test]
    fn parts_no_turn_reads_are_skipped_unread() {
        assert!(serde_json::from_str::<super::super::es::WebhookRequest>(RICH_ES).is_err());
        for protocol in [None, Some(Protocol::Es)] {
            let request = Request::parse(RICH_ES.as_bytes(), protocol).expect("read");
            assert_eq!(request.keys(), ["booking.create", "Book"]);
            let (turn, _) = request.into_parts();
            assert_eq!(turn.query_text, "book a table");
            assert_eq!(turn.context("booking").map(|c| c.lifespan), Some(2));
        }
    }

    #[test]
    fn skipped_parts_still_have_their_syntax_checked_and_must_be_utf8() {
        let broken = RICH_ES.replace(r#""diagnosticInfo": {"#, r#""diagnosticInfo": {,"#);
        let mut not_utf8 = RICH_ES.replace(r#""not even"#, r#""not ?ven"#).into_bytes();
        let at = not_utf8.iter().position(|&b| b == b'?').expect("marker");
        not_utf8[at] = 0xff;
        for body in [broken.as_bytes(), &not_utf8] {
            for protocol in [None, Some(Protocol::Es)] {
                let e = refused(body, protocol);
                assert!(matches!(e, WebhookError::MalformedJson(_)), "{e}");
            }
        }
    }

    #[test]
    fn the_auto_route_reads_top_level_keys_only() {
        for (body, protocol) in [
            (
                r#" {"queryResult": {"queryText": "fulfillmentInfo"}, "session": "sessionInfo"}"#,
                Protocol::Es,
            ),
            (
                r#"{"payload": {"queryResult": {}}, "sessionInfo": {"session": "s"}}"#,
                Protocol::Cx,
            ),
            (r#"{"query_result": {}, "session": "s"}"#, Protocol::Es),
            (
                r#"{"detect_intent_response_id": "d", "fulfillmentInfo": {"tag": "t"}}"#,
                Protocol::Cx,
            ),
            // Keys with escapes are read as serde reads them.
            (r#"{"query\u0052esult": {}, "session": "s"}"#, Protocol::Es),
        ] {
            let request = Request::parse(body.as_bytes(), None).expect(body);
            assert_eq!(request.protocol(), protocol, "{body}");
        }
    }

    #[test]
    fn refusals_say_why() {
        for (body, code, says) in [
            (r#"{"queryResult": {}, "pageInfo": {}}"#, 422, "ambiguous"),
            (
                r#"{"session\u0049nfo": {"session": "s"}, "queryResult": {}}"#,
                422,
                "ambiguous",
            ),
            (r#"{"a": 1}"#, 422, "expected ES `queryResult`"),
            (r#"{"queryResult": {}}"#, 422, "`session` is missing"),
            (
                r#"{"queryResult": 5, "session": "s"}"#,
                422,
                "not a Dialogflow WebhookRequest: invalid type: integer `5`, expected struct QueryResult",
            ),
            (r#"[1]"#, 422, "expected a JSON object"),
            (r#"{"queryResult": {}} x"#, 400, "trailing characters"),
            (r#"{"queryResult"#, 400, "EOF"),
            (" ", 400, "empty"),
        ] {
            let e = refused(body.as_bytes(), None);
            use actix_web::ResponseError;
            assert_eq!(e.status_code().as_u16(), code, "{body}: {e}");
            assert!(e.to_string().contains(says), "{body}: {e}");
        }
        let e = refused(br#"{"sessionInfo": {}}"#, Some(Protocol::Cx));
        assert!(
            e.to_string().contains("none of `detectIntentResponseId`"),
            "{e}"
        );
    }

    #[test]
    fn too_deep_a_body_is_malformed_json_not_a_stack_overflow() {
        let deep = |n: usize| "[".repeat(n) + &"]".repeat(n);
        for body in [
            format!(
                r#"{{"queryResult": {{"parameters": {{"a": {}}}}}, "session": "s"}}"#,
                deep(100_000)
            ),
            format!(
                r#"{{"sessionInfo": {{"session": "s", "parameters": {{"a": {}}}}}}}"#,
                deep(100_000)
            ),
        ] {
            for protocol in [None, Some(Protocol::Es), Some(Protocol::Cx)] {
                let e = refused(body.as_bytes(), protocol);
                assert!(
                    matches!(&e, WebhookError::MalformedJson(m) if m.contains("recursion limit"))
                        || matches!(e, WebhookError::NotARequest(_)),
                    "{e}"
                );
            }
        }
        let e = refused(
            format!(
                r#"{{"queryResult": {{"parameters": {{"a": {}}}}}, "session": "s"}}"#,
                deep(200)
            )
            .as_bytes(),
            Some(Protocol::Es),
        );
        assert!(matches!(e, WebhookError::MalformedJson(_)), "{e}");
    }

    #[test]
    fn the_answer_is_rendered_from_what_the_request_left() {
        let (turn, ctx) = Request::parse(RICH_ES.as_bytes(), None)
            .expect("read")
            .into_parts();
        let reply = Reply::text(turn.query_text)
            .context("booking", 1)
            .followup("confirm");
        let v: serde_json::Value =
            serde_json::from_slice(&ctx.render(reply, &CxSettings::default()).expect("rendered"))
                .expect("json");
        assert_eq!(v["followupEventInput"]["languageCode"], "en");
        assert_eq!(
            v["outputContexts"][0]["name"],
            "projects/p/agent/sessions/s-1/contexts/booking"
        );
        // From Actions on Google: its simple response comes first.
        assert_eq!(v["fulfillmentMessages"][0]["platform"], "ACTIONS_ON_GOOGLE");

        let cx = br#"{"detectIntentResponseId": "d", "pageInfo": {"currentPage": "pages/p"}}"#;
        let (_, ctx) = Request::parse(cx, None).expect("read").into_parts();
        let v: serde_json::Value = serde_json::from_slice(
            &ctx.render(
                Reply::text("again?").invalid_form_param("guests"),
                &CxSettings::default(),
            )
            .expect("rendered"),
        )
        .expect("json");
        assert_eq!(v["pageInfo"]["currentPage"], "pages/p");
    }

    #[test]
    fn an_answer_over_64_kib_is_refused() {
        let ctx = RenderCtx::Cx(CxCtx::default());
        let big = Reply::text("x".repeat(MAX_RESPONSE_BYTES));
        assert!(matches!(
            ctx.render(big, &CxSettings::default()),
            Err(RenderError::TooLarge(_))
        ));
    }
}
