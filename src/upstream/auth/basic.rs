//! HTTP Basic credentials, encoded once at start-up.

use base64::Engine;
use reqwest::header::{HeaderValue, AUTHORIZATION};
use reqwest::RequestBuilder;

use crate::secret::Secret;

pub(crate) struct BasicAuth(Option<HeaderValue>);

impl BasicAuth {
    pub(crate) fn new(username: &str, password: &Secret) -> BasicAuth {
        let raw = format!("{username}:{}", password.expose());
        let encoded = base64::engine::general_purpose::STANDARD.encode(raw);
        BasicAuth(
            HeaderValue::from_str(&format!("Basic {encoded}"))
                .ok()
                .map(|mut v| {
                    v.set_sensitive(true);
                    v
                }),
        )
    }

    pub(crate) fn apply(&self, builder: RequestBuilder) -> RequestBuilder {
        match &self.0 {
            Some(v) => builder.header(AUTHORIZATION, v.clone()),
            None => builder,
        }
    }
}
