//! Okta event hooks: no signature. Okta sends the secret chosen at registration, as-is, in a
//! header (`Authorization` unless configured otherwise) with every request, the one-time
//! verification `GET` included; it is compared in constant time with each configured secret.

use actix_web::http::header::HeaderMap;

use super::{header, secret_bytes, Rejection};
use crate::auth::ct_eq;
use crate::secret::Secret;

pub struct Okta {
    header: String,
    secrets: Vec<Vec<u8>>,
}

impl Okta {
    pub fn new(secrets: &[Secret], header_name: &str) -> Result<Self, (String, String)> {
        if actix_web::http::header::HeaderName::from_bytes(header_name.as_bytes()).is_err() {
            return Err(("header".into(), "is not a valid header name".into()));
        }
        Ok(Okta {
            header: header_name.to_ascii_lowercase(),
            secrets: secret_bytes(secrets, 16)?,
        })
    }

    pub fn verify(&self, headers: &HeaderMap) -> Result<(), Rejection> {
        let given = header(headers, &self.header)?.as_bytes();
        // Every secret is compared, so timing does not tell which one matched.
        let mut ok = false;
        for s in &self.secrets {
            ok |= ct_eq(given, s);
        }
        if ok {
            Ok(())
        } else {
            Err(Rejection::BadCredentials)
        }
    }

    pub fn sign(&self) -> Vec<(String, String)> {
        vec![(
            self.header.clone(),
            String::from_utf8_lossy(&self.secrets[0]).into_owned(),
        )]
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::headers;
    use super::*;

    #[test]
    fn accept_reject_matrix() {
        let v = Okta::new(
            &[
                Secret::new("new-okta-secret-0123"),
                Secret::new("old-okta-secret-0123"),
            ],
            "Authorization",
        )
        .unwrap();
        let with = |value: &str| headers(&[("authorization", value)]);
        assert_eq!(v.verify(&with("new-okta-secret-0123")), Ok(()));
        assert_eq!(v.verify(&with("old-okta-secret-0123")), Ok(()), "rotated");
        assert_eq!(
            v.verify(&with("new-okta-secret-0124")),
            Err(Rejection::BadCredentials)
        );
        assert_eq!(
            v.verify(&with("new-okta-secret-012")),
            Err(Rejection::BadCredentials),
            "a prefix is not the secret"
        );
        assert_eq!(v.verify(&HeaderMap::new()), Err(Rejection::Missing));
        assert_eq!(
            v.verify(&super::super::test_support::from_signed(&v.sign())),
            Ok(()),
            "events send signs as Okta would"
        );
        // No signature and no timestamp: the body is not covered (Okta's scheme), so a stale
        // or tampered body cannot be told apart; dedupe on each event's uuid stops replays.
    }

    #[test]
    fn another_header() {
        let v = Okta::new(&[Secret::new("okta-secret-0123456")], "X-Okta-Key").unwrap();
        assert_eq!(
            v.verify(&headers(&[("x-okta-key", "okta-secret-0123456")])),
            Ok(())
        );
        assert_eq!(
            v.verify(&headers(&[("authorization", "okta-secret-0123456")])),
            Err(Rejection::Missing)
        );
        assert!(Okta::new(&[Secret::new("okta-secret-0123456")], "bad header").is_err());
    }
}
