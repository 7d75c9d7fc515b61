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

/// Runs a command that should refuse to start; one that starts serving instead is killed after
/// 10 s and reported as such, not left to hang the test.
fn refusal(cmd: &mut Command) -> std::process::Output {
    use std::process::Stdio;
    let mut child = cmd
        .env("PORT", "0")
        .env("INTENTFUL_SERVER__HOST", "127.0.0.1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let since = std::time::Instant::now();
    while child.try_wait().expect("wait").is_none() {
        if since.elapsed() > std::time::Duration::from_secs(10) {
            let _ = child.kill();
            let out = child.wait_with_output().expect("output");
            panic!("started anyway: {}", String::from_utf8_lossy(&out.stdout));
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.wait_with_output().expect("output")
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

/// A secret given with the wrong type (a header token without its `[...]`) stops start-up with
/// the exact key named, and the secret appears nowhere in what the process printed.
#[test]
fn a_mistyped_secret_is_named_by_its_key_and_never_printed() {
    const SECRET: &str = "LeakedHeaderSecret-cli-0001";
    let out = refusal(
        bin()
            .env("INTENTFUL_AUTH__DEFAULT__MODE", "header")
            .env("INTENTFUL_AUTH__DEFAULT__NAME", "X-Webhook-Token")
            .env("INTENTFUL_AUTH__DEFAULT__VALUES", SECRET),
    );
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("`auth.default.values`"), "{stderr}");
    assert!(stderr.contains("expected a sequence"), "{stderr}");
    for printed in [&out.stderr, &out.stdout] {
        assert!(
            !String::from_utf8_lossy(printed).contains(SECRET),
            "{stderr}"
        );
    }
}

/// `--config FILE` names a file that must be there; without `--config`, a missing
/// `intentful.toml` is fine (the other tests start that way).
#[test]
fn a_named_config_file_that_cannot_be_read_stops_start_up() {
    let dir = tempfile::tempdir().expect("tempdir");
    let missing = dir.path().join("missing.toml");
    for (path, what) in [(missing.as_path(), "missing"), (dir.path(), "a directory")] {
        let out = refusal(bin().arg("--config").arg(path));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{what}: {stderr}");
        assert!(
            stderr.contains(&path.display().to_string()),
            "{what}: {stderr}"
        );
    }
}

/// Values the checks used to let through: each stops start-up (exit 2, not a panic) naming its
/// key.
#[test]
fn settings_that_cannot_work_stop_start_up_naming_the_key() {
    let cases = [
        ("INTENTFUL_SERVER__WORKERS", "100000", "server.workers"),
        (
            "INTENTFUL_SERVER__BODY_READ_TIMEOUT_MS",
            "0",
            "server.body_read_timeout_ms",
        ),
        (
            "INTENTFUL_DEADLINE__UPSTREAM_MARGIN_MS",
            "9000",
            "deadline.upstream_margin_ms",
        ),
        (
            "INTENTFUL_INTENTS__WEATHER_CURENT__BUDGET_MS",
            "1000",
            "intents.weather_curent",
        ),
    ];
    for (var, value, key) in cases {
        let out = refusal(bin().env(var, value));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{var}={value}: {stderr}");
        assert!(stderr.contains(&format!("`{key}`")), "{var}: {stderr}");
    }
}
