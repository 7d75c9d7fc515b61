//! GitHub: `X-Hub-Signature-256: sha256=<hex>` = HMAC-SHA256 of the body with the webhook's
//! secret as-is. There is no timestamp, so replay protection is the dedupe on
//! `X-GitHub-Delivery` (kept for `events.dedupe_days`, past GitHub's 3-day redelivery window).

use actix_web::http::header::HeaderMap;
use hmac::Mac;

use super::{header, hmac_sha256, secret_bytes, signed_by_any, Outgoing, Rejection};
use crate::secret::Secret;

pub struct Github {
    secrets: Vec<Vec<u8>>,
}

impl Github {
    pub fn new(secrets: &[Secret]) -> Result<Self, (String, String)> {
        Ok(Github {
            secrets: secret_bytes(secrets, 16)?,
        })
    }

    pub fn verify(&self, headers: &HeaderMap, body: &[u8]) -> Result<(), Rejection> {
        let value = header(headers, "x-hub-signature-256")?;
        let hex_sig = value.strip_prefix("sha256=").ok_or(Rejection::Malformed)?;
        let sig = hex::decode(hex_sig).map_err(|_| Rejection::Malformed)?;
        signed_by_any(&self.secrets, &[body], &sig)
    }

    pub fn sign(&self, out: &Outgoing<'_>) -> Vec<(String, String)> {
        vec![
            (
                "x-hub-signature-256".into(),
                signature(&self.secrets[0], out.body),
            ),
            ("x-github-event".into(), out.event_type.to_string()),
            ("x-github-delivery".into(), out.id.to_string()),
        ]
    }
}

fn signature(key: &[u8], body: &[u8]) -> String {
    format!(
        "sha256={}",
        hex::encode(hmac_sha256(key, &[body]).finalize().into_bytes())
    )
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{from_signed, headers, without};
    use super::*;

    #[test]
    fn published_vector() {
        // docs.github.com, "Validating webhook deliveries".
        let v = Github::new(&[Secret::new("It's a Secret to Everybody")]).unwrap();
        let h = headers(&[(
            "x-hub-signature-256",
            "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",
        )]);
        assert_eq!(v.verify(&h, b"Hello, World!"), Ok(()));
    }

    #[test]
    fn accept_reject_matrix() {
        let old = "old-secret-0123456789";
        let new = "new-secret-0123456789";
        let v = Github::new(&[Secret::new(new), Secret::new(old)]).unwrap();
        let body = br#"{"action":"opened"}"#;
        let sign = |secret: &str| {
            let s = Github::new(&[Secret::new(secret)]).unwrap();
            from_signed(&s.sign(&Outgoing {
                body,
                id: "d1",
                event_type: "issues",
                now: 0,
            }))
        };
        assert_eq!(v.verify(&sign(new), body), Ok(()), "good");
        assert_eq!(v.verify(&sign(old), body), Ok(()), "rotated");
        assert_eq!(
            v.verify(&sign("wrong-secret-0123456789"), body),
            Err(Rejection::BadSignature)
        );
        assert_eq!(
            v.verify(&sign(new), br#"{"action":"closed"}"#),
            Err(Rejection::BadSignature),
            "tampered"
        );
        assert_eq!(
            v.verify(&without(&sign(new), "x-hub-signature-256"), body),
            Err(Rejection::Missing)
        );
        assert_eq!(
            v.verify(&headers(&[("x-hub-signature-256", "sha1=abcd")]), body),
            Err(Rejection::Malformed)
        );
        // GitHub signs without a timestamp: the same delivery verifies at any time, which is
        // why replays are stopped by the dedupe on X-GitHub-Delivery instead.
    }
}
