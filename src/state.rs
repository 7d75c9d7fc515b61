//! [`AppState`]: what every request shares, built once from [`Settings`] and the [`Registry`].

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use crate::auth::Authenticator;
use crate::config::Settings;
use crate::intent::Registry;
use crate::limits::ClientGate;
use crate::shutdown::Shutdown;
use crate::upstream::Upstreams;
use crate::webhook_metrics::WebhookMetrics;

pub struct AppState {
    pub settings: Arc<Settings>,
    pub registry: Arc<Registry>,
    pub upstreams: Arc<Upstreams>,
    pub auth: Arc<Authenticator>,
    pub gate: ClientGate,
    /// Where `/metrics` and `/intents` are served, and to whom.
    pub admin: crate::admin::Admin,
    /// The series every webhook call observes, registered for the registry's keys.
    pub metrics: WebhookMetrics,
    /// The rustls configuration when `server.tls` is set, loaded and checked at start.
    pub tls: Option<Arc<rustls::ServerConfig>>,
    /// Set when the shutdown grace period starts; calls still running at its end fall back.
    pub shutdown: Shutdown,
    /// Event triggers (issue 16): `None` when no `[sources]` are configured.
    pub events: Option<Arc<crate::ingest::Ingest>>,
    /// The PostgreSQL pool several instances share (`events.store = "postgres://..."`), when
    /// something here uses it.
    pub pg: Option<Arc<crate::pg::Pg>>,
    /// Who gets every finished webhook call (the recorder, the inspector); empty by default,
    /// and then no call is traced.
    pub observers: Vec<Arc<dyn crate::trace::CallObserver>>,
    /// The inspector page's state, when `inspect.enabled` (it is one of the observers too).
    pub inspector: Option<Arc<crate::inspect::Inspector>>,
    ready: AtomicBool,
}

/// A start-up problem: the service refuses to start rather than fail on the first request.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error(transparent)]
    Registry(#[from] crate::intent::RegistryError),
    #[error("intent `{intent}` ({file}) needs upstream `{upstream}`, which is not configured under [upstreams]")]
    MissingUpstream {
        intent: String,
        file: &'static str,
        upstream: String,
    },
    #[error(
        "configuration key `intents.{key}`: no intent `{key}` is registered{}",
        did_you_mean(hint)
    )]
    UnknownIntent { key: String, hint: Option<String> },
    #[error(transparent)]
    Tls(#[from] crate::tls::TlsError),
    #[error("building the HTTP client: {0}")]
    Client(#[from] reqwest::Error),
    #[error("events: {0}")]
    Events(String),
    #[error("recording: {0}")]
    Record(String),
}

impl AppState {
    pub fn new(settings: Settings, registry: Registry) -> Result<AppState, StartupError> {
        let handlers = crate::ingest::EventRegistry::builtin()
            .map_err(|e| StartupError::Events(e.to_string()))?;
        AppState::with_event_handlers(settings, registry, handlers)
    }

    /// [`AppState::new`] with these event handlers instead of the ones in `events/`.
    pub fn with_event_handlers(
        settings: Settings,
        registry: Registry,
        handlers: crate::ingest::EventRegistry,
    ) -> Result<AppState, StartupError> {
        let upstreams = Upstreams::from_settings(
            &settings.upstreams,
            std::time::Duration::from_millis(settings.deadline.upstream_margin_ms),
        )?
        .limit_buffered(settings.upstream_limits.max_buffered_bytes);
        for spec in registry.all() {
            for up in &spec.upstreams {
                if !upstreams.contains(up) {
                    return Err(StartupError::MissingUpstream {
                        intent: spec.key.clone(),
                        file: spec.file,
                        upstream: up.clone(),
                    });
                }
            }
        }
        // Settings for a key no module registers would be silently ignored: a typo.
        if let Some(key) = settings
            .intents
            .keys()
            .find(|k| registry.get(k.as_str()).is_none())
        {
            return Err(StartupError::UnknownIntent {
                key: key.clone(),
                hint: nearest(key, registry.all().iter().map(|s| s.key.as_str())),
            });
        }
        let tls = crate::tls::server_config(&settings.server.tls)?;
        let auth = Arc::new(Authenticator::new(&settings.auth, upstreams.http()));
        let metrics = WebhookMetrics::new(
            registry.all().iter().map(|s| s.key.as_str()),
            !settings.cx.webhooks.is_empty(),
        );
        let upstreams = Arc::new(upstreams);
        let shared_limits = settings.limits.shared == crate::limits::LimitSharing::Postgres;
        let pg = match settings.events.postgres_url() {
            Some(url) if !settings.sources.is_empty() || shared_limits => Some(Arc::new(
                crate::pg::Pg::new(url, &settings.events.pg_options())
                    .map_err(|e| StartupError::Events(format!("events.store: {e}")))?,
            )),
            _ => None,
        };
        let events = crate::ingest::Ingest::from_settings(
            &settings,
            handlers,
            upstreams.clone(),
            pg.clone(),
        )
        .map_err(StartupError::Events)?;
        let gate = match (&pg, shared_limits) {
            (Some(pg), true) => ClientGate::new(&settings.limits).shared_through(
                pg.clone(),
                std::time::Duration::from_millis(settings.limits.shared_timeout_ms),
            ),
            _ => ClientGate::new(&settings.limits),
        };
        let mut observers: Vec<Arc<dyn crate::trace::CallObserver>> = Vec::new();
        if let Some(recorder) =
            crate::record::Recorder::start(&settings).map_err(StartupError::Record)?
        {
            observers.push(recorder);
        }
        let inspector = match settings.inspect.enabled {
            true => {
                let redactor = crate::record::Redactor::from_settings(&settings)
                    .map_err(StartupError::Record)?;
                let inspector = Arc::new(crate::inspect::Inspector::new(
                    &settings.inspect,
                    redactor,
                    upstreams.http(),
                ));
                observers.push(inspector.clone());
                Some(inspector)
            }
            false => None,
        };
        Ok(AppState {
            events,
            pg,
            auth,
            metrics,
            gate,
            admin: crate::admin::Admin::new(&settings.admin, upstreams.http()),
            tls,
            shutdown: Shutdown::default(),
            settings: Arc::new(settings),
            registry: Arc::new(registry),
            upstreams,
            observers,
            inspector,
            ready: AtomicBool::new(true),
        })
    }

    /// The built-in intents with these settings.
    pub fn with_builtin_intents(settings: Settings) -> Result<AppState, StartupError> {
        AppState::new(settings, Registry::builtin()?)
    }

    pub fn is_ready(&self) -> bool {
        self.ready.load(Ordering::SeqCst)
    }

    /// Turned off first on shutdown, so load balancers stop sending before we stop accepting.
    pub fn set_ready(&self, ready: bool) {
        self.ready.store(ready, Ordering::SeqCst);
    }
}

fn did_you_mean(hint: &Option<String>) -> String {
    hint.as_ref()
        .map(|h| format!(" (did you mean `{h}`?)"))
        .unwrap_or_default()
}

/// The registered key most like `typo`, if any is alike at all.
fn nearest<'k>(typo: &str, keys: impl Iterator<Item = &'k str>) -> Option<String> {
    keys.map(|k| (strsim::jaro_winkler(typo, k), k))
        .filter(|(score, _)| *score > 0.7)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, k)| k.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::IntentSettings;

    fn refusal(key: &str) -> String {
        let mut settings = Settings::default();
        settings
            .intents
            .insert(key.into(), IntentSettings::default());
        match AppState::with_builtin_intents(settings) {
            Ok(_) => panic!("`intents.{key}` was accepted"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn settings_for_an_unregistered_intent_are_refused_with_the_nearest_key() {
        let err = refusal("weather.curent");
        assert!(
            err.contains("`intents.weather.curent`") && err.contains("`weather.current`"),
            "{err}"
        );
        let err = refusal("zzz");
        assert!(
            err.contains("`intents.zzz`") && !err.contains("did you mean"),
            "{err}"
        );
        let mut settings = Settings::default();
        settings
            .intents
            .insert("weather.current".into(), IntentSettings::default());
        assert!(AppState::with_builtin_intents(settings).is_ok());
    }
}
