//! What the cache keeps about a voicemail's audio: the verified local file, its waveform and
//! length, and its archived copy.

use std::path::PathBuf;

use super::{Cache, CacheError};

/// A voicemail's audio as the cache knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AudioRecord {
    /// The cached file, once downloaded.
    pub path: Option<PathBuf>,
    /// Its SHA-256, hex.
    pub sha256: Option<String>,
    /// Its size.
    pub bytes: Option<i64>,
    /// Waveform peaks, one byte each, once computed.
    pub peaks: Option<Vec<u8>>,
    /// The decoded length in milliseconds, once computed.
    pub audio_ms: Option<i64>,
    /// The S3 key of the archived copy.
    pub archive_key: Option<String>,
    /// Twilio's length of the recording, in seconds.
    pub twilio_seconds: Option<i64>,
    /// Whether the recording was deleted on Twilio (the outbox finished its delete, the user's
    /// or a retention policy's).
    pub gone_from_twilio: bool,
}

impl Cache {
    /// The audio record of `recording_sid`; `None` for a voicemail not in the cache.
    ///
    /// # Errors
    /// Storage errors.
    pub async fn audio_record(
        &self,
        recording_sid: &str,
    ) -> Result<Option<AudioRecord>, CacheError> {
        let row = sqlx::query!(
            r#"SELECT r.duration, s.audio_path, s.audio_sha256, s.audio_bytes, s.peaks, s.audio_ms, s.archive_key,
                EXISTS (SELECT 1 FROM outbox o WHERE o.target = r.sid AND o.op IN ('delete_recording', 'expire_recording') AND o.done_at IS NOT NULL) AS "gone!: bool"
               FROM recordings r LEFT JOIN voicemail_state s ON s.recording_sid = r.sid
               WHERE r.sid = ?1"#,
            recording_sid
        )
        .fetch_optional(self.pool())
        .await?;
        Ok(row.map(|r| AudioRecord {
            path: r.audio_path.map(PathBuf::from),
            sha256: r.audio_sha256,
            bytes: r.audio_bytes,
            peaks: r.peaks,
            audio_ms: r.audio_ms,
            archive_key: r.archive_key,
            twilio_seconds: r.duration,
            gone_from_twilio: r.gone,
        }))
    }

    /// Keeps the waveform and length computed from the verified audio of `recording_sid`.
    ///
    /// # Errors
    /// Storage errors.
    pub async fn save_analysis(
        &self,
        recording_sid: &str,
        peaks: &[u8],
        audio_ms: i64,
    ) -> Result<(), CacheError> {
        sqlx::query!(
            "UPDATE voicemail_state SET peaks = ?2, audio_ms = ?3, updated_at = unixepoch() WHERE recording_sid = ?1",
            recording_sid,
            peaks,
            audio_ms
        )
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Forgets the cached audio of `recording_sid` (the file is removed by the caller), so the
    /// next play downloads it again.
    ///
    /// # Errors
    /// Storage errors.
    pub async fn forget_audio(&self, recording_sid: &str) -> Result<(), CacheError> {
        sqlx::query!(
            "UPDATE voicemail_state SET audio_path = NULL, audio_sha256 = NULL, audio_bytes = NULL,
                peaks = NULL, audio_ms = NULL, updated_at = unixepoch() WHERE recording_sid = ?1",
            recording_sid
        )
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Notes that `recording_sid` is about to be uploaded under `key` (before any byte is
    /// sent), so an upload cut short is found and finished or removed.
    ///
    /// # Errors
    /// Storage errors.
    pub async fn mark_archiving(&self, recording_sid: &str, key: &str) -> Result<(), CacheError> {
        sqlx::query!(
            "INSERT INTO voicemail_state (recording_sid, archive_pending) VALUES (?1, ?2)
             ON CONFLICT (recording_sid) DO UPDATE SET archive_pending = excluded.archive_pending, updated_at = unixepoch()",
            recording_sid,
            key
        )
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Uploads that were started and not verified: (recording, key).
    ///
    /// # Errors
    /// Storage errors.
    pub async fn unfinished_archives(&self) -> Result<Vec<(String, String)>, CacheError> {
        Ok(sqlx::query!(
            r#"SELECT recording_sid AS "sid!", archive_pending AS "key!" FROM voicemail_state
               WHERE archive_pending IS NOT NULL ORDER BY recording_sid"#
        )
        .fetch_all(self.pool())
        .await?
        .into_iter()
        .map(|r| (r.sid, r.key))
        .collect())
    }

    /// Voicemails with no archived copy yet (not deleted, recording complete), oldest first.
    ///
    /// # Errors
    /// Storage errors.
    pub async fn unarchived_voicemails(&self) -> Result<Vec<String>, CacheError> {
        Ok(sqlx::query_scalar!(
            r#"SELECT recording_sid AS "sid!" FROM voicemails
               WHERE archive_key IS NULL AND state <> 'deleted' AND recording_status = 'completed'
               ORDER BY created_at, recording_sid"#
        )
        .fetch_all(self.pool())
        .await?)
    }

    /// Forgets an unfinished upload whose object was removed.
    ///
    /// # Errors
    /// Storage errors.
    pub async fn clear_archiving(&self, recording_sid: &str) -> Result<(), CacheError> {
        sqlx::query!(
            "UPDATE voicemail_state SET archive_pending = NULL WHERE recording_sid = ?1",
            recording_sid
        )
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Records the verified S3 copy of `recording_sid` under `key`.
    ///
    /// # Errors
    /// Storage errors.
    pub async fn mark_archived(&self, recording_sid: &str, key: &str) -> Result<(), CacheError> {
        sqlx::query!(
            "INSERT INTO voicemail_state (recording_sid, state, archive_key, archived_at) VALUES (?1, 'archived', ?2, unixepoch())
             ON CONFLICT (recording_sid) DO UPDATE SET state = 'archived', archive_key = excluded.archive_key,
                archived_at = excluded.archived_at, archive_pending = NULL, updated_at = unixepoch()",
            recording_sid,
            key
        )
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Queues the deletion of `recording_sid` on Twilio, keeping it archived locally.
    ///
    /// # Errors
    /// Storage errors.
    pub async fn queue_twilio_delete(&self, recording_sid: &str) -> Result<(), CacheError> {
        sqlx::query!(
            "INSERT INTO outbox (op, target) VALUES ('delete_recording', ?1) ON CONFLICT (op, target) DO NOTHING",
            recording_sid
        )
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Records a verified local copy of `recording_sid`'s audio (fetched from the archive).
    ///
    /// # Errors
    /// Storage errors.
    pub async fn record_audio(
        &self,
        recording_sid: &str,
        path: &std::path::Path,
        sha256: &str,
        bytes: usize,
    ) -> Result<(), CacheError> {
        let path = path.display().to_string();
        let bytes = i64::try_from(bytes).unwrap_or(i64::MAX);
        sqlx::query!(
            "INSERT INTO voicemail_state (recording_sid, audio_path, audio_sha256, audio_bytes) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (recording_sid) DO UPDATE SET audio_path = excluded.audio_path, audio_sha256 = excluded.audio_sha256,
                audio_bytes = excluded.audio_bytes, peaks = NULL, audio_ms = NULL, updated_at = unixepoch()",
            recording_sid,
            path,
            sha256,
            bytes
        )
        .execute(self.pool())
        .await?;
        Ok(())
    }
}
