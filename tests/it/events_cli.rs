//! `intentful events list|show|replay|send` against a running server and its store.

use std::path::{Path, PathBuf};
use std::process::Output;

use std::time::Duration;
use tokio::process::Command;

use intentful::ingest::store::{EventStatus, ListFilter};
use intentful::ingest::EventRegistry;
use serde_json::{json, Value};
use wiremock::matchers::{method, path_regex};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{event_settings, spawn_events, wait_for, HELPDESK_SECRET, OKTA_SECRET};
use intentful::pg::testing::fresh_schema_url;

/// Runs the command without blocking the test's runtime, which serves the in-process server.
async fn intentful(config: &Path, args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_intentful"));
    cmd.current_dir(std::env::temp_dir()).env_remove("PORT");
    for (key, _) in std::env::vars().filter(|(k, _)| k.starts_with("INTENTFUL_")) {
        cmd.env_remove(key);
    }
    cmd.arg("--config").arg(config).args(args);
    tokio::time::timeout(Duration::from_secs(60), cmd.output())
        .await
        .expect("intentful finished within a minute")
        .expect("run intentful")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn fixture(p: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/events")
        .join(p)
        .display()
        .to_string()
}

#[actix_web::test]
async fn list_show_replay_and_send() {
    list_show_replay_and_send_on(None).await;
}

/// The same commands beside a server whose store is PostgreSQL.
#[actix_web::test]
async fn list_show_replay_and_send_on_postgres() {
    if let Some(url) = fresh_schema_url("events_cli_on_postgres").await {
        list_show_replay_and_send_on(Some(url)).await;
    }
}

async fn list_show_replay_and_send_on(store_url: Option<String>) {
    let upstream = MockServer::start().await;
    // Dialogflow is down at first: the ticket goes to the dead letters.
    Mock::given(method("POST"))
        .and(path_regex("^/dialogflow/.*"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(2)
        .mount(&upstream)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let mut settings = event_settings(dir.path(), &upstream.uri());
    // Over the handler's own `.retries(8)`: the source's schedule wins.
    settings
        .sources
        .get_mut("helpdesk")
        .unwrap()
        .retry
        .max_attempts = Some(2);
    settings.events.poll_interval_ms = 50;
    settings.events.store = store_url.as_deref().map(intentful::secret::Secret::new);
    let store_line = store_url
        .map(|u| format!("store = \"{u}\""))
        .unwrap_or_default();
    let (server, state) = spawn_events(settings, EventRegistry::builtin().unwrap());
    let store = state.events.as_ref().unwrap().store.clone();
    let config = dir.path().join("intentful.toml");
    std::fs::write(
        &config,
        format!(
            r#"
            [server]
            port = {port}
            [events]
            dir = "{dir}"
            {store_line}
            [sources.helpdesk]
            verify = {{ kind = "standard_webhooks", secrets = ["{HELPDESK_SECRET}"] }}
            [sources.okta]
            verify = {{ kind = "okta", secrets = ["{OKTA_SECRET}"] }}
            [upstreams.dialogflow]
            base_url = "{up}/dialogflow"
            [upstreams.chat]
            base_url = "{up}/chat"
            "#,
            port = server.addr.port(),
            dir = dir.path().display(),
            up = upstream.uri()
        ),
    )
    .unwrap();

    // send: signed as Standard Webhooks would, accepted by the running server.
    let out = intentful(
        &config,
        &[
            "events",
            "send",
            &fixture("ticket_created/high_priority_starts_a_conversation.event.json"),
            "--source",
            "helpdesk",
        ],
    )
    .await;
    assert!(
        out.status.success(),
        "{}{}",
        stdout(&out),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout(&out).contains("\"stored\":1"), "{}", stdout(&out));
    let dead = wait_for(Duration::from_secs(10), || {
        let store = store.clone();
        async move {
            !store
                .list(ListFilter {
                    status: Some(EventStatus::Dead),
                    limit: 10,
                    ..Default::default()
                })
                .await
                .unwrap()
                .is_empty()
        }
    })
    .await;
    assert!(dead, "the ticket should be dead after two failed attempts");

    // list: a table, or JSON lines.
    let out = intentful(&config, &["events", "list", "--status", "dead"]).await;
    assert!(out.status.success());
    assert!(
        stdout(&out).contains("ticket_created=dead/2"),
        "{}",
        stdout(&out)
    );
    let out = intentful(&config, &["events", "list", "--json"]).await;
    let line: Value = serde_json::from_str(stdout(&out).lines().next().unwrap()).unwrap();
    assert_eq!(line["status"], "dead");
    assert_eq!(line["event_type"], "ticket.created");
    assert_eq!(
        line["jobs"][0]["last_error"],
        "upstream `dialogflow`: answered HTTP 503"
    );
    let seq = line["seq"].as_i64().unwrap();

    // show: the event with its body and headers (no signature among them).
    let out = intentful(&config, &["events", "show", &seq.to_string()]).await;
    let shown: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(shown["body"]["data"]["id"], "T-1042");
    let headers = shown["headers"].to_string();
    assert!(
        headers.contains("webhook-id") && !headers.contains("webhook-signature"),
        "{headers}"
    );
    let out = intentful(&config, &["events", "show", "999999"]).await;
    assert!(!out.status.success());

    // replay --dead: Dialogflow is back, the running server finishes the ticket.
    Mock::given(method("POST"))
        .and(path_regex("^/dialogflow/.*"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"queryResult": {"responseMessages": [{"text": {"text": ["On it."]}}]}}),
        ))
        .mount(&upstream)
        .await;
    Mock::given(method("POST"))
        .and(path_regex("^/chat$"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&upstream)
        .await;
    let out = intentful(&config, &["events", "replay", "--dead"]).await;
    assert!(
        stdout(&out).contains("1 dead job(s) queued again"),
        "{}",
        stdout(&out)
    );
    let done = |want: usize| {
        let store = store.clone();
        let upstream = &upstream;
        async move {
            let finished = store.get(seq).await.unwrap().unwrap().status == EventStatus::Done;
            let chats = upstream
                .received_requests()
                .await
                .unwrap()
                .iter()
                .filter(|r| r.url.path() == "/chat")
                .count();
            finished && chats == want
        }
    };
    assert!(
        wait_for(Duration::from_secs(10), || done(1)).await,
        "replayed dead job finished"
    );

    // replay SEQ: an operator runs a finished event's handlers again.
    let out = intentful(&config, &["events", "replay", &seq.to_string()]).await;
    assert!(
        stdout(&out).contains("queued again for ticket_created"),
        "{}",
        stdout(&out)
    );
    assert!(
        wait_for(Duration::from_secs(10), || done(2)).await,
        "replayed event ran again"
    );

    // send for Okta: the secret header, each event of the batch by its uuid.
    let out = intentful(
        &config,
        &[
            "events",
            "send",
            &fixture("okta_user_locked/lock_in_a_batch_notifies_chat.event.json"),
            "--source",
            "okta",
        ],
    )
    .await;
    assert!(stdout(&out).contains("\"stored\":2"), "{}", stdout(&out));
}

#[tokio::test]
async fn commands_without_a_store_or_source_say_so() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("intentful.toml");
    std::fs::write(
        &config,
        format!(
            "[events]\ndir = \"{}\"\n",
            dir.path().join("none").display()
        ),
    )
    .unwrap();
    let out = intentful(&config, &["events", "list"]).await;
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no event store"));
    let out = intentful(
        &config,
        &[
            "events",
            "send",
            &fixture("okta_user_locked/chat_down_goes_dead.event.json"),
            "--source",
            "okta",
        ],
    )
    .await;
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no [sources.okta]"));
}
