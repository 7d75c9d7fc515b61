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

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{web, HttpRequest, ResponseError};
use serde::{Deserialize, Serialize};

use crate::auth::{AuthMode, Verifier};
use crate::error::WebhookError;
use crate::limits::ClientGate;
use crate::state::AppState;

/// The only paths the admin listener serves.
const ADMIN_PATHS: [&str; 4] = ["/metrics", "/intents", "/healthz", "/readyz"];

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct AdminSettings {
    /// A listener of its own for `/metrics`, `/intents`, `/healthz` and `/readyz`; unset, none.
    /// 0 picks a free port (tests).
    pub port: Option<u16>,
    /// The admin listener's bind address; `server.host` when empty.
    pub host: String,
    /// The credential `/metrics` and `/intents` need wherever they are served: `basic`,
    /// `header` (`name = "authorization"`, `values = ["Bearer ..."]` for a bearer token), or
    /// `none` to serve them to anyone on purpose.
    pub auth: Option<AuthMode>,
}

impl AdminSettings {
    /// Checks the settings; the error names the key.
    pub fn validate(&self, server_port: u16) -> Result<(), (String, String)> {
        if self.port.is_some_and(|p| p != 0 && p == server_port) {
            return Err(("admin.port".into(), "must differ from server.port".into()));
        }
        let Some(mode) = &self.auth else {
            return Ok(());
        };
        if !matches!(
            mode,
            AuthMode::None { .. } | AuthMode::Basic { .. } | AuthMode::Header { .. }
        ) {
            return Err((
                "admin.auth.mode".into(),
                "must be basic, header or none (a scraper sends a fixed credential)".into(),
            ));
        }
        mode.validate()
            .map_err(|(field, problem)| (format!("admin.auth.{field}"), problem))
    }
}

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

    fn listener_of(&self, local: SocketAddr) -> Listener {
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

/// Middleware: on the admin listener, every path but the four it serves is an unknown path.
pub async fn admin_listener_only_serves_its_paths(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let on_admin = req
        .app_data::<web::Data<AppState>>()
        .is_some_and(|s| s.admin.listener_of(req.app_config().local_addr()) == Listener::Admin);
    if on_admin && !ADMIN_PATHS.contains(&req.path()) {
        let path: String = req.path().chars().take(200).collect();
        let refusal = WebhookError::NotFound(path).error_response();
        return Ok(req.into_response(refusal).map_into_right_body());
    }
    next.call(req)
        .await
        .map(ServiceResponse::map_into_left_body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Secret;

    #[test]
    fn admin_settings_are_checked() {
        let header = AuthMode::Header {
            name: "authorization".into(),
            values: vec![Secret::new("Bearer scrape-token-0123456789")],
        };
        let ok = AdminSettings {
            port: Some(9090),
            host: String::new(),
            auth: Some(header),
        };
        assert_eq!(ok.validate(8080), Ok(()));
        assert_eq!(
            ok.validate(9090).map_err(|(k, _)| k),
            Err("admin.port".into())
        );
        let short = AdminSettings {
            auth: Some(AuthMode::Header {
                name: "authorization".into(),
                values: vec![Secret::new("short")],
            }),
            ..AdminSettings::default()
        };
        assert_eq!(
            short.validate(8080).map_err(|(k, _)| k),
            Err("admin.auth.values".into())
        );
        let hmac = AdminSettings {
            auth: Some(AuthMode::Hmac(crate::auth::HmacSettings {
                header: "x-sig".into(),
                secrets: vec![Secret::new("sixteen-bytes-secret")],
                encoding: crate::auth::SignatureEncoding::Hex,
                prefix: String::new(),
                timestamp_header: None,
                tolerance_secs: 300,
            })),
            ..AdminSettings::default()
        };
        assert_eq!(
            hmac.validate(8080).map_err(|(k, _)| k),
            Err("admin.auth.mode".into())
        );
    }
}
