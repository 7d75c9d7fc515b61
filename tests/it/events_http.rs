//! `POST /events/<source>` and `GET /events/<source>` against the real server: every refusal is
//! JSON with the right status, Okta's challenge and batches, Slack's and GitHub's handshakes,
//! 50 concurrent duplicates run the handler once, and a store that cannot commit answers 503
//! with `Retry-After` and turns `/readyz` unready.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use intentful::config::Settings;
use intentful::ingest::store::{EventStatus, ListFilter};
use intentful::ingest::{EventError, EventRegistry};
use serde_json::{json, Value};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{
    client, event_settings, post_event, signed, spawn_default, spawn_events, wait_for, OKTA_SECRET,
};

async fn error_of(resp: reqwest::Response) -> (u16, Value) {
    let status = resp.status().as_u16();
    let body: Value = resp.json().await.expect("a JSON error body");
    (status, body)
}

fn assert_error(status: u16, body: &Value, want_status: u16, code: &str) {
    assert_eq!(status, want_status, "{body}");
    assert_eq!(body["error"]["code"], code, "{body}");
    assert!(body["error"]["message"]
        .as_str()
        .is_some_and(|m| !m.is_empty()));
}

#[actix_web::test]
async fn refusals_are_json_with_their_status() {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = event_settings(dir.path(), "http://127.0.0.1:9");
    settings
        .sources
        .get_mut("helpdesk")
        .unwrap()
        .body_limit_bytes = Some(1024);
    let (server, _) = spawn_events(settings.clone(), EventRegistry::builtin().unwrap());
    let http = client();
    let ticket =
        json!({"type": "ticket.created", "data": {"id": "T-1", "subject": "s", "priority": "low"}});

    let (s, b) =
        error_of(post_event(&http, &server, &settings, "helpdesk", &ticket, "m1").await).await;
    assert_eq!(s, 200, "{b}");

    // Unknown source.
    let resp = http
        .post(server.url("/events/nope"))
        .body("{}")
        .send()
        .await
        .unwrap();
    let (s, b) = error_of(resp).await;
    assert_error(s, &b, 404, "not_found");

    // Bad signature: signed with another secret.
    let bytes = serde_json::to_vec(&ticket).unwrap();
    let mut other = settings.clone();
    if let intentful::ingest::settings::VerifySettings::StandardWebhooks { secrets, .. } =
        &mut other.sources.get_mut("helpdesk").unwrap().verify
    {
        secrets[0] = intentful::secret::Secret::new("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD");
    }
    let mut req = http
        .post(server.url("/events/helpdesk"))
        .body(bytes.clone());
    for (k, v) in signed(&other, "helpdesk", &bytes, "m2") {
        req = req.header(k, v);
    }
    let (s, b) = error_of(req.send().await.unwrap()).await;
    assert_error(s, &b, 401, "unauthorized");
    assert!(
        b["error"]["message"]
            .as_str()
            .unwrap()
            .contains("bad_signature"),
        "{b}"
    );

    // Unsigned.
    let resp = http
        .post(server.url("/events/helpdesk"))
        .body(bytes.clone())
        .send()
        .await
        .unwrap();
    let (s, b) = error_of(resp).await;
    assert_error(s, &b, 401, "unauthorized");

    // Too large: refused from Content-Length, before verification.
    let big = vec![b'x'; 4096];
    let resp = http
        .post(server.url("/events/helpdesk"))
        .body(big)
        .send()
        .await
        .unwrap();
    let (s, b) = error_of(resp).await;
    assert_error(s, &b, 413, "payload_too_large");

    // Malformed: signed, but not JSON; and JSON without the type the source reads.
    for (body, what) in [
        (b"{not json".to_vec(), "not valid JSON"),
        (br#"{"data":{}}"#.to_vec(), "no event type"),
    ] {
        let mut req = http.post(server.url("/events/helpdesk")).body(body.clone());
        for (k, v) in signed(&settings, "helpdesk", &body, "m3") {
            req = req.header(k, v);
        }
        let (s, b) = error_of(req.send().await.unwrap()).await;
        assert_error(s, &b, 400, "malformed_event");
        assert!(
            b["error"]["message"].as_str().unwrap().contains(what),
            "{b}"
        );
    }

    // Wrong method.
    let resp = http
        .put(server.url("/events/helpdesk"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["allow"], "POST");
    let (s, b) = error_of(resp).await;
    assert_error(s, &b, 405, "method_not_allowed");
    let resp = http
        .get(server.url("/events/helpdesk"))
        .send()
        .await
        .unwrap();
    let (s, b) = error_of(resp).await;
    assert_error(s, &b, 405, "method_not_allowed");
}

#[actix_web::test]
async fn without_sources_there_are_no_event_endpoints() {
    let server = spawn_default();
    let resp = client()
        .post(server.url("/events/helpdesk"))
        .body("{}")
        .send()
        .await
        .unwrap();
    let (s, b) = error_of(resp).await;
    assert_error(s, &b, 404, "not_found");
    let ready: Value = client()
        .get(server.url("/readyz"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(ready.get("event_store").is_none(), "{ready}");
}

#[actix_web::test]
async fn a_store_that_cannot_commit_answers_503_with_retry_after_and_readyz_fails() {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = event_settings(dir.path(), "http://127.0.0.1:9");
    settings.events.busy_timeout_ms = 100;
    settings.events.retry_after_secs = 7;
    let (server, state) = spawn_events(settings.clone(), EventRegistry::builtin().unwrap());
    let http = client();
    let ticket =
        json!({"type": "ticket.created", "data": {"id": "T-2", "subject": "s", "priority": "low"}});
    // Another process holds the store's write lock (a stuck tool, a backup): nothing commits.
    let db = dir.path().join(intentful::ingest::store::FILE_NAME);
    let other = rusqlite::Connection::open(&db).unwrap();
    other.execute_batch("BEGIN IMMEDIATE").unwrap();
    let resp = post_event(&http, &server, &settings, "helpdesk", &ticket, "locked-1").await;
    assert_eq!(resp.headers()["retry-after"], "7");
    let (s, b) = error_of(resp).await;
    assert_error(s, &b, 503, "unavailable");
    let ready = http.get(server.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 503);
    let ready: Value = ready.json().await.unwrap();
    assert_eq!(ready["status"], "event_store_unwritable", "{ready}");

    other.execute_batch("COMMIT").unwrap();
    let resp = post_event(&http, &server, &settings, "helpdesk", &ticket, "locked-1").await;
    assert_eq!(resp.status(), 200, "the sender's retry is stored");
    assert_eq!(
        http.get(server.url("/readyz"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let all = state
        .events
        .as_ref()
        .unwrap()
        .store
        .list(ListFilter {
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(all.len(), 1, "the refused delivery left nothing behind");
}

fn okta_event(uuid: &str, event_type: &str, login: &str) -> Value {
    json!({
        "uuid": uuid,
        "published": "2026-03-28T22:23:07.777Z",
        "eventType": event_type,
        "severity": "WARN",
        "actor": {"id": "00u1", "type": "User", "alternateId": login, "displayName": "Ada Lovelace"},
        "client": {"ipAddress": "12.97.85.90"},
        "target": []
    })
}

#[actix_web::test]
async fn okta_challenge_and_batches() {
    let chat = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/chat"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .mount(&chat)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let mut settings = event_settings(dir.path(), &chat.uri());
    // Served on the main port without a credential, for this test's scrape.
    settings.admin.auth = Some(intentful::auth::AuthMode::None { acknowledged: true });
    let (server, state) = spawn_events(settings.clone(), EventRegistry::builtin().unwrap());
    let http = client();

    // The one-time verification GET: echoed exactly, only with Okta's secret.
    let resp = http
        .get(server.url("/events/okta"))
        .header("authorization", OKTA_SECRET)
        .header("x-okta-verification-challenge", "abc")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "application/json");
    assert_eq!(resp.text().await.unwrap(), r#"{"verification":"abc"}"#);
    let resp = http
        .get(server.url("/events/okta"))
        .header("x-okta-verification-challenge", "abc")
        .send()
        .await
        .unwrap();
    let (s, b) = error_of(resp).await;
    assert_error(s, &b, 401, "unauthorized");
    let resp = http
        .get(server.url("/events/okta"))
        .header("authorization", OKTA_SECRET)
        .send()
        .await
        .unwrap();
    let (s, b) = error_of(resp).await;
    assert_error(s, &b, 400, "malformed_event");
    let resp = http
        .get(server.url("/events/unknown"))
        .header("x-okta-verification-challenge", "abc")
        .send()
        .await
        .unwrap();
    let (s, b) = error_of(resp).await;
    assert_error(s, &b, 404, "not_found");

    // One POST, three events: each its own unit, deduplicated by its own uuid.
    let batch = json!({
        "eventType": "com.okta.event_hook",
        "eventId": "b5a188b9-5ece-4636-b041-482ffda96311",
        "data": {"events": [
            okta_event("u-1", "user.account.lock", "ada@example.com"),
            okta_event("u-2", "user.session.start", "bob@example.com"),
            okta_event("u-3", "user.account.lock", "cy@example.com"),
        ]}
    });
    let resp = post_event(&http, &server, &settings, "okta", &batch, "").await;
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body, json!({"stored": 3, "duplicates": 0}));
    let store = state.events.as_ref().unwrap().store.clone();
    let done = wait_for(Duration::from_secs(10), || {
        let store = store.clone();
        async move {
            store
                .list(ListFilter {
                    status: Some(EventStatus::Done),
                    limit: 10,
                    ..Default::default()
                })
                .await
                .unwrap()
                .len()
                == 2
        }
    })
    .await;
    assert!(done, "both lock events handled");
    let ignored = store
        .list(ListFilter {
            status: Some(EventStatus::Ignored),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(ignored.len(), 1);
    assert_eq!(ignored[0].event.event_id, "u-2");
    let stored: Value = serde_json::from_slice(
        &store
            .get(ignored[0].event.seq)
            .await
            .unwrap()
            .unwrap()
            .event
            .body,
    )
    .unwrap();
    assert_eq!(stored["uuid"], "u-2", "each unit stores its own event");
    let texts: Vec<String> = chat
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| {
            serde_json::from_slice::<Value>(&r.body).unwrap()["text"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(texts.len(), 2);
    assert!(
        texts.iter().any(|t| t.contains("ada@example.com")),
        "{texts:?}"
    );
    assert!(
        texts.iter().any(|t| t.contains("cy@example.com")),
        "{texts:?}"
    );

    // Okta retries the delivery: all three are duplicates, nothing runs again.
    let resp = post_event(&http, &server, &settings, "okta", &batch, "").await;
    assert_eq!(
        resp.json::<Value>().await.unwrap(),
        json!({"stored": 0, "duplicates": 3})
    );
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(chat.received_requests().await.unwrap().len(), 2);

    // The metrics the issue names (the recorder is shared by this test binary: at least).
    let text = http
        .get(server.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let value = |name: &str, labels: &[(&str, &str)]| -> f64 {
        text.lines()
            .filter(|l| l.starts_with(&format!("{name}{{")) || l.starts_with(&format!("{name} ")))
            .filter(|l| {
                labels
                    .iter()
                    .all(|(k, v)| l.contains(&format!("{k}=\"{v}\"")))
            })
            .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
            .sum()
    };
    let received = |result: &str| {
        value(
            "intentful_events_received_total",
            &[("source", "okta"), ("result", result)],
        )
    };
    assert!(received("stored") >= 3.0, "{text}");
    assert!(received("duplicate") >= 3.0, "{text}");
    assert!(received("handshake") >= 1.0, "{text}");
    assert!(received("unauthorized") >= 1.0, "{text}");
    let attempts = value(
        "intentful_event_attempts_total",
        &[("handler", "okta_user_locked"), ("result", "ok")],
    );
    assert!(attempts >= 2.0, "{text}");
    for gauge in [
        "intentful_events_queue_depth",
        "intentful_events_dead_letters",
        "intentful_events_oldest_pending_age_seconds",
    ] {
        assert!(
            text.lines().any(|l| l.starts_with(gauge)),
            "{gauge} missing:\n{text}"
        );
    }
}

#[actix_web::test]
async fn slack_url_verification_and_github_ping_are_answered_not_stored() {
    use figment::providers::{Format, Serialized, Toml};
    let dir = tempfile::tempdir().unwrap();
    let toml = format!(
        r#"
        [events]
        dir = "{}"
        [sources.slack]
        verify = {{ kind = "slack", secrets = ["8f742231b10e8888abcd99yyyzzz85a5"] }}
        [sources.github]
        verify = {{ kind = "github", secrets = ["It's a Secret to Everybody"] }}
        "#,
        dir.path().display()
    );
    let settings = Settings::from_figment(
        figment::Figment::from(Serialized::defaults(Settings::default()))
            .merge(Toml::string(&toml)),
    )
    .unwrap();
    let (server, state) = spawn_events(settings.clone(), EventRegistry::default());
    let http = client();
    let challenge = json!({"token": "t", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P", "type": "url_verification"});
    let resp = post_event(&http, &server, &settings, "slack", &challenge, "").await;
    assert_eq!(resp.status(), 200);
    assert_eq!(
        resp.json::<Value>().await.unwrap(),
        json!({"challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"})
    );
    let ping = br#"{"zen":"Design for failure.","hook_id":1}"#;
    let mut req = http.post(server.url("/events/github")).body(ping.to_vec());
    for (k, v) in signed(&settings, "github", ping, "d-1") {
        if k != "x-github-event" {
            req = req.header(k, v);
        }
    }
    let resp = req.header("x-github-event", "ping").send().await.unwrap();
    assert_eq!(resp.status(), 200);
    // A Slack event with a retry header is stored once, by its event_id.
    let ev = json!({"type": "event_callback", "event_id": "Ev1", "event": {"type": "app_mention", "text": "hi"}});
    for retry in ["", "1"] {
        let bytes = serde_json::to_vec(&ev).unwrap();
        let mut req = http.post(server.url("/events/slack")).body(bytes.clone());
        for (k, v) in signed(&settings, "slack", &bytes, "") {
            req = req.header(k, v);
        }
        if !retry.is_empty() {
            req = req
                .header("x-slack-retry-num", retry)
                .header("x-slack-retry-reason", "http_timeout");
        }
        assert_eq!(req.send().await.unwrap().status(), 200);
    }
    let all = state
        .events
        .as_ref()
        .unwrap()
        .store
        .list(ListFilter {
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        all.len(),
        1,
        "handshakes are not stored; the retry was a duplicate"
    );
    assert_eq!(all[0].event.event_type, "app_mention");
}

#[actix_web::test]
async fn fifty_concurrent_duplicates_run_the_handler_once() {
    let upstream = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/chat"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&upstream)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let settings = event_settings(dir.path(), &upstream.uri());
    let runs = Arc::new(AtomicUsize::new(0));
    let mut handlers = EventRegistry::default();
    let counted = runs.clone();
    handlers
        .on_named(
            "notify",
            "tests/it/events_http.rs",
            "helpdesk",
            "*",
            move |ctx, ev| {
                let counted = counted.clone();
                async move {
                    counted.fetch_add(1, Ordering::SeqCst);
                    ctx.upstream("chat")
                        .post("")
                        .json(&json!({"text": ev.id()}))
                        .send()
                        .await
                        .map_err(EventError::from)?;
                    Ok(())
                }
            },
        )
        .needs_upstream("chat");
    let (server, state) = spawn_events(settings.clone(), handlers.finish().unwrap());
    let http = client();
    let ticket = json!({"type": "ticket.created", "data": {"id": "T-9"}});
    let posts =
        (0..50).map(|_| post_event(&http, &server, &settings, "helpdesk", &ticket, "msg_same"));
    let answers = futures::future::join_all(posts).await;
    let mut stored = 0;
    for a in answers {
        assert_eq!(a.status(), 200);
        stored += a.json::<Value>().await.unwrap()["stored"].as_u64().unwrap();
    }
    assert_eq!(stored, 1, "one delivery stored, 49 duplicates");
    let store = state.events.as_ref().unwrap().store.clone();
    assert!(
        wait_for(Duration::from_secs(10), || {
            let store = store.clone();
            async move {
                store
                    .list(ListFilter {
                        status: Some(EventStatus::Done),
                        limit: 10,
                        ..Default::default()
                    })
                    .await
                    .unwrap()
                    .len()
                    == 1
            }
        })
        .await
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(runs.load(Ordering::SeqCst), 1);
    assert_eq!(upstream.received_requests().await.unwrap().len(), 1);
}

#[actix_web::test]
async fn a_when_filter_routes_only_the_events_it_selects() {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = event_settings(dir.path(), "http://127.0.0.1:9");
    settings
        .sources
        .get_mut("helpdesk")
        .unwrap()
        .handlers
        .insert(
            "urgent".into(),
            intentful::ingest::settings::HandlerSettings {
                when: Some("$[?@.priority == 'high']".into()),
                ..Default::default()
            },
        );
    let mut handlers = EventRegistry::default();
    handlers.on_named(
        "urgent",
        "tests/it/events_http.rs",
        "helpdesk",
        "ticket.*",
        |_, _| async { Ok(()) },
    );
    handlers.on_named("audit", "tests/it/events_http.rs", "*", "*", |_, _| async {
        Ok(())
    });
    let (server, state) = spawn_events(settings.clone(), handlers.finish().unwrap());
    let http = client();
    for (id, priority) in [("hi", "high"), ("lo", "low")] {
        let ev = json!({"type": "ticket.created", "data": {"id": id, "priority": priority}});
        assert_eq!(
            post_event(&http, &server, &settings, "helpdesk", &ev, id)
                .await
                .status(),
            200
        );
    }
    let store = state.events.as_ref().unwrap().store.clone();
    let all = store
        .list(ListFilter {
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    let jobs = |id: &str| -> Vec<String> {
        let r = all.iter().find(|r| r.event.event_id == id).unwrap();
        r.jobs.iter().map(|j| j.handler.clone()).collect()
    };
    assert_eq!(jobs("hi"), ["audit", "urgent"]);
    assert_eq!(
        jobs("lo"),
        ["audit"],
        "the filter kept the low-priority ticket from `urgent`"
    );
}
