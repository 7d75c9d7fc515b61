//! Outbound hygiene: a 50 MiB upstream body is refused with a typed error after reading at most
//! the cap, whether it declares its length or is chunked, and memory does not grow by its size;
//! the User-Agent and the request id go out with every call; many large bodies at once stay
//! within the byte budget all upstream calls share.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use intentful::config::Settings;
use intentful::upstream::{UpstreamErrorKind, Upstreams, USER_AGENT};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use wiremock::matchers::{header, method};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::upstream_kit::{client, settings, upstreams, NAME};

const HUGE: u64 = 50 * 1024 * 1024;
const CAP: u64 = 1024 * 1024;

/// A server that streams a 50 MiB body made on the fly (so the test process does not hold it),
/// with `Content-Length` or chunked, and counts the body bytes it managed to write.
async fn huge_body_server(chunked: bool) -> (String, Arc<AtomicU64>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let written = Arc::new(AtomicU64::new(0));
    let counter = written.clone();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let counter = counter.clone();
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                let _ = sock.read(&mut buf).await;
                let head = if chunked {
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n".to_string()
                } else {
                    format!("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {HUGE}\r\n\r\n")
                };
                if sock.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                let chunk = vec![b'x'; 64 * 1024];
                let mut sent = 0;
                while sent < HUGE {
                    let ok = if chunked {
                        let mut framed = format!("{:x}\r\n", chunk.len()).into_bytes();
                        framed.extend_from_slice(&chunk);
                        framed.extend_from_slice(b"\r\n");
                        sock.write_all(&framed).await
                    } else {
                        sock.write_all(&chunk).await
                    };
                    if ok.is_err() {
                        return;
                    }
                    sent += chunk.len() as u64;
                    counter.store(sent, Ordering::SeqCst);
                }
                if chunked {
                    let _ = sock.write_all(b"0\r\n\r\n").await;
                }
            });
        }
    });
    (format!("http://{addr}"), written)
}

/// Resident memory of this process, from /proc/self/statm.
fn rss_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    pages * 4096
}

#[tokio::test]
async fn a_50_mib_body_is_refused_after_at_most_the_cap() {
    for chunked in [false, true] {
        let (url, written) = huge_body_server(chunked).await;
        let mut s = settings(&url);
        s.max_response_bytes = CAP;
        let ups = upstreams(s);
        let before = rss_bytes();
        let err = client(&ups, Duration::from_secs(4))
            .get("/huge")
            .send()
            .await
            .unwrap_err();
        let grown = rss_bytes().saturating_sub(before);
        assert_eq!(
            err.kind,
            UpstreamErrorKind::TooLarge(CAP),
            "chunked={chunked}"
        );
        assert!(
            grown < 20 * 1024 * 1024,
            "chunked={chunked}: RSS grew {grown} bytes"
        );
        // The client hung up: the server could write little more than the cap plus what the
        // sockets buffer, far from 50 MiB.
        tokio::time::sleep(Duration::from_millis(100)).await;
        let sent = written.load(Ordering::SeqCst);
        assert!(
            sent < 16 * 1024 * 1024,
            "chunked={chunked}: server wrote {sent} bytes"
        );
    }
}

#[tokio::test]
async fn a_declared_length_above_the_cap_is_refused_before_reading() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(vec![b'x'; 3 * 1024 * 1024]))
        .mount(&server)
        .await;
    let mut s = settings(&server.uri());
    s.max_response_bytes = CAP;
    let ups = upstreams(s);
    let err = client(&ups, Duration::from_secs(4))
        .get("/x")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.kind, UpstreamErrorKind::TooLarge(CAP));
}

#[tokio::test]
async fn user_agent_and_request_id_go_out() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(header("user-agent", USER_AGENT))
        .and(header("x-request-id", "req-test"))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    assert!(USER_AGENT.starts_with("intentful/"));
    let ups = upstreams(settings(&server.uri()));
    client(&ups, Duration::from_secs(4))
        .get("/x")
        .send()
        .await
        .expect("call");
    server.verify().await;
}

#[tokio::test]
async fn a_body_in_many_chunks_is_assembled_in_order() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        if let Ok((mut sock, _)) = listener.accept().await {
            let mut buf = [0u8; 4096];
            let _ = sock.read(&mut buf).await;
            let _ = sock
                .write_all(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n")
                .await;
            for part in ["{\"a\":", "\"bc", "d\"}"] {
                let _ = sock
                    .write_all(format!("{:x}\r\n{part}\r\n", part.len()).as_bytes())
                    .await;
                let _ = sock.flush().await;
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            let _ = sock.write_all(b"0\r\n\r\n").await;
        }
    });
    let ups = upstreams(settings(&format!("http://{addr}")));
    let body = client(&ups, Duration::from_secs(4))
        .get("/x")
        .send_text()
        .await
        .expect("body");
    assert_eq!(body, "{\"a\":\"bcd\"}");
}

/// Serves `size` bytes per call in 64 KiB pieces, 5 ms apart, so that calls overlap: chunked,
/// or with `Content-Length`.
async fn big_body_server(size: usize, chunked: bool) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                let _ = sock.read(&mut buf).await;
                let head = if chunked {
                    "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n".to_string()
                } else {
                    format!("HTTP/1.1 200 OK\r\ncontent-length: {size}\r\n\r\n")
                };
                if sock.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                let piece = vec![b'x'; 64 * 1024];
                for _ in 0..size / piece.len() {
                    let framed = if chunked {
                        let mut f = format!("{:x}\r\n", piece.len()).into_bytes();
                        f.extend_from_slice(&piece);
                        f.extend_from_slice(b"\r\n");
                        f
                    } else {
                        piece.clone()
                    };
                    if sock.write_all(&framed).await.is_err() {
                        return;
                    }
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
                if chunked {
                    let _ = sock.write_all(b"0\r\n\r\n").await;
                }
            });
        }
    });
    format!("http://{addr}")
}

/// 24 calls fetch 1 MiB bodies at once under a 4 MiB budget, each keeping its response until
/// all are done: the bytes held never pass the budget, the calls that cannot get bytes fail
/// `BufferFull` at once instead of waiting, none hangs, and everything is given back at the end.
#[tokio::test]
async fn bodies_held_at_once_stay_within_the_shared_budget() {
    const BUDGET: u64 = 4 * 1024 * 1024;
    for chunked in [true, false] {
        let url = big_body_server(1024 * 1024, chunked).await;
        let mut s = Settings::default();
        s.upstreams.insert(NAME.into(), settings(&url));
        s.upstream_limits.max_buffered_bytes = BUDGET;
        s.validate().expect("valid settings");
        let ups = Arc::new(
            Upstreams::from_settings(&s.upstreams, Duration::from_millis(150))
                .expect("client")
                .limit_buffered(BUDGET),
        );
        let calls: Vec<_> = (0..24)
            .map(|_| {
                let ups = ups.clone();
                tokio::spawn(async move {
                    client(&ups, Duration::from_secs(8))
                        .get("/big")
                        .send()
                        .await
                })
            })
            .collect();
        let results =
            tokio::time::timeout(Duration::from_secs(10), futures::future::join_all(calls))
                .await
                .expect("every call ended");
        let mut held = Vec::new();
        let mut refused = 0;
        for result in results {
            match result.expect("join") {
                Ok(resp) => {
                    assert_eq!(resp.body.len(), 1024 * 1024);
                    held.push(resp);
                }
                Err(e) => {
                    assert_eq!(e.kind, UpstreamErrorKind::BufferFull, "chunked={chunked}");
                    refused += 1;
                }
            }
        }
        let buffer = ups.buffer();
        assert!(
            !held.is_empty() && refused > 0,
            "chunked={chunked}: {} held, {refused} refused",
            held.len()
        );
        assert!(
            buffer.peak() <= buffer.limit() && buffer.peak() >= 1024 * 1024,
            "chunked={chunked}: peak {} of {}",
            buffer.peak(),
            buffer.limit()
        );
        assert!(buffer.in_use() >= held.len() * 1024 * 1024);
        drop(held);
        assert_eq!(
            buffer.in_use(),
            0,
            "chunked={chunked}: bytes not given back"
        );
    }
}
