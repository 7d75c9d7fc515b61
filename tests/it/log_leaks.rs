//! Logs leak nothing: the real binary, configured with inbound and outbound secrets, is driven
//! through accepted and refused calls; its JSON logs never contain a secret, token or password,
//! and user text appears only at debug level (checked too, so the test can see it at all).

use std::process::Stdio;
use std::time::Duration;

use base64::Engine;
use wiremock::matchers::{header, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{binary, client, listening, sigterm};

const INBOUND_TOKEN: &str = "inbound-token-QX7RM2PL9";
const WRONG_TOKEN: &str = "wrong-token-ZK4WB8NV3";
const BASIC_PASSWORD: &str = "basic-password-HT6YC1JD";
const UPSTREAM_TOKEN: &str = "upstream-token-FN5GS0KE";
const USER_TEXT: &str = "user-text-convert-my-MJ3PV7 dollars";

const SECRETS: [&str; 4] = [INBOUND_TOKEN, WRONG_TOKEN, BASIC_PASSWORD, UPSTREAM_TOKEN];

/// Runs the binary at `level`, drives accepted and refused calls, stops it, returns its output.
async fn logs_at(level: &str) -> String {
    let upstream = MockServer::start().await;
    Mock::given(path("/latest"))
        .and(header("authorization", format!("Bearer {UPSTREAM_TOKEN}")))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            serde_json::json!({"amount": 10.0, "base": "USD", "date": "2026-11-23", "rates": {"EUR": 9.45}}),
        ))
        .mount(&upstream)
        .await;
    let mut child = binary()
        .env("INTENTFUL_LOG__LEVEL", level)
        .env_remove("RUST_LOG")
        .env("INTENTFUL_AUTH__DEFAULT__MODE", "header")
        .env("INTENTFUL_AUTH__DEFAULT__NAME", "X-Webhook-Token")
        .env(
            "INTENTFUL_AUTH__DEFAULT__VALUES",
            format!("[\"{INBOUND_TOKEN}\"]"),
        )
        .env("INTENTFUL_AUTH__ROUTES__ES__MODE", "basic")
        .env(
            "INTENTFUL_AUTH__ROUTES__ES__CREDENTIALS",
            format!("[{{username=\"df\",password=\"{BASIC_PASSWORD}\"}}]"),
        )
        .env("INTENTFUL_UPSTREAMS__RATES__BASE_URL", upstream.uri())
        .env("INTENTFUL_UPSTREAMS__RATES__AUTH__KIND", "bearer")
        .env("INTENTFUL_UPSTREAMS__RATES__AUTH__TOKEN", UPSTREAM_TOKEN)
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn intentful");
    let stderr = child.stderr.take().expect("stderr");
    let err_reader =
        std::thread::spawn(move || std::io::read_to_string(stderr).unwrap_or_default());
    let (addr, seen, out_reader) = listening(&mut child);

    let mut body: serde_json::Value = serde_json::from_slice(
        &std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/fixtures/currency_convert/usd_to_eur.request.json"
        ))
        .expect("fixture"),
    )
    .expect("json");
    body["queryResult"]["queryText"] = USER_TEXT.into();
    let http = client();
    let post = |route: &str| http.post(format!("http://{addr}{route}")).json(&body);
    let basic = |user: &str, pass: &str| {
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"))
        )
    };
    let calls = [
        (
            post("/webhook").header("x-webhook-token", INBOUND_TOKEN),
            200,
        ),
        (post("/webhook").header("x-webhook-token", WRONG_TOKEN), 401),
        (post("/webhook").bearer_auth(WRONG_TOKEN), 401),
        (
            post("/webhook/es").header("authorization", basic("df", BASIC_PASSWORD)),
            200,
        ),
        (
            post("/webhook/es").header("authorization", basic("df", WRONG_TOKEN)),
            401,
        ),
    ];
    for (req, want) in calls {
        let resp = req.send().await.expect("answer");
        assert_eq!(resp.status().as_u16(), want);
    }

    sigterm(&child);
    let exit = actix_web::rt::task::spawn_blocking(move || child.wait())
        .await
        .expect("join")
        .expect("wait");
    assert!(exit.success(), "{exit:?}");
    tokio::time::sleep(Duration::from_millis(50)).await;
    seen + &out_reader.join().expect("stdout") + &err_reader.join().expect("stderr")
}

fn assert_no_secrets(logs: &str) {
    for secret in SECRETS {
        assert!(
            !logs.contains(secret),
            "`{secret}` reached the logs:\n{logs}"
        );
    }
    let encoded = base64::engine::general_purpose::STANDARD.encode(format!("df:{BASIC_PASSWORD}"));
    assert!(
        !logs.contains(&encoded),
        "a Basic credential reached the logs"
    );
}

#[actix_web::test]
async fn info_logs_hold_no_secret_and_no_user_text() {
    let logs = logs_at("info").await;
    assert!(
        logs.matches("\"outcome\"").count() >= 2,
        "the calls were logged at all:\n{logs}"
    );
    assert!(logs.contains("401") || logs.contains("rejected"), "{logs}");
    assert_no_secrets(&logs);
    assert!(!logs.contains("MJ3PV7"), "user text at info level:\n{logs}");
}

#[actix_web::test]
async fn debug_logs_show_user_text_but_still_no_secret() {
    let logs = logs_at("debug").await;
    assert!(
        logs.contains("MJ3PV7"),
        "user text is logged at debug:\n{logs}"
    );
    assert_no_secrets(&logs);
}
