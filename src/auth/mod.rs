//! Inbound caller verification, before the body is parsed.
//!
//! One [`Verifier`] per webhook route (a default plus overrides). Header-based modes run
//! before the body is read; HMAC needs the raw bytes and runs right after reading them, still
//! before any JSON parsing. A rejection is a 401 JSON error and never reaches a handler.

mod basic;
mod google_id;
mod header_token;
mod hmac_sig;
mod jwks;
mod settings;

pub use google_id::{bearer_token, GoogleIdVerifier};
pub use hmac_sig::{parse_signature, HmacVerifier};
pub use jwks::JwksCache;
pub use settings::{
    AuthMode, AuthSettings, BasicCredential, GoogleIdTokenSettings, HmacSettings, SignatureEncoding,
};

use std::collections::HashMap;
use std::sync::Arc;

use actix_web::http::header::HeaderMap;

use crate::config::Secret;

/// Why a caller was refused; a bounded label set for logs and metrics. Never carries the
/// credential itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rejection {
    Missing,
    Malformed,
    BadCredentials,
    BadSignature,
    StaleTimestamp,
    Expired,
    NotYetValid,
    WrongAudience,
    WrongIssuer,
    WrongAlgorithm,
    UnknownKey,
    WrongEmail,
    EmailUnverified,
    /// Google's keys could not be fetched and none are cached: an internal failure (503).
    KeysUnavailable,
}

impl Rejection {
    pub fn as_str(self) -> &'static str {
        match self {
            Rejection::Missing => "missing",
            Rejection::Malformed => "malformed",
            Rejection::BadCredentials => "bad_credentials",
            Rejection::BadSignature => "bad_signature",
            Rejection::StaleTimestamp => "stale_timestamp",
            Rejection::Expired => "expired",
            Rejection::NotYetValid => "not_yet_valid",
            Rejection::WrongAudience => "wrong_audience",
            Rejection::WrongIssuer => "wrong_issuer",
            Rejection::WrongAlgorithm => "wrong_algorithm",
            Rejection::UnknownKey => "unknown_key",
            Rejection::WrongEmail => "wrong_email",
            Rejection::EmailUnverified => "email_unverified",
            Rejection::KeysUnavailable => "keys_unavailable",
        }
    }
}

/// The verifier of one route.
pub enum Verifier {
    None,
    Basic(Vec<(String, Secret)>),
    Header { name: String, values: Vec<Secret> },
    GoogleIdToken(Arc<GoogleIdVerifier>),
    Hmac(HmacVerifier),
}

impl Verifier {
    fn new(mode: &AuthMode, http: &reqwest::Client) -> Verifier {
        match mode {
            AuthMode::None { .. } => Verifier::None,
            AuthMode::Basic { credentials } => Verifier::Basic(
                credentials
                    .iter()
                    .map(|c| (c.username.clone(), c.password.clone()))
                    .collect(),
            ),
            AuthMode::Header { name, values } => Verifier::Header {
                name: name.to_ascii_lowercase(),
                values: values.clone(),
            },
            AuthMode::GoogleIdToken(g) => {
                Verifier::GoogleIdToken(Arc::new(GoogleIdVerifier::new(g, http.clone())))
            }
            AuthMode::Hmac(h) => Verifier::Hmac(HmacVerifier::new(h)),
        }
    }

    /// The header that carries this route's credential, for per-credential rate limits.
    pub fn credential_header(&self) -> &str {
        match self {
            Verifier::Header { name, .. } => name,
            Verifier::Hmac(v) => v.header(),
            _ => "authorization",
        }
    }

    /// A bounded label for logs and metrics.
    pub fn mode(&self) -> &'static str {
        match self {
            Verifier::None => "none",
            Verifier::Basic(_) => "basic",
            Verifier::Header { .. } => "header",
            Verifier::GoogleIdToken(_) => "google_id_token",
            Verifier::Hmac(_) => "hmac",
        }
    }

    /// Checks what the headers alone can prove (everything but HMAC).
    pub async fn verify_headers(&self, headers: &HeaderMap) -> Result<(), Rejection> {
        match self {
            Verifier::None | Verifier::Hmac(_) => Ok(()),
            Verifier::Basic(creds) => basic::verify(headers, creds),
            Verifier::Header { name, values } => header_token::verify(headers, name, values),
            Verifier::GoogleIdToken(v) => v.verify(headers).await,
        }
    }

    /// Checks a signature over the raw body (HMAC only).
    pub fn verify_body(&self, headers: &HeaderMap, body: &[u8]) -> Result<(), Rejection> {
        match self {
            Verifier::Hmac(v) => v.verify(headers, body, now_secs()),
            _ => Ok(()),
        }
    }
}

/// Every route's verifier.
pub struct Authenticator {
    default: Verifier,
    routes: HashMap<String, Verifier>,
    unacknowledged_open: Vec<String>,
}

impl Authenticator {
    pub fn new(settings: &AuthSettings, http: &reqwest::Client) -> Authenticator {
        let mut unacknowledged_open = Vec::new();
        let mut note = |route: &str, mode: &AuthMode| {
            if matches!(
                mode,
                AuthMode::None {
                    acknowledged: false
                }
            ) {
                unacknowledged_open.push(route.to_string());
            }
        };
        // `default` serves only the routes without a mode of their own.
        if AuthSettings::ROUTES
            .iter()
            .any(|r| !settings.routes.contains_key(*r))
        {
            note("default", &settings.default);
        }
        for (route, mode) in &settings.routes {
            note(route, mode);
        }
        Authenticator {
            default: Verifier::new(&settings.default, http),
            routes: settings
                .routes
                .iter()
                .map(|(k, m)| (k.clone(), Verifier::new(m, http)))
                .collect(),
            unacknowledged_open,
        }
    }

    /// The verifier for a route name (`auto`, `es`, `cx`).
    pub fn for_route(&self, route: &str) -> &Verifier {
        self.routes.get(route).unwrap_or(&self.default)
    }

    /// Routes open to anyone without `acknowledged = true`, for the start-up warning.
    pub fn unacknowledged_open_routes(&self) -> &[String] {
        &self.unacknowledged_open
    }
}

fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default()
}

/// Constant-time equality of two byte strings (length leaks, content does not).
pub(crate) fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.ct_eq(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open_routes(routes: &[&str]) -> Vec<String> {
        let header = AuthMode::Header {
            name: "X-Token".into(),
            values: vec![Secret::new("sixteen-chars-token")],
        };
        let settings = AuthSettings {
            routes: routes
                .iter()
                .map(|r| (r.to_string(), header.clone()))
                .collect(),
            ..AuthSettings::default()
        };
        Authenticator::new(&settings, &reqwest::Client::new())
            .unacknowledged_open_routes()
            .to_vec()
    }

    /// The open `default` is only worth a warning while some route still uses it.
    #[test]
    fn an_open_default_that_no_route_uses_is_not_reported() {
        assert_eq!(open_routes(&[]), ["default"]);
        assert_eq!(open_routes(&["es", "cx"]), ["default"]);
        assert!(open_routes(&["auto", "es", "cx"]).is_empty());
    }
}
