//! Retention's audio budget: cached voicemail audio over the policy's size, least recently
//! played first, never a voicemail's only copy (see `retention.rs` for the rules).

use serde::Serialize;
use ts_rs::TS;

use super::retention::{RetentionPolicy, day};
use super::{Cache, CacheError};
use crate::error::Error;

/// Cached audio a run removes from this computer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct PrunedAudio {
    /// The voicemail.
    pub recording_sid: String,
    /// The file's size.
    #[ts(type = "number")]
    pub bytes: i64,
    /// When it was last played (or downloaded), Unix seconds.
    #[ts(type = "number")]
    pub last_used_at: i64,
}

impl Cache {
    /// The cached audio over the budget, least recently used first, and the bytes cached.
    /// Audio that is a voicemail's only copy (Twilio no longer has it, or the policy deletes it
    /// there, and no archived copy exists) is never pruned.
    pub(super) async fn audio_to_prune(
        &self,
        policy: &RetentionPolicy,
        as_of: i64,
    ) -> Result<(Vec<PrunedAudio>, i64), CacheError> {
        let cutoff = policy.recordings_cutoff(as_of).unwrap_or(i64::MIN);
        let expire_unarchived = policy.recordings_days.is_some() && !policy.only_archived;
        let rows = sqlx::query!(
            r#"SELECT s.recording_sid AS "sid!", coalesce(s.audio_bytes, 0) AS "bytes!: i64",
                coalesce(s.played_at, s.updated_at) AS "used!: i64",
                (s.archive_key IS NULL AND (
                    EXISTS (SELECT 1 FROM outbox o WHERE o.target = s.recording_sid AND o.op IN ('delete_recording', 'expire_recording'))
                    OR r.sid IS NULL
                    OR (?1 AND r.created_at < ?2))) AS "only_copy!: bool"
               FROM voicemail_state s LEFT JOIN recordings r ON r.sid = s.recording_sid
               WHERE s.audio_path IS NOT NULL
               ORDER BY coalesce(s.played_at, s.updated_at) DESC, s.recording_sid"#,
            expire_unarchived,
            cutoff
        )
        .fetch_all(self.pool())
        .await?;
        let cached: i64 = rows.iter().map(|r| r.bytes).sum();
        let Some(budget) = policy
            .audio_budget_bytes
            .map(|b| i64::try_from(b).unwrap_or(i64::MAX))
        else {
            return Ok((Vec::new(), cached));
        };
        // Newest first, keeping while the budget allows; what must stay counts against it.
        let mut kept = rows
            .iter()
            .filter(|r| r.only_copy)
            .map(|r| r.bytes)
            .sum::<i64>();
        let mut pruned = Vec::new();
        for row in rows.iter().filter(|r| !r.only_copy) {
            if kept + row.bytes <= budget && pruned.is_empty() {
                kept += row.bytes;
            } else {
                pruned.push(PrunedAudio {
                    recording_sid: row.sid.clone(),
                    bytes: row.bytes,
                    last_used_at: row.used,
                });
            }
        }
        pruned.reverse();
        Ok((pruned, cached))
    }

    /// Removes the cached audio over the budget, logging each file.
    pub(super) async fn prune_audio(
        &self,
        run: i64,
        policy: &RetentionPolicy,
        as_of: i64,
        audio_dir: &std::path::Path,
    ) -> Result<(), Error> {
        let (prune, _) = self.audio_to_prune(policy, as_of).await?;
        let (mut files, mut bytes) = (0_i64, 0_i64);
        for audio in prune {
            let sid = audio.recording_sid.as_str();
            let path = sqlx::query_scalar!(
                "SELECT audio_path FROM voicemail_state WHERE recording_sid = ?1",
                sid
            )
            .fetch_optional(self.pool())
            .await
            .map_err(CacheError::from)?
            .flatten();
            let detail = format!(
                "Cached audio of {sid}, {} KB, last used {}",
                audio.bytes / 1024,
                day(audio.last_used_at)
            );
            let mut tx = self.pool().begin().await.map_err(CacheError::from)?;
            sqlx::query!(
                "UPDATE voicemail_state SET audio_path = NULL, audio_sha256 = NULL, audio_bytes = NULL,
                    peaks = NULL, audio_ms = NULL, updated_at = unixepoch() WHERE recording_sid = ?1",
                sid
            )
            .execute(&mut *tx)
            .await
            .map_err(CacheError::from)?;
            sqlx::query!(
                "INSERT INTO retention_log (run_id, kind, target, detail) VALUES (?1, 'audio', ?2, ?3)",
                run,
                sid,
                detail
            )
            .execute(&mut *tx)
            .await
            .map_err(CacheError::from)?;
            tx.commit().await.map_err(CacheError::from)?;
            // Forgotten first: a crash here leaves a stray file in the audio folder, never a
            // voicemail pointing at a missing one. Only files inside the audio folder are removed.
            if let Some(path) = path.map(std::path::PathBuf::from)
                && path.starts_with(audio_dir)
                && let Err(err) = tokio::fs::remove_file(&path).await
                && err.kind() != std::io::ErrorKind::NotFound
            {
                tracing::warn!(path = %path.display(), error = %err, "cannot remove pruned audio");
            }
            files += 1;
            bytes += audio.bytes;
        }
        if files > 0 {
            sqlx::query!(
                "UPDATE retention_runs SET audio_files = ?2, audio_bytes = ?3 WHERE id = ?1",
                run,
                files,
                bytes
            )
            .execute(self.pool())
            .await
            .map_err(CacheError::from)?;
            tracing::info!(run, files, bytes, "cached audio pruned to the budget");
        }
        Ok(())
    }

    /// Records that the voicemail `recording_sid` was played now (pruning keeps the most
    /// recently played audio).
    ///
    /// # Errors
    /// Storage errors.
    pub async fn touch_played(&self, recording_sid: &str) -> Result<(), CacheError> {
        sqlx::query!(
            "UPDATE voicemail_state SET played_at = unixepoch() WHERE recording_sid = ?1",
            recording_sid
        )
        .execute(self.pool())
        .await?;
        Ok(())
    }
}
