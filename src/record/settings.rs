//! `[record]`: where recorded calls go, what is redacted first, and how much may wait.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct RecordSettings {
    /// Write every answered webhook call here as a fixture case; off when unset
    /// (`intentful serve --record DIR` sets it).
    pub dir: Option<PathBuf>,
    /// Values replaced by consistent fakes before anything is written: JSONPaths into the
    /// request (`$.queryResult.parameters.phone`) or bare parameter names (`email`, matched at
    /// any depth, with their `<name>.original`).
    pub redact: Vec<String>,
    /// Bytes of calls waiting to be written; a call that does not fit is dropped (with a warning
    /// and `intentful_record_dropped_total`), never the answer.
    pub queue_bytes: usize,
}

impl Default for RecordSettings {
    fn default() -> Self {
        RecordSettings {
            dir: None,
            redact: Vec::new(),
            queue_bytes: 8 * 1024 * 1024,
        }
    }
}

impl RecordSettings {
    /// The key and problem of the first setting that cannot work.
    pub fn validate(&self) -> Result<(), (String, String)> {
        if self.queue_bytes < 64 * 1024 {
            return Err(("record.queue_bytes".into(), "must be at least 65536".into()));
        }
        for (i, entry) in self.redact.iter().enumerate() {
            if let Err(problem) = super::redact::parse_entry(entry) {
                return Err((format!("record.redact[{i}]"), problem));
            }
        }
        Ok(())
    }
}
