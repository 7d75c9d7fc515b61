//! A self-signed JWT used as a bearer token (Google's service-account pattern): RS256 from a PEM
//! key, or HS256 from a shared secret, with the configured claims, re-signed near expiry.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde::Serialize;

use crate::upstream::settings::{JwtAlgorithm, UpstreamAuth};
use crate::upstream::UpstreamErrorKind;

pub(crate) struct JwtSigner {
    key: EncodingKey,
    header: Header,
    iss: String,
    sub: Option<String>,
    aud: String,
    scope: Option<String>,
    lifetime: Duration,
}

#[derive(Serialize)]
struct Claims<'a> {
    iss: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    sub: Option<&'a str>,
    aud: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    scope: Option<&'a str>,
    iat: u64,
    exp: u64,
}

/// The signing key named by the settings; `Err((field, problem))` names the bad field.
pub(crate) fn signing_key(
    auth: &UpstreamAuth,
) -> Result<(EncodingKey, Algorithm), (&'static str, String)> {
    let UpstreamAuth::SignedJwt {
        algorithm,
        private_key,
        private_key_file,
        secret,
        ..
    } = auth
    else {
        return Err(("kind", "not a signed JWT".into()));
    };
    match algorithm {
        JwtAlgorithm::HS256 => match secret {
            Some(s) if !s.expose().is_empty() => Ok((
                EncodingKey::from_secret(s.expose().as_bytes()),
                Algorithm::HS256,
            )),
            _ => Err(("secret", "HS256 needs a non-empty secret".into())),
        },
        JwtAlgorithm::RS256 => {
            let pem = match (private_key, private_key_file) {
                (Some(k), None) => k.expose().as_bytes().to_vec(),
                (None, Some(path)) => std::fs::read(path)
                    .map_err(|e| ("private_key_file", format!("cannot read {path}: {e}")))?,
                _ => {
                    return Err((
                        "private_key",
                        "RS256 needs exactly one of private_key or private_key_file".into(),
                    ))
                }
            };
            let field = if private_key.is_some() {
                "private_key"
            } else {
                "private_key_file"
            };
            EncodingKey::from_rsa_pem(&pem)
                .map(|k| (k, Algorithm::RS256))
                .map_err(|e| (field, format!("not an RSA private key in PEM: {e}")))
        }
    }
}

impl JwtSigner {
    pub(crate) fn new(auth: &UpstreamAuth) -> Result<JwtSigner, (&'static str, String)> {
        let (key, alg) = signing_key(auth)?;
        let UpstreamAuth::SignedJwt {
            key_id,
            iss,
            sub,
            aud,
            scope,
            lifetime_s,
            ..
        } = auth
        else {
            return Err(("kind", "not a signed JWT".into()));
        };
        let mut header = Header::new(alg);
        header.kid = key_id.clone();
        Ok(JwtSigner {
            key,
            header,
            iss: iss.clone(),
            sub: sub.clone(),
            aud: aud.clone(),
            scope: scope.clone(),
            lifetime: Duration::from_secs(*lifetime_s),
        })
    }

    /// A fresh token and its lifetime.
    pub(crate) fn sign(&self) -> Result<(String, Duration), UpstreamErrorKind> {
        let iat = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or_default();
        let claims = Claims {
            iss: &self.iss,
            sub: self.sub.as_deref(),
            aud: &self.aud,
            scope: self.scope.as_deref(),
            iat,
            exp: iat + self.lifetime.as_secs(),
        };
        jsonwebtoken::encode(&self.header, &claims, &self.key)
            .map(|t| (t, self.lifetime))
            .map_err(|e| UpstreamErrorKind::Auth(format!("signing the JWT: {e}")))
    }
}
