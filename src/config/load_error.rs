//! Start-up messages for settings that cannot be read, which name the exact key and where it
//! came from but never print a configured value: the value may be a secret (a header token
//! given without its `[...]`, a password typed where a list was expected).
//!
//! figment's own messages quote the value (`found string "..."`) and, inside an internally
//! tagged table such as `[auth.default]`, stop at the table (`auth.default`): serde buffers
//! the table before it knows its variant, so the field is lost. The value figment reports is
//! used only to find that field again, by looking for the one value under the table that
//! matches it (or, for an unknown key, the one key of that name); it is never printed.

use figment::error::{Actual, Kind};
use figment::value::Value;
use figment::Figment;

/// One line per error figment found, safe to print.
pub(super) fn describe(figment: &Figment, error: figment::Error) -> String {
    // Everything the providers gave, merged; absent when a provider failed (a TOML syntax error).
    let whole = figment.extract::<Value>().ok();
    error
        .into_iter()
        .map(|e| describe_one(figment, whole.as_ref(), e))
        .collect::<Vec<_>>()
        .join("\n")
}

fn describe_one(figment: &Figment, whole: Option<&Value>, e: figment::Error) -> String {
    let mut path = e.path.clone();
    let mut metadata = e.metadata.clone();
    let under = whole.and_then(|w| descend(w, &path));
    if let Some(under) = under {
        let mut hits = Vec::new();
        match &e.kind {
            Kind::InvalidType(actual, _) | Kind::InvalidValue(actual, _) => {
                find(under, &mut Vec::new(), &mut hits, &|_, v| {
                    v.to_actual() == *actual
                });
            }
            Kind::UnknownField(field, _) => {
                find(under, &mut Vec::new(), &mut hits, &|k, _| k == field);
            }
            _ => {}
        }
        if let [(rest, tag)] = &hits[..] {
            path.extend(rest.iter().cloned());
            metadata = figment.get_metadata(*tag).cloned().or(metadata);
        }
    }
    let problem = problem(&e.kind, under);
    let from = metadata.map(|m| source(&m, &path)).unwrap_or_default();
    if path.is_empty() {
        format!("configuration{from}: {problem}")
    } else {
        format!("configuration key `{}`{from}: {problem}", path.join("."))
    }
}

/// The value at `path` below `value`.
fn descend<'v>(value: &'v Value, path: &[String]) -> Option<&'v Value> {
    path.iter().try_fold(value, |v, key| match v {
        Value::Dict(_, dict) => dict.get(key),
        Value::Array(_, items) => items.get(key.parse::<usize>().ok()?),
        _ => None,
    })
}

/// Collects the paths (relative to `value`) and tags of the keys and values below it that
/// `wanted` picks.
fn find(
    value: &Value,
    at: &mut Vec<String>,
    hits: &mut Vec<(Vec<String>, figment::value::Tag)>,
    wanted: &dyn Fn(&str, &Value) -> bool,
) {
    let children: Vec<(String, &Value)> = match value {
        Value::Dict(_, dict) => dict.iter().map(|(k, v)| (k.clone(), v)).collect(),
        Value::Array(_, items) => items
            .iter()
            .enumerate()
            .map(|(i, v)| (i.to_string(), v))
            .collect(),
        _ => return,
    };
    for (key, child) in children {
        at.push(key);
        if wanted(at.last().map_or("", String::as_str), child) {
            hits.push((at.clone(), child.tag()));
        }
        find(child, at, hits, wanted);
        at.pop();
    }
}

/// What is wrong, in words that carry no configured value.
fn problem(kind: &Kind, under: Option<&Value>) -> String {
    match kind {
        Kind::Message(message) => scrub(message, under),
        Kind::InvalidType(actual, expected) => {
            format!("expected {expected}, found {}", type_of(actual))
        }
        Kind::InvalidValue(actual, expected) => {
            format!("invalid {}: expected {expected}", type_of(actual))
        }
        Kind::InvalidLength(len, expected) => format!("{len} items, expected {expected}"),
        Kind::UnknownVariant(_, expected) => {
            format!("unknown variant, expected one of {}", one_of(expected))
        }
        // A key's name, not a value.
        Kind::UnknownField(field, expected) => {
            format!(
                "unknown key `{field}`, expected one of {}",
                one_of(expected)
            )
        }
        Kind::MissingField(field) => format!("missing key `{field}`"),
        Kind::DuplicateField(field) => format!("duplicate key `{field}`"),
        Kind::ISizeOutOfRange(_) | Kind::USizeOutOfRange(_) => "number out of range".into(),
        Kind::Unsupported(actual) => format!("unsupported {}", type_of(actual)),
        Kind::UnsupportedKey(actual, expected) => {
            format!(
                "unsupported key type {}, must be {expected}",
                type_of(actual)
            )
        }
    }
}

/// A free-form message, without the source excerpt a TOML syntax error quotes (the line may
/// hold a secret) and with any configured value below the failing key blanked out.
fn scrub(message: &str, under: Option<&Value>) -> String {
    let excerpt = |line: &str| {
        line.trim_start()
            .trim_start_matches(|c: char| c.is_ascii_digit())
            .trim_start()
            .starts_with('|')
    };
    let mut text = message
        .lines()
        .filter(|l| !l.trim().is_empty() && !excerpt(l))
        .map(str::trim)
        .collect::<Vec<_>>()
        .join("; ");
    let mut values = Vec::new();
    if let Some(under) = under {
        leaves(under, &mut values);
    }
    // Longest first, so a value containing a shorter one is blanked whole.
    values.sort_by_key(|v| std::cmp::Reverse(v.len()));
    for value in values.iter().filter(|v| v.len() >= 3) {
        text = text.replace(value.as_str(), "***");
    }
    text
}

/// Every scalar below `value`, as text.
fn leaves(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Dict(_, dict) => dict.values().for_each(|v| leaves(v, out)),
        Value::Array(_, items) => items.iter().for_each(|v| leaves(v, out)),
        Value::String(_, s) => out.push(s.clone()),
        Value::Num(_, n) => out.push(match n.to_f64() {
            Some(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", f as i64),
            Some(f) => f.to_string(),
            None => String::new(),
        }),
        _ => {}
    }
}

fn type_of(actual: &Actual) -> &'static str {
    match actual {
        Actual::Bool(_) => "a boolean",
        Actual::Unsigned(_) | Actual::Signed(_) => "an integer",
        Actual::Float(_) => "a number",
        Actual::Char(_) => "a character",
        Actual::Str(_) => "a string",
        Actual::Bytes(_) => "bytes",
        Actual::Unit | Actual::Option => "an empty value",
        Actual::Seq => "a list",
        Actual::Map => "a table",
        Actual::NewtypeStruct
        | Actual::Enum
        | Actual::UnitVariant
        | Actual::NewtypeVariant
        | Actual::TupleVariant
        | Actual::StructVariant
        | Actual::Other(_) => "another type",
    }
}

fn one_of(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Where the value came from: the environment variable that set it, or the file.
fn source(metadata: &figment::Metadata, path: &[String]) -> String {
    if metadata.name.contains("`INTENTFUL_`") {
        // Lists and tables are given whole in one variable: the name stops at an item index.
        let name = path
            .iter()
            .take_while(|k| !k.bytes().all(|b| b.is_ascii_digit()))
            .map(|k| k.to_ascii_uppercase())
            .collect::<Vec<_>>()
            .join("__");
        return format!(" (environment variable INTENTFUL_{name})");
    }
    if metadata.name.contains("environment") {
        // The one unprefixed variable read: Cloud Run's `PORT`.
        return " (environment variable PORT)".to_string();
    }
    match &metadata.source {
        Some(figment::Source::File(file)) => format!(" (in {})", file.display()),
        _ => format!(" ({})", metadata.name),
    }
}
