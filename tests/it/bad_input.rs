//! Bad input gets a clear 4xx JSON error, never a 5xx, an HTML page or a dropped connection,
//! and the server keeps serving afterwards.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use serde_json::Value;

use crate::support::{client, es_request, spawn_default};

async fn send(url: &str, content_type: &str, body: Vec<u8>) -> (u16, Value) {
    let resp = client()
        .post(url)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .expect("a response, not a dropped connection");
    let status = resp.status().as_u16();
    let body: Value = resp.json().await.expect("a JSON error body");
    (status, body)
}

#[actix_web::test]
async fn each_bad_body_gets_its_4xx_json_and_the_server_keeps_serving() {
    let server = spawn_default();
    for route in ["/webhook", "/webhook/es", "/webhook/cx"] {
        let url = server.url(route);
        let cases: Vec<(&str, Vec<u8>, u16, &str)> = vec![
            (
                "truncated",
                br#"{"session": "projects/p/agent/sessions/s", "queryRe"#.to_vec(),
                400,
                "malformed_json",
            ),
            ("array", b"[1, 2, 3]".to_vec(), 422, "not_a_webhook_request"),
            ("empty", Vec::new(), 400, "empty_body"),
            (
                "not a request",
                br#"{"hello": "world"}"#.to_vec(),
                422,
                "not_a_webhook_request",
            ),
            (
                "deep",
                ("[".repeat(200) + &"]".repeat(200)).into_bytes(),
                422,
                "not_a_webhook_request",
            ),
        ];
        for (name, body, status, code) in cases {
            let (got, json) = send(&url, "application/json", body).await;
            assert_eq!(got, status, "{route} {name}: {json}");
            assert_eq!(json["error"]["code"], code, "{route} {name}: {json}");
            assert!(json["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty()));
        }
        let (got, json) = send(&url, "text/plain", b"{}".to_vec()).await;
        assert_eq!(
            (got, json["error"]["code"].as_str()),
            (415, Some("unsupported_media_type")),
            "{route}"
        );
        let big = vec![b' '; 300 * 1024];
        let (got, json) = send(&url, "application/json", big).await;
        assert_eq!(
            (got, json["error"]["code"].as_str()),
            (413, Some("payload_too_large")),
            "{route}"
        );
    }
    // Still serving, and charset is accepted.
    let body = serde_json::to_vec(&es_request("input.welcome")).expect("json");
    let (status, json) = send(
        &server.url("/webhook"),
        "application/json; charset=utf-8",
        body,
    )
    .await;
    assert_eq!(status, 200, "{json}");
    assert!(
        json["fulfillmentText"]
            .as_str()
            .is_some_and(|t| t.starts_with("Hi!")),
        "{json}"
    );
}

#[actix_web::test]
async fn an_oversized_declared_body_is_refused_before_it_is_sent() {
    let server = spawn_default();
    let addr = server.addr;
    let (status_line, body) = actix_web::rt::task::spawn_blocking(move || {
        let mut stream = TcpStream::connect(addr).expect("connect");
        stream.set_read_timeout(Some(Duration::from_secs(5))).expect("timeout");
        // Declares 50 MB but sends only the headers and a few bytes.
        write!(
            stream,
            "POST /webhook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 50000000\r\n\r\n{{\"a\""
        )
        .expect("write");
        let mut buf = Vec::new();
        let _ = stream.read_to_end(&mut buf);
        let text = String::from_utf8_lossy(&buf).into_owned();
        let status_line = text.lines().next().unwrap_or_default().to_string();
        let body = text.split("\r\n\r\n").nth(1).unwrap_or_default().to_string();
        (status_line, body)
    })
    .await
    .expect("join");
    assert!(status_line.contains("413"), "{status_line}");
    assert!(body.contains("payload_too_large"), "{body}");
}

#[actix_web::test]
async fn ambiguous_body_on_auto_route_says_how_to_pick() {
    let server = spawn_default();
    let mut req = es_request("input.welcome");
    req["fulfillmentInfo"] = serde_json::json!({"tag": "input.welcome"});
    let (status, json) = send(
        &server.url("/webhook"),
        "application/json",
        serde_json::to_vec(&req).expect("json"),
    )
    .await;
    assert_eq!(status, 422);
    let msg = json["error"]["message"].as_str().unwrap_or_default();
    assert!(
        msg.contains("/webhook/es") && msg.contains("/webhook/cx"),
        "{msg}"
    );
}

#[actix_web::test]
async fn unknown_routes_and_wrong_methods_answer_json() {
    let server = spawn_default();
    let resp = client()
        .get(server.url("/nope"))
        .send()
        .await
        .expect("response");
    assert_eq!(resp.status().as_u16(), 404);
    let json: Value = resp.json().await.expect("json");
    assert_eq!(json["error"]["code"], "not_found");

    let resp = client()
        .get(server.url("/webhook"))
        .send()
        .await
        .expect("response");
    assert_eq!(resp.status().as_u16(), 405);
    assert_eq!(
        resp.headers().get("allow").and_then(|v| v.to_str().ok()),
        Some("POST")
    );
    let json: Value = resp.json().await.expect("json");
    assert_eq!(json["error"]["code"], "method_not_allowed");
}

#[actix_web::test]
async fn health_ready_intents_and_request_id() {
    let mut settings = intentful::config::Settings::default();
    // `/intents` is served on the main port only on purpose.
    settings.admin.auth = Some(intentful::auth::AuthMode::None { acknowledged: true });
    let server = crate::support::spawn_with(
        settings,
        intentful::intent::Registry::builtin().expect("registry"),
    );
    let resp = client()
        .get(server.url("/healthz"))
        .send()
        .await
        .expect("response");
    assert_eq!(resp.status().as_u16(), 200);
    let resp = client()
        .get(server.url("/readyz"))
        .send()
        .await
        .expect("response");
    assert_eq!(resp.status().as_u16(), 200);
    let json: Value = client()
        .get(server.url("/intents"))
        .send()
        .await
        .expect("r")
        .json()
        .await
        .expect("json");
    let keys: Vec<&str> = json["intents"]
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|i| i["key"].as_str())
        .collect();
    for key in [
        "input.welcome",
        "weather.current",
        "currency.convert",
        "booking.table",
    ] {
        assert!(keys.contains(&key), "{keys:?}");
    }
    let resp = client()
        .post(server.url("/webhook"))
        .header("x-request-id", "abc-123")
        .json(&es_request("input.welcome"))
        .send()
        .await
        .expect("response");
    assert_eq!(
        resp.headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok()),
        Some("abc-123")
    );
}

/// Writes `body` as chunked transfer encoding in `pieces` chunks, pausing between them so the
/// server reads them separately, and returns the status line and body of the answer.
fn post_in_chunks(addr: std::net::SocketAddr, body: &[u8], pieces: usize) -> (String, String) {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    write!(
        stream,
        "POST /webhook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
         Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    )
    .expect("write head");
    for piece in body.chunks(body.len().div_ceil(pieces)) {
        write!(stream, "{:x}\r\n", piece.len()).expect("chunk size");
        stream.write_all(piece).expect("chunk");
        stream.write_all(b"\r\n").expect("chunk end");
        stream.flush().expect("flush");
        std::thread::sleep(Duration::from_millis(30));
    }
    stream.write_all(b"0\r\n\r\n").expect("last chunk");
    let mut buf = Vec::new();
    let _ = stream.read_to_end(&mut buf);
    let text = String::from_utf8_lossy(&buf).into_owned();
    let status_line = text.lines().next().unwrap_or_default().to_string();
    let body = text
        .split("\r\n\r\n")
        .nth(1)
        .unwrap_or_default()
        .to_string();
    (status_line, body)
}

#[actix_web::test]
async fn a_body_in_several_chunks_is_joined_and_over_the_limit_refused() {
    let mut settings = intentful::config::Settings::default();
    settings.server.body_limit_bytes = 4096;
    let server = crate::support::spawn_with(
        settings,
        intentful::intent::Registry::builtin().expect("registry"),
    );
    let addr = server.addr;
    let body = serde_json::to_vec(&es_request("input.welcome")).expect("json");
    let big = {
        let mut req = es_request("input.welcome");
        req["queryResult"]["queryText"] = Value::from("x".repeat(5000));
        serde_json::to_vec(&req).expect("json")
    };
    let (ok, refused) = actix_web::rt::task::spawn_blocking(move || {
        (
            post_in_chunks(addr, &body, 4),
            post_in_chunks(addr, &big, 3),
        )
    })
    .await
    .expect("join");
    assert!(ok.0.contains("200"), "{ok:?}");
    // Chunked bodies are split over several reads (the pauses), so this is the joining path.
    assert!(ok.1.contains("weather"), "the welcome reply: {ok:?}");
    assert!(refused.0.contains("413"), "{refused:?}");
    assert!(refused.1.contains("payload_too_large"), "{refused:?}");
}
