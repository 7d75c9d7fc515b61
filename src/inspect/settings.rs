//! `[inspect]`: the inspector page, off by default; where it listens and who may read it.

use std::net::IpAddr;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::auth::AuthMode;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct InspectSettings {
    /// Serve the inspector (and keep the last `capacity` calls in memory).
    pub enabled: bool,
    /// Its own listener's address: loopback, so only this machine sees it unless configured.
    pub host: String,
    /// Its own listener's port; 0 picks a free one (tests).
    pub port: u16,
    /// Calls kept, newest first; older ones are forgotten.
    pub capacity: usize,
    /// `basic` or `header` (`name = "authorization"`, `values = ["Bearer ..."]`); required
    /// off loopback.
    pub auth: Option<AuthMode>,
    /// Where "Save as fixture" writes; `record.dir`, else `fixtures`, when unset.
    pub save_dir: Option<PathBuf>,
}

impl Default for InspectSettings {
    fn default() -> Self {
        InspectSettings {
            enabled: false,
            host: "127.0.0.1".into(),
            port: 8081,
            capacity: 200,
            auth: None,
            save_dir: None,
        }
    }
}

impl InspectSettings {
    /// Checks the settings; the error names the key.
    pub fn validate(&self) -> Result<(), (String, String)> {
        if !self.enabled {
            return Ok(());
        }
        if !(1..=100_000).contains(&self.capacity) {
            return Err(("inspect.capacity".into(), "must be 1..=100000".into()));
        }
        match &self.auth {
            None if !is_loopback(&self.host) => Err((
                "inspect.auth".into(),
                "is required when inspect.host is not a loopback address: the page shows \
                 requests, answers and upstream bodies"
                    .into(),
            )),
            None => Ok(()),
            Some(AuthMode::Basic { .. } | AuthMode::Header { .. }) => self
                .auth
                .as_ref()
                .map_or(Ok(()), |m| m.validate())
                .map_err(|(field, problem)| (format!("inspect.auth.{field}"), problem)),
            Some(_) => Err((
                "inspect.auth.mode".into(),
                "must be basic or header (a bearer token: name = \"authorization\")".into(),
            )),
        }
    }
}

fn is_loopback(host: &str) -> bool {
    host == "localhost" || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;

    fn enabled(host: &str, auth: Option<AuthMode>) -> InspectSettings {
        InspectSettings {
            enabled: true,
            host: host.into(),
            auth,
            ..InspectSettings::default()
        }
    }

    #[test]
    fn off_loopback_it_needs_a_credential() {
        assert_eq!(enabled("127.0.0.1", None).validate(), Ok(()));
        assert_eq!(enabled("::1", None).validate(), Ok(()));
        let open = enabled("0.0.0.0", None).validate().map_err(|(k, _)| k);
        assert_eq!(open, Err("inspect.auth".to_string()));
        let bearer = AuthMode::Header {
            name: "authorization".into(),
            values: vec![Secret::new("Bearer inspector-token-0123456789")],
        };
        assert_eq!(enabled("0.0.0.0", Some(bearer)).validate(), Ok(()));
        let none = AuthMode::None { acknowledged: true };
        let refused = enabled("0.0.0.0", Some(none))
            .validate()
            .map_err(|(k, _)| k);
        assert_eq!(refused, Err("inspect.auth.mode".to_string()));
    }
}
