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

/// A CX call with a 30 s webhook timeout still waiting on a hung upstream when SIGTERM comes:
/// at the end of the 1.5 s grace it is answered with its fallback (not cut at 1 s, not left
/// without an answer), the answer is logged, and the process exits 0.
#[actix_web::test]
async fn a_call_still_running_at_the_end_of_the_grace_gets_its_fallback() {
    let upstream = MockServer::start().await;
    Mock::given(path("/latest"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(60)))
        .mount(&upstream)
        .await;
    let mut child = binary()
        .env("INTENTFUL_SERVER__SHUTDOWN_GRACE_MS", "1500")
        .env("INTENTFUL_DEADLINE__CX_MS", "30000")
        .env("INTENTFUL_UPSTREAMS__RATES__BASE_URL", upstream.uri())
        .env("INTENTFUL_UPSTREAMS__RATES__TIMEOUT_MS", "30000")
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn intentful");
    let (addr, _, rest_of_log) = listening(&mut child);
    let body = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/currency_convert/cx_usd_to_eur.request.json"
    ))
    .expect("fixture");
    let call = actix_web::rt::spawn(async move {
        let resp = client()
            .post(format!("http://{addr}/webhook/cx"))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .map_err(|e| format!("no answer: {e}"))?;
        let outcome = resp
            .headers()
            .get("x-intentful-outcome")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        let status = resp.status().as_u16();
        let json: serde_json::Value = resp.json().await.map_err(|e| e.to_string())?;
        Ok::<_, String>((status, outcome, json, Instant::now()))
    });
    let waiting_since = Instant::now();
    while upstream
        .received_requests()
        .await
        .unwrap_or_default()
        .is_empty()
    {
        assert!(
            waiting_since.elapsed() < Duration::from_secs(5),
            "the upstream call never arrived"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let sent_at = Instant::now();
    sigterm(&child);
    let (status, outcome, json, answered_at) = call.await.expect("join").expect("an answer");
    let after = answered_at.duration_since(sent_at);
    assert_eq!(status, 200);
    assert_eq!(outcome, "fallback_shutdown");
    assert_eq!(
        json["fulfillmentResponse"]["messages"][0]["text"]["text"][0],
        "Sorry, I can't get exchange rates right now. Please try again shortly.",
        "{json}"
    );
    assert!(
        after >= Duration::from_millis(1400) && after < Duration::from_millis(2500),
        "answered {after:?} after SIGTERM, the grace is 1.5 s"
    );
    // Well before actix's own cut (the grace rounded up, plus 1 s, after the listener closed):
    // nothing was left to wait for.
    let exit = actix_web::rt::task::spawn_blocking(move || {
        crate::support::exit_within(&mut child, Duration::from_millis(1_400))
    })
    .await
    .expect("join")
    .expect("exited within 1.4 s of the answer");
    assert_eq!(exit.code(), Some(0), "exit status {exit:?}");
    let log = rest_of_log.join().expect("log reader");
    let fallback = log
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|l| l["message"] == "answered with the fallback")
        .unwrap_or_else(|| panic!("no fallback line in {log}"));
    assert_eq!(fallback["outcome"], "fallback_shutdown", "{fallback}");
}
