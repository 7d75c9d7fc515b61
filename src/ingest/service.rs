//! [`Ingest`]: the event path's shared state — sources, handlers, the store, the clock and the
//! workers' wake-up — built once at start-up when at least one source is configured.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use tokio::sync::Notify;

use super::backoff::Clock;
use super::registry::{EventRegistry, HandlerSpec};
use super::settings::{EventsSettings, RetrySchedule};
use super::source::Source;
use super::store::{EventStore, PgStore, SqliteStore, StoreError};
use crate::config::Settings;
use crate::pg::Pg;
use crate::upstream::Upstreams;

pub struct Ingest {
    pub settings: EventsSettings,
    sources: HashMap<String, Source>,
    pub registry: Arc<EventRegistry>,
    pub store: Arc<dyn EventStore>,
    pub(crate) upstreams: Arc<Upstreams>,
    pub clock: Clock,
    /// Wakes the workers: an event was stored, or a worker has room again.
    pub(crate) wake: Notify,
    /// This process, as the holder of the jobs it claims.
    pub(crate) owner: String,
}

impl Ingest {
    /// `None` when no `[sources]` are configured: no endpoint, no store file, no workers.
    /// Handlers for sources that are not configured stay idle; a configured source's handlers
    /// must have their upstreams. `pg`: the pool for `events.store = "postgres://..."`.
    pub fn from_settings(
        settings: &Settings,
        registry: EventRegistry,
        upstreams: Arc<Upstreams>,
        pg: Option<Arc<Pg>>,
    ) -> Result<Option<Arc<Ingest>>, String> {
        if settings.sources.is_empty() {
            return Ok(None);
        }
        let store = open_store(&settings.events, pg).map_err(|e| e.to_string())?;
        Ingest::with_store(settings, registry, upstreams, store).map(Some)
    }

    /// [`Ingest::from_settings`] over a store of the caller's choice.
    pub fn with_store(
        settings: &Settings,
        registry: EventRegistry,
        upstreams: Arc<Upstreams>,
        store: Arc<dyn EventStore>,
    ) -> Result<Arc<Ingest>, String> {
        let mut sources = HashMap::new();
        for (name, s) in &settings.sources {
            let source = Source::new(name, s, settings.events.body_limit_bytes)
                .map_err(|p| format!("sources.{name}.{p}"))?;
            for handler in s.handlers.keys() {
                if !registry
                    .all()
                    .iter()
                    .any(|h| &h.name == handler && h.serves(name))
                {
                    return Err(format!(
                        "sources.{name}.handlers.{handler}: no handler of that name serves source `{name}`"
                    ));
                }
            }
            sources.insert(name.clone(), source);
        }
        for spec in registry.all() {
            let serves_one = settings.sources.keys().any(|s| spec.serves(s));
            for up in &spec.upstreams {
                if serves_one && !upstreams.contains(up) {
                    return Err(format!(
                        "event handler `{}` ({}) needs upstream `{up}`, which is not configured under [upstreams]",
                        spec.name, spec.file
                    ));
                }
            }
        }
        Ok(Arc::new(Ingest {
            settings: settings.events.clone(),
            sources,
            registry: Arc::new(registry),
            store,
            upstreams,
            clock: Clock::new(),
            wake: Notify::new(),
            // The process id first: an operator (or a test) looking at a claim can tell whose it is.
            owner: format!("{}-{}", std::process::id(), uuid::Uuid::new_v4().simple()),
        }))
    }

    pub fn source(&self, name: &str) -> Option<&Source> {
        self.sources.get(name)
    }

    /// The handlers an event goes to: registered for its source and type, and admitted by the
    /// source's `when` filter for that handler.
    pub fn route(&self, source: &Source, event_type: &str, event: &Value) -> Vec<String> {
        self.registry
            .route(&source.name, event_type)
            .into_iter()
            .filter(|h| source.admits(&h.name, event))
            .map(|h| h.name.clone())
            .collect()
    }

    /// A handler's retry schedule for a source: `[events.retry]` < `.retries(n)` in code <
    /// `[sources.<s>.retry]` < `[sources.<s>.handlers.<h>.retry]`.
    pub fn schedule(&self, source: &str, spec: Option<&HandlerSpec>) -> RetrySchedule {
        let mut s = self.settings.retry;
        if let Some(n) = spec.and_then(|h| h.max_attempts) {
            s.max_attempts = n;
        }
        if let Some(src) = self.sources.get(source) {
            s = s.with(&src.settings.retry);
            if let Some(h) = spec.and_then(|h| src.settings.handlers.get(&h.name)) {
                s = s.with(&h.retry);
            }
        }
        s
    }

    /// One attempt's time limit.
    pub fn attempt_timeout(&self, spec: Option<&HandlerSpec>) -> Duration {
        spec.and_then(|h| h.timeout)
            .unwrap_or(Duration::from_millis(self.settings.attempt_timeout_ms))
    }

    /// How long a claim holds: longer than any attempt may run, so a live worker never loses
    /// its job, and short enough that a dead one's jobs come back within minutes.
    pub fn lease(&self) -> Duration {
        let longest = self.registry.all().iter().filter_map(|h| h.timeout).fold(
            Duration::from_millis(self.settings.attempt_timeout_ms),
            Duration::max,
        );
        longest + Duration::from_millis(self.settings.lease_margin_ms)
    }

    /// Wakes the workers to look for due work.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Readiness: a real commit to the store.
    pub async fn ready(&self) -> Result<(), StoreError> {
        self.store.probe(self.clock.now_ms()).await
    }
}

/// The store `events.store` names: PostgreSQL on `pg` (made from the settings when not given),
/// or the embedded store under `events.dir` (created on first use).
pub fn open_store(
    settings: &EventsSettings,
    pg: Option<Arc<Pg>>,
) -> Result<Arc<dyn EventStore>, StoreError> {
    if let Some(url) = settings.postgres_url() {
        let pg = match pg {
            Some(pg) => pg,
            None => Arc::new(Pg::new(url, &settings.pg_options())?),
        };
        return Ok(Arc::new(PgStore::new(pg)));
    }
    Ok(Arc::new(SqliteStore::open(
        &settings.dir,
        Duration::from_millis(settings.busy_timeout_ms),
    )?))
}
