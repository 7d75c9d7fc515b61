//! Retries against a real wiremock upstream: inside the budget only, `Retry-After` honoured,
//! idempotent calls only; and the concurrency limit, which waits only as long as the budget.

use std::time::{Duration, Instant};

use intentful::upstream::UpstreamErrorKind;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::upstream_kit::{client, settings, upstreams};

fn retrying(url: &str, attempts: u32, base_ms: u64) -> intentful::config::UpstreamSettings {
    let mut s = settings(url);
    s.retry.max_attempts = attempts;
    s.retry.base_ms = base_ms;
    s.retry.max_ms = 2_000;
    s.breaker.consecutive_failures = 0;
    s.breaker.failure_rate = 0.0;
    s
}

#[tokio::test]
async fn retries_never_push_the_reply_past_the_budget() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503).set_delay(Duration::from_millis(30)))
        .mount(&server)
        .await;
    let ups = upstreams(retrying(&server.uri(), 10, 100));
    let budget = Duration::from_millis(600);
    for _ in 0..5 {
        let started = Instant::now();
        let err = client(&ups, budget).get("/x").send().await.unwrap_err();
        let took = started.elapsed();
        assert_eq!(err.kind, UpstreamErrorKind::Status(503));
        // The upstream margin (150 ms) stays free for the handler to answer.
        assert!(took < budget - Duration::from_millis(150), "{took:?}");
    }
    let calls = server.received_requests().await.unwrap().len();
    assert!(
        calls > 5,
        "retried at least once per call, got {calls} requests"
    );
    let metrics = intentful::telemetry::metrics_handle().render();
    assert!(
        metrics.contains(r#"intentful_upstream_retries_total{upstream="api"}"#),
        "{metrics}"
    );
}

#[tokio::test]
async fn retry_after_longer_than_the_budget_is_not_retried() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "10"))
        .expect(1)
        .mount(&server)
        .await;
    let ups = upstreams(retrying(&server.uri(), 5, 10));
    let started = Instant::now();
    let err = client(&ups, Duration::from_secs(2))
        .get("/x")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.kind, UpstreamErrorKind::Status(429));
    assert!(
        started.elapsed() < Duration::from_millis(500),
        "gave up at once"
    );
    server.verify().await;
}

#[tokio::test]
async fn retry_after_inside_the_budget_is_honoured() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503).insert_header("retry-after", "1"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_string("ok"))
        .mount(&server)
        .await;
    let ups = upstreams(retrying(&server.uri(), 3, 10));
    let started = Instant::now();
    let body = client(&ups, Duration::from_secs(3))
        .get("/x")
        .send_text()
        .await
        .expect("second attempt");
    assert_eq!(body, "ok");
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "waited as told"
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn only_idempotent_calls_and_retryable_failures_are_retried() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/busy"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/broken"))
        .respond_with(ResponseTemplate::new(500))
        .mount(&server)
        .await;
    let ups = upstreams(retrying(&server.uri(), 3, 1));
    let budget = Duration::from_secs(3);
    let count = || async { server.received_requests().await.unwrap().len() };
    let _ = client(&ups, budget).post("/busy").send().await;
    assert_eq!(count().await, 1, "POST is not retried");
    let _ = client(&ups, budget).post("/busy").idempotent().send().await;
    assert_eq!(count().await, 4, "marked idempotent: 3 attempts");
    let _ = client(&ups, budget).get("/broken").send().await;
    assert_eq!(count().await, 5, "500 is not retryable");
}

#[tokio::test]
async fn connect_errors_are_retried_within_the_budget() {
    // Nothing listens on port 9.
    let ups = upstreams(retrying("http://127.0.0.1:9", 4, 50));
    let started = Instant::now();
    let err = client(&ups, Duration::from_millis(800))
        .get("/x")
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err.kind, UpstreamErrorKind::Connect(_)), "{err}");
    assert!(started.elapsed() < Duration::from_millis(650));
}

#[tokio::test]
async fn a_full_upstream_makes_callers_wait_only_as_long_as_their_budget() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_millis(800)))
        .mount(&server)
        .await;
    let mut s = settings(&server.uri());
    s.max_concurrency = 1;
    let ups = upstreams(s);
    let holder = {
        let c = client(&ups, Duration::from_secs(3));
        tokio::spawn(async move { c.get("/slow").send().await })
    };
    tokio::time::sleep(Duration::from_millis(50)).await;
    let started = Instant::now();
    let err = client(&ups, Duration::from_millis(400))
        .get("/slow")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.kind, UpstreamErrorKind::Saturated);
    assert!(started.elapsed() < Duration::from_millis(400 - 150 + 20));
    holder
        .await
        .expect("task")
        .expect("the first call completes");
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}
