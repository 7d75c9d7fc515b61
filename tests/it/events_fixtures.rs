//! Every event fixture case replayed (signed as its provider would, through the in-process app,
//! upstreams on wiremock, workers running until the events finish) and compared with its
//! golden outcome; and the drift check that every `events/` handler is registered and has cases.

use std::path::PathBuf;

use intentful::fixtures::{discover_events, replay_event_cases, EventReplayOptions};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/events")
}

#[actix_web::test]
async fn every_event_fixture_case_matches_its_golden_outcome() {
    let cases = discover_events(&root()).expect("event fixtures readable");
    assert!(
        cases.len() >= 8,
        "expected the example cases, found {}",
        cases.len()
    );
    let opts = EventReplayOptions::for_dir(&root()).expect("event fixture settings");
    let results = replay_event_cases(&cases, &opts).await;
    let failures: Vec<String> = results
        .iter()
        .filter(|r| !r.passed())
        .map(|r| r.report())
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} event fixture cases failed (BLESS=1 cargo test rewrites golden files):\n{}",
        failures.len(),
        results.len(),
        failures.join("\n")
    );
}

#[actix_web::test]
async fn a_changed_outcome_is_reported_with_a_diff() {
    let mut cases = discover_events(&root()).expect("event fixtures readable");
    let case = cases
        .iter_mut()
        .find(|c| c.name == "ticket_created/low_priority_is_skipped")
        .expect("the low-priority case");
    case.expected = Some(serde_json::json!({"events": [], "calls": []}));
    let mut opts = EventReplayOptions::for_dir(&root()).expect("settings");
    opts.bless = false;
    let results = replay_event_cases(std::slice::from_ref(case), &opts).await;
    assert!(!results[0].passed());
    assert!(
        results[0].report().contains("\"outcome\": \"done\""),
        "{}",
        results[0].report()
    );
}

#[test]
fn every_event_handler_is_registered_and_has_fixtures() {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mod_rs = std::fs::read_to_string(manifest.join("events/mod.rs")).expect("events/mod.rs");
    let registry = intentful::ingest::EventRegistry::builtin().expect("registry");
    let mut problems = Vec::new();
    let mut files = 0;
    for entry in std::fs::read_dir(manifest.join("events")).expect("events/") {
        let path = entry.expect("entry").path();
        let Some(stem) = path.file_stem().and_then(|s| s.to_str()) else {
            continue;
        };
        if path.extension().and_then(|e| e.to_str()) != Some("rs") || stem == "mod" {
            continue;
        }
        files += 1;
        if !mod_rs.contains(&format!("mod {stem};"))
            || !mod_rs.contains(&format!("{stem}::register(r)"))
        {
            problems.push(format!(
                "events/{stem}.rs needs `mod {stem};` and `{stem}::register(r);` in events/mod.rs"
            ));
        }
        if !registry.all().iter().any(|h| h.name == stem) {
            problems.push(format!("events/{stem}.rs registers no handler"));
        }
        let source = std::fs::read_to_string(&path).expect("handler file");
        if !source.starts_with("//! `") {
            problems.push(format!(
                "events/{stem}.rs must open with a `//!` doc naming its source and type"
            ));
        }
        let cases = std::fs::read_dir(root().join(stem))
            .map(|d| {
                d.filter_map(Result::ok)
                    .filter(|e| e.file_name().to_string_lossy().ends_with(".event.json"))
                    .count()
            })
            .unwrap_or(0);
        if cases == 0 {
            problems.push(format!(
                "events/{stem}.rs has no fixture cases in fixtures/events/{stem}/"
            ));
        }
    }
    assert!(files >= 2, "expected the example handlers, found {files}");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
