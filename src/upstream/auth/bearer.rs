//! Static credentials: a bearer token, a fixed header, or an API key in a header or the query.

use reqwest::header::{HeaderName, HeaderValue, AUTHORIZATION};
use reqwest::RequestBuilder;

use crate::upstream::settings::{KeyLocation, UpstreamAuth};

pub(crate) enum StaticAuth {
    Header(HeaderName, HeaderValue),
    Query(String, String),
}

impl StaticAuth {
    pub(crate) fn new(auth: &UpstreamAuth) -> Option<StaticAuth> {
        let header = |name: &str, value: &str| {
            let mut v = HeaderValue::from_str(value).ok()?;
            // Keeps the value out of any header dump reqwest or hyper might log.
            v.set_sensitive(true);
            Some(StaticAuth::Header(
                HeaderName::from_bytes(name.as_bytes()).ok()?,
                v,
            ))
        };
        match auth {
            UpstreamAuth::Bearer { token } => header(
                AUTHORIZATION.as_str(),
                &format!("Bearer {}", token.expose()),
            ),
            UpstreamAuth::Header { name, value } => header(name, value.expose()),
            UpstreamAuth::ApiKey {
                location: KeyLocation::Header,
                name,
                value,
            } => header(name, value.expose()),
            UpstreamAuth::ApiKey {
                location: KeyLocation::Query,
                name,
                value,
            } => Some(StaticAuth::Query(name.clone(), value.expose().to_string())),
            _ => None,
        }
    }

    pub(crate) fn apply(&self, builder: RequestBuilder) -> RequestBuilder {
        match self {
            StaticAuth::Header(n, v) => builder.header(n.clone(), v.clone()),
            StaticAuth::Query(n, v) => builder.query(&[(n, v)]),
        }
    }
}

/// `Authorization: Bearer <token>`, marked sensitive.
pub(crate) fn with_bearer(builder: RequestBuilder, token: &str) -> RequestBuilder {
    match HeaderValue::from_str(&format!("Bearer {token}")) {
        Ok(mut v) => {
            v.set_sensitive(true);
            builder.header(AUTHORIZATION, v)
        }
        // A token with control characters cannot be sent; the upstream's 401 will say so.
        Err(_) => builder,
    }
}
