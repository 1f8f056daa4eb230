-- Changes to make on Twilio, written in the same transaction as the local change they follow
-- and replayed until Twilio confirms, across restarts. One row per (op, target): queuing the
-- same change twice is one change.
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    op              TEXT NOT NULL CHECK (op IN ('delete_recording')),
    target          TEXT NOT NULL,
    created_at      INTEGER NOT NULL DEFAULT (unixepoch()),
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT,
    next_attempt_at INTEGER NOT NULL DEFAULT 0,
    done_at         INTEGER,
    UNIQUE (op, target)
) STRICT;
