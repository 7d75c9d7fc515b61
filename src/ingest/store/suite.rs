//! The behaviour every [`EventStore`] must have, as one suite run against each implementation:
//! the embedded SQLite store and the PostgreSQL store (on `INTENTFUL_TEST_POSTGRES`, see
//! `crate::pg::testing`).

use super::*;

fn event(id: &str, handlers: &[&str], at: Millis) -> NewEvent {
    NewEvent {
        source: "helpdesk".into(),
        event_id: id.into(),
        event_type: "ticket.created".into(),
        body: format!("{{\"id\":\"{id}\"}}").into_bytes(),
        headers: vec![("webhook-id".into(), id.into())],
        received_at: at,
        handlers: handlers.iter().map(|h| h.to_string()).collect(),
    }
}

fn seq(i: &Inserted) -> i64 {
    match i {
        Inserted::Stored { seq } | Inserted::Duplicate { seq } => *seq,
    }
}

pub async fn run_all(store: &dyn EventStore) {
    insert_dedupes_and_routes(store).await;
    claim_lease_retry_and_finish(store).await;
    dead_letters_and_requeue(store).await;
    list_get_stats_and_purge(store).await;
    recover_releases_running_claims(store).await;
    concurrent_duplicates_store_once(store).await;
    concurrent_claims_never_share_a_job(store).await;
}

async fn insert_dedupes_and_routes(s: &dyn EventStore) {
    let out = s
        .insert(vec![
            event("a1", &["h1", "h2"], 1_000),
            event("a2", &[], 1_000),
            event("a1", &["h1"], 1_000),
        ])
        .await
        .unwrap();
    assert!(matches!(out[0], Inserted::Stored { .. }));
    assert!(matches!(out[1], Inserted::Stored { .. }));
    assert_eq!(
        out[2],
        Inserted::Duplicate { seq: seq(&out[0]) },
        "same batch"
    );
    let again = s.insert(vec![event("a1", &["h3"], 2_000)]).await.unwrap();
    assert_eq!(
        again[0],
        Inserted::Duplicate { seq: seq(&out[0]) },
        "later batch"
    );
    let a1 = s.get(seq(&out[0])).await.unwrap().unwrap();
    assert_eq!(a1.event.body, br#"{"id":"a1"}"#);
    assert_eq!(
        a1.event.headers,
        vec![("webhook-id".to_string(), "a1".to_string())]
    );
    assert_eq!(a1.event.received_at, 1_000);
    let handlers: Vec<_> = a1.jobs.iter().map(|j| j.handler.as_str()).collect();
    assert_eq!(handlers, ["h1", "h2"], "the duplicate added no job");
    assert_eq!(a1.status, EventStatus::Pending);
    let a2 = s.get(seq(&out[1])).await.unwrap().unwrap();
    assert_eq!(a2.status, EventStatus::Ignored);
    // Leave nothing due for the next test.
    let claimed = s.claim("t", 1_000, 9_000, 10).await.unwrap();
    assert_eq!(claimed.len(), 2);
    for c in claimed {
        assert!(s
            .finish(c.event.seq, &c.handler, "t", 1_500, Finish::Done)
            .await
            .unwrap());
    }
    assert_eq!(
        s.get(seq(&out[0])).await.unwrap().unwrap().status,
        EventStatus::Done
    );
    assert_eq!(s.next_due().await.unwrap(), None);
}

async fn claim_lease_retry_and_finish(s: &dyn EventStore) {
    let out = s.insert(vec![event("b1", &["h"], 10_000)]).await.unwrap();
    let b1 = seq(&out[0]);
    assert_eq!(s.next_due().await.unwrap(), Some(10_000));
    assert!(
        s.claim("w1", 9_999, 20_000, 10).await.unwrap().is_empty(),
        "not yet due"
    );
    let c = s.claim("w1", 10_000, 20_000, 10).await.unwrap();
    assert_eq!(c.len(), 1);
    assert_eq!(
        (c[0].event.seq, c[0].handler.as_str(), c[0].attempt),
        (b1, "h", 1)
    );
    assert_eq!(c[0].event.event_type, "ticket.created");
    assert!(
        s.claim("w2", 15_000, 25_000, 10).await.unwrap().is_empty(),
        "leased"
    );
    assert_eq!(s.next_due().await.unwrap(), Some(20_000), "the lease's end");
    // The lease ran out (w1 died): w2 takes the job over, as attempt 2.
    let c = s.claim("w2", 20_000, 30_000, 10).await.unwrap();
    assert_eq!(c[0].attempt, 2);
    assert!(
        !s.finish(b1, "h", "w1", 21_000, Finish::Done).await.unwrap(),
        "the old holder's word no longer counts"
    );
    let retry = Finish::RetryAt {
        at: 40_000,
        error: "upstream `chat`: answered HTTP 503".into(),
    };
    assert!(s.finish(b1, "h", "w2", 21_000, retry).await.unwrap());
    let rec = s.get(b1).await.unwrap().unwrap();
    assert_eq!(rec.jobs[0].status, JobStatus::Pending);
    assert_eq!(rec.jobs[0].attempts, 2);
    assert_eq!(rec.jobs[0].next_at, 40_000);
    assert_eq!(
        rec.jobs[0].last_error.as_deref(),
        Some("upstream `chat`: answered HTTP 503")
    );
    assert!(s.claim("w2", 39_999, 50_000, 10).await.unwrap().is_empty());
    let c = s.claim("w2", 40_000, 50_000, 10).await.unwrap();
    assert_eq!(c[0].attempt, 3);
    assert!(s.finish(b1, "h", "w2", 41_000, Finish::Done).await.unwrap());
    assert!(
        !s.finish(b1, "h", "w2", 41_000, Finish::Done).await.unwrap(),
        "finished once"
    );
    assert_eq!(s.get(b1).await.unwrap().unwrap().status, EventStatus::Done);
}

async fn dead_letters_and_requeue(s: &dyn EventStore) {
    let out = s
        .insert(vec![event("c1", &["h", "other"], 50_000)])
        .await
        .unwrap();
    let c1 = seq(&out[0]);
    let claimed = s.claim("w", 50_000, 60_000, 10).await.unwrap();
    assert_eq!(claimed.len(), 2);
    s.finish(
        c1,
        "h",
        "w",
        50_100,
        Finish::Dead {
            error: "gave up".into(),
        },
    )
    .await
    .unwrap();
    s.finish(c1, "other", "w", 50_100, Finish::Done)
        .await
        .unwrap();
    let rec = s.get(c1).await.unwrap().unwrap();
    assert_eq!(rec.status, EventStatus::Dead);
    assert_eq!(s.stats().await.unwrap().dead, 1);
    let dead = s
        .list(ListFilter {
            status: Some(EventStatus::Dead),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].event.seq, c1);
    assert!(dead[0].event.body.is_empty(), "lists leave bodies out");
    assert_eq!(s.requeue_dead(51_000).await.unwrap(), 1);
    let c = s.claim("w", 51_000, 60_000, 10).await.unwrap();
    assert_eq!(c.len(), 1, "only the dead job runs again");
    assert_eq!((c[0].handler.as_str(), c[0].attempt), ("h", 1));
    s.finish(c1, "h", "w", 51_100, Finish::Done).await.unwrap();
    // An explicit replay runs the named handlers again, done or not, and adds new ones.
    assert_eq!(
        s.requeue(c1, vec!["other".into(), "new".into()], 52_000)
            .await
            .unwrap(),
        2
    );
    let mut handlers: Vec<_> = s
        .claim("w", 52_000, 60_000, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.handler)
        .collect();
    handlers.sort();
    assert_eq!(handlers, ["new", "other"]);
    for h in handlers {
        s.finish(c1, &h, "w", 52_100, Finish::Done).await.unwrap();
    }
    assert_eq!(
        s.requeue(9_999_999, vec!["h".into()], 0).await.unwrap(),
        0,
        "no such event"
    );
}

async fn list_get_stats_and_purge(s: &dyn EventStore) {
    let out = s
        .insert(vec![
            event("d-old-done", &["h"], 100),
            event("d-old-ignored", &[], 100),
            event("d-old-pending", &["h"], 100),
            event("d-new", &[], 900_000),
        ])
        .await
        .unwrap();
    let claimed = s.claim("w", 100, 200, 10).await.unwrap();
    let done = claimed
        .iter()
        .find(|c| c.event.event_id == "d-old-done")
        .unwrap();
    s.finish(done.event.seq, "h", "w", 150, Finish::Done)
        .await
        .unwrap();
    let pending = claimed
        .iter()
        .find(|c| c.event.event_id == "d-old-pending")
        .unwrap();
    s.finish(
        pending.event.seq,
        "h",
        "w",
        150,
        Finish::RetryAt {
            at: 10_000_000,
            error: "later".into(),
        },
    )
    .await
    .unwrap();
    let stats = s.stats().await.unwrap();
    assert_eq!(stats.open, 1);
    assert_eq!(stats.oldest_open, Some(100));
    let all = s
        .list(ListFilter {
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(
        all.windows(2).all(|w| w[0].event.seq > w[1].event.seq),
        "newest first"
    );
    let ignored = s
        .list(ListFilter {
            status: Some(EventStatus::Ignored),
            source: Some("helpdesk".into()),
            limit: 100,
        })
        .await
        .unwrap();
    assert!(ignored.iter().all(|r| r.jobs.is_empty()));
    assert!(ignored.iter().any(|r| r.event.event_id == "d-new"));
    let elsewhere = s
        .list(ListFilter {
            source: Some("okta".into()),
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(elsewhere.is_empty());

    let purged = s.purge(1_000).await.unwrap();
    assert!(purged >= 2, "{purged}");
    assert!(s.get(seq(&out[0])).await.unwrap().is_none(), "old and done");
    assert!(
        s.get(seq(&out[1])).await.unwrap().is_none(),
        "old and ignored"
    );
    assert!(
        s.get(seq(&out[2])).await.unwrap().is_some(),
        "old but pending"
    );
    assert!(s.get(seq(&out[3])).await.unwrap().is_some(), "new");
    // Past the window, the same id is a new event again.
    let again = s
        .insert(vec![event("d-old-done", &[], 950_000)])
        .await
        .unwrap();
    assert!(matches!(again[0], Inserted::Stored { .. }));
    assert!(s.get(9_999_999).await.unwrap().is_none());
    // Leave nothing pending behind.
    s.requeue(seq(&out[2]), vec!["h".into()], 0).await.unwrap();
    for c in s.claim("w", 1, 2, 10).await.unwrap() {
        s.finish(c.event.seq, &c.handler, "w", 1, Finish::Done)
            .await
            .unwrap();
    }
}

async fn recover_releases_running_claims(s: &dyn EventStore) {
    s.insert(vec![event("e1", &["h"], 1_000_000)])
        .await
        .unwrap();
    let c = s.claim("gone", 1_000_000, 9_000_000, 10).await.unwrap();
    assert_eq!(c.len(), 1);
    let again = if s.shared() {
        // Another instance's claim may be alive: only its lease's end frees it.
        assert_eq!(s.recover(1_000_001).await.unwrap(), 0);
        assert!(s
            .claim("me", 1_000_001, 2_000_000, 10)
            .await
            .unwrap()
            .is_empty());
        s.claim("me", 9_000_000, 10_000_000, 10).await.unwrap()
    } else {
        assert_eq!(s.recover(1_000_001).await.unwrap(), 1);
        s.claim("me", 1_000_001, 2_000_000, 10).await.unwrap()
    };
    assert_eq!(again.len(), 1, "claimable again");
    assert_eq!(again[0].attempt, 2, "the interrupted attempt counts");
    s.finish(again[0].event.seq, "h", "me", 1_000_002, Finish::Done)
        .await
        .unwrap();
    assert_eq!(s.recover(20_000_000).await.unwrap(), 0, "nothing running");
}

async fn concurrent_duplicates_store_once(s: &dyn EventStore) {
    let inserts = (0..50).map(|_| s.insert(vec![event("f1", &["h"], 3_000_000)]));
    let results = futures::future::join_all(inserts).await;
    let stored = results
        .iter()
        .filter(|r| matches!(r.as_ref().unwrap()[0], Inserted::Stored { .. }))
        .count();
    assert_eq!(stored, 1);
    let claimed = s.claim("w", 3_000_000, 4_000_000, 100).await.unwrap();
    assert_eq!(
        claimed.len(),
        1,
        "one job, whatever the number of deliveries"
    );
    s.finish(claimed[0].event.seq, "h", "w", 3_000_001, Finish::Done)
        .await
        .unwrap();
}

/// Workers of several instances claiming at once each get jobs of their own.
async fn concurrent_claims_never_share_a_job(s: &dyn EventStore) {
    let events = (0..40)
        .map(|i| event(&format!("g{i}"), &["h"], 5_000_000))
        .collect();
    s.insert(events).await.unwrap();
    let owners = ["w1", "w2", "w3", "w4"];
    let claims = owners.iter().map(|o| s.claim(o, 5_000_000, 6_000_000, 15));
    let claimed: Vec<Vec<Claimed>> = futures::future::join_all(claims)
        .await
        .into_iter()
        .map(|r| r.unwrap())
        .collect();
    let mut seqs: Vec<i64> = claimed.iter().flatten().map(|c| c.event.seq).collect();
    let total = seqs.len();
    seqs.sort();
    seqs.dedup();
    assert_eq!(seqs.len(), total, "a job went to two workers");
    assert_eq!(total, 40);
    for (owner, jobs) in owners.iter().zip(&claimed) {
        for c in jobs {
            assert!(s
                .finish(c.event.seq, "h", owner, 5_000_001, Finish::Done)
                .await
                .unwrap());
        }
    }
    assert_eq!(s.stats().await.unwrap().open, 0);
}

#[tokio::test]
async fn sqlite_store_passes_the_suite() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path(), std::time::Duration::from_secs(1)).unwrap();
    run_all(&store).await;
    // Everything survives a reopen: it was committed.
    drop(store);
    let store = SqliteStore::open(dir.path(), std::time::Duration::from_secs(1)).unwrap();
    let all = store
        .list(ListFilter {
            limit: 1_000,
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(all.iter().any(|r| r.event.event_id == "f1"));
}

#[tokio::test]
async fn a_held_write_lock_fails_writes_within_the_busy_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path(), std::time::Duration::from_millis(100)).unwrap();
    let other = rusqlite::Connection::open(store.path()).unwrap();
    other.execute_batch("BEGIN IMMEDIATE").unwrap();
    let err = store.insert(vec![event("g1", &[], 0)]).await.unwrap_err();
    assert!(err.to_string().contains("locked"), "{err}");
    assert!(store.probe(0).await.is_err());
    other.execute_batch("COMMIT").unwrap();
    assert!(store.probe(0).await.is_ok());
    let ok = store.insert(vec![event("g1", &[], 0)]).await.unwrap();
    assert!(
        matches!(ok[0], Inserted::Stored { .. }),
        "the failed write left nothing behind"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_store_passes_the_suite() {
    let Some(url) = crate::pg::testing::fresh_schema_url("postgres_store_passes_the_suite").await
    else {
        return;
    };
    let options = crate::pg::PgOptions {
        pool_size: 8,
        statement_timeout: std::time::Duration::from_secs(5),
    };
    let pg = std::sync::Arc::new(crate::pg::Pg::new(&url, &options).unwrap());
    let store = PgStore::new(pg);
    assert!(store.shared());
    run_all(&store).await;
    // Committed: a new pool (another instance) sees everything.
    let other = PgStore::new(std::sync::Arc::new(
        crate::pg::Pg::new(&url, &options).unwrap(),
    ));
    let all = other
        .list(ListFilter {
            limit: 1_000,
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(all.iter().any(|r| r.event.event_id == "f1"));
}
