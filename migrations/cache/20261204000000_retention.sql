-- Retention: the account's policy, each run of it, and the deletions it queues.
--
-- One policy per account (this cache is one account's). A policy deletes nothing until the
-- user confirmed it once (`confirmed_at`); changing what it deletes clears the confirmation.
CREATE TABLE retention_policy (
    id               INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    -- Delete recordings (voicemail and call recordings) and their transcriptions from Twilio
    -- once older than this many days; NULL keeps them.
    recordings_days  INTEGER CHECK (recordings_days IS NULL OR recordings_days BETWEEN 1 AND 36500),
    -- Only recordings with a verified copy in the S3 archive.
    only_archived    INTEGER NOT NULL DEFAULT 1 CHECK (only_archived IN (0, 1)),
    -- Prune cached voicemail audio to this many bytes, least recently played first; NULL keeps
    -- it all.
    audio_budget     INTEGER CHECK (audio_budget IS NULL OR audio_budget >= 0),
    -- Keep the call log this many days locally; NULL keeps it all.
    call_log_days    INTEGER CHECK (call_log_days IS NULL OR call_log_days BETWEEN 1 AND 36500),
    updated_at       INTEGER NOT NULL DEFAULT (unixepoch()),
    confirmed_at     INTEGER
) STRICT;

-- Each run: when, as of which moment its cut-offs were computed, and what it did.
CREATE TABLE retention_runs (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    started_at      INTEGER NOT NULL DEFAULT (unixepoch()),
    as_of           INTEGER NOT NULL,
    recordings      INTEGER NOT NULL DEFAULT 0,
    transcriptions  INTEGER NOT NULL DEFAULT 0,
    audio_files     INTEGER NOT NULL DEFAULT 0,
    audio_bytes     INTEGER NOT NULL DEFAULT 0,
    calls           INTEGER NOT NULL DEFAULT 0
) STRICT;

-- What local pruning removed (Twilio deletions are logged by their outbox rows).
CREATE TABLE retention_log (
    run_id  INTEGER NOT NULL REFERENCES retention_runs (id) ON DELETE CASCADE,
    at      INTEGER NOT NULL DEFAULT (unixepoch()),
    kind    TEXT NOT NULL CHECK (kind IN ('audio', 'calls')),
    target  TEXT NOT NULL,
    detail  TEXT NOT NULL
) STRICT;
CREATE INDEX retention_log_by_run ON retention_log (run_id);

-- The outbox learns two changes: `expire_recording` (a policy's delete: no local copy is
-- required, unlike a voicemail the user deleted) and `delete_transcription`; `run_id` ties a
-- change to the retention run that queued it, and `detail` says what it deletes in words, for
-- the log, after the row itself is gone. SQLite cannot alter a CHECK: the table is rebuilt.
CREATE TABLE outbox_new (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    op              TEXT NOT NULL CHECK (op IN ('delete_recording', 'expire_recording', 'delete_transcription')),
    target          TEXT NOT NULL,
    created_at      INTEGER NOT NULL DEFAULT (unixepoch()),
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT,
    next_attempt_at INTEGER NOT NULL DEFAULT 0,
    done_at         INTEGER,
    run_id          INTEGER REFERENCES retention_runs (id),
    detail          TEXT,
    UNIQUE (op, target)
) STRICT;
INSERT INTO outbox_new (id, op, target, created_at, attempts, last_error, next_attempt_at, done_at)
SELECT id, op, target, created_at, attempts, last_error, next_attempt_at, done_at FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
CREATE INDEX outbox_by_target ON outbox (target);
CREATE INDEX outbox_by_run ON outbox (run_id) WHERE run_id IS NOT NULL;
CREATE INDEX outbox_waiting ON outbox (next_attempt_at) WHERE done_at IS NULL;

-- When the voicemail was last played, for pruning the audio cache least recently played first.
ALTER TABLE voicemail_state ADD COLUMN played_at INTEGER;
