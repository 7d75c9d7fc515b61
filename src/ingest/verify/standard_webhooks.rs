//! Standard Webhooks v1 (the Svix scheme): HMAC-SHA256 over `{id}.{timestamp}.{body}`, standard
//! base64, in `webhook-signature` as space-separated `v1,<sig>` entries (several during a
//! rotation; other versions are ignored). The key is the base64 after the `whsec_` prefix. Svix
//! sends the same headers named `svix-*`; those are read when the `webhook-*` ones are absent.

use actix_web::http::header::HeaderMap;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use base64::engine::DecodePaddingMode;
use base64::Engine;
use hmac::Mac;

use super::{fresh, header, hmac_sha256, Outgoing, Rejection};
use crate::secret::Secret;

/// Secrets are decoded padded or not (the Python library accepts both).
const LENIENT: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

pub struct StandardWebhooks {
    keys: Vec<Vec<u8>>,
    tolerance: u64,
}

impl StandardWebhooks {
    pub fn new(secrets: &[Secret], tolerance: u64) -> Result<Self, (String, String)> {
        if secrets.is_empty() {
            return Err(("secrets".into(), "needs at least one secret".into()));
        }
        let keys = secrets
            .iter()
            .map(|s| decode_secret(s.expose()))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| {
                (
                    "secrets".to_string(),
                    "each must be `whsec_` followed by base64 of at least 16 bytes".to_string(),
                )
            })?;
        Ok(StandardWebhooks { keys, tolerance })
    }

    pub fn verify(&self, headers: &HeaderMap, body: &[u8], now: i64) -> Result<(), Rejection> {
        let get = |name: &str| match header(headers, &format!("webhook-{name}")) {
            Err(Rejection::Missing) => header(headers, &format!("svix-{name}")),
            other => other,
        };
        let id = get("id")?;
        let ts = get("timestamp")?;
        let signatures = get("signature")?;
        fresh(ts, now, self.tolerance)?;
        let candidates: Vec<Vec<u8>> = signatures
            .split(' ')
            .filter_map(|entry| entry.strip_prefix("v1,"))
            .filter_map(|sig| STANDARD.decode(sig).ok())
            .collect();
        for key in &self.keys {
            let mac = hmac_sha256(key, &[id.as_bytes(), b".", ts.as_bytes(), b".", body]);
            for sig in &candidates {
                // verify_slice compares in constant time.
                if mac.clone().verify_slice(sig).is_ok() {
                    return Ok(());
                }
            }
        }
        Err(Rejection::BadSignature)
    }

    pub fn sign(&self, out: &Outgoing<'_>) -> Vec<(String, String)> {
        let ts = out.now.to_string();
        vec![
            ("webhook-id".into(), out.id.to_string()),
            ("webhook-timestamp".into(), ts.clone()),
            (
                "webhook-signature".into(),
                signature(&self.keys[0], out.id, &ts, out.body),
            ),
        ]
    }
}

/// The key inside a `whsec_` secret; `None` when it is not base64 of at least 16 bytes.
fn decode_secret(secret: &str) -> Option<Vec<u8>> {
    let b64 = secret.strip_prefix("whsec_").unwrap_or(secret);
    LENIENT.decode(b64).ok().filter(|k| k.len() >= 16)
}

/// `v1,<base64 HMAC>` of `{id}.{ts}.{body}`.
fn signature(key: &[u8], id: &str, ts: &str, body: &[u8]) -> String {
    let mac = hmac_sha256(key, &[id.as_bytes(), b".", ts.as_bytes(), b".", body]);
    format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{from_signed, headers, without};
    use super::*;

    fn key(s: &str) -> Vec<u8> {
        decode_secret(s).unwrap()
    }

    #[test]
    fn published_vectors() {
        // SW-1: the Standard Webhooks libraries' sign test (and Svix's server tests).
        assert_eq!(
            signature(
                &key("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"),
                "msg_p5jXN8AQM9LWM0D4loKWxJek",
                "1614265330",
                br#"{"test": 2432232314}"#
            ),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
        // SW-2: the Rust library's sign test.
        assert_eq!(
            signature(
                &key("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD"),
                "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk",
                "1649367553",
                br#"{"email":"test@example.com","username":"test_user"}"#
            ),
            "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw="
        );
        // SW-3: Svix's manual-verification example (an 18-byte key, below the spec's 24).
        let v =
            StandardWebhooks::new(&[Secret::new("whsec_plJ3nmyCDGBKInavdOK15jsl")], 300).unwrap();
        let h = headers(&[
            ("webhook-id", "msg_loFOjxBNrRLzqYUf"),
            ("webhook-timestamp", "1731705121"),
            (
                "webhook-signature",
                "v1,rAvfW3dJ/X/qxhsaXPOyyCGmRKsaKWcsNccKXlIktD0=",
            ),
        ]);
        let body = br#"{"event_type":"ping","data":{"success":true}}"#;
        assert_eq!(v.verify(&h, body, 1731705121), Ok(()));
    }

    const OLD: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const NEW: &str = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
    const NOW: i64 = 1_700_000_000;

    fn signed_by(secret: &str, body: &[u8], ts: i64) -> HeaderMap {
        let v = StandardWebhooks::new(&[Secret::new(secret)], 300).unwrap();
        from_signed(&v.sign(&Outgoing {
            body,
            id: "msg_1",
            event_type: "",
            now: ts,
        }))
    }

    #[test]
    fn accept_reject_matrix() {
        let v = StandardWebhooks::new(&[Secret::new(NEW), Secret::new(OLD)], 300).unwrap();
        let body = br#"{"type":"ticket.created"}"#;
        let good = signed_by(NEW, body, NOW);
        assert_eq!(v.verify(&good, body, NOW), Ok(()), "good");
        assert_eq!(
            v.verify(&signed_by(OLD, body, NOW), body, NOW),
            Ok(()),
            "rotated: the old secret still passes"
        );
        assert_eq!(
            v.verify(
                &signed_by("whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAA", body, NOW),
                body,
                NOW
            ),
            Err(Rejection::BadSignature),
            "wrong secret"
        );
        assert_eq!(
            v.verify(&signed_by(NEW, body, NOW - 301), body, NOW),
            Err(Rejection::StaleTimestamp),
            "stale"
        );
        assert_eq!(
            v.verify(&signed_by(NEW, body, NOW + 301), body, NOW),
            Err(Rejection::StaleTimestamp),
            "future"
        );
        assert_eq!(
            v.verify(&good, br#"{"type":"ticket.deleted"}"#, NOW),
            Err(Rejection::BadSignature),
            "tampered body"
        );
        for name in ["webhook-id", "webhook-timestamp", "webhook-signature"] {
            assert_eq!(
                v.verify(&without(&good, name), body, NOW),
                Err(Rejection::Missing),
                "missing {name}"
            );
        }
    }

    #[test]
    fn signature_lists_and_svix_headers() {
        let v = StandardWebhooks::new(&[Secret::new(OLD)], 300).unwrap();
        let body = br#"{"test": 2432232314}"#;
        let good = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
        let wrong = "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=";
        let with_sig = |sig: &str, prefix: &str| {
            headers(&[
                (&format!("{prefix}-id"), "msg_p5jXN8AQM9LWM0D4loKWxJek"),
                (&format!("{prefix}-timestamp"), "1614265330"),
                (&format!("{prefix}-signature"), sig),
            ])
        };
        let now = 1614265330;
        let check = |sig: &str| v.verify(&with_sig(sig, "webhook"), body, now);
        assert_eq!(check(good), Ok(()));
        assert_eq!(check(wrong), Err(Rejection::BadSignature));
        assert_eq!(check("v1,"), Err(Rejection::BadSignature));
        assert_eq!(check(&good[..8]), Err(Rejection::BadSignature));
        assert_eq!(
            check(&format!("{wrong} {wrong} {wrong}")),
            Err(Rejection::BadSignature)
        );
        assert_eq!(check(&format!("{wrong} {good} {wrong}")), Ok(()));
        assert_eq!(
            check(&good.replace("v1,", "v2,")),
            Err(Rejection::BadSignature),
            "other versions are ignored"
        );
        assert_eq!(v.verify(&with_sig(good, "svix"), body, now), Ok(()));
    }

    #[test]
    fn secrets_must_decode() {
        assert!(StandardWebhooks::new(&[], 300).is_err());
        assert!(StandardWebhooks::new(&[Secret::new("whsec_not base64!")], 300).is_err());
        assert!(StandardWebhooks::new(&[Secret::new("whsec_c2hvcnQ=")], 300).is_err());
        // Without the prefix and without padding, as the Python library accepts.
        assert!(
            StandardWebhooks::new(&[Secret::new("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")], 300).is_ok()
        );
        assert!(
            StandardWebhooks::new(&[Secret::new("whsec_plJ3nmyCDGBKInavdOK15jsl")], 300).is_ok()
        );
    }
}
