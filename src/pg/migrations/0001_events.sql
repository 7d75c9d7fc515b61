-- The event store (src/ingest/store/postgres.rs): events unique by (source, event_id), the
-- dedupe; one job per handler, claimed under a lease.
CREATE TABLE events (
    seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    source TEXT NOT NULL,
    event_id TEXT NOT NULL,
    event_type TEXT NOT NULL,
    received_at BIGINT NOT NULL,
    headers TEXT NOT NULL,
    body BYTEA NOT NULL,
    UNIQUE (source, event_id)
);
CREATE INDEX events_received ON events (received_at);
CREATE TABLE jobs (
    event_seq BIGINT NOT NULL REFERENCES events (seq) ON DELETE CASCADE,
    handler TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_at BIGINT NOT NULL,
    lease_until BIGINT,
    owner TEXT,
    last_error TEXT,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (event_seq, handler)
);
CREATE INDEX jobs_due ON jobs (next_at) WHERE status = 'pending';
CREATE INDEX jobs_lease ON jobs (lease_until) WHERE status = 'running';
CREATE INDEX jobs_dead ON jobs (event_seq) WHERE status = 'dead';
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
