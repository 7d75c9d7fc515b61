//! The deadline promise: slow upstreams, hung handlers, panics and errors all become the
//! intent's fallback inside the budget, and the abandoned handler task does not leak.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use intentful::config::{Settings, UpstreamSettings};
use intentful::intent::prelude::*;
use intentful::intent::Registry;
use serde_json::Value;
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{client, es_request, spawn_with};

/// Nothing listens here; tests that never call the upstream still need it configured.
const UNUSED: &str = "http://127.0.0.1:9";

struct DropCounter(Arc<AtomicUsize>);
impl Drop for DropCounter {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

fn registry(dropped: Arc<AtomicUsize>) -> Registry {
    let mut r = Registry::default();
    r.add("slow.upstream", |ctx: Ctx, _turn: Turn| async move {
        let v: Value = ctx.upstream("slow").get("/never").send_json().await?;
        Ok(Reply::text(format!("got {v}")))
    })
    .fallback("slow fallback")
    .needs_upstream("slow");
    r.add("hang", move |_ctx: Ctx, _turn: Turn| {
        let guard = DropCounter(dropped.clone());
        async move {
            let _guard = guard;
            std::future::pending::<()>().await;
            Ok(Reply::text("never"))
        }
    })
    .fallback("hang fallback");
    r.add("panics", |_ctx: Ctx, turn: Turn| async move {
        if turn.session.is_empty() {
            return Ok(Reply::text("unreachable"));
        }
        panic!("boom in handler")
    })
    .fallback("panic fallback");
    r.add("fails", |_ctx: Ctx, _turn: Turn| async move {
        Err::<Reply, _>(IntentError::failed("nope"))
    });
    r.add("tight", |ctx: Ctx, _turn: Turn| async move {
        Ok(Reply::text(format!(
            "{}",
            ctx.remaining().as_millis() <= 300
        )))
    })
    .budget(Duration::from_millis(300));
    r.finish().expect("registry")
}

/// Default settings plus the `slow` upstream the test registry needs, at `url`.
fn settings_with_slow(url: &str) -> Settings {
    let mut settings = Settings::default();
    settings.upstreams.insert(
        "slow".into(),
        UpstreamSettings {
            timeout_ms: 30_000,
            max_response_bytes: 1024,
            ..UpstreamSettings::new(url.parse().expect("url"))
        },
    );
    settings
}

async fn post(url: &str, action: &str) -> (u16, Value, Duration) {
    let started = Instant::now();
    let resp = client()
        .post(url)
        .json(&es_request(action))
        .send()
        .await
        .expect("response");
    let status = resp.status().as_u16();
    let body: Value = resp.json().await.expect("valid JSON");
    (status, body, started.elapsed())
}

#[actix_web::test]
async fn a_never_answering_upstream_yields_the_fallback_inside_the_default_budget() {
    let upstream = MockServer::start().await;
    Mock::given(path("/never"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(60)))
        .mount(&upstream)
        .await;
    let server = spawn_with(
        settings_with_slow(&upstream.uri()),
        registry(Arc::default()),
    );
    let (status, body, elapsed) = post(&server.url("/webhook"), "slow.upstream").await;
    assert_eq!(status, 200);
    assert_eq!(body["fulfillmentText"], "slow fallback");
    let budget = Duration::from_millis(4_500);
    assert!(
        elapsed < budget + Duration::from_millis(100),
        "took {elapsed:?}"
    );
    // The upstream call's own timeout (remaining − margin) fires first, so it ends before the budget.
    assert!(
        elapsed > budget - Duration::from_millis(400),
        "took {elapsed:?}"
    );
}

#[actix_web::test]
async fn a_hung_handler_is_aborted_at_the_deadline_and_its_task_dropped() {
    let dropped = Arc::new(AtomicUsize::new(0));
    let mut settings = settings_with_slow(UNUSED);
    settings.deadline.es_ms = 800;
    settings.deadline.margin_ms = 200;
    let server = spawn_with(settings, registry(dropped.clone()));
    let (status, body, elapsed) = post(&server.url("/webhook/es"), "hang").await;
    assert_eq!(status, 200);
    assert_eq!(body["fulfillmentText"], "hang fallback");
    assert!(elapsed >= Duration::from_millis(600), "{elapsed:?}");
    assert!(elapsed < Duration::from_millis(700), "{elapsed:?}");
    // Abort is asynchronous; the task's state must be dropped promptly.
    for _ in 0..50 {
        if dropped.load(Ordering::SeqCst) == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(dropped.load(Ordering::SeqCst), 1, "handler task leaked");
}

#[actix_web::test]
async fn panics_and_errors_become_fallbacks_and_the_server_keeps_serving() {
    let server = spawn_with(settings_with_slow(UNUSED), registry(Arc::default()));
    let (status, body, _) = post(&server.url("/webhook"), "panics").await;
    assert_eq!(
        (status, body["fulfillmentText"].as_str()),
        (200, Some("panic fallback"))
    );
    let (status, body, _) = post(&server.url("/webhook"), "fails").await;
    assert_eq!(status, 200);
    assert_eq!(
        body["fulfillmentText"],
        Settings::default().fallback.text,
        "global fallback"
    );
    let (status, body, _) = post(&server.url("/webhook"), "tight").await;
    assert_eq!(
        (status, body["fulfillmentText"].as_str()),
        (200, Some("true")),
        "per-intent budget"
    );
}

#[actix_web::test]
async fn configured_intent_budget_overrides_code() {
    let dropped = Arc::new(AtomicUsize::new(0));
    let mut settings = settings_with_slow(UNUSED);
    settings.intents.insert(
        "hang".into(),
        intentful::config::IntentSettings {
            budget_ms: Some(250),
            fallback_text: Some("configured".into()),
            ..Default::default()
        },
    );
    let server = spawn_with(settings, registry(dropped));
    let (status, body, elapsed) = post(&server.url("/webhook"), "hang").await;
    assert_eq!(
        (status, body["fulfillmentText"].as_str()),
        (200, Some("configured"))
    );
    assert!(elapsed < Duration::from_millis(400), "{elapsed:?}");
}

#[actix_web::test]
async fn unknown_intent_is_passthrough_or_configured_text() {
    let server = spawn_with(settings_with_slow(UNUSED), registry(Arc::default()));
    let (status, body, _) = post(&server.url("/webhook"), "no.such.intent").await;
    assert_eq!((status, body), (200, serde_json::json!({})));

    let mut settings = settings_with_slow(UNUSED);
    settings.fallback.unknown_intent = intentful::config::UnknownIntentPolicy::Fallback;
    settings.fallback.unknown_intent_text = "I can't do that yet.".into();
    let server = spawn_with(settings, registry(Arc::default()));
    let (_, body, _) = post(&server.url("/webhook"), "no.such.intent").await;
    assert_eq!(body["fulfillmentText"], "I can't do that yet.");
}
