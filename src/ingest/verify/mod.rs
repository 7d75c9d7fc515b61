//! Source verification, one file per scheme, always over the raw bytes of the body (before any
//! parsing: re-serialised JSON would not match the sender's signature).
//!
//! Every scheme accepts a list of secrets (rotation: old and new both pass), compares in
//! constant time, and checks timestamps in a window that is two-sided (a signature "from the
//! future" is refused like a stale one). Each file also signs, as its provider would, for
//! `intentful events send` and the tests.

mod github;
mod hmac_generic;
mod okta;
mod shopify;
mod slack;
mod standard_webhooks;
mod stripe;
mod token;

use actix_web::http::header::HeaderMap;
use hmac::{Hmac, Mac};
use sha2::Sha256;

pub use crate::auth::Rejection;

use super::settings::VerifySettings;

/// The checker of one source, built once from its settings.
pub enum SourceVerifier {
    StandardWebhooks(standard_webhooks::StandardWebhooks),
    Github(github::Github),
    Stripe(stripe::Stripe),
    Slack(slack::Slack),
    Okta(okta::Okta),
    Shopify(shopify::Shopify),
    Hmac(hmac_generic::GenericHmac),
    Token(token::Token),
}

/// What a signature is made for: the body and the event's id and type (some schemes put
/// these in headers).
#[derive(Debug, Clone, Copy)]
pub struct Outgoing<'a> {
    pub body: &'a [u8],
    pub id: &'a str,
    pub event_type: &'a str,
    /// Unix seconds.
    pub now: i64,
}

impl SourceVerifier {
    /// `Err((field, problem))` names the bad field below `verify`.
    pub fn new(s: &VerifySettings) -> Result<SourceVerifier, (String, String)> {
        Ok(match s {
            VerifySettings::StandardWebhooks {
                secrets,
                tolerance_secs,
            } => SourceVerifier::StandardWebhooks(standard_webhooks::StandardWebhooks::new(
                secrets,
                *tolerance_secs,
            )?),
            VerifySettings::Github { secrets } => {
                SourceVerifier::Github(github::Github::new(secrets)?)
            }
            VerifySettings::Stripe {
                secrets,
                tolerance_secs,
            } => SourceVerifier::Stripe(stripe::Stripe::new(secrets, *tolerance_secs)?),
            VerifySettings::Slack {
                secrets,
                tolerance_secs,
            } => SourceVerifier::Slack(slack::Slack::new(secrets, *tolerance_secs)?),
            VerifySettings::Okta { secrets, header } => {
                SourceVerifier::Okta(okta::Okta::new(secrets, header)?)
            }
            VerifySettings::Shopify { secrets } => {
                SourceVerifier::Shopify(shopify::Shopify::new(secrets)?)
            }
            VerifySettings::Hmac(g) => SourceVerifier::Hmac(hmac_generic::GenericHmac::new(g)?),
            VerifySettings::Bearer { secrets } => {
                SourceVerifier::Token(token::Token::bearer(secrets)?)
            }
            VerifySettings::Basic { username, secrets } => {
                SourceVerifier::Token(token::Token::basic(username, secrets)?)
            }
            VerifySettings::Header { name, secrets } => {
                SourceVerifier::Token(token::Token::header(name, secrets)?)
            }
        })
    }

    /// Checks a delivery; `now` is Unix seconds.
    pub fn verify(&self, headers: &HeaderMap, body: &[u8], now: i64) -> Result<(), Rejection> {
        match self {
            SourceVerifier::StandardWebhooks(v) => v.verify(headers, body, now),
            SourceVerifier::Github(v) => v.verify(headers, body),
            SourceVerifier::Stripe(v) => v.verify(headers, body, now),
            SourceVerifier::Slack(v) => v.verify(headers, body, now),
            SourceVerifier::Okta(v) => v.verify(headers),
            SourceVerifier::Shopify(v) => v.verify(headers, body),
            SourceVerifier::Hmac(v) => v.verify(headers, body, now),
            SourceVerifier::Token(v) => v.verify(headers),
        }
    }

    /// The headers the provider would send with `out`, signed with the first secret.
    pub fn sign(&self, out: &Outgoing<'_>) -> Vec<(String, String)> {
        match self {
            SourceVerifier::StandardWebhooks(v) => v.sign(out),
            SourceVerifier::Github(v) => v.sign(out),
            SourceVerifier::Stripe(v) => v.sign(out),
            SourceVerifier::Slack(v) => v.sign(out),
            SourceVerifier::Okta(v) => v.sign(),
            SourceVerifier::Shopify(v) => v.sign(out),
            SourceVerifier::Hmac(v) => v.sign(out),
            SourceVerifier::Token(v) => v.sign(),
        }
    }
}

/// A header's value as text: `Missing` when absent, `Malformed` when not visible ASCII.
fn header<'h>(headers: &'h HeaderMap, name: &str) -> Result<&'h str, Rejection> {
    headers
        .get(name)
        .ok_or(Rejection::Missing)?
        .to_str()
        .map(str::trim)
        .map_err(|_| Rejection::Malformed)
}

/// A Unix-seconds timestamp within `tolerance` of `now`, either way.
fn fresh(ts: &str, now: i64, tolerance: u64) -> Result<i64, Rejection> {
    // Digits only: `+5`, `1e9`, `Infinity` and such are not timestamps.
    if ts.is_empty() || ts.len() > 18 || !ts.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Rejection::Malformed);
    }
    let secs: i64 = ts.parse().map_err(|_| Rejection::Malformed)?;
    if secs.abs_diff(now) > tolerance {
        return Err(Rejection::StaleTimestamp);
    }
    Ok(secs)
}

/// HMAC-SHA256 of `parts` in order.
fn hmac_sha256(key: &[u8], parts: &[&[u8]]) -> Hmac<Sha256> {
    // HMAC takes keys of any length; `new_from_slice` cannot fail for it.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key)
        .unwrap_or_else(|_| unreachable!("HMAC accepts every key length"));
    for p in parts {
        mac.update(p);
    }
    mac
}

/// Accepts when any of `secrets` signs `parts` as `sig` (HMAC-SHA256, compared in constant time):
/// an old and a new secret both pass during a rotation.
fn signed_by_any(secrets: &[Vec<u8>], parts: &[&[u8]], sig: &[u8]) -> Result<(), Rejection> {
    if secrets
        .iter()
        .any(|key| hmac_sha256(key, parts).verify_slice(sig).is_ok())
    {
        Ok(())
    } else {
        Err(Rejection::BadSignature)
    }
}

/// `secrets` as bytes, refusing an empty list or an empty or too-short secret.
fn secret_bytes(
    secrets: &[crate::secret::Secret],
    min_len: usize,
) -> Result<Vec<Vec<u8>>, (String, String)> {
    if secrets.is_empty() {
        return Err(("secrets".into(), "needs at least one secret".into()));
    }
    if secrets.iter().any(|s| s.expose().len() < min_len) {
        return Err((
            "secrets".into(),
            format!("every secret must have at least {min_len} characters"),
        ));
    }
    Ok(secrets
        .iter()
        .map(|s| s.expose().as_bytes().to_vec())
        .collect())
}

#[cfg(test)]
pub(crate) mod test_support {
    use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue};

    pub fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(
                HeaderName::from_bytes(k.as_bytes()).unwrap(),
                HeaderValue::from_str(v).unwrap(),
            );
        }
        h
    }

    pub fn from_signed(signed: &[(String, String)]) -> HeaderMap {
        let pairs: Vec<(&str, &str)> = signed
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        headers(&pairs)
    }

    /// `headers` without `name`.
    pub fn without(h: &HeaderMap, name: &str) -> HeaderMap {
        let mut h = h.clone();
        h.remove(name);
        h
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_digits_in_a_two_sided_window() {
        let now = 1_700_000_000;
        assert_eq!(fresh("1700000000", now, 300), Ok(now));
        assert_eq!(fresh("1699999700", now, 300), Ok(now - 300));
        assert_eq!(fresh("1700000300", now, 300), Ok(now + 300));
        assert_eq!(
            fresh("1699999699", now, 300),
            Err(Rejection::StaleTimestamp)
        );
        assert_eq!(
            fresh("1700000301", now, 300),
            Err(Rejection::StaleTimestamp)
        );
        for bad in [
            "",
            "Infinity",
            "-1",
            "+1700000000",
            "1.7e9",
            "17000000000000000000000",
        ] {
            assert_eq!(fresh(bad, now, 300), Err(Rejection::Malformed), "{bad}");
        }
    }
}
