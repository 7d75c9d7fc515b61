//! [`LogSettings`]: the `[log]` table. A leaf: config.rs assembles it, nothing here reads config.

use serde::{Deserialize, Serialize};
use tracing_subscriber::EnvFilter;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct LogSettings {
    /// `json` (Cloud Logging), `pretty` (terminal) or `auto` (pretty on a TTY).
    pub format: String,
    /// An `EnvFilter` directive list, as `RUST_LOG` takes it: `info`, `intentful=debug,warn`.
    /// `RUST_LOG`, when set, wins over it in both formats.
    pub level: String,
    /// Google Cloud project for trace links in JSON logs; `GOOGLE_CLOUD_PROJECT` when empty.
    pub gcp_project: String,
}

impl Default for LogSettings {
    fn default() -> Self {
        LogSettings {
            format: "auto".into(),
            level: "info".into(),
            gcp_project: String::new(),
        }
    }
}

impl LogSettings {
    /// The problem with these settings, as `(key, message)`, for config.rs to report.
    pub fn validate(&self) -> Result<(), (&'static str, String)> {
        if !matches!(self.format.as_str(), "auto" | "json" | "pretty") {
            return Err(("log.format", "must be one of auto, json, pretty".into()));
        }
        EnvFilter::try_new(&self.level)
            .map(drop)
            .map_err(|e| ("log.level", format!("not a RUST_LOG-style filter: {e}")))
    }

    /// `RUST_LOG` when it is set and valid, else `log.level` (checked at start-up), else `info`.
    /// The error is that of an invalid `RUST_LOG`, to report once logging is up.
    pub fn filter(&self) -> (EnvFilter, Option<String>) {
        let from_level =
            || EnvFilter::try_new(&self.level).unwrap_or_else(|_| EnvFilter::new("info"));
        match std::env::var("RUST_LOG") {
            Ok(v) if !v.trim().is_empty() => match EnvFilter::try_new(&v) {
                Ok(filter) => (filter, None),
                Err(e) => (from_level(), Some(format!("RUST_LOG ignored: {e}"))),
            },
            _ => (from_level(), None),
        }
    }
}

/// The Google Cloud project for trace links: `log.gcp_project`, else `GOOGLE_CLOUD_PROJECT`.
pub fn gcp_project(settings: &LogSettings) -> Option<String> {
    Some(settings.gcp_project.clone())
        .filter(|p| !p.is_empty())
        .or_else(|| {
            std::env::var("GOOGLE_CLOUD_PROJECT")
                .ok()
                .filter(|p| !p.is_empty())
        })
}
