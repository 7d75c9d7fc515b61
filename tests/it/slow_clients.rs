//! Slow clients (one byte per second, in the body or in the headers) neither starve other
//! callers nor hold a connection past the body-read deadline: the server has one worker here,
//! so any blocking on a trickling socket would show as a stalled normal call.

use std::time::{Duration, Instant};

use intentful::config::Settings;
use intentful::intent::Registry;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::support::{client, es_request, spawn_with};

const READ_TIMEOUT_MS: u64 = 3000;
const SLOW_CLIENTS: usize = 40;

/// Sends the request head, then one byte of a 200-byte body per second, and returns what the
/// server answered before closing.
async fn trickle_body(addr: std::net::SocketAddr) -> Cut {
    let mut s = TcpStream::connect(addr).await.expect("connect");
    let head = format!(
        "POST /webhook HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n"
    );
    s.write_all(head.as_bytes()).await.expect("head");
    read_answer_while_trickling(s, b"{").await
}

/// Sends the request line and then one header byte per second (classic slowloris).
async fn trickle_headers(addr: std::net::SocketAddr) -> Cut {
    let mut s = TcpStream::connect(addr).await.expect("connect");
    s.write_all(b"POST /webhook HTTP/1.1\r\nX-Slow: ")
        .await
        .expect("line");
    read_answer_while_trickling(s, b"a").await
}

/// What a trickling client saw: the bytes answered, and whether the server closed the
/// connection (rather than the client giving up after four read timeouts).
struct Cut {
    answer: String,
    closed: bool,
}

async fn read_answer_while_trickling(mut s: TcpStream, byte: &[u8]) -> Cut {
    let mut answer = Vec::new();
    let mut closed = false;
    let mut buf = [0u8; 1024];
    let give_up = Instant::now() + Duration::from_millis(READ_TIMEOUT_MS * 4);
    while Instant::now() < give_up {
        match tokio::time::timeout(Duration::from_secs(1), s.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => {
                closed = true;
                break;
            }
            Ok(Ok(n)) => answer.extend_from_slice(&buf[..n]),
            Err(_) => {
                if s.write_all(byte).await.is_err() {
                    closed = true;
                    break;
                }
            }
        }
    }
    Cut {
        answer: String::from_utf8_lossy(&answer).into_owned(),
        closed,
    }
}

#[actix_web::test]
async fn one_byte_per_second_clients_do_not_starve_others() {
    let mut settings = Settings::default();
    settings.server.body_read_timeout_ms = READ_TIMEOUT_MS;
    let server = spawn_with(settings, Registry::builtin().expect("registry"));
    let addr = server.addr;

    let slow_bodies: Vec<_> = (0..SLOW_CLIENTS / 2)
        .map(|_| tokio::spawn(trickle_body(addr)))
        .collect();
    let slow_heads: Vec<_> = (0..SLOW_CLIENTS / 2)
        .map(|_| tokio::spawn(trickle_headers(addr)))
        .collect();
    // Let every slow client get its connection in and start trickling.
    tokio::time::sleep(Duration::from_millis(300)).await;

    // Normal callers meanwhile: each must be served well before any slow client times out,
    // which is what starvation behind the trickling sockets would look like.
    let http = client();
    let mut slowest = Duration::ZERO;
    for _ in 0..20 {
        let started = Instant::now();
        let resp = http
            .post(server.url("/webhook"))
            .json(&es_request("input.welcome"))
            .send()
            .await
            .expect("served");
        assert_eq!(resp.status().as_u16(), 200);
        let _: serde_json::Value = resp.json().await.expect("json");
        slowest = slowest.max(started.elapsed());
    }
    assert!(
        slowest < Duration::from_millis(READ_TIMEOUT_MS / 2),
        "a normal call waited {slowest:?} behind {SLOW_CLIENTS} trickling clients"
    );

    for task in slow_bodies {
        let Cut { answer, closed } = task.await.expect("task");
        assert!(closed, "the server closes a trickled body");
        assert!(
            answer.starts_with("HTTP/1.1 408"),
            "a trickled body gets 408: {answer:?}"
        );
        assert!(answer.contains("\"body_timeout\""), "as JSON: {answer:?}");
    }
    for task in slow_heads {
        let Cut { answer, closed } = task.await.expect("task");
        assert!(closed, "the server closes a trickled head");
        // Headers never completed, so there is no request to answer with JSON; the connection
        // is closed (with actix's bare 408) rather than held open forever.
        assert!(
            answer.is_empty() || answer.starts_with("HTTP/1.1 408"),
            "a trickled head is cut off: {answer:?}"
        );
    }
}

/// A body that stops coming (some of it with the head, the rest never) is cut at the body-read
/// limit with a JSON 408, and so is a body of which nothing came at all.
#[actix_web::test]
async fn a_body_that_stops_coming_gets_408_at_the_read_limit() {
    const LIMIT_MS: u64 = 400;
    let mut settings = Settings::default();
    settings.server.body_read_timeout_ms = LIMIT_MS;
    let server = spawn_with(settings, Registry::builtin().expect("registry"));
    for sent in ["{\"queryResult\": {", ""] {
        let mut s = TcpStream::connect(server.addr).await.expect("connect");
        let started = Instant::now();
        let request = format!(
            "POST /webhook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n{sent}"
        );
        s.write_all(request.as_bytes()).await.expect("write");
        let mut answer = Vec::new();
        tokio::time::timeout(Duration::from_secs(10), s.read_to_end(&mut answer))
            .await
            .expect("the server answers and closes well before 10 s")
            .expect("read");
        let waited = started.elapsed();
        let answer = String::from_utf8_lossy(&answer);
        assert!(answer.starts_with("HTTP/1.1 408"), "{sent:?}: {answer:?}");
        assert!(answer.contains("\"body_timeout\""), "as JSON: {answer:?}");
        assert!(
            waited >= Duration::from_millis(LIMIT_MS),
            "{sent:?}: cut after {waited:?}, before the limit"
        );
    }
}
