//! `intentful.example.toml` is the configuration reference: it loads as it is and with its
//! example blocks uncommented, and it names every settings key, so a new setting cannot ship
//! undocumented.

use std::collections::BTreeSet;
use std::path::Path;

use intentful::config::Settings;
use serde_json::Value;

const EXAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/intentful.example.toml");

/// The file with every `# >>> example` ... `# <<<` block uncommented.
fn uncommented(text: &str) -> String {
    let mut inside = false;
    let mut out = String::new();
    for line in text.lines() {
        if line.starts_with("# >>> example") {
            inside = true;
            continue;
        }
        if line.starts_with("# <<<") {
            inside = false;
            continue;
        }
        let line = match (inside, line.strip_prefix("# ")) {
            (true, Some(code)) => code,
            _ => line,
        };
        out.push_str(line);
        out.push('\n');
    }
    out
}

fn load(path: &Path) -> Settings {
    Settings::load(Some(path)).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Dotted paths to every leaf of `v` (an empty table or list, or a null, is a leaf too).
fn leaves(prefix: &str, v: &Value, out: &mut BTreeSet<String>) {
    match v {
        Value::Object(map) if !map.is_empty() => {
            for (k, v) in map {
                leaves(format!("{prefix}.{k}").trim_start_matches('.'), v, out);
            }
        }
        _ => {
            out.insert(prefix.to_string());
        }
    }
}

#[test]
fn the_example_loads_as_it_is_and_with_its_examples() {
    let plain = load(Path::new(EXAMPLE));
    assert_eq!(
        plain,
        Settings::default(),
        "the active lines are the defaults"
    );
    let text = std::fs::read_to_string(EXAMPLE).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let full = dir.path().join("full.toml");
    std::fs::write(&full, uncommented(&text)).unwrap();
    let s = load(&full);
    assert!(s.sources.contains_key("helpdesk") && s.upstreams.contains_key("dialogflow"));
    assert!(s.auth.routes.contains_key("cx") && s.admin.auth.is_some());
}

#[test]
fn the_example_names_every_key() {
    let text = std::fs::read_to_string(EXAMPLE).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let full = dir.path().join("full.toml");
    std::fs::write(&full, uncommented(&text)).unwrap();
    let mut keys = BTreeSet::new();
    for settings in [Settings::default(), load(&full)] {
        leaves("", &serde_json::to_value(&settings).unwrap(), &mut keys);
    }
    // A key is named when its last segment appears as `key =` (active or commented, also
    // inline) or as a table name.
    let named = |segment: &str| {
        let s = segment;
        text.lines().any(|line| {
            let line = line.trim_start_matches(['#', ' ']);
            line.starts_with(&format!("{s} ="))
                || line.contains(&format!(" {s} ="))
                || line.contains(&format!("{{ {s} ="))
                || line.contains(&format!("[{s}"))
                || line.contains(&format!(".{s}]"))
                || line.contains(&format!(".{s}."))
        })
    };
    let missing: Vec<&String> = keys
        .iter()
        .filter(|k| !named(k.rsplit('.').next().unwrap_or(k)))
        .collect();
    assert!(
        missing.is_empty(),
        "keys not in intentful.example.toml: {missing:?}"
    );
    assert!(keys.len() > 100, "{} keys", keys.len());
}
