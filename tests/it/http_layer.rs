//! The HTTP layer's own answers. What reaches the app is JSON (and `HEAD` works on health and
//! readiness); what actix-http answers before any app code runs is pinned here as it is,
//! bodiless, as SECURITY.md documents: a malformed head (400), a head over 96 headers or
//! 128 KiB (431), and a head that does not complete within `server.body_read_timeout_ms` (408).

use std::time::{Duration, Instant};

use intentful::config::Settings;
use intentful::intent::Registry;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::support::{client, spawn_default, spawn_with};

/// Writes `request` and reads until the server closes (at most 10 s).
async fn raw(addr: std::net::SocketAddr, request: &[u8]) -> String {
    let mut s = TcpStream::connect(addr).await.expect("connect");
    s.write_all(request).await.expect("write");
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), s.read_to_end(&mut answer)).await;
    String::from_utf8_lossy(&answer).into_owned()
}

/// The status line, and the body after the head.
fn split(answer: &str) -> (&str, &str) {
    let status = answer.lines().next().unwrap_or_default();
    let body = answer.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    (status, body)
}

#[actix_web::test]
async fn head_works_on_health_and_readiness() {
    let server = spawn_default();
    for path in ["/healthz", "/readyz"] {
        let resp = client()
            .head(server.url(path))
            .send()
            .await
            .expect("a response");
        assert_eq!(resp.status().as_u16(), 200, "HEAD {path}");
    }
    // The raw answer has no body.
    let answer = raw(
        server.addr,
        b"HEAD /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    )
    .await;
    let (status, body) = split(&answer);
    assert!(status.starts_with("HTTP/1.1 200"), "{answer}");
    assert_eq!(body, "", "{answer}");
}

#[actix_web::test]
async fn what_the_app_answers_is_json_even_for_odd_paths() {
    let server = spawn_default();
    for (request, want) in [
        (
            &b"POST /webhook/cx/%FF%FE HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}"[..],
            "HTTP/1.1 404",
        ),
        // Broken chunked framing inside the body reaches the app's body reader.
        (
            &b"POST /webhook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{\"\r\nZZ\r\n}\r\n0\r\n\r\n"[..],
            "HTTP/1.1 400",
        ),
        (
            &b"DELETE /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"[..],
            "HTTP/1.1 405",
        ),
        (
            &b"BREW /webhook HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"[..],
            "HTTP/1.1 405",
        ),
    ] {
        let answer = raw(server.addr, request).await;
        let (status, body) = split(&answer);
        assert!(status.starts_with(want), "{answer}");
        let json: Value = serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {answer}"));
        assert!(json["error"]["code"].is_string(), "{answer}");
    }
}

/// Pins actix-http's bodiless answers: if one of them starts carrying a body (or changes
/// status), SECURITY.md and docs/operations.md must change with it.
#[actix_web::test]
async fn what_actix_http_answers_before_the_app_is_bodiless() {
    let mut settings = Settings::default();
    settings.server.body_read_timeout_ms = 500;
    let server = spawn_with(settings, Registry::builtin().expect("registry"));
    let many_headers: String = (0..100).map(|i| format!("X-H{i}: v\r\n")).collect();
    let many = format!("GET /healthz HTTP/1.1\r\nHost: x\r\n{many_headers}\r\n");
    let huge = format!(
        "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n",
        "a".repeat(140 * 1024)
    );
    for (what, request, want) in [
        ("a malformed request line", b"NOT A REQUEST\r\n\r\n".to_vec(), "HTTP/1.1 400"),
        (
            "a header without a colon",
            b"GET /healthz HTTP/1.1\r\nHost x\r\n\r\n".to_vec(),
            "HTTP/1.1 400",
        ),
        (
            "Content-Length and chunked together",
            b"POST /webhook HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n{}".to_vec(),
            "HTTP/1.1 400",
        ),
        (
            "two Content-Length headers",
            b"POST /webhook HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}".to_vec(),
            "HTTP/1.1 400",
        ),
        ("100 header lines", many.into_bytes(), "HTTP/1.1 431"),
        ("a 140 KiB head", huge.into_bytes(), "HTTP/1.1 431"),
    ] {
        let answer = raw(server.addr, &request).await;
        let (status, body) = split(&answer);
        assert!(status.starts_with(want), "{what}: {answer:?}");
        let head = answer.to_ascii_lowercase();
        assert!(
            head.contains("content-length: 0") && head.contains("connection: close"),
            "{what}: {answer:?}"
        );
        assert_eq!(body, "", "{what}: {answer:?}");
    }

    // A head that never completes: 408, bodiless, around the read limit (actix-http counts it
    // from a clock it refreshes every 500 ms, so it may come up to that much early).
    let started = Instant::now();
    let answer = raw(
        server.addr,
        b"POST /webhook HTTP/1.1\r\nHost: x\r\nX-Slow: ",
    )
    .await;
    let (status, body) = split(&answer);
    assert!(status.starts_with("HTTP/1.1 408"), "{answer:?}");
    assert!(
        answer.to_ascii_lowercase().contains("connection: close"),
        "{answer:?}"
    );
    assert_eq!(body, "", "{answer:?}");
    assert!(started.elapsed() < Duration::from_secs(5));
}
