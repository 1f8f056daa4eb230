-- Playback and the S3 archive. The waveform's peaks (one byte per bucket) and the decoded
-- length are computed once from the verified audio and kept with it; they are cleared whenever
-- the audio is downloaded again. `archive_*` record a copy in the user's S3 bucket, written
-- only after the object's size and SHA-256 were checked against the local file.
ALTER TABLE voicemail_state ADD COLUMN peaks BLOB;
ALTER TABLE voicemail_state ADD COLUMN audio_ms INTEGER;
ALTER TABLE voicemail_state ADD COLUMN archive_key TEXT;
ALTER TABLE voicemail_state ADD COLUMN archived_at INTEGER;

DROP VIEW voicemails;
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
       s.audio_sha256     AS audio_sha256,
       s.archive_key      AS archive_key
FROM recordings r
LEFT JOIN calls c ON c.sid = r.call_sid
LEFT JOIN transcriptions t ON t.sid = (
    SELECT t2.sid FROM transcriptions t2 WHERE t2.recording_sid = r.sid
    ORDER BY t2.created_at DESC LIMIT 1)
LEFT JOIN voicemail_state s ON s.recording_sid = r.sid
WHERE r.source = 'RecordVerb';
