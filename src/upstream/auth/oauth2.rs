//! OAuth2 client credentials (RFC 6749 §4.4): one POST to the token endpoint, whose answer is
//! cached by [`super::TokenCache`] until shortly before `expires_in`.

use std::time::Duration;

use serde::Deserialize;

use crate::secret::Secret;
use crate::upstream::settings::{ClientAuth, UpstreamAuth};
use crate::upstream::UpstreamErrorKind;

/// Assumed when the token endpoint does not say (RFC 6749 makes `expires_in` optional).
const DEFAULT_LIFETIME: Duration = Duration::from_secs(3_600);
/// Far above any real token answer (a JWT access token is a few KiB).
const MAX_TOKEN_RESPONSE_BYTES: usize = 64 * 1024;
/// The longest a token is trusted, whatever the endpoint says.
const MAX_LIFETIME_SECS: u64 = 86_400;

pub(crate) struct ClientCredentials {
    http: reqwest::Client,
    token_url: String,
    client_id: String,
    client_secret: Secret,
    scope: Option<String>,
    audience: Option<String>,
    client_auth: ClientAuth,
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    #[serde(default)]
    expires_in: Option<u64>,
}

impl ClientCredentials {
    pub(crate) fn new(
        auth: &UpstreamAuth,
        base: &str,
        http: &reqwest::Client,
    ) -> Option<ClientCredentials> {
        let UpstreamAuth::Oauth2 {
            token_url,
            client_id,
            client_secret,
            scope,
            audience,
            client_auth,
        } = auth
        else {
            return None;
        };
        // A path is below the upstream's own base, which also lets fixtures serve the token
        // endpoint from the same stub server.
        let token_url = if token_url.starts_with('/') {
            format!("{base}{token_url}")
        } else {
            token_url.clone()
        };
        Some(ClientCredentials {
            http: http.clone(),
            token_url,
            client_id: client_id.clone(),
            client_secret: client_secret.clone(),
            scope: scope.clone(),
            audience: audience.clone(),
            client_auth: *client_auth,
        })
    }

    /// Fetches a token and its lifetime, giving up after `within`.
    pub(crate) async fn fetch(
        &self,
        within: Duration,
    ) -> Result<(String, Duration), UpstreamErrorKind> {
        let mut form: Vec<(&str, &str)> = vec![("grant_type", "client_credentials")];
        if let Some(scope) = &self.scope {
            form.push(("scope", scope));
        }
        if let Some(audience) = &self.audience {
            form.push(("audience", audience));
        }
        let mut req = self.http.post(&self.token_url).timeout(within);
        match self.client_auth {
            ClientAuth::Basic => {
                req = req.basic_auth(&self.client_id, Some(self.client_secret.expose()));
            }
            ClientAuth::Post => {
                form.push(("client_id", &self.client_id));
                form.push(("client_secret", self.client_secret.expose()));
            }
        }
        let fail = |what: String| UpstreamErrorKind::Auth(format!("token endpoint: {what}"));
        let resp = req.form(&form).send().await.map_err(|e| {
            if e.is_timeout() {
                UpstreamErrorKind::Timeout
            } else {
                fail(super::super::call::without_url(&e))
            }
        })?;
        if !resp.status().is_success() {
            return Err(fail(format!("answered HTTP {}", resp.status().as_u16())));
        }
        let mut resp = resp;
        let mut raw = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(|e| {
            fail(format!(
                "unreadable answer: {}",
                super::super::call::without_url(&e)
            ))
        })? {
            // A token answer is tiny; a huge one is refused before it can grow memory.
            if raw.len() + chunk.len() > MAX_TOKEN_RESPONSE_BYTES {
                return Err(fail("answer too large".into()));
            }
            raw.extend_from_slice(&chunk);
        }
        let body: TokenResponse =
            serde_json::from_slice(&raw).map_err(|e| fail(format!("unreadable answer: {e}")))?;
        // Capped: an absurd `expires_in` must neither overflow the expiry instant nor keep a
        // token forever.
        let lifetime = body
            .expires_in
            .map(|s| Duration::from_secs(s.min(MAX_LIFETIME_SECS)))
            .unwrap_or(DEFAULT_LIFETIME);
        Ok((body.access_token, lifetime))
    }
}
