-- Greetings per account: what callers hear when nobody answers. The routing plays the one
-- `active_greeting` picks from the active ones (see src/greetings).
CREATE TABLE greetings (
    id           TEXT PRIMARY KEY NOT NULL,
    account_sid  TEXT NOT NULL CHECK (account_sid GLOB 'AC*' AND length(account_sid) = 34),
    name         TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 64),
    kind         TEXT NOT NULL CHECK (kind IN ('default', 'after_hours', 'holiday')),
    say_text     TEXT,
    voice        TEXT,
    language     TEXT,
    audio_url    TEXT,
    open_hours   TEXT,
    holiday_from TEXT,
    holiday_to   TEXT,
    active       INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    CHECK (say_text IS NOT NULL OR audio_url IS NOT NULL),
    UNIQUE (account_sid, name)
) STRICT;

-- The time zone greeting schedules follow, per account.
CREATE TABLE greeting_settings (
    account_sid TEXT PRIMARY KEY NOT NULL,
    time_zone   TEXT NOT NULL
) STRICT;
