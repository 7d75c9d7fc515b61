//! The recorder: a [`CallObserver`] that queues finished calls (bounded in bytes) for a thread
//! of its own, which redacts and writes them. The request path never waits on the disk: a call
//! that does not fit the queue is dropped, and so is one the disk refuses, each with a warning
//! (the first of a run of drops) and `intentful_record_cases_total{result=...}`.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::case::{write_case, RecordError};
use super::redact::Redactor;
use crate::config::Settings;
use crate::trace::{CallObserver, FinishedCall};

/// Room a call takes in the queue besides its bodies (the trace, the strings).
const OVERHEAD: usize = 1024;

pub struct Recorder {
    dir: PathBuf,
    queue: Mutex<Option<mpsc::Sender<Arc<FinishedCall>>>>,
    shared: Arc<Shared>,
}

struct Shared {
    /// Bytes of the calls queued or being written.
    queued: AtomicUsize,
    limit: usize,
    /// A drop was warned about and nothing was written since: later drops only count.
    dropping: AtomicBool,
}

impl Recorder {
    /// Starts recording into `settings.record.dir`: creates it, writes its `settings.toml` for
    /// the replay (unless there is one), and starts the writer thread. `None` when recording is
    /// off.
    pub fn start(settings: &Settings) -> Result<Option<Arc<Recorder>>, String> {
        let Some(dir) = settings.record.dir.clone() else {
            return Ok(None);
        };
        let redactor = Redactor::from_settings(settings)?;
        std::fs::create_dir_all(&dir)
            .map_err(|e| format!("record.dir `{}`: {e}", dir.display()))?;
        super::write_replay_settings(&dir, settings)
            .map_err(|e| format!("record.dir `{}`: settings.toml: {e}", dir.display()))?;
        let shared = Arc::new(Shared {
            queued: AtomicUsize::new(0),
            limit: settings.record.queue_bytes,
            dropping: AtomicBool::new(false),
        });
        let (tx, rx) = mpsc::channel::<Arc<FinishedCall>>();
        let writer = {
            let dir = dir.clone();
            let shared = shared.clone();
            move || {
                for call in rx {
                    let result = write_case(&dir, &call, &redactor);
                    // Counted before it leaves the queue: a flush returns only after both.
                    shared.written(result);
                    shared.queued.fetch_sub(size(&call), Ordering::AcqRel);
                }
            }
        };
        std::thread::Builder::new()
            .name("intentful-record".into())
            .spawn(writer)
            .map_err(|e| format!("starting the recorder: {e}"))?;
        for result in ["written", "skipped", "queue_full", "write_failed"] {
            count(result, 0);
        }
        tracing::info!(dir = %dir.display(), "recording every webhook call as a fixture case");
        Ok(Some(Arc::new(Recorder {
            dir,
            queue: Mutex::new(Some(tx)),
            shared,
        })))
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

impl CallObserver for Recorder {
    fn finished(&self, call: Arc<FinishedCall>) {
        let size = size(&call);
        let queued = self.shared.queued.fetch_add(size, Ordering::AcqRel);
        if queued + size > self.shared.limit {
            self.shared.queued.fetch_sub(size, Ordering::AcqRel);
            self.shared.dropped(
                "queue_full",
                "the recording queue (record.queue_bytes) is full",
            );
            return;
        }
        let sent = self
            .queue
            .lock()
            .ok()
            .and_then(|q| q.as_ref().map(|tx| tx.send(call).is_ok()));
        if sent != Some(true) {
            self.shared.queued.fetch_sub(size, Ordering::AcqRel);
            self.shared
                .dropped("write_failed", "the recorder has stopped");
        }
    }

    fn flush(&self, within: Duration) {
        let since = Instant::now();
        while self.shared.queued.load(Ordering::Acquire) > 0 && since.elapsed() < within {
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

impl Shared {
    fn written(&self, result: Result<PathBuf, RecordError>) {
        match result {
            Ok(path) => {
                self.dropping.store(false, Ordering::Release);
                count("written", 1);
                tracing::debug!(case = %path.display(), "call recorded");
            }
            Err(RecordError::NotReplayable(why)) => {
                count("skipped", 1);
                tracing::debug!(reason = %why, "call not recorded");
            }
            Err(e @ RecordError::Io { .. }) => self.dropped("write_failed", &e.to_string()),
        }
    }

    fn dropped(&self, result: &'static str, why: &str) {
        count(result, 1);
        if !self.dropping.swap(true, Ordering::AcqRel) {
            tracing::warn!(
                result,
                "a call was not recorded: {why}; the answer was not affected (later drops are \
                 only counted in intentful_record_cases_total until a case is written again)"
            );
        }
    }
}

fn size(call: &FinishedCall) -> usize {
    let exchanges: usize = call
        .trace
        .exchanges
        .iter()
        .map(|e| e.response_body.len() + e.request_body.as_ref().map_or(0, String::len) + 256)
        .sum();
    OVERHEAD + call.request.len() + call.response.len() + exchanges
}

fn count(result: &'static str, n: u64) {
    metrics::counter!("intentful_record_cases_total", "result" => result).increment(n);
}
