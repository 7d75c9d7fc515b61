//! TLS terminated by the service: HTTPS with a configured certificate, mutual TLS that refuses
//! clients without a certificate from the configured CA, and start-up errors that name the key.

use std::path::Path;

use intentful::config::Settings;
use intentful::intent::Registry;
use intentful::state::AppState;
use intentful::tls::TlsSettings;
use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};

use crate::support::{es_request, spawn_with};

/// PEM files for one test: a CA, a server certificate for 127.0.0.1 it signed, a client
/// certificate it signed, and a client certificate from a stranger CA.
struct Pki {
    dir: tempfile::TempDir,
    ca_pem: String,
    client_pem: String,
    stranger_pem: String,
}

fn ca(name: &str) -> (CertificateParams, KeyPair, String) {
    let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, name);
    let key = KeyPair::generate().expect("key");
    let pem = params.self_signed(&key).expect("ca").pem();
    (params, key, pem)
}

/// A leaf signed by `issuer`, as `cert PEM + key PEM` (what reqwest's `Identity` reads).
fn leaf(names: &[&str], issuer: &Issuer<'_, KeyPair>) -> (String, String) {
    let names: Vec<String> = names.iter().map(|s| s.to_string()).collect();
    let params = CertificateParams::new(names).expect("params");
    let key = KeyPair::generate().expect("key");
    let cert = params.signed_by(&key, issuer).expect("leaf");
    (cert.pem(), key.serialize_pem())
}

fn pki() -> Pki {
    let dir = tempfile::tempdir().expect("tempdir");
    let (ca_params, ca_key, ca_pem) = ca("intentful test CA");
    let issuer = Issuer::new(ca_params, ca_key);
    let (server_cert, server_key) = leaf(&["127.0.0.1", "localhost"], &issuer);
    let (client_cert, client_key) = leaf(&["dialogflow-client"], &issuer);
    let (stranger_params, stranger_key, _) = ca("stranger CA");
    let stranger = Issuer::new(stranger_params, stranger_key);
    let (s_cert, s_key) = leaf(&["stranger-client"], &stranger);
    std::fs::write(dir.path().join("ca.pem"), &ca_pem).expect("write");
    std::fs::write(dir.path().join("server.pem"), server_cert).expect("write");
    std::fs::write(dir.path().join("server.key"), server_key).expect("write");
    Pki {
        dir,
        ca_pem,
        client_pem: client_cert + &client_key,
        stranger_pem: s_cert + &s_key,
    }
}

fn tls_settings(pki: &Pki, mutual: bool) -> TlsSettings {
    let p = |f: &str| Some(pki.dir.path().join(f));
    TlsSettings {
        cert_path: p("server.pem"),
        key_path: p("server.key"),
        client_ca_path: if mutual { p("ca.pem") } else { None },
    }
}

fn https_client(pki: &Pki, identity: Option<&str>) -> reqwest::Client {
    let mut b = reqwest::Client::builder()
        .use_rustls_tls()
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_pem(pki.ca_pem.as_bytes()).expect("ca"));
    if let Some(pem) = identity {
        b = b.identity(reqwest::Identity::from_pem(pem.as_bytes()).expect("identity"));
    }
    b.build().expect("client")
}

fn serve(tls: TlsSettings) -> crate::support::TestServer {
    let mut settings = Settings::default();
    settings.server.tls = tls;
    spawn_with(settings, Registry::builtin().expect("registry"))
}

async fn post(client: &reqwest::Client, url: &str) -> Result<u16, reqwest::Error> {
    let resp = client
        .post(url)
        .json(&es_request("input.welcome"))
        .send()
        .await?;
    Ok(resp.status().as_u16())
}

#[actix_web::test]
async fn https_serves_with_the_configured_certificate() {
    let pki = pki();
    let server = serve(tls_settings(&pki, false));
    let url = format!("https://{}/webhook", server.addr);
    assert_eq!(
        post(&https_client(&pki, None), &url).await.expect("https"),
        200
    );
    // Plain HTTP on the TLS port gets no answer it could mistake for a webhook reply.
    let plain = reqwest::Client::new()
        .post(format!("http://{}/webhook", server.addr))
        .json(&es_request("input.welcome"))
        .send()
        .await;
    assert!(plain.map(|r| !r.status().is_success()).unwrap_or(true));
}

#[actix_web::test]
async fn mutual_tls_requires_a_client_certificate_from_the_configured_ca() {
    let pki = pki();
    let server = serve(tls_settings(&pki, true));
    let url = format!("https://{}/webhook", server.addr);
    let ok = post(&https_client(&pki, Some(&pki.client_pem)), &url).await;
    assert_eq!(ok.expect("a client certificate from the CA passes"), 200);
    assert!(
        post(&https_client(&pki, None), &url).await.is_err(),
        "no client certificate: the handshake fails"
    );
    assert!(
        post(&https_client(&pki, Some(&pki.stranger_pem)), &url)
            .await
            .is_err(),
        "a certificate from another CA: the handshake fails"
    );
    // The server is still healthy for the right client after the refusals.
    let again = post(&https_client(&pki, Some(&pki.client_pem)), &url).await;
    assert_eq!(again.expect("still serving"), 200);
}

fn startup_error(tls: TlsSettings) -> String {
    let mut settings = Settings::default();
    settings.server.tls = tls;
    match AppState::new(settings, Registry::builtin().expect("registry")) {
        Ok(_) => panic!("start-up should refuse these TLS settings"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn bad_tls_settings_stop_start_up_naming_the_key() {
    let pki = pki();
    let good = tls_settings(&pki, true);
    let missing = Some(Path::new("/nonexistent/intentful.pem").to_path_buf());

    let e = startup_error(TlsSettings {
        key_path: None,
        ..good.clone()
    });
    assert!(e.contains("server.tls.key_path"), "{e}");
    let e = startup_error(TlsSettings {
        cert_path: missing.clone(),
        ..good.clone()
    });
    assert!(e.contains("server.tls.cert_path"), "{e}");
    let e = startup_error(TlsSettings {
        client_ca_path: missing,
        ..good.clone()
    });
    assert!(e.contains("server.tls.client_ca_path"), "{e}");
    // A key that is not the certificate's.
    let other = pki.dir.path().join("other.key");
    std::fs::write(&other, KeyPair::generate().expect("key").serialize_pem()).expect("write");
    let e = startup_error(TlsSettings {
        key_path: Some(other),
        ..good
    });
    assert!(e.contains("server.tls.key_path"), "{e}");
}
