//! [`Pg`]: the PostgreSQL connection pool that several intentful instances share state through
//! (the event store, `events.store = "postgres://..."`, and optionally the rate limits,
//! `limits.shared = "postgres"`).
//!
//! The pool and every connection's I/O live on a small runtime of the pool's own. actix-web
//! runs each HTTP worker on a runtime of its own that stops with the server; a connection
//! opened from one of them would die with it, and the event workers, which finish their
//! attempts after the server has stopped, would lose the write that records an attempt as
//! done (and so run it again). Here a connection outlives whichever task asked for it.
//!
//! The schema is migrated once, before the first statement (`migrate.rs`).

mod migrate;

use std::future::Future;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use tokio::sync::OnceCell;
use tokio_postgres::NoTls;

pub use deadpool_postgres::Client;

/// What went wrong, in words that never carry the connection URL or its password.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{0}")]
pub struct PgError(pub String);

impl From<tokio_postgres::Error> for PgError {
    fn from(e: tokio_postgres::Error) -> PgError {
        match e.as_db_error() {
            Some(db) => PgError(format!("postgres {}: {}", db.code().code(), db.message())),
            // The cause (refused, timed out, a DNS failure) is in the source; neither carries
            // the URL.
            None => match std::error::Error::source(&e) {
                Some(cause) => PgError(format!("postgres: {e}: {cause}")),
                None => PgError(format!("postgres: {e}")),
            },
        }
    }
}

impl From<deadpool_postgres::PoolError> for PgError {
    fn from(e: deadpool_postgres::PoolError) -> PgError {
        match e {
            deadpool_postgres::PoolError::Backend(e) => e.into(),
            other => PgError(format!("postgres pool: {other}")),
        }
    }
}

/// How to reach the database and how long anything may take there.
#[derive(Debug, Clone)]
pub struct PgOptions {
    /// Connections at most, for this instance.
    pub pool_size: usize,
    /// A statement running longer is cancelled by the server (`statement_timeout`); also the
    /// longest wait for a connection, from the pool or a new one.
    pub statement_timeout: Duration,
}

struct Shared {
    pool: Pool,
    migrated: OnceCell<()>,
}

/// The pool, on its own runtime; cheap to share behind an `Arc`.
pub struct Pg {
    runtime: Option<tokio::runtime::Runtime>,
    handle: tokio::runtime::Handle,
    shared: Arc<Shared>,
}

/// Whether `url` names a PostgreSQL database (rather than the embedded store).
pub fn is_postgres_url(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

impl Pg {
    /// Builds the pool; connects lazily, on first use. Fails only on a URL it cannot read.
    pub fn new(url: &str, options: &PgOptions) -> Result<Pg, PgError> {
        let mut config = tokio_postgres::Config::from_str(url)
            .map_err(|_| PgError("not a valid PostgreSQL connection URL".into()))?;
        // Kept with what the URL sets (a test's `search_path`, say). `synchronous_commit` on
        // whatever the database's default: a 2xx promises the event is on disk.
        let timeout_ms = options.statement_timeout.as_millis();
        let ours = format!("-c statement_timeout={timeout_ms} -c synchronous_commit=on");
        let opts = match config.get_options() {
            Some(o) if !o.is_empty() => format!("{o} {ours}"),
            _ => ours,
        };
        config.options(opts);
        if config.get_application_name().is_none() {
            config.application_name("intentful");
        }
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(options.statement_timeout.max(Duration::from_secs(1)));
        }
        let manager = Manager::from_config(
            config,
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let wait = options.statement_timeout.max(Duration::from_millis(100));
        let pool = Pool::builder(manager)
            .max_size(options.pool_size.max(1))
            .runtime(Runtime::Tokio1)
            .wait_timeout(Some(wait))
            .create_timeout(Some(wait.max(Duration::from_secs(1))))
            .recycle_timeout(Some(wait))
            .build()
            .map_err(|e| PgError(format!("postgres pool: {e}")))?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("postgres")
            .enable_all()
            .build()
            .map_err(|e| PgError(format!("postgres runtime: {e}")))?;
        Ok(Pg {
            handle: runtime.handle().clone(),
            runtime: Some(runtime),
            shared: Arc::new(Shared {
                pool,
                migrated: OnceCell::new(),
            }),
        })
    }

    /// Runs `f` with a pooled connection on the pool's runtime, after the schema is migrated.
    pub async fn run<T, F, Fut>(&self, f: F) -> Result<T, PgError>
    where
        T: Send + 'static,
        F: FnOnce(Client) -> Fut + Send + 'static,
        Fut: Future<Output = Result<T, PgError>> + Send + 'static,
    {
        let shared = self.shared.clone();
        self.handle
            .spawn(async move {
                shared
                    .migrated
                    .get_or_try_init(|| async {
                        let mut client = shared.pool.get().await?;
                        migrate::run(&mut client).await
                    })
                    .await?;
                let client = shared.pool.get().await?;
                f(client).await
            })
            .await
            .map_err(|_| PgError("postgres: the connection task ended".into()))?
    }

    /// Connects and migrates the schema now (at start-up, so that a bad URL or an unreachable
    /// database stops the start rather than the first request).
    pub async fn migrate(&self) -> Result<(), PgError> {
        self.run(|_| async { Ok(()) }).await
    }

    /// The versions the migrations bring the schema to, applied in order.
    pub fn migration_versions() -> Vec<i32> {
        migrate::MIGRATIONS.iter().map(|m| m.version).collect()
    }
}

impl Drop for Pg {
    fn drop(&mut self) {
        // Dropping a runtime blocks, which is refused inside another runtime; this does not.
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
    }
}

/// Test support, shared by the unit suite and the integration tests (so it is compiled always;
/// nothing in the service calls it). Failing to reach the tests' database is a test failure.
#[doc(hidden)]
#[allow(clippy::expect_used, clippy::panic)]
pub mod testing;
