//! Logs (tracing) and metrics (the `metrics` facade, exported as Prometheus text).
//!
//! Logs are `tracing-subscriber`'s: one filter for both formats, an [`EnvFilter`] read from
//! `RUST_LOG` when it is set, else from `log.level`. On a terminal, its `fmt()` lines; elsewhere
//! JSON lines in Cloud Logging's shape ([`CloudLogging`]) handed to `tracing-appender`'s
//! non-blocking writer, so a call never waits on stdout: when the writer falls behind, lines
//! are dropped (lossy) and counted in `intentful_log_lines_dropped_total`, whose value is read
//! from the writer's own count when `/metrics` is scraped.

pub mod cloud_logging;
mod metrics;
mod settings;
#[cfg(test)]
pub(crate) mod test_buffer;
mod trace_header;

pub use self::metrics::*;
pub use cloud_logging::{CloudLogging, SpanFields};
pub use settings::{gcp_project, LogSettings};
pub use trace_header::trace_from_headers;

use std::io::IsTerminal;
use std::sync::OnceLock;
use std::time::Duration;

use tracing::Subscriber;
use tracing_appender::non_blocking::{ErrorCounter, NonBlockingBuilder, WorkerGuard};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::EnvFilter;

/// Lines the writer's queue holds before dropping: a few MiB of webhook lines, about a tenth
/// of a second of full load while stdout's reader pauses.
pub const QUEUE_LINES: usize = 8_192;

/// How long the end of the process waits for queued lines to be written: with a stalled stdout
/// they never are, and the process must still exit.
pub const FLUSH_DEADLINE: Duration = Duration::from_millis(1500);

/// The JSON writer's count of dropped lines, once JSON logging is set up.
static DROPPED: OnceLock<ErrorCounter> = OnceLock::new();

/// Log lines dropped so far because the writer's queue was full.
pub fn dropped_log_lines() -> u64 {
    DROPPED.get().map_or(0, |c| c.dropped_lines() as u64)
}

/// A subscriber writing [`CloudLogging`] lines of the events `filter` enables to `writer`.
pub fn json_subscriber<W>(filter: EnvFilter, writer: W) -> impl Subscriber + Send + Sync
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let lines = tracing_subscriber::fmt::layer()
        .fmt_fields(SpanFields)
        .event_format(CloudLogging)
        .with_writer(writer);
    tracing_subscriber::registry().with(filter).with(lines)
}

/// Installs the global subscriber (and `log` records as tracing events); when one is installed
/// already, it stays. Keep the guard until the process ends: dropping it writes out the lines
/// still queued, waiting at most [`FLUSH_DEADLINE`].
pub fn init_logging(settings: &LogSettings) -> LogGuard {
    let json = match settings.format.as_str() {
        "json" => true,
        "pretty" => false,
        _ => !std::io::stdout().is_terminal(),
    };
    let (filter, rust_log_problem) = settings.filter();
    let guard = if json {
        let (writer, guard) = NonBlockingBuilder::default()
            .lossy(true)
            .buffered_lines_limit(QUEUE_LINES)
            .thread_name("log-writer")
            .finish(std::io::stdout());
        let _ = DROPPED.set(writer.error_counter());
        // Fails when a subscriber or a `log` logger is installed already: either stays.
        let _ = json_subscriber(filter, writer).try_init();
        Some(guard)
    } else {
        let _ = tracing_subscriber::fmt().with_env_filter(filter).try_init();
        None
    };
    if let Some(problem) = rust_log_problem {
        tracing::warn!("{problem}");
    }
    LogGuard(guard)
}

/// Writes out the queued log lines when dropped, or gives up after [`FLUSH_DEADLINE`].
#[must_use = "dropping the guard stops the log writer"]
pub struct LogGuard(Option<WorkerGuard>);

impl Drop for LogGuard {
    fn drop(&mut self) {
        let Some(guard) = self.0.take() else { return };
        // `WorkerGuard` waits for the writer about a second, but with its queue full it says so
        // with `println!`, which blocks for good on a stalled stdout: dropped on a thread of its
        // own, it cannot hold up the exit.
        let (done, wait) = std::sync::mpsc::channel();
        let dropping = std::thread::Builder::new().spawn(move || {
            drop(guard);
            let _ = done.send(());
        });
        if dropping.is_ok() {
            let _ = wait.recv_timeout(FLUSH_DEADLINE);
        }
    }
}
