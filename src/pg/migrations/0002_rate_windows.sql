-- Shared rate limits (src/limits/shared.rs): calls per key in fixed one-second windows.
-- UNLOGGED: no WAL, much cheaper to update; after a server crash the table is empty, which
-- only forgets the current second's counts.
CREATE UNLOGGED TABLE rate_windows (
    key TEXT NOT NULL,
    window_start BIGINT NOT NULL,
    calls INTEGER NOT NULL,
    PRIMARY KEY (key, window_start)
);
