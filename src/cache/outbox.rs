//! Local voicemail actions and the outbox that carries them to Twilio.
//!
//! Marking read, unread or archived is local: Twilio keeps no such state for recordings.
//! Deleting applies at once in the cache and queues a `delete_recording` in the outbox, in the
//! same transaction. Replaying the outbox deletes the recording on Twilio only after its audio
//! is cached on disk and verified against its SHA-256, so a voicemail is never lost. Until the
//! replay, a delete can be undone.

use std::path::{Path, PathBuf};

use serde::Serialize;
use sha2::{Digest, Sha256};
use ts_rs::TS;

use super::{Cache, CacheError};
use crate::error::{Code, Error};
use crate::sid::RecordingSid;
use crate::twilio::{AudioFormat, Client, TwilioError};

/// What the user can do to a voicemail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, Serialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum VoicemailAction {
    /// Mark as read.
    Read,
    /// Mark as unread.
    Unread,
    /// Move to the archive.
    Archive,
    /// Delete (locally at once; on Twilio once its audio is safely cached).
    Delete,
    /// Undo a delete that has not reached Twilio yet.
    Restore,
}

/// What a replay of the outbox did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, TS)]
pub struct ReplayReport {
    /// Changes Twilio confirmed.
    pub done: u32,
    /// Changes that failed and will be tried again.
    pub failed: u32,
    /// Changes still waiting (failed now or earlier).
    pub pending: u32,
}

/// The longest wait between attempts of a failing change.
const MAX_BACKOFF_SECONDS: i64 = 3600;

impl Cache {
    /// Applies `action` to the voicemail `recording_sid` at once.
    ///
    /// # Errors
    /// [`Code::NotFound`] for a voicemail not in the cache; [`Code::InvalidInput`] for a
    /// restore after Twilio already deleted it; storage errors.
    pub async fn apply(&self, recording_sid: &str, action: VoicemailAction) -> Result<(), Error> {
        let sid = recording_sid.trim();
        if self.voicemail(sid).await?.is_none() {
            return Err(Error::new(
                Code::NotFound,
                format!(
                    "No voicemail {sid} in the cache. Check the SID, or run `switchboard sync`."
                ),
            ));
        }
        let mut tx = self.pool().begin().await.map_err(CacheError::from)?;
        let state = match action {
            VoicemailAction::Read => "read",
            VoicemailAction::Unread => "unread",
            VoicemailAction::Archive => "archived",
            VoicemailAction::Delete => "deleted",
            VoicemailAction::Restore => "read",
        };
        if action == VoicemailAction::Restore {
            let done: Option<Option<i64>> = sqlx::query_scalar!(
                "SELECT done_at FROM outbox WHERE op = 'delete_recording' AND target = ?1",
                sid
            )
            .fetch_optional(&mut *tx)
            .await
            .map_err(CacheError::from)?;
            if let Some(Some(_)) = done {
                return Err(Error::new(
                    Code::InvalidInput,
                    "This voicemail was already deleted on Twilio; its audio is still in the local cache.",
                ));
            }
            sqlx::query!("DELETE FROM outbox WHERE op = 'delete_recording' AND target = ?1 AND done_at IS NULL", sid)
                .execute(&mut *tx)
                .await
                .map_err(CacheError::from)?;
        }
        sqlx::query!("INSERT INTO voicemail_state (recording_sid, state) VALUES (?1, ?2)
             ON CONFLICT (recording_sid) DO UPDATE SET state = excluded.state, updated_at = unixepoch()", sid, state)
        .execute(&mut *tx)
        .await
        .map_err(CacheError::from)?;
        if action == VoicemailAction::Delete {
            sqlx::query!(
                "INSERT INTO outbox (op, target) VALUES ('delete_recording', ?1)
                 ON CONFLICT (op, target) DO NOTHING",
                sid
            )
            .execute(&mut *tx)
            .await
            .map_err(CacheError::from)?;
        }
        tx.commit().await.map_err(CacheError::from)?;
        tracing::info!(recording = sid, ?action, "voicemail action applied");
        Ok(())
    }

    /// The user's changes waiting for Twilio (a retention run's are counted by its run).
    ///
    /// # Errors
    /// Storage errors.
    pub async fn pending_changes(&self) -> Result<i64, CacheError> {
        Ok(sqlx::query_scalar!(
            "SELECT count(*) FROM outbox WHERE done_at IS NULL AND op = 'delete_recording'"
        )
        .fetch_one(self.pool())
        .await?)
    }

    /// Carries the user's waiting changes to Twilio (those whose backoff has passed, or all when
    /// `now_all`). Audio of a voicemail to delete is first downloaded into `audio_dir` and
    /// verified; Twilio's 404 for a recording already gone counts as done.
    ///
    /// # Errors
    /// Storage errors; a Twilio failure is recorded on the change and counted, not returned.
    pub async fn replay_outbox(
        &self,
        client: &Client,
        audio_dir: &Path,
        now_all: bool,
    ) -> Result<ReplayReport, Error> {
        let due = sqlx::query!(
            r#"SELECT id AS "id!", target, attempts FROM outbox
               WHERE done_at IS NULL AND op = 'delete_recording' AND (?1 OR next_attempt_at <= unixepoch()) ORDER BY id"#,
            now_all
        )
        .fetch_all(self.pool())
        .await
        .map_err(CacheError::from)?;
        let mut report = ReplayReport::default();
        for row in due {
            let (id, target, attempts) = (row.id, row.target, row.attempts);
            match self.delete_on_twilio(client, audio_dir, &target).await {
                Ok(()) => {
                    sqlx::query!("UPDATE outbox SET done_at = unixepoch(), attempts = attempts + 1, last_error = NULL WHERE id = ?1", id)
                        .execute(self.pool())
                        .await
                        .map_err(CacheError::from)?;
                    report.done += 1;
                }
                Err(err) => {
                    let backoff = (30_i64 << attempts.min(7)).min(MAX_BACKOFF_SECONDS);
                    tracing::warn!(recording = %target, error = %err.message, backoff, "outbox change failed; will retry");
                    sqlx::query!("UPDATE outbox SET attempts = attempts + 1, last_error = ?2, next_attempt_at = unixepoch() + ?3 WHERE id = ?1", id, err.message, backoff)
                    .execute(self.pool())
                    .await
                    .map_err(CacheError::from)?;
                    report.failed += 1;
                }
            }
        }
        report.pending = u32::try_from(self.pending_changes().await?).unwrap_or(u32::MAX);
        Ok(report)
    }

    async fn delete_on_twilio(
        &self,
        client: &Client,
        audio_dir: &Path,
        target: &str,
    ) -> Result<(), Error> {
        let sid = RecordingSid::parse(target).map_err(|e| Error::new(Code::Internal, e.message))?;
        self.ensure_audio(client, audio_dir, &sid).await?;
        match client.recordings().delete(&sid).await {
            Ok(()) | Err(TwilioError::Api { status: 404, .. }) => {
                tracing::info!(recording = %sid, "voicemail deleted on Twilio; its audio stays in the local cache");
                Ok(())
            }
            Err(err) => Err(err.into()),
        }
    }

    /// The verified local copy of a voicemail's audio, downloading it when it is missing or
    /// does not match its recorded checksum.
    ///
    /// # Errors
    /// Twilio and download errors; [`Code::Storage`] when the file cannot be written or read
    /// back.
    pub async fn ensure_audio(
        &self,
        client: &Client,
        audio_dir: &Path,
        sid: &RecordingSid,
    ) -> Result<PathBuf, Error> {
        let sid_text = sid.as_str();
        let known = sqlx::query!(
            "SELECT audio_path, audio_sha256 FROM voicemail_state WHERE recording_sid = ?1",
            sid_text
        )
        .fetch_optional(self.pool())
        .await
        .map_err(CacheError::from)?
        .map(|r| (r.audio_path, r.audio_sha256));
        if let Some((Some(path), Some(sum))) = known {
            let path = PathBuf::from(path);
            if sha256_file(&path).await.is_ok_and(|actual| actual.0 == sum) {
                return Ok(path);
            }
            tracing::warn!(recording = %sid, "cached audio missing or changed; downloading again");
        }
        tokio::fs::create_dir_all(audio_dir).await.map_err(|e| {
            Error::new(
                Code::Storage,
                format!(
                    "Cannot create the audio cache {}: {e}.",
                    audio_dir.display()
                ),
            )
        })?;
        let dest = audio_dir.join(format!("{sid}.mp3"));
        client
            .recordings()
            .download(sid, AudioFormat::Mp3, &dest)
            .await?;
        let (sum, bytes) = sha256_file(&dest).await.map_err(|e| {
            Error::new(
                Code::Storage,
                format!("Cannot read back {}: {e}.", dest.display()),
            )
        })?;
        if !looks_like_mp3_file(&dest).await {
            let _ = tokio::fs::remove_file(&dest).await;
            return Err(Error::new(
                Code::Twilio,
                format!(
                    "The audio Twilio sent for {sid} is not MP3; nothing was deleted. Try again later."
                ),
            ));
        }
        let path = dest.display().to_string();
        let bytes = i64::try_from(bytes).unwrap_or(i64::MAX);
        sqlx::query!("INSERT INTO voicemail_state (recording_sid, audio_path, audio_sha256, audio_bytes) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (recording_sid) DO UPDATE SET audio_path = excluded.audio_path,
                audio_sha256 = excluded.audio_sha256, audio_bytes = excluded.audio_bytes,
                peaks = NULL, audio_ms = NULL, updated_at = unixepoch()", sid_text, path, sum, bytes)
        .execute(self.pool())
        .await
        .map_err(CacheError::from)?;
        Ok(dest)
    }
}

pub(crate) async fn sha256_file(path: &Path) -> std::io::Result<(String, u64)> {
    use tokio::io::AsyncReadExt;
    let mut file = tokio::fs::File::open(path).await?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut total = 0u64;
    loop {
        let n = file.read(&mut buf).await?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        total += n as u64;
    }
    if total == 0 {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "empty file",
        ));
    }
    let digest = hasher.finalize();
    Ok((hex(&digest), total))
}

/// An ID3 tag or an MPEG audio frame sync at the start.
async fn looks_like_mp3_file(path: &Path) -> bool {
    use tokio::io::AsyncReadExt;
    let mut head = [0u8; 3];
    let Ok(mut file) = tokio::fs::File::open(path).await else {
        return false;
    };
    if file.read_exact(&mut head).await.is_err() {
        return false;
    }
    crate::audio::looks_like_mp3(&head)
}

/// Lowercase hex of `bytes`, as checksums are stored and compared.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
