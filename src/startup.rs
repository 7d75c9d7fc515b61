//! Builds the actix App from [`AppState`], binds, serves, and shuts down gracefully.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::{Server, ServerHandle};
use actix_web::{web, App, HttpServer};

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
    App::new()
        .app_data(state)
        .wrap(actix_web::middleware::from_fn(
            crate::admin::admin_listener_only_serves_its_paths,
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
        .shutdown_timeout(
            Duration::from_millis(settings.shutdown_grace_ms)
                .as_secs()
                .max(1),
        )
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
    Ok(server.run())
}

/// Waits for SIGTERM or SIGINT, then shuts down in the order load balancers need: `/readyz`
/// turns unready, serving goes on for `server.shutdown_delay_ms`, then the listener closes and
/// in-flight calls get up to `server.shutdown_grace_ms` to finish.
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
    server.stop(true).await;
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
