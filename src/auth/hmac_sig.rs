//! HMAC-SHA256 over the raw body, optionally bound to a timestamp (`<ts>.<body>`) checked in a
//! two-sided window so a captured call cannot be replayed later (or "from the future").
//!
//! What the headers alone prove (a well-formed signature, a fresh timestamp) is checked before
//! the body is read ([`HmacVerifier::check_headers`]), so a caller without them gets 401 and
//! never learns the content type, size or time limits of the body.

use actix_web::http::header::HeaderMap;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::{HmacSettings, Rejection, SignatureEncoding};
use crate::secret::Secret;

pub struct HmacVerifier {
    header: String,
    secrets: Vec<Secret>,
    encoding: SignatureEncoding,
    prefix: String,
    timestamp_header: Option<String>,
    tolerance_secs: i64,
}

impl HmacVerifier {
    pub fn new(s: &HmacSettings) -> Self {
        HmacVerifier {
            header: s.header.to_ascii_lowercase(),
            secrets: s.secrets.clone(),
            encoding: s.encoding,
            prefix: s.prefix.clone(),
            timestamp_header: s.timestamp_header.as_ref().map(|h| h.to_ascii_lowercase()),
            tolerance_secs: s.tolerance_secs.min(i64::MAX as u64) as i64,
        }
    }

    pub fn header(&self) -> &str {
        &self.header
    }

    /// Everything but the signature's match with the body: refused here, a call is refused
    /// before its body is read.
    pub fn check_headers(&self, headers: &HeaderMap, now: i64) -> Result<(), Rejection> {
        self.signed_parts(headers, now).map(|_| ())
    }

    /// The signature and, when configured, the fresh timestamp it covers.
    fn signed_parts<'h>(
        &self,
        headers: &'h HeaderMap,
        now: i64,
    ) -> Result<(Vec<u8>, Option<&'h str>), Rejection> {
        let raw = headers.get(&self.header).ok_or(Rejection::Missing)?;
        let raw = raw.to_str().map_err(|_| Rejection::Malformed)?;
        let signature = parse_signature(raw, &self.prefix, self.encoding)?;
        let timestamp = match &self.timestamp_header {
            None => None,
            Some(h) => {
                let ts = headers.get(h).ok_or(Rejection::Missing)?;
                let ts = ts.to_str().map_err(|_| Rejection::Malformed)?.trim();
                let secs: i64 = ts.parse().map_err(|_| Rejection::Malformed)?;
                if now.abs_diff(secs) > self.tolerance_secs as u64 {
                    return Err(Rejection::StaleTimestamp);
                }
                Some(ts)
            }
        };
        Ok((signature, timestamp))
    }

    pub fn verify(&self, headers: &HeaderMap, body: &[u8], now: i64) -> Result<(), Rejection> {
        let (signature, timestamp) = self.signed_parts(headers, now)?;
        for secret in &self.secrets {
            let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.expose().as_bytes()) else {
                continue;
            };
            if let Some(ts) = timestamp {
                mac.update(ts.as_bytes());
                mac.update(b".");
            }
            mac.update(body);
            // verify_slice compares in constant time.
            if mac.verify_slice(&signature).is_ok() {
                return Ok(());
            }
        }
        Err(Rejection::BadSignature)
    }
}

/// Reads a signature header value: optional prefix (e.g. `sha256=`), then hex or base64.
pub fn parse_signature(
    raw: &str,
    prefix: &str,
    encoding: SignatureEncoding,
) -> Result<Vec<u8>, Rejection> {
    let value = raw.trim();
    let value = if prefix.is_empty() {
        value
    } else {
        value.strip_prefix(prefix).ok_or(Rejection::Malformed)?
    };
    let bytes = match encoding {
        SignatureEncoding::Hex => hex::decode(value).map_err(|_| Rejection::Malformed)?,
        SignatureEncoding::Base64 => base64::engine::general_purpose::STANDARD
            .decode(value)
            .map_err(|_| Rejection::Malformed)?,
    };
    if bytes.len() != 32 {
        return Err(Rejection::Malformed);
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::header::{HeaderName, HeaderValue};

    fn settings(ts: bool) -> HmacSettings {
        HmacSettings {
            header: "X-Signature".into(),
            secrets: vec![
                Secret::new("old-secret-0123456789"),
                Secret::new("new-secret-0123456789"),
            ],
            encoding: SignatureEncoding::Hex,
            prefix: "sha256=".into(),
            timestamp_header: ts.then(|| "X-Timestamp".to_string()),
            tolerance_secs: 300,
        }
    }

    fn sign(secret: &str, data: &[u8]) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
        mac.update(data);
        format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
    }

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(
                HeaderName::from_bytes(k.as_bytes()).unwrap(),
                HeaderValue::from_str(v).unwrap(),
            );
        }
        h
    }

    #[test]
    fn known_vector_both_secrets_and_tampering() {
        // RFC 4231-style check that we compute plain HMAC-SHA256 of the body.
        let v = HmacVerifier::new(&settings(false));
        let body = br#"{"a":1}"#;
        for secret in ["old-secret-0123456789", "new-secret-0123456789"] {
            let h = headers(&[("x-signature", &sign(secret, body))]);
            assert_eq!(v.verify(&h, body, 0), Ok(()));
        }
        let h = headers(&[("x-signature", &sign("old-secret-0123456789", body))]);
        assert_eq!(v.verify(&h, br#"{"a":2}"#, 0), Err(Rejection::BadSignature));
        assert_eq!(
            v.verify(&headers(&[("x-signature", "sha256=zz")]), body, 0),
            Err(Rejection::Malformed)
        );
        assert_eq!(
            v.verify(&headers(&[("x-signature", "abcd")]), body, 0),
            Err(Rejection::Malformed)
        );
        assert_eq!(
            v.verify(&HeaderMap::new(), body, 0),
            Err(Rejection::Missing)
        );
    }

    #[test]
    fn timestamp_window_is_two_sided() {
        let v = HmacVerifier::new(&settings(true));
        let body = b"{}";
        let now = 1_800_000_000;
        for (ts, want) in [
            (now, Ok(())),
            (now - 299, Ok(())),
            (now + 299, Ok(())),
            (now - 301, Err(Rejection::StaleTimestamp)),
            (now + 301, Err(Rejection::StaleTimestamp)),
        ] {
            let signed = format!("{ts}.{}", std::str::from_utf8(body).unwrap());
            let h = headers(&[
                (
                    "x-signature",
                    &sign("new-secret-0123456789", signed.as_bytes()),
                ),
                ("x-timestamp", &ts.to_string()),
            ]);
            assert_eq!(v.verify(&h, body, now), want, "ts offset {}", ts - now);
        }
    }

    #[test]
    fn headers_alone_refuse_a_missing_malformed_or_stale_signature() {
        let v = HmacVerifier::new(&settings(true));
        let now = 1_800_000_000;
        let any_sig = sign("new-secret-0123456789", b"whatever");
        let fresh = now.to_string();
        let stale = (now - 301).to_string();
        for (pairs, want) in [
            (vec![], Err(Rejection::Missing)),
            (
                vec![("x-timestamp", fresh.as_str())],
                Err(Rejection::Missing),
            ),
            (
                vec![("x-signature", any_sig.as_str())],
                Err(Rejection::Missing),
            ),
            (
                vec![("x-signature", "sha256=zz"), ("x-timestamp", &fresh)],
                Err(Rejection::Malformed),
            ),
            (
                vec![("x-signature", &any_sig), ("x-timestamp", &stale)],
                Err(Rejection::StaleTimestamp),
            ),
            // Well-formed and fresh: only the body can tell whether it matches.
            (
                vec![("x-signature", &any_sig), ("x-timestamp", &fresh)],
                Ok(()),
            ),
        ] {
            assert_eq!(v.check_headers(&headers(&pairs), now), want, "{pairs:?}");
        }
    }

    #[test]
    fn base64_signatures() {
        let mut s = settings(false);
        s.encoding = SignatureEncoding::Base64;
        s.prefix.clear();
        let v = HmacVerifier::new(&s);
        let mut mac = Hmac::<Sha256>::new_from_slice(b"old-secret-0123456789").unwrap();
        mac.update(b"x");
        let sig = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
        assert_eq!(
            v.verify(&headers(&[("x-signature", &sig)]), b"x", 0),
            Ok(())
        );
    }
}
