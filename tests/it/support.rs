//! Spawning the real server on port 0 with chosen settings and intents.

use std::net::SocketAddr;
use std::sync::Arc;

use intentful::config::Settings;
use intentful::intent::Registry;
use intentful::startup;
use intentful::state::AppState;
use serde_json::{json, Value};

pub struct TestServer {
    pub addr: SocketAddr,
    handle: actix_web::dev::ServerHandle,
}

impl TestServer {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        let handle = self.handle.clone();
        // Stopping is async; fire and forget so tests never hang on teardown.
        drop(actix_web::rt::spawn(
            async move { handle.stop(false).await },
        ));
    }
}

/// Serves `registry` with `settings` on 127.0.0.1:0.
pub fn spawn_with(mut settings: Settings, registry: Registry) -> TestServer {
    settings.server.host = "127.0.0.1".into();
    settings.server.port = 0;
    settings.server.workers = 1;
    let state = Arc::new(AppState::new(settings, registry).expect("state"));
    let listener = startup::bind(&state).expect("bind");
    let addr = listener.local_addr().expect("addr");
    let server = startup::serve(state, listener).expect("serve");
    let handle = server.handle();
    actix_web::rt::spawn(server);
    TestServer { addr, handle }
}

/// Serves the built-in intents with default settings.
pub fn spawn_default() -> TestServer {
    spawn_with(Settings::default(), Registry::builtin().expect("registry"))
}

/// A minimal ES request for `action`.
pub fn es_request(action: &str) -> Value {
    json!({
        "responseId": "resp-1",
        "session": "projects/demo/agent/sessions/abc",
        "queryResult": {
            "queryText": "test",
            "languageCode": "en",
            "action": action,
            "parameters": {},
            "intent": {"name": "projects/demo/agent/intents/1", "displayName": action}
        }
    })
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder().build().expect("client")
}
