-- Voicemails whose search row is out of date. A sync's page marks them in its transaction;
-- the index is rewritten for all of them once, when the sync ends (or when the next one does,
-- after a crash), rather than on every page that touches a voicemail: a first sync meets
-- each voicemail twice, on its recording's page and on its transcription's.
CREATE TABLE search_pending (
    recording_sid TEXT PRIMARY KEY NOT NULL
) STRICT, WITHOUT ROWID;
