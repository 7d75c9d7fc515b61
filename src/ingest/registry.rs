//! [`EventRegistry`]: which handler runs for which `(source, event type)`.
//!
//! An `events/` file calls `r.on(source, type, handle)` in its `register` function; either may
//! be `*` (anything) or end in `*` (a prefix, `user.account.*`). A handler's name is its file's
//! name (`ticket_created`): jobs are stored under it, `[sources.<s>.handlers.<name>]` configures
//! it, and a file that registers several routes is still one handler, run once per event.

use std::future::Future;
use std::panic::Location;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;

use super::event::{Event, EventError};
use crate::intent::Ctx;

type HandlerFn = dyn Fn(Ctx, Event) -> BoxFuture<'static, Result<(), EventError>> + Send + Sync;

/// One registered route to a handler.
pub struct HandlerSpec {
    /// The file name without `.rs`.
    pub name: String,
    /// The file that registered it.
    pub file: &'static str,
    pub source: String,
    pub event_type: String,
    handler: Arc<HandlerFn>,
    /// Attempts in all, from `.retries(n)` (n + 1); the source's settings may override it.
    pub max_attempts: Option<u32>,
    /// This handler's attempt timeout, instead of `events.attempt_timeout_ms`.
    pub timeout: Option<Duration>,
    pub upstreams: Vec<String>,
}

impl HandlerSpec {
    /// Retries after a failed first attempt (`retries(8)`: up to 9 attempts).
    pub fn retries(&mut self, n: u32) -> &mut Self {
        self.max_attempts = Some(n.saturating_add(1));
        self
    }

    /// Each attempt's time limit.
    pub fn timeout(&mut self, limit: Duration) -> &mut Self {
        self.timeout = Some(limit);
        self
    }

    /// Declares an upstream the handler calls; start-up fails if a source it serves is
    /// configured and the upstream is not.
    pub fn needs_upstream(&mut self, name: impl Into<String>) -> &mut Self {
        self.upstreams.push(name.into());
        self
    }

    pub(crate) fn call(&self, ctx: Ctx, ev: Event) -> BoxFuture<'static, Result<(), EventError>> {
        (self.handler)(ctx, ev)
    }

    pub fn matches(&self, source: &str, event_type: &str) -> bool {
        glob(&self.source, source) && glob(&self.event_type, event_type)
    }

    /// Whether this route can ever see events of `source`.
    pub fn serves(&self, source: &str) -> bool {
        glob(&self.source, source)
    }
}

fn glob(pattern: &str, value: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => value.starts_with(prefix),
        None => pattern == value,
    }
}

/// Every event handler.
#[derive(Default)]
pub struct EventRegistry {
    specs: Vec<Arc<HandlerSpec>>,
    pending: Vec<HandlerSpec>,
    problems: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
#[error("{}", .problems.join("; "))]
pub struct EventRegistryError {
    pub problems: Vec<String>,
}

impl EventRegistry {
    /// Runs `handler` for events of `source` whose type is `event_type` (`*` patterns allowed).
    #[track_caller]
    pub fn on<F, Fut>(&mut self, source: &str, event_type: &str, handler: F) -> &mut HandlerSpec
    where
        F: Fn(Ctx, Event) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), EventError>> + Send + 'static,
    {
        let file = Location::caller().file();
        let name = Path::new(file)
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or(file)
            .to_string();
        self.on_named(&name, file, source, event_type, handler)
    }

    /// [`EventRegistry::on`] under an explicit handler name (tests register several per file).
    pub fn on_named<F, Fut>(
        &mut self,
        name: &str,
        file: &'static str,
        source: &str,
        event_type: &str,
        handler: F,
    ) -> &mut HandlerSpec
    where
        F: Fn(Ctx, Event) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), EventError>> + Send + 'static,
    {
        if source.trim().is_empty() || event_type.trim().is_empty() {
            self.problems
                .push(format!("{file}: an event source or type is empty"));
        }
        self.pending.push(HandlerSpec {
            name: name.to_string(),
            file,
            source: source.to_string(),
            event_type: event_type.to_string(),
            handler: Arc::new(move |ctx, ev| Box::pin(handler(ctx, ev))),
            max_attempts: None,
            timeout: None,
            upstreams: Vec::new(),
        });
        let last = self.pending.len() - 1;
        &mut self.pending[last]
    }

    /// Seals the registry; a route registered twice is reported with its file.
    pub fn finish(mut self) -> Result<EventRegistry, EventRegistryError> {
        for spec in std::mem::take(&mut self.pending) {
            let twice = self.specs.iter().any(|s| {
                s.name == spec.name && s.source == spec.source && s.event_type == spec.event_type
            });
            if twice {
                self.problems.push(format!(
                    "{}: `{}` registers {} {} twice",
                    spec.file, spec.name, spec.source, spec.event_type
                ));
                continue;
            }
            self.specs.push(Arc::new(spec));
        }
        if self.problems.is_empty() {
            Ok(self)
        } else {
            Err(EventRegistryError {
                problems: self.problems,
            })
        }
    }

    pub fn all(&self) -> &[Arc<HandlerSpec>] {
        &self.specs
    }

    /// The handlers that want an event, each once, in registration order.
    pub fn route(&self, source: &str, event_type: &str) -> Vec<&Arc<HandlerSpec>> {
        let mut out: Vec<&Arc<HandlerSpec>> = Vec::new();
        for s in &self.specs {
            if s.matches(source, event_type) && !out.iter().any(|o| o.name == s.name) {
                out.push(s);
            }
        }
        out
    }

    /// The handler a stored job names: its route for this event, else any of its routes (the
    /// job may predate a change of patterns).
    pub fn find(&self, name: &str, source: &str, event_type: &str) -> Option<&Arc<HandlerSpec>> {
        self.specs
            .iter()
            .find(|s| s.name == name && s.matches(source, event_type))
            .or_else(|| self.specs.iter().find(|s| s.name == name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn noop(_: Ctx, _: Event) -> Result<(), EventError> {
        Ok(())
    }

    #[test]
    fn routes_by_source_and_type_with_globs_once_per_handler() {
        let mut r = EventRegistry::default();
        r.on_named("tickets", "f.rs", "helpdesk", "ticket.created", noop);
        r.on_named("tickets", "f.rs", "helpdesk", "ticket.*", noop);
        r.on_named("audit", "g.rs", "*", "*", noop);
        r.on_named("okta", "h.rs", "okta", "user.account.lock", noop)
            .retries(3);
        let r = r.finish().unwrap();
        let names =
            |s, t| -> Vec<String> { r.route(s, t).into_iter().map(|h| h.name.clone()).collect() };
        assert_eq!(names("helpdesk", "ticket.created"), ["tickets", "audit"]);
        assert_eq!(names("helpdesk", "ticket.closed"), ["tickets", "audit"]);
        assert_eq!(names("okta", "user.account.lock"), ["audit", "okta"]);
        assert_eq!(names("okta", "user.session.start"), ["audit"]);
        assert_eq!(r.find("okta", "okta", "x").unwrap().max_attempts, Some(4));
        assert!(r.find("nope", "okta", "x").is_none());
    }

    #[test]
    fn the_name_is_the_file_name_and_duplicates_are_refused() {
        let mut r = EventRegistry::default();
        r.on("helpdesk", "ticket.created", noop);
        r.on("helpdesk", "ticket.created", noop);
        let err = r.finish().err().unwrap().to_string();
        assert!(
            err.contains("`registry` registers helpdesk ticket.created twice"),
            "{err}"
        );
    }
}
