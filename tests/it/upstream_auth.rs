//! Outbound credentials against real wiremock upstreams: static kinds, OAuth2 client
//! credentials (one token request for many calls, refreshed after expiry and after a 401), and
//! signed JWTs that verify with the matching public key.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use intentful::config::{Settings, UpstreamAuth};
use intentful::secret::Secret;
use intentful::upstream::settings::{JwtAlgorithm, KeyLocation};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{json, Value};
use wiremock::matchers::{body_string_contains, header, method, path, query_param};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::upstream_kit::{client, settings, upstreams};

const BUDGET: Duration = Duration::from_secs(4);

/// A token endpoint handing out `t1`, `t2`, ... with a fixed lifetime.
struct TokenEndpoint {
    issued: Arc<AtomicUsize>,
    expires_in: u64,
}

impl Respond for TokenEndpoint {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        let n = self.issued.fetch_add(1, Ordering::SeqCst) + 1;
        ResponseTemplate::new(200)
            .set_body_json(json!({
                "access_token": format!("t{n}"),
                "token_type": "Bearer",
                "expires_in": self.expires_in
            }))
            .set_delay(Duration::from_millis(100))
    }
}

fn oauth2(token_url: &str) -> UpstreamAuth {
    UpstreamAuth::Oauth2 {
        token_url: token_url.into(),
        client_id: "intentful".into(),
        client_secret: Secret::new("s3cret"),
        scope: Some("bookings".into()),
        audience: None,
        client_auth: Default::default(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_oauth2_token_serves_many_calls_and_is_refreshed_after_expiry_and_401() {
    let server = MockServer::start().await;
    let issued = Arc::new(AtomicUsize::new(0));
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        // client_secret_basic: base64("intentful:s3cret")
        .and(header("authorization", "Basic aW50ZW50ZnVsOnMzY3JldA=="))
        .and(body_string_contains("grant_type=client_credentials"))
        .and(body_string_contains("scope=bookings"))
        .respond_with(TokenEndpoint {
            issued: issued.clone(),
            expires_in: 2,
        })
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/slots"))
        .respond_with(|req: &Request| {
            let auth = req
                .headers
                .get("authorization")
                .and_then(|v| v.to_str().ok());
            match auth {
                Some(a) if a.starts_with("Bearer t") => {
                    ResponseTemplate::new(200).set_body_json(json!({"token": &a[7..]}))
                }
                _ => ResponseTemplate::new(401),
            }
        })
        .mount(&server)
        .await;
    let mut s = settings(&server.uri());
    // A path is below the base URL.
    s.auth = oauth2("/oauth/token");
    let ups = upstreams(s);

    let fan_out = |n: usize| {
        let calls: Vec<_> = (0..n)
            .map(|_| {
                let c = client(&ups, BUDGET);
                tokio::spawn(async move { c.get("/slots").send_json::<Value>().await })
            })
            .collect();
        async move {
            let mut tokens = Vec::new();
            for call in calls {
                let v = call.await.expect("task").expect("authorised call");
                tokens.push(v["token"].as_str().unwrap_or_default().to_string());
            }
            tokens
        }
    };
    let tokens = fan_out(50).await;
    assert!(tokens.iter().all(|t| t == "t1"), "{tokens:?}");
    assert_eq!(
        issued.load(Ordering::SeqCst),
        1,
        "one token request for 50 calls"
    );

    // expires_in = 2 s; refreshed shortly before.
    tokio::time::sleep(Duration::from_millis(1_900)).await;
    let tokens = fan_out(20).await;
    assert!(tokens.iter().all(|t| t == "t2"), "{tokens:?}");
    assert_eq!(issued.load(Ordering::SeqCst), 2, "one refresh after expiry");

    // t2 is now refused with 401: every call invalidates it at most once, one refresh follows.
    server.reset().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(TokenEndpoint {
            issued: issued.clone(),
            expires_in: 3_600,
        })
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(header("authorization", "Bearer t3"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"token": "t3"})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(401))
        .mount(&server)
        .await;
    let tokens = fan_out(20).await;
    assert!(tokens.iter().all(|t| t == "t3"), "{tokens:?}");
    assert_eq!(
        issued.load(Ordering::SeqCst),
        3,
        "one refresh after the 401s"
    );
}

#[tokio::test]
async fn a_401_with_a_fresh_token_is_not_retried_forever() {
    let server = MockServer::start().await;
    let issued = Arc::new(AtomicUsize::new(0));
    Mock::given(method("POST"))
        .and(path("/token"))
        .respond_with(TokenEndpoint {
            issued: issued.clone(),
            expires_in: 3_600,
        })
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(401))
        .mount(&server)
        .await;
    let mut s = settings(&server.uri());
    s.auth = oauth2(&format!("{}/token", server.uri()));
    let ups = upstreams(s);
    let err = client(&ups, BUDGET).get("/x").send().await.unwrap_err();
    assert_eq!(
        err.kind,
        intentful::upstream::UpstreamErrorKind::Status(401)
    );
    assert_eq!(
        issued.load(Ordering::SeqCst),
        2,
        "invalidated once, retried once"
    );
    let gets = server.received_requests().await.unwrap();
    assert_eq!(
        gets.iter().filter(|r| r.method.as_str() == "GET").count(),
        2
    );
}

fn signed_jwt(algorithm: JwtAlgorithm) -> UpstreamAuth {
    UpstreamAuth::SignedJwt {
        algorithm,
        private_key: None,
        private_key_file: matches!(algorithm, JwtAlgorithm::RS256).then(|| {
            concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/data/google_test_key.pem"
            )
            .into()
        }),
        secret: matches!(algorithm, JwtAlgorithm::HS256).then(|| Secret::new("hs-secret")),
        key_id: Some("k1".into()),
        iss: "bot@intentful-demo.iam.gserviceaccount.com".into(),
        sub: Some("bot@intentful-demo.iam.gserviceaccount.com".into()),
        aud: "https://partner.example.com/".into(),
        scope: Some("partner.read".into()),
        lifetime_s: 600,
    }
}

async fn received_bearers(server: &MockServer) -> Vec<String> {
    server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter_map(|r| {
            r.headers
                .get("authorization")?
                .to_str()
                .ok()?
                .strip_prefix("Bearer ")
                .map(String::from)
        })
        .collect()
}

#[tokio::test]
async fn signed_jwts_verify_with_the_matching_key_and_carry_the_claims() {
    for (alg, key) in [
        (
            JwtAlgorithm::RS256,
            DecodingKey::from_rsa_pem(include_bytes!("../data/google_test_key.pub.pem")).unwrap(),
        ),
        (JwtAlgorithm::HS256, DecodingKey::from_secret(b"hs-secret")),
    ] {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(200))
            .mount(&server)
            .await;
        let mut s = settings(&server.uri());
        s.auth = signed_jwt(alg);
        let ups = upstreams(s);
        client(&ups, BUDGET).get("/a").send().await.expect("call");
        client(&ups, BUDGET).get("/b").send().await.expect("call");
        let tokens = received_bearers(&server).await;
        assert_eq!(tokens.len(), 2);
        assert_eq!(tokens[0], tokens[1], "cached until near expiry");

        let algorithm = match alg {
            JwtAlgorithm::RS256 => Algorithm::RS256,
            JwtAlgorithm::HS256 => Algorithm::HS256,
        };
        let mut v = Validation::new(algorithm);
        v.set_audience(&["https://partner.example.com/"]);
        v.set_issuer(&["bot@intentful-demo.iam.gserviceaccount.com"]);
        let data = jsonwebtoken::decode::<Value>(&tokens[0], &key, &v).expect("verifies");
        assert_eq!(data.header.kid.as_deref(), Some("k1"));
        let c = data.claims;
        assert_eq!(c["sub"], "bot@intentful-demo.iam.gserviceaccount.com");
        assert_eq!(c["scope"], "partner.read");
        assert_eq!(c["exp"].as_u64().unwrap() - c["iat"].as_u64().unwrap(), 600);
    }
    // The wrong key does not verify it.
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let mut s = settings(&server.uri());
    s.auth = signed_jwt(JwtAlgorithm::HS256);
    let ups = upstreams(s);
    client(&ups, BUDGET).get("/a").send().await.expect("call");
    let token = received_bearers(&server).await.remove(0);
    let mut v = Validation::new(Algorithm::HS256);
    v.set_audience(&["https://partner.example.com/"]);
    assert!(
        jsonwebtoken::decode::<Value>(&token, &DecodingKey::from_secret(b"other"), &v).is_err()
    );
}

#[tokio::test]
async fn static_kinds_send_their_credentials() {
    let server = MockServer::start().await;
    let cases: Vec<(UpstreamAuth, wiremock::MockBuilder)> = vec![
        (
            UpstreamAuth::Bearer {
                token: Secret::new("tok"),
            },
            Mock::given(path("/bearer")).and(header("authorization", "Bearer tok")),
        ),
        (
            UpstreamAuth::ApiKey {
                location: KeyLocation::Header,
                name: "X-Api-Key".into(),
                value: Secret::new("k1"),
            },
            Mock::given(path("/header")).and(header("x-api-key", "k1")),
        ),
        (
            UpstreamAuth::ApiKey {
                location: KeyLocation::Query,
                name: "appid".into(),
                value: Secret::new("k2"),
            },
            Mock::given(path("/query"))
                .and(query_param("appid", "k2"))
                .and(query_param("q", "x")),
        ),
        (
            // base64("user:pass")
            UpstreamAuth::Basic {
                username: "user".into(),
                password: Secret::new("pass"),
            },
            Mock::given(path("/basic")).and(header("authorization", "Basic dXNlcjpwYXNz")),
        ),
    ];
    for (auth, mock) in cases {
        let p = mock_path(&auth);
        mock.respond_with(ResponseTemplate::new(200))
            .expect(1)
            .mount(&server)
            .await;
        let mut s = settings(&server.uri());
        s.auth = auth;
        let ups = upstreams(s);
        client(&ups, BUDGET)
            .get(p)
            .query(&[("q", "x")])
            .send()
            .await
            .expect(p);
    }
    server.verify().await;
}

fn mock_path(auth: &UpstreamAuth) -> &'static str {
    match auth {
        UpstreamAuth::Bearer { .. } => "/bearer",
        UpstreamAuth::ApiKey {
            location: KeyLocation::Header,
            ..
        } => "/header",
        UpstreamAuth::ApiKey { .. } => "/query",
        _ => "/basic",
    }
}

#[test]
fn secrets_never_print_and_bad_auth_settings_name_their_key() {
    let printed = format!("{:?} {:?}", oauth2("/t"), signed_jwt(JwtAlgorithm::HS256));
    assert!(
        !printed.contains("s3cret") && !printed.contains("hs-secret"),
        "{printed}"
    );

    let check = |auth: UpstreamAuth| {
        let mut s = Settings::default();
        let mut up = settings("http://127.0.0.1:9");
        up.auth = auth;
        s.upstreams.insert("partner".into(), up);
        s.validate().unwrap_err().to_string()
    };
    let mut missing = signed_jwt(JwtAlgorithm::RS256);
    if let UpstreamAuth::SignedJwt {
        private_key_file, ..
    } = &mut missing
    {
        *private_key_file = Some("/nonexistent.pem".into());
    }
    let err = check(missing);
    assert!(
        err.contains("upstreams.partner.auth.private_key_file"),
        "{err}"
    );
    let err = check(oauth2("no-scheme"));
    assert!(err.contains("upstreams.partner.auth.token_url"), "{err}");
    let mut hs = signed_jwt(JwtAlgorithm::HS256);
    if let UpstreamAuth::SignedJwt { secret, .. } = &mut hs {
        *secret = None;
    }
    assert!(check(hs).contains("upstreams.partner.auth.secret"));
}

#[test]
fn bad_resilience_settings_name_their_key() {
    let check = |edit: &dyn Fn(&mut intentful::config::UpstreamSettings)| {
        let mut s = Settings::default();
        let mut up = settings("http://127.0.0.1:9");
        edit(&mut up);
        s.upstreams.insert("p".into(), up);
        s.validate().unwrap_err().to_string()
    };
    assert!(check(&|u| u.retry.max_attempts = 0).contains("upstreams.p.retry.max_attempts"));
    assert!(check(&|u| u.retry.base_ms = 5_000).contains("upstreams.p.retry.base_ms"));
    assert!(check(&|u| u.breaker.failure_rate = 1.5).contains("upstreams.p.breaker.failure_rate"));
    assert!(check(&|u| u.breaker.cooldown_ms = 0).contains("upstreams.p.breaker.cooldown_ms"));
    assert!(check(&|u| u.max_concurrency = 0).contains("upstreams.p.max_concurrency"));
    assert!(check(&|u| u.cache.max_bytes = 0).contains("upstreams.p.cache.max_bytes"));
}

#[tokio::test]
async fn credentials_never_follow_a_redirect_to_another_origin() {
    let elsewhere = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_string("stolen"))
        .expect(0)
        .mount(&elsewhere)
        .await;
    let server = MockServer::start().await;
    Mock::given(path("/moved"))
        .respond_with(
            ResponseTemplate::new(302)
                .insert_header("location", format!("{}/steal", elsewhere.uri())),
        )
        .mount(&server)
        .await;
    Mock::given(path("/here"))
        .respond_with(ResponseTemplate::new(302).insert_header("location", "/there"))
        .mount(&server)
        .await;
    Mock::given(path("/there"))
        .and(header("x-api-key", "k1"))
        .respond_with(ResponseTemplate::new(200).set_body_string("same origin"))
        .mount(&server)
        .await;
    let mut s = settings(&server.uri());
    s.auth = UpstreamAuth::ApiKey {
        location: KeyLocation::Header,
        name: "X-Api-Key".into(),
        value: Secret::new("k1"),
    };
    let ups = upstreams(s);
    let e = client(&ups, Duration::from_secs(2))
        .get("/moved")
        .send()
        .await
        .expect_err("a cross-origin redirect is not followed");
    assert!(
        matches!(e.kind, intentful::upstream::UpstreamErrorKind::Status(302)),
        "{e}"
    );
    // Within the same origin, redirects are followed with the credentials.
    let body = client(&ups, Duration::from_secs(2))
        .get("/here")
        .send_text()
        .await
        .expect("same-origin redirect followed");
    assert_eq!(body, "same origin");
    elsewhere.verify().await;
}

#[tokio::test]
async fn absurd_or_oversized_token_answers_neither_panic_nor_grow_memory() {
    // An `expires_in` near u64::MAX: the token is used (and capped), no overflow on its expiry.
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"access_token": "forever", "token_type": "Bearer", "expires_in": u64::MAX}),
        ))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/slots"))
        .and(header("authorization", "Bearer forever"))
        .respond_with(ResponseTemplate::new(200).set_body_string("ok"))
        .mount(&server)
        .await;
    let mut s = settings(&server.uri());
    s.auth = oauth2("/oauth/token");
    let ups = upstreams(s);
    let body = client(&ups, Duration::from_secs(2))
        .get("/slots")
        .send_text()
        .await
        .expect("the capped token works");
    assert_eq!(body, "ok");

    // A token answer of 1 MiB is refused as an auth failure, not read whole.
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(200).set_body_string("x".repeat(1024 * 1024)))
        .mount(&server)
        .await;
    let mut s = settings(&server.uri());
    s.auth = oauth2("/oauth/token");
    let ups = upstreams(s);
    let e = client(&ups, Duration::from_secs(2))
        .get("/slots")
        .send()
        .await
        .expect_err("an oversized token answer");
    match e.kind {
        intentful::upstream::UpstreamErrorKind::Auth(why) => {
            assert!(why.contains("too large"), "{why}")
        }
        other => panic!("expected an auth failure, got {other}"),
    }
}
