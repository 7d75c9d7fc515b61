//! The opt-in response cache against a real wiremock upstream: single flight, hits, `Vary`,
//! and stale entries standing in for a failing upstream.

use std::time::Duration;

use intentful::upstream::UpstreamErrorKind;
use serde_json::{json, Value};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::upstream_kit::{client, settings, upstreams};

const BUDGET: Duration = Duration::from_secs(4);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hundred_identical_calls_in_flight_make_one_request() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/latest"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"rate": 0.92}))
                .set_delay(Duration::from_millis(300)),
        )
        .expect(1)
        .mount(&server)
        .await;
    let ups = upstreams(settings(&server.uri()));
    let calls: Vec<_> = (0..100)
        .map(|_| {
            let c = client(&ups, BUDGET);
            tokio::spawn(async move {
                c.get("/latest")
                    .query(&[("from", "USD"), ("to", "EUR")])
                    .cache(Duration::from_secs(60))
                    .send_json::<Value>()
                    .await
            })
        })
        .collect();
    for call in calls {
        let v = call.await.expect("task").expect("answer");
        assert_eq!(v["rate"], 0.92);
    }
    // A later call is a hit, not a request.
    let v: Value = client(&ups, BUDGET)
        .get("/latest")
        .query(&[("from", "USD"), ("to", "EUR")])
        .cache(Duration::from_secs(60))
        .send_json()
        .await
        .expect("hit");
    assert_eq!(v["rate"], 0.92);
    server.verify().await;
}

#[tokio::test]
async fn key_has_query_and_varying_headers_and_uncached_calls_always_go_out() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"ok": true})))
        .mount(&server)
        .await;
    let ups = upstreams(settings(&server.uri()));
    let call = |q: &'static str, lang: &'static str| {
        let c = client(&ups, BUDGET);
        async move {
            c.get("/v")
                .query(&[("q", q)])
                .header("accept-language", lang)
                .cache(Duration::from_secs(60))
                .vary(&["accept-language"])
                .send()
                .await
                .expect("answer")
        }
    };
    call("a", "en").await;
    call("a", "en").await;
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
    call("b", "en").await;
    call("a", "ja").await;
    assert_eq!(server.received_requests().await.unwrap().len(), 3);
    client(&ups, BUDGET)
        .get("/v")
        .send()
        .await
        .expect("uncached");
    client(&ups, BUDGET)
        .get("/v")
        .send()
        .await
        .expect("uncached");
    assert_eq!(server.received_requests().await.unwrap().len(), 5);
}

#[tokio::test]
async fn response_vary_separates_entries() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("vary", "Accept-Language")
                .set_body_string("hi"),
        )
        .mount(&server)
        .await;
    let ups = upstreams(settings(&server.uri()));
    for lang in ["en", "en", "ja", "ja"] {
        client(&ups, BUDGET)
            .get("/greeting")
            .header("accept-language", lang)
            .cache(Duration::from_secs(60))
            .send()
            .await
            .expect("answer");
    }
    // en (miss), en (hit), ja (the en entry does not match: miss), ja (hit).
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn stale_entry_answers_when_the_upstream_fails_only_if_allowed() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"temp": 21})))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let ups = upstreams(settings(&server.uri()));
    let ttl = Duration::from_millis(50);
    let first: Value = client(&ups, BUDGET)
        .get("/now")
        .cache(ttl)
        .stale_on_error(Duration::from_secs(30))
        .send_json()
        .await
        .expect("fresh");
    tokio::time::sleep(Duration::from_millis(80)).await;
    let stale: Value = client(&ups, BUDGET)
        .get("/now")
        .cache(ttl)
        .stale_on_error(Duration::from_secs(30))
        .send_json()
        .await
        .expect("stale stands in");
    assert_eq!(first, stale);
    let err = client(&ups, BUDGET)
        .get("/now")
        .cache(ttl)
        .send()
        .await
        .expect_err("without stale_on_error the failure shows");
    assert_eq!(err.kind, UpstreamErrorKind::Status(503));
    let err = client(&ups, BUDGET)
        .get("/now")
        .cache(ttl)
        .stale_on_error(Duration::from_millis(1))
        .send()
        .await
        .expect_err("too stale for this call");
    assert_eq!(err.kind, UpstreamErrorKind::Status(503));
}

/// The example intents opt in: a second user asking about Tokyo within five minutes costs no
/// upstream call.
#[actix_web::test]
async fn weather_intent_answers_repeat_questions_from_the_cache() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/geocoding/v1/search"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"results": [
            {"name": "Tokyo", "latitude": 35.6895, "longitude": 139.69171}
        ]})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/weather/v1/forecast"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "current": {"temperature_2m": 18.0, "weather_code": 0, "wind_speed_10m": 5.0}
        })))
        .expect(1)
        .mount(&server)
        .await;
    let mut settings = intentful::config::Settings::default();
    for name in ["geocoding", "weather"] {
        let up = settings.upstreams.get_mut(name).expect("built-in upstream");
        up.base_url = format!("{}/{name}", server.uri()).parse().expect("url");
    }
    let app = crate::support::spawn_with(
        settings,
        intentful::intent::Registry::builtin().expect("registry"),
    );
    let request =
        std::fs::read("fixtures/weather_current/tokyo_sunny.request.json").expect("fixture");
    let mut answers = Vec::new();
    for _ in 0..2 {
        let body: Value = crate::support::client()
            .post(app.url("/webhook"))
            .header("content-type", "application/json")
            .body(request.clone())
            .send()
            .await
            .expect("response")
            .json()
            .await
            .expect("json");
        answers.push(
            body["fulfillmentText"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
        );
    }
    assert!(answers[0].contains("18°C"), "{answers:?}");
    assert_eq!(answers[0], answers[1]);
    server.verify().await;
    let metrics = intentful::telemetry::metrics_handle().render();
    for result in ["hit", "miss"] {
        let series =
            format!(r#"intentful_upstream_cache_total{{upstream="weather",result="{result}"}}"#);
        assert!(metrics.contains(&series), "{series} in {metrics}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn waiters_never_receive_a_response_that_varies_on_headers_they_do_not_share() {
    let server = MockServer::start().await;
    for user in ["alice", "bob"] {
        Mock::given(method("GET"))
            .and(wiremock::matchers::header("x-user", user))
            .respond_with(
                ResponseTemplate::new(200)
                    .insert_header("vary", "X-User")
                    .set_body_string(format!("data of {user}"))
                    .set_delay(Duration::from_millis(200)),
            )
            .mount(&server)
            .await;
    }
    let ups = upstreams(settings(&server.uri()));
    let calls: Vec<_> = ["alice", "bob", "alice", "bob"]
        .into_iter()
        .map(|user| {
            let c = client(&ups, BUDGET);
            tokio::spawn(async move {
                let body = c
                    .get("/profile")
                    .header("x-user", user)
                    .cache(Duration::from_secs(60))
                    .send_text()
                    .await
                    .expect("answer");
                (user, body)
            })
        })
        .collect();
    for call in calls {
        let (user, body) = call.await.expect("task");
        assert_eq!(
            body,
            format!("data of {user}"),
            "{user} got another user's data"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_leader_out_of_budget_does_not_fail_the_waiters_of_its_flight() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_string("slow but fine")
                .set_delay(Duration::from_millis(500)),
        )
        .mount(&server)
        .await;
    let ups = upstreams(settings(&server.uri()));
    // The leader has 150 ms of upstream budget (300 ms − the 150 ms margin); the waiter has plenty.
    let leader = client(&ups, Duration::from_millis(300));
    let leader = tokio::spawn(async move {
        leader
            .get("/slow")
            .cache(Duration::from_secs(60))
            .send_text()
            .await
    });
    tokio::time::sleep(Duration::from_millis(20)).await;
    let waiter = client(&ups, BUDGET);
    let waited = waiter
        .get("/slow")
        .cache(Duration::from_secs(60))
        .send_text()
        .await;
    let led = leader.await.expect("task");
    assert_eq!(
        led.expect_err("the leader's own budget ran out").kind,
        UpstreamErrorKind::BudgetExhausted
    );
    assert_eq!(
        waited.expect("the waiter fetched with its own budget"),
        "slow but fine"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_waiter_keeps_its_own_deadline_behind_a_slower_leader() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_string("slow")
                .set_delay(Duration::from_millis(1_000)),
        )
        .mount(&server)
        .await;
    let ups = upstreams(settings(&server.uri()));
    let leader = client(&ups, BUDGET);
    let leader = tokio::spawn(async move {
        leader
            .get("/slow")
            .cache(Duration::from_secs(60))
            .send_text()
            .await
    });
    tokio::time::sleep(Duration::from_millis(20)).await;
    // 300 ms − the 150 ms margin: the waiter gives up after 150 ms, not with the leader.
    let started = std::time::Instant::now();
    let waited = client(&ups, Duration::from_millis(300))
        .get("/slow")
        .cache(Duration::from_secs(60))
        .send_text()
        .await;
    assert_eq!(
        waited.expect_err("out of budget").kind,
        UpstreamErrorKind::BudgetExhausted
    );
    assert!(
        started.elapsed() < Duration::from_millis(600),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(leader.await.expect("task").expect("leader"), "slow");
}
