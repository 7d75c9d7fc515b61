//! Rate limits shared by every instance (`limits.shared = "postgres"`): calls are counted per
//! key in fixed one-second windows in the `rate_windows` table of the events database, with one
//! upsert per call (`INSERT .. ON CONFLICT DO UPDATE .. RETURNING`) for both keys at once. A
//! window admits `per_sec + burst` calls across all instances.
//!
//! The database must never cost a webhook its deadline: a check that has no answer within
//! `limits.shared_timeout_ms` (or fails) falls back to this instance's own limiter, counted in
//! `intentful_limits_shared_fallbacks_total`. While the database is slow or down the limits
//! hold per instance (up to N times the rate with N instances), not nowhere.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crate::pg::Pg;

/// How often (in checks) windows older than a few seconds are deleted.
const CLEAN_EVERY: u64 = 4096;

pub struct SharedCounter {
    pg: Arc<Pg>,
    timeout: Duration,
    checks: AtomicU64,
    fallbacks: AtomicU64,
}

/// A key's count in the current window, with the most it may reach.
pub struct Counted {
    pub calls: i64,
    pub limit: i64,
}

impl SharedCounter {
    pub fn new(pg: Arc<Pg>, timeout: Duration) -> SharedCounter {
        SharedCounter {
            pg,
            timeout,
            checks: AtomicU64::new(0),
            fallbacks: AtomicU64::new(0),
        }
    }

    /// Counts one call for each `(key, limit)`; `None` when the database gave no answer in
    /// time (the caller falls back to its own limiter).
    pub async fn count(&self, keys: Vec<(String, i64)>, now_ms: i64) -> Option<Vec<Counted>> {
        if keys.is_empty() {
            return Some(Vec::new());
        }
        let window = now_ms.div_euclid(1000);
        if self.checks.fetch_add(1, Ordering::Relaxed) % CLEAN_EVERY == CLEAN_EVERY - 1 {
            let pg = self.pg.clone();
            tokio::spawn(async move {
                let _ = pg
                    .run(move |c| async move {
                        c.execute(
                            "DELETE FROM rate_windows WHERE window_start < $1",
                            &[&(window - 5)],
                        )
                        .await?;
                        Ok(())
                    })
                    .await;
            });
        }
        let (names, limits): (Vec<String>, Vec<i64>) = keys.into_iter().unzip();
        let counted = self.pg.run(move |c| async move {
            let stmt = c
                .prepare_cached(
                    "INSERT INTO rate_windows (key, window_start, calls)
                     SELECT k, $2, 1 FROM unnest($1::text[]) AS k
                     ON CONFLICT (key, window_start)
                     DO UPDATE SET calls = rate_windows.calls + 1
                     RETURNING key, calls",
                )
                .await?;
            let rows = c.query(&stmt, &[&names, &window]).await?;
            Ok(names
                .iter()
                .zip(limits)
                .map(|(name, limit)| Counted {
                    calls: rows
                        .iter()
                        .find(|r| r.get::<_, &str>(0) == name)
                        .map(|r| i64::from(r.get::<_, i32>(1)))
                        .unwrap_or(0),
                    limit,
                })
                .collect::<Vec<_>>())
        });
        match tokio::time::timeout(self.timeout, counted).await {
            Ok(Ok(counted)) => Some(counted),
            Ok(Err(e)) => self.fell_back(&e.to_string()),
            Err(_) => self.fell_back("timed out"),
        }
    }

    fn fell_back(&self, why: &str) -> Option<Vec<Counted>> {
        let n = self.fallbacks.fetch_add(1, Ordering::Relaxed);
        metrics::counter!("intentful_limits_shared_fallbacks_total").increment(1);
        if n % 1000 == 0 {
            tracing::warn!(
                error = why,
                "shared rate limits: no answer from postgres; this instance's own limits apply"
            );
        }
        None
    }

    /// Checks that fell back to the instance's own limiter so far.
    pub fn fallbacks(&self) -> u64 {
        self.fallbacks.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::super::{ClientGate, LimitSettings};
    use crate::error::WebhookError;
    use crate::pg::{Pg, PgOptions};
    use actix_web::test::TestRequest;
    use std::sync::Arc;
    use std::time::Duration;

    fn gate(per_ip: u32, pg: Option<Arc<Pg>>) -> ClientGate {
        let g = ClientGate::new(&LimitSettings {
            per_ip_per_sec: per_ip,
            per_credential_per_sec: per_ip,
            ..LimitSettings::default()
        });
        match pg {
            Some(pg) => g.shared_through(pg, Duration::from_millis(500)),
            None => g,
        }
    }

    fn pg(url: &str) -> Arc<Pg> {
        let options = PgOptions {
            pool_size: 2,
            statement_timeout: Duration::from_secs(2),
        };
        Arc::new(Pg::new(url, &options).unwrap())
    }

    /// How many of `n` calls from one address (taking turns between the gates) pass, all
    /// within one window.
    async fn passed(gates: &[ClientGate], n: usize, credential: &str) -> usize {
        // Start at the beginning of a second, so the calls share one window.
        let ms = time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000 % 1000;
        tokio::time::sleep(Duration::from_millis((1000 - ms as u64) + 20)).await;
        let req = TestRequest::default()
            .peer_addr("192.0.2.7:4000".parse().unwrap())
            .insert_header(("authorization", credential))
            .to_http_request();
        let mut ok = 0;
        for i in 0..n {
            match gates[i % gates.len()].check(&req, "authorization").await {
                Ok(()) => ok += 1,
                Err(WebhookError::TooManyRequests { retry_after_secs }) => {
                    assert_eq!(retry_after_secs, 1)
                }
                Err(e) => panic!("{e}"),
            }
        }
        ok
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn two_instances_share_one_limit_through_postgres() {
        let Some(url) = crate::pg::testing::fresh_schema_url("two_instances_share_one_limit").await
        else {
            return;
        };
        // Alone, each instance lets 5 a second through: 10 in all.
        assert_eq!(passed(&[gate(5, None), gate(5, None)], 10, "k1").await, 10);
        // Shared, the two let 5 through together.
        let shared = [gate(5, Some(pg(&url))), gate(5, Some(pg(&url)))];
        assert_eq!(passed(&shared, 10, "k2").await, 5);
        assert_eq!(
            shared[0].shared_fallbacks() + shared[1].shared_fallbacks(),
            0
        );
        // Keys are hashes: the credential is not in the database.
        let db = Pg::new(
            &url,
            &PgOptions {
                pool_size: 1,
                statement_timeout: Duration::from_secs(2),
            },
        )
        .unwrap();
        let keys: Vec<String> = db
            .run(|c| async move {
                Ok(c.query("SELECT key FROM rate_windows", &[])
                    .await?
                    .iter()
                    .map(|r| r.get(0))
                    .collect())
            })
            .await
            .unwrap();
        assert!(keys.iter().any(|k| k == "ip:192.0.2.7"), "{keys:?}");
        assert!(keys.iter().all(|k| !k.contains("k2")), "{keys:?}");
    }

    #[tokio::test]
    async fn an_unreachable_database_falls_back_to_the_instance_limits() {
        // Nothing listens on port 1: every check fails fast, or times out.
        let g = gate(3, Some(pg("postgres://nobody@127.0.0.1:1/none")));
        assert_eq!(passed(std::slice::from_ref(&g), 6, "k3").await, 3);
        assert_eq!(g.shared_fallbacks(), 6);
    }
}
