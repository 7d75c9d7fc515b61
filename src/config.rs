//! [`Settings`]: defaults in code < optional `intentful.toml` < `INTENTFUL_*` env (and `PORT`).
//!
//! Layering is figment's; this module only declares the shape, the defaults and the checks that
//! must stop start-up with a message naming the bad key.

use std::collections::BTreeMap;
use std::path::Path;

use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use serde::{Deserialize, Serialize};
use url::Url;

mod load_error;

pub use crate::deadline::DeadlineSettings;
pub use crate::protocol::{CxSettings, CxTarget, CxWebhook};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    pub server: ServerSettings,
    pub deadline: DeadlineSettings,
    pub fallback: FallbackSettings,
    pub log: crate::telemetry::LogSettings,
    pub cx: CxSettings,
    /// Who may call the webhook routes.
    pub auth: crate::auth::AuthSettings,
    /// Source allowlist and rate limits in front of the webhook routes.
    pub limits: crate::limits::LimitSettings,
    /// Where `/metrics` and `/intents` are served, and the credential they need.
    pub admin: crate::admin::AdminSettings,
    /// Per-intent overrides, by intent key.
    pub intents: BTreeMap<String, IntentSettings>,
    /// Named upstream APIs, by name.
    pub upstreams: BTreeMap<String, UpstreamSettings>,
    /// Bounds shared by every upstream.
    pub upstream_limits: UpstreamLimits,
    /// Event triggers (issue 16): the store and workers, and the sources by name.
    pub events: crate::ingest::EventsSettings,
    pub sources: BTreeMap<String, crate::ingest::SourceSettings>,
    /// Recording calls as fixture cases (issue 17).
    pub record: crate::record::RecordSettings,
    /// The inspector page (issue 17): off by default.
    pub inspect: crate::inspect::InspectSettings,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct ServerSettings {
    pub host: String,
    pub port: u16,
    /// Largest accepted request body; larger ones get 413 without being read.
    pub body_limit_bytes: usize,
    /// A client slower than this to send its body gets 408.
    pub body_read_timeout_ms: u64,
    /// Worker threads; 0 means one per core.
    pub workers: usize,
    /// How long in-flight calls may finish after SIGTERM.
    pub shutdown_grace_ms: u64,
    /// After SIGTERM, how long to keep serving while `/readyz` already says unready, so load
    /// balancers stop sending first (Kubernetes); Cloud Run needs none.
    pub shutdown_delay_ms: u64,
    /// TLS (and mTLS) terminated here; plain HTTP when unset.
    pub tls: crate::tls::TlsSettings,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct FallbackSettings {
    /// Sent when a handler fails or runs late and its intent declares no fallback of its own.
    pub text: String,
    /// What an intent without a module gets.
    pub unknown_intent: UnknownIntentPolicy,
    /// Text for `unknown_intent = "fallback"`; the global `text` when empty.
    pub unknown_intent_text: String,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum UnknownIntentPolicy {
    /// `{}`: Dialogflow shows the intent's static response.
    Passthrough,
    /// The configured fallback text.
    Fallback,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct IntentSettings {
    /// Overrides the protocol budget for this intent (still capped by the platform limit).
    pub budget_ms: Option<u64>,
    /// Overrides the intent's own fallback text.
    pub fallback_text: Option<String>,
    /// CX: the timeout of the webhook that serves this tag, when it differs from the route's.
    pub cx_timeout_ms: Option<u64>,
}

pub use crate::upstream::settings::{UpstreamAuth, UpstreamLimits, UpstreamSettings};

impl Default for Settings {
    fn default() -> Self {
        Settings {
            server: ServerSettings::default(),
            deadline: DeadlineSettings::default(),
            fallback: FallbackSettings::default(),
            log: crate::telemetry::LogSettings::default(),
            cx: CxSettings::default(),
            auth: crate::auth::AuthSettings::default(),
            limits: crate::limits::LimitSettings::default(),
            admin: crate::admin::AdminSettings::default(),
            intents: BTreeMap::new(),
            upstreams: default_upstreams(),
            upstream_limits: UpstreamLimits::default(),
            events: crate::ingest::EventsSettings::default(), // issue 16
            sources: BTreeMap::new(),                         // issue 16
            record: crate::record::RecordSettings::default(), // issue 17
            inspect: crate::inspect::InspectSettings::default(),
        }
    }
}

impl Default for ServerSettings {
    fn default() -> Self {
        ServerSettings {
            host: "0.0.0.0".into(),
            port: 8080,
            body_limit_bytes: 256 * 1024,
            body_read_timeout_ms: 5_000,
            workers: 0,
            shutdown_grace_ms: 10_000,
            shutdown_delay_ms: 0,
            tls: crate::tls::TlsSettings::default(),
        }
    }
}

impl Default for FallbackSettings {
    fn default() -> Self {
        FallbackSettings {
            text: "Sorry, I can't help with that right now. Please try again in a moment.".into(),
            unknown_intent: UnknownIntentPolicy::Passthrough,
            unknown_intent_text: String::new(),
        }
    }
}

/// The public, key-less APIs the example intents call. Overridable like any other setting.
fn default_upstreams() -> BTreeMap<String, UpstreamSettings> {
    let mk =
        |url: &str| UpstreamSettings::new(Url::parse(url).unwrap_or_else(|_| unreachable_url()));
    BTreeMap::from([
        (
            "geocoding".to_string(),
            mk("https://geocoding-api.open-meteo.com"),
        ),
        ("weather".to_string(), mk("https://api.open-meteo.com")),
        ("rates".to_string(), mk("https://api.frankfurter.app")),
        // Point this at your booking system; the example assumes `POST /bookings`.
        ("reservations".to_string(), mk("http://127.0.0.1:8090")),
    ])
}

fn unreachable_url() -> Url {
    // Only reachable if a literal above were malformed, which the tests rule out.
    Url::parse("http://127.0.0.1:9").unwrap_or_else(|_| unreachable!("literal URL"))
}

/// A setting that cannot work, named by its key. No variant carries a configured value.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// Settings that could not be read; the text names the key and never quotes its value.
    #[error("{0}")]
    Load(String),
    #[error("configuration file `{path}`: {problem}")]
    File { path: String, problem: String },
    #[error("configuration key `{key}`: {problem}")]
    Invalid { key: String, problem: String },
}

/// The settings file read when none is named; it may be absent.
pub const DEFAULT_FILE: &str = "intentful.toml";

/// More worker threads than this is a typo, not a tuning (each one is an OS thread with its
/// own runtime; actix panics when it cannot start them).
const MAX_WORKERS: usize = 1024;

impl Settings {
    /// Loads defaults, then the settings file, then the environment. A file named in `path`
    /// must exist and be readable: starting on defaults instead would serve with auth `none`.
    /// Without `path`, [`DEFAULT_FILE`] is read when there is one.
    pub fn load(path: Option<&Path>) -> Result<Settings, ConfigError> {
        let file = match path {
            Some(path) => {
                std::fs::read(path).map_err(|e| ConfigError::File {
                    path: path.display().to_string(),
                    problem: e.to_string(),
                })?;
                Toml::file_exact(path)
            }
            None => Toml::file(DEFAULT_FILE),
        };
        let figment = Figment::from(Serialized::defaults(Settings::default()))
            .merge(file)
            // The test suite's own variables (src/pg/testing.rs, tests/it/inspect_browser.rs),
            // which `.ci/run` exports: not settings.
            .merge(
                Env::prefixed("INTENTFUL_")
                    .ignore(&[
                        "test_postgres",
                        "require_postgres",
                        "require_browser",
                        "screenshots",
                    ])
                    .split("__"),
            )
            .merge(Env::raw().only(&["PORT"]).map(|_| "server.port".into()));
        Settings::from_figment(figment)
    }

    /// Extracts and validates settings from any figment (tests build their own).
    pub fn from_figment(figment: Figment) -> Result<Settings, ConfigError> {
        let settings: Settings = figment
            .extract()
            .map_err(|e| ConfigError::Load(load_error::describe(&figment, e)))?;
        settings.validate()?;
        Ok(settings)
    }

    /// Checks that every value can work; the error names the key.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let bad = |key: &str, problem: &str| {
            Err(ConfigError::Invalid {
                key: key.to_string(),
                problem: problem.to_string(),
            })
        };
        let d = &self.deadline;
        if d.es_ms == 0 || d.es_ms > 30_000 {
            return bad("deadline.es_ms", "must be between 1 and 30000");
        }
        if d.aog_ms == 0 || d.aog_ms > 30_000 {
            return bad("deadline.aog_ms", "must be between 1 and 30000");
        }
        if d.cx_ms == 0 || d.cx_ms > 30_000 {
            return bad(
                "deadline.cx_ms",
                "must be between 1 and 30000 (CX allows at most 30 s)",
            );
        }
        if d.margin_ms >= d.es_ms.min(d.cx_ms).min(d.aog_ms) {
            return bad(
                "deadline.margin_ms",
                "must be smaller than every platform limit",
            );
        }
        if d.upstream_margin_ms >= (d.es_ms.min(d.cx_ms).min(d.aog_ms) - d.margin_ms) {
            return bad(
                "deadline.upstream_margin_ms",
                "must be smaller than every platform budget (limit - deadline.margin_ms): \
                 no upstream call could start",
            );
        }
        let server = &self.server;
        if server.body_limit_bytes < 1024 {
            return bad("server.body_limit_bytes", "must be at least 1024");
        }
        if server.body_read_timeout_ms == 0 {
            return bad("server.body_read_timeout_ms", "must be above 0");
        }
        if server.workers > MAX_WORKERS {
            return bad(
                "server.workers",
                &format!("must be at most {MAX_WORKERS} (0: one per core)"),
            );
        }
        if self.fallback.text.trim().is_empty() {
            return bad("fallback.text", "must not be empty");
        }
        for (key, intent) in &self.intents {
            if let Some(ms) = intent.budget_ms {
                if ms == 0 || ms > 30_000 {
                    return bad(
                        &format!("intents.{key}.budget_ms"),
                        "must be between 1 and 30000",
                    );
                }
            }
            if let Some(ms) = intent.cx_timeout_ms {
                if ms <= d.margin_ms || ms > 30_000 {
                    return bad(
                        &format!("intents.{key}.cx_timeout_ms"),
                        "must be above deadline.margin_ms and at most 30000",
                    );
                }
            }
        }
        for (name, hook) in &self.cx.webhooks {
            let valid_name = !name.is_empty()
                && name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
            if !valid_name {
                return bad(
                    &format!("cx.webhooks.{name}"),
                    "names are [A-Za-z0-9_-]+ (used in the URL)",
                );
            }
            if hook.timeout_ms <= d.margin_ms || hook.timeout_ms > 30_000 {
                return bad(
                    &format!("cx.webhooks.{name}.timeout_ms"),
                    "must be above deadline.margin_ms and at most 30000",
                );
            }
        }
        for (name, up) in &self.upstreams {
            if let Err((key, problem)) = up.validate(name) {
                return bad(&key, &problem);
            }
            if up.max_response_bytes > self.upstream_limits.max_buffered_bytes {
                return bad(
                    "upstream_limits.max_buffered_bytes",
                    &format!(
                        "must be at least upstreams.{name}.max_response_bytes ({}), or no \
                         body of that size could ever be read",
                        up.max_response_bytes
                    ),
                );
            }
        }
        if self.limits.shared == crate::limits::LimitSharing::Postgres {
            if self.events.postgres_url().is_none() {
                return bad(
                    "limits.shared",
                    "`postgres` counts in the database of events.store, which must then be a postgres:// URL",
                );
            }
            if self.limits.shared_timeout_ms == 0 {
                return bad("limits.shared_timeout_ms", "must be above 0");
            }
        }
        for (event, target) in &self.cx.events {
            if target.page.is_some() == target.flow.is_some() {
                return bad(
                    &format!("cx.events.{event}"),
                    "set exactly one of `page` or `flow`",
                );
            }
        }
        if let Err((key, problem)) = self.auth.validate() {
            return bad(&key, &problem);
        }
        if let Err((key, problem)) = self.admin.validate(self.server.port) {
            return bad(&key, &problem);
        }
        if let Err((key, problem)) = crate::ingest::settings::validate(&self.events, &self.sources)
        {
            return bad(&key, &problem);
        }
        if let Err((key, problem)) = self.log.validate() {
            return bad(key, &problem);
        }
        if let Err((key, problem)) = self.record.validate() {
            return bad(&key, &problem);
        }
        if let Err((key, problem)) = self.inspect.validate() {
            return bad(&key, &problem);
        }
        Ok(())
    }

    /// The text an intent without a module gets, or `None` for passthrough (`{}`).
    pub fn unknown_intent_text(&self) -> Option<&str> {
        match self.fallback.unknown_intent {
            UnknownIntentPolicy::Passthrough => None,
            UnknownIntentPolicy::Fallback if self.fallback.unknown_intent_text.is_empty() => {
                Some(&self.fallback.text)
            }
            UnknownIntentPolicy::Fallback => Some(&self.fallback.unknown_intent_text),
        }
    }
}

#[cfg(test)]
#[allow(clippy::result_large_err)] // figment's Jail API returns its own large error type
mod tests {
    use super::*;
    use figment::Jail;

    #[test]
    fn defaults_are_valid() {
        Settings::default().validate().unwrap();
    }

    #[test]
    fn shared_limits_need_a_postgres_store_whose_url_is_never_repeated() {
        let mut s = Settings::default();
        s.limits.shared = crate::limits::LimitSharing::Postgres;
        let err = s.validate().unwrap_err().to_string();
        assert!(err.contains("limits.shared"), "{err}");
        s.events.store = Some(crate::secret::Secret::new(
            "postgres://app:hunter2@db:5432/intentful",
        ));
        s.validate().unwrap();
        assert!(!format!("{s:?}").contains("hunter2"));
        s.events.store = Some(crate::secret::Secret::new(
            "postgres://app:hunter2@db:nope/intentful",
        ));
        let err = s.validate().unwrap_err().to_string();
        assert!(
            err.contains("events.store") && !err.contains("hunter2"),
            "{err}"
        );
    }

    #[test]
    fn toml_then_env_then_port() {
        Jail::expect_with(|jail| {
            jail.create_file(
                "intentful.toml",
                r#"
                [server]
                port = 9000
                [deadline]
                margin_ms = 300
                [upstreams.crm]
                base_url = "https://crm.example.com"
                auth = { kind = "bearer", token = "from-file" }
                "#,
            )?;
            jail.set_env("INTENTFUL_DEADLINE__MARGIN_MS", "250");
            jail.set_env("PORT", "7000");
            // The test suite's variables are no settings (no unknown-key error).
            jail.set_env("INTENTFUL_TEST_POSTGRES", "postgres://localhost/x");
            jail.set_env("INTENTFUL_REQUIRE_POSTGRES", "1");
            let s = Settings::load(None).map_err(|e| e.to_string())?;
            assert_eq!(s.server.port, 7000);
            assert_eq!(s.deadline.margin_ms, 250);
            assert!(s.upstreams.contains_key("weather"), "defaults kept");
            let crm = &s.upstreams["crm"];
            assert_eq!(format!("{:?}", crm.auth), "Bearer { token: *** }");
            Ok(())
        });
    }

    #[test]
    fn every_auth_mode_loads_from_a_file_over_the_default() {
        let modes = [
            (
                "basic",
                "credentials = [{ username = \"df\", password = \"pw\" }]",
            ),
            (
                "header",
                "name = \"X-Webhook-Token\"\nvalues = [\"sixteen-chars-token\"]",
            ),
            (
                "google_id_token",
                "audience = \"https://bot.example.com/webhook\"\nservice_accounts = [\"a@b.c\"]",
            ),
            (
                "hmac",
                "header = \"X-Sig\"\nsecrets = [\"sixteen-bytes-secret\"]",
            ),
            ("none", "acknowledged = true"),
        ];
        for (mode, body) in modes {
            Jail::expect_with(|jail| {
                jail.create_file(
                    "intentful.toml",
                    &format!("[auth.default]\nmode = \"{mode}\"\n{body}\n[auth.routes.cx]\nmode = \"{mode}\"\n{body}\n"),
                )?;
                let s = Settings::load(None).map_err(|e| format!("{mode}: {e}"))?;
                let seen = serde_json::to_value(&s.auth.default).map_err(|e| e.to_string())?;
                assert_eq!(seen["mode"], mode);
                assert_eq!(s.auth.routes["cx"], s.auth.default);
                Ok(())
            });
        }
        // And from the environment alone.
        Jail::expect_with(|jail| {
            jail.set_env("INTENTFUL_AUTH__DEFAULT__MODE", "header");
            jail.set_env("INTENTFUL_AUTH__DEFAULT__NAME", "X-Webhook-Token");
            jail.set_env(
                "INTENTFUL_AUTH__DEFAULT__VALUES",
                "[\"sixteen-chars-token\"]",
            );
            let s = Settings::load(None).map_err(|e| e.to_string())?;
            assert!(matches!(
                s.auth.default,
                crate::auth::AuthMode::Header { .. }
            ));
            Ok(())
        });
    }

    #[test]
    fn unknown_key_is_named() {
        Jail::expect_with(|jail| {
            jail.create_file("intentful.toml", "[server]\nprot = 1\n")?;
            let err = Settings::load(None).unwrap_err().to_string();
            assert!(err.contains("prot"), "{err}");
            Ok(())
        });
    }

    #[test]
    fn invalid_value_is_named() {
        Jail::expect_with(|jail| {
            jail.set_env("INTENTFUL_DEADLINE__CX_MS", "60000");
            let err = Settings::load(None).unwrap_err().to_string();
            assert!(err.contains("deadline.cx_ms"), "{err}");
            Ok(())
        });
    }

    /// `log.level` is `RUST_LOG`'s syntax, parsed by `EnvFilter` in both formats; what it
    /// refuses stops start-up naming the key. (A word that is not a level is a target there.)
    #[test]
    fn log_level_must_be_an_env_filter() {
        Jail::expect_with(|jail| {
            for good in [
                "info",
                "WARN",
                "intentful=debug,warn",
                "off",
                "[webhook]=debug,info",
                "intentful::upstream[send{upstream=rates}]=trace",
            ] {
                jail.set_env("INTENTFUL_LOG__LEVEL", good);
                assert!(Settings::load(None).is_ok(), "{good}");
            }
            for bad in ["=debug", "intentful=loud", "intentful=loud,info", "a=b=c"] {
                jail.set_env("INTENTFUL_LOG__LEVEL", bad);
                let err = Settings::load(None).unwrap_err().to_string();
                assert!(err.contains("log.level"), "{bad}: {err}");
            }
            jail.set_env("INTENTFUL_LOG__LEVEL", "info");
            jail.set_env("INTENTFUL_LOG__FORMAT", "xml");
            let err = Settings::load(None).unwrap_err().to_string();
            assert!(err.contains("log.format"), "{err}");
            Ok(())
        });
    }

    #[test]
    fn cx_webhook_names_and_timeouts_are_checked() {
        let mut s = Settings::default();
        s.cx.webhooks
            .insert("slow".into(), CxWebhook { timeout_ms: 30_000 });
        s.intents.insert(
            "tag".into(),
            IntentSettings {
                cx_timeout_ms: Some(10_000),
                ..Default::default()
            },
        );
        s.validate().unwrap();
        s.cx.webhooks
            .insert("bad name".into(), CxWebhook { timeout_ms: 1_000 });
        assert!(s
            .validate()
            .unwrap_err()
            .to_string()
            .contains("cx.webhooks.bad name"));
    }

    /// A value of the wrong type under a secret-bearing key: the error names the exact key
    /// (not the `[auth.default]` table serde saw) and its source, and never the value.
    #[test]
    fn a_type_error_names_the_exact_key_and_never_the_value() {
        Jail::expect_with(|jail| {
            jail.set_env("INTENTFUL_AUTH__DEFAULT__MODE", "header");
            jail.set_env("INTENTFUL_AUTH__DEFAULT__NAME", "X-Webhook-Token");
            jail.set_env("INTENTFUL_AUTH__DEFAULT__VALUES", "LeakedHeaderSecret-0001");
            let err = Settings::load(None).unwrap_err().to_string();
            assert!(
                err.contains("`auth.default.values`")
                    && err.contains("INTENTFUL_AUTH__DEFAULT__VALUES")
                    && err.contains("expected a sequence, found a string"),
                "{err}"
            );
            assert!(!err.contains("LeakedHeaderSecret"), "{err}");
            Ok(())
        });
        Jail::expect_with(|jail| {
            jail.create_file(
                "intentful.toml",
                r#"
                [auth.default]
                mode = "basic"
                credentials = [{ username = "df", password = 73914 }]
                [upstreams.crm]
                base_url = "https://crm.example.com"
                auth = { kind = "bearer", token = { nested = "LeakedTokenValue" } }
                "#,
            )?;
            let err = Settings::load(None).unwrap_err().to_string();
            assert!(
                err.contains("`auth.default.credentials.0.password`"),
                "{err}"
            );
            assert!(err.contains("intentful.toml"), "{err}");
            assert!(!err.contains("73914"), "{err}");
            jail.create_file(
                "intentful.toml",
                r#"
                [upstreams.crm]
                base_url = "https://crm.example.com"
                auth = { kind = "bearer", token = ["LeakedTokenValue"] }
                "#,
            )?;
            let err = Settings::load(None).unwrap_err().to_string();
            assert!(err.contains("`upstreams.crm.auth.token`"), "{err}");
            assert!(!err.contains("LeakedTokenValue"), "{err}");
            Ok(())
        });
    }

    /// A TOML syntax error says where, without the excerpt of the line (it may hold a secret).
    #[test]
    fn a_syntax_error_does_not_quote_the_line() {
        Jail::expect_with(|jail| {
            jail.create_file(
                "intentful.toml",
                "[auth.default]\nmode = \"header\"\nvalues = [LeakedHeaderSecret-0001]\n",
            )?;
            let err = Settings::load(None).unwrap_err().to_string();
            assert!(err.contains("line 3"), "{err}");
            assert!(!err.contains("LeakedHeaderSecret"), "{err}");
            Ok(())
        });
    }

    /// An unknown key deep inside a tagged table is named where it is.
    #[test]
    fn an_unknown_key_in_a_list_item_is_named_where_it_is() {
        Jail::expect_with(|jail| {
            jail.create_file(
                "intentful.toml",
                "[auth.default]\nmode = \"basic\"\ncredentials = [{ username = \"a\", pasword = \"pw-0001\" }]\n",
            )?;
            let err = Settings::load(None).unwrap_err().to_string();
            assert!(
                err.contains("`auth.default.credentials.0.pasword`") && err.contains("`password`"),
                "{err}"
            );
            assert!(!err.contains("pw-0001"), "{err}");
            Ok(())
        });
    }

    #[test]
    fn a_named_file_must_exist_and_be_readable_the_default_need_not() {
        Jail::expect_with(|jail| {
            assert!(Settings::load(None).is_ok(), "no intentful.toml is fine");
            let err = Settings::load(Some(Path::new("missing.toml")))
                .unwrap_err()
                .to_string();
            assert!(err.contains("`missing.toml`"), "{err}");
            jail.create_dir("a-directory")?;
            let err = Settings::load(Some(Path::new("a-directory")))
                .unwrap_err()
                .to_string();
            assert!(err.contains("`a-directory`"), "{err}");
            jail.create_file("given.toml", "[server]\nport = 9001\n")?;
            let s = Settings::load(Some(Path::new("given.toml"))).map_err(|e| e.to_string())?;
            assert_eq!(s.server.port, 9001);
            Ok(())
        });
    }

    #[test]
    fn server_and_deadline_values_that_cannot_work_are_named() {
        type Break = fn(&mut Settings);
        let cases: [(&str, Break); 4] = [
            ("server.body_read_timeout_ms", |s| {
                s.server.body_read_timeout_ms = 0
            }),
            ("server.workers", |s| s.server.workers = 100_000),
            ("deadline.upstream_margin_ms", |s| {
                s.deadline.upstream_margin_ms = 4_500
            }),
            ("deadline.upstream_margin_ms", |s| {
                s.deadline.cx_ms = 30_000;
                s.deadline.es_ms = 1_000;
                s.deadline.upstream_margin_ms = 600;
            }),
        ];
        for (key, break_it) in cases {
            let mut s = Settings::default();
            break_it(&mut s);
            let err = s.validate().unwrap_err().to_string();
            assert!(err.contains(&format!("`{key}`")), "{key}: {err}");
        }
        let mut s = Settings::default();
        s.server.workers = 1024;
        s.deadline.upstream_margin_ms = 4_499;
        s.validate().unwrap();
    }

    #[test]
    fn the_shared_buffer_budget_must_hold_the_largest_body() {
        let mut s = Settings::default();
        s.upstream_limits.max_buffered_bytes = 1024 * 1024;
        let err = s.validate().unwrap_err().to_string();
        assert!(
            err.contains("`upstream_limits.max_buffered_bytes`")
                && err.contains("max_response_bytes"),
            "{err}"
        );
        for up in s.upstreams.values_mut() {
            up.max_response_bytes = 1024 * 1024;
        }
        s.validate().unwrap();
    }
}
