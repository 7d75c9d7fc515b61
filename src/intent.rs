//! The intent module contract: [`Registry`], [`Ctx`], [`IntentError`] and the author's prelude,
//! with the authoring kit: typed system entities ([`sys`]), [`Phrases`] by language, [`Form`]
//! for asking over several turns, and [`Ctx::for_tests`] with `Turn::from_fixture` for calling a
//! handler directly in a test.
//!
//! An intent file calls `r.add(key, handle)` in its `register` function; the registry remembers
//! which file did so (via `#[track_caller]`) so that a duplicate key names both files at start-up.

mod form;
mod phrases;
pub mod sys;

pub use form::Form;
pub use phrases::Phrases;

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::panic::Location;
use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;
use tokio::time::Instant;

use crate::protocol::{Protocol, Reply, Turn};
use crate::upstream::settings::UpstreamSettings;
use crate::upstream::{UpstreamClient, UpstreamError, Upstreams};

/// What intent authors import: `use crate::intent::prelude::*;`. An intent needs nothing else
/// from the crate.
pub mod prelude {
    pub use super::{sys, Ctx, Form, IntentError, Phrases, Registry};
    pub use crate::protocol::{
        Button, ContextChange, EntityOverride, Message, Protocol, Reply, SessionEntities,
        SessionEntity, Turn,
    };
    pub use crate::upstream::UpstreamError;
    pub use serde::{Deserialize, Serialize};
    pub use serde_json::{json, Map, Value};
    pub use std::time::Duration;
}

/// Why a handler could not answer. Each becomes the intent's fallback reply (HTTP 200), logged
/// with this cause; none of them ever reaches Dialogflow as an HTTP error.
#[derive(Debug, thiserror::Error)]
pub enum IntentError {
    /// The turn's parameters did not fit the handler's `Params` struct.
    #[error("bad parameters: {0}")]
    Params(String),
    /// An upstream API failed; the error says which one and how.
    #[error(transparent)]
    Upstream(#[from] UpstreamError),
    /// Anything else the handler wants to report.
    #[error("{0}")]
    Failed(String),
}

impl From<crate::protocol::ParamsError> for IntentError {
    fn from(e: crate::protocol::ParamsError) -> Self {
        IntentError::Params(e.to_string())
    }
}

impl IntentError {
    pub fn failed(message: impl Into<String>) -> Self {
        IntentError::Failed(message.into())
    }

    /// A short, bounded label for logs and metrics.
    pub fn kind(&self) -> &'static str {
        match self {
            IntentError::Params(_) => "params",
            IntentError::Upstream(e) => e.kind.label(),
            IntentError::Failed(_) => "failed",
        }
    }
}

/// What a handler gets besides the turn: its deadline and its upstream APIs.
#[derive(Clone)]
pub struct Ctx {
    deadline: Instant,
    upstreams: Arc<Upstreams>,
    request_id: Arc<str>,
    protocol: Protocol,
}

impl Ctx {
    pub fn new(
        deadline: Instant,
        upstreams: Arc<Upstreams>,
        request_id: Arc<str>,
        protocol: Protocol,
    ) -> Self {
        Ctx {
            deadline,
            upstreams,
            request_id,
            protocol,
        }
    }

    /// A context for calling a handler directly in a test: every upstream an intent declares
    /// with `needs_upstream` is at `upstream_uri` (a wiremock server's `uri()`), with default
    /// settings and no credentials, and the deadline is 10 s away. The protocol is ES.
    ///
    /// # Panics
    /// When `upstream_uri` is not a URL.
    // A test harness: a bad URI is a failed test, reported where it was passed.
    #[allow(clippy::panic)]
    pub fn for_tests(upstream_uri: &str) -> Ctx {
        let base = url::Url::parse(upstream_uri)
            .unwrap_or_else(|e| panic!("Ctx::for_tests: `{upstream_uri}` is not a URL: {e}"));
        let upstreams: BTreeMap<String, UpstreamSettings> = Registry::builtin()
            .map(|r| r.all().iter().flat_map(|s| s.upstreams.clone()).collect())
            .unwrap_or_else(|_| Vec::new())
            .into_iter()
            .map(|name| (name, UpstreamSettings::new(base.clone())))
            .collect();
        let upstreams = Upstreams::from_settings(&upstreams, Duration::from_millis(150))
            .unwrap_or_else(|e| panic!("Ctx::for_tests: the HTTP client: {e}"));
        Ctx::new(
            Instant::now() + Duration::from_secs(10),
            Arc::new(upstreams),
            Arc::from("test"),
            Protocol::Es,
        )
    }

    /// An event handler's context (`events/`): upstream calls bounded by the attempt's
    /// deadline. Events have no Dialogflow protocol; `protocol()` says CX there and means
    /// nothing.
    pub fn for_event(deadline: Instant, upstreams: Arc<Upstreams>, request_id: Arc<str>) -> Self {
        Ctx::new(deadline, upstreams, request_id, Protocol::Cx)
    }

    /// A named upstream API; calls through it are bounded by this turn's deadline.
    pub fn upstream(&self, name: &str) -> UpstreamClient {
        self.upstreams
            .client(name, self.deadline, self.request_id.clone())
    }

    /// When the reply must be ready.
    pub fn deadline(&self) -> Instant {
        self.deadline
    }

    /// Time left before the fallback goes out instead.
    pub fn remaining(&self) -> Duration {
        self.deadline.saturating_duration_since(Instant::now())
    }

    pub fn request_id(&self) -> &str {
        &self.request_id
    }

    pub fn protocol(&self) -> Protocol {
        self.protocol
    }
}

type HandlerFn = dyn Fn(Ctx, Turn) -> BoxFuture<'static, Result<Reply, IntentError>> + Send + Sync;

/// One registered intent.
pub struct IntentSpec {
    pub key: String,
    /// The source file that registered it.
    pub file: &'static str,
    handler: Arc<HandlerFn>,
    pub fallback: Option<Reply>,
    pub upstreams: Vec<String>,
    pub budget: Option<Duration>,
}

impl IntentSpec {
    /// The reply sent when the handler fails or runs out of time.
    pub fn fallback(&mut self, text: impl Into<String>) -> &mut Self {
        self.fallback = Some(Reply::text(text));
        self
    }

    /// A richer fallback than plain text.
    pub fn fallback_reply(&mut self, reply: Reply) -> &mut Self {
        self.fallback = Some(reply);
        self
    }

    /// Declares an upstream the handler calls; start-up fails if it is not configured.
    pub fn needs_upstream(&mut self, name: impl Into<String>) -> &mut Self {
        self.upstreams.push(name.into());
        self
    }

    /// A tighter (or, up to the platform limit, looser) budget than the protocol default.
    pub fn budget(&mut self, budget: Duration) -> &mut Self {
        self.budget = Some(budget);
        self
    }

    pub(crate) fn call(
        &self,
        ctx: Ctx,
        turn: Turn,
    ) -> BoxFuture<'static, Result<Reply, IntentError>> {
        (self.handler)(ctx, turn)
    }
}

/// A start-up error in the intent list.
#[derive(Debug, thiserror::Error)]
#[error("{}", .problems.join("; "))]
pub struct RegistryError {
    pub problems: Vec<String>,
}

/// All intents, by key.
#[derive(Default)]
pub struct Registry {
    intents: HashMap<String, Arc<IntentSpec>>,
    pending: Vec<IntentSpec>,
    problems: Vec<String>,
}

impl Registry {
    /// Registers `handler` under `key` (a CX tag, an ES action or an ES intent display name).
    #[track_caller]
    pub fn add<F, Fut>(&mut self, key: &str, handler: F) -> &mut IntentSpec
    where
        F: Fn(Ctx, Turn) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Reply, IntentError>> + Send + 'static,
    {
        let file = Location::caller().file();
        if key.trim().is_empty() {
            self.problems
                .push(format!("{file}: an intent key is empty"));
        }
        let spec = IntentSpec {
            key: key.to_string(),
            file,
            handler: Arc::new(move |ctx, turn| Box::pin(handler(ctx, turn))),
            fallback: None,
            upstreams: Vec::new(),
            budget: None,
        };
        self.pending.push(spec);
        let last = self.pending.len() - 1;
        &mut self.pending[last]
    }

    /// Seals the registry; duplicate or empty keys are reported together, naming their files.
    pub fn finish(mut self) -> Result<Registry, RegistryError> {
        for spec in std::mem::take(&mut self.pending) {
            if let Some(existing) = self.intents.get(&spec.key) {
                self.problems.push(format!(
                    "intent key `{}` is registered twice: in {} and in {}",
                    spec.key, existing.file, spec.file
                ));
                continue;
            }
            self.intents.insert(spec.key.clone(), Arc::new(spec));
        }
        if self.problems.is_empty() {
            Ok(self)
        } else {
            Err(RegistryError {
                problems: self.problems,
            })
        }
    }

    pub fn get(&self, key: &str) -> Option<&Arc<IntentSpec>> {
        self.intents.get(key)
    }

    /// First registered key among `candidates`, in order (ES: action, then display name).
    pub fn lookup<'a>(
        &self,
        candidates: impl IntoIterator<Item = &'a str>,
    ) -> Option<&Arc<IntentSpec>> {
        candidates
            .into_iter()
            .filter(|k| !k.is_empty())
            .find_map(|k| self.intents.get(k))
    }

    /// All intents, sorted by key.
    pub fn all(&self) -> Vec<&Arc<IntentSpec>> {
        let mut v: Vec<_> = self.intents.values().collect();
        v.sort_by(|a, b| a.key.cmp(&b.key));
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn hi(_: Ctx, _: Turn) -> Result<Reply, IntentError> {
        Ok(Reply::text("hi"))
    }

    #[tokio::test]
    async fn a_test_ctx_has_the_declared_upstreams_at_the_mock_and_no_others() {
        use crate::upstream::UpstreamErrorKind;
        use wiremock::{matchers::path, Mock, MockServer, ResponseTemplate};

        let api = MockServer::start().await;
        Mock::given(path("/v1/forecast"))
            .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({"ok": 1})))
            .expect(1)
            .mount(&api)
            .await;
        let ctx = Ctx::for_tests(&api.uri());
        assert!(ctx.remaining() > Duration::from_secs(5));
        let got: serde_json::Value = ctx
            .upstream("weather")
            .get("/v1/forecast")
            .send_json()
            .await
            .unwrap();
        assert_eq!(got["ok"], 1);
        let err = ctx
            .upstream("undeclared")
            .get("/")
            .send_json::<serde_json::Value>()
            .await
            .unwrap_err();
        assert_eq!(err.kind, UpstreamErrorKind::NotConfigured);
    }

    #[test]
    fn duplicate_key_names_both_files() {
        let mut r = Registry::default();
        r.add("a", hi);
        r.add("a", hi);
        let err = r.finish().err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains("`a` is registered twice"), "{err}");
        assert_eq!(err.matches("src/intent.rs").count(), 2, "{err}");
    }

    #[test]
    fn params_that_do_not_fit_are_a_params_error() {
        #[derive(Debug, serde::Deserialize)]
        struct P {
            #[allow(dead_code)]
            guests: u32,
        }
        fn read(turn: &Turn) -> Result<P, IntentError> {
            Ok(turn.params()?)
        }
        let mut turn = Turn::default();
        turn.parameters.insert("guests".into(), "many".into());
        assert!(matches!(read(&turn), Err(IntentError::Params(_))));
    }

    #[test]
    fn lookup_prefers_first_candidate_and_skips_empty() {
        let mut r = Registry::default();
        r.add("action.x", hi);
        r.add("Display X", hi);
        let r = r.finish().unwrap();
        assert_eq!(r.lookup(["action.x", "Display X"]).unwrap().key, "action.x");
        assert_eq!(r.lookup(["", "Display X"]).unwrap().key, "Display X");
        assert!(r.lookup(["nope"]).is_none());
    }
}
