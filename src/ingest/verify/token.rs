//! Static credentials for senders that do not sign: `Authorization: Bearer <secret>`, HTTP
//! Basic with a username and any of the secrets as password, or a named header. Each compared
//! in constant time against every configured secret.

use actix_web::http::header::HeaderMap;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;

use super::{header, secret_bytes, Rejection};
use crate::auth::ct_eq;
use crate::secret::Secret;

pub enum Token {
    Bearer(Vec<Vec<u8>>),
    Basic {
        username: String,
        passwords: Vec<Vec<u8>>,
    },
    Header {
        name: String,
        values: Vec<Vec<u8>>,
    },
}

impl Token {
    pub fn bearer(secrets: &[Secret]) -> Result<Self, (String, String)> {
        Ok(Token::Bearer(secret_bytes(secrets, 16)?))
    }

    pub fn basic(username: &str, secrets: &[Secret]) -> Result<Self, (String, String)> {
        if username.is_empty() || username.contains(':') {
            return Err((
                "username".into(),
                "must be non-empty and without ':'".into(),
            ));
        }
        Ok(Token::Basic {
            username: username.to_string(),
            passwords: secret_bytes(secrets, 16)?,
        })
    }

    pub fn header(name: &str, secrets: &[Secret]) -> Result<Self, (String, String)> {
        if actix_web::http::header::HeaderName::from_bytes(name.as_bytes()).is_err() {
            return Err(("name".into(), "is not a valid header name".into()));
        }
        Ok(Token::Header {
            name: name.to_ascii_lowercase(),
            values: secret_bytes(secrets, 16)?,
        })
    }

    pub fn verify(&self, headers: &HeaderMap) -> Result<(), Rejection> {
        let any = |given: &[u8], secrets: &[Vec<u8>]| {
            let mut ok = false;
            for s in secrets {
                ok |= ct_eq(given, s);
            }
            ok
        };
        let ok = match self {
            Token::Bearer(tokens) => {
                let value = header(headers, "authorization")?;
                let (scheme, token) = value.split_once(' ').ok_or(Rejection::Malformed)?;
                if !scheme.eq_ignore_ascii_case("bearer") {
                    return Err(Rejection::Missing);
                }
                any(token.trim().as_bytes(), tokens)
            }
            Token::Basic {
                username,
                passwords,
            } => {
                let value = header(headers, "authorization")?;
                let (scheme, encoded) = value.split_once(' ').ok_or(Rejection::Malformed)?;
                if !scheme.eq_ignore_ascii_case("basic") {
                    return Err(Rejection::Missing);
                }
                let decoded = STANDARD
                    .decode(encoded.trim())
                    .map_err(|_| Rejection::Malformed)?;
                let split = decoded
                    .iter()
                    .position(|&b| b == b':')
                    .ok_or(Rejection::Malformed)?;
                let user_ok = ct_eq(&decoded[..split], username.as_bytes());
                any(&decoded[split + 1..], passwords) & user_ok
            }
            Token::Header { name, values } => any(header(headers, name)?.as_bytes(), values),
        };
        if ok {
            Ok(())
        } else {
            Err(Rejection::BadCredentials)
        }
    }

    pub fn sign(&self) -> Vec<(String, String)> {
        let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        match self {
            Token::Bearer(t) => vec![("authorization".into(), format!("Bearer {}", text(&t[0])))],
            Token::Basic {
                username,
                passwords,
            } => vec![(
                "authorization".into(),
                format!(
                    "Basic {}",
                    STANDARD.encode(format!("{username}:{}", text(&passwords[0])))
                ),
            )],
            Token::Header { name, values } => vec![(name.clone(), text(&values[0]))],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{from_signed, headers};
    use super::*;

    const NEW: &str = "new-token-0123456789";
    const OLD: &str = "old-token-0123456789";

    fn matrix(make: impl Fn(&[Secret]) -> Token) {
        let v = make(&[Secret::new(NEW), Secret::new(OLD)]);
        let signed_with = |s: &str| from_signed(&make(&[Secret::new(s)]).sign());
        assert_eq!(v.verify(&signed_with(NEW)), Ok(()), "good");
        assert_eq!(v.verify(&signed_with(OLD)), Ok(()), "rotated");
        assert_eq!(
            v.verify(&signed_with("wrong-token-0123456789")),
            Err(Rejection::BadCredentials)
        );
        assert_eq!(v.verify(&HeaderMap::new()), Err(Rejection::Missing));
    }

    #[test]
    fn bearer() {
        matrix(|s| Token::bearer(s).unwrap());
        let v = Token::bearer(&[Secret::new(NEW)]).unwrap();
        assert_eq!(
            v.verify(&headers(&[("authorization", &format!("Basic {NEW}"))])),
            Err(Rejection::Missing)
        );
    }

    #[test]
    fn basic() {
        matrix(|s| Token::basic("okta", s).unwrap());
        let v = Token::basic("okta", &[Secret::new(NEW)]).unwrap();
        let other_user = format!("Basic {}", STANDARD.encode(format!("other:{NEW}")));
        assert_eq!(
            v.verify(&headers(&[("authorization", &other_user)])),
            Err(Rejection::BadCredentials)
        );
        assert_eq!(
            v.verify(&headers(&[("authorization", "Basic !!!")])),
            Err(Rejection::Malformed)
        );
        assert!(Token::basic("a:b", &[Secret::new(NEW)]).is_err());
    }

    #[test]
    fn header() {
        matrix(|s| Token::header("X-Webhook-Token", s).unwrap());
        assert!(Token::header("X-Webhook-Token", &[Secret::new("short")]).is_err());
    }
}
