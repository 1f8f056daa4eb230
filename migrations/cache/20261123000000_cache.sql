-- The per-profile cache of what Twilio holds: one database file per acting account, so a
-- profile's data can be dropped or rebuilt without touching another's.
--
-- Dates are kept twice: Twilio's RFC 2822 text as received, and `*_at` as Unix seconds (UTC)
-- for ordering and ranges. `seen_run` is the sync run that last listed the row, used to spot
-- rows Twilio no longer has.

CREATE TABLE calls (
    sid             TEXT PRIMARY KEY NOT NULL CHECK (sid GLOB 'CA*' AND length(sid) = 34),
    parent_call_sid TEXT,
    from_number     TEXT,
    to_number       TEXT,
    status          TEXT NOT NULL,
    direction       TEXT,
    started_at      INTEGER,
    ended_at        INTEGER,
    created_at      INTEGER NOT NULL,
    duration        INTEGER,
    price           TEXT,
    price_unit      TEXT,
    caller_name     TEXT,
    answered_by     TEXT,
    seen_run        INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX calls_by_created ON calls (created_at DESC, sid);
CREATE INDEX calls_by_from ON calls (from_number);
CREATE INDEX calls_by_to ON calls (to_number);

CREATE TABLE recordings (
    sid         TEXT PRIMARY KEY NOT NULL CHECK (sid GLOB 'RE*' AND length(sid) = 34),
    call_sid    TEXT,
    duration    INTEGER,
    status      TEXT,
    source      TEXT,
    channels    INTEGER,
    price       TEXT,
    price_unit  TEXT,
    created_at  INTEGER NOT NULL,
    error_code  INTEGER,
    seen_run    INTEGER NOT NULL DEFAULT 0,
    -- The voicemail's row in voicemail_search (a recency key, see below); kept by the sync.
    search_key  INTEGER
) STRICT;
CREATE INDEX recordings_by_created ON recordings (created_at DESC, sid);
CREATE UNIQUE INDEX recordings_by_search_key ON recordings (search_key) WHERE search_key IS NOT NULL;
CREATE INDEX recordings_by_call ON recordings (call_sid);

CREATE TABLE transcriptions (
    sid           TEXT PRIMARY KEY NOT NULL CHECK (sid GLOB 'TR*' AND length(sid) = 34),
    recording_sid TEXT,
    status        TEXT,
    text          TEXT,
    duration      INTEGER,
    price         TEXT,
    created_at    INTEGER NOT NULL,
    seen_run      INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX transcriptions_by_recording ON transcriptions (recording_sid);
CREATE INDEX transcriptions_by_created ON transcriptions (created_at DESC, sid);

-- What the user did with a voicemail, kept apart from what Twilio says about the recording so
-- a sync never overwrites it. Rows exist only once the user acted or audio was cached.
CREATE TABLE voicemail_state (
    recording_sid TEXT PRIMARY KEY NOT NULL,
    state         TEXT NOT NULL DEFAULT 'unread' CHECK (state IN ('unread', 'read', 'archived', 'deleted')),
    audio_path    TEXT,
    audio_sha256  TEXT,
    audio_bytes   INTEGER,
    updated_at    INTEGER NOT NULL DEFAULT (unixepoch())
) STRICT;

-- A voicemail: a recording left through <Record> (the routing's voicemail), with its call's
-- caller and its transcription.
CREATE VIEW voicemails AS
SELECT r.sid              AS recording_sid,
       r.call_sid         AS call_sid,
       c.from_number      AS caller,
       c.caller_name      AS caller_name,
       c.to_number        AS called,
       r.created_at       AS created_at,
       r.duration         AS duration,
       r.status           AS recording_status,
       t.sid              AS transcription_sid,
       t.status           AS transcription_status,
       t.text             AS transcript,
       coalesce(s.state, 'unread') AS state,
       s.audio_path       AS audio_path,
       s.audio_sha256     AS audio_sha256
FROM recordings r
LEFT JOIN calls c ON c.sid = r.call_sid
LEFT JOIN transcriptions t ON t.sid = (
    SELECT t2.sid FROM transcriptions t2 WHERE t2.recording_sid = r.sid
    ORDER BY t2.created_at DESC LIMIT 1)
LEFT JOIN voicemail_state s ON s.recording_sid = r.sid
WHERE r.source = 'RecordVerb';

-- Full-text search over transcripts and caller numbers, one row per voicemail recording. The
-- rowid is a recency key (created_at * 4096 plus a few bits to keep it unique, recorded in
-- recordings.search_key), so "newest matches first" walks the index backwards and stops after
-- a page, however many voicemails match.
CREATE VIRTUAL TABLE voicemail_search USING fts5(
    transcript, caller, tokenize = 'unicode61 remove_diacritics 2'
);

-- Where each resource's sync stands. `cursor` is the next page of an unfinished run (resumed
-- after a crash), `high_water` the newest `created_at` fully synced, `run` the current or last
-- run's number.
CREATE TABLE sync_state (
    resource    TEXT PRIMARY KEY NOT NULL CHECK (resource IN ('calls', 'recordings', 'transcriptions')),
    run         INTEGER NOT NULL DEFAULT 0,
    cursor      TEXT,
    run_floor   INTEGER,
    run_newest  INTEGER,
    high_water  INTEGER,
    full        INTEGER NOT NULL DEFAULT 1,
    finished_at INTEGER,
    fetched     INTEGER NOT NULL DEFAULT 0,
    stored      INTEGER NOT NULL DEFAULT 0,
    skipped     INTEGER NOT NULL DEFAULT 0,
    removed     INTEGER NOT NULL DEFAULT 0
) STRICT;
