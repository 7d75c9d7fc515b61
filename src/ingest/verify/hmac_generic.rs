//! Any HMAC scheme a sender documents: the signature header and its prefix, hex or base64,
//! SHA-256 or SHA-512, an optional timestamp header (checked within the tolerance either way),
//! and the signed text as a template over `{body}`, `{timestamp}` and `{header:<Name>}`.

use actix_web::http::header::HeaderMap;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::{Sha256, Sha512};

use super::{fresh, header, secret_bytes, Outgoing, Rejection};
use crate::auth::{ct_eq, SignatureEncoding};
use crate::ingest::settings::{GenericHmacSettings, HmacAlgorithm};

pub struct GenericHmac {
    secrets: Vec<Vec<u8>>,
    header: String,
    prefix: String,
    encoding: SignatureEncoding,
    algorithm: HmacAlgorithm,
    timestamp_header: Option<String>,
    tolerance: u64,
    signed: Vec<Part>,
}

#[derive(Debug, Clone, PartialEq)]
enum Part {
    Text(String),
    Body,
    Timestamp,
    Header(String),
}

impl GenericHmac {
    pub fn new(s: &GenericHmacSettings) -> Result<Self, (String, String)> {
        let valid = |h: &str| actix_web::http::header::HeaderName::from_bytes(h.as_bytes()).is_ok();
        if !valid(&s.header) {
            return Err(("header".into(), "is not a valid header name".into()));
        }
        if s.timestamp_header.as_deref().is_some_and(|h| !valid(h)) {
            return Err((
                "timestamp_header".into(),
                "is not a valid header name".into(),
            ));
        }
        let default = if s.timestamp_header.is_some() {
            "{timestamp}.{body}"
        } else {
            "{body}"
        };
        let signed = parse_template(s.signed.as_deref().unwrap_or(default))
            .map_err(|p| ("signed".to_string(), p))?;
        if signed.contains(&Part::Timestamp) && s.timestamp_header.is_none() {
            return Err((
                "signed".into(),
                "uses {timestamp} but timestamp_header is not set".into(),
            ));
        }
        Ok(GenericHmac {
            secrets: secret_bytes(&s.secrets, 16)?,
            header: s.header.to_ascii_lowercase(),
            prefix: s.prefix.clone(),
            encoding: s.encoding,
            algorithm: s.algorithm,
            timestamp_header: s.timestamp_header.as_ref().map(|h| h.to_ascii_lowercase()),
            tolerance: s.tolerance_secs,
            signed,
        })
    }

    pub fn verify(&self, headers: &HeaderMap, body: &[u8], now: i64) -> Result<(), Rejection> {
        let value = header(headers, &self.header)?;
        let encoded = value
            .strip_prefix(self.prefix.as_str())
            .ok_or(Rejection::Malformed)?;
        let sig = match self.encoding {
            SignatureEncoding::Hex => hex::decode(encoded).ok(),
            SignatureEncoding::Base64 => STANDARD.decode(encoded).ok(),
        }
        .ok_or(Rejection::Malformed)?;
        let ts = match &self.timestamp_header {
            Some(h) => {
                let ts = header(headers, h)?;
                fresh(ts, now, self.tolerance)?;
                Some(ts)
            }
            None => None,
        };
        let parts = self.parts(headers, body, ts, false)?;
        let mut ok = false;
        for key in &self.secrets {
            ok |= ct_eq(&self.mac(key, &parts), &sig);
        }
        if ok {
            Ok(())
        } else {
            Err(Rejection::BadSignature)
        }
    }

    pub fn sign(&self, out: &Outgoing<'_>) -> Vec<(String, String)> {
        let ts = out.now.to_string();
        let mut sent = Vec::new();
        if let Some(h) = &self.timestamp_header {
            sent.push((h.clone(), ts.clone()));
        }
        // Other headers named in the template are the sender's own; `events send` does not
        // know them and signs them as empty.
        let none = HeaderMap::new();
        let parts = self
            .parts(&none, out.body, Some(&ts), true)
            .unwrap_or_default();
        let mac = self.mac(&self.secrets[0], &parts);
        let encoded = match self.encoding {
            SignatureEncoding::Hex => hex::encode(mac),
            SignatureEncoding::Base64 => STANDARD.encode(mac),
        };
        sent.push((self.header.clone(), format!("{}{encoded}", self.prefix)));
        sent
    }

    /// The signed text's pieces, in order.
    fn parts<'a>(
        &'a self,
        headers: &'a HeaderMap,
        body: &'a [u8],
        ts: Option<&'a str>,
        missing_as_empty: bool,
    ) -> Result<Vec<&'a [u8]>, Rejection> {
        self.signed
            .iter()
            .map(|p| {
                Ok(match p {
                    Part::Text(t) => t.as_bytes(),
                    Part::Body => body,
                    Part::Timestamp => ts.unwrap_or_default().as_bytes(),
                    Part::Header(h) => match headers.get(h.as_str()) {
                        Some(v) => v.as_bytes(),
                        None if missing_as_empty => b"",
                        None => return Err(Rejection::Missing),
                    },
                })
            })
            .collect()
    }

    fn mac(&self, key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
        // HMAC takes keys of any length; `new_from_slice` cannot fail for it.
        match self.algorithm {
            HmacAlgorithm::Sha256 => {
                let mut m = <Hmac<Sha256> as Mac>::new_from_slice(key)
                    .unwrap_or_else(|_| unreachable!("HMAC accepts every key length"));
                parts.iter().for_each(|p| m.update(p));
                m.finalize().into_bytes().to_vec()
            }
            HmacAlgorithm::Sha512 => {
                let mut m = <Hmac<Sha512> as Mac>::new_from_slice(key)
                    .unwrap_or_else(|_| unreachable!("HMAC accepts every key length"));
                parts.iter().for_each(|p| m.update(p));
                m.finalize().into_bytes().to_vec()
            }
        }
    }
}

fn parse_template(t: &str) -> Result<Vec<Part>, String> {
    let mut parts = Vec::new();
    let mut rest = t;
    while let Some(open) = rest.find('{') {
        if open > 0 {
            parts.push(Part::Text(rest[..open].to_string()));
        }
        let close = rest[open..]
            .find('}')
            .ok_or_else(|| "has a `{` without `}`".to_string())?
            + open;
        let name = &rest[open + 1..close];
        parts.push(match name {
            "body" => Part::Body,
            "timestamp" => Part::Timestamp,
            _ => match name.strip_prefix("header:") {
                Some(h)
                    if actix_web::http::header::HeaderName::from_bytes(h.as_bytes()).is_ok() =>
                {
                    Part::Header(h.to_ascii_lowercase())
                }
                _ => {
                    return Err(format!(
                        "`{{{name}}}` is not {{body}}, {{timestamp}} or {{header:<Name>}}"
                    ))
                }
            },
        });
        rest = &rest[close + 1..];
    }
    if !rest.is_empty() {
        parts.push(Part::Text(rest.to_string()));
    }
    if !parts.contains(&Part::Body) {
        return Err("must include {body}".into());
    }
    Ok(parts)
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{from_signed, headers, without};
    use super::*;
    use crate::secret::Secret;

    fn settings(ts: bool) -> GenericHmacSettings {
        GenericHmacSettings {
            secrets: vec![
                Secret::new("new-secret-0123456789"),
                Secret::new("old-secret-0123456789"),
            ],
            header: "X-Signature".into(),
            prefix: "sha256=".into(),
            encoding: SignatureEncoding::Hex,
            algorithm: HmacAlgorithm::Sha256,
            timestamp_header: ts.then(|| "X-Timestamp".to_string()),
            tolerance_secs: 300,
            signed: None,
        }
    }

    #[test]
    fn published_vectors_of_a_simple_scheme() {
        // Convoy's "simple" vectors (frain-dev/convoy pkg/signature/testdata): HMAC-SHA256 of
        // the body, hex and base64.
        let body = br#"{"event":"charge.success","amount":1000,"currency":"NGN"}"#;
        let mut s = settings(false);
        s.secrets = vec![Secret::new("convoy-webhook-secret")];
        s.prefix.clear();
        let v = GenericHmac::new(&s).unwrap();
        let hex_sig = "244449b7f48cbc2709060c9dcdc2b3aa47a78f540430579015c579fb12defbb4";
        assert_eq!(
            v.verify(&headers(&[("x-signature", hex_sig)]), body, 0),
            Ok(())
        );
        s.encoding = SignatureEncoding::Base64;
        let v = GenericHmac::new(&s).unwrap();
        assert_eq!(
            v.verify(
                &headers(&[(
                    "x-signature",
                    "JERJt/SMvCcJBgydzcKzqkenj1QEMFeQFcV5+xLe+7Q="
                )]),
                body,
                0
            ),
            Ok(())
        );
    }

    #[test]
    fn a_comma_template_matches_convoys_advanced_vector() {
        // Convoy's "advanced" scheme signs `{t},{body}` (a comma, unlike Stripe's dot).
        let body = br#"{"event":"charge.success","amount":1000,"currency":"NGN"}"#;
        let mut s = settings(true);
        s.secrets = vec![Secret::new("convoy-webhook-secret")];
        s.prefix.clear();
        s.signed = Some("{timestamp},{body}".into());
        let v = GenericHmac::new(&s).unwrap();
        let h = headers(&[
            (
                "x-signature",
                "77b8b9269f25a199846a55a2bd25b3fba151c70fdae60bb1dcd87fbbc943c55c",
            ),
            ("x-timestamp", "1700000000"),
        ]);
        assert_eq!(v.verify(&h, body, 1_700_000_000), Ok(()));
    }

    #[test]
    fn accept_reject_matrix() {
        let now = 1_700_000_000;
        let v = GenericHmac::new(&settings(true)).unwrap();
        let body = br#"{"a":1}"#;
        let sign = |secret: &str, t: i64| {
            let mut s = settings(true);
            s.secrets = vec![Secret::new(secret)];
            from_signed(&GenericHmac::new(&s).unwrap().sign(&Outgoing {
                body,
                id: "",
                event_type: "",
                now: t,
            }))
        };
        assert_eq!(
            v.verify(&sign("new-secret-0123456789", now), body, now),
            Ok(())
        );
        assert_eq!(
            v.verify(&sign("old-secret-0123456789", now), body, now),
            Ok(()),
            "rotated"
        );
        assert_eq!(
            v.verify(&sign("bad-secret-0123456789", now), body, now),
            Err(Rejection::BadSignature)
        );
        assert_eq!(
            v.verify(&sign("new-secret-0123456789", now - 301), body, now),
            Err(Rejection::StaleTimestamp)
        );
        assert_eq!(
            v.verify(&sign("new-secret-0123456789", now + 301), body, now),
            Err(Rejection::StaleTimestamp)
        );
        assert_eq!(
            v.verify(&sign("new-secret-0123456789", now), br#"{"a":2}"#, now),
            Err(Rejection::BadSignature)
        );
        for h in ["x-signature", "x-timestamp"] {
            assert_eq!(
                v.verify(&without(&sign("new-secret-0123456789", now), h), body, now),
                Err(Rejection::Missing),
                "{h}"
            );
        }
    }

    #[test]
    fn sha512_base64_and_a_header_in_the_template() {
        let mut s = settings(false);
        s.algorithm = HmacAlgorithm::Sha512;
        s.encoding = SignatureEncoding::Base64;
        s.prefix.clear();
        s.signed = Some("{header:X-Delivery}:{body}".into());
        let v = GenericHmac::new(&s).unwrap();
        let mut m = <Hmac<Sha512> as Mac>::new_from_slice(b"old-secret-0123456789").unwrap();
        m.update(b"d-1:{}");
        let sig = STANDARD.encode(m.finalize().into_bytes());
        let h = headers(&[("x-signature", &sig), ("x-delivery", "d-1")]);
        assert_eq!(v.verify(&h, b"{}", 0), Ok(()));
        let other = headers(&[("x-signature", &sig), ("x-delivery", "d-2")]);
        assert_eq!(v.verify(&other, b"{}", 0), Err(Rejection::BadSignature));
        assert_eq!(
            v.verify(&headers(&[("x-signature", &sig)]), b"{}", 0),
            Err(Rejection::Missing)
        );
    }

    #[test]
    fn templates_are_checked() {
        assert!(parse_template("{timestamp}.{body}").is_ok());
        assert!(parse_template("{timestamp}").is_err(), "no body");
        assert!(parse_template("{body").is_err());
        assert!(parse_template("{nope}{body}").is_err());
        let mut s = settings(false);
        s.signed = Some("{timestamp}.{body}".into());
        assert!(
            GenericHmac::new(&s).is_err(),
            "timestamp without its header"
        );
    }
}
