//! The JSON lines of real webhook calls have the fields they had before logging moved onto
//! tracing-subscriber (captured from the binary at 6f64cc3): an answered call, one with a trace
//! header, a fallback and a refused call, each by its exact set of keys and the values that
//! matter. Cloud Logging dashboards and alerts read these keys.

use std::collections::BTreeSet;
use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;

use crate::support::{binary, client, exit_within, listening, sigterm, Running};

const TRACE: &str = "105445aa7843bc8bf206b12000100000";

/// The keys every line has, and those of the webhook call's span.
const LINE: [&str; 4] = ["severity", "time", "message", "target"];
const CALL: [&str; 5] = ["request_id", "protocol", "session", "response_id", "intent"];

fn keys(line: &Value) -> BTreeSet<&str> {
    line.as_object()
        .expect("a JSON object")
        .keys()
        .map(String::as_str)
        .collect()
}

fn expected<'a>(groups: &[&[&'a str]]) -> BTreeSet<&'a str> {
    groups.iter().flat_map(|g| g.iter().copied()).collect()
}

fn fixture(path: &str) -> Vec<u8> {
    std::fs::read(format!("{}/fixtures/{path}", env!("CARGO_MANIFEST_DIR"))).expect("fixture")
}

#[actix_web::test]
async fn webhook_lines_keep_their_fields() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port");
    let mut child = binary()
        .env_remove("RUST_LOG")
        .env("INTENTFUL_LOG__LEVEL", "info")
        .env("INTENTFUL_LOG__GCP_PROJECT", "proj")
        .env("INTENTFUL_AUTH__DEFAULT__MODE", "none")
        .env("INTENTFUL_AUTH__DEFAULT__ACKNOWLEDGED", "true")
        // Nobody listens there once the listener above is dropped: the conversion falls back.
        .env(
            "INTENTFUL_UPSTREAMS__RATES__BASE_URL",
            format!("http://{closed}"),
        )
        .env("INTENTFUL_UPSTREAMS__RATES__RETRY__MAX_ATTEMPTS", "1")
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn intentful");
    let (addr, _, rest) = listening(&mut child);
    let mut running = Running(child);
    let http = client();
    let call = |id: &str, body: Vec<u8>| {
        http.post(format!("http://{addr}/webhook"))
            .header("content-type", "application/json")
            .header("x-request-id", id)
            .body(body)
    };
    let welcome = fixture("welcome/en_greets.request.json");
    let sent = [
        call("ok-1", welcome.clone()),
        call("trace-1", welcome).header("x-cloud-trace-context", format!("{TRACE}/1;o=1")),
        call(
            "fallback-1",
            fixture("currency_convert/usd_to_eur.request.json"),
        ),
        call("refused-1", b"{".to_vec()),
    ];
    for (req, want) in sent.into_iter().zip([200, 200, 200, 400]) {
        assert_eq!(req.send().await.expect("answer").status(), want);
    }
    let child = &mut running.0;
    sigterm(child);
    exit_within(child, Duration::from_secs(15)).expect("still running after SIGTERM");
    let logs = rest.join().expect("stdout");
    // The line that closes the call (handlers and upstream calls may log before it).
    let line = |id: &str| -> Value {
        logs.lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .find(|l| {
                let message = l["message"].as_str().unwrap_or_default();
                l["request_id"] == id
                    && (message.starts_with("answered") || message.starts_with("webhook refused"))
            })
            .unwrap_or_else(|| panic!("no closing line for {id}:\n{logs}"))
    };

    let ok = line("ok-1");
    assert_eq!(
        keys(&ok),
        expected(&[&LINE, &CALL, &["elapsed_ms", "outcome"]]),
        "{ok}"
    );
    assert_eq!(ok["severity"], "INFO");
    assert_eq!(ok["message"], "answered");
    assert_eq!(ok["outcome"], "ok");
    assert_eq!(ok["protocol"], "es");
    assert_eq!(ok["intent"], "input.welcome");
    assert_eq!(ok["target"], "intentful::webhook");
    assert!(ok["elapsed_ms"].is_u64(), "{ok}");
    assert!(
        time::OffsetDateTime::parse(
            ok["time"].as_str().expect("time"),
            &time::format_description::well_known::Rfc3339
        )
        .is_ok(),
        "{ok}"
    );

    let traced = line("trace-1");
    let trace_keys = [
        "logging.googleapis.com/trace",
        "logging.googleapis.com/spanId",
    ];
    assert_eq!(
        keys(&traced),
        expected(&[&LINE, &CALL, &["elapsed_ms", "outcome"], &trace_keys]),
        "{traced}"
    );
    assert_eq!(
        traced["logging.googleapis.com/trace"],
        format!("projects/proj/traces/{TRACE}")
    );
    assert_eq!(traced["logging.googleapis.com/spanId"], "1");

    let fallback = line("fallback-1");
    assert_eq!(
        keys(&fallback),
        expected(&[&LINE, &CALL, &["elapsed_ms", "outcome", "cause"]]),
        "{fallback}"
    );
    assert_eq!(fallback["severity"], "WARNING");
    assert_eq!(fallback["message"], "answered with the fallback");
    assert_eq!(fallback["outcome"], "fallback_error");
    assert_eq!(fallback["intent"], "currency.convert");
    assert!(
        fallback["cause"]
            .as_str()
            .is_some_and(|c| c.contains("rates")),
        "{fallback}"
    );

    let refused = line("refused-1");
    assert_eq!(
        keys(&refused),
        expected(&[&LINE, &["request_id", "route", "code"]]),
        "{refused}"
    );
    assert_eq!(refused["code"], "malformed_json");
    assert_eq!(refused["route"], "/webhook");
}
