//! Graceful shutdown of the real binary under steady load: readiness turns off first, every
//! request sent before the load balancer noticed succeeds, and the process exits 0 in time.

use std::process::Stdio;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{binary, client, listening, sigterm};

#[actix_web::test]
async fn sigterm_during_load_loses_no_request_and_exits_zero() {
    let upstream = MockServer::start().await;
    Mock::given(path("/latest"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_delay(Duration::from_millis(200))
                .set_body_json(serde_json::json!({"amount": 10.0, "base": "USD", "date": "2026-11-23", "rates": {"EUR": 9.45}})),
        )
        .mount(&upstream)
        .await;
    let mut child = binary()
        .env("INTENTFUL_SERVER__SHUTDOWN_DELAY_MS", "1000")
        .env("INTENTFUL_SERVER__SHUTDOWN_GRACE_MS", "5000")
        .env("INTENTFUL_UPSTREAMS__RATES__BASE_URL", upstream.uri())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn intentful");
    let (addr, _, rest_of_log) = listening(&mut child);

    let body = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/currency_convert/usd_to_eur.request.json"
    ))
    .expect("fixture");
    let stop = Arc::new(AtomicBool::new(false));
    // Bounded: if readiness never turns off, the loops end and the assertions below fail.
    let give_up = Instant::now() + Duration::from_secs(20);
    let ok = Arc::new(AtomicUsize::new(0));
    let failed = Arc::new(AtomicUsize::new(0));
    let mut workers = Vec::new();
    for _ in 0..8 {
        let (stop, ok, failed, body, addr) = (
            stop.clone(),
            ok.clone(),
            failed.clone(),
            body.clone(),
            addr.clone(),
        );
        workers.push(actix_web::rt::spawn(async move {
            let http = client();
            while !stop.load(Ordering::SeqCst) && Instant::now() < give_up {
                let resp = http
                    .post(format!("http://{addr}/webhook"))
                    .header("content-type", "application/json")
                    .body(body.clone())
                    .send()
                    .await;
                let good = match resp {
                    Ok(r) if r.status().is_success() => {
                        r.json::<serde_json::Value>().await.is_ok_and(|v| {
                            v["fulfillmentText"]
                                .as_str()
                                .is_some_and(|t| t.starts_with("10 USD is 9.45 EUR"))
                        })
                    }
                    _ => false,
                };
                if good {
                    ok.fetch_add(1, Ordering::SeqCst)
                } else {
                    failed.fetch_add(1, Ordering::SeqCst)
                };
            }
        }));
    }
    // The "load balancer": stops sending once readiness turns off.
    let poller = {
        let (stop, addr) = (stop.clone(), addr.clone());
        actix_web::rt::spawn(async move {
            let http = client();
            while !stop.load(Ordering::SeqCst) && Instant::now() < give_up {
                if let Ok(r) = http.get(format!("http://{addr}/readyz")).send().await {
                    if r.status().as_u16() == 503 {
                        stop.store(true, Ordering::SeqCst);
                    }
                }
                tokio::time::sleep(Duration::from_millis(25)).await;
            }
        })
    };
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let before = ok.load(Ordering::SeqCst);
    let sent_at = Instant::now();
    sigterm(&child);
    for w in workers {
        w.await.expect("worker");
    }
    poller.await.expect("poller");
    let exit = actix_web::rt::task::spawn_blocking(move || child.wait())
        .await
        .expect("join")
        .expect("wait");
    let took = sent_at.elapsed();
    assert!(before > 0, "load was running");
    assert!(stop.load(Ordering::SeqCst), "readiness never turned off");
    assert_eq!(
        failed.load(Ordering::SeqCst),
        0,
        "no request may fail ({} ok)",
        ok.load(Ordering::SeqCst)
    );
    assert_eq!(exit.code(), Some(0), "exit status {exit:?}");
    assert!(took < Duration::from_secs(5), "took {took:?}");
    // Log lines leave from a queue: the last ones, logged as the server stopped, were still
    // written out before the process ended.
    let log = rest_of_log.join().expect("log reader");
    let last: serde_json::Value = log
        .lines()
        .rev()
        .find_map(|l| serde_json::from_str(l).ok())
        .expect("JSON log lines after start-up");
    assert_eq!(last["message"], "stopped", "{log}");
}
