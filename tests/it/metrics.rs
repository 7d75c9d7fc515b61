//! `/metrics` of the real binary: the text parses as Prometheus exposition format (with the
//! `prometheus-parse` crate, plus a line-by-line check because that crate skips what it cannot
//! read), and the counters move by exactly what the test drives.
//!
//! The test runs its own `intentful` process rather than an in-process server: the metrics
//! recorder is process-global, and other tests in this binary send requests concurrently, which
//! would make exact deltas flaky.

use std::collections::HashSet;
use std::process::Stdio;

use prometheus_parse::{LineInfo, Scrape, Value as Sample};
use serde_json::json;

use crate::support::{binary, client, es_request, listening, Running};

/// The header-token secret guarding `/webhook/cx` in the spawned process.
const CX_TOKEN: &str = "metrics-test-token-0001";
/// The scraper's credential (`/metrics` is served on the main port only behind `[admin.auth]`).
const SCRAPE_TOKEN: &str = "Bearer metrics-scrape-token-01";

/// Starts the binary on a free port with `/webhook/cx` behind a header token; returns its address.
fn start() -> (Running, String) {
    let mut child = binary()
        .env("INTENTFUL_SERVER__WORKERS", "1")
        .env("INTENTFUL_AUTH__ROUTES__CX__MODE", "header")
        .env("INTENTFUL_AUTH__ROUTES__CX__NAME", "x-webhook-token")
        .env(
            "INTENTFUL_AUTH__ROUTES__CX__VALUES",
            format!("[{CX_TOKEN}]"),
        )
        .env("INTENTFUL_ADMIN__AUTH__MODE", "header")
        .env("INTENTFUL_ADMIN__AUTH__NAME", "authorization")
        .env(
            "INTENTFUL_ADMIN__AUTH__VALUES",
            format!("[\"{SCRAPE_TOKEN}\"]"),
        )
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn intentful");
    let (addr, _, _drain) = listening(&mut child);
    let running = Running(child);
    (running, addr)
}

/// Fetches `/metrics`, checks it line by line, and parses it.
async fn scrape(addr: &str) -> Scrape {
    let resp = client()
        .get(format!("http://{addr}/metrics"))
        .header("authorization", SCRAPE_TOKEN)
        .send()
        .await
        .expect("GET /metrics");
    assert_eq!(resp.status(), 200);
    let content_type = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    assert!(
        content_type.starts_with("text/plain") && content_type.contains("version=0.0.4"),
        "{content_type}"
    );
    let text = resp.text().await.expect("body");
    check_exposition(&text);
    Scrape::parse(text.lines().map(|l| Ok(l.to_string()))).expect("valid Prometheus text")
}

/// What `prometheus-parse` silently skips would hide a broken exposition, so every line must be
/// a comment or a sample with a numeric value, of a family declared by `# TYPE` exactly once.
fn check_exposition(text: &str) {
    let mut families: HashSet<String> = HashSet::new();
    for line in text.lines() {
        match LineInfo::parse(line) {
            LineInfo::Empty | LineInfo::Doc { .. } => {}
            LineInfo::Type {
                metric_name,
                metric_alias,
                ..
            } => {
                let family = metric_alias.unwrap_or(metric_name);
                assert!(families.insert(family.clone()), "TYPE twice for {family}");
            }
            LineInfo::Sample {
                metric_name, value, ..
            } => {
                assert!(
                    value.parse::<f64>().is_ok() || ["+Inf", "-Inf", "NaN"].contains(&value),
                    "bad value in `{line}`"
                );
                let family = ["_bucket", "_sum", "_count"]
                    .iter()
                    .find_map(|s| metric_name.strip_suffix(s))
                    .filter(|f| families.contains(*f))
                    .unwrap_or(metric_name);
                assert!(families.contains(family), "no TYPE before `{line}`");
            }
            LineInfo::Ignored => panic!("not Prometheus text: `{line}`"),
        }
    }
}

/// The value of the sample `name` whose labels include all of `labels` (0 when absent, so the
/// first scrape may predate a series).
fn value(scrape: &Scrape, name: &str, labels: &[(&str, &str)]) -> f64 {
    let matching: Vec<f64> = scrape
        .samples
        .iter()
        .filter(|s| s.metric == name)
        .filter(|s| labels.iter().all(|(k, v)| s.labels.get(k) == Some(*v)))
        .map(|s| match &s.value {
            Sample::Counter(v) | Sample::Gauge(v) | Sample::Untyped(v) => *v,
            other => panic!("{name}: unexpected value {other:?}"),
        })
        .collect();
    assert!(
        matching.len() <= 1,
        "{name} {labels:?} matches several series"
    );
    matching.first().copied().unwrap_or(0.0)
}

async fn post(addr: &str, path: &str, body: &str, token: Option<&str>) -> u16 {
    let mut req = client()
        .post(format!("http://{addr}{path}"))
        .header("content-type", "application/json")
        .body(body.to_string());
    if let Some(t) = token {
        req = req.header("x-webhook-token", t);
    }
    req.send().await.expect("POST").status().as_u16()
}

#[actix_web::test]
async fn metrics_parse_and_counters_move_with_requests() {
    let (_child, addr) = start();
    let welcome = es_request("input.welcome").to_string();
    // Every intent's series exist from start-up, at 0.
    let fresh = scrape(&addr).await;
    let welcome_ok = [
        ("route", "/webhook/es"),
        ("intent", "input.welcome"),
        ("outcome", "ok"),
    ];
    let listed = |scrape: &Scrape| {
        scrape.samples.iter().any(|s| {
            s.metric == "intentful_webhook_requests_total"
                && welcome_ok.iter().all(|(k, v)| s.labels.get(k) == Some(*v))
        })
    };
    assert!(listed(&fresh), "no series before the first call");
    assert_eq!(
        value(&fresh, "intentful_webhook_requests_total", &welcome_ok),
        0.0
    );
    // And count from the first call.
    assert_eq!(post(&addr, "/webhook/es", &welcome, None).await, 200);
    let before = scrape(&addr).await;
    assert_eq!(
        value(&before, "intentful_webhook_requests_total", &welcome_ok),
        1.0
    );

    // A display name nobody registered, unique so that any label leak is unmistakable.
    let stranger = "Zz Unregistered 7f3c";
    let unknown = es_request(stranger).to_string();
    let cx_welcome = json!({
        "detectIntentResponseId": "r-1",
        "fulfillmentInfo": {"tag": "input.welcome"},
        "sessionInfo": {"session": "projects/p/locations/l/agents/a/sessions/s"},
        "languageCode": "en"
    })
    .to_string();
    for _ in 0..3 {
        assert_eq!(post(&addr, "/webhook/es", &welcome, None).await, 200);
    }
    let convert = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/currency_convert/usd_to_eur.request.json"
    ))
    .expect("fixture");
    assert_eq!(post(&addr, "/webhook/es", &convert, None).await, 200);
    assert_eq!(post(&addr, "/webhook", &welcome, None).await, 200);
    assert_eq!(post(&addr, "/webhook/es", &unknown, None).await, 200);
    assert_eq!(post(&addr, "/webhook/es", "{not json", None).await, 400);
    assert_eq!(post(&addr, "/webhook/cx", &cx_welcome, None).await, 401);
    assert_eq!(
        post(
            &addr,
            "/webhook/cx",
            &cx_welcome,
            Some("wrong-token-0000000")
        )
        .await,
        401
    );
    assert_eq!(
        post(&addr, "/webhook/cx", &cx_welcome, Some(CX_TOKEN)).await,
        200
    );

    let after = scrape(&addr).await;
    let delta = |name: &str, labels: &[(&str, &str)]| {
        value(&after, name, labels) - value(&before, name, labels)
    };

    let requests = "intentful_webhook_requests_total";
    let es_ok = [
        ("protocol", "es"),
        ("intent", "input.welcome"),
        ("outcome", "ok"),
    ];
    assert_eq!(
        delta(
            requests,
            &[&es_ok[..], &[("route", "/webhook/es")]].concat()
        ),
        3.0
    );
    assert_eq!(
        delta(requests, &[&es_ok[..], &[("route", "/webhook")]].concat()),
        1.0
    );
    assert_eq!(
        delta(
            requests,
            &[
                ("route", "/webhook/cx"),
                ("protocol", "cx"),
                ("intent", "input.welcome"),
                ("outcome", "ok")
            ]
        ),
        1.0
    );
    assert_eq!(
        delta(
            requests,
            &[
                ("route", "/webhook/es"),
                ("protocol", "es"),
                ("intent", "unknown"),
                ("outcome", "unknown_intent")
            ]
        ),
        1.0
    );

    // A failing upstream: the call is a fallback, and the upstream call is counted and timed.
    assert_eq!(
        delta(
            requests,
            &[
                ("route", "/webhook/es"),
                ("intent", "currency.convert"),
                ("outcome", "fallback_error")
            ]
        ),
        1.0
    );
    assert_eq!(
        delta(
            "intentful_upstream_requests_total",
            &[("upstream", "rates"), ("outcome", "connect")]
        ),
        1.0
    );
    assert_eq!(
        delta(
            "intentful_upstream_duration_seconds_count",
            &[("upstream", "rates")]
        ),
        1.0
    );

    // Latency: one observation per answered call, per protocol and intent.
    let count = "intentful_webhook_duration_seconds_count";
    assert_eq!(
        delta(count, &[("protocol", "es"), ("intent", "input.welcome")]),
        4.0
    );
    assert_eq!(
        delta(count, &[("protocol", "cx"), ("intent", "input.welcome")]),
        1.0
    );
    assert_eq!(
        delta(count, &[("protocol", "es"), ("intent", "unknown")]),
        1.0
    );
    let histogram = after
        .samples
        .iter()
        .find(|s| {
            s.metric == "intentful_webhook_duration_seconds"
                && s.labels.get("intent") == Some("input.welcome")
                && s.labels.get("protocol") == Some("es")
        })
        .expect("latency histogram for input.welcome");
    match &histogram.value {
        Sample::Histogram(buckets) => {
            let inf = buckets
                .iter()
                .find(|b| b.less_than.is_infinite())
                .expect("+Inf bucket");
            assert!(inf.count >= 4.0, "{buckets:?}");
        }
        other => panic!("not a histogram: {other:?}"),
    }

    // Refusals before dispatch, by route and code; auth refusals by mode and reason.
    let rejections = "intentful_webhook_rejections_total";
    assert_eq!(
        delta(
            rejections,
            &[("route", "/webhook/es"), ("code", "malformed_json")]
        ),
        1.0
    );
    assert_eq!(
        delta(
            rejections,
            &[("route", "/webhook/cx"), ("code", "unauthorized")]
        ),
        2.0
    );
    let auth: f64 = after
        .samples
        .iter()
        .filter(|s| {
            s.metric == "intentful_auth_rejections_total"
                && s.labels.get("route") == Some("/webhook/cx")
                && s.labels.get("mode") == Some("header")
        })
        .map(|s| match s.value {
            Sample::Counter(v) => v,
            _ => 0.0,
        })
        .sum();
    assert_eq!(auth, 2.0, "a missing and a wrong token");

    // In flight: present, and back to zero once every call has been answered.
    let in_flight = after
        .samples
        .iter()
        .find(|s| s.metric == "intentful_webhook_in_flight")
        .expect("in-flight gauge");
    assert!(
        matches!(in_flight.value, Sample::Gauge(v) if v == 0.0),
        "{:?}",
        in_flight.value
    );

    // Bounded labels: what a caller sends as an intent name never becomes a label value.
    for s in &after.samples {
        for (k, v) in s.labels.iter() {
            assert!(
                !v.contains("Unregistered"),
                "{}{{{k}={v}}} leaks the caller's intent name",
                s.metric
            );
        }
    }
    assert!(after.docs.contains_key(requests), "HELP for {requests}");
}
