//! [`AppState`]: what every request shares, built once from [`Settings`] and the [`Registry`].

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use crate::auth::Authenticator;
use crate::config::Settings;
use crate::intent::Registry;
use crate::limits::ClientGate;
use crate::telemetry::WebhookMetrics;
use crate::upstream::Upstreams;

pub struct AppState {
    pub settings: Arc<Settings>,
    pub registry: Arc<Registry>,
    pub upstreams: Arc<Upstreams>,
    pub auth: Arc<Authenticator>,
    pub gate: ClientGate,
    /// The series every webhook call observes, registered for the registry's keys.
    pub metrics: WebhookMetrics,
    /// The rustls configuration when `server.tls` is set, loaded and checked at start.
    pub tls: Option<Arc<rustls::ServerConfig>>,
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
    #[error(transparent)]
    Tls(#[from] crate::tls::TlsError),
    #[error("building the HTTP client: {0}")]
    Client(#[from] reqwest::Error),
}

impl AppState {
    pub fn new(settings: Settings, registry: Registry) -> Result<AppState, StartupError> {
        let upstreams = Upstreams::from_settings(
            &settings.upstreams,
            std::time::Duration::from_millis(settings.deadline.upstream_margin_ms),
        )?;
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
        let tls = crate::tls::server_config(&settings.server.tls)?;
        let auth = Arc::new(Authenticator::new(&settings.auth, upstreams.http()));
        let metrics = WebhookMetrics::new(
            registry.all().iter().map(|s| s.key.as_str()),
            !settings.cx.webhooks.is_empty(),
        );
        Ok(AppState {
            auth,
            metrics,
            gate: ClientGate::new(&settings.limits),
            tls,
            settings: Arc::new(settings),
            registry: Arc::new(registry),
            upstreams: Arc::new(upstreams),
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
