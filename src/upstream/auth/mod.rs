//! How a call proves itself to its upstream: static credentials (bearer, API key, Basic) or a
//! short-lived token (OAuth2 client credentials, self-signed JWT) cached until near expiry.
//!
//! Token kinds hand back the token they used, so a 401 can invalidate exactly that token: when
//! fifty calls see the same 401 at once, only the first invalidation drops the cache and only
//! one refresh follows.

mod basic;
mod bearer;
mod oauth2;
pub mod signed_jwt;
mod token_cache;

use std::sync::Arc;
use std::time::Duration;

use reqwest::RequestBuilder;

use super::settings::UpstreamAuth;
use super::UpstreamErrorKind;
use token_cache::TokenCache;

/// One upstream's authenticator, built once and shared by every call.
pub(crate) enum Auth {
    None,
    Static(bearer::StaticAuth),
    Basic(basic::BasicAuth),
    OAuth2(oauth2::ClientCredentials, TokenCache),
    Jwt(Box<signed_jwt::JwtSigner>, TokenCache),
    /// A setting that validation should have refused; every call fails with this reason.
    Broken(String),
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print credentials, even through a derived Debug of a parent.
        f.write_str(match self {
            Auth::None => "Auth::None",
            Auth::Static(_) => "Auth::Static(***)",
            Auth::Basic(_) => "Auth::Basic(***)",
            Auth::OAuth2(..) => "Auth::OAuth2(***)",
            Auth::Jwt(..) => "Auth::Jwt(***)",
            Auth::Broken(_) => "Auth::Broken",
        })
    }
}

impl Auth {
    /// `base` is the upstream's base URL, for token URLs given as a path.
    pub(crate) fn new(auth: &UpstreamAuth, base: &str, http: &reqwest::Client) -> Auth {
        match auth {
            UpstreamAuth::None => Auth::None,
            UpstreamAuth::Bearer { .. }
            | UpstreamAuth::Header { .. }
            | UpstreamAuth::ApiKey { .. } => match bearer::StaticAuth::new(auth) {
                Some(s) => Auth::Static(s),
                None => Auth::Broken("invalid static credential".into()),
            },
            UpstreamAuth::Basic { username, password } => {
                Auth::Basic(basic::BasicAuth::new(username, password))
            }
            UpstreamAuth::Oauth2 { .. } => match oauth2::ClientCredentials::new(auth, base, http) {
                Some(c) => Auth::OAuth2(c, TokenCache::default()),
                None => Auth::Broken("invalid OAuth2 settings".into()),
            },
            UpstreamAuth::SignedJwt { .. } => match signed_jwt::JwtSigner::new(auth) {
                Ok(s) => Auth::Jwt(Box::new(s), TokenCache::default()),
                Err((key, problem)) => Auth::Broken(format!("auth.{key}: {problem}")),
            },
        }
    }

    /// Adds the credentials to `builder`; `within` bounds a token fetch. Returns the token used,
    /// for [`Auth::invalidate`].
    pub(crate) async fn apply(
        &self,
        builder: RequestBuilder,
        within: Duration,
    ) -> Result<(RequestBuilder, Option<Arc<str>>), UpstreamErrorKind> {
        match self {
            Auth::None => Ok((builder, None)),
            Auth::Static(s) => Ok((s.apply(builder), None)),
            Auth::Basic(b) => Ok((b.apply(builder), None)),
            Auth::OAuth2(source, cache) => {
                let token = cache.get(|| source.fetch(within)).await?;
                Ok((bearer::with_bearer(builder, &token), Some(token)))
            }
            Auth::Jwt(signer, cache) => {
                let token = cache.get(|| async { signer.sign() }).await?;
                Ok((bearer::with_bearer(builder, &token), Some(token)))
            }
            Auth::Broken(why) => Err(UpstreamErrorKind::Auth(why.clone())),
        }
    }

    /// Drops `used` from the cache if it is still the cached token; true when a retry with a
    /// fresh token makes sense.
    pub(crate) fn invalidate(&self, used: &str) -> bool {
        match self {
            Auth::OAuth2(_, cache) | Auth::Jwt(_, cache) => {
                cache.invalidate(used);
                true
            }
            _ => false,
        }
    }
}

/// Refresh this long before the issuer's expiry, so a token never expires in flight: a tenth of
/// its lifetime, at most 60 s.
fn refresh_early(lifetime: Duration) -> Duration {
    (lifetime / 10).min(Duration::from_secs(60))
}
