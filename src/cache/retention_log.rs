//! Retention runs as they go: what a run queued and pruned, how far its deletions on Twilio
//! are, and the log of what it deleted.

use serde::Serialize;
use ts_rs::TS;

use super::{Cache, CacheError};

/// A run: what it queued and pruned, and how far its deletions on Twilio are.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct RetentionRun {
    /// The run.
    #[ts(type = "number")]
    pub id: i64,
    /// When it started, Unix seconds.
    #[ts(type = "number")]
    pub started_at: i64,
    /// The moment its cut-offs were computed from.
    #[ts(type = "number")]
    pub as_of: i64,
    /// Recordings queued for deletion on Twilio.
    #[ts(type = "number")]
    pub recordings: i64,
    /// Transcriptions queued for deletion on Twilio.
    #[ts(type = "number")]
    pub transcriptions: i64,
    /// Cached audio files removed.
    #[ts(type = "number")]
    pub audio_files: i64,
    /// Their bytes.
    #[ts(type = "number")]
    pub audio_bytes: i64,
    /// Calls removed from the local call log.
    #[ts(type = "number")]
    pub calls: i64,
    /// Deletions Twilio confirmed.
    #[ts(type = "number")]
    pub done: i64,
    /// Deletions waiting (some may have failed and will be tried again).
    #[ts(type = "number")]
    pub waiting: i64,
    /// The last failure of a waiting deletion, if any.
    pub last_error: Option<String>,
}

/// One line of a run's log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct RetentionLogEntry {
    /// When it was deleted (`null`: not yet).
    #[ts(type = "number | null")]
    pub at: Option<i64>,
    /// `recording`, `transcription` (on Twilio), `audio` or `calls` (on this computer).
    pub kind: String,
    /// The SID, or for calls the cut-off.
    pub target: String,
    /// What it was, in words.
    pub detail: String,
    /// Why the last attempt failed, for a deletion still waiting.
    pub error: Option<String>,
}

impl Cache {
    /// A run and its progress: `id`, or the latest run for `None`.
    ///
    /// # Errors
    /// Storage errors.
    pub async fn retention_run(&self, id: Option<i64>) -> Result<Option<RetentionRun>, CacheError> {
        let row = sqlx::query!(
            r#"SELECT r.id AS "id!", r.started_at, r.as_of, r.recordings, r.transcriptions, r.audio_files, r.audio_bytes, r.calls,
                (SELECT count(*) FROM outbox o WHERE o.run_id = r.id AND o.done_at IS NOT NULL) AS "done!: i64",
                (SELECT count(*) FROM outbox o WHERE o.run_id = r.id AND o.done_at IS NULL) AS "waiting!: i64",
                (SELECT o.last_error FROM outbox o WHERE o.run_id = r.id AND o.done_at IS NULL AND o.last_error IS NOT NULL
                 ORDER BY o.id DESC LIMIT 1) AS last_error
               FROM retention_runs r WHERE r.id = coalesce(?1, (SELECT max(id) FROM retention_runs))"#,
            id
        )
        .fetch_optional(self.pool())
        .await?;
        Ok(row.map(|r| RetentionRun {
            id: r.id,
            started_at: r.started_at,
            as_of: r.as_of,
            recordings: r.recordings,
            transcriptions: r.transcriptions,
            audio_files: r.audio_files,
            audio_bytes: r.audio_bytes,
            calls: r.calls,
            done: r.done,
            waiting: r.waiting,
            last_error: r.last_error,
        }))
    }

    /// The log of run `run`: deletions on Twilio (done or waiting) and local pruning, at most
    /// `limit` lines, most recent first.
    ///
    /// # Errors
    /// Storage errors.
    pub async fn retention_log(
        &self,
        run: i64,
        limit: u32,
    ) -> Result<Vec<RetentionLogEntry>, CacheError> {
        let limit = i64::from(limit);
        let rows = sqlx::query!(
            r#"SELECT at AS "at?: i64", kind AS "kind!", target AS "target!", detail AS "detail!", error AS "error: String" FROM (
                 SELECT o.done_at AS at, CASE o.op WHEN 'delete_transcription' THEN 'transcription' ELSE 'recording' END AS kind,
                   o.target, coalesce(o.detail, o.target) AS detail, CASE WHEN o.done_at IS NULL THEN o.last_error END AS error, o.id AS seq
                 FROM outbox o WHERE o.run_id = ?1
                 UNION ALL
                 SELECT l.at, l.kind, l.target, l.detail, NULL, l.rowid FROM retention_log l WHERE l.run_id = ?1)
               ORDER BY at IS NULL, at DESC, seq DESC LIMIT ?2"#,
            run,
            limit
        )
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| RetentionLogEntry {
                at: r.at,
                kind: r.kind,
                target: r.target,
                detail: r.detail,
                error: r.error,
            })
            .collect())
    }
}
