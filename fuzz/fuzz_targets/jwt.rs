//! Any `Authorization` value through the Google ID token path: bearer parsing, header decoding,
//! the algorithm check, and signature plus claim validation against a fixed RSA key.
#![no_main]
use std::sync::OnceLock;

use intentful::auth::{bearer_token, GoogleIdTokenSettings, GoogleIdVerifier};
use jsonwebtoken::DecodingKey;
use libfuzzer_sys::fuzz_target;

fn fixture() -> &'static (GoogleIdVerifier, DecodingKey) {
    static F: OnceLock<(GoogleIdVerifier, DecodingKey)> = OnceLock::new();
    F.get_or_init(|| {
        let settings = GoogleIdTokenSettings {
            audience: "https://bot.example.com/webhook".into(),
            service_accounts: vec!["service-1@gcp-sa-dialogflow.iam.gserviceaccount.com".into()],
            jwks_url: "http://127.0.0.1:9/certs".into(),
            issuers: vec!["https://accounts.google.com".into()],
            leeway_secs: 30,
            max_lifetime_secs: 7200,
            min_refresh_interval_secs: 30,
        };
        let key = DecodingKey::from_rsa_pem(include_bytes!("../../tests/data/google_test_key.pub.pem"))
            .expect("test public key");
        (GoogleIdVerifier::new(&settings, reqwest::Client::new()), key)
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(value) = std::str::from_utf8(data) else { return };
    let (verifier, key) = fixture();
    if let Ok((token, _kid)) = bearer_token(value) {
        let _ = verifier.check(token, key);
    }
    let _ = verifier.check(value, key);
});
