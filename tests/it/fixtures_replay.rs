//! Every fixture case replayed against the in-process app with wiremock upstreams.

use std::path::PathBuf;
use std::time::Duration;

use intentful::fixtures::{discover, replay_all, ReplayOptions};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

#[actix_web::test]
async fn every_fixture_case_matches_its_golden_response() {
    let cases = discover(&root()).expect("fixtures readable");
    assert!(
        cases.len() >= 12,
        "expected at least 12 cases, found {}",
        cases.len()
    );
    let opts = ReplayOptions::for_dir(&root()).expect("fixture settings");
    let results = replay_all(&cases, &opts).await;
    let failures: Vec<String> = results
        .iter()
        .filter(|r| !r.passed())
        .map(|r| r.report())
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} fixture cases failed (BLESS=1 cargo test rewrites golden files):\n{}",
        failures.len(),
        results.len(),
        failures.join("\n")
    );
    // Every case, the slow-upstream ones included, must be answered inside the ES budget.
    let budget =
        Duration::from_millis(opts.settings.deadline.aog_ms - opts.settings.deadline.margin_ms);
    for r in &results {
        assert!(
            r.elapsed <= budget + Duration::from_millis(100),
            "{} took {:?}",
            r.name,
            r.elapsed
        );
    }
}

#[actix_web::test]
async fn a_changed_golden_file_is_reported_with_a_diff() {
    let mut cases = discover(&root()).expect("fixtures readable");
    let case = cases
        .iter_mut()
        .find(|c| c.name.starts_with("welcome/"))
        .expect("a welcome case");
    case.expected = Some(serde_json::json!({"fulfillmentText": "something else"}));
    let mut opts = ReplayOptions::for_dir(&root()).expect("fixture settings");
    opts.bless = false;
    let results = replay_all(std::slice::from_ref(case), &opts).await;
    let report = results[0].report();
    assert!(!results[0].passed());
    assert!(
        report.contains("-  \"fulfillmentText\": \"something else\""),
        "{report}"
    );
}

#[actix_web::test]
async fn a_reply_the_protocol_cannot_express_fails_the_case_even_when_blessed() {
    // The CX confirm case follows up with an event; without a [cx.events] target CX cannot
    // express it, so the case must fail even though the fallback it gets is valid JSON.
    let mut cases = discover(&root()).expect("fixtures readable");
    let case = cases
        .iter_mut()
        .find(|c| c.name == "booking_table/cx_confirm_books_and_transitions")
        .expect("the CX confirm case");
    let mut opts = ReplayOptions::for_dir(&root()).expect("fixture settings");
    opts.settings.cx.events.clear();
    opts.bless = false;
    let results = replay_all(std::slice::from_ref(case), &opts).await;
    assert!(!results[0].passed());
    assert!(
        results[0]
            .problems
            .iter()
            .any(|p| p.contains("cannot be expressed")),
        "{}",
        results[0].report()
    );
}
