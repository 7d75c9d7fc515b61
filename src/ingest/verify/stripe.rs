//! Stripe: `Stripe-Signature: t=<ts>,v1=<hex>[,v1=<hex>...]` = HMAC-SHA256 of `{t}.{body}`.
//! The key is the endpoint secret string itself, `whsec_` prefix included (unlike Standard
//! Webhooks, it is not base64-decoded). Only `v1` entries count (a `v0` is never accepted:
//! downgrade protection), every `v1` is tried (Stripe sends one per active secret while one
//! rolls), and the timestamp must be within the tolerance either way: Stripe's own libraries
//! accept any future `t`, this does not.

use actix_web::http::header::HeaderMap;
use hmac::Mac;

use super::{fresh, header, hmac_sha256, secret_bytes, Outgoing, Rejection};
use crate::secret::Secret;

pub struct Stripe {
    secrets: Vec<Vec<u8>>,
    tolerance: u64,
}

impl Stripe {
    pub fn new(secrets: &[Secret], tolerance: u64) -> Result<Self, (String, String)> {
        Ok(Stripe {
            secrets: secret_bytes(secrets, 16)?,
            tolerance,
        })
    }

    pub fn verify(&self, headers: &HeaderMap, body: &[u8], now: i64) -> Result<(), Rejection> {
        let value = header(headers, "stripe-signature")?;
        let mut t = None;
        let mut v1 = Vec::new();
        for item in value.split(',') {
            let (k, v) = item.trim().split_once('=').ok_or(Rejection::Malformed)?;
            match k {
                "t" if t.is_none() => t = Some(v),
                "t" => return Err(Rejection::Malformed),
                // A value that is not hex cannot match; it does not void the others.
                "v1" => v1.extend(hex::decode(v).ok()),
                _ => {}
            }
        }
        let t = t.ok_or(Rejection::Malformed)?;
        fresh(t, now, self.tolerance)?;
        for key in &self.secrets {
            let mac = hmac_sha256(key, &[t.as_bytes(), b".", body]);
            if v1.iter().any(|sig| mac.clone().verify_slice(sig).is_ok()) {
                return Ok(());
            }
        }
        Err(Rejection::BadSignature)
    }

    pub fn sign(&self, out: &Outgoing<'_>) -> Vec<(String, String)> {
        let t = out.now.to_string();
        vec![(
            "stripe-signature".into(),
            format!("t={t},v1={}", signature(&self.secrets[0], &t, out.body)),
        )]
    }
}

fn signature(key: &[u8], t: &str, body: &[u8]) -> String {
    hex::encode(
        hmac_sha256(key, &[t.as_bytes(), b".", body])
            .finalize()
            .into_bytes(),
    )
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{from_signed, headers, without};
    use super::*;

    const BODY: &[u8] = br#"{"id":"evt_test_webhook","object":"event"}"#;
    const SIG: &str = "d95c6b7477fbd7e9f90b1b0ef5f9c7ac25abca5382460e0d988c2b2a5b71b990";

    #[test]
    fn locally_computed_vector() {
        // Stripe publishes no vector with its secret; this one follows its documented
        // algorithm (reference doc d.7): the `whsec_` string is the key, as UTF-8 bytes.
        let v = Stripe::new(&[Secret::new("whsec_test_secret")], 300).unwrap();
        let h = headers(&[("stripe-signature", &format!("t=1700000000,v1={SIG}"))]);
        assert_eq!(v.verify(&h, BODY, 1_700_000_000), Ok(()));
    }

    #[test]
    fn accept_reject_matrix() {
        let now = 1_700_000_000;
        let v = Stripe::new(
            &[
                Secret::new("whsec_new_0123456789"),
                Secret::new("whsec_test_secret"),
            ],
            300,
        )
        .unwrap();
        let sign = |secret: &str, t: i64| {
            let s = Stripe::new(&[Secret::new(secret)], 300).unwrap();
            from_signed(&s.sign(&Outgoing {
                body: BODY,
                id: "",
                event_type: "",
                now: t,
            }))
        };
        assert_eq!(
            v.verify(&sign("whsec_new_0123456789", now), BODY, now),
            Ok(())
        );
        assert_eq!(
            v.verify(&sign("whsec_test_secret", now), BODY, now),
            Ok(()),
            "rotated"
        );
        assert_eq!(
            v.verify(&sign("whsec_wrong_0123456789", now), BODY, now),
            Err(Rejection::BadSignature)
        );
        assert_eq!(
            v.verify(&sign("whsec_test_secret", now - 301), BODY, now),
            Err(Rejection::StaleTimestamp),
            "too old"
        );
        assert_eq!(
            v.verify(&sign("whsec_test_secret", now + 301), BODY, now),
            Err(Rejection::StaleTimestamp),
            "too new: refused, unlike Stripe's libraries"
        );
        assert_eq!(
            v.verify(&sign("whsec_test_secret", now), b"{}", now),
            Err(Rejection::BadSignature),
            "tampered"
        );
        assert_eq!(
            v.verify(
                &without(&sign("whsec_test_secret", now), "stripe-signature"),
                BODY,
                now
            ),
            Err(Rejection::Missing)
        );
    }

    #[test]
    fn header_shapes() {
        let v = Stripe::new(&[Secret::new("whsec_test_secret")], 300).unwrap();
        let now = 1_700_000_000;
        let check = |value: &str| v.verify(&headers(&[("stripe-signature", value)]), BODY, now);
        let wrong = "0".repeat(64);
        assert_eq!(
            check(&format!("v1={SIG},t=1700000000")),
            Ok(()),
            "t not first"
        );
        assert_eq!(
            check(&format!("t=1700000000,v1={wrong},v1={SIG}")),
            Ok(()),
            "several v1"
        );
        assert_eq!(
            check(&format!("t=1700000000,v1=zz,v1={SIG}")),
            Ok(()),
            "a bad v1 is skipped"
        );
        assert_eq!(
            check(&format!("t=1700000000,v0={SIG}")),
            Err(Rejection::BadSignature),
            "v0 never counts"
        );
        assert_eq!(
            check(&format!("t=Infinity,v1={SIG}")),
            Err(Rejection::Malformed)
        );
        assert_eq!(
            check(&format!("v1={SIG}")),
            Err(Rejection::Malformed),
            "no t"
        );
        assert_eq!(
            check("t=1700000000,v1=1234567890"),
            Err(Rejection::BadSignature)
        );
        assert_eq!(
            check(&format!("t=1700000000,t=1700000001,v1={SIG}")),
            Err(Rejection::Malformed)
        );
        assert_eq!(check("garbage"), Err(Rejection::Malformed));
    }
}
