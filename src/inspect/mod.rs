//! The inspector: a page on a listener of its own (`[inspect]`, off by default) showing the last
//! calls, newest first, and for each one what Dialogflow sent, what the handler saw, every
//! upstream exchange drawn against the budget, and what went back; with "Save as fixture" and
//! "Replay". It observes finished calls like the recorder does ([`CallObserver`]): a call pays
//! for it only while it is enabled.
//!
//! The listener is a separate server with its own app, so none of its routes exists on the
//! webhook port, and the webhook path carries no extra middleware for it.

mod pages;
mod settings;
mod view;

pub use settings::InspectSettings;

use std::collections::VecDeque;
use std::net::{SocketAddr, TcpListener};
use std::sync::{Arc, Mutex, OnceLock};

use actix_web::{web, App, HttpServer};

use crate::auth::Verifier;
use crate::record::Redactor;
use crate::state::AppState;
use crate::trace::{CallObserver, FinishedCall};

/// The last calls and the inspector's own settings.
pub struct Inspector {
    settings: InspectSettings,
    calls: Mutex<VecDeque<Arc<FinishedCall>>>,
    verifier: Option<Verifier>,
    /// The recorder's redaction, applied to what the page shows and saves.
    redactor: Redactor,
    addr: OnceLock<SocketAddr>,
}

impl Inspector {
    pub fn new(
        settings: &InspectSettings,
        redactor: Redactor,
        http: &reqwest::Client,
    ) -> Inspector {
        Inspector {
            settings: settings.clone(),
            calls: Mutex::new(VecDeque::with_capacity(settings.capacity)),
            verifier: settings.auth.as_ref().map(|m| Verifier::new(m, http)),
            redactor,
            addr: OnceLock::new(),
        }
    }

    /// The inspector listener's address, once bound.
    pub fn addr(&self) -> Option<SocketAddr> {
        self.addr.get().copied()
    }

    /// The calls kept, newest first.
    pub fn calls(&self) -> Vec<Arc<FinishedCall>> {
        match self.calls.lock() {
            Ok(calls) => calls.iter().rev().cloned().collect(),
            Err(_) => Vec::new(),
        }
    }

    /// One kept call, by request id.
    pub fn call(&self, id: &str) -> Option<Arc<FinishedCall>> {
        let calls = self.calls.lock().ok()?;
        calls.iter().rev().find(|c| c.id == id).cloned()
    }

    /// Binds the listener and serves the inspector on it until the process ends.
    pub fn serve(&self, state: Arc<AppState>) -> std::io::Result<()> {
        let s = &self.settings;
        let listener = TcpListener::bind((s.host.as_str(), s.port)).map_err(|e| {
            std::io::Error::new(
                e.kind(),
                format!("cannot bind inspect {}:{}: {e}", s.host, s.port),
            )
        })?;
        let addr = listener.local_addr()?;
        // Bound once per process, as the admin listener is.
        let _ = self.addr.set(addr);
        let data = web::Data::from(state);
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .wrap(crate::error::json_errors())
                .configure(pages::configure)
        })
        .workers(1)
        .disable_signals()
        .listen(listener)?
        .run();
        tokio::spawn(server);
        tracing::info!(%addr, "inspector listening (/inspect)");
        Ok(())
    }
}

impl CallObserver for Inspector {
    fn finished(&self, call: Arc<FinishedCall>) {
        // A poisoned lock only loses the page's history, never the call's answer.
        if let Ok(mut calls) = self.calls.lock() {
            if calls.len() >= self.settings.capacity {
                calls.pop_front();
            }
            calls.push_back(call);
        }
    }
}
