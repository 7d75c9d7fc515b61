//! Recording (issue 17): calls to the real server, with wiremock upstreams, are written as
//! fixture cases that the fixture replay passes as they are; redaction leaves no original on
//! disk; a full queue or a failing disk never changes the answer; console JSON imports.

use std::path::{Path, PathBuf};
use std::time::Duration;

use intentful::config::Settings;
use intentful::fixtures::{self, ReplayOptions};
use intentful::intent::Registry;
use serde_json::{json, Value};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{client, spawn_on};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures");

fn read_json(p: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap()
}

/// A wiremock server answering what the hand-written case `case` stubs (leniently: method and
/// path only, any number of times).
pub async fn upstreams_of(case: &str) -> MockServer {
    let server = MockServer::start().await;
    mount_stubs(&server, case).await;
    server
}

/// Mounts on `server` what the hand-written case `case` stubs.
pub async fn mount_stubs(server: &MockServer, case: &str) {
    let file = Path::new(FIXTURES).join(format!("{case}.upstream.json"));
    let stubs = if file.exists() {
        read_json(&file)
    } else {
        json!([])
    };
    for s in stubs.as_array().unwrap() {
        let mut t = ResponseTemplate::new(s["status"].as_u64().unwrap_or(200) as u16);
        t = match &s["body"] {
            Value::Null => t,
            Value::String(text) => t.set_body_string(text.clone()),
            body => t.set_body_json(body.clone()),
        };
        let m = s["method"].as_str().unwrap_or("GET");
        let p = format!(
            "/{}{}",
            s["upstream"].as_str().unwrap(),
            s["path"].as_str().unwrap()
        );
        Mock::given(method(m))
            .and(path(p))
            .respond_with(t)
            .mount(server)
            .await;
    }
}

/// Settings that record into `dir`, every upstream below `upstream`.
fn recording(dir: &Path, upstream: &str) -> Settings {
    let mut s = crate::support::upstreams_at(upstream);
    s.record.dir = Some(dir.to_path_buf());
    s
}

/// Posts the hand-written case's request to a recording server; returns the answer.
async fn record_case(dir: &Path, case: &str, tweak: impl FnOnce(&mut Settings)) -> Value {
    let upstream = upstreams_of(case).await;
    let mut settings = recording(dir, &upstream.uri());
    tweak(&mut settings);
    let (server, state) = spawn_on("127.0.0.1", settings, Registry::builtin().unwrap());
    let body = std::fs::read(Path::new(FIXTURES).join(format!("{case}.request.json"))).unwrap();
    let resp = client()
        .post(server.url("/webhook"))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200, "{case}");
    let answer = resp.json().await.unwrap();
    for o in &state.observers {
        o.flush(Duration::from_secs(10));
    }
    answer
}

/// Every file under `dir`, recursively.
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() {
            out.extend(files(&p));
        } else {
            out.push(p);
        }
    }
    out.sort();
    out
}

/// Replays every case under `dir` as `intentful fixtures check dir` does; fails with the
/// reports of the cases that did not pass.
async fn replay_green(dir: &Path) -> usize {
    let cases = fixtures::discover(dir).unwrap();
    let opts = ReplayOptions::for_dir(dir).unwrap();
    let results = fixtures::replay_all(&cases, &opts).await;
    let failed: Vec<String> = results
        .iter()
        .filter(|r| !r.passed())
        .map(|r| r.report())
        .collect();
    assert!(failed.is_empty(), "{}", failed.join("\n"));
    results.len()
}

/// The counter `intentful_record_cases_total{result=...}` now.
fn recorded(result: &str) -> f64 {
    let text = intentful::telemetry::metrics_handle().render();
    let want = format!("intentful_record_cases_total{{result=\"{result}\"}}");
    text.lines()
        .find_map(|l| l.strip_prefix(&want))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0.0)
}

#[actix_web::test]
async fn recorded_calls_of_every_example_intent_replay_green_as_they_are() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        "welcome/en_greets",
        "welcome/cx_en_greets",
        "weather_current/tokyo_sunny",
        "weather_current/cx_tokyo_sunny",
        "weather_current/upstream_error_falls_back",
        "currency_convert/usd_to_eur",
        "currency_convert/cx_usd_to_eur",
        "booking_table/full_sentence_asks_to_confirm",
        "booking_table/confirm_books_and_fires_event",
    ];
    for case in cases {
        let answer = record_case(dir.path(), case, |s| {
            // The booking API wants an OAuth2 token: its exchange must stay off the disk.
            if let Some(up) = s.upstreams.get_mut("reservations") {
                up.auth = serde_json::from_value(json!({"kind": "oauth2",
                    "token_url": "/oauth/token", "client_id": "intentful-fixtures",
                    "client_secret": "fixture-secret", "scope": "bookings"}))
                .unwrap();
            }
        })
        .await;
        let golden = read_json(&Path::new(FIXTURES).join(format!("{case}.response.json")));
        assert_eq!(answer, golden, "{case}: recording changed the answer");
    }
    let all = files(dir.path());
    let requests: Vec<&PathBuf> = all
        .iter()
        .filter(|p| p.to_string_lossy().ends_with(".request.json"))
        .collect();
    assert_eq!(requests.len(), cases.len(), "{all:?}");
    // One directory per intent file; readable names: <intent>_<time>_<outcome>.
    for case in cases {
        let folder = case.split('/').next().unwrap();
        assert!(
            requests
                .iter()
                .any(|p| p.parent().unwrap().ends_with(folder)),
            "{folder}: {requests:?}"
        );
    }
    let name = |p: &PathBuf| p.file_name().unwrap().to_string_lossy().into_owned();
    assert!(requests
        .iter()
        .any(|p| name(p).starts_with("weather_current_")
            && name(p).ends_with("_fallback_error.request.json")));
    assert!(requests
        .iter()
        .any(|p| name(p).starts_with("input_welcome_") && name(p).ends_with("_ok.request.json")));
    // A CX call is recorded as CX.
    let cx = requests
        .iter()
        .filter(|p| read_json(p).get("fulfillmentInfo").is_some())
        .count();
    assert_eq!(cx, 3);
    for f in &all {
        let text = std::fs::read_to_string(f).unwrap();
        for secret in ["fixture-secret", "fixture-token", "authorization"] {
            assert!(
                !text.contains(secret),
                "{secret} in {}:\n{text}",
                f.display()
            );
        }
    }
    assert_eq!(replay_green(dir.path()).await, cases.len());
}

#[actix_web::test]
async fn redacted_values_appear_nowhere_under_the_recording_dir() {
    let email = "ann.lee@example.com";
    let phone = "+1 415-555-0100";
    let dir = tempfile::tempdir().unwrap();
    let upstream = upstreams_of("weather_current/tokyo_sunny").await;
    let mut settings = recording(dir.path(), &upstream.uri());
    settings.record.redact = vec![
        "$.queryResult.parameters.email".into(),
        "phone".into(),
        // Flows into the upstream query and the answer: replaced there the same way.
        "$.queryResult.parameters['geo-city']".into(),
    ];
    let (server, state) = spawn_on("127.0.0.1", settings, Registry::builtin().unwrap());
    let mut weather =
        read_json(&Path::new(FIXTURES).join("weather_current/tokyo_sunny.request.json"));
    let mut welcome = read_json(&Path::new(FIXTURES).join("welcome/en_greets.request.json"));
    for req in [&mut weather, &mut welcome] {
        req["queryResult"]["queryText"] = json!(format!("I am {email}, call {phone}"));
        req["queryResult"]["parameters"]["email"] = json!(email);
        req["queryResult"]["parameters"]["phone"] = json!(phone);
        req["queryResult"]["outputContexts"] = json!([{
            "name": format!("{}/contexts/contact", req["session"].as_str().unwrap()),
            "lifespanCount": 2,
            "parameters": {"email": email, "email.original": email, "phone.original": "415 555 0100"}
        }]);
    }
    let http = client();
    for req in [&weather, &welcome] {
        let resp = http
            .post(server.url("/webhook"))
            .json(req)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
    }
    for o in &state.observers {
        o.flush(Duration::from_secs(10));
    }
    let all = files(dir.path());
    assert_eq!(
        all.iter()
            .filter(|p| p.to_string_lossy().ends_with(".request.json"))
            .count(),
        2
    );
    let session = weather["session"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_string();
    for f in &all {
        let bytes = std::fs::read(f).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        for original in [email, phone, "415 555 0100", session.as_str()] {
            assert!(
                !text.contains(original),
                "{original} in {}:\n{text}",
                f.display()
            );
        }
        // The city is redacted where it was said: the welcome answer names it by itself.
        if f.to_string_lossy().contains("weather_current") {
            assert!(!text.contains("Tokyo"), "Tokyo in {}:\n{text}", f.display());
        }
    }
    assert_eq!(replay_green(dir.path()).await, 2);
}

#[actix_web::test]
async fn a_failing_disk_or_a_full_queue_drops_the_recording_never_the_answer() {
    let dir = tempfile::tempdir().unwrap();
    let rec = dir.path().join("rec");
    let upstream = MockServer::start().await;
    let mut settings = recording(&rec, &upstream.uri());
    settings.record.queue_bytes = 64 * 1024;
    let (server, state) = spawn_on("127.0.0.1", settings, Registry::builtin().unwrap());
    // The disk refuses from now on: the directory is a file.
    std::fs::remove_dir_all(&rec).unwrap();
    std::fs::write(&rec, "not a directory").unwrap();
    let request = read_json(&Path::new(FIXTURES).join("welcome/en_greets.request.json"));
    let golden = read_json(&Path::new(FIXTURES).join("welcome/en_greets.response.json"));
    let (failed, full) = (recorded("write_failed"), recorded("queue_full"));
    let http = client();
    let answer: Value = http
        .post(server.url("/webhook"))
        .json(&request)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(answer, golden);
    for o in &state.observers {
        o.flush(Duration::from_secs(10));
    }
    assert!(
        recorded("write_failed") >= failed + 1.0,
        "{}",
        intentful::telemetry::metrics_handle().render()
    );
    // A call larger than the whole queue is not queued at all.
    let mut big = request.clone();
    big["queryResult"]["parameters"]["blob"] = json!("x".repeat(100 * 1024));
    let resp = http
        .post(server.url("/webhook"))
        .json(&big)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let answer: Value = resp.json().await.unwrap();
    assert_eq!(answer, golden);
    assert!(recorded("queue_full") >= full + 1.0);
}

#[actix_web::test]
async fn console_json_of_es_and_cx_imports_as_cases_that_replay() {
    use intentful::fixtures::{import, ImportOptions};
    let dir = tempfile::tempdir().unwrap();
    let opts = |live: bool, tag: Option<&str>| ImportOptions {
        live,
        out: dir.path().to_path_buf(),
        tag: tag.map(str::to_string),
    };
    // ES "Diagnostic info": the raw API response of a welcome turn (no session of its own).
    let es = json!({
        "responseId": "2e1bd3c5-0c4f-4a55-a3b7-1f6c2b9d8e01-e15c53b8",
        "queryResult": {
            "queryText": "hi", "action": "input.welcome", "parameters": {},
            "allRequiredParamsPresent": true, "languageCode": "en",
            "fulfillmentText": "Hello!", "fulfillmentMessages": [{"text": {"text": ["Hello!"]}}],
            "outputContexts": [{"name": "projects/demo/agent/sessions/7f4e2a/contexts/__system_counters__",
                "parameters": {"no-input": 0.0, "no-match": 0.0}}],
            "intent": {"name": "projects/demo/agent/intents/1", "displayName": "Default Welcome Intent"},
            "intentDetectionConfidence": 1.0,
            "webhookPayload": {}, "diagnosticInfo": {"webhook_latency_ms": 12.0}
        },
        "webhookStatus": {"message": "Webhook execution successful"}
    });
    let done = import(
        Settings::default(),
        es.to_string().as_bytes(),
        &opts(false, None),
    )
    .await
    .unwrap();
    assert!(done.complete, "{}", done.report());
    assert!(done.request.parent().unwrap().ends_with("welcome"));
    // CX simulator: weather in Tokyo, its upstreams called live (here, wiremock) for the stubs.
    let upstream = upstreams_of("weather_current/cx_tokyo_sunny").await;
    let cx = json!({
        "responseId": "0d5b6f07-8a4b-4c36-9a0b-6f1e2c3d4b5a",
        "queryResult": {
            "text": "What's the weather in Tokyo?", "languageCode": "en",
            "parameters": {"geo-city": "Tokyo"},
            "currentPage": {"name": "projects/demo/locations/global/agents/a1/flows/00000000-0000-0000-0000-000000000000/pages/START_PAGE", "displayName": "Start Page"},
            "intent": {"name": "projects/demo/locations/global/agents/a1/intents/w1", "displayName": "weather"},
            "intentDetectionConfidence": 0.97,
            "match": {"matchType": "INTENT", "confidence": 0.97}
        }
    });
    let live = crate::support::upstreams_at(&upstream.uri());
    let done = import(
        live.clone(),
        cx.to_string().as_bytes(),
        &opts(true, Some("weather.current")),
    )
    .await
    .unwrap();
    assert!(done.complete);
    assert_eq!(done.upstreams, ["geocoding", "weather"]);
    assert!(read_json(&done.request).get("fulfillmentInfo").is_some());
    // Without --live, a handler that calls upstreams gets its request written, nothing else.
    let weather_es =
        read_json(&Path::new(FIXTURES).join("weather_current/tokyo_sunny.request.json"));
    let partial = import(live, weather_es.to_string().as_bytes(), &opts(false, None))
        .await
        .unwrap();
    assert!(
        !partial.complete && partial.report().contains("--live"),
        "{}",
        partial.report()
    );
    std::fs::remove_file(&partial.request).unwrap();
    assert_eq!(replay_green(dir.path()).await, 2);
}
