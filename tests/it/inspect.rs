//! The inspector page (issue 17): its own listener and credential, the last calls newest first
//! with filters, a call's page with its timeline, "Save as fixture" writing a case the replay
//! passes, "Replay" answering the diff, and JSON errors.

use std::path::Path;

use intentful::auth::AuthMode;
use intentful::config::Settings;
use intentful::fixtures::{self, ReplayOptions};
use intentful::intent::Registry;
use intentful::secret::Secret;
use serde_json::Value;

use crate::record::{mount_stubs, upstreams_of};
use crate::support::{client, spawn_on, TestServer};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures");
const TOKEN: &str = "Bearer inspector-token-0123456789";

/// The server with the inspector on (bearer `TOKEN`, saving into `save`), upstreams below
/// `upstream`; returns the server and the inspector's base URL.
pub fn inspected(upstream: &str, save: &Path, capacity: usize) -> (TestServer, String) {
    let mut settings: Settings = crate::support::upstreams_at(upstream);
    settings.inspect.enabled = true;
    settings.inspect.port = 0;
    settings.inspect.capacity = capacity;
    settings.inspect.save_dir = Some(save.to_path_buf());
    settings.inspect.auth = Some(AuthMode::Header {
        name: "authorization".into(),
        values: vec![Secret::new(TOKEN)],
    });
    let (server, state) = spawn_on("127.0.0.1", settings, Registry::builtin().unwrap());
    let addr = state.inspector.as_ref().unwrap().addr().unwrap();
    (server, format!("http://{addr}"))
}

pub async fn post_case(server: &TestServer, case: &str) -> Value {
    let body = std::fs::read(Path::new(FIXTURES).join(format!("{case}.request.json"))).unwrap();
    let resp = client()
        .post(server.url("/webhook"))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    resp.json().await.unwrap()
}

async fn get(url: &str, auth: bool) -> reqwest::Response {
    let mut req = client().get(url);
    if auth {
        req = req.header("authorization", TOKEN);
    }
    req.send().await.unwrap()
}

/// A button's POST, with the inspector's credential.
async fn post_json(url: &str) -> Value {
    let resp = client()
        .post(url)
        .header("authorization", TOKEN)
        .send()
        .await
        .unwrap();
    resp.json().await.unwrap()
}

async fn calls(base: &str, query: &str) -> Vec<Value> {
    let list: Value = get(&format!("{base}/inspect/api/calls{query}"), true)
        .await
        .json()
        .await
        .unwrap();
    list["calls"].as_array().unwrap().clone()
}

#[actix_web::test]
async fn the_inspector_needs_its_credential_and_lives_on_its_own_port() {
    let up = upstreams_of("welcome/en_greets").await;
    let save = tempfile::tempdir().unwrap();
    let (server, base) = inspected(&up.uri(), save.path(), 10);
    for path in ["/inspect", "/inspect/api/calls", "/inspect/events"] {
        let refused = get(&format!("{base}{path}"), false).await;
        assert_eq!(refused.status(), 401, "{path}");
        let body: Value = refused.json().await.unwrap();
        assert_eq!(body["error"]["code"], "unauthorized");
        assert_eq!(
            get(&format!("{base}{path}"), true).await.status(),
            200,
            "{path}"
        );
    }
    // Nothing of it on the webhook port.
    assert_eq!(get(&server.url("/inspect"), true).await.status(), 404);
    // Unknown paths and calls are JSON 404s.
    let unknown = get(&format!("{base}/inspect/calls/nope"), true).await;
    assert_eq!(unknown.status(), 404);
    let body: Value = unknown.json().await.unwrap();
    assert_eq!(body["error"]["code"], "not_found");
    let elsewhere = get(&format!("{base}/webhook"), true).await;
    assert_eq!(elsewhere.status(), 404);
}

#[actix_web::test]
async fn the_list_keeps_the_last_calls_newest_first_and_filters() {
    let up = upstreams_of("weather_current/tokyo_sunny").await;
    let save = tempfile::tempdir().unwrap();
    let (server, base) = inspected(&up.uri(), save.path(), 3);
    post_case(&server, "welcome/en_greets").await;
    post_case(&server, "weather_current/tokyo_sunny").await;
    post_case(&server, "welcome/en_greets").await;
    post_case(&server, "weather_current/tokyo_sunny").await;
    let all = calls(&base, "").await;
    assert_eq!(all.len(), 3, "capacity 3: the oldest is forgotten");
    let intents: Vec<&str> = all.iter().map(|c| c["intent"].as_str().unwrap()).collect();
    assert_eq!(intents[0], "weather.current", "newest first: {intents:?}");
    assert_eq!(intents[1], "input.welcome", "{intents:?}");
    let weather = calls(&base, "?intent=weather.current").await;
    assert!(!weather.is_empty() && weather.iter().all(|c| c["intent"] == "weather.current"));
    assert!(calls(&base, "?outcome=fallback_deadline").await.is_empty());
    // The HTML list shows the same rows.
    let html = get(&format!("{base}/inspect?intent=weather.current"), true)
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("<td>weather.current</td>") && !html.contains("<td>input.welcome</td>"),
        "{html}"
    );
}

#[actix_web::test]
async fn a_call_page_shows_the_timeline_and_saving_writes_a_case_that_replays() {
    let up = upstreams_of("weather_current/tokyo_sunny").await;
    let save = tempfile::tempdir().unwrap();
    let (server, base) = inspected(&up.uri(), save.path(), 10);
    post_case(&server, "weather_current/tokyo_sunny").await;
    let id = calls(&base, "").await[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let page = get(&format!("{base}/inspect/calls/{id}"), true)
        .await
        .text()
        .await
        .unwrap();
    for part in [
        "class=\"waterfall\"",
        "line deadline",
        "line margin",
        "bar stage",
        "bar upstream",
        "geocoding GET",
        "weather GET",
        "cache ",
        "breaker closed",
        "queryResult",
        "fulfillmentText",
        "Save as fixture",
        "Replay",
    ] {
        assert!(page.contains(part), "no `{part}` in the call page");
    }

    let saved: Value = post_json(&format!("{base}/inspect/calls/{id}/save")).await;
    let written = saved["written"].as_str().expect("a path");
    assert!(Path::new(written).exists() && written.ends_with(".request.json"));
    let cases = fixtures::discover(save.path()).unwrap();
    let opts = ReplayOptions::for_dir(save.path()).unwrap();
    let results = fixtures::replay_all(&cases, &opts).await;
    assert!(!results.is_empty());
    for r in &results {
        assert!(r.passed(), "{}", r.report());
    }

    let replayed: Value = post_json(&format!("{base}/inspect/calls/{id}/replay")).await;
    assert_eq!(replayed["outcome"], "ok");
    assert_eq!(replayed["same"], true, "{replayed}");
}

#[actix_web::test]
async fn replay_shows_what_changed_when_the_upstream_did() {
    // First without the upstreams' answers: the call gets its fallback.
    let up = wiremock::MockServer::start().await;
    let save = tempfile::tempdir().unwrap();
    let (server, base) = inspected(&up.uri(), save.path(), 10);
    post_case(&server, "weather_current/tokyo_sunny").await;
    let first = calls(&base, "").await[0].clone();
    assert_ne!(first["outcome"], "ok", "{first}");
    // The upstreams answer now: the replay goes to them and shows the new answer.
    mount_stubs(&up, "weather_current/tokyo_sunny").await;
    let id = first["id"].as_str().unwrap();
    let replayed: Value = post_json(&format!("{base}/inspect/calls/{id}/replay")).await;
    assert_eq!(replayed["outcome"], "ok", "{replayed}");
    assert_eq!(replayed["same"], false);
    assert!(
        replayed["diff"]
            .as_str()
            .is_some_and(|d| d.contains("Tokyo")),
        "{replayed}"
    );
}
