//! Inbound authentication settings: one mode for every webhook route, optionally overridden
//! per route (`auto` = `/webhook`, `es`, `cx`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::secret::Secret;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct AuthSettings {
    /// The mode of every webhook route without its own entry in `routes`.
    pub default: AuthMode,
    /// Per-route overrides, by route name: `auto` (`/webhook`), `es`, `cx` (also `/webhook/cx/<name>`).
    pub routes: BTreeMap<String, AuthMode>,
}

impl Default for AuthSettings {
    fn default() -> Self {
        AuthSettings {
            default: AuthMode::None {
                acknowledged: false,
            },
            routes: BTreeMap::new(),
        }
    }
}

/// How a caller proves it is the Dialogflow agent.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "mode", rename_all = "snake_case", deny_unknown_fields)]
pub enum AuthMode {
    /// Anyone may call. Start-up warns unless `acknowledged = true` says it is deliberate
    /// (e.g. the service sits behind an authenticating proxy).
    None {
        // Not serialized when false: the defaults figment would otherwise carry
        // `acknowledged` into a file's table that switches to another mode, and fail it.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        acknowledged: bool,
    },
    /// Dialogflow's "basic auth" username/password; several pairs may be valid (rotation).
    Basic { credentials: Vec<BasicCredential> },
    /// A static header such as `Authorization: Bearer ...` or `X-Webhook-Token: ...`; any of
    /// `values` is accepted (rotation).
    Header { name: String, values: Vec<Secret> },
    /// Google-signed ID tokens (Dialogflow service identity / CX service agent auth).
    GoogleIdToken(GoogleIdTokenSettings),
    /// HMAC-SHA256 over the raw body (optionally with a timestamp), from a signing proxy.
    Hmac(HmacSettings),
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct BasicCredential {
    pub username: String,
    pub password: Secret,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct GoogleIdTokenSettings {
    /// The `aud` the token must carry: the webhook URL as configured in the agent.
    pub audience: String,
    /// Accepted `email` claims, e.g. `service-<project number>@gcp-sa-dialogflow.iam.gserviceaccount.com`.
    pub service_accounts: Vec<String>,
    #[serde(default = "default_jwks_url")]
    pub jwks_url: String,
    #[serde(default = "default_issuers")]
    pub issuers: Vec<String>,
    /// Allowed clock skew for `exp`, `iat` and `nbf`.
    #[serde(default = "default_leeway")]
    pub leeway_secs: u64,
    /// Longest accepted token life, from `iat` to `exp` and from now to `exp` (Google's ID
    /// tokens live an hour).
    #[serde(default = "default_max_lifetime")]
    pub max_lifetime_secs: u64,
    /// Shortest time between two key refreshes caused by an unknown `kid` (never applied while
    /// no key is cached).
    #[serde(default = "default_refresh_interval")]
    pub min_refresh_interval_secs: u64,
}

fn default_jwks_url() -> String {
    "https://www.googleapis.com/oauth2/v3/certs".into()
}

fn default_issuers() -> Vec<String> {
    vec![
        "https://accounts.google.com".into(),
        "accounts.google.com".into(),
    ]
}

fn default_leeway() -> u64 {
    30
}

fn default_max_lifetime() -> u64 {
    7200
}

fn default_refresh_interval() -> u64 {
    30
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum SignatureEncoding {
    Hex,
    Base64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct HmacSettings {
    /// Header carrying the signature, e.g. `X-Signature-256`.
    pub header: String,
    /// Any of these secrets may have signed the call (rotation).
    pub secrets: Vec<Secret>,
    #[serde(default = "default_encoding")]
    pub encoding: SignatureEncoding,
    /// A prefix the header value carries before the signature, e.g. `sha256=`.
    #[serde(default)]
    pub prefix: String,
    /// Header with the Unix time the call was signed at; when set, the signed bytes are
    /// `<timestamp>.<body>` and the time must be within `tolerance_secs` either way.
    #[serde(default)]
    pub timestamp_header: Option<String>,
    #[serde(default = "default_tolerance")]
    pub tolerance_secs: u64,
}

fn default_encoding() -> SignatureEncoding {
    SignatureEncoding::Hex
}

fn default_tolerance() -> u64 {
    300
}

/// Clock skew tolerated on a Google ID token's times; more would stretch every token's life.
const MAX_LEEWAY_SECS: u64 = 300;
/// How far a signed timestamp may be from now; more widens the replay window.
const MAX_TOLERANCE_SECS: u64 = 600;

/// `http://` is only safe where nobody can sit in between: tests' local key servers.
fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

impl AuthSettings {
    /// The route names `routes` may use.
    pub const ROUTES: [&'static str; 3] = ["auto", "es", "cx"];

    /// Checks every mode; the error names the key.
    pub fn validate(&self) -> Result<(), (String, String)> {
        for name in self.routes.keys() {
            if !Self::ROUTES.contains(&name.as_str()) {
                return Err((
                    format!("auth.routes.{name}"),
                    "routes are auto, es or cx".into(),
                ));
            }
        }
        let all = std::iter::once(("auth.default".to_string(), &self.default)).chain(
            self.routes
                .iter()
                .map(|(k, m)| (format!("auth.routes.{k}"), m)),
        );
        for (key, mode) in all {
            mode.validate()
                .map_err(|(field, problem)| (format!("{key}.{field}"), problem))?;
        }
        Ok(())
    }
}

impl AuthMode {
    pub(crate) fn validate(&self) -> Result<(), (String, String)> {
        let bad = |field: &str, problem: &str| Err((field.to_string(), problem.to_string()));
        match self {
            AuthMode::None { .. } => Ok(()),
            AuthMode::Basic { credentials } => {
                if credentials.is_empty() {
                    return bad("credentials", "needs at least one username/password");
                }
                if credentials
                    .iter()
                    .any(|c| c.username.contains(':') || c.password.expose().is_empty())
                {
                    return bad(
                        "credentials",
                        "usernames cannot contain ':' and passwords cannot be empty",
                    );
                }
                Ok(())
            }
            AuthMode::Header { name, values } => {
                if actix_web::http::header::HeaderName::from_bytes(name.as_bytes()).is_err() {
                    return bad("name", "is not a valid header name");
                }
                if values.is_empty() || values.iter().any(|v| v.expose().len() < 16) {
                    return bad(
                        "values",
                        "needs at least one value of 16 or more characters",
                    );
                }
                Ok(())
            }
            AuthMode::GoogleIdToken(g) => {
                if g.audience.is_empty() {
                    return bad(
                        "audience",
                        "must be the webhook URL configured in the agent",
                    );
                }
                if g.service_accounts.is_empty() {
                    return bad("service_accounts", "must name the Dialogflow service agent");
                }
                match url::Url::parse(&g.jwks_url) {
                    Ok(url) if url.scheme() == "https" || is_loopback(&url) => {}
                    Ok(_) => {
                        return bad(
                            "jwks_url",
                            "must be an https URL (http only to a loopback address): the keys \
                             decide who may call",
                        )
                    }
                    Err(_) => return bad("jwks_url", "must be a URL"),
                }
                if g.leeway_secs > MAX_LEEWAY_SECS {
                    return bad(
                        "leeway_secs",
                        &format!("must be at most {MAX_LEEWAY_SECS} (clock skew, not token life)"),
                    );
                }
                if g.max_lifetime_secs == 0 || g.max_lifetime_secs > 86_400 {
                    return bad("max_lifetime_secs", "must be between 1 and 86400");
                }
                Ok(())
            }
            AuthMode::Hmac(h) => {
                if actix_web::http::header::HeaderName::from_bytes(h.header.as_bytes()).is_err() {
                    return bad("header", "is not a valid header name");
                }
                if h.secrets.is_empty() || h.secrets.iter().any(|s| s.expose().len() < 16) {
                    return bad("secrets", "needs at least one secret of 16 or more bytes");
                }
                if h.tolerance_secs == 0 || h.tolerance_secs > MAX_TOLERANCE_SECS {
                    return bad(
                        "tolerance_secs",
                        &format!(
                            "must be between 1 and {MAX_TOLERANCE_SECS}: a wider window lets a \
                             captured call be replayed for longer"
                        ),
                    );
                }
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn google(jwks_url: &str, leeway_secs: u64) -> AuthSettings {
        AuthSettings {
            default: AuthMode::GoogleIdToken(GoogleIdTokenSettings {
                audience: "https://bot.example.com/webhook".into(),
                service_accounts: vec!["a@b.c".into()],
                jwks_url: jwks_url.into(),
                issuers: default_issuers(),
                leeway_secs,
                min_refresh_interval_secs: 30,
                max_lifetime_secs: 7_200,
            }),
            routes: BTreeMap::new(),
        }
    }

    fn hmac(tolerance_secs: u64) -> AuthSettings {
        AuthSettings {
            default: AuthMode::Hmac(HmacSettings {
                header: "X-Sig".into(),
                secrets: vec![Secret::new("sixteen-bytes-secret")],
                encoding: SignatureEncoding::Hex,
                prefix: String::new(),
                timestamp_header: Some("X-Ts".into()),
                tolerance_secs,
            }),
            routes: BTreeMap::new(),
        }
    }

    fn refused_key(settings: AuthSettings) -> String {
        settings.validate().expect_err("refused").0
    }

    #[test]
    fn keys_come_over_https_except_from_loopback() {
        assert_eq!(
            refused_key(google("http://keys.example.com/certs", 30)),
            "auth.default.jwks_url"
        );
        for fine in [
            "https://www.googleapis.com/oauth2/v3/certs",
            "http://127.0.0.1:9/certs",
            "http://[::1]:9/certs",
            "http://localhost:9/certs",
        ] {
            google(fine, 30).validate().expect(fine);
        }
    }

    #[test]
    fn clock_windows_are_bounded() {
        google(&default_jwks_url(), 300).validate().expect("300 s");
        assert_eq!(
            refused_key(google(&default_jwks_url(), 86_400)),
            "auth.default.leeway_secs"
        );
        hmac(600).validate().expect("600 s");
        for absurd in [0, 86_400] {
            assert_eq!(refused_key(hmac(absurd)), "auth.default.tolerance_secs");
        }
    }
}
