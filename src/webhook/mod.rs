//! The webhook request path: auth -> body -> (named CX webhook known?) -> [`Request`] -> turn -> registry lookup -> budget
//! -> dispatch under the call's span -> render -> respond. Everything before dispatch that goes
//! wrong is a `WebhookError` (4xx JSON); everything after it is the intent's fallback (200).

use std::sync::Arc;
use std::time::Duration;

use actix_web::http::header::{HeaderName, HeaderValue, CONTENT_TYPE};
use actix_web::{web, HttpRequest, HttpResponse, ResponseError};
use tokio::time::Instant;
use tracing::Instrument;

use crate::auth::{Rejection, Verifier};
use crate::body;
use crate::config::Settings;
use crate::deadline::BudgetQuery;
use crate::dispatch::{self, fallback_for, Outcome};
use crate::error::WebhookError;
use crate::intent::{Ctx, IntentSpec};
use crate::protocol::{Protocol, Reply, Request, Turn};
use crate::state::AppState;
use crate::telemetry;

mod observed;
use observed::Observed;

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

    /// The protocol the route accepts; `None` when the body tells.
    pub fn protocol(self) -> Option<Protocol> {
        match self {
            Route::Auto => None,
            Route::Es => Some(Protocol::Es),
            Route::Cx | Route::CxNamed => Some(Protocol::Cx),
        }
    }
}

/// Response header carrying the call's outcome label (`ok`, `fallback_error`, ...); operators
/// and the fixture kit see a fallback without reading logs, and Dialogflow ignores it.
pub const OUTCOME_HEADER: &str = "x-intentful-outcome";

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");
const CLOUD_TRACE: HeaderName = HeaderName::from_static("x-cloud-trace-context");
const TRACEPARENT: HeaderName = HeaderName::from_static("traceparent");

/// The actix handler behind the webhook routes.
pub async fn handle(
    route: Route,
    cx_webhook: Option<String>,
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> HttpResponse {
    let started = Instant::now();
    let _in_flight = state.metrics.in_flight();
    let request_id = request_id(&req);
    let mut observed = Observed::start(&state, started);
    let result = async {
        // Credentials first, as far as the headers prove them: a stranger learns nothing, not
        // even which content type or size we want, nor which named webhooks exist.
        let verifier = state.auth.for_route(route.auth_name());
        state.gate.check(&req, verifier.credential_header()).await?;
        verifier
            .verify_headers(req.headers())
            .await
            .map_err(|r| rejected(route, verifier, r))?;
        if let Some(o) = &mut observed {
            o.stage("auth");
        }
        body::check_content_type(&req)?;
        let server = &state.settings.server;
        let bytes = body::read_limited(
            &req,
            payload,
            server.body_limit_bytes,
            Duration::from_millis(server.body_read_timeout_ms),
        )
        .await?;
        if let Some(o) = &mut observed {
            o.received(&bytes);
            o.stage("body");
        }
        verifier
            .verify_body(req.headers(), &bytes)
            .map_err(|r| rejected(route, verifier, r))?;
        if cx_webhook
            .as_deref()
            .is_some_and(|name| !state.settings.cx.webhooks.contains_key(name))
        {
            // The same answer as any unknown path: nothing about the configuration.
            return Err(WebhookError::NotFound(
                req.path().chars().take(200).collect(),
            ));
        }
        let request = Request::parse(&bytes, route.protocol())?;
        if let Some(o) = &mut observed {
            o.stage("parse");
        }
        let call = Call {
            started,
            request_id: request_id.clone(),
            route,
            cx_webhook: cx_webhook.as_deref(),
            trace: trace_of(&req, &state),
            observed: observed.as_mut(),
        };
        Ok::<_, WebhookError>(answer(&state, request, call).await)
    }
    .await;
    let (mut resp, outcome) = match result {
        Ok((body, outcome)) => (
            HttpResponse::Ok()
                .insert_header((CONTENT_TYPE, HeaderValue::from_static("application/json")))
                .insert_header((OUTCOME_HEADER, HeaderValue::from_static(outcome.as_str())))
                .body(body),
            outcome.as_str(),
        ),
        Err(e) => {
            crate::webhook_metrics::record_rejection(route.label(), e.code());
            tracing::info!(request_id = %request_id, route = route.label(), code = e.code(), "webhook refused: {e}");
            (e.error_response(), e.code())
        }
    };
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        resp.headers_mut().insert(REQUEST_ID, v);
    }
    match observed {
        Some(o) => o.publish(&state, resp, &request_id, route, outcome),
        None => resp,
    }
}

/// Runs `body` again as a call on `route`, without the caller checks (the inspector, which has
/// its own, replays a call it already let in): parse, dispatch against the live upstreams,
/// render. The replay is not observed, so it does not show up as a call of its own.
pub(crate) async fn replay(
    state: &AppState,
    route: Route,
    body: &[u8],
) -> Result<(Vec<u8>, Outcome), WebhookError> {
    let request = Request::parse(body, route.protocol())?;
    let call = Call {
        started: Instant::now(),
        request_id: Arc::from(format!("replay-{}", uuid::Uuid::new_v4())),
        route,
        cx_webhook: None,
        trace: None,
        observed: None,
    };
    Ok(answer(state, request, call).await)
}

impl Route {
    /// The route whose [`Route::label`] this is.
    pub fn from_label(label: &str) -> Option<Route> {
        [Route::Auto, Route::Es, Route::Cx, Route::CxNamed]
            .into_iter()
            .find(|r| r.label() == label)
    }
}

/// Counts and logs a refused caller (never its credential) and picks the status: 401 with the
/// route's own challenge, or 503 when Google's keys are unavailable, which is our failure, not
/// the caller's.
fn rejected(route: Route, verifier: &Verifier, reason: Rejection) -> WebhookError {
    let mode = verifier.mode();
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
        _ => WebhookError::Unauthorized {
            challenge: verifier.challenge(),
        },
    }
}

/// Where and when a call arrived.
struct Call<'a> {
    started: Instant,
    request_id: Arc<str>,
    route: Route,
    cx_webhook: Option<&'a str>,
    /// Cloud Trace link (`projects/P/traces/T`) and span id, when the caller sent a trace header.
    trace: Option<(String, String)>,
    /// The call as its observers see it, when calls are observed.
    observed: Option<&'a mut Observed>,
}

/// The Cloud Trace resource name and span id for this request's log lines.
fn trace_of(req: &HttpRequest, state: &AppState) -> Option<(String, String)> {
    let header = |name| req.headers().get(name).and_then(|v| v.to_str().ok());
    let (trace, span) = telemetry::trace_from_headers(header(&CLOUD_TRACE), header(&TRACEPARENT))?;
    let project = telemetry::gcp_project(&state.settings.log)?;
    Some((format!("projects/{project}/traces/{trace}"), span))
}

/// The handler's budget for this call (`deadline.rs` holds the rules).
fn budget(
    settings: &Settings,
    protocol: Protocol,
    turn: &Turn,
    spec: Option<&IntentSpec>,
    cx_webhook: Option<&str>,
) -> Duration {
    let configured = spec.and_then(|s| settings.intents.get(&s.key));
    let ms = Duration::from_millis;
    settings.deadline.budget(&BudgetQuery {
        protocol,
        actions_on_google: turn.is_actions_on_google(),
        tag_timeout: configured.and_then(|i| i.cx_timeout_ms).map(ms),
        route_timeout: cx_webhook
            .and_then(|w| settings.cx.webhooks.get(w))
            .map(|w| ms(w.timeout_ms)),
        configured: configured.and_then(|i| i.budget_ms).map(ms),
        in_code: spec.and_then(|s| s.budget),
    })
}

/// Dispatches a request and renders the answer; never fails. What it learnt about the call comes
/// back only when the call is observed.
async fn answer(state: &AppState, request: Request, call: Call<'_>) -> (Vec<u8>, Outcome) {
    let settings = &state.settings;
    let protocol = request.protocol();
    let spec: Option<Arc<IntentSpec>> = state.registry.lookup(request.keys()).cloned();
    let (mut turn, render_ctx) = request.into_parts();
    let key = spec.as_ref().map(|s| s.key.as_str());
    turn.key = key.unwrap_or_default().to_string();
    let intent_label = key.unwrap_or("unknown");
    let budget = budget(settings, protocol, &turn, spec.as_deref(), call.cx_webhook);
    let deadline = call.started + budget;
    let span = tracing::info_span!(
        "webhook",
        request_id = &*call.request_id,
        protocol = protocol.as_str(),
        session = turn.session.as_str(),
        response_id = turn.response_id.as_str(),
        intent = intent_label,
        // Set here, not recorded later: every `record` formats the span's fields again.
        trace = call.trace.as_ref().map(|(trace, _)| trace.as_str()),
        span_id = call.trace.as_ref().map(|(_, span_id)| span_id.as_str()),
    );
    tracing::debug!(parent: &span, query = %turn.query_text, "turn received");
    let ctx = Ctx::new(deadline, state.upstreams.clone(), call.request_id, protocol);
    // Counts the call as a hang-up if it is dropped before it is answered.
    let hang_up = HangUp {
        route: call.route,
        span: &span,
        started: call.started,
        answered: false,
    };
    let mut observed = call.observed;
    if let Some(o) = observed.as_deref_mut() {
        o.learnt(protocol, spec.as_deref(), &turn, budget);
    }
    let dispatching = dispatch::dispatch(
        settings,
        spec.as_ref(),
        ctx,
        turn,
        deadline,
        &state.shutdown,
    )
    .instrument(span.clone());
    let mut done = match observed.as_deref_mut() {
        Some(o) => o.handler(dispatching).await,
        None => dispatching.await,
    };
    let body = match render_ctx.render(done.reply, &settings.cx) {
        Ok(body) => body,
        Err(problem) => {
            done.outcome = Outcome::FallbackRender;
            done.cause = Some(format!("reply could not be rendered: {problem}"));
            let global = || Reply::text(settings.fallback.text.clone());
            let fallback = spec
                .as_deref()
                .map_or_else(global, |s| fallback_for(settings, s));
            render_ctx
                .render(fallback, &settings.cx)
                .or_else(|_| render_ctx.render(global(), &settings.cx))
                .unwrap_or_else(|_| b"{}".to_vec())
        }
    };
    if let Some(o) = observed {
        o.stage("render");
    }
    let elapsed = call.started.elapsed();
    let elapsed_ms = elapsed.as_millis() as u64;
    hang_up.answered();
    // Both lines name the outcome themselves: recording it into the span would format the
    // span's fields again, and at `warn` the `info` span is filtered out.
    match &done.cause {
        Some(cause) => tracing::warn!(
            parent: &span,
            outcome = done.outcome.as_str(),
            elapsed_ms,
            cause = %cause,
            "answered with the fallback"
        ),
        None => tracing::info!(
            parent: &span,
            outcome = done.outcome.as_str(),
            elapsed_ms,
            "answered"
        ),
    }
    state.metrics.observe(
        call.route.label(),
        protocol.as_str(),
        intent_label,
        done.outcome.as_str(),
        elapsed,
    );
    (body, done.outcome)
}

/// A call being answered. The HTTP layer drops the handler future when the caller hangs up
/// (`h1_allow_half_closed(false)` in `startup.rs`), which drops this before [`HangUp::answered`]:
/// the drop counts it in `intentful_webhook_disconnects_total` and logs it, inside the call's span.
struct HangUp<'a> {
    route: Route,
    span: &'a tracing::Span,
    started: Instant,
    answered: bool,
}

impl HangUp<'_> {
    fn answered(mut self) {
        self.answered = true;
    }
}

impl Drop for HangUp<'_> {
    fn drop(&mut self) {
        if self.answered {
            return;
        }
        metrics::counter!("intentful_webhook_disconnects_total", "route" => self.route.label())
            .increment(1);
        let elapsed_ms = self.started.elapsed().as_millis() as u64;
        self.span.in_scope(|| {
            tracing::info!(
                elapsed_ms,
                "caller hung up before the answer: handler and upstream calls dropped"
            )
        });
    }
}

/// The caller's `X-Request-Id` when it is sane, else a fresh one.
fn request_id(req: &HttpRequest) -> Arc<str> {
    req.headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty() && v.len() <= 128 && v.bytes().all(|b| b.is_ascii_graphic()))
        .map(Arc::from)
        .unwrap_or_else(|| Arc::from(uuid::Uuid::new_v4().to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::future::Future;

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
    /// welcome intent's module, then logs "after the call", in the service's own JSON format.
    fn lines_while<H, Fut, D, DFut>(handler: H, drive: D) -> Vec<serde_json::Value>
    where
        H: Fn(Ctx, Turn) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Reply, IntentError>> + Send + 'static,
        D: FnOnce(AppState, Request, Call<'static>) -> DFut,
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
                let request = Request::parse(&body, Some(Protocol::Es)).expect("parsed");
                let call = Call {
                    started: Instant::now(),
                    request_id: Arc::from("req-1"),
                    route: Route::Es,
                    cx_webhook: None,
                    trace: None,
                    observed: None,
                };
                drive(state, request, call).await;
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

    /// Every label a call can carry has its series registered at start-up.
    #[test]
    fn every_route_protocol_and_outcome_is_registered() {
        use crate::webhook_metrics::{OUTCOMES, UNKNOWN_INTENT, WEBHOOK_ROUTES};
        for route in [Route::Auto, Route::Es, Route::Cx, Route::CxNamed] {
            let (_, accepted) = WEBHOOK_ROUTES
                .iter()
                .find(|(label, _)| *label == route.label())
                .unwrap_or_else(|| panic!("{} has no series", route.label()));
            let protocols = route
                .protocol()
                .map_or(vec![Protocol::Es, Protocol::Cx], |p| vec![p]);
            for p in protocols {
                assert!(accepted.contains(&p.as_str()), "{} {p}", route.label());
            }
        }
        for outcome in [
            Outcome::Ok,
            Outcome::FallbackError,
            Outcome::FallbackDeadline,
            Outcome::FallbackRender,
        ] {
            assert!(OUTCOMES.contains(&outcome.as_str()), "{}", outcome.as_str());
        }
        assert_eq!(Outcome::UnknownIntent.as_str(), UNKNOWN_INTENT.0);
    }

    /// A handler's own lines carry the call's span fields, from every poll of the handler, and
    /// lines logged after the call do not.
    #[test]
    fn lines_logged_by_a_handler_carry_the_call() {
        let lines = lines_while(chatty, |state, request, call| async move {
            let (_, outcome) = answer(&state, request, call).await;
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
        let lines = lines_while(stuck, |state, request, call| async move {
            let mut answering = Box::pin(answer(&state, request, call));
            assert!(futures::poll!(answering.as_mut()).is_pending());
            drop(answering);
        });
        assert_in_the_call(line(&lines, "handler dropped"));
        assert!(line(&lines, "after the call").get("request_id").is_none());
    }
}
