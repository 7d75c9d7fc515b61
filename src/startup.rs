//! Builds the actix App from [`AppState`], binds, serves, and shuts down gracefully.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::{Server, ServerHandle};
use actix_web::middleware::{from_fn, Condition};
use actix_web::{web, App, HttpServer};

use crate::config::Settings;
use crate::routes;
use crate::state::AppState;

/// The app factory shared by the server, the CLI and the tests.
pub fn app(
    state: web::Data<AppState>,
) -> App<
    impl actix_web::dev::ServiceFactory<
        actix_web::dev::ServiceRequest,
        Config = (),
        Response = actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    // Only a server with an admin listener tells listeners apart: without one (the default),
    // no call pays for the check. Workers build their app after every listener is bound.
    let admin_listener = state.admin.addr().is_some();
    App::new()
        .app_data(state)
        .wrap(Condition::new(
            admin_listener,
            from_fn(routes::admin_listener_only_serves_its_paths),
        ))
        .wrap(crate::error::json_errors())
        .configure(routes::configure)
}

/// Binds `host:port` from the settings (port 0 picks a free one).
pub fn bind(state: &AppState) -> std::io::Result<TcpListener> {
    let s = &state.settings.server;
    TcpListener::bind((s.host.as_str(), s.port))
}

/// Starts serving on `listener`; the returned server future runs until shutdown.
pub fn serve(state: Arc<AppState>, listener: TcpListener) -> std::io::Result<Server> {
    // Install the recorder before the first request: until then, observations would go to the
    // no-op recorder and be lost, not just wait for the first scrape.
    crate::telemetry::metrics_handle();
    state.auth.prefetch_keys();
    let data = web::Data::from(state.clone());
    let settings = &state.settings.server;
    let mut server = HttpServer::new(move || app(data.clone()))
        // Our own handler flips readiness before stopping; see `shutdown_on_signal`.
        .disable_signals()
        // The grace period itself is ours (`Shutdown`, in milliseconds): calls answer with their
        // fallback at its end. actix only cuts what is left a second later (it counts in whole
        // seconds): answers still being written, requests still being read.
        .shutdown_timeout(settings.shutdown_grace_ms.div_ceil(1000) + 1)
        // A caller that closes its side has hung up (Dialogflow never half-closes and waits):
        // the connection ends at once and the handler future is dropped with it, instead of
        // running to its deadline for an answer nobody reads (`webhook::HangUp` counts it).
        .h1_allow_half_closed(false)
        .client_request_timeout(Duration::from_millis(settings.body_read_timeout_ms));
    server = match &state.tls {
        // rustls wants the config by value; it is cheap to clone (all `Arc`s inside).
        Some(tls) => server.listen_rustls_0_23(listener, (**tls).clone())?,
        None => server.listen(listener)?,
    };
    if let Some(admin) = state.admin.bind(&settings.host)? {
        server = server.listen(admin)?;
    }
    if settings.workers > 0 {
        server = server.workers(settings.workers);
    }
    if let Some(inspector) = &state.inspector {
        inspector.serve(state.clone())?;
    }
    Ok(server.run())
}

/// Waits for SIGTERM or SIGINT, then shuts down in the order load balancers need: `/readyz`
/// turns unready, serving goes on for `server.shutdown_delay_ms`, then the listener closes and
/// in-flight calls get up to `server.shutdown_grace_ms` to finish; those still running then
/// answer with their fallback (see `crate::shutdown`).
pub async fn shutdown_on_signal(state: Arc<AppState>, server: ServerHandle) {
    wait_for_signal().await;
    state.set_ready(false);
    let s = &state.settings.server;
    tracing::info!(
        delay_ms = s.shutdown_delay_ms,
        grace_ms = s.shutdown_grace_ms,
        "shutdown signal: readiness off, draining"
    );
    tokio::time::sleep(Duration::from_millis(s.shutdown_delay_ms)).await;
    state
        .shutdown
        .begin(Duration::from_millis(s.shutdown_grace_ms));
    server.stop(true).await;
}

/// The longest budget any call can get with these settings, and the key that allows it.
pub fn longest_budget(settings: &Settings) -> (Duration, String) {
    let d = &settings.deadline;
    let limits = [
        (d.es_ms, "deadline.es_ms".to_string()),
        (d.aog_ms, "deadline.aog_ms".to_string()),
        (d.cx_ms, "deadline.cx_ms".to_string()),
    ]
    .into_iter()
    .chain(
        settings
            .cx
            .webhooks
            .iter()
            .map(|(name, w)| (w.timeout_ms, format!("cx.webhooks.{name}.timeout_ms"))),
    )
    .chain(settings.intents.iter().filter_map(|(key, i)| {
        i.cx_timeout_ms
            .map(|ms| (ms, format!("intents.{key}.cx_timeout_ms")))
    }));
    let (limit, key) = limits
        .max_by_key(|(ms, _)| *ms)
        .unwrap_or((d.es_ms, "deadline.es_ms".to_string()));
    (
        Duration::from_millis(limit.saturating_sub(d.margin_ms)),
        key,
    )
}

/// Warns when a call may still be running when the shutdown grace period ends: it would then
/// answer with its fallback before its own deadline. Returns the warning, for tests.
pub fn warn_if_grace_is_short(settings: &Settings) -> Option<String> {
    let (budget, key) = longest_budget(settings);
    let grace = settings.server.shutdown_grace_ms;
    let budget_ms = budget.as_millis() as u64;
    if grace >= budget_ms {
        return None;
    }
    let warning = format!(
        "server.shutdown_grace_ms ({grace}) is shorter than the longest budget ({budget_ms} ms, \
         allowed by {key}): at shutdown, calls still running at the end of the grace period \
         answer with their fallback early"
    );
    tracing::warn!(grace_ms = grace, budget_ms, key = %key, "{warning}");
    Some(warning)
}

#[cfg(unix)]
async fn wait_for_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    match (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) {
        (Ok(mut term), Ok(mut int)) => {
            tokio::select! {
                _ = term.recv() => {},
                _ = int.recv() => {},
            }
        }
        _ => {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

#[cfg(not(unix))]
async fn wait_for_signal() {
    let _ = tokio::signal::ctrl_c().await;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{CxWebhook, IntentSettings};

    #[test]
    fn the_default_grace_covers_every_default_budget() {
        let settings = Settings::default();
        assert_eq!(
            longest_budget(&settings),
            (Duration::from_millis(9_500), "deadline.aog_ms".to_string())
        );
        assert_eq!(warn_if_grace_is_short(&settings), None);
    }

    #[test]
    fn a_longer_cx_timeout_than_the_grace_is_named() {
        let mut settings = Settings::default();
        settings
            .cx
            .webhooks
            .insert("slow".into(), CxWebhook { timeout_ms: 30_000 });
        let warning = warn_if_grace_is_short(&settings).expect("a warning");
        assert!(
            warning.contains("cx.webhooks.slow.timeout_ms") && warning.contains("29500"),
            "{warning}"
        );
        settings.intents.insert(
            "tag".into(),
            IntentSettings {
                cx_timeout_ms: Some(20_000),
                ..Default::default()
            },
        );
        settings.server.shutdown_grace_ms = 29_500;
        assert_eq!(warn_if_grace_is_short(&settings), None);
    }
}
