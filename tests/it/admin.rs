//! `/metrics` and `/intents` against the real server: not served on the main port by default,
//! served there behind `[admin.auth]` (and `limits.*`), or on a listener of their own
//! (`admin.port`) that serves nothing else; `/healthz` and `/readyz` open everywhere.

use base64::Engine;
use intentful::admin::AdminSettings;
use intentful::auth::{AuthMode, BasicCredential};
use intentful::config::Settings;
use intentful::intent::Registry;
use intentful::limits::LimitSettings;
use intentful::secret::Secret;
use serde_json::Value;

use crate::support::{client, es_request, spawn_on, spawn_with};

const SCRAPE_TOKEN: &str = "Bearer scrape-token-0123456789";

/// GET `url` with optional `Authorization`; the status, `WWW-Authenticate` and body text.
async fn get(url: String, authorization: Option<&str>) -> (u16, Option<String>, String) {
    let mut req = client().get(url);
    if let Some(a) = authorization {
        req = req.header("authorization", a);
    }
    let resp = req.send().await.expect("a response");
    let status = resp.status().as_u16();
    let challenge = resp
        .headers()
        .get("www-authenticate")
        .and_then(|v| v.to_str().ok())
        .map(String::from);
    (status, challenge, resp.text().await.expect("body"))
}

fn code(body: &str) -> String {
    serde_json::from_str::<Value>(body).map_or_else(
        |_| format!("not JSON: {body}"),
        |v| v["error"]["code"].as_str().unwrap_or_default().to_string(),
    )
}

fn bearer_admin() -> AdminSettings {
    AdminSettings {
        auth: Some(AuthMode::Header {
            name: "authorization".into(),
            values: vec![Secret::new(SCRAPE_TOKEN)],
        }),
        ..AdminSettings::default()
    }
}

#[actix_web::test]
async fn by_default_the_main_port_serves_neither_metrics_nor_intents() {
    let server = spawn_with(Settings::default(), Registry::builtin().expect("registry"));
    for path in ["/metrics", "/intents"] {
        let (status, _, body) = get(server.url(path), None).await;
        assert_eq!((status, code(&body)), (404, "not_found".into()), "{path}");
    }
    for path in ["/healthz", "/readyz"] {
        assert_eq!(get(server.url(path), None).await.0, 200, "{path}");
    }
}

#[actix_web::test]
async fn with_admin_auth_the_main_port_serves_them_behind_it() {
    let settings = Settings {
        admin: bearer_admin(),
        ..Settings::default()
    };
    let server = spawn_with(settings, Registry::builtin().expect("registry"));
    for path in ["/metrics", "/intents"] {
        let (status, challenge, body) = get(server.url(path), None).await;
        assert_eq!(
            (status, code(&body)),
            (401, "unauthorized".into()),
            "{path}"
        );
        assert_eq!(challenge.as_deref(), Some("Bearer realm=\"intentful\""));
        let wrong = get(server.url(path), Some("Bearer not-the-token-000000")).await;
        assert_eq!(wrong.0, 401, "{path}");
    }
    let (status, _, text) = get(server.url("/metrics"), Some(SCRAPE_TOKEN)).await;
    assert_eq!(status, 200);
    assert!(text.contains("# TYPE"), "{text}");
    let (status, _, text) = get(server.url("/intents"), Some(SCRAPE_TOKEN)).await;
    assert_eq!(status, 200);
    assert!(text.contains("input.welcome"), "{text}");

    // The allowlist holds for them on the main port; health stays open to anyone.
    let settings = Settings {
        admin: bearer_admin(),
        limits: LimitSettings {
            allow_cidrs: vec!["10.0.0.0/8".parse().expect("cidr")],
            ..LimitSettings::default()
        },
        ..Settings::default()
    };
    let server = spawn_with(settings, Registry::builtin().expect("registry"));
    let (status, _, body) = get(server.url("/metrics"), Some(SCRAPE_TOKEN)).await;
    assert_eq!((status, code(&body)), (403, "forbidden".into()));
    for path in ["/healthz", "/readyz"] {
        assert_eq!(get(server.url(path), None).await.0, 200, "{path}");
    }
}

#[actix_web::test]
async fn an_admin_port_serves_them_and_nothing_else() {
    let settings = Settings {
        admin: AdminSettings {
            port: Some(0),
            ..AdminSettings::default()
        },
        ..Settings::default()
    };
    let (server, state) = spawn_on(
        "127.0.0.1",
        settings,
        Registry::builtin().expect("registry"),
    );
    let admin = state.admin.addr().expect("the admin listener is bound");
    assert_ne!(admin, server.addr);
    let on_admin = |path: &str| format!("http://{admin}{path}");

    for path in ["/metrics", "/intents", "/healthz", "/readyz"] {
        assert_eq!(get(on_admin(path), None).await.0, 200, "admin {path}");
    }
    // The main port keeps the webhook and health, not the operational endpoints.
    for path in ["/metrics", "/intents"] {
        let (status, _, body) = get(server.url(path), None).await;
        assert_eq!(
            (status, code(&body)),
            (404, "not_found".into()),
            "main {path}"
        );
    }
    assert_eq!(get(server.url("/healthz"), None).await.0, 200);
    let webhook = |url: String| async move {
        client()
            .post(url)
            .json(&es_request("input.welcome"))
            .send()
            .await
            .expect("a response")
            .status()
            .as_u16()
    };
    assert_eq!(webhook(server.url("/webhook")).await, 200);
    assert_eq!(
        webhook(on_admin("/webhook")).await,
        404,
        "no webhook on the admin port"
    );
    let (status, _, body) = get(on_admin("/nope"), None).await;
    assert_eq!((status, code(&body)), (404, "not_found".into()));
}

#[actix_web::test]
async fn an_admin_port_with_admin_auth_asks_for_it() {
    let settings = Settings {
        admin: AdminSettings {
            port: Some(0),
            auth: Some(AuthMode::Basic {
                credentials: vec![BasicCredential {
                    username: "prometheus".into(),
                    password: Secret::new("scrape-password"),
                }],
            }),
            ..AdminSettings::default()
        },
        ..Settings::default()
    };
    let (_server, state) = spawn_on(
        "127.0.0.1",
        settings,
        Registry::builtin().expect("registry"),
    );
    let admin = state.admin.addr().expect("bound");
    let url = format!("http://{admin}/metrics");
    let (status, challenge, _) = get(url.clone(), None).await;
    assert_eq!(status, 401);
    assert_eq!(
        challenge.as_deref(),
        Some("Basic realm=\"intentful\", charset=\"UTF-8\"")
    );
    let basic = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode("prometheus:scrape-password")
    );
    assert_eq!(get(url, Some(&basic)).await.0, 200);
    assert_eq!(get(format!("http://{admin}/healthz"), None).await.0, 200);
}

#[test]
#[allow(clippy::result_large_err)] // figment's Jail API returns its own large error type
fn admin_settings_load_from_file_and_environment() {
    figment::Jail::expect_with(|jail| {
        jail.create_file(
            "intentful.toml",
            "[admin]\nport = 9090\n[admin.auth]\nmode = \"header\"\nname = \"authorization\"\n",
        )?;
        jail.set_env(
            "INTENTFUL_ADMIN__AUTH__VALUES",
            format!("[\"{SCRAPE_TOKEN}\"]"),
        );
        let s = Settings::load(None).expect("settings");
        assert_eq!(s.admin.port, Some(9090));
        assert!(matches!(s.admin.auth, Some(AuthMode::Header { .. })));

        jail.set_env("INTENTFUL_ADMIN__PORT", "8080");
        let err = Settings::load(None).expect_err("the same port twice");
        assert!(err.to_string().contains("admin.port"), "{err}");
        Ok(())
    });
}
