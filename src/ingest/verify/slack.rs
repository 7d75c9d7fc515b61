//! Slack: `X-Slack-Signature: v0=<hex>` = HMAC-SHA256 of `v0:{X-Slack-Request-Timestamp}:{body}`
//! with the app's signing secret as-is; the timestamp within 5 minutes either way. (The
//! `url_verification` challenge and `X-Slack-Retry-Num` are handled by the route and the
//! dedupe on `event_id`.)

use actix_web::http::header::HeaderMap;
use hmac::Mac;

use super::{fresh, header, hmac_sha256, secret_bytes, signed_by_any, Outgoing, Rejection};
use crate::secret::Secret;

pub struct Slack {
    secrets: Vec<Vec<u8>>,
    tolerance: u64,
}

impl Slack {
    pub fn new(secrets: &[Secret], tolerance: u64) -> Result<Self, (String, String)> {
        Ok(Slack {
            secrets: secret_bytes(secrets, 16)?,
            tolerance,
        })
    }

    pub fn verify(&self, headers: &HeaderMap, body: &[u8], now: i64) -> Result<(), Rejection> {
        let ts = header(headers, "x-slack-request-timestamp")?;
        let value = header(headers, "x-slack-signature")?;
        let sig = value
            .strip_prefix("v0=")
            .and_then(|h| hex::decode(h).ok())
            .ok_or(Rejection::Malformed)?;
        fresh(ts, now, self.tolerance)?;
        signed_by_any(&self.secrets, &[b"v0:", ts.as_bytes(), b":", body], &sig)
    }

    pub fn sign(&self, out: &Outgoing<'_>) -> Vec<(String, String)> {
        let ts = out.now.to_string();
        let mac = hmac_sha256(&self.secrets[0], &[b"v0:", ts.as_bytes(), b":", out.body]);
        vec![
            ("x-slack-request-timestamp".into(), ts),
            (
                "x-slack-signature".into(),
                format!("v0={}", hex::encode(mac.finalize().into_bytes())),
            ),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{from_signed, headers, without};
    use super::*;

    #[test]
    fn published_vector() {
        // api.slack.com, "Verifying requests from Slack" (a slash command's form body).
        let v = Slack::new(&[Secret::new("8f742231b10e8888abcd99yyyzzz85a5")], 300).unwrap();
        let body = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
        let h = headers(&[
            ("x-slack-request-timestamp", "1531420618"),
            (
                "x-slack-signature",
                "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503",
            ),
        ]);
        assert_eq!(v.verify(&h, body.as_bytes(), 1531420618), Ok(()));
    }

    #[test]
    fn accept_reject_matrix() {
        let now = 1_700_000_000;
        let old = "old-signing-secret-0123";
        let new = "new-signing-secret-0123";
        let v = Slack::new(&[Secret::new(new), Secret::new(old)], 300).unwrap();
        let body = br#"{"type":"event_callback"}"#;
        let sign = |secret: &str, t: i64| {
            let s = Slack::new(&[Secret::new(secret)], 300).unwrap();
            from_signed(&s.sign(&Outgoing {
                body,
                id: "",
                event_type: "",
                now: t,
            }))
        };
        assert_eq!(v.verify(&sign(new, now), body, now), Ok(()));
        assert_eq!(v.verify(&sign(old, now), body, now), Ok(()), "rotated");
        assert_eq!(
            v.verify(&sign("wrong-signing-secret-01", now), body, now),
            Err(Rejection::BadSignature)
        );
        assert_eq!(
            v.verify(&sign(new, now - 301), body, now),
            Err(Rejection::StaleTimestamp)
        );
        assert_eq!(
            v.verify(&sign(new, now + 301), body, now),
            Err(Rejection::StaleTimestamp)
        );
        assert_eq!(
            v.verify(&sign(new, now), b"{}", now),
            Err(Rejection::BadSignature)
        );
        for name in ["x-slack-signature", "x-slack-request-timestamp"] {
            assert_eq!(
                v.verify(&without(&sign(new, now), name), body, now),
                Err(Rejection::Missing),
                "{name}"
            );
        }
    }
}
