//! `[admin]`: where `/metrics` and `/intents` are served and the credential they need.

use serde::{Deserialize, Serialize};

use crate::auth::AuthMode;

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct AdminSettings {
    /// A listener of its own for `/metrics`, `/intents`, `/healthz` and `/readyz`; unset, none.
    /// 0 picks a free port (tests).
    pub port: Option<u16>,
    /// The admin listener's bind address; `server.host` when empty.
    pub host: String,
    /// The credential `/metrics` and `/intents` need wherever they are served: `basic`,
    /// `header` (`name = "authorization"`, `values = ["Bearer ..."]` for a bearer token), or
    /// `none` to serve them to anyone on purpose.
    pub auth: Option<AuthMode>,
}

impl AdminSettings {
    /// Checks the settings; the error names the key.
    pub fn validate(&self, server_port: u16) -> Result<(), (String, String)> {
        if self.port.is_some_and(|p| p != 0 && p == server_port) {
            return Err(("admin.port".into(), "must differ from server.port".into()));
        }
        let Some(mode) = &self.auth else {
            return Ok(());
        };
        if !matches!(
            mode,
            AuthMode::None { .. } | AuthMode::Basic { .. } | AuthMode::Header { .. }
        ) {
            return Err((
                "admin.auth.mode".into(),
                "must be basic, header or none (a scraper sends a fixed credential)".into(),
            ));
        }
        mode.validate()
            .map_err(|(field, problem)| (format!("admin.auth.{field}"), problem))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;

    #[test]
    fn admin_settings_are_checked() {
        let header = AuthMode::Header {
            name: "authorization".into(),
            values: vec![Secret::new("Bearer scrape-token-0123456789")],
        };
        let ok = AdminSettings {
            port: Some(9090),
            host: String::new(),
            auth: Some(header),
        };
        assert_eq!(ok.validate(8080), Ok(()));
        assert_eq!(
            ok.validate(9090).map_err(|(k, _)| k),
            Err("admin.port".into())
        );
        let short = AdminSettings {
            auth: Some(AuthMode::Header {
                name: "authorization".into(),
                values: vec![Secret::new("short")],
            }),
            ..AdminSettings::default()
        };
        assert_eq!(
            short.validate(8080).map_err(|(k, _)| k),
            Err("admin.auth.values".into())
        );
        let hmac = AdminSettings {
            auth: Some(AuthMode::Hmac(crate::auth::HmacSettings {
                header: "x-sig".into(),
                secrets: vec![Secret::new("sixteen-bytes-secret")],
                encoding: crate::auth::SignatureEncoding::Hex,
                prefix: String::new(),
                timestamp_header: None,
                tolerance_secs: 300,
            })),
            ..AdminSettings::default()
        };
        assert_eq!(
            hmac.validate(8080).map_err(|(k, _)| k),
            Err("admin.auth.mode".into())
        );
    }
}
