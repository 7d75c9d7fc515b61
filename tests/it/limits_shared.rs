//! `limits.shared = "postgres"`: two servers (two instances) on one database count one
//! client's calls together, and answer 429 with `Retry-After` as JSON once the shared window
//! is full.

use intentful::auth::AuthMode;
use intentful::config::Settings;
use intentful::intent::Registry;
use intentful::limits::{LimitSettings, LimitSharing};

use crate::support::{client, es_request, spawn_with, TestServer};
use intentful::pg::testing::fresh_schema_url;

fn instance(url: &str) -> TestServer {
    let mut settings = Settings {
        limits: LimitSettings {
            per_ip_per_sec: 3,
            shared: LimitSharing::Postgres,
            shared_timeout_ms: 1_000,
            ..LimitSettings::default()
        },
        ..Settings::default()
    };
    settings.events.store = Some(intentful::secret::Secret::new(url));
    settings.validate().expect("valid settings");
    settings.auth.default = AuthMode::None { acknowledged: true };
    spawn_with(settings, Registry::builtin().expect("registry"))
}

#[actix_web::test]
async fn two_instances_count_one_clients_calls_together() {
    let Some(url) = fresh_schema_url("limits_shared").await else {
        return;
    };
    let (a, b) = (instance(&url), instance(&url));
    let mut ok = 0;
    let mut refused = 0;
    for i in 0..12 {
        let server = if i % 2 == 0 { &a } else { &b };
        let resp = client()
            .post(server.url("/webhook"))
            .json(&es_request("input.welcome"))
            .send()
            .await
            .expect("a response");
        match resp.status().as_u16() {
            200 => ok += 1,
            429 => {
                refused += 1;
                assert_eq!(resp.headers()["retry-after"], "1");
                let body: serde_json::Value = resp.json().await.expect("JSON");
                assert_eq!(body["error"]["code"], "too_many_requests", "{body}");
            }
            other => panic!("HTTP {other}"),
        }
    }
    // 12 calls in well under two seconds: at most two windows of 3, whichever instance.
    assert!(ok <= 6 && refused >= 6, "{ok} passed, {refused} refused");
}
