//! A stdout nobody reads must not stall webhook calls: the real binary, its stdout a pipe that
//! is never drained after start-up, answers thousands of calls, and `/metrics` counts the log
//! lines it had to drop. With lines written on the calls' own thread, the first full pipe
//! would block the worker and every call after it would time out.

use std::process::Stdio;
use std::time::Duration;

use futures::stream::{self, StreamExt};

use crate::support::{binary, es_request, exit_within, read_until_listening, sigterm, Running};

#[actix_web::test]
async fn calls_are_answered_while_stdout_is_stalled_and_drops_are_counted() {
    let mut child = binary()
        .env("INTENTFUL_SERVER__WORKERS", "1")
        // Debug: a few lines per call, so that the pipe and the queue fill sooner.
        .env("INTENTFUL_LOG__LEVEL", "debug")
        .env_remove("RUST_LOG")
        .env("INTENTFUL_AUTH__DEFAULT__MODE", "none")
        .env("INTENTFUL_AUTH__DEFAULT__ACKNOWLEDGED", "true")
        .env("INTENTFUL_ADMIN__AUTH__MODE", "none")
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn intentful");
    let (addr, _, lines) = read_until_listening(&mut child);
    let mut running = Running(child);
    // From here on nobody reads: `lines` keeps the pipe open and full.

    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .expect("client");
    let body = es_request("input.welcome").to_string();
    let url = format!("http://{addr}/webhook/es");
    let drops = || async {
        let text = http
            .get(format!("http://{addr}/metrics"))
            .send()
            .await
            .expect("GET /metrics")
            .text()
            .await
            .expect("metrics text");
        text.lines()
            .find_map(|l| l.strip_prefix("intentful_log_lines_dropped_total "))
            .and_then(|v| v.trim().parse::<f64>().ok())
            .expect("intentful_log_lines_dropped_total in /metrics")
    };
    assert_eq!(drops().await, 0.0, "nothing dropped while stdout was read");

    // Well past what the pipe (64 KiB), the writer's batch (256 KiB) and the queue (8,192
    // lines) hold, in rounds until lines are dropped.
    let mut answered = 0;
    let mut dropped = 0.0;
    for _round in 0..6 {
        let round = stream::iter(0..2_000)
            .map(|_| {
                let (http, url, body) = (http.clone(), url.clone(), body.clone());
                async move {
                    http.post(url)
                        .header("content-type", "application/json")
                        .body(body)
                        .send()
                        .await
                        .map(|r| r.status().as_u16())
                        .unwrap_or(0)
                }
            })
            .buffer_unordered(16)
            .collect::<Vec<u16>>();
        // A blocked worker would make each call wait out its timeout: fail fast instead.
        let statuses = tokio::time::timeout(Duration::from_secs(60), round)
            .await
            .expect("2,000 calls took over a minute: the worker is blocked on stdout");
        assert!(
            statuses.iter().all(|&s| s == 200),
            "every call answered 200 while stdout was stalled; got {:?}",
            statuses
                .iter()
                .filter(|&&s| s != 200)
                .take(5)
                .collect::<Vec<_>>()
        );
        answered += statuses.len();
        dropped = drops().await;
        if dropped > 0.0 {
            break;
        }
    }
    assert!(
        dropped > 0.0,
        "{answered} calls with stdout stalled, yet no line was counted as dropped"
    );

    // SIGTERM with stdout still stalled: the lines still queued cannot be written, and the
    // process must exit anyway, soon after the wait for them runs out.
    let child = &mut running.0;
    sigterm(child);
    let exit = exit_within(child, Duration::from_secs(10))
        .expect("still running 10 s after SIGTERM: the exit waits on stdout");
    assert_eq!(exit.code(), Some(0), "exit status {exit:?}");
    drop(lines);
}
