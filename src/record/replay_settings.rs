//! `<dir>/settings.toml` for a recording: the settings that shape an answer (deadlines,
//! fallbacks, CX targets, per-intent overrides, upstream timeouts, retries and caches), so that
//! `intentful fixtures check <dir>` answers as the recording server did. Upstream credentials
//! are left out: the stubs do not check them.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;

use crate::config::{
    CxSettings, DeadlineSettings, FallbackSettings, IntentSettings, Settings, UpstreamAuth,
    UpstreamLimits, UpstreamSettings,
};

#[derive(Serialize)]
struct ReplaySettings<'a> {
    deadline: &'a DeadlineSettings,
    fallback: &'a FallbackSettings,
    intents: &'a BTreeMap<String, IntentSettings>,
    upstream_limits: &'a UpstreamLimits,
    cx: &'a CxSettings,
    upstreams: BTreeMap<String, UpstreamSettings>,
}

/// Writes `<dir>/settings.toml` unless there is one (a fixtures directory keeps its own);
/// returns whether it wrote.
pub fn write_replay_settings(dir: &Path, settings: &Settings) -> std::io::Result<bool> {
    let path = dir.join("settings.toml");
    if path.exists() {
        return Ok(false);
    }
    let upstreams = settings
        .upstreams
        .iter()
        .map(|(name, up)| {
            let mut up = up.clone();
            up.auth = UpstreamAuth::None;
            // A key may hide in a base URL too (`https://user:key@host/?key=...`).
            let _ = up.base_url.set_username("");
            let _ = up.base_url.set_password(None);
            up.base_url.set_query(None);
            (name.clone(), up)
        })
        .collect();
    let replay = ReplaySettings {
        deadline: &settings.deadline,
        fallback: &settings.fallback,
        intents: &settings.intents,
        upstream_limits: &settings.upstream_limits,
        cx: &settings.cx,
        upstreams,
    };
    let body = toml::to_string(&replay).map_err(std::io::Error::other)?;
    let text = format!(
        "# Written by `intentful serve --record`: the settings the recorded answers depend on, \
         for `intentful fixtures check`.\n# Upstream credentials are left out (the stubs do not \
         check them); base URLs are replaced by the replay.\n\n{body}"
    );
    std::fs::create_dir_all(dir)?;
    std::fs::write(&path, text)?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use figment::providers::{Format, Serialized, Toml};

    #[test]
    fn the_file_loads_back_as_the_same_answer_shaping_settings_without_credentials() {
        let dir = tempfile::tempdir().unwrap();
        let mut settings = Settings::default();
        settings.fallback.text = "Custom fallback".into();
        settings.deadline.es_ms = 4_000;
        if let Some(up) = settings.upstreams.get_mut("reservations") {
            up.auth = UpstreamAuth::Bearer {
                token: crate::secret::Secret::new("s3cret-token"),
            };
            up.base_url =
                url::Url::parse("https://bob:s3cret-pw@h.example/v1?key=s3cret-key").unwrap();
        }
        assert!(write_replay_settings(dir.path(), &settings).unwrap());
        assert!(!write_replay_settings(dir.path(), &settings).unwrap());
        let text = std::fs::read_to_string(dir.path().join("settings.toml")).unwrap();
        assert!(!text.contains("s3cret"), "{text}");
        let back = Settings::from_figment(
            figment::Figment::from(Serialized::defaults(Settings::default()))
                .merge(Toml::string(&text)),
        )
        .unwrap();
        assert_eq!(back.fallback, settings.fallback);
        assert_eq!(back.deadline, settings.deadline);
        assert_eq!(back.upstreams["reservations"].auth, UpstreamAuth::None);
        assert_eq!(
            back.upstreams["reservations"].base_url.as_str(),
            "https://h.example/v1"
        );
    }
}
