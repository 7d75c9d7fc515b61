//! Registry drift: every intent file is registered in intents/mod.rs, has fixture cases and
//! uses nothing of the crate but the intent prelude.

use std::path::PathBuf;

fn manifest() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn every_intent_file_is_registered_and_has_fixtures() {
    let mod_rs =
        std::fs::read_to_string(manifest().join("intents/mod.rs")).expect("intents/mod.rs");
    let mut problems = Vec::new();
    let mut files = 0;
    for entry in std::fs::read_dir(manifest().join("intents")).expect("intents/") {
        let path = entry.expect("entry").path();
        let Some(stem) = path.file_stem().and_then(|s| s.to_str()) else {
            continue;
        };
        if path.extension().and_then(|e| e.to_str()) != Some("rs") || stem == "mod" {
            continue;
        }
        files += 1;
        if !mod_rs.contains(&format!("mod {stem};")) {
            problems.push(format!(
                "intents/{stem}.rs has no `mod {stem};` line in intents/mod.rs"
            ));
        }
        if !mod_rs.contains(&format!("{stem}::register(r)")) {
            problems.push(format!(
                "intents/{stem}.rs is not registered: add `{stem}::register(r);` to intents/mod.rs"
            ));
        }
        let source = std::fs::read_to_string(&path).expect("intent file");
        if !source.starts_with("//! `") {
            problems.push(format!(
                "intents/{stem}.rs must open with a `//!` doc naming its key"
            ));
        }
        // The prelude is the intent's whole contract: an intent that reaches further (into
        // `crate::upstream`, say) breaks when the framework moves.
        for line in source.lines().filter(|l| l.contains("crate::")) {
            if !line.contains("crate::intent::prelude") {
                problems.push(format!(
                    "intents/{stem}.rs uses more than the prelude: `{}`",
                    line.trim()
                ));
            }
        }
        let dir = manifest().join("fixtures").join(stem);
        let cases = std::fs::read_dir(&dir)
            .map(|d| {
                d.filter_map(Result::ok)
                    .filter(|e| e.file_name().to_string_lossy().ends_with(".request.json"))
                    .count()
            })
            .unwrap_or(0);
        if cases == 0 {
            problems.push(format!(
                "intents/{stem}.rs has no fixture cases in fixtures/{stem}/"
            ));
        }
    }
    assert!(files >= 4, "expected the example intents, found {files}");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_registered_key_is_exercised_by_a_fixture() {
    let registry = intentful::intent::Registry::builtin().expect("registry");
    let mut all = String::new();
    for entry in walk(&manifest().join("fixtures")) {
        if entry.to_string_lossy().ends_with(".request.json") {
            all.push_str(&std::fs::read_to_string(&entry).expect("fixture"));
        }
    }
    let missing: Vec<_> = registry
        .all()
        .into_iter()
        .filter(|spec| !all.contains(&format!("\"{}\"", spec.key)))
        .map(|spec| format!("{} ({})", spec.key, spec.file))
        .collect();
    assert!(
        missing.is_empty(),
        "intent keys with no fixture request: {missing:?}"
    );
}

fn walk(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.filter_map(Result::ok) {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}
