//! The embedded store: one SQLite file (`<events.dir>/events.sqlite3`) in WAL mode with
//! `synchronous = FULL`, so a commit is on disk when it returns. Writes go through the
//! group-commit thread (`writer.rs`); reads use a connection of their own on the blocking
//! pool, so listing never waits behind an fsync.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rusqlite::{params, Connection, OpenFlags, OptionalExtension};

use super::writer::Writer;
use super::{
    Claimed, EventRecord, EventStatus, EventStore, Finish, Inserted, JobInfo, JobStatus,
    ListFilter, Millis, NewEvent, QueueStats, StoreError, StoreResult, StoredEvent,
};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY,
    source TEXT NOT NULL,
    event_id TEXT NOT NULL,
    event_type TEXT NOT NULL,
    received_at INTEGER NOT NULL,
    headers TEXT NOT NULL,
    body BLOB NOT NULL,
    UNIQUE (source, event_id)
);
CREATE INDEX IF NOT EXISTS events_received ON events (received_at);
CREATE TABLE IF NOT EXISTS jobs (
    event_seq INTEGER NOT NULL,
    handler TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_at INTEGER NOT NULL,
    lease_until INTEGER,
    owner TEXT,
    last_error TEXT,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (event_seq, handler)
);
CREATE INDEX IF NOT EXISTS jobs_due ON jobs (status, next_at);
CREATE INDEX IF NOT EXISTS jobs_lease ON jobs (status, lease_until);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
PRAGMA user_version = 1;
";

/// The file inside `events.dir`.
pub const FILE_NAME: &str = "events.sqlite3";

pub struct SqliteStore {
    path: PathBuf,
    writer: Writer,
    reader: Arc<Mutex<Connection>>,
}

fn failed(e: impl std::fmt::Display) -> StoreError {
    StoreError::Failed(e.to_string())
}

impl SqliteStore {
    /// Opens (creating the directory, file and tables on first use) the store in `dir`.
    /// A write waits at most `busy_timeout` for the file lock before failing.
    pub fn open(dir: &Path, busy_timeout: Duration) -> Result<SqliteStore, StoreError> {
        std::fs::create_dir_all(dir).map_err(|e| failed(format!("{}: {e}", dir.display())))?;
        let path = dir.join(FILE_NAME);
        let conn =
            Connection::open(&path).map_err(|e| failed(format!("{}: {e}", path.display())))?;
        conn.busy_timeout(busy_timeout).map_err(failed)?;
        let mode: String = conn
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
            .map_err(failed)?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(failed(format!(
                "{}: WAL mode refused ({mode})",
                path.display()
            )));
        }
        conn.execute_batch("PRAGMA synchronous = FULL")
            .map_err(failed)?;
        conn.execute_batch(SCHEMA).map_err(failed)?;
        let reader = Connection::open_with_flags(
            &path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(failed)?;
        reader.busy_timeout(busy_timeout).map_err(failed)?;
        Ok(SqliteStore {
            path,
            writer: Writer::start(conn).map_err(failed)?,
            reader: Arc::new(Mutex::new(reader)),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    async fn read<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, rusqlite::Error> + Send + 'static,
    {
        let reader = self.reader.clone();
        tokio::task::spawn_blocking(move || {
            let conn = reader.lock().map_err(|_| StoreError::Closed)?;
            f(&conn).map_err(failed)
        })
        .await
        .map_err(|_| StoreError::Closed)?
    }
}

fn insert_all(conn: &Connection, events: Vec<NewEvent>) -> rusqlite::Result<Vec<Inserted>> {
    let mut add = conn.prepare_cached(
        "INSERT INTO events (source, event_id, event_type, received_at, headers, body)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (source, event_id) DO NOTHING",
    )?;
    let mut existing =
        conn.prepare_cached("SELECT seq FROM events WHERE source = ?1 AND event_id = ?2")?;
    let mut job = conn.prepare_cached(
        "INSERT INTO jobs (event_seq, handler, status, next_at, updated_at)
         VALUES (?1, ?2, 'pending', ?3, ?3) ON CONFLICT DO NOTHING",
    )?;
    let mut out = Vec::with_capacity(events.len());
    for e in events {
        let headers = serde_json::to_string(&e.headers).unwrap_or_else(|_| "[]".into());
        let added = add.execute(params![
            e.source,
            e.event_id,
            e.event_type,
            e.received_at,
            headers,
            e.body
        ])?;
        if added == 0 {
            let seq: i64 = existing.query_row(params![e.source, e.event_id], |r| r.get(0))?;
            out.push(Inserted::Duplicate { seq });
            continue;
        }
        let seq = conn.last_insert_rowid();
        for h in &e.handlers {
            job.execute(params![seq, h, e.received_at])?;
        }
        out.push(Inserted::Stored { seq });
    }
    Ok(out)
}

fn event_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<StoredEvent> {
    let headers: String = r.get(5)?;
    Ok(StoredEvent {
        seq: r.get(0)?,
        source: r.get(1)?,
        event_id: r.get(2)?,
        event_type: r.get(3)?,
        received_at: r.get(4)?,
        headers: serde_json::from_str(&headers).unwrap_or_default(),
        body: r.get(6)?,
    })
}

const EVENT_COLUMNS: &str = "seq, source, event_id, event_type, received_at, headers, body";

fn jobs_of(conn: &Connection, seq: i64) -> rusqlite::Result<Vec<JobInfo>> {
    let mut q = conn.prepare_cached(
        "SELECT handler, status, attempts, next_at, last_error, updated_at
         FROM jobs WHERE event_seq = ?1 ORDER BY handler",
    )?;
    let rows = q.query_map([seq], |r| {
        let status: String = r.get(1)?;
        Ok(JobInfo {
            handler: r.get(0)?,
            status: JobStatus::parse(&status).unwrap_or(JobStatus::Pending),
            attempts: r.get(2)?,
            next_at: r.get(3)?,
            last_error: r.get(4)?,
            updated_at: r.get(5)?,
        })
    })?;
    rows.collect()
}

fn record(conn: &Connection, event: StoredEvent) -> rusqlite::Result<EventRecord> {
    let jobs = jobs_of(conn, event.seq)?;
    Ok(EventRecord {
        status: EventStatus::of(&jobs),
        event,
        jobs,
    })
}

impl EventStore for SqliteStore {
    fn insert(&self, events: Vec<NewEvent>) -> StoreResult<'_, Vec<Inserted>> {
        Box::pin(self.writer.write(move |conn| insert_all(conn, events)))
    }

    fn claim(
        &self,
        owner: &str,
        now: Millis,
        lease_until: Millis,
        limit: usize,
    ) -> StoreResult<'_, Vec<Claimed>> {
        let owner = owner.to_string();
        Box::pin(self.writer.write(move |conn| {
            let mut claim = conn.prepare_cached(
                "UPDATE jobs SET status = 'running', owner = ?1, lease_until = ?2,
                     attempts = attempts + 1, updated_at = ?3
                 WHERE rowid IN (
                     SELECT rowid FROM jobs
                     WHERE (status = 'pending' AND next_at <= ?3)
                        OR (status = 'running' AND lease_until <= ?3)
                     ORDER BY next_at LIMIT ?4)
                 RETURNING event_seq, handler, attempts",
            )?;
            let jobs: Vec<(i64, String, u32)> = claim
                .query_map(params![owner, lease_until, now, limit as i64], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                })?
                .collect::<Result<_, _>>()?;
            let mut get = conn.prepare_cached(&format!(
                "SELECT {EVENT_COLUMNS} FROM events WHERE seq = ?1"
            ))?;
            jobs.into_iter()
                .map(|(seq, handler, attempt)| {
                    Ok(Claimed {
                        event: get.query_row([seq], event_row)?,
                        handler,
                        attempt,
                    })
                })
                .collect()
        }))
    }

    fn finish(
        &self,
        seq: i64,
        handler: &str,
        owner: &str,
        now: Millis,
        outcome: Finish,
    ) -> StoreResult<'_, bool> {
        let (handler, owner) = (handler.to_string(), owner.to_string());
        Box::pin(self.writer.write(move |conn| {
            let (status, next_at, error) = outcome.job_columns(now);
            let n = conn.execute(
                "UPDATE jobs SET status = ?1, next_at = ?2, last_error = COALESCE(?3, last_error),
                     lease_until = NULL, owner = NULL, updated_at = ?4
                 WHERE event_seq = ?5 AND handler = ?6 AND owner = ?7 AND status = 'running'",
                params![status, next_at, error, now, seq, handler, owner],
            )?;
            Ok(n == 1)
        }))
    }

    fn recover(&self, now: Millis) -> StoreResult<'_, u64> {
        Box::pin(self.writer.write(move |conn| {
            let n = conn.execute(
                "UPDATE jobs SET status = 'pending', next_at = ?1, lease_until = NULL,
                     owner = NULL, updated_at = ?1
                 WHERE status = 'running'",
                [now],
            )?;
            Ok(n as u64)
        }))
    }

    fn list(&self, filter: ListFilter) -> StoreResult<'_, Vec<EventRecord>> {
        Box::pin(self.read(move |conn| {
            let status_sql = super::status_condition(filter.status);
            let sql = format!(
                "SELECT {EVENT_COLUMNS} FROM events e
                 WHERE ({status_sql}) AND (?1 IS NULL OR e.source = ?1)
                 ORDER BY e.seq DESC LIMIT ?2"
            );
            let mut q = conn.prepare(&sql)?;
            let events: Vec<StoredEvent> = q
                .query_map(params![filter.source, filter.limit as i64], event_row)?
                .collect::<Result<_, _>>()?;
            events
                .into_iter()
                .map(|mut e| {
                    e.body.clear();
                    record(conn, e)
                })
                .collect()
        }))
    }

    fn get(&self, seq: i64) -> StoreResult<'_, Option<EventRecord>> {
        Box::pin(self.read(move |conn| {
            let event = conn
                .query_row(
                    &format!("SELECT {EVENT_COLUMNS} FROM events WHERE seq = ?1"),
                    [seq],
                    event_row,
                )
                .optional()?;
            event.map(|e| record(conn, e)).transpose()
        }))
    }

    fn requeue(&self, seq: i64, handlers: Vec<String>, now: Millis) -> StoreResult<'_, u64> {
        Box::pin(self.writer.write(move |conn| {
            let mut up = conn.prepare_cached(
                "INSERT INTO jobs (event_seq, handler, status, next_at, updated_at)
                 SELECT ?1, ?2, 'pending', ?3, ?3 WHERE EXISTS (SELECT 1 FROM events WHERE seq = ?1)
                 ON CONFLICT (event_seq, handler) DO UPDATE SET status = 'pending',
                     attempts = 0, next_at = ?3, lease_until = NULL, owner = NULL, updated_at = ?3",
            )?;
            let mut n = 0;
            for h in &handlers {
                n += up.execute(params![seq, h, now])? as u64;
            }
            Ok(n)
        }))
    }

    fn requeue_dead(&self, now: Millis) -> StoreResult<'_, u64> {
        Box::pin(self.writer.write(move |conn| {
            let n = conn.execute(
                "UPDATE jobs SET status = 'pending', attempts = 0, next_at = ?1, updated_at = ?1
                 WHERE status = 'dead'",
                [now],
            )?;
            Ok(n as u64)
        }))
    }

    fn purge(&self, before: Millis) -> StoreResult<'_, u64> {
        Box::pin(self.writer.write(move |conn| {
            let finished = "SELECT seq FROM events e WHERE e.received_at < ?1
                AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.event_seq = e.seq AND j.status != 'done')";
            conn.execute(
                &format!("DELETE FROM jobs WHERE event_seq IN ({finished})"),
                [before],
            )?;
            let n = conn.execute(&format!("DELETE FROM events WHERE seq IN ({finished})"), [before])?;
            Ok(n as u64)
        }))
    }

    fn stats(&self) -> StoreResult<'_, QueueStats> {
        Box::pin(self.read(|conn| {
            conn.query_row(
                "SELECT
                    (SELECT COUNT(*) FROM jobs WHERE status IN ('pending', 'running')),
                    (SELECT COUNT(*) FROM jobs WHERE status = 'dead'),
                    (SELECT MIN(e.received_at) FROM jobs j JOIN events e ON e.seq = j.event_seq
                     WHERE j.status IN ('pending', 'running'))",
                [],
                |r| {
                    Ok(QueueStats {
                        open: r.get::<_, i64>(0)? as u64,
                        dead: r.get::<_, i64>(1)? as u64,
                        oldest_open: r.get(2)?,
                    })
                },
            )
        }))
    }

    fn next_due(&self) -> StoreResult<'_, Option<Millis>> {
        Box::pin(self.read(|conn| {
            conn.query_row(
                "SELECT MIN(t) FROM (
                    SELECT MIN(next_at) AS t FROM jobs WHERE status = 'pending'
                    UNION ALL
                    SELECT MIN(lease_until) FROM jobs WHERE status = 'running')",
                [],
                |r| r.get(0),
            )
        }))
    }

    fn probe(&self, now: Millis) -> StoreResult<'_, ()> {
        Box::pin(self.writer.write(move |conn| {
            conn.execute(
                "INSERT INTO meta (key, value) VALUES ('probe', ?1)
                 ON CONFLICT (key) DO UPDATE SET value = ?1",
                [now.to_string()],
            )?;
            Ok(())
        }))
    }
}
