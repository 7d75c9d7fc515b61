//! HTTP Basic, as Dialogflow's "basic authentication" username and password.

use actix_web::http::header::{HeaderMap, AUTHORIZATION};
use base64::Engine;

use super::{ct_eq, Rejection};
use crate::secret::Secret;

pub(super) fn verify(headers: &HeaderMap, creds: &[(String, Secret)]) -> Result<(), Rejection> {
    let value = headers.get(AUTHORIZATION).ok_or(Rejection::Missing)?;
    let value = value.to_str().map_err(|_| Rejection::Malformed)?;
    let (scheme, encoded) = value.split_once(' ').ok_or(Rejection::Malformed)?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(Rejection::Missing);
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .map_err(|_| Rejection::Malformed)?;
    let split = decoded
        .iter()
        .position(|&b| b == b':')
        .ok_or(Rejection::Malformed)?;
    let (user, pass) = (&decoded[..split], &decoded[split + 1..]);
    // Compare against every pair without stopping early, so timing says nothing about which
    // username exists.
    let mut ok = false;
    for (u, p) in creds {
        ok |= ct_eq(user, u.as_bytes()) & ct_eq(pass, p.expose().as_bytes());
    }
    if ok {
        Ok(())
    } else {
        Err(Rejection::BadCredentials)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::header::HeaderValue;

    fn headers(v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(AUTHORIZATION, HeaderValue::from_str(v).unwrap());
        h
    }

    #[test]
    fn accepts_any_configured_pair_and_rejects_the_rest() {
        let creds = vec![
            ("df".to_string(), Secret::new("old-pass")),
            ("df".to_string(), Secret::new("new-pass")),
        ];
        let enc = |s: &str| {
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(s)
            )
        };
        assert_eq!(verify(&headers(&enc("df:old-pass")), &creds), Ok(()));
        assert_eq!(verify(&headers(&enc("df:new-pass")), &creds), Ok(()));
        assert_eq!(
            verify(&headers(&enc("df:nope")), &creds),
            Err(Rejection::BadCredentials)
        );
        assert_eq!(
            verify(&headers(&enc("nocolon")), &creds),
            Err(Rejection::Malformed)
        );
        assert_eq!(
            verify(&headers("Basic !!!"), &creds),
            Err(Rejection::Malformed)
        );
        assert_eq!(verify(&HeaderMap::new(), &creds), Err(Rejection::Missing));
    }
}
