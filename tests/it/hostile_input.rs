//! Property tests against the real server: mutated and truncated fixture requests, fixture
//! requests with random JSON grafted in, random JSON, and random header values. Every answer
//! must be a 2xx valid webhook response or a 4xx JSON error; never a 5xx, a panic, an HTML page
//! or a dropped connection. A raw socket client is used so that header bytes no HTTP library
//! would send still reach the server.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::OnceLock;
use std::time::Duration;

use intentful::config::Settings;
use intentful::intent::Registry;
use intentful::state::AppState;
use proptest::prelude::*;
use serde_json::Value;

const ROUTES: [&str; 3] = ["/webhook", "/webhook/es", "/webhook/cx"];

/// One server for every case, on its own thread and actix system. Upstreams point at a closed
/// port, so intents that call out fail fast into their fallback instead of needing the network.
fn server() -> SocketAddr {
    static ADDR: OnceLock<SocketAddr> = OnceLock::new();
    *ADDR.get_or_init(|| {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let system = actix_web::rt::System::new();
            system.block_on(async move {
                let mut settings = Settings::default();
                settings.server.host = "127.0.0.1".into();
                settings.server.port = 0;
                settings.server.workers = 1;
                settings.server.body_read_timeout_ms = 2000;
                for up in settings.upstreams.values_mut() {
                    up.base_url = "http://127.0.0.1:9".parse().expect("url");
                }
                let state = std::sync::Arc::new(
                    AppState::new(settings, Registry::builtin().expect("registry")).expect("state"),
                );
                let listener = intentful::startup::bind(&state).expect("bind");
                tx.send(listener.local_addr().expect("addr")).expect("send");
                intentful::startup::serve(state, listener)
                    .expect("serve")
                    .await
                    .expect("server");
            });
        });
        rx.recv().expect("server address")
    })
}

fn fixture_requests() -> &'static Vec<Vec<u8>> {
    static ALL: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    ALL.get_or_init(|| {
        let mut out = Vec::new();
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures");
        for dir in std::fs::read_dir(root).expect("fixtures").flatten() {
            let Ok(files) = std::fs::read_dir(dir.path()) else {
                continue;
            };
            for f in files.flatten() {
                let name = f.file_name().to_string_lossy().into_owned();
                if name.ends_with(".request.json") {
                    out.push(std::fs::read(f.path()).expect("fixture"));
                }
            }
        }
        out.sort();
        assert!(out.len() > 20, "fixture requests found");
        out
    })
}

struct Answer {
    status: u16,
    head: String,
    body: Vec<u8>,
}

/// Sends one request with `Connection: close` and reads the whole answer.
fn send(route: &str, headers: &[(String, Vec<u8>)], body: &[u8]) -> Answer {
    let mut s = TcpStream::connect(server()).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(15)))
        .expect("timeout");
    let mut req = format!(
        "POST {route} HTTP/1.1\r\nHost: test\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    )
    .into_bytes();
    let has_type = headers
        .iter()
        .any(|(k, _)| k.eq_ignore_ascii_case("content-type"));
    if !has_type {
        req.extend_from_slice(b"Content-Type: application/json\r\n");
    }
    for (k, v) in headers {
        req.extend_from_slice(k.as_bytes());
        req.extend_from_slice(b": ");
        req.extend_from_slice(v);
        req.extend_from_slice(b"\r\n");
    }
    req.extend_from_slice(b"\r\n");
    req.extend_from_slice(body);
    s.write_all(&req).expect("write");
    let mut raw = Vec::new();
    s.read_to_end(&mut raw)
        .expect("an answer, not a dropped connection");
    // `Expect: 100-continue` (one of the tried values) gets an interim `100 Continue` before
    // the answer; it is HTTP, not the answer, so it is skipped.
    while raw.starts_with(b"HTTP/1.1 1") {
        match raw.windows(4).position(|w| w == b"\r\n\r\n") {
            Some(end) => raw.drain(..end + 4),
            None => break,
        };
    }
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a complete HTTP answer");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("a status line");
    let mut body = raw[split + 4..].to_vec();
    if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        body = dechunk(&body);
    }
    Answer { status, head, body }
}

fn dechunk(mut raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(eol) = raw.windows(2).position(|w| w == b"\r\n") {
        let size =
            usize::from_str_radix(std::str::from_utf8(&raw[..eol]).unwrap_or("0").trim(), 16)
                .unwrap_or(0);
        if size == 0 {
            break;
        }
        let start = eol + 2;
        out.extend_from_slice(&raw[start..(start + size).min(raw.len())]);
        raw = &raw[(start + size + 2).min(raw.len())..];
    }
    out
}

/// The property every answer must hold.
fn check(answer: &Answer, what: &str) -> Result<(), TestCaseError> {
    let json: Value = serde_json::from_slice(&answer.body).map_err(|e| {
        TestCaseError::fail(format!(
            "{what}: body is not JSON ({e}): {}\n{}",
            answer.head,
            String::from_utf8_lossy(&answer.body)
        ))
    })?;
    match answer.status {
        200..=299 => prop_assert!(json.is_object(), "{what}: 2xx body {json}"),
        400..=499 => prop_assert!(
            json["error"]["code"]
                .as_str()
                .is_some_and(|c| !c.is_empty()),
            "{what}: 4xx without an error code: {json}"
        ),
        other => prop_assert!(false, "{what}: status {other}: {json}"),
    }
    Ok(())
}

#[derive(Debug, Clone)]
enum Mutation {
    Truncate(usize),
    Flip(usize, u8),
    Insert(usize, Vec<u8>),
    Delete(usize, usize),
}

fn apply(mut bytes: Vec<u8>, m: &Mutation) -> Vec<u8> {
    let at = |i: usize, len: usize| if len == 0 { 0 } else { i % (len + 1) };
    match m {
        Mutation::Truncate(i) => bytes.truncate(at(*i, bytes.len())),
        Mutation::Flip(i, x) => {
            if !bytes.is_empty() {
                let i = i % bytes.len();
                bytes[i] ^= x | 1;
            }
        }
        Mutation::Insert(i, extra) => {
            let i = at(*i, bytes.len());
            bytes.splice(i..i, extra.iter().copied());
        }
        Mutation::Delete(i, n) => {
            let i = at(*i, bytes.len());
            let end = (i + n).min(bytes.len());
            bytes.drain(i..end);
        }
    }
    bytes
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        any::<usize>().prop_map(Mutation::Truncate),
        (any::<usize>(), any::<u8>()).prop_map(|(i, x)| Mutation::Flip(i, x)),
        (
            any::<usize>(),
            prop_oneof![
                prop::collection::vec(any::<u8>(), 1..16),
                Just(b"null".to_vec()),
                Just(b"\"".to_vec()),
                Just(b"{".to_vec()),
                Just(b"[[[[[[[[".to_vec()),
                Just(b"1e999".to_vec()),
                Just("\u{0}\u{feff}".as_bytes().to_vec()),
            ]
        )
            .prop_map(|(i, b)| Mutation::Insert(i, b)),
        (any::<usize>(), 1usize..64).prop_map(|(i, n)| Mutation::Delete(i, n)),
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        ".{0,24}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(
                prop_oneof![
                    ".{0,12}",
                    Just("queryResult".to_string()),
                    Just("session".to_string()),
                    Just("parameters".to_string()),
                    Just("intentInfo".to_string()),
                    Just("fulfillmentInfo".to_string()),
                    Just("tag".to_string()),
                ],
                inner,
                0..6
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Replaces the value at a pseudo-random path inside `doc` with `value`.
fn graft(doc: &mut Value, choice: usize, value: Value) {
    let descend = choice % 3 != 0;
    let child = match doc {
        Value::Object(m) if descend && !m.is_empty() => {
            let len = m.len();
            m.values_mut().nth(choice % len)
        }
        Value::Array(a) if descend && !a.is_empty() => {
            let len = a.len();
            a.get_mut(choice % len)
        }
        _ => None,
    };
    match child {
        Some(child) => graft(child, choice / 3, value),
        None => *doc = value,
    }
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(192),
        // Failures are reported with their minimal case; no regression files in the tree.
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn mutated_and_truncated_fixture_requests(
        which in any::<usize>(),
        route in 0usize..3,
        mutations in prop::collection::vec(mutation(), 1..4),
    ) {
        let all = fixture_requests();
        let mut body = all[which % all.len()].clone();
        for m in &mutations {
            body = apply(body, m);
        }
        let answer = send(ROUTES[route], &[], &body);
        check(&answer, &format!("{mutations:?} on {}", ROUTES[route]))?;
    }

    #[test]
    fn fixture_requests_with_random_json_grafted_in(
        which in any::<usize>(),
        route in 0usize..3,
        choice in any::<usize>(),
        value in json_value(),
    ) {
        let all = fixture_requests();
        let mut doc: Value = serde_json::from_slice(&all[which % all.len()]).expect("fixture json");
        graft(&mut doc, choice, value.clone());
        let body = serde_json::to_vec(&doc).expect("json");
        let answer = send(ROUTES[route], &[], &body);
        check(&answer, &format!("graft {value} at {choice}"))?;
        // A valid request that still parses must be answered as one, not refused.
        prop_assert!(answer.status != 404 && answer.status != 405);
    }

    #[test]
    fn random_json(route in 0usize..3, value in json_value()) {
        let body = serde_json::to_vec(&value).expect("json");
        let answer = send(ROUTES[route], &[], &body);
        check(&answer, &format!("{value}"))?;
    }

    #[test]
    fn random_header_values(
        which in any::<usize>(),
        name in prop::sample::select(vec![
            "content-type", "x-request-id", "traceparent", "x-cloud-trace-context",
            "authorization", "x-forwarded-for", "content-encoding", "accept",
            "accept-encoding", "x-webhook-token", "x-signature-256", "expect",
        ]),
        // Any byte a header value may legally carry (no CR, LF or NUL), including obs-text.
        value in prop_oneof![
            prop::collection::vec(prop_oneof![0x20u8..=0x7e, 0x80u8..=0xff, Just(b'\t')], 0..80),
            // Values that mean something to some layer, so they are tried often.
            prop::sample::select(vec![
                "gzip", "br", "deflate", "zstd", "identity", "chunked", "100-continue",
                "application/json; charset=utf-16", "text/html", "application/json;;;",
                "Bearer ", "Basic !!!", "00-zzzz-yyyy-01", "a/b;o=1", "1.2.3.4, ::1, junk",
            ]).prop_map(|v| v.as_bytes().to_vec()),
        ],
    ) {
        let all = fixture_requests();
        let body = &all[which % all.len()];
        let headers = vec![(name.to_string(), value.clone())];
        let answer = send("/webhook", &headers, body);
        check(&answer, &format!("{name}: {:?}", String::from_utf8_lossy(&value)))?;
    }
}
