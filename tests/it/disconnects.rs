//! A caller that hangs up while its handler waits on a slow upstream: the handler (and with it
//! the upstream call) is dropped at once instead of running to the deadline, and the disconnect
//! is counted.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use intentful::config::{Settings, UpstreamSettings};
use intentful::intent::prelude::*;
use intentful::intent::Registry;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{es_request, spawn_with};

/// Notes when the handler's future is dropped.
struct DroppedAt(Arc<Mutex<Option<Instant>>>);

impl Drop for DroppedAt {
    fn drop(&mut self) {
        *self.0.lock().expect("lock") = Some(Instant::now());
    }
}

/// The value of `intentful_webhook_disconnects_total` for `/webhook` in this process.
fn disconnects() -> f64 {
    let text = intentful::telemetry::render_metrics();
    text.lines()
        .filter(|l| l.starts_with("intentful_webhook_disconnects_total{"))
        .filter(|l| l.contains("route=\"/webhook\""))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

#[actix_web::test]
async fn a_caller_that_hangs_up_drops_its_handler_and_is_counted() {
    let upstream = MockServer::start().await;
    Mock::given(path("/slow"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(30)))
        .mount(&upstream)
        .await;
    let mut settings = Settings::default();
    settings.upstreams.insert(
        "slow".into(),
        UpstreamSettings {
            timeout_ms: 30_000,
            ..UpstreamSettings::new(upstream.uri().parse().expect("url"))
        },
    );
    let dropped = Arc::new(Mutex::new(None));
    let mut registry = Registry::default();
    let seen = dropped.clone();
    registry
        .add("slow.call", move |ctx: Ctx, _turn: Turn| {
            let guard = DroppedAt(seen.clone());
            async move {
                let _guard = guard;
                let text = ctx.upstream("slow").get("/slow").send_text().await?;
                Ok(Reply::text(text))
            }
        })
        .needs_upstream("slow");
    let server = spawn_with(settings, registry.finish().expect("registry"));
    let before = disconnects();

    let body = es_request("slow.call").to_string();
    let mut socket = TcpStream::connect(server.addr).await.expect("connect");
    let head = format!(
        "POST /webhook HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    socket.write_all(head.as_bytes()).await.expect("head");
    socket.write_all(body.as_bytes()).await.expect("body");
    // The handler is running once its upstream call has arrived.
    let waiting_since = Instant::now();
    while upstream
        .received_requests()
        .await
        .unwrap_or_default()
        .is_empty()
    {
        assert!(
            waiting_since.elapsed() < Duration::from_secs(3),
            "the upstream call never arrived"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let hung_up = Instant::now();
    drop(socket);

    // The budget is 4.5 s: a handler still alive after 1 s was left running.
    let gone = loop {
        if let Some(at) = *dropped.lock().expect("lock") {
            break at;
        }
        assert!(
            hung_up.elapsed() < Duration::from_secs(1),
            "the handler still runs {:?} after its caller hung up",
            hung_up.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    assert!(gone.duration_since(hung_up) < Duration::from_secs(1));
    assert!(
        disconnects() >= before + 1.0,
        "the disconnect was not counted"
    );
}
