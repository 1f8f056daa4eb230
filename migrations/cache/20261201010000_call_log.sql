-- The call log: top-level calls (a <Dial> leg belongs to its parent) with the way they went,
-- how they ended as the log groups it, and their newest recording. "missed" is an incoming
-- call nobody answered, including one that left a voicemail; "unanswered" an outgoing one
-- that was busy, not answered or failed.
CREATE VIEW call_log AS
SELECT c.*,
       CASE WHEN c.direction = 'inbound' THEN 'inbound' ELSE 'outbound' END AS way,
       CASE WHEN c.direction = 'inbound' THEN c.from_number ELSE c.to_number END AS remote,
       (SELECT r.sid FROM recordings r WHERE r.call_sid = c.sid
         ORDER BY r.created_at DESC LIMIT 1) AS recording_sid,
       EXISTS (SELECT 1 FROM recordings r WHERE r.call_sid = c.sid
               AND r.source = 'RecordVerb') AS voicemail,
       CASE
         WHEN c.direction = 'inbound'
              AND (c.status IN ('no-answer', 'busy', 'canceled', 'failed')
                   OR EXISTS (SELECT 1 FROM recordings r WHERE r.call_sid = c.sid
                              AND r.source = 'RecordVerb')) THEN 'missed'
         WHEN c.direction IS NOT 'inbound'
              AND c.status IN ('no-answer', 'busy', 'canceled', 'failed') THEN 'unanswered'
         ELSE 'answered'
       END AS outcome
FROM calls c
WHERE c.parent_call_sid IS NULL;
