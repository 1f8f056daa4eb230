-- When a full run of the resource (one that reads every row and removes what Twilio no longer
-- lists) last finished, Unix seconds. Incremental runs read only what is new or still
-- settling; deletions made on Twilio are reconciled by a full run once a day, or on demand.
ALTER TABLE sync_state ADD COLUMN reconciled_at INTEGER;
-- Caches synced before this column count as reconciled by their last finished run.
UPDATE sync_state SET reconciled_at = finished_at;
