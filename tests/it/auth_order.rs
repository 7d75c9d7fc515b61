//! What a caller without credentials can learn: nothing. HMAC routes refuse a call without a
//! well-formed, fresh signature before reading its body (no 415, 413 or 408 first), a named CX
//! webhook is looked up only after the caller is verified, and a 401 names only the scheme of
//! the route's own mode.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use base64::Engine;
use intentful::auth::{AuthMode, BasicCredential};
use intentful::config::{CxWebhook, Settings};
use intentful::intent::Registry;
use intentful::secret::Secret;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::auth::{body, hmac_headers, hmac_mode, now, serve};
use crate::support::{client, spawn_with, TestServer};

const SECRET: &str = "hmac-signing-secret-0001";

/// Posts `body` to `path` with `headers`; the status, `WWW-Authenticate` and JSON body.
async fn post(
    server: &TestServer,
    path: &str,
    headers: &[(&str, String)],
    body: Vec<u8>,
) -> (u16, Option<String>, Value) {
    let mut req = client().post(server.url(path)).body(body);
    for (k, v) in headers {
        req = req.header(*k, v);
    }
    let resp = req.send().await.expect("a response");
    let status = resp.status().as_u16();
    let challenge = resp
        .headers()
        .get("www-authenticate")
        .and_then(|v| v.to_str().ok())
        .map(String::from);
    (status, challenge, resp.json().await.expect("a JSON body"))
}

fn json_type() -> (&'static str, String) {
    ("content-type", "application/json".into())
}

#[actix_web::test]
async fn hmac_refuses_a_missing_or_stale_signature_before_the_body() {
    let mut settings = Settings::default();
    settings.auth.default = hmac_mode(&[SECRET]);
    settings.server.body_read_timeout_ms = 3000;
    let server = spawn_with(settings, Registry::builtin().expect("registry"));
    let b = body();
    let stale = hmac_headers(SECRET, now() - 3600, &b);

    // A body of the wrong type, unsigned or with a stale signature: 401, not 415.
    let text = ("content-type", "text/plain".to_string());
    for (what, mut headers) in [("unsigned", vec![]), ("stale", stale.clone())] {
        headers.push(text.clone());
        let (status, _, json) = post(&server, "/webhook", &headers, b.clone()).await;
        assert_eq!(status, 401, "{what} with text/plain: {json}");
        assert_eq!(json["error"]["code"], "unauthorized");
    }

    // A declared body past the size limit, unsigned: 401, not 413.
    let mut s = TcpStream::connect(server.addr).await.expect("connect");
    s.write_all(
        b"POST /webhook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000000\r\n\r\n",
    )
    .await
    .expect("head");
    let answer = read_answer(&mut s).await;
    assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");

    // A body that never comes, unsigned: 401 at once, not 408 at the read limit.
    let mut s = TcpStream::connect(server.addr).await.expect("connect");
    let started = Instant::now();
    s.write_all(
        b"POST /webhook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n",
    )
    .await
    .expect("head");
    let answer = read_answer(&mut s).await;
    assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");
    assert!(
        started.elapsed() < Duration::from_millis(1500),
        "answered after {:?}: the body was awaited",
        started.elapsed()
    );

    // A signed call still passes, and a good signature over another body still fails.
    let mut good = hmac_headers(SECRET, now(), &b);
    good.push(json_type());
    assert_eq!(post(&server, "/webhook", &good, b.clone()).await.0, 200);
    let mut other = b.clone();
    other.push(b' ');
    assert_eq!(post(&server, "/webhook", &good, other).await.0, 401);
}

/// Reads until the head of an answer is in (or the server closes), for at most 5 s.
async fn read_answer(s: &mut TcpStream) -> String {
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    let until = Instant::now() + Duration::from_secs(5);
    while Instant::now() < until && !answer.windows(4).any(|w| w == b"\r\n\r\n") {
        match tokio::time::timeout(Duration::from_secs(5), s.read(&mut buf)).await {
            Ok(Ok(n)) if n > 0 => answer.extend_from_slice(&buf[..n]),
            _ => break,
        }
    }
    String::from_utf8_lossy(&answer).into_owned()
}

fn cx_body() -> Vec<u8> {
    serde_json::to_vec(&json!({
        "detectIntentResponseId": "r-1",
        "fulfillmentInfo": {"tag": "count"},
        "sessionInfo": {"session": "projects/p/locations/l/agents/a/sessions/s", "parameters": {}},
        "languageCode": "en",
        "text": "hi"
    }))
    .expect("json")
}

#[actix_web::test]
async fn named_cx_webhooks_are_told_apart_only_to_a_verified_caller() {
    const TOKEN: &str = "cx-webhook-token-0001";
    let mut settings = Settings::default();
    settings.auth.default = AuthMode::Header {
        name: "x-webhook-token".into(),
        values: vec![Secret::new(TOKEN)],
    };
    settings
        .cx
        .webhooks
        .insert("slow".into(), CxWebhook { timeout_ms: 10_000 });
    let calls = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let server = spawn_with(settings, crate::auth::counting_registry(calls.clone()));

    // Without credentials, a configured and an unknown name get the same 401.
    let stranger = [json_type()];
    let known = post(&server, "/webhook/cx/slow", &stranger, cx_body()).await;
    let unknown = post(&server, "/webhook/cx/nosuch", &stranger, cx_body()).await;
    assert_eq!(known.0, 401, "{}", known.2);
    assert_eq!((unknown.0, &unknown.2), (401, &known.2));

    // Verified: the unknown name is a plain 404, as any unknown path, naming no config.
    let agent = [json_type(), ("x-webhook-token", TOKEN.to_string())];
    let (status, _, json) = post(&server, "/webhook/cx/nosuch", &agent, cx_body()).await;
    assert_eq!(status, 404, "{json}");
    assert_eq!(json["error"]["code"], "not_found");
    let message = json["error"]["message"].as_str().unwrap_or_default();
    assert_eq!(message, "no such route: /webhook/cx/nosuch");
    let (status, _, json) = post(&server, "/webhook/cx/slow", &agent, cx_body()).await;
    assert_eq!(status, 200, "{json}");
    assert_eq!(calls.load(Ordering::SeqCst), 1);

    // Under HMAC the name is looked up after the signature over the body checks out.
    let mut settings = Settings::default();
    settings.auth.default = hmac_mode(&[SECRET]);
    let server = spawn_with(settings, Registry::builtin().expect("registry"));
    let b = cx_body();
    assert_eq!(
        post(&server, "/webhook/cx/nosuch", &[json_type()], b.clone())
            .await
            .0,
        401
    );
    let mut signed = hmac_headers(SECRET, now(), &b);
    signed.push(json_type());
    assert_eq!(post(&server, "/webhook/cx/nosuch", &signed, b).await.0, 404);
}

#[actix_web::test]
async fn a_401_names_only_the_scheme_of_the_routes_mode() {
    let basic = AuthMode::Basic {
        credentials: vec![BasicCredential {
            username: "df".into(),
            password: Secret::new("basic-password"),
        }],
    };
    let bearer_header = AuthMode::Header {
        name: "Authorization".into(),
        values: vec![Secret::new("Bearer static-token-0123456789")],
    };
    let custom_header = AuthMode::Header {
        name: "X-Webhook-Token".into(),
        values: vec![Secret::new("custom-token-0123456789")],
    };
    let google = crate::auth::google_mode("http://127.0.0.1:9/certs".into(), 30);
    for (mode, name, want) in [
        (
            basic,
            "basic",
            Some("Basic realm=\"intentful\", charset=\"UTF-8\""),
        ),
        (
            google,
            "google_id_token",
            Some("Bearer realm=\"intentful\""),
        ),
        (
            bearer_header,
            "Authorization: Bearer",
            Some("Bearer realm=\"intentful\""),
        ),
        (custom_header, "custom header", None),
        (hmac_mode(&[SECRET]), "hmac", None),
    ] {
        let (server, _) = serve(mode);
        let wrong = base64::engine::general_purpose::STANDARD.encode("df:nope");
        let (status, challenge, json) = post(
            &server,
            "/webhook",
            &[json_type(), ("authorization", format!("Basic {wrong}"))],
            body(),
        )
        .await;
        assert_eq!(status, 401, "{name}: {json}");
        assert_eq!(challenge.as_deref(), want, "{name}");
    }
}
