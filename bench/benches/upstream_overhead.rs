//! What the upstream layer costs on top of a bare `reqwest` call: the same GET to the same
//! local keep-alive server, once with the shared client directly and once through
//! `UpstreamClient` (breaker, concurrency permit, budget, retry bookkeeping, metrics; no cache).
//!
//! The server is a few lines of tokio answering a fixed HTTP/1.1 response on its own thread, so
//! it is never the bottleneck. Run `cargo bench --bench upstream_overhead`; compare the two
//! `time:` lines (or `target/criterion/upstream_overhead/*/new/estimates.json`).

use std::sync::Arc;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use intentful::config::{Settings, UpstreamSettings};
use intentful::upstream::{Upstreams, USER_AGENT};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const RESPONSE: &[u8] =
    b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 11\r\n\r\n{\"ok\":true}";

/// Serves every request on every connection with [`RESPONSE`], on a thread of its own.
fn start_server() -> String {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("server runtime");
        rt.block_on(async move {
            let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
            tx.send(listener.local_addr().expect("addr"))
                .expect("send addr");
            while let Ok((mut sock, _)) = listener.accept().await {
                let _ = sock.set_nodelay(true);
                tokio::spawn(async move {
                    let mut buf = vec![0u8; 8192];
                    let mut filled = 0;
                    loop {
                        let Ok(n) = sock.read(&mut buf[filled..]).await else {
                            return;
                        };
                        if n == 0 {
                            return;
                        }
                        filled += n;
                        // GETs without bodies: one response per complete header block.
                        while let Some(end) =
                            buf[..filled].windows(4).position(|w| w == b"\r\n\r\n")
                        {
                            if sock.write_all(RESPONSE).await.is_err() {
                                return;
                            }
                            buf.copy_within(end + 4..filled, 0);
                            filled -= end + 4;
                        }
                    }
                });
            }
        });
    });
    format!("http://{}", rx.recv().expect("server address"))
}

fn overhead(c: &mut Criterion) {
    let base = start_server();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    // The real recorder, as in production, so metrics cost is counted.
    let _ = intentful::telemetry::metrics_handle();

    let bare = reqwest::Client::builder()
        .user_agent(USER_AGENT)
        .tcp_nodelay(true)
        .build()
        .expect("client");
    let mut settings = Settings::default();
    settings.upstreams.insert(
        "bench".into(),
        UpstreamSettings::new(base.parse().expect("url")),
    );
    let margin = Duration::from_millis(settings.deadline.upstream_margin_ms);
    let upstreams = Upstreams::from_settings(&settings.upstreams, margin).expect("upstreams");
    let upstreams = Arc::new(upstreams);
    let request_id: Arc<str> = Arc::from("bench-request");
    let url = format!("{base}/v1/thing");

    let mut group = c.benchmark_group("upstream_overhead");
    group.measurement_time(Duration::from_secs(8));
    group.sample_size(100);
    group.bench_function("bare_reqwest", |b| {
        b.to_async(&rt).iter(|| async {
            let resp = bare
                .get(&url)
                .query(&[("id", 42)])
                .header("x-request-id", &*request_id)
                .send()
                .await
                .expect("response");
            let body = resp.bytes().await.expect("body");
            assert_eq!(body.len(), 11);
        })
    });
    // The same bare call under a tokio timeout: what the deadline alone costs.
    group.bench_function("bare_reqwest_with_timeout", |b| {
        b.to_async(&rt).iter(|| async {
            let call = async {
                let resp = bare
                    .get(&url)
                    .query(&[("id", 42)])
                    .header("x-request-id", &*request_id)
                    .send()
                    .await
                    .expect("response");
                resp.bytes().await.expect("body")
            };
            let body = tokio::time::timeout(Duration::from_secs(5), call)
                .await
                .expect("in time");
            assert_eq!(body.len(), 11);
        })
    });
    group.bench_function("upstream_client", |b| {
        b.to_async(&rt).iter(|| async {
            let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
            let resp = upstreams
                .client("bench", deadline, request_id.clone())
                .get("/v1/thing")
                .query(&[("id", 42)])
                .send()
                .await
                .expect("response");
            assert_eq!(resp.body.len(), 11);
        })
    });
    group.finish();
    // Profiling one function (`--profile-time`) wants nothing else running.
    if std::env::var_os("INTENTFUL_BENCH_NO_PAIRED").is_some() {
        return;
    }
    for in_turn in [false, true] {
        paired(&rt, &bare, &upstreams, &url, &request_id, in_turn);
    }
}

/// The criterion runs above are sequential, so on a shared machine a burst of load during one
/// of them skews the comparison. Here both variants alternate in short rounds, so load hits
/// them alike; the median of the per-round ratios is the figure to quote.
///
/// Two settings: `raw`, each call on its own; and `in_turn`, each call inside a 5 s
/// `tokio::time::timeout` as the dispatcher runs every handler, so a timer is pending for the
/// bare call too. The second is where the layer is used; the first charges the layer with the
/// whole cost of arming a timer (the runtime then parks with a kernel timeout).
fn paired(
    rt: &tokio::runtime::Runtime,
    bare: &reqwest::Client,
    upstreams: &Upstreams,
    url: &str,
    request_id: &Arc<str>,
    in_turn: bool,
) {
    const ROUNDS: usize = 200;
    const CALLS: u32 = 100;
    let turn = Duration::from_secs(5);
    let mut ratios = Vec::with_capacity(ROUNDS);
    let (mut bare_total, mut layer_total) = (Duration::ZERO, Duration::ZERO);
    let bare_call = || async {
        let resp = bare
            .get(url)
            .query(&[("id", 42)])
            .header("x-request-id", &**request_id)
            .send()
            .await
            .expect("response");
        resp.bytes().await.expect("body");
    };
    let layer_call = || async {
        let deadline = tokio::time::Instant::now() + turn;
        upstreams
            .client("bench", deadline, request_id.clone())
            .get("/v1/thing")
            .query(&[("id", 42)])
            .send()
            .await
            .expect("response");
    };
    rt.block_on(async {
        for round in 0..ROUNDS {
            let bare_run = timed(&bare_call, CALLS, in_turn.then_some(turn));
            let layer_run = timed(&layer_call, CALLS, in_turn.then_some(turn));
            // Alternate which goes first, so warm caches favour neither.
            let (b, l) = if round % 2 == 0 {
                let b = bare_run.await;
                (b, layer_run.await)
            } else {
                let l = layer_run.await;
                (bare_run.await, l)
            };
            bare_total += b;
            layer_total += l;
            ratios.push(l.as_secs_f64() / b.as_secs_f64());
        }
    });
    ratios.sort_by(f64::total_cmp);
    let per_call = |d: Duration| d.as_secs_f64() * 1e6 / (ROUNDS as f64 * CALLS as f64);
    println!(
        "paired {}: bare_reqwest {:.2} µs/call, upstream_client {:.2} µs/call; \
         median ratio {:.4} (overhead {:+.2} %), total ratio {:.4}",
        if in_turn { "in_turn" } else { "raw" },
        per_call(bare_total),
        per_call(layer_total),
        ratios[ROUNDS / 2],
        (ratios[ROUNDS / 2] - 1.0) * 100.0,
        layer_total.as_secs_f64() / bare_total.as_secs_f64()
    );
}

/// Runs `call` `calls` times in a row, each inside a `turn` timeout when one is given, and
/// returns the wall time of the whole run.
async fn timed<F, Fut>(call: F, calls: u32, turn: Option<Duration>) -> Duration
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let started = std::time::Instant::now();
    for _ in 0..calls {
        match turn {
            Some(turn) => tokio::time::timeout(turn, call()).await.expect("in time"),
            None => call().await,
        }
    }
    started.elapsed()
}

criterion_group!(benches, overhead);
criterion_main!(benches);
