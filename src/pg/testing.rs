//! The tests' PostgreSQL: `INTENTFUL_TEST_POSTGRES` names a server (a connection URL), and each
//! test gets a schema of its own there. Unset, a test says so and is skipped, unless `CI` is
//! set or `INTENTFUL_REQUIRE_POSTGRES=1`: then it fails, so CI never passes without running it.

use std::io::Write;

/// A URL whose connections work in a new, empty schema; `None`: skip the test.
pub async fn fresh_schema_url(test: &str) -> Option<String> {
    let url = match std::env::var("INTENTFUL_TEST_POSTGRES") {
        Ok(u) if !u.is_empty() => u,
        _ => {
            let required = std::env::var_os("CI").is_some()
                || std::env::var("INTENTFUL_REQUIRE_POSTGRES").as_deref() == Ok("1");
            assert!(
                !required,
                "{test}: INTENTFUL_TEST_POSTGRES is not set, and PostgreSQL tests are required here \
                 (CI or INTENTFUL_REQUIRE_POSTGRES=1); `.ci/postgres.sh` starts one"
            );
            // Straight to stderr: the test harness captures `eprintln!`, which would hide it.
            let _ = writeln!(
                std::io::stderr(),
                "{test}: skipped: INTENTFUL_TEST_POSTGRES not set"
            );
            return None;
        }
    };
    let client = connect(&url).await;
    let schema = format!("t_{}", uuid::Uuid::new_v4().simple());
    client
        .batch_execute(&format!("CREATE SCHEMA {schema}"))
        .await
        .expect("create a test schema");
    let sep = if url.contains('?') { '&' } else { '?' };
    Some(format!("{url}{sep}options=-csearch_path%3D{schema}"))
}

/// A plain connection, for a test's own queries.
pub async fn connect(url: &str) -> tokio_postgres::Client {
    let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .expect("connect to INTENTFUL_TEST_POSTGRES");
    tokio::spawn(conn);
    client
}
