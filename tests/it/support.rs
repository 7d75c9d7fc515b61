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
pub fn spawn_with(settings: Settings, registry: Registry) -> TestServer {
    spawn_on("127.0.0.1", settings, registry).0
}

/// Serves `registry` with `settings` on `host`, port 0; also returns the shared state (the
/// admin listener's address is there).
pub fn spawn_on(
    host: &str,
    mut settings: Settings,
    registry: Registry,
) -> (TestServer, Arc<AppState>) {
    settings.server.host = host.into();
    settings.server.port = 0;
    settings.server.workers = 1;
    let state = Arc::new(AppState::new(settings, registry).expect("state"));
    let listener = startup::bind(&state).expect("bind");
    let addr = listener.local_addr().expect("addr");
    let server = startup::serve(state.clone(), listener).expect("serve");
    let handle = server.handle();
    actix_web::rt::spawn(server);
    (TestServer { addr, handle }, state)
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

/// The real `intentful` binary, set up as the process tests need: loopback on a free port, JSON
/// logs on a stdout pipe, run from a temp dir so a developer's `intentful.toml` stays out.
pub fn binary() -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_intentful"));
    cmd.current_dir(std::env::temp_dir())
        .env("PORT", "0")
        .env("INTENTFUL_SERVER__HOST", "127.0.0.1")
        .env("INTENTFUL_LOG__FORMAT", "json")
        .stdout(std::process::Stdio::piped());
    cmd
}

/// The unread rest of a child's log, line by line.
pub type LogLines = std::io::Lines<std::io::BufReader<std::process::ChildStdout>>;

/// Reads the child's log until its "intentful listening" line, for at most 30 s. Returns the
/// address, the lines read so far, and the rest of the log, unread.
pub fn read_until_listening(child: &mut std::process::Child) -> (String, String, LogLines) {
    use std::io::{BufRead, BufReader};
    let stdout = child.stdout.take().expect("stdout is piped");
    // On a thread, so that a binary that never logs the line fails the test instead of
    // hanging it; the reader comes back through the channel.
    let (found_tx, found_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut lines = BufReader::new(stdout).lines();
        let mut seen = String::new();
        while let Some(Ok(line)) = lines.next() {
            seen.push_str(&line);
            seen.push('\n');
            if let Ok(v) = serde_json::from_str::<Value>(&line) {
                if v["message"] == "intentful listening" {
                    let addr = v["addr"].as_str().unwrap_or_default().to_string();
                    let _ = found_tx.send((addr, seen, lines));
                    return;
                }
            }
        }
    });
    found_rx
        .recv_timeout(std::time::Duration::from_secs(30))
        .expect("intentful exited, or logged no \"intentful listening\" line within 30 s")
}

/// Reads the child's log until its "intentful listening" line. Returns the address, the lines
/// read so far, and a thread that drains (and returns) the rest, so the child never blocks on a
/// full pipe.
pub fn listening(
    child: &mut std::process::Child,
) -> (String, String, std::thread::JoinHandle<String>) {
    let (addr, seen, lines) = read_until_listening(child);
    let rest = std::thread::spawn(move || {
        lines
            .map_while(Result::ok)
            .fold(String::new(), |acc, l| acc + &l + "\n")
    });
    (addr, seen, rest)
}

/// A child process killed when the test ends, passing or not.
pub struct Running(pub std::process::Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The child's exit status once it has exited, or `None` if it is still running after `limit`.
pub fn exit_within(
    child: &mut std::process::Child,
    limit: std::time::Duration,
) -> Option<std::process::ExitStatus> {
    let since = std::time::Instant::now();
    loop {
        if let Some(exit) = child.try_wait().expect("wait") {
            return Some(exit);
        }
        if since.elapsed() > limit {
            return None;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// Sends SIGTERM to the child, as Cloud Run and Kubernetes do to stop it.
pub fn sigterm(child: &std::process::Child) {
    let status = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success(), "kill -TERM failed: {status:?}");
}

// ---- Event triggers (issue 16) ----

/// Serves `settings` with these event handlers on 127.0.0.1:0, with the event workers running.
pub fn spawn_events(
    mut settings: Settings,
    handlers: intentful::ingest::EventRegistry,
) -> (TestServer, Arc<AppState>) {
    settings.server.host = "127.0.0.1".into();
    settings.server.port = 0;
    settings.server.workers = 1;
    let state = Arc::new(
        AppState::with_event_handlers(settings, Registry::builtin().expect("registry"), handlers)
            .expect("state"),
    );
    if let Some(ingest) = &state.events {
        // Runs until the test's runtime ends.
        std::mem::forget(intentful::ingest::Workers::start(ingest.clone()));
    }
    let listener = startup::bind(&state).expect("bind");
    let addr = listener.local_addr().expect("addr");
    let server = startup::serve(state.clone(), listener).expect("serve");
    let handle = server.handle();
    actix_web::rt::spawn(server);
    (TestServer { addr, handle }, state)
}

pub const HELPDESK_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
pub const OKTA_SECRET: &str = "okta-secret-0123456789";

/// Settings with the store in `dir`, the `helpdesk` (Standard Webhooks) and `okta` sources,
/// and the example handlers' upstreams (`dialogflow`, `chat`) below `upstream`.
pub fn event_settings(dir: &std::path::Path, upstream: &str) -> Settings {
    use figment::providers::{Format, Serialized, Toml};
    let toml = format!(
        r#"
        [events]
        dir = "{dir}"
        [events.retry]
        base_ms = 10
        max_ms = 50
        [sources.helpdesk]
        verify = {{ kind = "standard_webhooks", secrets = ["{HELPDESK_SECRET}"] }}
        [sources.okta]
        verify = {{ kind = "okta", secrets = ["{OKTA_SECRET}"] }}
        [upstreams.dialogflow]
        base_url = "{upstream}/dialogflow"
        [upstreams.chat]
        base_url = "{upstream}/chat"
        "#,
        dir = dir.display()
    );
    Settings::from_figment(
        figment::Figment::from(Serialized::defaults(Settings::default()))
            .merge(Toml::string(&toml)),
    )
    .expect("event settings")
}

/// The headers `source`'s provider would send with `body` (signed now).
pub fn signed(settings: &Settings, source: &str, body: &[u8], id: &str) -> Vec<(String, String)> {
    let v = intentful::ingest::verify::SourceVerifier::new(&settings.sources[source].verify)
        .expect("verifier");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs() as i64;
    v.sign(&intentful::ingest::verify::Outgoing {
        body,
        id,
        event_type: "",
        now,
    })
}

/// POSTs `body` to `/events/<source>` signed as its provider would.
pub async fn post_event(
    http: &reqwest::Client,
    server: &TestServer,
    settings: &Settings,
    source: &str,
    body: &Value,
    id: &str,
) -> reqwest::Response {
    let bytes = serde_json::to_vec(body).expect("json");
    let mut req = http
        .post(server.url(&format!("/events/{source}")))
        .header("content-type", "application/json")
        .body(bytes.clone());
    for (k, v) in signed(settings, source, &bytes, id) {
        req = req.header(k, v);
    }
    req.send().await.expect("post")
}

/// Waits (at most `limit`) until `check` holds, polling the store.
pub async fn wait_for<F, Fut>(limit: std::time::Duration, mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let since = std::time::Instant::now();
    while since.elapsed() < limit {
        if check().await {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    false
}

// ---- Observed calls (issue 17) ----

/// Serves `registry` with `settings` on 127.0.0.1:0 with these call observers.
pub fn spawn_observed(
    mut settings: Settings,
    registry: Registry,
    observers: Vec<Arc<dyn intentful::trace::CallObserver>>,
) -> (TestServer, Arc<AppState>) {
    settings.server.host = "127.0.0.1".into();
    settings.server.port = 0;
    settings.server.workers = 1;
    let mut state = AppState::new(settings, registry).expect("state");
    state.observers = observers;
    let state = Arc::new(state);
    let listener = startup::bind(&state).expect("bind");
    let addr = listener.local_addr().expect("addr");
    let server = startup::serve(state.clone(), listener).expect("serve");
    let handle = server.handle();
    actix_web::rt::spawn(server);
    (TestServer { addr, handle }, state)
}

/// An observer that keeps every finished call.
#[derive(Default)]
pub struct Collect(pub std::sync::Mutex<Vec<Arc<intentful::trace::FinishedCall>>>);

impl intentful::trace::CallObserver for Collect {
    fn finished(&self, call: Arc<intentful::trace::FinishedCall>) {
        self.0.lock().unwrap().push(call);
    }
}

impl Collect {
    pub fn calls(&self) -> Vec<Arc<intentful::trace::FinishedCall>> {
        self.0.lock().unwrap().clone()
    }
}

/// Default settings with every upstream below `base` (`<base>/<name>`), as fixture replays do.
pub fn upstreams_at(base: &str) -> Settings {
    let mut settings = Settings::default();
    for (name, up) in settings.upstreams.iter_mut() {
        up.base_url = url::Url::parse(&format!("{base}/{name}")).expect("url");
    }
    settings
}
