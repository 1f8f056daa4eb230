//! Carrying a retention run's deletions to Twilio, a few at a time, each recorded as Twilio
//! confirms it, so a run killed at any point resumes with what is left and sends nothing twice.
//!
//! Once Twilio confirms a recording's deletion, its rows leave the cache, unless a copy of the
//! voicemail remains (archived in S3, or its audio cached here): then it stays listed, with its
//! transcript, playable from that copy.

use futures_util::StreamExt as _;
use serde::Serialize;
use ts_rs::TS;

use super::{Cache, CacheError};
use crate::error::{Code, Error};
use crate::sid::{RecordingSid, TranscriptionSid};
use crate::twilio::{Client, TwilioError};

/// Deletions in flight at once: Twilio allows many concurrent requests per account, but a
/// background job should leave room for the user's own.
pub const IN_FLIGHT: usize = 4;

/// The longest wait between attempts of a failing deletion.
const MAX_BACKOFF_SECONDS: i64 = 3600;

/// What one pass over a retention run's deletions did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, TS)]
pub struct ExpireReport {
    /// Deletions Twilio confirmed in this pass.
    pub done: u32,
    /// Deletions that failed in this pass and will be tried again.
    pub failed: u32,
    /// Deletions still waiting after this pass.
    #[ts(type = "number")]
    pub waiting: i64,
}

struct Due {
    id: i64,
    op: String,
    target: String,
    attempts: i64,
}

impl Cache {
    /// Retention deletions still waiting for Twilio.
    ///
    /// # Errors
    /// Storage errors.
    pub async fn retention_waiting(&self) -> Result<i64, CacheError> {
        Ok(sqlx::query_scalar!(
            "SELECT count(*) FROM outbox WHERE done_at IS NULL AND op IN ('expire_recording', 'delete_transcription')"
        )
        .fetch_one(self.pool())
        .await?)
    }

    /// Sends up to `max` due retention deletions to Twilio, [`IN_FLIGHT`] at a time, calling
    /// `progress` after each. Twilio's 404 (already gone) counts as done.
    ///
    /// # Errors
    /// Storage errors; Twilio refusing the credentials ([`Code::Unauthorized`],
    /// [`Code::Forbidden`]) stops the pass with that error. Other failures are recorded on
    /// the deletion, retried later with a growing wait, and counted.
    pub async fn replay_retention(
        &self,
        client: &Client,
        max: u32,
        mut progress: impl FnMut(&ExpireReport),
    ) -> Result<ExpireReport, Error> {
        let due = sqlx::query_as!(
            Due,
            r#"SELECT id AS "id!", op, target, attempts FROM outbox
               WHERE done_at IS NULL AND op IN ('expire_recording', 'delete_transcription')
                 AND next_attempt_at <= unixepoch()
               ORDER BY id LIMIT ?1"#,
            max
        )
        .fetch_all(self.pool())
        .await
        .map_err(CacheError::from)?;
        let mut report = ExpireReport::default();
        let mut sent = futures_util::stream::iter(due)
            .map(|row| async move {
                let result = delete_on_twilio(client, &row.op, &row.target).await;
                (row, result)
            })
            .buffer_unordered(IN_FLIGHT);
        while let Some((row, result)) = sent.next().await {
            match result {
                Ok(()) => {
                    self.expired(&row).await?;
                    report.done += 1;
                }
                Err(err) => {
                    let backoff = (30_i64 << row.attempts.min(7)).min(MAX_BACKOFF_SECONDS);
                    tracing::warn!(target = %row.target, error = %err.message, backoff, "retention deletion failed; will retry");
                    sqlx::query!(
                        "UPDATE outbox SET attempts = attempts + 1, last_error = ?2, next_attempt_at = unixepoch() + ?3 WHERE id = ?1",
                        row.id,
                        err.message,
                        backoff
                    )
                    .execute(self.pool())
                    .await
                    .map_err(CacheError::from)?;
                    report.failed += 1;
                    if matches!(err.code, Code::Unauthorized | Code::Forbidden) {
                        return Err(err);
                    }
                }
            }
            progress(&report);
        }
        report.waiting = self.retention_waiting().await?;
        Ok(report)
    }

    /// Records a deletion Twilio confirmed, and removes what no copy keeps.
    async fn expired(&self, row: &Due) -> Result<(), CacheError> {
        let mut tx = self.pool().begin().await?;
        sqlx::query!(
            "UPDATE outbox SET done_at = unixepoch(), attempts = attempts + 1, last_error = NULL WHERE id = ?1",
            row.id
        )
        .execute(&mut *tx)
        .await?;
        let target = row.target.as_str();
        if row.op == "expire_recording" {
            sqlx::query!(
                "DELETE FROM voicemail_search WHERE rowid = (SELECT search_key FROM recordings WHERE sid = ?1)
                 AND ?1 NOT IN (SELECT recording_sid FROM voicemail_state WHERE archive_key IS NOT NULL OR audio_path IS NOT NULL)",
                target
            )
            .execute(&mut *tx)
            .await?;
            sqlx::query!(
                "DELETE FROM transcriptions WHERE recording_sid = ?1
                 AND ?1 NOT IN (SELECT recording_sid FROM voicemail_state WHERE archive_key IS NOT NULL OR audio_path IS NOT NULL)",
                target
            )
            .execute(&mut *tx)
            .await?;
            let gone = sqlx::query!(
                "DELETE FROM recordings WHERE sid = ?1
                 AND ?1 NOT IN (SELECT recording_sid FROM voicemail_state WHERE archive_key IS NOT NULL OR audio_path IS NOT NULL)",
                target
            )
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if gone > 0 {
                sqlx::query!(
                    "DELETE FROM voicemail_state WHERE recording_sid = ?1",
                    target
                )
                .execute(&mut *tx)
                .await?;
            }
        } else {
            let recording = sqlx::query_scalar!(
                "DELETE FROM transcriptions WHERE sid = ?1
                 AND (recording_sid IS NULL OR recording_sid NOT IN
                      (SELECT recording_sid FROM voicemail_state WHERE archive_key IS NOT NULL OR audio_path IS NOT NULL))
                 RETURNING recording_sid",
                target
            )
            .fetch_optional(&mut *tx)
            .await?
            .flatten();
            if let Some(recording) = recording {
                super::search::refresh_search(&mut tx, &[recording.as_str()]).await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }
}

async fn delete_on_twilio(client: &Client, op: &str, target: &str) -> Result<(), Error> {
    let done = if op == "expire_recording" {
        let sid = RecordingSid::parse(target).map_err(|e| Error::new(Code::Internal, e.message))?;
        client.recordings().delete(&sid).await
    } else {
        let sid =
            TranscriptionSid::parse(target).map_err(|e| Error::new(Code::Internal, e.message))?;
        client.transcriptions().delete(&sid).await
    };
    match done {
        Ok(()) | Err(TwilioError::Api { status: 404, .. }) => {
            tracing::info!(target, op, "deleted on Twilio by the retention policy");
            Ok(())
        }
        Err(err) => Err(err.into()),
    }
}
