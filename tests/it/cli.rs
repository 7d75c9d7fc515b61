//! The `intentful` command: `fulfill`, `fixtures check`, and start-up refusing bad settings.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn bin() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_intentful"));
    // Keep the developer's own intentful.toml and INTENTFUL_* out of the test.
    cmd.current_dir(std::env::temp_dir()).env_remove("PORT");
    for (key, _) in std::env::vars().filter(|(k, _)| k.starts_with("INTENTFUL_")) {
        cmd.env_remove(key);
    }
    cmd.env("INTENTFUL_LOG__LEVEL", "error");
    cmd
}

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

fn read_json(p: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(p).expect("file")).expect("json")
}

#[test]
fn fulfill_prints_the_golden_response() {
    let out = bin()
        .args([
            "fulfill",
            fixtures()
                .join("welcome/en_greets.request.json")
                .to_str()
                .expect("path"),
        ])
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let printed: Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    assert_eq!(
        printed,
        read_json(&fixtures().join("welcome/en_greets.response.json"))
    );
}

#[test]
fn fixtures_check_passes_and_reports_a_diff_when_golden_changes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let case_dir = dir.path().join("welcome");
    std::fs::create_dir(&case_dir).expect("mkdir");
    for f in ["en_greets.request.json", "en_greets.response.json"] {
        std::fs::copy(fixtures().join("welcome").join(f), case_dir.join(f)).expect("copy");
    }
    let ok = bin()
        .args(["fixtures", "check"])
        .arg(dir.path())
        .output()
        .expect("run");
    let stdout = String::from_utf8_lossy(&ok.stdout);
    assert!(ok.status.success(), "{stdout}");
    assert!(stdout.contains("fixtures: 1 passed, 0 failed"), "{stdout}");

    std::fs::write(
        case_dir.join("en_greets.response.json"),
        r#"{"fulfillmentText": "old"}"#,
    )
    .expect("write");
    let bad = bin()
        .args(["fixtures", "check"])
        .arg(dir.path())
        .output()
        .expect("run");
    let stdout = String::from_utf8_lossy(&bad.stdout);
    assert!(!bad.status.success());
    assert!(
        stdout.contains("FAIL welcome/en_greets")
            && stdout.contains("-  \"fulfillmentText\": \"old\""),
        "{stdout}"
    );

    let blessed = bin()
        .args(["fixtures", "check", "--bless"])
        .arg(dir.path())
        .output()
        .expect("run");
    assert!(blessed.status.success());
    assert_eq!(
        read_json(&case_dir.join("en_greets.response.json")),
        read_json(&fixtures().join("welcome/en_greets.response.json"))
    );
}

#[test]
fn a_bad_setting_stops_start_up_naming_the_key() {
    let out = bin()
        .env("INTENTFUL_DEADLINE__MARGIN_MS", "99999")
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("deadline.margin_ms"), "{stderr}");

    let out = bin()
        .env("INTENTFUL_SERVER__PROT", "1")
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("prot"));
}
