//! A server whose `events.store` names a PostgreSQL it cannot reach stops at start (exit 2)
//! with a message naming the key, never the URL's password: it does not come up to answer
//! deliveries with 503s, nor run workers against a database it never saw.

use std::time::Duration;

use crate::support::{binary, exit_within, Running};

#[test]
fn an_unreachable_database_stops_the_start_without_showing_the_password() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("intentful.toml");
    std::fs::write(
        &config,
        r#"
        [events]
        store = "postgres://app:s3cret-pw@127.0.0.1:1/intentful"
        statement_timeout_ms = 500
        [sources.okta]
        verify = { kind = "okta", secrets = ["okta-start-secret-0123"] }
        [upstreams.chat]
        base_url = "http://127.0.0.1:1/chat"
        "#,
    )
    .unwrap();
    let mut child = Running(
        binary()
            .arg("--config")
            .arg(&config)
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let exit = exit_within(&mut child.0, Duration::from_secs(30)).expect("still running");
    assert_eq!(exit.code(), Some(2));
    let mut out = String::new();
    let mut err = String::new();
    use std::io::Read;
    child
        .0
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    child
        .0
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert!(err.contains("events.store"), "{err}");
    assert!(
        !err.contains("s3cret") && !out.contains("s3cret"),
        "{err}{out}"
    );
}
