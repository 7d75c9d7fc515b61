//! Google's key set when it is not there yet: fetched at start-up in the background (retried
//! with backoff until it comes), and while none is cached a call is never turned away by the
//! refresh limit: the first call after the key endpoint recovers is accepted.

use std::time::{Duration, Instant};

use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::auth::{body, call, certs, good_claims, google_mode, serve, token, KEY};

fn bearer() -> Vec<(&'static str, String)> {
    vec![(
        "authorization",
        format!("Bearer {}", token(good_claims(), "test-kid-1", KEY)),
    )]
}

async fn fetches(jwks: &MockServer) -> usize {
    jwks.received_requests().await.map_or(0, |r| r.len())
}

/// Waits until the key endpoint has seen `n` requests, for at most `limit`.
async fn until_fetched(jwks: &MockServer, n: usize, limit: Duration) -> bool {
    let since = Instant::now();
    while since.elapsed() < limit {
        if fetches(jwks).await >= n {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    false
}

#[actix_web::test]
async fn a_call_after_the_key_endpoint_recovers_is_accepted_at_once() {
    let jwks = MockServer::start().await;
    Mock::given(path("/certs"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&jwks)
        .await;
    // The unknown-kid refresh limit is 30 s, as by default: it must not apply with no keys.
    let (server, calls) = serve(google_mode(format!("{}/certs", jwks.uri()), 30));
    let (status, json) = call(&server, &bearer(), &body()).await;
    assert_eq!(
        (status, json["error"]["code"].as_str()),
        (503, Some("unavailable"))
    );

    jwks.reset().await;
    Mock::given(path("/certs"))
        .respond_with(certs(3600))
        .mount(&jwks)
        .await;
    let (status, json) = call(&server, &bearer(), &body()).await;
    assert_eq!(status, 200, "the first call after recovery: {json}");
    assert_eq!(calls.load(std::sync::atomic::Ordering::SeqCst), 1);
}

#[actix_web::test]
async fn keys_are_fetched_at_start_up_before_any_call() {
    let jwks = MockServer::start().await;
    Mock::given(path("/certs"))
        .respond_with(certs(3600))
        .mount(&jwks)
        .await;
    let (server, _calls) = serve(google_mode(format!("{}/certs", jwks.uri()), 30));
    assert!(
        until_fetched(&jwks, 1, Duration::from_secs(5)).await,
        "no start-up fetch"
    );
    assert_eq!(call(&server, &bearer(), &body()).await.0, 200);
    assert_eq!(fetches(&jwks).await, 1, "the call found the keys cached");
}

#[actix_web::test]
async fn the_start_up_fetch_retries_until_the_keys_come() {
    let jwks = MockServer::start().await;
    Mock::given(path("/certs"))
        .respond_with(ResponseTemplate::new(500))
        .up_to_n_times(2)
        .with_priority(1)
        .mount(&jwks)
        .await;
    Mock::given(path("/certs"))
        .respond_with(certs(3600))
        .with_priority(2)
        .mount(&jwks)
        .await;
    let started = Instant::now();
    let (server, _calls) = serve(google_mode(format!("{}/certs", jwks.uri()), 30));
    // Two failures, then backoffs of at most 0.5 s and 1 s: the third fetch comes well
    // within 5 s, with no call to drive it.
    assert!(
        until_fetched(&jwks, 3, Duration::from_secs(5)).await,
        "the start-up fetch gave up after {} tries",
        fetches(&jwks).await
    );
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(250 + 500),
        "retried without backing off: three fetches in {waited:?}"
    );
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(call(&server, &bearer(), &body()).await.0, 200);
    assert_eq!(fetches(&jwks).await, 3, "no fetch after the keys came");
}
