//! Inbound caller verification, before the body is parsed.
//!
//! One [`Verifier`] per webhook route (a default plus overrides). Every mode checks what the
//! headers prove before the body is read; HMAC then matches its signature against the raw
//! bytes right after reading them, still before any JSON parsing. A rejection is a 401 JSON
//! error (with a `WWW-Authenticate` challenge for the route's own mode, where it has one) and
//! never reaches a handler.

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

use crate::secret::Secret;

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
    /// An ID token valid for longer than `max_lifetime_secs`.
    LifetimeTooLong,
    /// An ID token header with a `crit` extension.
    UnsupportedCritical,
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
            Rejection::LifetimeTooLong => "lifetime_too_long",
            Rejection::UnsupportedCritical => "unsupported_crit",
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

/// The realm every challenge names.
const BASIC_CHALLENGE: &str = "Basic realm=\"intentful\", charset=\"UTF-8\"";
const BEARER_CHALLENGE: &str = "Bearer realm=\"intentful\"";

impl Verifier {
    pub(crate) fn new(mode: &AuthMode, http: &reqwest::Client) -> Verifier {
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

    /// The `WWW-Authenticate` value of a 401 on this route: the scheme of this mode only, and
    /// none for modes outside HTTP's `Authorization` framework (a custom header, HMAC), where a
    /// challenge would only advertise which header to forge.
    pub fn challenge(&self) -> Option<&'static str> {
        match self {
            Verifier::Basic(_) => Some(BASIC_CHALLENGE),
            Verifier::GoogleIdToken(_) => Some(BEARER_CHALLENGE),
            // A static `Authorization: Bearer ...` token. Only a scheme every value shares is
            // named, and only Basic or Bearer: anything else could be part of the secret.
            Verifier::Header { name, values } if name == "authorization" => {
                let scheme = |v: &Secret| {
                    v.expose()
                        .split_once(' ')
                        .map(|(scheme, _)| scheme.to_ascii_lowercase())
                };
                let first = values.first().and_then(scheme);
                let shared = first.filter(|f| values.iter().all(|v| scheme(v).as_ref() == Some(f)));
                match shared.as_deref() {
                    Some("bearer") => Some(BEARER_CHALLENGE),
                    Some("basic") => Some(BASIC_CHALLENGE),
                    _ => None,
                }
            }
            Verifier::None | Verifier::Header { .. } | Verifier::Hmac(_) => None,
        }
    }

    /// Checks what the headers alone can prove: everything, except that an HMAC signature
    /// matches the body.
    pub async fn verify_headers(&self, headers: &HeaderMap) -> Result<(), Rejection> {
        match self {
            Verifier::None => Ok(()),
            Verifier::Hmac(v) => v.check_headers(headers, now_secs()),
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

    /// Starts fetching Google's keys for every route in Google ID token mode, in the
    /// background: the first call then finds them cached. Without a runtime (a test building
    /// the state alone) the first call fetches them.
    pub fn prefetch_keys(&self) {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        for verifier in std::iter::once(&self.default).chain(self.routes.values()) {
            if let Verifier::GoogleIdToken(v) = verifier {
                runtime.spawn(Arc::clone(v.jwks()).prefetch());
            }
        }
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
