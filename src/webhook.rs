//! The webhook request path: body -> ES or CX request -> Turn -> dispatch under the deadline ->
//! render -> validate -> respond. Everything before dispatch that goes wrong is a
//! [`WebhookError`] (4xx JSON); everything after it is the intent's fallback (200).

use std::sync::Arc;
use std::time::Duration;

use actix_web::http::header::{HeaderName, HeaderValue, CONTENT_TYPE};
use actix_web::{web, HttpRequest, HttpResponse, ResponseError};
use tokio::time::Instant;
use tracing::Instrument;

use crate::auth::Rejection;
use crate::body;
use crate::config::BudgetQuery;
use crate::dispatch::{self, fallback_for, Outcome};
use crate::error::WebhookError;
use crate::intent::{Ctx, IntentSpec};
use crate::protocol::{cx, cx_render, es, es_render, Protocol, Reply, Turn};
pub use crate::request::parse_request;
use crate::state::AppState;
use crate::telemetry;

/// Dialogflow refuses larger webhook responses.
pub const MAX_RESPONSE_BYTES: usize = 64 * 1024;

/// Which protocol a route accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// `/webhook`: told apart by the body's shape.
    Auto,
    Es,
    Cx,
    /// `/webhook/cx/<name>`: a named CX webhook with its own timeout.
    CxNamed,
}

impl Route {
    /// The route's name under `[auth.routes]`.
    pub fn auth_name(self) -> &'static str {
        match self {
            Route::Auto => "auto",
            Route::Es => "es",
            Route::Cx | Route::CxNamed => "cx",
        }
    }

    /// A bounded label for metrics and logs.
    pub fn label(self) -> &'static str {
        match self {
            Route::Auto => "/webhook",
            Route::Es => "/webhook/es",
            Route::Cx => "/webhook/cx",
            Route::CxNamed => "/webhook/cx/{name}",
        }
    }
}

/// A parsed request of either protocol.
pub enum Parsed {
    Es(Box<es::WebhookRequest>),
    Cx(Box<cx::WebhookRequest>),
}

impl Parsed {
    pub fn protocol(&self) -> Protocol {
        match self {
            Parsed::Es(_) => Protocol::Es,
            Parsed::Cx(_) => Protocol::Cx,
        }
    }

    /// Moves the turn out of the request; the request keeps what [`Parsed::render`] needs.
    pub fn take_turn(&mut self) -> Turn {
        match self {
            Parsed::Es(r) => es_render::take_turn(r),
            Parsed::Cx(r) => cx_render::take_turn(r),
        }
    }

    /// Renders `reply` as response bytes, refusing what the protocol cannot express or what
    /// exceeds Dialogflow's 64 KiB.
    pub fn render(
        &self,
        reply: Reply,
        settings: &crate::config::Settings,
    ) -> Result<Vec<u8>, String> {
        // Sized for a typical reply up front: growing from empty cost several reallocations
        // and copies per call.
        let mut bytes = Vec::with_capacity(512);
        match self {
            Parsed::Es(r) => es_render::render(reply, r)
                .map_err(|e| e.to_string())
                .and_then(|resp| {
                    serde_json::to_writer(&mut bytes, &resp).map_err(|e| e.to_string())
                })?,
            Parsed::Cx(r) => cx_render::render(reply, r, &settings.cx)
                .map_err(|e| e.to_string())
                .and_then(|resp| {
                    serde_json::to_writer(&mut bytes, &resp).map_err(|e| e.to_string())
                })?,
        };
        if bytes.len() > MAX_RESPONSE_BYTES {
            return Err(format!(
                "response is {} bytes, over Dialogflow's {MAX_RESPONSE_BYTES}",
                bytes.len()
            ));
        }
        Ok(bytes)
    }
}

/// The actix handler behind the three webhook routes.
pub async fn handle(
    route: Route,
    cx_webhook: Option<String>,
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> HttpResponse {
    let started = Instant::now();
    let _in_flight = telemetry::InFlight::start();
    let request_id = request_id(&req);
    let result = async {
        // Credentials first: a stranger learns nothing, not even which content type we want.
        let verifier = state.auth.for_route(route.auth_name());
        state.gate.check(&req, verifier.credential_header())?;
        verifier
            .verify_headers(req.headers())
            .await
            .map_err(|r| rejected(route, verifier.mode(), r))?;
        body::check_content_type(&req)?;
        let settings = &state.settings.server;
        let bytes = body::read_limited(
            &req,
            payload,
            settings.body_limit_bytes,
            Duration::from_millis(settings.body_read_timeout_ms),
        )
        .await?;
        verifier
            .verify_body(req.headers(), &bytes)
            .map_err(|r| rejected(route, verifier.mode(), r))?;
        let mut parsed = parse_request(route, &bytes)?;
        let call = Call {
            started,
            request_id: request_id.clone(),
            route,
            cx_webhook: cx_webhook.as_deref(),
            trace: trace_of(&req, &state),
        };
        // Boxed on its own: inlined, it made the handler's future (which actix boxes) over
        // 1 KiB, and every allocation that large made glibc consolidate its fast bins
        // (`malloc_consolidate` in the profile). Two smaller boxes are cheaper.
        Ok::<_, WebhookError>(Box::pin(answer(&state, &mut parsed, call)).await)
    }
    .await;
    let mut resp = match result {
        // The outcome header lets operators and the fixture kit see a fallback without logs;
        // Dialogflow ignores it.
        // Static header values: a `&str` value is validated and copied on every call.
        Ok((body, outcome)) => HttpResponse::Ok()
            .insert_header((CONTENT_TYPE, HeaderValue::from_static("application/json")))
            .insert_header((OUTCOME.clone(), HeaderValue::from_static(outcome.as_str())))
            .body(body),
        Err(e) => {
            telemetry::record_rejection(route.label(), e.code());
            tracing::info!(request_id = %request_id, route = route.label(), code = e.code(), "webhook refused: {e}");
            e.error_response()
        }
    };
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        resp.headers_mut().insert(REQUEST_ID.clone(), v);
    }
    resp
}

/// Counts and logs a refused caller (never its credential) and picks the status: 401, or 503
/// when Google's keys are unavailable, which is our failure, not the caller's.
fn rejected(route: Route, mode: &'static str, reason: Rejection) -> WebhookError {
    metrics::counter!(
        "intentful_auth_rejections_total",
        &[
            ("route", route.label()),
            ("mode", mode),
            ("reason", reason.as_str())
        ]
    )
    .increment(1);
    tracing::warn!(
        route = route.label(),
        mode,
        reason = reason.as_str(),
        "caller refused"
    );
    match reason {
        Rejection::KeysUnavailable => {
            WebhookError::Unavailable("the caller's signing keys cannot be fetched".into())
        }
        _ => WebhookError::Unauthorized,
    }
}

/// Response header carrying the call's outcome label (`ok`, `fallback_error`, ...).
pub const OUTCOME_HEADER: &str = "x-intentful-outcome";

static OUTCOME: HeaderName = HeaderName::from_static(OUTCOME_HEADER);

static REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Where and when a call arrived.
pub struct Call<'a> {
    pub started: Instant,
    pub request_id: Arc<str>,
    pub route: Route,
    pub cx_webhook: Option<&'a str>,
    /// Cloud Trace link (`projects/P/traces/T`) and span id, when the caller sent a trace header.
    pub trace: Option<(String, String)>,
}

/// The Cloud Trace resource name and span id for this request's log lines.
fn trace_of(req: &HttpRequest, state: &AppState) -> Option<(String, String)> {
    // Static names: looking a header up by `&str` parses the name on every call.
    static CLOUD_TRACE: HeaderName = HeaderName::from_static("x-cloud-trace-context");
    static TRACEPARENT: HeaderName = HeaderName::from_static("traceparent");
    let header = |name: &HeaderName| req.headers().get(name).and_then(|v| v.to_str().ok());
    let (trace, span) = telemetry::trace_from_headers(header(&CLOUD_TRACE), header(&TRACEPARENT))?;
    let project = telemetry::gcp_project(&state.settings.log)?;
    Some((format!("projects/{project}/traces/{trace}"), span))
}

/// Dispatches a parsed request and renders the answer; never fails.
pub async fn answer(state: &AppState, parsed: &mut Parsed, call: Call<'_>) -> (Vec<u8>, Outcome) {
    let Call {
        started,
        request_id,
        route,
        cx_webhook,
        trace,
    } = call;
    let protocol = parsed.protocol();
    // Boxed: see `dispatch`.
    let mut turn = Box::new(parsed.take_turn());
    let spec: Option<Arc<IntentSpec>> = match parsed {
        Parsed::Es(_) => state.registry.lookup(es_render::keys(&turn)).cloned(),
        Parsed::Cx(_) => state.registry.lookup(cx_render::keys(&turn)).cloned(),
    };
    let key = spec.as_ref().map(|s| s.key.as_str());
    turn.key = key.unwrap_or_default().to_string();
    let intent_label = key.unwrap_or("unknown");
    let budget = state.settings.budget(&BudgetQuery {
        protocol,
        actions_on_google: turn.is_actions_on_google(),
        cx_webhook,
        intent_key: key,
        code_budget: spec.as_ref().and_then(|s| s.budget),
    });
    let deadline = started + budget;
    let span = tracing::info_span!(
        "webhook",
        // Plain `&str` fields rather than `%` (Display): recorded without a `format!` each.
        request_id = &*request_id,
        protocol = protocol.as_str(),
        session = turn.session.as_str(),
        response_id = turn.response_id.as_str(),
        intent = intent_label,
        // Set here, not recorded later: every `record` formats the span's fields again.
        trace = trace.as_ref().map(|(trace, _)| trace.as_str()),
        span_id = trace.as_ref().map(|(_, span_id)| span_id.as_str()),
    );
    let ctx = Ctx::new(deadline, state.upstreams.clone(), request_id, protocol);
    tracing::debug!(parent: &span, query = %turn.query_text, "turn received");
    // Polled and dropped inside the call's span, which stays ours for the lines below.
    let mut done = dispatch::dispatch(&state.settings, spec.as_ref(), ctx, turn, deadline)
        .instrument(span.clone())
        .await;
    let body = match parsed.render(done.reply, &state.settings) {
        Ok(body) => body,
        Err(problem) => {
            done.outcome = Outcome::FallbackRender;
            done.cause = Some(format!("reply could not be rendered: {problem}"));
            let fallback = spec
                .as_deref()
                .map(|s| fallback_for(&state.settings, s))
                .unwrap_or_else(|| Reply::text(state.settings.fallback.text.clone()));
            parsed
                .render(fallback, &state.settings)
                .or_else(|_| {
                    parsed.render(
                        Reply::text(state.settings.fallback.text.clone()),
                        &state.settings,
                    )
                })
                .unwrap_or_else(|_| b"{}".to_vec())
        }
    };
    let elapsed = started.elapsed();
    let _enter = span.enter();
    // The closing line names the outcome itself rather than recording it into the span.
    let elapsed_ms = elapsed.as_millis() as u64;
    match &done.cause {
        Some(cause) => tracing::warn!(
            outcome = done.outcome.as_str(),
            elapsed_ms,
            cause = %cause,
            "answered with the fallback"
        ),
        None => tracing::info!(outcome = done.outcome.as_str(), elapsed_ms, "answered"),
    }
    telemetry::record_webhook(
        route.label(),
        protocol.as_str(),
        intent_label,
        done.outcome.as_str(),
        elapsed,
    );
    (body, done.outcome)
}

/// The caller's `X-Request-Id` when it is sane, else a fresh one.
fn request_id(req: &HttpRequest) -> Arc<str> {
    req.headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty() && v.len() <= 128 && v.bytes().all(|b| b.is_ascii_graphic()))
        .map(Arc::from)
        .unwrap_or_else(|| {
            // From the thread-local CSPRNG: `new_v4` asks the kernel (a getrandom syscall) on
            // every call, which showed in the profile.
            let id = uuid::Builder::from_random_bytes(rand::random()).into_uuid();
            let mut buf = uuid::Uuid::encode_buffer();
            Arc::from(&*id.hyphenated().encode_lower(&mut buf))
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::future::Future;

    use crate::config::Settings;
    use crate::intent::{IntentError, Registry};
    use crate::telemetry::test_buffer::Buffer;

    async fn chatty(_ctx: Ctx, _turn: Turn) -> Result<Reply, IntentError> {
        tracing::info!("before the wait");
        // Pending once: the line after it comes from a second poll of the handler.
        tokio::task::yield_now().await;
        tracing::info!("after the wait");
        Ok(Reply::text("hi"))
    }

    /// Logs when dropped, as a handler's guard or connection might.
    struct LogsOnDrop;

    impl Drop for LogsOnDrop {
        fn drop(&mut self) {
            tracing::info!("handler dropped");
        }
    }

    /// Waits forever holding a [`LogsOnDrop`]: ends only when its caller drops it.
    async fn stuck(_ctx: Ctx, _turn: Turn) -> Result<Reply, IntentError> {
        let _guard = LogsOnDrop;
        std::future::pending::<()>().await;
        Ok(Reply::text("never"))
    }

    /// The JSON lines logged while `drive` answers the welcome fixture with `handler` as the
    /// welcome intent's module, then logs "after the call".
    fn lines_while<H, Fut, D, DFut>(handler: H, drive: D) -> Vec<serde_json::Value>
    where
        H: Fn(Ctx, Turn) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Reply, IntentError>> + Send + 'static,
        D: FnOnce(AppState, Parsed, Call<'static>) -> DFut,
        DFut: Future<Output = ()>,
    {
        let mut registry = Registry::default();
        registry.add("input.welcome", handler);
        let state = AppState::new(Settings::default(), registry.finish().expect("registry"))
            .expect("state");
        let body = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/fixtures/welcome/en_greets.request.json"
        ))
        .expect("fixture");
        let buf = Buffer::default();
        let writer = buf.clone();
        let subscriber = crate::telemetry::json_subscriber(
            tracing_subscriber::EnvFilter::new("info"),
            move || writer.clone(),
        );
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .expect("runtime");
        tracing::subscriber::with_default(subscriber, || {
            runtime.block_on(async {
                let parsed = parse_request(Route::Es, &body).expect("parsed");
                let call = Call {
                    started: Instant::now(),
                    request_id: Arc::from("req-1"),
                    route: Route::Es,
                    cx_webhook: None,
                    trace: None,
                };
                drive(state, parsed, call).await;
                tracing::info!("after the call");
            })
        });
        buf.text()
            .lines()
            .map(|l| serde_json::from_str(l).expect("a JSON line"))
            .collect()
    }

    fn line<'l>(lines: &'l [serde_json::Value], message: &str) -> &'l serde_json::Value {
        lines
            .iter()
            .find(|l| l["message"] == message)
            .unwrap_or_else(|| panic!("no {message:?} line in {lines:?}"))
    }

    fn assert_in_the_call(l: &serde_json::Value) {
        assert_eq!(l["request_id"], "req-1", "{l}");
        assert_eq!(l["intent"], "input.welcome", "{l}");
        assert_eq!(l["protocol"], "es", "{l}");
        assert!(l["session"].as_str().is_some_and(|s| !s.is_empty()), "{l}");
    }

    /// A handler's own lines carry the call's span fields, from every poll of the handler, and
    /// lines logged after the call do not.
    #[test]
    fn lines_logged_by_a_handler_carry_the_call() {
        let lines = lines_while(chatty, |state, mut parsed, call| async move {
            let (_, outcome) = answer(&state, &mut parsed, call).await;
            assert_eq!(outcome, Outcome::Ok);
        });
        for message in ["before the wait", "after the wait", "answered"] {
            assert_in_the_call(line(&lines, message));
        }
        assert_eq!(line(&lines, "answered")["outcome"], "ok");
        assert!(line(&lines, "after the call").get("request_id").is_none());
    }

    /// A call dropped mid-way (the connection closed, shutdown) drops its handler inside the
    /// call's span: what the handler logs on its way out is still the call's.
    #[test]
    fn a_handler_dropped_mid_way_logs_inside_the_call() {
        let lines = lines_while(stuck, |state, mut parsed, call| async move {
            let mut answering = Box::pin(answer(&state, &mut parsed, call));
            assert!(futures::poll!(answering.as_mut()).is_pending());
            drop(answering);
        });
        assert_in_the_call(line(&lines, "handler dropped"));
        assert!(line(&lines, "after the call").get("request_id").is_none());
    }
}
