//! The circuit breaker against a real wiremock upstream: opens after the configured failures,
//! then fails fast without calling, lets one probe through after the cool-down, and closes
//! when it succeeds; `/readyz` shows the state and stays 200.

use std::time::{Duration, Instant};

use intentful::config::Settings;
use intentful::intent::prelude::*;
use intentful::intent::Registry;
use intentful::upstream::{CircuitState, UpstreamErrorKind};
use serde_json::Value;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{client as http, es_request, spawn_with};
use crate::upstream_kit::{circuit, client, settings, upstreams};

const BUDGET: Duration = Duration::from_secs(4);

#[tokio::test]
async fn opens_after_failures_fails_fast_and_closes_after_a_probe() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(502))
        .mount(&server)
        .await;
    let mut s = settings(&server.uri());
    s.breaker.consecutive_failures = 3;
    s.breaker.failure_rate = 0.0;
    s.breaker.cooldown_ms = 300;
    let ups = upstreams(s);
    for _ in 0..3 {
        let err = client(&ups, BUDGET).get("/x").send().await.unwrap_err();
        assert_eq!(err.kind, UpstreamErrorKind::Status(502));
    }
    assert_eq!(circuit(&ups), CircuitState::Open);

    for _ in 0..10 {
        let started = Instant::now();
        let err = client(&ups, BUDGET).get("/x").send().await.unwrap_err();
        assert!(
            started.elapsed() < Duration::from_millis(5),
            "{:?}",
            started.elapsed()
        );
        assert_eq!(err.kind, UpstreamErrorKind::CircuitOpen);
    }
    assert_eq!(
        server.received_requests().await.unwrap().len(),
        3,
        "nothing reaches the upstream while open"
    );

    tokio::time::sleep(Duration::from_millis(350)).await;
    server.reset().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_string("ok"))
        .mount(&server)
        .await;
    let body = client(&ups, BUDGET)
        .get("/x")
        .send_text()
        .await
        .expect("probe");
    assert_eq!(body, "ok");
    assert_eq!(circuit(&ups), CircuitState::Closed);
    client(&ups, BUDGET)
        .get("/x")
        .send()
        .await
        .expect("closed again");
}

#[tokio::test]
async fn failure_rate_over_the_window_opens_it() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let mut s = settings(&server.uri());
    s.breaker.consecutive_failures = 0;
    s.breaker.failure_rate = 0.5;
    s.breaker.min_calls = 6;
    let ups = upstreams(s);
    // Alternating: never two failures in a row, but half of all calls fail.
    for i in 0..6 {
        let c = client(&ups, BUDGET);
        let _ = if i % 2 == 0 {
            c.get("/x").send().await
        } else {
            c.post("/y").send().await
        };
    }
    assert_eq!(circuit(&ups), CircuitState::Open);
}

#[tokio::test]
async fn client_errors_do_not_open_it() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(404))
        .mount(&server)
        .await;
    let mut s = settings(&server.uri());
    s.breaker.consecutive_failures = 2;
    let ups = upstreams(s);
    for _ in 0..5 {
        let err = client(&ups, BUDGET).get("/x").send().await.unwrap_err();
        assert_eq!(err.kind, UpstreamErrorKind::Status(404));
    }
    assert_eq!(circuit(&ups), CircuitState::Closed);
}

#[actix_web::test]
async fn readyz_shows_the_open_circuit_and_stays_ready() {
    let mut settings = Settings::default();
    // Nothing listens on port 9: every call is a connect error.
    let mut up = crate::upstream_kit::settings("http://127.0.0.1:9");
    up.breaker.consecutive_failures = 2;
    settings.upstreams.insert("dead".into(), up);
    let mut r = Registry::default();
    r.add("call.dead", |ctx: Ctx, _turn: Turn| async move {
        ctx.upstream("dead").get("/x").send().await?;
        Ok(Reply::text("unreachable"))
    })
    .fallback("dead fallback")
    .needs_upstream("dead");
    // Served on the main port to anyone, as the test scrapes it without a credential.
    settings.admin.auth = Some(intentful::auth::AuthMode::None { acknowledged: true });
    let server = spawn_with(settings, r.finish().expect("registry"));
    for _ in 0..3 {
        let resp: Value = http()
            .post(server.url("/webhook"))
            .json(&es_request("call.dead"))
            .send()
            .await
            .expect("response")
            .json()
            .await
            .expect("json");
        assert_eq!(resp["fulfillmentText"], "dead fallback");
    }
    let resp = http()
        .get(server.url("/readyz"))
        .send()
        .await
        .expect("readyz");
    assert_eq!(
        resp.status().as_u16(),
        200,
        "an open circuit is degraded, not unready"
    );
    let body: Value = resp.json().await.expect("json");
    assert_eq!(body["circuits"]["dead"], "open");
    assert_eq!(body["circuits"]["weather"], "closed");
    let metrics = http()
        .get(server.url("/metrics"))
        .send()
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    assert!(
        metrics
            .contains(r#"intentful_upstream_breaker_transitions_total{upstream="dead",to="open"}"#),
        "{metrics}"
    );
}

#[tokio::test]
async fn calls_cut_short_by_the_turns_budget_do_not_open_it() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_millis(400)))
        .mount(&server)
        .await;
    let mut s = settings(&server.uri());
    s.breaker.consecutive_failures = 2;
    let ups = upstreams(s);
    for _ in 0..4 {
        // 100 ms of upstream budget against a 2 s upstream timeout: the turn's limit, not the API's.
        let e = client(&ups, Duration::from_millis(250))
            .get("/late")
            .send()
            .await
            .expect_err("cut by the budget");
        assert_eq!(e.kind, UpstreamErrorKind::BudgetExhausted);
    }
    assert_eq!(circuit(&ups), CircuitState::Closed);
}
