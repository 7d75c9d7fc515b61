//! Versioned migrations: numbered SQL files, each applied once, in order, recorded in
//! `intentful_migrations`. All of it runs in one transaction under a transaction-scoped
//! advisory lock, so two instances starting at once take turns: the second finds the first's
//! work committed and applies nothing. A failing migration rolls back whole.

use super::{Client, PgError};

pub struct Migration {
    pub version: i32,
    pub name: &'static str,
    pub sql: &'static str,
}

/// Append only: a released migration never changes (its version is recorded as applied).
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "events",
        sql: include_str!("migrations/0001_events.sql"),
    },
    Migration {
        version: 2,
        name: "rate_windows",
        sql: include_str!("migrations/0002_rate_windows.sql"),
    },
];

/// The advisory lock's key: "intentfl" in ASCII, so it is unlikely to collide with another
/// application's lock in the same database.
const LOCK_KEY: i64 = 0x696e_7465_6e74_666c;

pub async fn run(client: &mut Client) -> Result<(), PgError> {
    let tx = client.transaction().await?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&LOCK_KEY])
        .await?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS intentful_migrations (
            version INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            applied_at TIMESTAMPTZ NOT NULL DEFAULT now())",
    )
    .await?;
    let applied: Vec<i32> = tx
        .query("SELECT version FROM intentful_migrations", &[])
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect();
    let mut ran = Vec::new();
    for m in MIGRATIONS.iter().filter(|m| !applied.contains(&m.version)) {
        tx.batch_execute(m.sql).await.map_err(|e| {
            PgError(format!(
                "migration {} ({}): {}",
                m.version,
                m.name,
                PgError::from(e)
            ))
        })?;
        tx.execute(
            "INSERT INTO intentful_migrations (version, name) VALUES ($1, $2)",
            &[&m.version, &m.name],
        )
        .await?;
        ran.push(m.version);
    }
    tx.commit().await?;
    if !ran.is_empty() {
        tracing::info!(versions = ?ran, "postgres schema migrated");
    }
    let known = MIGRATIONS.iter().map(|m| m.version).max().unwrap_or(0);
    if let Some(newer) = applied.iter().copied().filter(|v| *v > known).max() {
        // A newer release migrated the database during a rolling upgrade; migrations only add,
        // so this release keeps working on it.
        tracing::warn!(
            schema = newer,
            known,
            "the postgres schema is newer than this build"
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::pg::{Pg, PgOptions};
    use std::time::Duration;

    /// Without the advisory lock, all but one fail (`CREATE TABLE` racing on the catalog).
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn instances_starting_together_migrate_once() {
        let Some(url) =
            crate::pg::testing::fresh_schema_url("instances_starting_together_migrate_once").await
        else {
            return;
        };
        let options = PgOptions {
            pool_size: 2,
            statement_timeout: Duration::from_secs(5),
        };
        let pgs: Vec<Pg> = (0..4).map(|_| Pg::new(&url, &options).unwrap()).collect();
        let all = futures::future::join_all(pgs.iter().map(|pg| pg.migrate())).await;
        assert!(all.iter().all(|r| r.is_ok()), "{all:?}");
        let versions: Vec<i32> = pgs[0]
            .run(|c| async move {
                let rows = c
                    .query(
                        "SELECT version FROM intentful_migrations ORDER BY version",
                        &[],
                    )
                    .await?;
                Ok(rows.iter().map(|r| r.get(0)).collect())
            })
            .await
            .unwrap();
        assert_eq!(
            versions,
            Pg::migration_versions(),
            "each applied once, in order"
        );
        // The session settings the store relies on.
        let settings: (String, String) = pgs[1]
            .run(|c| async move {
                let r = c
                    .query_one(
                        "SELECT current_setting('synchronous_commit'),
                                current_setting('statement_timeout')",
                        &[],
                    )
                    .await?;
                Ok((r.get(0), r.get(1)))
            })
            .await
            .unwrap();
        assert_eq!(settings, ("on".to_string(), "5s".to_string()));
    }
}
