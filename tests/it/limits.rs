//! The client gate in front of the webhook routes: the CIDR allowlist answers 403, the trusted
//! proxy hop is the only forwarded address believed, and the per-address and per-credential
//! rate limits answer 429 with `Retry-After`, all as JSON and before any handler runs.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use intentful::auth::AuthMode;
use intentful::config::Settings;
use intentful::intent::prelude::*;
use intentful::intent::Registry;
use intentful::limits::LimitSettings;
use intentful::secret::Secret;

use crate::support::{client, es_request, spawn_with, TestServer};

fn serve(limits: LimitSettings, auth: AuthMode) -> (TestServer, Arc<AtomicUsize>) {
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = calls.clone();
    let mut registry = Registry::default();
    registry.add("count", move |_ctx: Ctx, _turn: Turn| {
        let counter = counter.clone();
        async move {
            counter.fetch_add(1, Ordering::SeqCst);
            Ok(Reply::text("counted"))
        }
    });
    let mut settings = Settings {
        limits,
        ..Settings::default()
    };
    settings.auth.default = auth;
    let registry = registry.finish().expect("registry");
    (spawn_with(settings, registry), calls)
}

fn open() -> AuthMode {
    AuthMode::None { acknowledged: true }
}

struct Answer {
    status: u16,
    retry_after: Option<u64>,
    body: serde_json::Value,
}

async fn call(server: &TestServer, headers: &[(&str, &str)]) -> Answer {
    let mut req = client()
        .post(server.url("/webhook"))
        .json(&es_request("count"));
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let resp = req.send().await.expect("a response");
    let status = resp.status().as_u16();
    let retry_after = resp
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok());
    let body = resp.json().await.expect("a JSON body");
    Answer {
        status,
        retry_after,
        body,
    }
}

#[actix_web::test]
async fn an_address_outside_the_allowlist_gets_403_json_and_no_handler_runs() {
    let (server, calls) = serve(
        LimitSettings {
            allow_cidrs: vec!["10.0.0.0/8".parse().expect("cidr")],
            ..LimitSettings::default()
        },
        open(),
    );
    let a = call(&server, &[]).await;
    assert_eq!(a.status, 403, "{}", a.body);
    assert_eq!(a.body["error"]["code"], "forbidden");
    // Without trust in the proxy hop, a forged header changes nothing.
    let a = call(&server, &[("x-forwarded-for", "10.1.2.3")]).await;
    assert_eq!(a.status, 403, "{}", a.body);
    assert_eq!(calls.load(Ordering::SeqCst), 0);

    let (server, calls) = serve(
        LimitSettings {
            allow_cidrs: vec!["127.0.0.0/8".parse().expect("cidr")],
            ..LimitSettings::default()
        },
        open(),
    );
    assert_eq!(call(&server, &[]).await.status, 200);
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[actix_web::test]
async fn only_the_last_forwarded_hop_is_believed_when_the_proxy_is_trusted() {
    let (server, calls) = serve(
        LimitSettings {
            allow_cidrs: vec!["203.0.113.0/24".parse().expect("cidr")],
            trust_proxy_hop: true,
            ..LimitSettings::default()
        },
        open(),
    );
    // The proxy appended the real client last.
    let a = call(&server, &[("x-forwarded-for", "198.51.100.7, 203.0.113.9")]).await;
    assert_eq!(a.status, 200, "{}", a.body);
    // A client that writes an allowed address first is still judged by the appended one.
    let a = call(&server, &[("x-forwarded-for", "203.0.113.9, 198.51.100.7")]).await;
    assert_eq!(a.status, 403, "{}", a.body);
    // Two header lines: the client's own line first, the proxy's appended line last.
    let a = call(
        &server,
        &[
            ("x-forwarded-for", "203.0.113.9"),
            ("x-forwarded-for", "198.51.100.7"),
        ],
    )
    .await;
    assert_eq!(a.status, 403, "{}", a.body);
    // No header: the TCP peer (loopback) is judged.
    let a = call(&server, &[]).await;
    assert_eq!(a.status, 403, "{}", a.body);
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[actix_web::test]
async fn the_per_address_limit_answers_429_with_retry_after() {
    let (server, calls) = serve(
        LimitSettings {
            per_ip_per_sec: 2,
            ..LimitSettings::default()
        },
        open(),
    );
    let mut statuses = Vec::new();
    let mut limited = None;
    for _ in 0..6 {
        let a = call(&server, &[]).await;
        statuses.push(a.status);
        if a.status == 429 {
            limited.get_or_insert(a);
        }
    }
    assert_eq!(&statuses[..2], &[200, 200], "{statuses:?}");
    let limited = limited.expect("a 429 within six quick calls at 2/s");
    assert_eq!(limited.body["error"]["code"], "too_many_requests");
    assert!(limited.retry_after.is_some_and(|s| s >= 1));
    let served = statuses.iter().filter(|s| **s == 200).count();
    assert_eq!(
        calls.load(Ordering::SeqCst),
        served,
        "a 429 never runs a handler"
    );
}

#[actix_web::test]
async fn the_per_credential_limit_keeps_each_credential_to_its_own_quota() {
    let (server, _calls) = serve(
        LimitSettings {
            per_credential_per_sec: 1,
            ..LimitSettings::default()
        },
        AuthMode::Header {
            name: "x-webhook-token".into(),
            values: vec![
                Secret::new("token-aaaaaaaaaaaaaaaa"),
                Secret::new("token-bbbbbbbbbbbbbbbb"),
            ],
        },
    );
    let a = [("x-webhook-token", "token-aaaaaaaaaaaaaaaa")];
    let b = [("x-webhook-token", "token-bbbbbbbbbbbbbbbb")];
    assert_eq!(call(&server, &a).await.status, 200);
    let second = call(&server, &a).await;
    assert_eq!(second.status, 429, "{}", second.body);
    assert!(second.retry_after.is_some());
    // The other credential (another agent, same address) still has its own quota.
    assert_eq!(call(&server, &b).await.status, 200);
}

#[test]
#[allow(clippy::result_large_err)] // figment's Jail API returns its own large error type
fn limits_are_read_from_configuration() {
    figment::Jail::expect_with(|jail| {
        jail.create_file(
            "intentful.toml",
            r#"
            [limits]
            allow_cidrs = ["10.0.0.0/8", "2001:db8::/32"]
            trust_proxy_hop = true
            per_ip_per_sec = 20
            burst = 5
            "#,
        )?;
        jail.set_env("INTENTFUL_LIMITS__PER_CREDENTIAL_PER_SEC", "7");
        let s = Settings::load(None).expect("settings");
        assert_eq!(s.limits.allow_cidrs.len(), 2);
        assert!(s.limits.trust_proxy_hop);
        assert_eq!(s.limits.per_ip_per_sec, 20);
        assert_eq!(s.limits.per_credential_per_sec, 7);
        assert_eq!(s.limits.burst, 5);

        jail.create_file(
            "intentful.toml",
            "[limits]\nallow_cidrs = [\"10.0.0.300/8\"]\n",
        )?;
        let err = Settings::load(None).expect_err("a bad CIDR stops start-up");
        assert!(err.to_string().contains("allow_cidrs"), "{err}");
        Ok(())
    });
}
