//! `[events]` (the store and the workers) and `[sources.<name>]` (one inbound webhook sender
//! each: how it signs, where its event id and type are, which handlers it feeds and how they
//! retry). Validated at start-up with the offending key named, like every other setting.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::auth::SignatureEncoding;
use crate::secret::Secret;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct EventsSettings {
    /// Where events are stored: unset (or `embedded`) for the embedded store under `dir`, one
    /// process; `postgres://user:password@host/db` for a PostgreSQL database that several
    /// instances share (docs/instances.md). A secret: it may carry a password.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub store: Option<Secret>,
    /// PostgreSQL connections at most, per instance.
    pub pool_size: usize,
    /// PostgreSQL: a statement running longer is cancelled, and a wait for a connection is
    /// given up after as long; the sender then gets 503 and retries.
    pub statement_timeout_ms: u64,
    /// A claim lasts the longest attempt timeout plus this; an instance that died leaves its
    /// jobs claimed this long past their attempt's end before another takes them over.
    pub lease_margin_ms: u64,
    /// Where the embedded store keeps its file (`events.sqlite3`), created on first start.
    pub dir: PathBuf,
    /// A delivery of an already stored `(source, event id)` within this many days is
    /// acknowledged and not processed again. Longer than every provider's redelivery window
    /// (GitHub and Stripe: 3 days).
    pub dedupe_days: u32,
    /// Handler attempts running at once.
    pub workers: usize,
    /// One attempt's time limit; a handler still running then has failed that attempt.
    pub attempt_timeout_ms: u64,
    /// The retry schedule of every handler, unless its source or the handler says otherwise.
    pub retry: RetrySchedule,
    /// Largest accepted event body (413 above it); `sources.<name>.body_limit_bytes` overrides.
    pub body_limit_bytes: usize,
    /// How long a write waits for the store's file lock before the sender gets 503.
    pub busy_timeout_ms: u64,
    /// `Retry-After` sent with a 503 when the event could not be stored.
    pub retry_after_secs: u64,
    /// How often workers look for due work they were not woken for (a replay from the CLI,
    /// another process's insert).
    pub poll_interval_ms: u64,
}

impl Default for EventsSettings {
    fn default() -> Self {
        EventsSettings {
            store: None,
            pool_size: 8,
            statement_timeout_ms: 5_000,
            lease_margin_ms: 60_000,
            dir: PathBuf::from("intentful-data"),
            dedupe_days: 7,
            workers: 16,
            attempt_timeout_ms: 30_000,
            retry: RetrySchedule::default(),
            body_limit_bytes: 1024 * 1024,
            busy_timeout_ms: 1_000,
            retry_after_secs: 5,
            poll_interval_ms: 1_000,
        }
    }
}

impl EventsSettings {
    /// The PostgreSQL URL, when `store` names one.
    pub fn postgres_url(&self) -> Option<&str> {
        self.store
            .as_ref()
            .map(|s| s.expose())
            .filter(|u| crate::pg::is_postgres_url(u))
    }

    pub fn pg_options(&self) -> crate::pg::PgOptions {
        crate::pg::PgOptions {
            pool_size: self.pool_size,
            statement_timeout: std::time::Duration::from_millis(self.statement_timeout_ms),
        }
    }
}

/// Exponential backoff with full jitter: after failed attempt `n` the next one waits a random
/// time in `[0, min(max_ms, base_ms * 2^(n-1))]`; after `max_attempts` the event is dead.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct RetrySchedule {
    pub max_attempts: u32,
    pub base_ms: u64,
    pub max_ms: u64,
}

impl Default for RetrySchedule {
    fn default() -> Self {
        RetrySchedule {
            max_attempts: 8,
            base_ms: 5_000,
            max_ms: 3_600_000,
        }
    }
}

/// A partial schedule: each field given replaces the one below it.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct RetryOverride {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_attempts: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub base_ms: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_ms: Option<u64>,
}

impl RetrySchedule {
    /// This schedule with `o`'s fields laid over it.
    pub fn with(self, o: &RetryOverride) -> RetrySchedule {
        RetrySchedule {
            max_attempts: o.max_attempts.unwrap_or(self.max_attempts),
            base_ms: o.base_ms.unwrap_or(self.base_ms),
            max_ms: o.max_ms.unwrap_or(self.max_ms),
        }
    }
}

/// One sender, served at `POST /events/<name>`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SourceSettings {
    /// How the sender proves it sent the call; checked over the raw body before parsing.
    pub verify: VerifySettings,
    /// Where the event id is: `header:<Name>` or a JSONPath into the event (`$.id`). The
    /// provider kinds have defaults (e.g. GitHub's `X-GitHub-Delivery`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_id: Option<String>,
    /// Where the event type is, in the same form (`$.type`, `header:X-GitHub-Event`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_type: Option<String>,
    /// A JSONPath whose nodes are the events of one delivery (Okta: `$.data.events[*]`); each
    /// is stored, deduplicated and handled on its own. Unset: the body is one event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch: Option<String>,
    /// Request headers stored with the event for its handler, besides the ones the kind keeps
    /// (never credentials or signatures).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub keep_headers: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body_limit_bytes: Option<usize>,
    /// This source's retry schedule, over `[events.retry]` and a handler's `.retries(n)`.
    #[serde(default)]
    pub retry: RetryOverride,
    /// Per handler (by its file name): a filter and a retry schedule.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub handlers: BTreeMap<String, HandlerSettings>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct HandlerSettings {
    /// A JSONPath filter (RFC 9535): the handler gets the event only when it selects something.
    /// A filter tests the children of the node before it: `$[?@.priority == 'high']` selects
    /// the event's `data` member when `data.priority` is `high`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub when: Option<String>,
    /// Over the source's schedule.
    pub retry: RetryOverride,
}

/// The verification schemes. Every kind takes `secrets`, a list so that an old and a new
/// secret are both accepted during a rotation; `events send` signs with the first.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum VerifySettings {
    /// Standard Webhooks v1 (also Svix): `webhook-id`, `webhook-timestamp`, `webhook-signature`;
    /// secrets are `whsec_` + base64.
    StandardWebhooks {
        secrets: Vec<Secret>,
        #[serde(default = "default_tolerance")]
        tolerance_secs: u64,
    },
    /// GitHub: `X-Hub-Signature-256: sha256=<hex>` over the body.
    Github { secrets: Vec<Secret> },
    /// Stripe: `Stripe-Signature: t=<ts>,v1=<hex>`; the secret is the `whsec_...` string itself.
    Stripe {
        secrets: Vec<Secret>,
        #[serde(default = "default_tolerance")]
        tolerance_secs: u64,
    },
    /// Slack: `X-Slack-Signature: v0=<hex>` over `v0:<ts>:<body>`.
    Slack {
        secrets: Vec<Secret>,
        #[serde(default = "default_tolerance")]
        tolerance_secs: u64,
    },
    /// Okta event hooks: a static secret in a header (`Authorization` by default).
    Okta {
        secrets: Vec<Secret>,
        #[serde(default = "default_okta_header")]
        header: String,
    },
    /// Shopify: `X-Shopify-Hmac-SHA256: <base64>` over the body.
    Shopify { secrets: Vec<Secret> },
    /// Any HMAC scheme: header, prefix, encoding, algorithm, and what is signed.
    Hmac(GenericHmacSettings),
    /// `Authorization: Bearer <secret>`.
    Bearer { secrets: Vec<Secret> },
    /// HTTP Basic with this username and any of `secrets` as the password.
    Basic {
        username: String,
        secrets: Vec<Secret>,
    },
    /// A static header, e.g. `X-Webhook-Token: <secret>`.
    Header { name: String, secrets: Vec<Secret> },
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct GenericHmacSettings {
    pub secrets: Vec<Secret>,
    /// The header carrying the signature.
    pub header: String,
    /// Before the signature in the header value, e.g. `sha256=`.
    #[serde(default)]
    pub prefix: String,
    #[serde(default = "default_encoding")]
    pub encoding: SignatureEncoding,
    #[serde(default)]
    pub algorithm: HmacAlgorithm,
    /// The header with the Unix time of signing; checked within `tolerance_secs` either way.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp_header: Option<String>,
    #[serde(default = "default_tolerance")]
    pub tolerance_secs: u64,
    /// What is signed: `{body}`, `{timestamp}` and `{header:<Name>}` stand for those values.
    /// Default `{body}`, or `{timestamp}.{body}` when `timestamp_header` is set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signed: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum HmacAlgorithm {
    #[default]
    Sha256,
    Sha512,
}

fn default_tolerance() -> u64 {
    300
}

fn default_okta_header() -> String {
    "authorization".into()
}

fn default_encoding() -> SignatureEncoding {
    SignatureEncoding::Hex
}

impl VerifySettings {
    pub fn kind(&self) -> &'static str {
        match self {
            VerifySettings::StandardWebhooks { .. } => "standard_webhooks",
            VerifySettings::Github { .. } => "github",
            VerifySettings::Stripe { .. } => "stripe",
            VerifySettings::Slack { .. } => "slack",
            VerifySettings::Okta { .. } => "okta",
            VerifySettings::Shopify { .. } => "shopify",
            VerifySettings::Hmac(_) => "hmac",
            VerifySettings::Bearer { .. } => "bearer",
            VerifySettings::Basic { .. } => "basic",
            VerifySettings::Header { .. } => "header",
        }
    }

    pub fn secrets(&self) -> &[Secret] {
        match self {
            VerifySettings::StandardWebhooks { secrets, .. }
            | VerifySettings::Github { secrets }
            | VerifySettings::Stripe { secrets, .. }
            | VerifySettings::Slack { secrets, .. }
            | VerifySettings::Okta { secrets, .. }
            | VerifySettings::Shopify { secrets }
            | VerifySettings::Bearer { secrets }
            | VerifySettings::Basic { secrets, .. }
            | VerifySettings::Header { secrets, .. } => secrets,
            VerifySettings::Hmac(h) => &h.secrets,
        }
    }

    /// Where the kind's senders put the event id, type and batch, when the source does not say.
    pub fn defaults(&self) -> KindDefaults {
        let d = |id: &'static str, ty: &'static str| KindDefaults {
            event_id: Some(id),
            event_type: Some(ty),
            batch: None,
            keep_headers: &[],
        };
        match self {
            VerifySettings::StandardWebhooks { .. } => KindDefaults {
                keep_headers: &["webhook-id", "webhook-timestamp"],
                ..d("header:webhook-id", "$.type")
            },
            VerifySettings::Github { .. } => KindDefaults {
                keep_headers: &["x-github-event", "x-github-delivery", "x-github-hook-id"],
                ..d("header:X-GitHub-Delivery", "header:X-GitHub-Event")
            },
            VerifySettings::Stripe { .. } => d("$.id", "$.type"),
            VerifySettings::Slack { .. } => KindDefaults {
                keep_headers: &["x-slack-retry-num", "x-slack-retry-reason"],
                ..d("$.event_id", "$.event.type")
            },
            VerifySettings::Okta { .. } => KindDefaults {
                batch: Some("$.data.events[*]"),
                ..d("$.uuid", "$.eventType")
            },
            VerifySettings::Shopify { .. } => KindDefaults {
                keep_headers: &[
                    "x-shopify-topic",
                    "x-shopify-webhook-id",
                    "x-shopify-event-id",
                    "x-shopify-shop-domain",
                    "x-shopify-triggered-at",
                    "x-shopify-api-version",
                ],
                ..d("header:X-Shopify-Webhook-Id", "header:X-Shopify-Topic")
            },
            VerifySettings::Hmac(_)
            | VerifySettings::Bearer { .. }
            | VerifySettings::Basic { .. }
            | VerifySettings::Header { .. } => KindDefaults {
                event_id: None,
                event_type: None,
                batch: None,
                keep_headers: &[],
            },
        }
    }

    /// Headers that carry credentials or signatures: never stored, whatever `keep_headers` says.
    pub fn credential_headers(&self) -> Vec<String> {
        let mut h: Vec<String> = match self {
            VerifySettings::StandardWebhooks { .. } => {
                vec!["webhook-signature".into(), "svix-signature".into()]
            }
            VerifySettings::Github { .. } => {
                vec!["x-hub-signature-256".into(), "x-hub-signature".into()]
            }
            VerifySettings::Stripe { .. } => vec!["stripe-signature".into()],
            VerifySettings::Slack { .. } => vec!["x-slack-signature".into()],
            VerifySettings::Okta { header, .. } => vec![header.to_ascii_lowercase()],
            VerifySettings::Shopify { .. } => vec!["x-shopify-hmac-sha256".into()],
            VerifySettings::Hmac(g) => vec![g.header.to_ascii_lowercase()],
            VerifySettings::Bearer { .. } | VerifySettings::Basic { .. } => vec![],
            VerifySettings::Header { name, .. } => vec![name.to_ascii_lowercase()],
        };
        h.push("authorization".into());
        h.push("cookie".into());
        h
    }
}

/// What a kind's senders do without being told.
#[derive(Debug, Clone, Copy)]
pub struct KindDefaults {
    pub event_id: Option<&'static str>,
    pub event_type: Option<&'static str>,
    pub batch: Option<&'static str>,
    pub keep_headers: &'static [&'static str],
}

/// Checks `[events]` and every `[sources.<name>]`; `Err((key, problem))` names the key.
pub fn validate(
    events: &EventsSettings,
    sources: &BTreeMap<String, SourceSettings>,
) -> Result<(), (String, String)> {
    let bad = |k: String, p: &str| Err((k, p.to_string()));
    if events.dedupe_days == 0 {
        return bad("events.dedupe_days".into(), "must be at least 1");
    }
    if events.workers == 0 {
        return bad("events.workers".into(), "must be at least 1");
    }
    if events.attempt_timeout_ms == 0 {
        return bad("events.attempt_timeout_ms".into(), "must be above 0");
    }
    if events.body_limit_bytes < 1024 {
        return bad("events.body_limit_bytes".into(), "must be at least 1024");
    }
    if events.poll_interval_ms == 0 {
        return bad("events.poll_interval_ms".into(), "must be above 0");
    }
    if let Some(store) = &events.store {
        let url = store.expose();
        if crate::pg::is_postgres_url(url) {
            // Parsed here so a typo stops the start; the message never repeats the URL.
            if url.parse::<tokio_postgres::Config>().is_err() {
                return bad(
                    "events.store".into(),
                    "is not a valid PostgreSQL connection URL",
                );
            }
        } else if url != "embedded" {
            return bad(
                "events.store".into(),
                "must be `embedded` or a postgres:// URL",
            );
        }
    }
    if events.pool_size == 0 {
        return bad("events.pool_size".into(), "must be at least 1");
    }
    if events.statement_timeout_ms == 0 {
        return bad("events.statement_timeout_ms".into(), "must be above 0");
    }
    check_schedule("events.retry", &events.retry)?;
    for (name, s) in sources {
        let key = |k: &str| format!("sources.{name}.{k}");
        let valid_name = !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !valid_name {
            return bad(
                format!("sources.{name}"),
                "names are [A-Za-z0-9_-]+ (used in the URL)",
            );
        }
        super::verify::SourceVerifier::new(&s.verify)
            .map_err(|(field, problem)| (key(&format!("verify.{field}")), problem))?;
        let defaults = s.verify.defaults();
        for (field, given, default) in [
            ("event_id", &s.event_id, defaults.event_id),
            ("event_type", &s.event_type, defaults.event_type),
        ] {
            match given.as_deref().or(default) {
                None => return bad(
                    key(field),
                    "must be set for this verify kind: `header:<Name>` or a JSONPath like `$.id`",
                ),
                Some(spec) => {
                    super::extract::Extractor::parse(spec).map_err(|p| (key(field), p))?;
                }
            }
        }
        if let Some(batch) = s.batch.as_deref().or(defaults.batch) {
            serde_json_path::JsonPath::parse(batch)
                .map_err(|e| (key("batch"), format!("not a JSONPath: {e}")))?;
            let id = s.event_id.as_deref().or(defaults.event_id).unwrap_or("");
            if id.starts_with("header:") {
                return bad(
                    key("event_id"),
                    "must be a JSONPath when the source sends batches (one header cannot tell the events apart)",
                );
            }
        }
        for h in &s.keep_headers {
            if actix_web::http::header::HeaderName::from_bytes(h.as_bytes()).is_err() {
                return bad(key("keep_headers"), "lists an invalid header name");
            }
        }
        if s.body_limit_bytes.is_some_and(|n| n < 1024) {
            return bad(key("body_limit_bytes"), "must be at least 1024");
        }
        let source_schedule = events.retry.with(&s.retry);
        check_schedule(&key("retry"), &source_schedule)?;
        for (handler, h) in &s.handlers {
            let hkey = |k: &str| key(&format!("handlers.{handler}.{k}"));
            if let Some(when) = &h.when {
                serde_json_path::JsonPath::parse(when)
                    .map_err(|e| (hkey("when"), format!("not a JSONPath: {e}")))?;
            }
            check_schedule(&hkey("retry"), &source_schedule.with(&h.retry))?;
        }
    }
    Ok(())
}

fn check_schedule(key: &str, s: &RetrySchedule) -> Result<(), (String, String)> {
    if s.max_attempts == 0 || s.max_attempts > 100 {
        return Err((
            format!("{key}.max_attempts"),
            "must be between 1 and 100".into(),
        ));
    }
    if s.base_ms == 0 || s.base_ms > s.max_ms {
        return Err((
            format!("{key}.base_ms"),
            "must be above 0 and at most max_ms".into(),
        ));
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::result_large_err)] // figment's Jail API returns its own large error type
mod tests {
    use super::*;
    use crate::config::Settings;
    use figment::Jail;

    #[test]
    fn a_source_loads_from_the_file_with_its_secret_from_the_environment() {
        Jail::expect_with(|jail| {
            jail.create_file(
                "intentful.toml",
                r#"
                [events]
                dir = "data"
                [sources.helpdesk]
                verify = { kind = "standard_webhooks", secrets = [] }
                event_type = "$.type"
                retry = { max_attempts = 3 }
                [sources.helpdesk.handlers.ticket_created]
                when = "$.data[?@.priority == 'high']"
                "#,
            )?;
            jail.set_env(
                "INTENTFUL_SOURCES__HELPDESK__VERIFY__SECRETS",
                "[\"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\"]",
            );
            let s = Settings::load(None).map_err(|e| e.to_string())?;
            let src = &s.sources["helpdesk"];
            assert_eq!(src.verify.secrets().len(), 1);
            assert_eq!(format!("{:?}", src.verify.secrets()), "[***]");
            assert_eq!(s.events.dir, PathBuf::from("data"));
            assert_eq!(s.events.retry.with(&src.retry).max_attempts, 3);
            Ok(())
        });
    }

    #[test]
    fn bad_settings_name_their_key() {
        let cases = [
            (
                "[sources.x]\nverify = { kind = \"bearer\", secrets = [\"0123456789abcdef\"] }\n",
                "sources.x.event_id",
            ),
            (
                "[sources.x]\nverify = { kind = \"github\", secrets = [] }\n",
                "sources.x.verify.secrets",
            ),
            (
                "[sources.x]\nverify = { kind = \"standard_webhooks\", secrets = [\"whsec_!!\"] }\n",
                "sources.x.verify.secrets",
            ),
            (
                "[sources.x]\nverify = { kind = \"github\", secrets = [\"0123456789abcdef\"] }\nevent_type = \"$[\"\n",
                "sources.x.event_type",
            ),
            (
                "[sources.x]\nverify = { kind = \"github\", secrets = [\"0123456789abcdef\"] }\n[sources.x.handlers.h]\nwhen = \"nope\"\n",
                "sources.x.handlers.h.when",
            ),
            (
                "[sources.x]\nverify = { kind = \"github\", secrets = [\"0123456789abcdef\"] }\nretry = { base_ms = 0 }\n",
                "sources.x.retry.base_ms",
            ),
            (
                "[sources.\"a b\"]\nverify = { kind = \"github\", secrets = [\"0123456789abcdef\"] }\n",
                "sources.a b",
            ),
            ("[events]\ndedupe_days = 0\n", "events.dedupe_days"),
            ("[events]\nstore = \"mysql://x\"\n", "events.store"),
            (
                "[events]\nstore = \"postgres://u:p@h:notaport/db\"\n",
                "events.store",
            ),
            ("[events]\npool_size = 0\n", "events.pool_size"),
            (
                "[sources.x]\nverify = { kind = \"okta\", secrets = [\"0123456789abcdef\"] }\nevent_id = \"header:X-Id\"\n",
                "sources.x.event_id",
            ),
        ];
        for (file, key) in cases {
            Jail::expect_with(|jail| {
                jail.create_file("intentful.toml", file)?;
                let err = Settings::load(None).unwrap_err().to_string();
                assert!(err.contains(key), "{file}: {err}");
                Ok(())
            });
        }
    }
}
