//! The line that closes a webhook call names its outcome at every log level: at `warn` the
//! call's `info` span is filtered out, so the fallback line must carry `outcome` itself.

use std::process::Stdio;
use std::time::Duration;

use crate::support::{binary, client, exit_within, sigterm, Running};

/// A port that was free a moment ago: at `warn` the binary does not log where it listens.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

#[actix_web::test]
async fn fallback_line_names_the_outcome_when_the_span_is_filtered_out() {
    let port = free_port();
    // The rates upstream points at a port nobody listens on: the call falls back.
    let closed = free_port();
    let mut running = Running(
        binary()
            .env("PORT", port.to_string())
            .env("INTENTFUL_LOG__LEVEL", "warn")
            .env_remove("RUST_LOG")
            .env("INTENTFUL_AUTH__DEFAULT__MODE", "none")
            .env("INTENTFUL_AUTH__DEFAULT__ACKNOWLEDGED", "true")
            .env(
                "INTENTFUL_UPSTREAMS__RATES__BASE_URL",
                format!("http://127.0.0.1:{closed}"),
            )
            .env("INTENTFUL_UPSTREAMS__RATES__RETRY__MAX_ATTEMPTS", "1")
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn intentful"),
    );
    let child = &mut running.0;
    let stdout = child.stdout.take().expect("stdout");
    let out = std::thread::spawn(move || std::io::read_to_string(stdout).unwrap_or_default());
    let http = client();
    let url = format!("http://127.0.0.1:{port}");
    let mut up = false;
    for _ in 0..200 {
        if http.get(format!("{url}/healthz")).send().await.is_ok() {
            up = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert!(up, "intentful did not come up on port {port}");
    let body: serde_json::Value = serde_json::from_slice(
        &std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/fixtures/currency_convert/usd_to_eur.request.json"
        ))
        .expect("fixture"),
    )
    .expect("json");
    let resp = http
        .post(format!("{url}/webhook"))
        .json(&body)
        .send()
        .await
        .expect("answer");
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["x-intentful-outcome"], "fallback_error");
    // SIGTERM, not SIGKILL: lines leave through a queue, and only a clean exit writes it out.
    sigterm(child);
    let status = exit_within(child, Duration::from_secs(15)).expect("still running after SIGTERM");
    assert!(status.success(), "{status:?}");
    let logs = out.join().expect("stdout");
    let line: serde_json::Value = logs
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|l| l["message"] == "answered with the fallback")
        .unwrap_or_else(|| panic!("no fallback line:\n{logs}"));
    assert_eq!(line["severity"], "WARNING");
    assert_eq!(line["outcome"], "fallback_error", "{line}");
    assert!(
        line.get("request_id").is_none(),
        "the span is filtered out: {line}"
    );
}
