//! The JSON log lines' way out: a queue that a writer thread drains to stdout in batches.
//!
//! A webhook call must never wait on its log line. Written straight to stdout, every line was a
//! `write` syscall on the worker thread, and a stalled reader of stdout (a full pipe to the
//! logging agent) would have stalled the calls with it, past their deadline. Lines now go to a
//! bounded queue (tracing-appender's non-blocking writer); its thread writes what has queued up
//! in writes of up to 64 KiB. When the queue is full, lines are dropped, not waited for, and
//! counted in `intentful_log_lines_dropped_total`.

use std::io::{BufWriter, Write};
use std::sync::OnceLock;
use std::time::Duration;

use tracing_appender::non_blocking::{ErrorCounter, NonBlocking, NonBlockingBuilder, WorkerGuard};

/// Lines the queue holds before dropping: about 3 MiB of webhook lines, within the memory
/// budget. At full load that covers a pause of the reader of about a tenth of a second.
pub const QUEUE_LINES: usize = 8_192;

/// What the writer thread gathers before a `write`; it also writes as soon as the queue is
/// empty, so a quiet service's lines go out at once.
const BATCH_BYTES: usize = 64 * 1024;

/// How long the end of the process waits for the queued lines to be written. tracing-appender
/// waits up to about a second itself, but with a stalled stdout its guard blocks for good (it
/// reports the stall with a `println!` to that same stdout): the process must still exit.
pub const FLUSH_DEADLINE: Duration = Duration::from_millis(1500);

/// Keeps the writer thread. Dropping it writes out the lines still queued, waiting at most
/// [`FLUSH_DEADLINE`]. Hold it until the process ends: `main` returns through it, so a graceful
/// shutdown writes out what was logged before it, unless stdout itself is stalled.
#[must_use = "dropping the guard stops the log writer"]
pub struct LogGuard {
    worker: Option<WorkerGuard>,
}

impl LogGuard {
    /// A guard for logs that need no writer thread (the terminal format, or logging set up
    /// before).
    pub fn none() -> LogGuard {
        LogGuard { worker: None }
    }
}

impl Drop for LogGuard {
    fn drop(&mut self) {
        let Some(worker) = self.worker.take() else {
            return;
        };
        // Dropped on a thread of its own, so that a stalled stdout cannot hold the exit.
        let (done_tx, done_rx) = std::sync::mpsc::channel();
        let flushing = std::thread::Builder::new()
            .name("intentful-log-flush".into())
            .spawn(move || {
                drop(worker);
                let _ = done_tx.send(());
            });
        if flushing.is_ok() {
            let _ = done_rx.recv_timeout(FLUSH_DEADLINE);
        }
    }
}

/// The counter of dropped lines of the installed queue, read at each `/metrics` scrape.
static DROPPED: OnceLock<ErrorCounter> = OnceLock::new();

/// A non-blocking writer to `out` and the guard of its thread.
pub fn queue<W: Write + Send + 'static>(out: W) -> (NonBlocking, LogGuard) {
    let (writer, guard) = NonBlockingBuilder::default()
        .lossy(true)
        .buffered_lines_limit(QUEUE_LINES)
        .thread_name("intentful-log-writer")
        .finish(BufWriter::with_capacity(BATCH_BYTES, out));
    (
        writer,
        LogGuard {
            worker: Some(guard),
        },
    )
}

/// Makes these the dropped lines `/metrics` reports: the installed subscriber's queue's.
pub fn report_drops(counter: ErrorCounter) {
    let _ = DROPPED.set(counter);
}

/// Lines dropped so far because the queue was full.
pub fn dropped_lines() -> u64 {
    DROPPED.get().map_or(0, |c| c.dropped_lines() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::telemetry::test_buffer::Buffer;
    use std::sync::{Arc, Mutex};

    #[test]
    fn dropping_the_guard_writes_out_every_queued_line() {
        let out = Buffer::default();
        let (mut writer, guard) = queue(out.clone());
        for i in 0..1000 {
            writer.write_all(format!("line {i}\n").as_bytes()).unwrap();
        }
        drop(guard);
        let text = out.text();
        assert_eq!(text.lines().count(), 1000);
        assert_eq!(text.lines().last(), Some("line 999"));
    }

    #[test]
    fn a_stalled_output_drops_lines_instead_of_blocking_the_caller() {
        // An output that blocks until released, like a full pipe.
        struct Stalled(Arc<Mutex<()>>);
        impl Write for Stalled {
            fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
                let _wait = self.0.lock();
                Ok(buf.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                let _wait = self.0.lock();
                Ok(())
            }
        }
        let gate = Arc::new(Mutex::new(()));
        let held = gate.lock().unwrap();
        let (mut writer, guard) = queue(Stalled(gate.clone()));
        let counter = writer.error_counter();
        // Far more lines than the queue and the batch buffer hold, written on another thread
        // so that a writer that blocks fails the test instead of hanging it.
        let (done_tx, done_rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let line = [b'x'; 127];
            for _ in 0..(QUEUE_LINES * 2 + BATCH_BYTES / 128 + 10) {
                let _ = writer.write_all(&line);
            }
            let _ = done_tx.send(());
        });
        let finished = done_rx.recv_timeout(std::time::Duration::from_secs(10));
        drop(held);
        assert!(
            finished.is_ok(),
            "writing a line blocked on the stalled output"
        );
        assert!(counter.dropped_lines() > 0, "a full queue drops lines");
        drop(guard);
    }
}
