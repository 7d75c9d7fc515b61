//! TLS and mutual TLS for deployments that terminate TLS at the service itself (a VM without a
//! load balancer, or Dialogflow's mTLS option): rustls only, certificates and keys from PEM
//! files named in configuration, loaded once at start so a bad file stops start-up with the key
//! that names it rather than failing the first handshake.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::WebPkiClientVerifier;
use rustls::{RootCertStore, ServerConfig};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct TlsSettings {
    /// PEM certificate chain (leaf first). TLS is on when this is set.
    pub cert_path: Option<PathBuf>,
    /// PEM private key (PKCS#8, PKCS#1 or SEC1) for `cert_path`.
    pub key_path: Option<PathBuf>,
    /// PEM CA bundle; when set, every client must present a certificate it signed (mTLS).
    pub client_ca_path: Option<PathBuf>,
}

#[derive(Debug, thiserror::Error)]
#[error("server.tls.{key}: {problem}")]
pub struct TlsError {
    /// The configuration key at fault, so the message says what to fix.
    pub key: &'static str,
    pub problem: String,
}

fn bad(key: &'static str, problem: impl ToString) -> TlsError {
    TlsError {
        key,
        problem: problem.to_string(),
    }
}

/// The rustls configuration the settings ask for, or `None` for plain HTTP.
pub fn server_config(s: &TlsSettings) -> Result<Option<Arc<ServerConfig>>, TlsError> {
    let (cert_path, key_path) = match (&s.cert_path, &s.key_path) {
        (None, None) if s.client_ca_path.is_none() => return Ok(None),
        (None, _) => return Err(bad("cert_path", "required when TLS is configured")),
        (Some(_), None) => return Err(bad("key_path", "required with cert_path")),
        (Some(c), Some(k)) => (c, k),
    };
    let chain = certificates(cert_path, "cert_path")?;
    let key = PrivateKeyDer::from_pem_file(key_path)
        .map_err(|e| bad("key_path", format!("{}: {e}", key_path.display())))?;
    // One explicit provider: the process may link more than one, and rustls refuses to guess.
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| bad("cert_path", e))?;
    let builder = match &s.client_ca_path {
        None => builder.with_no_client_auth(),
        Some(ca_path) => {
            let mut roots = RootCertStore::empty();
            for cert in certificates(ca_path, "client_ca_path")? {
                roots
                    .add(cert)
                    .map_err(|e| bad("client_ca_path", format!("{}: {e}", ca_path.display())))?;
            }
            let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
                .build()
                .map_err(|e| bad("client_ca_path", e))?;
            builder.with_client_cert_verifier(verifier)
        }
    };
    let mut config = builder
        .with_single_cert(chain, key)
        .map_err(|e| bad("key_path", format!("does not match cert_path: {e}")))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Some(Arc::new(config)))
}

fn certificates(path: &Path, key: &'static str) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let certs = CertificateDer::pem_file_iter(path)
        .and_then(|iter| iter.collect::<Result<Vec<_>, _>>())
        .map_err(|e| bad(key, format!("{}: {e}", path.display())))?;
    if certs.is_empty() {
        return Err(bad(
            key,
            format!("{}: no certificate in it", path.display()),
        ));
    }
    Ok(certs)
}
