//! The JSON log lines' way out: a buffer that a writer thread empties to stdout in batches.
//!
//! A webhook call must never wait on its log line. Written straight to stdout, every line was a
//! `write` syscall on the worker thread, and a stalled reader of stdout (a full pipe to the
//! logging agent) would have stalled the calls with it, past their deadline. A call now appends
//! its line to a shared buffer under a short lock; a thread of our own swaps the buffer out and
//! writes it, a [`TICK`] after the first line it finds (so a line waits about that long, plus
//! any write still under way), or as soon as the buffer holds a full batch. When the buffer is
//! full, lines are dropped, not waited for, and counted in `intentful_log_lines_dropped_total`.
//!
//! Not tracing-appender's non-blocking writer, which this replaced: it sends each line through
//! a channel as a `Vec` of its own and wakes its writer for nearly every line when calls come a
//! few dozen microseconds apart. Its writer thread used 0.2 to 0.4 µs of CPU per call in the
//! benchmark (1 to 2 %, on the server's one CPU), and perf showed the wake-ups' context
//! switches on top; this writer's use is too small to measure.

use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock};
use std::time::Duration;

use tracing_subscriber::fmt::MakeWriter;

/// Lines the buffer holds before dropping: about 3 MiB of webhook lines. At full load that
/// covers a pause of the reader of about a tenth of a second. The batch being written comes on
/// top, so memory can hold twice this while stdout is slow.
pub const QUEUE_LINES: usize = 8_192;

/// Bytes the buffer holds before dropping, whatever the lines' length (twice, as above).
const QUEUE_BYTES: usize = 8 * 1024 * 1024;

/// A batch this large (or half [`QUEUE_LINES`]) is written at once, without waiting out the
/// tick.
const BATCH_BYTES: usize = 256 * 1024;
const BATCH_LINES: usize = QUEUE_LINES / 2;

/// How long the writer gathers lines after the first one before writing them.
pub const TICK: Duration = Duration::from_millis(20);

/// How long the end of the process waits for the buffered lines to be written: with a stalled
/// stdout the writer thread never finishes, and the process must still exit.
pub const FLUSH_DEADLINE: Duration = Duration::from_millis(1500);

/// What callers and the writer thread share.
#[derive(Default)]
struct Shared {
    state: Mutex<State>,
    /// The writer waits here for its first line, or for a full batch during the tick.
    wake: Condvar,
    dropped: AtomicU64,
}

#[derive(Default)]
struct State {
    pending: Vec<u8>,
    lines: usize,
    waiting: Waiting,
    closing: bool,
    /// No writer thread: every line is counted as dropped.
    unwritten: bool,
}

impl State {
    fn full_batch(&self) -> bool {
        self.pending.len() >= BATCH_BYTES || self.lines >= BATCH_LINES
    }
}

/// What the writer thread is waiting for, so that a caller wakes it only when that happened
/// (a notification is a syscall).
#[derive(Default, Clone, Copy, PartialEq)]
enum Waiting {
    #[default]
    Nothing,
    FirstLine,
    FullBatch,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock left at worst a partial line: keep logging.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn push(&self, line: &[u8]) {
        let mut state = self.lock();
        if state.unwritten
            || state.lines >= QUEUE_LINES
            || state.pending.len() + line.len() > QUEUE_BYTES
        {
            drop(state);
            self.dropped.fetch_add(1, Ordering::Relaxed);
            return;
        }
        state.pending.extend_from_slice(line);
        state.lines += 1;
        let wake = match state.waiting {
            Waiting::FirstLine => true,
            Waiting::FullBatch => state.full_batch(),
            Waiting::Nothing => false,
        };
        if wake {
            state.waiting = Waiting::Nothing;
            drop(state);
            self.wake.notify_one();
        }
    }

    /// The writer thread: waits for a first line, gathers for a tick (or a full batch), swaps
    /// the buffer out and writes it; after `closing`, writes what is left and returns.
    fn write_out(&self, mut out: impl Write) {
        let mut batch = Vec::new();
        loop {
            let (closing, lines) = {
                let mut state = self.lock();
                while state.pending.is_empty() && !state.closing {
                    state.waiting = Waiting::FirstLine;
                    state = self.wake.wait(state).unwrap_or_else(|p| p.into_inner());
                }
                if !state.closing && !state.full_batch() {
                    state.waiting = Waiting::FullBatch;
                    state = self
                        .wake
                        .wait_timeout(state, TICK)
                        .map_or_else(|p| p.into_inner().0, |(s, _)| s);
                }
                state.waiting = Waiting::Nothing;
                std::mem::swap(&mut state.pending, &mut batch);
                (state.closing, std::mem::take(&mut state.lines))
            };
            if out.write_all(&batch).and_then(|()| out.flush()).is_err() {
                // Part of the batch may be out, ending mid-line: end that line, so the next
                // batch starts a line of its own, and count the batch's lines as lost.
                let _ = out.write_all(b"\n");
                self.dropped.fetch_add(lines as u64, Ordering::Relaxed);
            }
            let wrote_nothing = batch.is_empty();
            batch.clear();
            if closing && wrote_nothing {
                return;
            }
        }
    }
}

/// Where the subscriber writes its lines: each `write` is one whole line.
#[derive(Clone)]
pub struct QueueWriter(Arc<Shared>);

impl QueueWriter {
    /// Lines dropped so far because the buffer was full.
    pub fn dropped_lines(&self) -> u64 {
        self.0.dropped.load(Ordering::Relaxed)
    }
}

impl Write for &QueueWriter {
    fn write(&mut self, line: &[u8]) -> std::io::Result<usize> {
        self.0.push(line);
        Ok(line.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for QueueWriter {
    type Writer = &'a QueueWriter;

    fn make_writer(&'a self) -> Self::Writer {
        self
    }
}

/// Keeps the writer thread. Dropping it writes out the lines still buffered, waiting at most
/// [`FLUSH_DEADLINE`]. Hold it until the process ends (the binary's `serve` does), so a graceful
/// shutdown writes out what was logged before it, unless stdout itself is stalled. Lines logged
/// after it is dropped are not written.
#[must_use = "dropping the guard stops the log writer"]
pub struct LogGuard {
    writer: Option<(Arc<Shared>, std::thread::JoinHandle<()>)>,
}

impl LogGuard {
    /// A guard for logs that need no writer thread (the terminal format, or logging set up
    /// before).
    pub fn none() -> LogGuard {
        LogGuard { writer: None }
    }
}

impl Drop for LogGuard {
    fn drop(&mut self) {
        let Some((shared, thread)) = self.writer.take() else {
            return;
        };
        shared.lock().closing = true;
        shared.wake.notify_one();
        // Waited for with a deadline, not joined: a stalled stdout must not hold the exit.
        let deadline = std::time::Instant::now() + FLUSH_DEADLINE;
        while !thread.is_finished() && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(2));
        }
    }
}

/// The dropped-lines count of the installed queue, read at each `/metrics` scrape.
static DROPPED: OnceLock<QueueWriter> = OnceLock::new();

/// A buffered writer to `out` and the guard of its thread. Without a thread (the system refused
/// one), every line is counted as dropped.
pub fn queue<W: Write + Send + 'static>(out: W) -> (QueueWriter, LogGuard) {
    let shared = Arc::new(Shared::default());
    let writer = QueueWriter(shared.clone());
    let thread = std::thread::Builder::new()
        .name("intentful-log-writer".into())
        .spawn({
            let shared = shared.clone();
            move || shared.write_out(out)
        });
    let guard = match thread {
        Ok(thread) => LogGuard {
            writer: Some((shared, thread)),
        },
        Err(_) => {
            shared.lock().unwritten = true;
            LogGuard::none()
        }
    };
    (writer, guard)
}

/// Makes these the dropped lines `/metrics` reports: the installed subscriber's queue's.
pub fn report_drops(writer: QueueWriter) {
    let _ = DROPPED.set(writer);
}

/// Lines dropped so far because the buffer was full.
pub fn dropped_lines() -> u64 {
    DROPPED.get().map_or(0, QueueWriter::dropped_lines)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::telemetry::test_buffer::Buffer;
    use std::sync::{Arc, Mutex};

    #[test]
    fn dropping_the_guard_writes_out_every_queued_line() {
        let out = Buffer::default();
        let (writer, guard) = queue(out.clone());
        for i in 0..1000 {
            (&writer)
                .write_all(format!("line {i}\n").as_bytes())
                .unwrap();
        }
        drop(guard);
        let text = out.text();
        assert_eq!(text.lines().count(), 1000);
        assert_eq!(text.lines().last(), Some("line 999"));
    }

    /// Waits (at most 10 s) until `done` holds; the writer thread works on its own time.
    fn wait_until(done: impl Fn() -> bool) {
        let since = std::time::Instant::now();
        while !done() && since.elapsed() < Duration::from_secs(10) {
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    #[test]
    fn a_lone_line_goes_out_after_a_tick_without_waiting_for_a_batch() {
        let out = Buffer::default();
        let (writer, _guard) = queue(out.clone());
        (&writer).write_all(b"quiet\n").unwrap();
        wait_until(|| !out.text().is_empty());
        assert_eq!(out.text(), "quiet\n", "still unwritten after 10 s");
        // And again after the writer went back to waiting for a first line.
        (&writer).write_all(b"again\n").unwrap();
        wait_until(|| out.text().lines().count() >= 2);
        assert_eq!(out.text(), "quiet\nagain\n");
    }

    #[test]
    fn a_failed_write_ends_its_line_and_counts_the_batch_as_dropped() {
        // Writes the first three bytes it is given, then fails once, like a broken pipe.
        struct FailsOnce(Buffer, bool);
        impl Write for FailsOnce {
            fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
                if !self.1 {
                    self.1 = true;
                    self.0.write_all(&buf[..buf.len().min(3)])?;
                    return Err(std::io::Error::other("broken pipe"));
                }
                self.0.write(buf)
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let out = Buffer::default();
        let (writer, guard) = queue(FailsOnce(out.clone(), false));
        (&writer).write_all(b"{\"a\":1}\n").unwrap();
        wait_until(|| writer.dropped_lines() > 0);
        (&writer).write_all(b"{\"b\":2}\n").unwrap();
        drop(guard);
        assert_eq!(
            out.text(),
            "{\"a\n{\"b\":2}\n",
            "the next line starts a line"
        );
        assert_eq!(writer.dropped_lines(), 1);
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
        let (writer, guard) = queue(Stalled(gate.clone()));
        let counter = writer.clone();
        // Far more lines than the queue and the batch buffer hold, written on another thread
        // so that a writer that blocks fails the test instead of hanging it.
        let (done_tx, done_rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let line = [b'x'; 127];
            for _ in 0..(QUEUE_LINES * 2 + BATCH_BYTES / 128 + 10) {
                let _ = (&writer).write_all(&line);
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
