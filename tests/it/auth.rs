//! The rejection matrix: every auth mode refuses every bad credential with a 401 JSON body and
//! no handler runs; the right credentials pass, old and new secrets both pass under rotation.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine;
use hmac::{Hmac, Mac};
use intentful::auth::{
    AuthMode, BasicCredential, GoogleIdTokenSettings, HmacSettings, SignatureEncoding,
};
use intentful::config::Settings;
use intentful::intent::prelude::*;
use intentful::intent::Registry;
use intentful::secret::Secret;
use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use sha2::Sha256;
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{client, es_request, spawn_with, TestServer};

const AUD: &str = "https://bot.example.com/webhook";
const AGENT: &str = "service-123456@gcp-sa-dialogflow.iam.gserviceaccount.com";
pub(crate) const KEY: &[u8] = include_bytes!("../data/google_test_key.pem");
const OTHER_KEY: &[u8] = include_bytes!("../data/other_test_key.pem");
const PUBLIC_PEM: &[u8] = include_bytes!("../data/google_test_key.pub.pem");
const JWKS: &str = include_str!("../data/google_test_jwks.json");

pub(crate) fn counting_registry(calls: Arc<AtomicUsize>) -> Registry {
    let mut r = Registry::default();
    r.add("count", move |_ctx: Ctx, _turn: Turn| {
        let calls = calls.clone();
        async move {
            calls.fetch_add(1, Ordering::SeqCst);
            Ok(Reply::text("counted"))
        }
    });
    r.finish().expect("registry")
}

pub(crate) fn serve(mode: AuthMode) -> (TestServer, Arc<AtomicUsize>) {
    let calls = Arc::new(AtomicUsize::new(0));
    let mut settings = Settings::default();
    settings.auth.default = mode;
    (
        spawn_with(settings, counting_registry(calls.clone())),
        calls,
    )
}

pub(crate) async fn call(
    server: &TestServer,
    headers: &[(&str, String)],
    body: &[u8],
) -> (u16, serde_json::Value) {
    let mut req = client()
        .post(server.url("/webhook"))
        .header("content-type", "application/json")
        .body(body.to_vec());
    for (k, v) in headers {
        req = req.header(*k, v);
    }
    let resp = req.send().await.expect("response");
    let status = resp.status().as_u16();
    (status, resp.json().await.expect("JSON body"))
}

pub(crate) fn body() -> Vec<u8> {
    serde_json::to_vec(&es_request("count")).expect("json")
}

pub(crate) fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .as_secs() as i64
}

pub(crate) fn token(claims: serde_json::Value, kid: &str, key: &[u8]) -> String {
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(kid.to_string());
    encode(
        &header,
        &claims,
        &EncodingKey::from_rsa_pem(key).expect("pem"),
    )
    .expect("sign")
}

pub(crate) fn good_claims() -> serde_json::Value {
    json!({"iss": "https://accounts.google.com", "aud": AUD, "email": AGENT, "email_verified": true,
           "iat": now(), "exp": now() + 3600, "sub": "1234"})
}

fn with(mut claims: serde_json::Value, key: &str, value: serde_json::Value) -> serde_json::Value {
    claims[key] = value;
    claims
}

fn b64url(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Google's key endpoint answering the test key set, cached for `max_age` seconds.
pub(crate) fn certs(max_age: u64) -> ResponseTemplate {
    ResponseTemplate::new(200)
        .insert_header("cache-control", format!("public, max-age={max_age}"))
        .set_body_raw(JWKS, "application/json")
}

/// Google ID token mode for the test agent, with keys from `jwks_url`.
pub(crate) fn google_mode(jwks_url: String, min_refresh_interval_secs: u64) -> AuthMode {
    AuthMode::GoogleIdToken(GoogleIdTokenSettings {
        audience: AUD.into(),
        service_accounts: vec![AGENT.into()],
        jwks_url,
        issuers: vec![
            "https://accounts.google.com".into(),
            "accounts.google.com".into(),
        ],
        leeway_secs: 30,
        max_lifetime_secs: 7200,
        min_refresh_interval_secs,
    })
}

pub(crate) async fn assert_refused(
    server: &TestServer,
    name: &str,
    headers: &[(&str, String)],
    body: &[u8],
) {
    let (status, json) = call(server, headers, body).await;
    assert_eq!(status, 401, "{name}: {json}");
    assert_eq!(json["error"]["code"], "unauthorized", "{name}");
}

#[actix_web::test]
async fn google_id_token_rejection_matrix() {
    let jwks = MockServer::start().await;
    Mock::given(path("/certs"))
        .respond_with(certs(3600))
        .mount(&jwks)
        .await;
    let (server, calls) = serve(google_mode(format!("{}/certs", jwks.uri()), 30));
    let bearer = |t: String| vec![("authorization", format!("Bearer {t}"))];
    let good = good_claims();
    let header_none = b64url(br#"{"alg":"none","typ":"JWT","kid":"test-kid-1"}"#);
    let payload = b64url(&serde_json::to_vec(&good).expect("json"));
    let hs256_confusion = {
        let mut h = Header::new(Algorithm::HS256);
        h.kid = Some("test-kid-1".into());
        encode(&h, &good, &EncodingKey::from_secret(PUBLIC_PEM)).expect("sign")
    };
    let good_token = token(good.clone(), "test-kid-1", KEY);
    let mut parts: Vec<&str> = good_token.split('.').collect();
    let tampered_payload = b64url(
        &serde_json::to_vec(&with(good.clone(), "email", json!("evil@example.com"))).expect("json"),
    );
    parts[1] = &tampered_payload;
    let tampered = parts.join(".");
    let with_crit = |crit: Vec<&str>| {
        let mut h = Header::new(Algorithm::RS256);
        h.kid = Some("test-kid-1".into());
        h.crit = Some(crit.into_iter().map(String::from).collect());
        encode(&h, &good, &EncodingKey::from_rsa_pem(KEY).expect("pem")).expect("sign")
    };

    let cases: Vec<(&str, Vec<(&str, String)>)> = vec![
        ("missing", vec![]),
        (
            "not a bearer",
            vec![("authorization", "Basic Zm9vOmJhcg==".into())],
        ),
        ("garbage", bearer("not.a.jwt".into())),
        (
            "expired",
            bearer(token(
                with(good.clone(), "exp", json!(now() - 600)),
                "test-kid-1",
                KEY,
            )),
        ),
        (
            "not yet valid (nbf)",
            bearer(token(
                with(good.clone(), "nbf", json!(now() + 600)),
                "test-kid-1",
                KEY,
            )),
        ),
        (
            "issued in the future",
            bearer(token(
                with(good.clone(), "iat", json!(now() + 600)),
                "test-kid-1",
                KEY,
            )),
        ),
        (
            "wrong audience",
            bearer(token(
                with(good.clone(), "aud", json!("https://other.example.com")),
                "test-kid-1",
                KEY,
            )),
        ),
        (
            "wrong issuer",
            bearer(token(
                with(good.clone(), "iss", json!("https://evil.example.com")),
                "test-kid-1",
                KEY,
            )),
        ),
        ("alg none", bearer(format!("{header_none}.{payload}."))),
        ("HS256 with the RSA public key", bearer(hs256_confusion)),
        (
            "unknown kid",
            bearer(token(good.clone(), "no-such-kid", OTHER_KEY)),
        ),
        (
            "signed by another key",
            bearer(token(good.clone(), "test-kid-1", OTHER_KEY)),
        ),
        ("tampered payload", bearer(tampered)),
        (
            "an unknown crit extension",
            bearer(with_crit(vec!["https://example.com/must-understand"])),
        ),
        ("an empty crit list", bearer(with_crit(vec![]))),
        (
            "valid for three hours from now",
            bearer(token(
                with(good.clone(), "exp", json!(now() + 3 * 3600)),
                "test-kid-1",
                KEY,
            )),
        ),
        (
            "issued for three hours (two of them gone)",
            bearer(token(
                with(
                    with(good.clone(), "iat", json!(now() - 2 * 3600)),
                    "exp",
                    json!(now() + 3600),
                ),
                "test-kid-1",
                KEY,
            )),
        ),
        (
            "wrong email",
            bearer(token(
                with(good.clone(), "email", json!("someone@example.com")),
                "test-kid-1",
                KEY,
            )),
        ),
        (
            "email not verified",
            bearer(token(
                with(good.clone(), "email_verified", json!(false)),
                "test-kid-1",
                KEY,
            )),
        ),
    ];
    for (name, headers) in &cases {
        assert_refused(&server, name, headers, &body()).await;
    }
    assert_eq!(
        calls.load(Ordering::SeqCst),
        0,
        "no handler ran for a refused call"
    );

    let (status, json) = call(&server, &bearer(good_token), &body()).await;
    assert_eq!(
        (status, json["fulfillmentText"].as_str()),
        (200, Some("counted"))
    );
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    // Keys are cached: one fetch at first use, one more for the unknown kid, none after.
    let fetches = jwks
        .received_requests()
        .await
        .map(|r| r.len())
        .unwrap_or_default();
    assert!(fetches <= 2, "JWKS fetched {fetches} times");
}

#[actix_web::test]
async fn unreachable_google_keys_are_a_503_not_a_401() {
    let (server, calls) = serve(google_mode("http://127.0.0.1:9/certs".into(), 30));
    let headers = vec![(
        "authorization",
        format!("Bearer {}", token(good_claims(), "test-kid-1", KEY)),
    )];
    let (status, json) = call(&server, &headers, &body()).await;
    assert_eq!(
        (status, json["error"]["code"].as_str()),
        (503, Some("unavailable"))
    );
    assert_eq!(calls.load(Ordering::SeqCst), 0);
}

pub(crate) fn hmac_mode(secrets: &[&str]) -> AuthMode {
    AuthMode::Hmac(HmacSettings {
        header: "X-Signature-256".into(),
        secrets: secrets.iter().map(|s| Secret::new(*s)).collect(),
        encoding: SignatureEncoding::Hex,
        prefix: "sha256=".into(),
        timestamp_header: Some("X-Signature-Timestamp".into()),
        tolerance_secs: 300,
    })
}

pub(crate) fn hmac_headers(secret: &str, ts: i64, body: &[u8]) -> Vec<(&'static str, String)> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("key");
    mac.update(format!("{ts}.").as_bytes());
    mac.update(body);
    vec![
        (
            "x-signature-256",
            format!("sha256={}", hex::encode(mac.finalize().into_bytes())),
        ),
        ("x-signature-timestamp", ts.to_string()),
    ]
}

#[actix_web::test]
async fn hmac_rejection_matrix_and_rotation() {
    const OLD: &str = "old-signing-secret-0001";
    const NEW: &str = "new-signing-secret-0002";
    let (server, calls) = serve(hmac_mode(&[OLD, NEW]));
    let b = body();
    let mut tampered = b.clone();
    tampered.extend_from_slice(b" ");
    assert_refused(&server, "missing", &[], &b).await;
    assert_refused(
        &server,
        "wrong secret",
        &hmac_headers("not-the-secret-000000", now(), &b),
        &b,
    )
    .await;
    assert_refused(
        &server,
        "tampered body",
        &hmac_headers(OLD, now(), &b),
        &tampered,
    )
    .await;
    assert_refused(
        &server,
        "replayed (old timestamp)",
        &hmac_headers(OLD, now() - 3600, &b),
        &b,
    )
    .await;
    assert_refused(
        &server,
        "from the future",
        &hmac_headers(OLD, now() + 3600, &b),
        &b,
    )
    .await;
    assert_eq!(calls.load(Ordering::SeqCst), 0);
    for secret in [OLD, NEW] {
        let (status, _) = call(&server, &hmac_headers(secret, now(), &b), &b).await;
        assert_eq!(status, 200, "{secret} must pass during rotation");
    }
    // The old secret is removed: only the new one passes.
    let (server, _) = serve(hmac_mode(&[NEW]));
    assert_refused(&server, "removed secret", &hmac_headers(OLD, now(), &b), &b).await;
    assert_eq!(
        call(&server, &hmac_headers(NEW, now(), &b), &b).await.0,
        200
    );
}

#[actix_web::test]
async fn basic_and_header_modes_with_rotation() {
    let basic = |pairs: &[(&str, &str)]| AuthMode::Basic {
        credentials: pairs
            .iter()
            .map(|(u, p)| BasicCredential {
                username: u.to_string(),
                password: Secret::new(*p),
            })
            .collect(),
    };
    let enc = |u: &str, p: &str| {
        vec![(
            "authorization",
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(format!("{u}:{p}"))
            ),
        )]
    };
    let (server, calls) = serve(basic(&[
        ("dialogflow", "old-pass"),
        ("dialogflow", "new-pass"),
    ]));
    assert_refused(&server, "basic missing", &[], &body()).await;
    assert_refused(&server, "basic wrong", &enc("dialogflow", "nope"), &body()).await;
    assert_refused(
        &server,
        "basic wrong user",
        &enc("other", "old-pass"),
        &body(),
    )
    .await;
    assert_eq!(calls.load(Ordering::SeqCst), 0);
    assert_eq!(
        call(&server, &enc("dialogflow", "old-pass"), &body())
            .await
            .0,
        200
    );
    assert_eq!(
        call(&server, &enc("dialogflow", "new-pass"), &body())
            .await
            .0,
        200
    );

    let (server, calls) = serve(AuthMode::Header {
        name: "X-Webhook-Token".into(),
        values: vec![
            Secret::new("token-aaaaaaaaaaaaaaaa"),
            Secret::new("token-bbbbbbbbbbbbbbbb"),
        ],
    });
    assert_refused(&server, "header missing", &[], &body()).await;
    assert_refused(
        &server,
        "header wrong",
        &[("x-webhook-token", "token-cccccccccccccccc".into())],
        &body(),
    )
    .await;
    assert_eq!(calls.load(Ordering::SeqCst), 0);
    for t in ["token-aaaaaaaaaaaaaaaa", "token-bbbbbbbbbbbbbbbb"] {
        assert_eq!(
            call(&server, &[("x-webhook-token", t.into())], &body())
                .await
                .0,
            200
        );
    }
}

#[actix_web::test]
async fn routes_can_have_their_own_mode() {
    let calls = Arc::new(AtomicUsize::new(0));
    let mut settings = Settings::default();
    settings.auth.default = AuthMode::Header {
        name: "x-token".into(),
        values: vec![Secret::new("sixteen-chars-ok")],
    };
    settings
        .auth
        .routes
        .insert("es".into(), AuthMode::None { acknowledged: true });
    let server = spawn_with(settings, counting_registry(calls));
    assert_eq!(call(&server, &[], &body()).await.0, 401);
    let resp = client()
        .post(server.url("/webhook/es"))
        .json(&es_request("count"))
        .send()
        .await
        .expect("r");
    assert_eq!(resp.status().as_u16(), 200);
}

#[actix_web::test]
async fn expired_google_keys_answer_at_once_while_they_refresh_behind_the_call() {
    let jwks = MockServer::start().await;
    Mock::given(path("/certs"))
        .respond_with(certs(1))
        .mount(&jwks)
        .await;
    let (server, calls) = serve(google_mode(format!("{}/certs", jwks.uri()), 0));
    let headers = vec![(
        "authorization",
        format!("Bearer {}", token(good_claims(), "test-kid-1", KEY)),
    )];
    assert_eq!(call(&server, &headers, &body()).await.0, 200);

    // The keys expire; Google turns slow.
    jwks.reset().await;
    Mock::given(path("/certs"))
        .respond_with(certs(3600).set_delay(std::time::Duration::from_millis(2500)))
        .mount(&jwks)
        .await;
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let started = std::time::Instant::now();
    assert_eq!(call(&server, &headers, &body()).await.0, 200);
    let waited = started.elapsed();
    assert!(
        waited < std::time::Duration::from_millis(2000),
        "the call waited {waited:?} on Google's slow key endpoint"
    );
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    // The refresh did go out, behind the call.
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert_eq!(jwks.received_requests().await.map_or(0, |r| r.len()), 1);
}
