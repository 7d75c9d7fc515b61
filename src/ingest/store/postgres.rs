//! The shared store: the same model as the embedded one on PostgreSQL, for several instances
//! behind one load balancer. A transaction commits (with the server's default
//! `synchronous_commit = on`, durably) before a method returns, so a 2xx follows a commit.
//!
//! - `insert`: `INSERT .. ON CONFLICT (source, event_id) DO NOTHING` plus the job rows, in one
//!   transaction. Two instances storing the same delivery at once meet on the unique index: the
//!   second waits for the first's commit, then finds the row and answers duplicate; the job
//!   exists once, so the handler runs once.
//! - `claim`: `FOR UPDATE SKIP LOCKED` picks due rows no other instance is claiming right now;
//!   the claim itself is a lease (`owner`, `lease_until`), so a job whose instance died is
//!   claimed again once the lease runs out.
//! - `recover`: only expired leases. The other instances' claims are alive, and a restarted
//!   instance has a new identity, so it cannot tell its old claims from theirs.

use std::collections::HashMap;
use std::sync::Arc;

use tokio_postgres::Row;

use super::{
    Claimed, EventRecord, EventStatus, EventStore, Finish, Inserted, JobInfo, JobStatus,
    ListFilter, Millis, NewEvent, QueueStats, StoreError, StoreResult, StoredEvent,
};
use crate::pg::{Client, Pg, PgError};

pub struct PgStore {
    pg: Arc<Pg>,
}

impl From<PgError> for StoreError {
    fn from(e: PgError) -> StoreError {
        StoreError::Failed(e.0)
    }
}

const EVENT_COLUMNS: &str = "seq, source, event_id, event_type, received_at, headers, body";

fn event_row(r: &Row) -> StoredEvent {
    let headers: String = r.get(5);
    StoredEvent {
        seq: r.get(0),
        source: r.get(1),
        event_id: r.get(2),
        event_type: r.get(3),
        received_at: r.get(4),
        headers: serde_json::from_str(&headers).unwrap_or_default(),
        body: r.get(6),
    }
}

fn job_row(r: &Row) -> JobInfo {
    let status: String = r.get(1);
    let attempts: i32 = r.get(2);
    JobInfo {
        handler: r.get(0),
        status: JobStatus::parse(&status).unwrap_or(JobStatus::Pending),
        attempts: attempts.max(0) as u32,
        next_at: r.get(3),
        last_error: r.get(4),
        updated_at: r.get(5),
    }
}

/// The events with their jobs, in the order given.
async fn records(c: &Client, events: Vec<StoredEvent>) -> Result<Vec<EventRecord>, PgError> {
    let seqs: Vec<i64> = events.iter().map(|e| e.seq).collect();
    let stmt = c
        .prepare_cached(
            "SELECT handler, status, attempts, next_at, last_error, updated_at, event_seq
             FROM jobs WHERE event_seq = ANY($1) ORDER BY event_seq, handler",
        )
        .await?;
    let mut jobs: HashMap<i64, Vec<JobInfo>> = HashMap::new();
    for r in c.query(&stmt, &[&seqs]).await? {
        jobs.entry(r.get(6)).or_default().push(job_row(&r));
    }
    Ok(events
        .into_iter()
        .map(|event| {
            let jobs = jobs.remove(&event.seq).unwrap_or_default();
            EventRecord {
                status: EventStatus::of(&jobs),
                event,
                jobs,
            }
        })
        .collect())
}

/// One event in one statement (its own transaction: one round trip, one commit), the common
/// delivery. The statement's snapshot may miss a duplicate committed while it waited on the
/// unique key; then it returns no row and a second look finds it.
async fn insert_one(c: Client, e: NewEvent) -> Result<Vec<Inserted>, PgError> {
    let stmt = c
        .prepare_cached(
            "WITH added AS (
                 INSERT INTO events (source, event_id, event_type, received_at, headers, body)
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (source, event_id) DO NOTHING
                 RETURNING seq),
             jobs AS (
                 INSERT INTO jobs (event_seq, handler, status, next_at, updated_at)
                 SELECT added.seq, h, 'pending', $4, $4 FROM added, unnest($7::text[]) AS h)
             SELECT seq, TRUE FROM added
             UNION ALL
             SELECT seq, FALSE FROM events
             WHERE source = $1 AND event_id = $2 AND NOT EXISTS (SELECT 1 FROM added)",
        )
        .await?;
    let headers = serde_json::to_string(&e.headers).unwrap_or_else(|_| "[]".into());
    let row = c
        .query_opt(
            &stmt,
            &[
                &e.source,
                &e.event_id,
                &e.event_type,
                &e.received_at,
                &headers,
                &e.body,
                &e.handlers,
            ],
        )
        .await?;
    let (seq, stored): (i64, bool) = match row {
        Some(r) => (r.get(0), r.get(1)),
        None => {
            let r = c
                .query_one(
                    "SELECT seq FROM events WHERE source = $1 AND event_id = $2",
                    &[&e.source, &e.event_id],
                )
                .await?;
            (r.get(0), false)
        }
    };
    Ok(vec![match stored {
        true => Inserted::Stored { seq },
        false => Inserted::Duplicate { seq },
    }])
}

/// A batch (an Okta delivery) in one transaction.
async fn insert_all(mut c: Client, events: Vec<NewEvent>) -> Result<Vec<Inserted>, PgError> {
    let tx = c.transaction().await?;
    let add = tx
        .prepare_cached(
            "INSERT INTO events (source, event_id, event_type, received_at, headers, body)
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (source, event_id) DO NOTHING
             RETURNING seq",
        )
        .await?;
    let existing = tx
        .prepare_cached("SELECT seq FROM events WHERE source = $1 AND event_id = $2")
        .await?;
    let job = tx
        .prepare_cached(
            "INSERT INTO jobs (event_seq, handler, status, next_at, updated_at)
             SELECT $1, h, 'pending', $3, $3 FROM unnest($2::text[]) AS h
             ON CONFLICT DO NOTHING",
        )
        .await?;
    let mut out = Vec::with_capacity(events.len());
    for e in events {
        let headers = serde_json::to_string(&e.headers).unwrap_or_else(|_| "[]".into());
        let added = tx
            .query_opt(
                &add,
                &[
                    &e.source,
                    &e.event_id,
                    &e.event_type,
                    &e.received_at,
                    &headers,
                    &e.body,
                ],
            )
            .await?;
        let Some(row) = added else {
            let seq: i64 = tx
                .query_one(&existing, &[&e.source, &e.event_id])
                .await?
                .get(0);
            out.push(Inserted::Duplicate { seq });
            continue;
        };
        let seq: i64 = row.get(0);
        if !e.handlers.is_empty() {
            tx.execute(&job, &[&seq, &e.handlers, &e.received_at])
                .await?;
        }
        out.push(Inserted::Stored { seq });
    }
    tx.commit().await?;
    Ok(out)
}

impl PgStore {
    /// A store on `pg`; the schema is migrated before its first statement.
    pub fn new(pg: Arc<Pg>) -> PgStore {
        PgStore { pg }
    }

    async fn with<T, F, Fut>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(Client) -> Fut + Send + 'static,
        Fut: std::future::Future<Output = Result<T, PgError>> + Send + 'static,
    {
        Ok(self.pg.run(f).await?)
    }
}

impl EventStore for PgStore {
    fn insert(&self, events: Vec<NewEvent>) -> StoreResult<'_, Vec<Inserted>> {
        Box::pin(self.with(move |c| async move {
            match <[NewEvent; 1]>::try_from(events) {
                Ok([one]) => insert_one(c, one).await,
                Err(events) => insert_all(c, events).await,
            }
        }))
    }

    /// Each kind of due job in the order of its own partial index, so a long backlog costs
    /// an index range scan of `limit` rows, not a sort of every due row.
    fn claim(
        &self,
        owner: &str,
        now: Millis,
        lease_until: Millis,
        limit: usize,
    ) -> StoreResult<'_, Vec<Claimed>> {
        let owner = owner.to_string();
        Box::pin(self.with(move |c| async move {
            let stmt = c
                .prepare_cached(&format!(
                    "WITH expired AS (
                         SELECT event_seq, handler FROM jobs
                         WHERE status = 'running' AND lease_until <= $3
                         ORDER BY lease_until LIMIT $4
                         FOR UPDATE SKIP LOCKED),
                     pending AS (
                         SELECT event_seq, handler FROM jobs
                         WHERE status = 'pending' AND next_at <= $3
                         ORDER BY next_at LIMIT $4
                         FOR UPDATE SKIP LOCKED),
                     due AS (
                         SELECT * FROM expired UNION ALL SELECT * FROM pending LIMIT $4),
                     claimed AS (
                         UPDATE jobs j SET status = 'running', owner = $1, lease_until = $2,
                             attempts = j.attempts + 1, updated_at = $3
                         FROM due WHERE j.event_seq = due.event_seq AND j.handler = due.handler
                         RETURNING j.event_seq, j.handler, j.attempts)
                     SELECT {EVENT_COLUMNS}, claimed.handler, claimed.attempts
                     FROM claimed JOIN events e ON e.seq = claimed.event_seq
                     ORDER BY e.seq"
                ))
                .await?;
            let rows = c
                .query(&stmt, &[&owner, &lease_until, &now, &(limit as i64)])
                .await?;
            Ok(rows
                .iter()
                .map(|r| {
                    let attempt: i32 = r.get(8);
                    Claimed {
                        event: event_row(r),
                        handler: r.get(7),
                        attempt: attempt.max(0) as u32,
                    }
                })
                .collect())
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
        Box::pin(self.with(move |c| async move {
            let (status, next_at, error) = outcome.job_columns(now);
            let stmt = c
                .prepare_cached(
                    "UPDATE jobs SET status = $1, next_at = $2,
                         last_error = COALESCE($3, last_error),
                         lease_until = NULL, owner = NULL, updated_at = $4
                     WHERE event_seq = $5 AND handler = $6 AND owner = $7 AND status = 'running'",
                )
                .await?;
            let n = c
                .execute(
                    &stmt,
                    &[&status, &next_at, &error, &now, &seq, &handler, &owner],
                )
                .await?;
            Ok(n == 1)
        }))
    }

    fn recover(&self, now: Millis) -> StoreResult<'_, u64> {
        Box::pin(self.with(move |c| async move {
            Ok(c.execute(
                "UPDATE jobs SET status = 'pending', next_at = $1, lease_until = NULL,
                     owner = NULL, updated_at = $1
                 WHERE status = 'running' AND lease_until <= $1",
                &[&now],
            )
            .await?)
        }))
    }

    fn shared(&self) -> bool {
        true
    }

    fn list(&self, filter: ListFilter) -> StoreResult<'_, Vec<EventRecord>> {
        Box::pin(self.with(move |c| async move {
            let status_sql = super::status_condition(filter.status);
            let sql = format!(
                "SELECT seq, source, event_id, event_type, received_at, headers, ''::bytea
                 FROM events e
                 WHERE ({status_sql}) AND ($1::text IS NULL OR e.source = $1)
                 ORDER BY e.seq DESC LIMIT $2"
            );
            let rows = c
                .query(&sql, &[&filter.source, &(filter.limit as i64)])
                .await?;
            let events = rows.iter().map(event_row).collect();
            records(&c, events).await
        }))
    }

    fn get(&self, seq: i64) -> StoreResult<'_, Option<EventRecord>> {
        Box::pin(self.with(move |c| async move {
            let sql = format!("SELECT {EVENT_COLUMNS} FROM events WHERE seq = $1");
            let Some(row) = c.query_opt(&sql, &[&seq]).await? else {
                return Ok(None);
            };
            Ok(records(&c, vec![event_row(&row)]).await?.pop())
        }))
    }

    fn requeue(&self, seq: i64, handlers: Vec<String>, now: Millis) -> StoreResult<'_, u64> {
        Box::pin(self.with(move |c| async move {
            Ok(c.execute(
                "INSERT INTO jobs (event_seq, handler, status, next_at, updated_at)
                 SELECT $1, h, 'pending', $3, $3 FROM unnest($2::text[]) AS h
                 WHERE EXISTS (SELECT 1 FROM events WHERE seq = $1)
                 ON CONFLICT (event_seq, handler) DO UPDATE SET status = 'pending',
                     attempts = 0, next_at = $3, lease_until = NULL, owner = NULL,
                     updated_at = $3",
                &[&seq, &handlers, &now],
            )
            .await?)
        }))
    }

    fn requeue_dead(&self, now: Millis) -> StoreResult<'_, u64> {
        Box::pin(self.with(move |c| async move {
            Ok(c.execute(
                "UPDATE jobs SET status = 'pending', attempts = 0, next_at = $1, updated_at = $1
                 WHERE status = 'dead'",
                &[&now],
            )
            .await?)
        }))
    }

    fn purge(&self, before: Millis) -> StoreResult<'_, u64> {
        // The jobs go with their event (ON DELETE CASCADE).
        Box::pin(self.with(move |c| async move {
            Ok(c.execute(
                "DELETE FROM events e WHERE e.received_at < $1 AND NOT EXISTS (
                     SELECT 1 FROM jobs j WHERE j.event_seq = e.seq AND j.status <> 'done')",
                &[&before],
            )
            .await?)
        }))
    }

    fn stats(&self) -> StoreResult<'_, QueueStats> {
        Box::pin(self.with(|c| async move {
            let r = c
                .query_one(
                    "SELECT
                        (SELECT COUNT(*) FROM jobs WHERE status IN ('pending', 'running')),
                        (SELECT COUNT(*) FROM jobs WHERE status = 'dead'),
                        (SELECT MIN(e.received_at) FROM jobs j JOIN events e ON e.seq = j.event_seq
                         WHERE j.status IN ('pending', 'running'))",
                    &[],
                )
                .await?;
            let (open, dead): (i64, i64) = (r.get(0), r.get(1));
            Ok(QueueStats {
                open: open.max(0) as u64,
                dead: dead.max(0) as u64,
                oldest_open: r.get(2),
            })
        }))
    }

    fn next_due(&self) -> StoreResult<'_, Option<Millis>> {
        Box::pin(self.with(|c| async move {
            let stmt = c
                .prepare_cached(
                    "SELECT LEAST(
                        (SELECT MIN(next_at) FROM jobs WHERE status = 'pending'),
                        (SELECT MIN(lease_until) FROM jobs WHERE status = 'running'))",
                )
                .await?;
            Ok(c.query_one(&stmt, &[]).await?.get(0))
        }))
    }

    fn probe(&self, now: Millis) -> StoreResult<'_, ()> {
        Box::pin(self.with(move |c| async move {
            c.execute(
                "INSERT INTO meta (key, value) VALUES ('probe', $1)
                 ON CONFLICT (key) DO UPDATE SET value = $1",
                &[&now.to_string()],
            )
            .await?;
            Ok(())
        }))
    }
}
