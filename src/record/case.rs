//! Writing one finished call as a fixture case: `<dir>/<intent file>/<case>.request.json`,
//! `<case>.upstream.json` (when it called upstreams) and `<case>.response.json`, redacted first.
//! The request file is written last, so a half-written case is never discovered by a replay.

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::redact::Redactor;
use super::stubs::stubs;
use crate::trace::FinishedCall;

/// Why a call was not written.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    /// A call a replay could not reproduce (a refusal, a reply the protocol could not carry,
    /// the shutdown's fallback).
    #[error("not recorded: {0}")]
    NotReplayable(String),
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
}

/// Outcomes a replay cannot reproduce: the fixture replay refuses `fallback_render`, and the
/// shutdown's fallback depends on a signal.
const NOT_REPLAYABLE: [&str; 2] = ["fallback_render", "fallback_shutdown"];

/// Writes `call` as a fixture case under `dir`; returns the request file's path.
pub fn write_case(
    dir: &Path,
    call: &FinishedCall,
    redactor: &Redactor,
) -> Result<PathBuf, RecordError> {
    write(dir, call, redactor, true)
}

/// Writes the case's request only (the stubs and the golden response are left to the author).
pub fn write_request(
    dir: &Path,
    call: &FinishedCall,
    redactor: &Redactor,
) -> Result<PathBuf, RecordError> {
    write(dir, call, redactor, false)
}

fn write(
    dir: &Path,
    call: &FinishedCall,
    redactor: &Redactor,
    answer: bool,
) -> Result<PathBuf, RecordError> {
    if call.status != 200 {
        return Err(RecordError::NotReplayable(format!("HTTP {}", call.status)));
    }
    if NOT_REPLAYABLE.contains(&call.outcome) {
        return Err(RecordError::NotReplayable(format!(
            "outcome {}",
            call.outcome
        )));
    }
    let json = |bytes: &[u8], what: &str| {
        serde_json::from_slice::<Value>(bytes)
            .map_err(|e| RecordError::NotReplayable(format!("the {what} is not JSON: {e}")))
    };
    let mut request = json(&call.request, "request")?;
    let mut response = json(&call.response, "response")?;
    let mut upstream = serde_json::to_value(stubs(&call.trace, redactor.token_paths()))
        .unwrap_or_else(|_| Value::Array(Vec::new()));
    {
        let mut others: Vec<&mut Value> = stub_fields(&mut upstream);
        others.push(&mut response);
        redactor.redact(&mut request, &mut others);
    }
    let folder = dir.join(intent_dir(call));
    create_dir(&folder)?;
    let stem = unique_stem(&folder, &case_name(call));
    let file = |kind: &str| folder.join(format!("{stem}.{kind}.json"));
    if answer {
        if upstream.as_array().is_some_and(|s| !s.is_empty()) {
            write_json(&file("upstream"), &upstream)?;
        }
        write_json(&file("response"), &response)?;
    }
    let request_path = file("request");
    write_json(&request_path, &request)?;
    Ok(request_path)
}

/// The values a redaction may change in the stubs: not the upstream's name or the method.
fn stub_fields(stubs: &mut Value) -> Vec<&mut Value> {
    let Value::Array(items) = stubs else {
        return Vec::new();
    };
    items
        .iter_mut()
        .filter_map(Value::as_object_mut)
        .flat_map(|stub| {
            stub.iter_mut()
                .filter(|(k, _)| matches!(k.as_str(), "path" | "query" | "headers" | "body"))
                .map(|(_, v)| v)
        })
        .collect()
}

/// The intent's file name (`weather_current` for `intents/weather_current.rs`), the directory
/// its hand-written cases are in too.
fn intent_dir(call: &FinishedCall) -> String {
    call.intent_file
        .and_then(|f| Path::new(f).file_stem())
        .and_then(|s| s.to_str())
        .map(str::to_string)
        .unwrap_or_else(|| "unknown_intent".to_string())
}

/// `<intent>_<UTC time>_<outcome>`, e.g. `weather_current_20260317T101502.123Z_ok`.
fn case_name(call: &FinishedCall) -> String {
    let intent: String = call
        .intent
        .as_deref()
        .unwrap_or("unknown")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .take(60)
        .collect();
    let at = time::OffsetDateTime::from(call.at);
    let when = format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}.{:03}Z",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second(),
        at.millisecond()
    );
    format!("{intent}_{when}_{}", call.outcome)
}

/// `stem`, or `stem_2`, `stem_3`, ... when a case of that name exists already.
fn unique_stem(folder: &Path, stem: &str) -> String {
    let taken = |s: &str| folder.join(format!("{s}.request.json")).exists();
    if !taken(stem) {
        return stem.to_string();
    }
    (2..)
        .map(|n| format!("{stem}_{n}"))
        .find(|s| !taken(s))
        .unwrap_or_else(|| stem.to_string())
}

fn create_dir(dir: &Path) -> Result<(), RecordError> {
    std::fs::create_dir_all(dir).map_err(|source| RecordError::Io {
        path: dir.display().to_string(),
        source,
    })
}

/// Pretty JSON and a final newline, as the hand-written cases are; through a temporary file,
/// so a full disk leaves no truncated case behind.
fn write_json(path: &Path, value: &Value) -> Result<(), RecordError> {
    let io = |source| RecordError::Io {
        path: path.display().to_string(),
        source,
    };
    let mut text = serde_json::to_string_pretty(value)
        .map_err(|e| io(std::io::Error::other(e.to_string())))?;
    text.push('\n');
    let tmp = path.with_extension("json.tmp");
    if let Err(e) = std::fs::write(&tmp, text) {
        let _ = std::fs::remove_file(&tmp);
        return Err(io(e));
    }
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        io(e)
    })
}
