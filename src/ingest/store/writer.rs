//! Group commit: one thread owns the store's only writing connection, takes every waiting
//! write off a channel, runs them all in ONE transaction (each under its own savepoint, so one
//! failing write does not undo the others) and commits once. With `synchronous = FULL` that
//! commit is one fsync shared by every request that was waiting, however many there were;
//! each caller hears back only after the commit, with the commit's outcome.

use std::sync::mpsc;

use rusqlite::Connection;
use tokio::sync::oneshot;

use super::StoreError;

/// Writes taken into one transaction at most; bounds a transaction's size and its latency.
const MAX_BATCH: usize = 512;

/// A write, run inside the batch's transaction; what it returns is called with the commit's
/// outcome. `None`: the transaction could not even start, the write is not run.
type Op = Box<dyn FnOnce(Option<&Connection>) -> Reply + Send>;
type Reply = Box<dyn FnOnce(Result<(), &StoreError>) + Send>;

#[derive(Clone)]
pub struct Writer {
    tx: mpsc::Sender<Op>,
}

impl Writer {
    /// Starts the writer thread on `conn`; it ends when the last `Writer` is dropped.
    pub fn start(conn: Connection) -> std::io::Result<Writer> {
        let (tx, rx) = mpsc::channel::<Op>();
        std::thread::Builder::new()
            .name("event-store-writer".into())
            .spawn(move || run(conn, rx))?;
        Ok(Writer { tx })
    }

    /// Runs `f` in the next group commit; resolves after the commit.
    pub async fn write<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, rusqlite::Error> + Send + 'static,
    {
        let (done, result) = oneshot::channel();
        let op: Op = Box::new(move |conn| {
            let outcome = match conn {
                Some(conn) => in_savepoint(conn, f),
                None => Err(None),
            };
            Box::new(move |commit| {
                let r = match (outcome, commit) {
                    (Ok(v), Ok(())) => Ok(v),
                    (Err(Some(e)), _) => Err(e),
                    (_, Err(e)) => Err(e.clone()),
                    (Err(None), Ok(())) => Err(StoreError::Closed),
                };
                let _ = done.send(r);
            })
        });
        self.tx.send(op).map_err(|_| StoreError::Closed)?;
        result.await.map_err(|_| StoreError::Closed)?
    }
}

/// `f` under a savepoint, rolled back alone when it fails.
fn in_savepoint<T>(
    conn: &Connection,
    f: impl FnOnce(&Connection) -> Result<T, rusqlite::Error>,
) -> Result<T, Option<StoreError>> {
    let failed = |e: rusqlite::Error| Some(StoreError::Failed(e.to_string()));
    // Cached: every write of every request runs these two.
    let run = |sql: &str| conn.prepare_cached(sql).and_then(|mut s| s.execute([]));
    run("SAVEPOINT op").map_err(failed)?;
    match f(conn) {
        Ok(v) => {
            run("RELEASE op").map_err(failed)?;
            Ok(v)
        }
        Err(e) => {
            let _ = conn.execute_batch("ROLLBACK TO op; RELEASE op");
            Err(failed(e))
        }
    }
}

fn run(conn: Connection, rx: mpsc::Receiver<Op>) {
    while let Ok(first) = rx.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(op) => batch.push(op),
                Err(_) => break,
            }
        }
        match conn.execute_batch("BEGIN IMMEDIATE") {
            Ok(()) => {
                let replies: Vec<Reply> = batch.into_iter().map(|op| op(Some(&conn))).collect();
                let commit = conn
                    .execute_batch("COMMIT")
                    .map_err(|e| StoreError::Failed(format!("commit: {e}")));
                if commit.is_err() {
                    let _ = conn.execute_batch("ROLLBACK");
                }
                for reply in replies {
                    reply(commit.as_ref().map(|_| ()));
                }
            }
            Err(e) => {
                let err = StoreError::Failed(format!("begin: {e}"));
                for op in batch {
                    op(None)(Err(&err));
                }
            }
        }
    }
}
