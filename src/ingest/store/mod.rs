//! The event store: a small async trait, so that the embedded SQLite store (the default) and a
//! PostgreSQL store for several instances can stand behind the same code and pass the same
//! tests (`suite.rs`).
//!
//! Model: an *event* is one delivered unit (raw body, the headers that matter, source, id,
//! type, receive time), unique by `(source, id)`: the unique key is the dedupe, claimed in the
//! same transaction that stores the event. Each handler the event was routed to is a *job*
//! with its own state (`pending` -> `running` under a lease -> `done` | back to `pending` at a
//! retry time | `dead`), so a failing handler never re-runs one that succeeded. An event with
//! no job is `ignored`. Every time is Unix milliseconds, passed in by the caller, so tests
//! decide the clock.
//!
//! The PostgreSQL twin (`postgres.rs`, several instances on one database) maps one to one:
//! `insert` is `INSERT .. ON CONFLICT DO NOTHING` plus the job rows in one transaction; `claim`
//! is an `UPDATE` of rows picked `FOR UPDATE SKIP LOCKED`; a lease whose holder died expires
//! and is claimed again; `recover` takes back only expired leases (the other instances' claims
//! are alive).

mod postgres;
mod sqlite;
pub use sqlite::FILE_NAME;
#[cfg(test)]
mod suite;
mod writer;

pub use postgres::PgStore;
pub use sqlite::SqliteStore;

use futures::future::BoxFuture;
use serde::Serialize;

/// Unix milliseconds.
pub type Millis = i64;

/// One event to store, with the handlers it was routed to (none: stored as ignored).
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub source: String,
    pub event_id: String,
    pub event_type: String,
    pub body: Vec<u8>,
    pub headers: Vec<(String, String)>,
    pub received_at: Millis,
    pub handlers: Vec<String>,
}

/// What became of one [`NewEvent`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum Inserted {
    /// Stored now, as event `seq`.
    Stored { seq: i64 },
    /// `(source, id)` was already stored, as event `seq`: nothing changed.
    Duplicate { seq: i64 },
}

/// A stored event.
#[derive(Debug, Clone, Serialize)]
pub struct StoredEvent {
    /// The store's own number for the event (`intentful events show <seq>`).
    pub seq: i64,
    pub source: String,
    pub event_id: String,
    pub event_type: String,
    pub received_at: Millis,
    pub headers: Vec<(String, String)>,
    #[serde(skip)]
    pub body: Vec<u8>,
}

/// One job handed to a worker: the event, the handler, and which attempt this is (1-based).
#[derive(Debug, Clone)]
pub struct Claimed {
    pub event: StoredEvent,
    pub handler: String,
    pub attempt: u32,
}

/// How an attempt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Finish {
    Done,
    RetryAt { at: Millis, error: String },
    Dead { error: String },
}

impl Finish {
    /// The job's new `(status, next_at, last_error)` when the attempt ended at `now`; no error
    /// keeps the last one.
    pub fn job_columns(self, now: Millis) -> (&'static str, Millis, Option<String>) {
        match self {
            Finish::Done => ("done", now, None),
            Finish::RetryAt { at, error } => ("pending", at, Some(error)),
            Finish::Dead { error } => ("dead", now, Some(error)),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum JobStatus {
    Pending,
    Running,
    Done,
    Dead,
}

impl JobStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            JobStatus::Pending => "pending",
            JobStatus::Running => "running",
            JobStatus::Done => "done",
            JobStatus::Dead => "dead",
        }
    }

    pub fn parse(s: &str) -> Option<JobStatus> {
        Some(match s {
            "pending" => JobStatus::Pending,
            "running" => JobStatus::Running,
            "done" => JobStatus::Done,
            "dead" => JobStatus::Dead,
            _ => return None,
        })
    }
}

/// One handler's job for an event.
#[derive(Debug, Clone, Serialize)]
pub struct JobInfo {
    pub handler: String,
    pub status: JobStatus,
    pub attempts: u32,
    pub next_at: Millis,
    pub last_error: Option<String>,
    pub updated_at: Millis,
}

/// An event and its jobs, as `events list` and `events show` print them.
#[derive(Debug, Clone, Serialize)]
pub struct EventRecord {
    #[serde(flatten)]
    pub event: StoredEvent,
    pub status: EventStatus,
    pub jobs: Vec<JobInfo>,
}

/// An event's state, from its jobs: `dead` if any job is, else `pending` while any job is not
/// finished, `done` when all are, `ignored` with none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EventStatus {
    Pending,
    Done,
    Dead,
    Ignored,
}

impl EventStatus {
    pub fn of(jobs: &[JobInfo]) -> EventStatus {
        if jobs.is_empty() {
            EventStatus::Ignored
        } else if jobs.iter().any(|j| j.status == JobStatus::Dead) {
            EventStatus::Dead
        } else if jobs.iter().all(|j| j.status == JobStatus::Done) {
            EventStatus::Done
        } else {
            EventStatus::Pending
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            EventStatus::Pending => "pending",
            EventStatus::Done => "done",
            EventStatus::Dead => "dead",
            EventStatus::Ignored => "ignored",
        }
    }

    pub fn parse(s: &str) -> Option<EventStatus> {
        Some(match s {
            "pending" => EventStatus::Pending,
            "done" => EventStatus::Done,
            "dead" => EventStatus::Dead,
            "ignored" => EventStatus::Ignored,
            _ => return None,
        })
    }
}

/// The SQL condition on an event row `e` (with its jobs in `jobs j`) for `list`'s status filter;
/// the same text on both stores ([`EventStatus::of`] says the same in Rust).
pub(crate) fn status_condition(status: Option<EventStatus>) -> &'static str {
    match status {
        None => "TRUE",
        Some(EventStatus::Ignored) => "NOT EXISTS (SELECT 1 FROM jobs j WHERE j.event_seq = e.seq)",
        Some(EventStatus::Dead) => {
            "EXISTS (SELECT 1 FROM jobs j WHERE j.event_seq = e.seq AND j.status = 'dead')"
        }
        Some(EventStatus::Pending) => {
            "EXISTS (SELECT 1 FROM jobs j WHERE j.event_seq = e.seq
                 AND j.status IN ('pending', 'running'))
             AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.event_seq = e.seq
                 AND j.status = 'dead')"
        }
        Some(EventStatus::Done) => {
            "EXISTS (SELECT 1 FROM jobs j WHERE j.event_seq = e.seq)
             AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.event_seq = e.seq
                 AND j.status <> 'done')"
        }
    }
}

/// Which events `list` returns, newest first.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    pub status: Option<EventStatus>,
    pub source: Option<String>,
    pub limit: usize,
}

/// The queue, for metrics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QueueStats {
    /// Jobs waiting or running.
    pub open: u64,
    pub dead: u64,
    /// Receive time of the oldest event with an open job.
    pub oldest_open: Option<Millis>,
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    #[error("event store: {0}")]
    Failed(String),
    #[error("event store is closed")]
    Closed,
}

pub type StoreResult<'a, T> = BoxFuture<'a, Result<T, StoreError>>;

/// The durable event store. Every method that changes something returns once the change is
/// committed and on disk.
pub trait EventStore: Send + Sync + 'static {
    /// Stores one delivery's events, each with its jobs, claiming `(source, id)` atomically: a
    /// pair already stored (or stored twice in this batch) comes back as a duplicate.
    fn insert(&self, events: Vec<NewEvent>) -> StoreResult<'_, Vec<Inserted>>;

    /// Claims up to `limit` due jobs for `owner` until `lease_until`: pending jobs whose time
    /// has come, and running jobs whose lease expired (their worker died). Each claim counts
    /// one attempt.
    fn claim(
        &self,
        owner: &str,
        now: Millis,
        lease_until: Millis,
        limit: usize,
    ) -> StoreResult<'_, Vec<Claimed>>;

    /// Records how an attempt ended; ignored when `owner` no longer holds the job (its lease
    /// expired and someone else took it).
    fn finish(
        &self,
        seq: i64,
        handler: &str,
        owner: &str,
        now: Millis,
        outcome: Finish,
    ) -> StoreResult<'_, bool>;

    /// Makes the claims of processes that are gone claimable at once; returns how many. The
    /// embedded store is used by one server process, so at its start every claim is orphaned.
    /// A [`shared`](EventStore::shared) store cannot tell a dead process's claim from a live
    /// one's before its lease runs out: it takes back only expired leases.
    fn recover(&self, now: Millis) -> StoreResult<'_, u64>;

    /// Whether other server processes use this store at the same time.
    fn shared(&self) -> bool {
        false
    }

    /// Events, newest first.
    fn list(&self, filter: ListFilter) -> StoreResult<'_, Vec<EventRecord>>;

    /// One event with its body.
    fn get(&self, seq: i64) -> StoreResult<'_, Option<EventRecord>>;

    /// Sets `handlers`' jobs of event `seq` to pending now with no attempts made (creating
    /// jobs that do not exist); returns how many.
    fn requeue(&self, seq: i64, handlers: Vec<String>, now: Millis) -> StoreResult<'_, u64>;

    /// Every dead job back to pending now with no attempts made; returns how many.
    fn requeue_dead(&self, now: Millis) -> StoreResult<'_, u64>;

    /// Deletes events received before `before` whose jobs are all done (or that had none);
    /// their ids may then be delivered again as new. Pending and dead events are kept.
    fn purge(&self, before: Millis) -> StoreResult<'_, u64>;

    fn stats(&self) -> StoreResult<'_, QueueStats>;

    /// When the next job falls due (pending) or a lease runs out (running).
    fn next_due(&self) -> StoreResult<'_, Option<Millis>>;

    /// A real, durable write, for readiness: fails when the store cannot commit.
    fn probe(&self, now: Millis) -> StoreResult<'_, ()>;
}
