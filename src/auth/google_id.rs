//! Google-signed ID tokens: Dialogflow ES service identity and CX service agent auth send
//! `Authorization: Bearer <JWT>`. Signature (RS256 only, against Google's keys), issuer,
//! audience, expiry and the service agent's verified email are all checked: any Google
//! account can mint a token for any audience, so the email is what pins the caller. A token
//! must also live no longer than `max_lifetime_secs` (Google's live an hour), counted from its
//! `iat` and from now, and name no `crit` extension: none is understood here.

use std::collections::HashSet;
use std::time::Duration;

use actix_web::http::header::{HeaderMap, AUTHORIZATION};
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{decode, decode_header, Algorithm, DecodingKey, Validation};
use serde::Deserialize;

use super::{GoogleIdTokenSettings, JwksCache, Rejection};

pub struct GoogleIdVerifier {
    jwks: std::sync::Arc<JwksCache>,
    validation: Validation,
    emails: HashSet<String>,
    leeway: u64,
    max_lifetime: u64,
}

#[derive(Deserialize)]
struct Claims {
    #[serde(default)]
    email: String,
    #[serde(default)]
    email_verified: bool,
    #[serde(default)]
    iat: Option<u64>,
    exp: u64,
}

impl GoogleIdVerifier {
    pub fn new(s: &GoogleIdTokenSettings, http: reqwest::Client) -> Self {
        // RS256 only: this alone refuses `alg: none` and HS256-with-the-public-key confusion.
        let mut validation = Validation::new(Algorithm::RS256);
        validation.set_audience(&[&s.audience]);
        validation.set_issuer(&s.issuers);
        validation.leeway = s.leeway_secs;
        validation.validate_nbf = true;
        validation.set_required_spec_claims(&["exp", "iss", "aud"]);
        GoogleIdVerifier {
            jwks: std::sync::Arc::new(JwksCache::new(
                &s.jwks_url,
                http,
                Duration::from_secs(s.min_refresh_interval_secs),
            )),
            validation,
            emails: s
                .service_accounts
                .iter()
                .map(|e| e.to_ascii_lowercase())
                .collect(),
            leeway: s.leeway_secs,
            max_lifetime: s.max_lifetime_secs,
        }
    }

    /// The key cache, for the start-up prefetch.
    pub fn jwks(&self) -> &std::sync::Arc<JwksCache> {
        &self.jwks
    }

    pub async fn verify(&self, headers: &HeaderMap) -> Result<(), Rejection> {
        let value = headers.get(AUTHORIZATION).ok_or(Rejection::Missing)?;
        let value = value.to_str().map_err(|_| Rejection::Malformed)?;
        let (token, kid) = bearer_token(value)?;
        let key = self.jwks.key(&kid).await?;
        self.check(token, &key)
    }

    /// Verifies signature and claims of `token` with `key` (the key fetching aside).
    pub fn check(&self, token: &str, key: &DecodingKey) -> Result<(), Rejection> {
        let data = decode::<Claims>(token, key, &self.validation).map_err(|e| match e.kind() {
            ErrorKind::ExpiredSignature => Rejection::Expired,
            ErrorKind::ImmatureSignature => Rejection::NotYetValid,
            ErrorKind::InvalidAudience => Rejection::WrongAudience,
            ErrorKind::InvalidIssuer => Rejection::WrongIssuer,
            ErrorKind::InvalidSignature => Rejection::BadSignature,
            ErrorKind::InvalidAlgorithm => Rejection::WrongAlgorithm,
            _ => Rejection::Malformed,
        })?;
        let claims = data.claims;
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or_default();
        if claims.iat.is_some_and(|iat| iat > now + self.leeway) {
            return Err(Rejection::NotYetValid);
        }
        // A stolen long-lived token would stay a key to the webhook for its whole life.
        let too_long = claims.exp.saturating_sub(now) > self.max_lifetime + self.leeway
            || claims
                .iat
                .is_some_and(|iat| claims.exp.saturating_sub(iat) > self.max_lifetime);
        if too_long {
            return Err(Rejection::LifetimeTooLong);
        }
        if !self.emails.contains(&claims.email.to_ascii_lowercase()) {
            return Err(Rejection::WrongEmail);
        }
        if !claims.email_verified {
            return Err(Rejection::EmailUnverified);
        }
        Ok(())
    }
}

/// The token and its `kid` from an `Authorization: Bearer <JWT>` value; only RS256 passes.
pub fn bearer_token(value: &str) -> Result<(&str, String), Rejection> {
    let (scheme, token) = value.split_once(' ').ok_or(Rejection::Malformed)?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(Rejection::Missing);
    }
    let token = token.trim();
    let header = decode_header(token).map_err(|_| Rejection::Malformed)?;
    if header.alg != Algorithm::RS256 {
        return Err(Rejection::WrongAlgorithm);
    }
    // RFC 7515 4.1.11: a recipient must refuse a `crit` extension it does not understand, and
    // this verifier understands none (an empty list is invalid as well).
    if header.crit.is_some() {
        return Err(Rejection::UnsupportedCritical);
    }
    let kid = header.kid.ok_or(Rejection::UnknownKey)?;
    Ok((token, kid))
}
