//! The operational endpoints `/metrics` and `/intents`: where they are served and who may read
//! them. `/healthz` and `/readyz` stay open on every listener, for load balancers and probes.
//!
//! - `admin.port` set: a listener of its own serves `/metrics`, `/intents`, `/healthz` and
//!   `/readyz` and nothing else, and the main port answers 404 for the two (Kubernetes scrapes
//!   a container port the Service does not expose; on Cloud Run only `PORT` is routed, so a
//!   sidecar on localhost can scrape it).
//! - `admin.port` unset and `[admin.auth]` set: the main port serves them behind that credential
//!   and behind `limits.*` (allowlist, rate limits) like a webhook route.
//! - neither (the default): the main port answers 404 for them, as for any unknown path, so a
//!   public fulfillment URL discloses no intent list, file path, fallback text or traffic count
//!   until an operator says where they may be read. Start-up says how.
//!
//! `[admin.auth]` applies on the admin listener too; there `limits.*` does not (the listener is
//! meant for a private network, guarded by its own network policy).

use std::net::{SocketAddr, TcpListener};
use std::sync::OnceLock;

use actix_web::HttpRequest;

use crate::auth::Verifier;
use crate::error::WebhookError;
use crate::limits::ClientGate;

mod settings;
pub use settings::AdminSettings;

/// The only paths the admin listener serves.
pub const ADMIN_PATHS: [&str; 4] = ["/metrics", "/intents", "/healthz", "/readyz"];

/// Which listener a request came in on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listener {
    Main,
    Admin,
}

/// The admin settings at run time: the verifier and the admin listener's address once bound.
pub struct Admin {
    settings: AdminSettings,
    verifier: Option<Verifier>,
    addr: OnceLock<SocketAddr>,
}

impl Admin {
    pub fn new(settings: &AdminSettings, http: &reqwest::Client) -> Admin {
        Admin {
            settings: settings.clone(),
            verifier: settings.auth.as_ref().map(|m| Verifier::new(m, http)),
            addr: OnceLock::new(),
        }
    }

    /// The admin listener's address, once bound.
    pub fn addr(&self) -> Option<SocketAddr> {
        self.addr.get().copied()
    }

    /// Binds the admin listener when `admin.port` is set, and says at start-up where the
    /// operational endpoints are (or that they are not served).
    pub fn bind(&self, server_host: &str) -> std::io::Result<Option<TcpListener>> {
        let Some(port) = self.settings.port else {
            if self.verifier.is_none() {
                tracing::info!(
                    "/metrics and /intents are not served: set admin.port for a listener of \
                     their own, or [admin.auth] to serve them on this port behind a credential"
                );
            }
            return Ok(None);
        };
        let host = match self.settings.host.as_str() {
            "" => server_host,
            host => host,
        };
        let listener = TcpListener::bind((host, port)).map_err(|e| {
            std::io::Error::new(
                e.kind(),
                format!("cannot bind admin.port {host}:{port}: {e}"),
            )
        })?;
        let addr = listener.local_addr()?;
        // Bound once per process; a second bind would be a second server, which keeps its own.
        let _ = self.addr.set(addr);
        tracing::info!(%addr, "admin listening (/metrics, /intents, /healthz, /readyz)");
        Ok(Some(listener))
    }

    pub fn listener_of(&self, local: SocketAddr) -> Listener {
        match self.addr.get() {
            Some(admin) if *admin == local => Listener::Admin,
            _ => Listener::Main,
        }
    }

    /// Whether this request to `/metrics` or `/intents` may be answered, else the refusal.
    pub async fn check(&self, req: &HttpRequest, gate: &ClientGate) -> Result<(), WebhookError> {
        let not_here = || WebhookError::NotFound(req.path().chars().take(200).collect());
        let verifier = match self.listener_of(req.app_config().local_addr()) {
            Listener::Admin => match &self.verifier {
                None => return Ok(()),
                Some(v) => v,
            },
            Listener::Main => {
                let v = match &self.verifier {
                    Some(v) if self.settings.port.is_none() => v,
                    _ => return Err(not_here()),
                };
                gate.check(req, v.credential_header()).await?;
                v
            }
        };
        verifier.verify_headers(req.headers()).await.map_err(|r| {
            metrics::counter!(
                "intentful_auth_rejections_total",
                &[
                    ("route", "admin"),
                    ("mode", verifier.mode()),
                    ("reason", r.as_str())
                ]
            )
            .increment(1);
            tracing::warn!(
                path = req.path(),
                reason = r.as_str(),
                "admin caller refused"
            );
            WebhookError::Unauthorized {
                challenge: verifier.challenge(),
            }
        })
    }
}
