//! The per-call trace (issue 17): stages and upstream exchanges of an observed call, captured at
//! the upstream layer; no trace at all when nobody observes calls.

use std::sync::Arc;

use intentful::intent::Registry;
use intentful::protocol::Reply;
use intentful::trace::CacheUse;
use serde_json::Value;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{client, es_request, spawn_observed, upstreams_at, Collect};

fn weather_request() -> Value {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/weather_current/tokyo_sunny.request.json"
    ))
    .unwrap();
    serde_json::from_str(&text).unwrap()
}

async fn weather_upstreams(server: &MockServer) {
    Mock::given(method("GET"))
        .and(path("/geocoding/v1/search"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "results": [{"name": "Tokyo", "latitude": 35.6895, "longitude": 139.69171}]
        })))
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path("/weather/v1/forecast"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "current": {"temperature_2m": 14.3, "weather_code": 0, "wind_speed_10m": 7.9}
        })))
        .mount(server)
        .await;
}

#[actix_web::test]
async fn an_observed_call_has_its_stages_and_upstream_exchanges() {
    let upstream = MockServer::start().await;
    // The lookup fails once: the retry is an exchange of its own.
    Mock::given(method("GET"))
        .and(path("/geocoding/v1/search"))
        .respond_with(ResponseTemplate::new(502))
        .up_to_n_times(1)
        .mount(&upstream)
        .await;
    weather_upstreams(&upstream).await;
    let seen = Arc::new(Collect::default());
    let (server, _) = spawn_observed(
        upstreams_at(&upstream.uri()),
        Registry::builtin().unwrap(),
        vec![seen.clone()],
    );
    let http = client();
    for _ in 0..2 {
        let resp = http
            .post(server.url("/webhook"))
            .json(&weather_request())
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
    }
    let calls = seen.calls();
    assert_eq!(calls.len(), 2);
    let first = &calls[0];
    assert_eq!(first.intent.as_deref(), Some("weather.current"));
    assert!(first.intent_file.unwrap().ends_with("weather_current.rs"));
    assert_eq!((first.outcome, first.status), ("ok", 200));
    let answer: Value = serde_json::from_slice(&first.response).unwrap();
    assert!(answer["fulfillmentText"]
        .as_str()
        .unwrap()
        .contains("Tokyo"));
    assert_eq!(
        first.turn.as_ref().unwrap()["parameters"]["geo-city"],
        "Tokyo"
    );
    let stages: Vec<&str> = first.trace.stages.iter().map(|s| s.name).collect();
    assert_eq!(stages, ["auth", "body", "parse", "handler", "render"]);
    assert!(first.trace.budget > std::time::Duration::from_secs(1));
    let ex = &first.trace.exchanges;
    let summary: Vec<(&str, Option<u16>, u32, CacheUse)> = ex
        .iter()
        .map(|e| (e.upstream.as_str(), e.status, e.attempt, e.cache))
        .collect();
    assert_eq!(
        summary,
        [
            ("geocoding", Some(502), 1, CacheUse::Miss),
            ("geocoding", Some(200), 2, CacheUse::Miss),
            ("weather", Some(200), 1, CacheUse::Miss),
        ]
    );
    assert_eq!(ex[1].path, "/v1/search");
    assert!(ex[1].query.as_deref().unwrap().contains("name=Tokyo"));
    assert!(ex[1].response_body.contains("35.6895"));
    assert_eq!(ex[1].breaker, "closed");
    let handler = &first.trace.stages[3];
    assert!(ex.iter().all(|e| e.start_us >= handler.start_us));
    // The same question again: both answers come from the cache, with no request of their own.
    let again: Vec<(Option<u16>, u32, CacheUse)> = calls[1]
        .trace
        .exchanges
        .iter()
        .map(|e| (e.status, e.attempt, e.cache))
        .collect();
    assert_eq!(
        again,
        [(Some(200), 0, CacheUse::Hit), (Some(200), 0, CacheUse::Hit)]
    );
}

#[actix_web::test]
async fn without_observers_a_call_has_no_trace() {
    let registry = || {
        let mut r = Registry::default();
        r.add("probe", |_ctx, _turn| async {
            let traced = intentful::trace::current().is_some();
            Ok(Reply::text(if traced { "traced" } else { "untraced" }))
        });
        r.finish().unwrap()
    };
    let http = client();
    for (observers, want) in [
        (Vec::new(), "untraced"),
        (
            vec![Arc::new(Collect::default()) as Arc<dyn intentful::trace::CallObserver>],
            "traced",
        ),
    ] {
        let (server, _) = spawn_observed(Default::default(), registry(), observers);
        let answer: Value = http
            .post(server.url("/webhook/es"))
            .json(&es_request("probe"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(answer["fulfillmentText"], want);
    }
}

#[actix_web::test]
async fn a_refused_call_is_observed_with_its_error() {
    let seen = Arc::new(Collect::default());
    let (server, _) = spawn_observed(
        Default::default(),
        Registry::builtin().unwrap(),
        vec![seen.clone()],
    );
    let resp = client()
        .post(server.url("/webhook"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    let calls = seen.calls();
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].status, 400);
    assert_eq!(calls[0].outcome, "malformed_json");
    assert_eq!(&calls[0].request[..], b"{not json");
    let body: Value = serde_json::from_slice(&calls[0].response).unwrap();
    assert_eq!(body["error"]["code"], "malformed_json");
}
