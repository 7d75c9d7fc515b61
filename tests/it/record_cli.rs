//! Recording from the command line (issue 17), as a new user would: `intentful serve --record
//! DIR` against stub upstreams, stop it, `intentful fixtures check DIR`: all green, no edits.
//! And `intentful fixtures import` of console JSON, checked the same way.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use serde_json::Value;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{binary, client, exit_within, listening, sigterm, Running};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures");

fn request(case: &str) -> Value {
    let bytes = std::fs::read(Path::new(FIXTURES).join(format!("{case}.request.json"))).unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

/// `intentful fixtures check DIR`, with the developer's settings kept out.
fn check(dir: &Path) -> std::process::Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_intentful"));
    cmd.current_dir(std::env::temp_dir())
        .env("INTENTFUL_LOG__LEVEL", "error")
        .args(["fixtures", "check"])
        .arg(dir);
    cmd.output().unwrap()
}

#[actix_web::test]
async fn serve_record_then_fixtures_check_is_green() {
    let upstream = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/geocoding/v1/search"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "results": [{"name": "Tokyo", "latitude": 35.6895, "longitude": 139.69171}]})))
        .mount(&upstream)
        .await;
    Mock::given(method("GET"))
        .and(path("/weather/v1/forecast"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "current": {"temperature_2m": 14.3, "weather_code": 0, "wind_speed_10m": 7.9}})))
        .mount(&upstream)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let rec = dir.path().join("recorded");
    let mut cmd = binary();
    cmd.arg("serve").arg("--record").arg(&rec);
    for name in ["geocoding", "weather"] {
        cmd.env(
            format!("INTENTFUL_UPSTREAMS__{}__BASE_URL", name.to_uppercase()),
            format!("{}/{name}", upstream.uri()),
        );
    }
    let mut child = Running(cmd.spawn().unwrap());
    let (addr, _, _rest) = listening(&mut child.0);
    let http = client();
    for case in [
        "welcome/en_greets",
        "weather_current/tokyo_sunny",
        "weather_current/cx_tokyo_sunny",
    ] {
        let resp = http
            .post(format!("http://{addr}/webhook"))
            .json(&request(case))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
    }
    sigterm(&child.0);
    let exit = exit_within(&mut child.0, Duration::from_secs(15)).expect("stopped");
    assert!(exit.success());
    let out = check(&rec);
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{report}");
    assert!(report.contains("fixtures: 3 passed, 0 failed"), "{report}");
}

#[test]
fn fixtures_import_of_console_json_then_check_is_green() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("diagnostic-info.json");
    // As copied from the ES console's "Diagnostic info": the fulfillment request, wrapped.
    let wrapped =
        serde_json::json!({"fulfillmentRequest": request("welcome/ja_greets_in_japanese")});
    std::fs::write(&file, wrapped.to_string()).unwrap();
    let out_dir = dir.path().join("cases");
    let out = Command::new(env!("CARGO_BIN_EXE_intentful"))
        .current_dir(std::env::temp_dir())
        .env("INTENTFUL_LOG__LEVEL", "error")
        .args(["fixtures", "import"])
        .arg(&file)
        .arg("--out")
        .arg(&out_dir)
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{said}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(said.contains("welcome"), "{said}");
    let out = check(&out_dir);
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{report}");
    assert!(report.contains("fixtures: 1 passed, 0 failed"), "{report}");
}
