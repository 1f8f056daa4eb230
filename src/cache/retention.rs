//! Retention, in the cache: the account's policy, what a run of it would delete (the preview),
//! and the run itself, which queues its deletions on Twilio in the outbox (set-based, in one
//! transaction) and prunes local data.
//!
//! A run deletes exactly what its preview listed: both compute from the same moment (`as_of`)
//! and the same policy (`updated_at`). Nothing is deleted by a policy the user has not
//! confirmed; changing a policy clears its confirmation.
//!
//! What is never deleted: a recording still being made or processed; a recording without a
//! verified S3 copy when the policy asks for one; the cached audio of a voicemail that Twilio no
//! longer has (or is about to lose) and that has no archived copy, since it is the only one; a
//! call that left a voicemail, while the voicemail is kept.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::audio_budget::PrunedAudio;
use super::retention_log::RetentionRun;
use super::{Cache, CacheError};
use crate::error::{Code, Error};

/// Seconds in a day.
const DAY: i64 = 24 * 60 * 60;
/// The longest retention period accepted, in days (a hundred years).
pub const MAX_DAYS: u32 = 36_500;

/// What an account keeps, and for how long.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct RetentionPolicy {
    /// Delete recordings (voicemail and call recordings) and their transcriptions from Twilio
    /// once older than this many days; `null` keeps them.
    pub recordings_days: Option<u32>,
    /// Only recordings with a verified copy in the S3 archive.
    pub only_archived: bool,
    /// Prune cached voicemail audio to this many bytes, least recently played first; `null`
    /// keeps it all.
    #[ts(type = "number | null")]
    pub audio_budget_bytes: Option<u64>,
    /// Keep the local call log this many days; `null` keeps it all.
    pub call_log_days: Option<u32>,
}

impl Default for RetentionPolicy {
    fn default() -> Self {
        Self {
            recordings_days: None,
            only_archived: true,
            audio_budget_bytes: None,
            call_log_days: None,
        }
    }
}

impl RetentionPolicy {
    /// Whether the policy deletes anything at all.
    pub fn deletes_anything(&self) -> bool {
        self.recordings_days.is_some()
            || self.audio_budget_bytes.is_some()
            || self.call_log_days.is_some()
    }

    /// Checks the numbers.
    ///
    /// # Errors
    /// [`Code::InvalidInput`] for a period outside 1 to [`MAX_DAYS`] days.
    pub fn validate(&self) -> Result<(), Error> {
        for (what, days) in [
            ("Recordings", self.recordings_days),
            ("The call log", self.call_log_days),
        ] {
            if days.is_some_and(|d| d == 0 || d > MAX_DAYS) {
                return Err(Error::new(
                    Code::InvalidInput,
                    format!("{what}: keep between 1 and {MAX_DAYS} days, or turn the rule off."),
                ));
            }
        }
        if self
            .audio_budget_bytes
            .is_some_and(|b| i64::try_from(b).is_err())
        {
            return Err(Error::new(
                Code::InvalidInput,
                "The audio budget is too large; turn the rule off to keep all audio.",
            ));
        }
        Ok(())
    }

    pub(super) fn recordings_cutoff(&self, as_of: i64) -> Option<i64> {
        self.recordings_days.map(|d| as_of - i64::from(d) * DAY)
    }

    /// The oldest moment the local call log keeps, as of `as_of`.
    pub fn call_log_cutoff(&self, as_of: i64) -> Option<i64> {
        self.call_log_days.map(|d| as_of - i64::from(d) * DAY)
    }
}

/// The policy as stored, with its confirmation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct StoredPolicy {
    /// The policy.
    pub policy: RetentionPolicy,
    /// When it last changed, Unix seconds (`null`: never set).
    #[ts(type = "number | null")]
    pub updated_at: Option<i64>,
    /// When the user confirmed it; `null` until then, and again after each change.
    #[ts(type = "number | null")]
    pub confirmed_at: Option<i64>,
}

impl StoredPolicy {
    /// Whether runs may delete by this policy.
    pub fn confirmed(&self) -> bool {
        self.confirmed_at.is_some() && self.policy.deletes_anything()
    }
}

/// A recording a run deletes from Twilio.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ExpiringRecording {
    /// The recording.
    pub recording_sid: String,
    /// A voicemail (`true`) or a call recording.
    pub voicemail: bool,
    /// When it was made, Unix seconds.
    #[ts(type = "number")]
    pub created_at: i64,
    /// Who called, formatted when known.
    pub caller: Option<String>,
    /// Its length in seconds.
    #[ts(type = "number | null")]
    pub duration: Option<i64>,
    /// Whether a verified copy is in the S3 archive (it stays listed, playable from there).
    pub archived: bool,
    /// Whether its audio is cached on this computer (kept: then the only copy).
    pub local_copy: bool,
    /// Its transcriptions, deleted with it.
    #[ts(type = "number")]
    pub transcriptions: i64,
}

/// Exactly what a run of the policy would delete, as of one moment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct RetentionPreview {
    /// The moment the cut-offs are computed from; confirming this preview runs as of it.
    #[ts(type = "number")]
    pub as_of: i64,
    /// The policy previewed, and when it changed (a confirmation names it).
    pub policy: StoredPolicy,
    /// Recordings made before this are deleted from Twilio.
    #[ts(type = "number | null")]
    pub recordings_before: Option<i64>,
    /// The recordings deleted from Twilio, oldest first (at most the limit asked).
    pub recordings: Vec<ExpiringRecording>,
    /// All of them.
    #[ts(type = "number")]
    pub recordings_total: i64,
    /// How many of them are voicemails.
    #[ts(type = "number")]
    pub voicemails_total: i64,
    /// Transcriptions deleted with them.
    #[ts(type = "number")]
    pub transcriptions_total: i64,
    /// Old enough, but kept: no verified archived copy (when the policy asks for one).
    #[ts(type = "number")]
    pub kept_unarchived: i64,
    /// Cached audio removed, least recently played first (at most the limit asked).
    pub audio: Vec<PrunedAudio>,
    /// All of it: files.
    #[ts(type = "number")]
    pub audio_files_total: i64,
    /// All of it: bytes.
    #[ts(type = "number")]
    pub audio_bytes_total: i64,
    /// Cached audio on this computer now, bytes.
    #[ts(type = "number")]
    pub audio_bytes_cached: i64,
    /// Calls removed from the local call log (not from Twilio).
    #[ts(type = "number")]
    pub calls_total: i64,
    /// Calls made before this leave the local call log.
    #[ts(type = "number | null")]
    pub calls_before: Option<i64>,
}

impl RetentionPreview {
    /// Whether the run would delete nothing.
    pub fn is_empty(&self) -> bool {
        self.recordings_total == 0 && self.audio_files_total == 0 && self.calls_total == 0
    }
}

/// A query over the recordings a run deletes, the one filter shared by the preview, its counts
/// and the queue: `?1` is the cut-off, `?2` whether an archived copy is required (`s` is the
/// recording's `voicemail_state`).
macro_rules! expiring {
    ($mac:ident, $head:literal, $tail:literal $(, $arg:expr)* $(,)?) => {
        sqlx::$mac!(
            $head
                + " WHERE r.created_at < ?1 AND r.status NOT IN ('in-progress', 'paused', 'stopped', 'processing')
                    AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.target = r.sid AND o.op IN ('delete_recording', 'expire_recording'))
                    AND (?2 = 0 OR s.archive_key IS NOT NULL) "
                + $tail
            $(, $arg)*
        )
    };
}

impl Cache {
    /// The retention policy (the default, which deletes nothing, when none was set).
    ///
    /// # Errors
    /// Storage errors.
    pub async fn retention_policy(&self) -> Result<StoredPolicy, CacheError> {
        let row = sqlx::query!(
            "SELECT recordings_days, only_archived, audio_budget, call_log_days, updated_at, confirmed_at
             FROM retention_policy WHERE id = 1"
        )
        .fetch_optional(self.pool())
        .await?;
        Ok(row.map_or(
            StoredPolicy {
                policy: RetentionPolicy::default(),
                updated_at: None,
                confirmed_at: None,
            },
            |r| StoredPolicy {
                policy: RetentionPolicy {
                    recordings_days: r.recordings_days.and_then(|d| u32::try_from(d).ok()),
                    only_archived: r.only_archived != 0,
                    audio_budget_bytes: r.audio_budget.and_then(|b| u64::try_from(b).ok()),
                    call_log_days: r.call_log_days.and_then(|d| u32::try_from(d).ok()),
                },
                updated_at: Some(r.updated_at),
                confirmed_at: r.confirmed_at,
            },
        ))
    }

    /// Stores `policy`; a change clears the confirmation (an unchanged policy keeps it).
    ///
    /// # Errors
    /// [`Code::InvalidInput`] for numbers out of range; storage errors.
    pub async fn set_retention_policy(
        &self,
        policy: &RetentionPolicy,
    ) -> Result<StoredPolicy, Error> {
        policy.validate()?;
        let current = self.retention_policy().await?;
        if current.updated_at.is_some() && current.policy == *policy {
            return Ok(current);
        }
        let days = policy.recordings_days.map(i64::from);
        let budget = policy
            .audio_budget_bytes
            .and_then(|b| i64::try_from(b).ok());
        let calls = policy.call_log_days.map(i64::from);
        sqlx::query!(
            "INSERT INTO retention_policy (id, recordings_days, only_archived, audio_budget, call_log_days, updated_at, confirmed_at)
             VALUES (1, ?1, ?2, ?3, ?4, unixepoch(), NULL)
             ON CONFLICT (id) DO UPDATE SET recordings_days = excluded.recordings_days, only_archived = excluded.only_archived,
                audio_budget = excluded.audio_budget, call_log_days = excluded.call_log_days,
                updated_at = max(excluded.updated_at, retention_policy.updated_at + 1), confirmed_at = NULL",
            days,
            policy.only_archived,
            budget,
            calls
        )
        .execute(self.pool())
        .await
        .map_err(CacheError::from)?;
        let cancelled = self.cancel_waiting().await?;
        tracing::info!(
            ?policy,
            cancelled,
            "retention policy changed; it deletes nothing until confirmed"
        );
        Ok(self.retention_policy().await?)
    }

    /// What a run of the policy as of `as_of` would delete, listing at most `limit` of each
    /// kind (the totals count everything).
    ///
    /// # Errors
    /// Storage errors.
    pub async fn retention_preview(
        &self,
        as_of: i64,
        limit: u32,
    ) -> Result<RetentionPreview, CacheError> {
        let stored = self.retention_policy().await?;
        let policy = &stored.policy;
        let limit = i64::from(limit);
        let recordings_before = policy.recordings_cutoff(as_of);
        let (mut recordings, mut totals) = (Vec::new(), (0, 0, 0, 0));
        if let Some(cutoff) = recordings_before {
            let only = policy.only_archived;
            recordings = expiring!(
                query,
                r#"SELECT r.sid AS "sid!", r.source = 'RecordVerb' AS "voicemail!: bool", r.created_at, r.duration,
                    coalesce(d.display, c.from_number) AS "caller: String",
                    s.archive_key IS NOT NULL AS "archived!: bool", s.audio_path IS NOT NULL AS "local!: bool",
                    (SELECT count(*) FROM transcriptions t WHERE t.recording_sid = r.sid) AS "transcriptions!: i64"
                   FROM recordings r LEFT JOIN voicemail_state s ON s.recording_sid = r.sid
                   LEFT JOIN calls c ON c.sid = r.call_sid
                   LEFT JOIN number_display d ON d.number = c.from_number AND d.beside = coalesce(c.to_number, '')"#,
                "ORDER BY r.created_at, r.sid LIMIT ?3",
                cutoff,
                only,
                limit
            )
            .fetch_all(self.pool())
            .await?
            .into_iter()
            .map(|r| ExpiringRecording {
                recording_sid: r.sid,
                voicemail: r.voicemail,
                created_at: r.created_at,
                caller: r.caller,
                duration: r.duration,
                archived: r.archived,
                local_copy: r.local,
                transcriptions: r.transcriptions,
            })
            .collect();
            let counts = expiring!(
                query,
                r#"SELECT count(*) AS "all!: i64", coalesce(sum(r.source = 'RecordVerb'), 0) AS "voicemails!: i64",
                    coalesce(sum((SELECT count(*) FROM transcriptions t WHERE t.recording_sid = r.sid)), 0) AS "transcriptions!: i64"
                   FROM recordings r LEFT JOIN voicemail_state s ON s.recording_sid = r.sid"#,
                "",
                cutoff,
                only
            )
            .fetch_one(self.pool())
            .await?;
            // Old enough, but without the archived copy the policy requires.
            let kept = if only {
                expiring!(
                    query_scalar,
                    r#"SELECT count(*) AS "n!: i64" FROM recordings r LEFT JOIN voicemail_state s ON s.recording_sid = r.sid"#,
                    "",
                    cutoff,
                    false
                )
                .fetch_one(self.pool())
                .await?
                    - counts.all
            } else {
                0
            };
            totals = (counts.all, counts.voicemails, counts.transcriptions, kept);
        }
        let (audio, audio_bytes_cached) = self.audio_to_prune(policy, as_of).await?;
        let audio_files_total = i64::try_from(audio.len()).unwrap_or(i64::MAX);
        let audio_bytes_total = audio.iter().map(|a| a.bytes).sum();
        let calls_before = policy.call_log_cutoff(as_of);
        let calls_total = match calls_before {
            Some(cutoff) => {
                sqlx::query_scalar!(
                    r#"SELECT count(*) AS "n!: i64" FROM calls WHERE created_at < ?1
                   AND sid NOT IN (SELECT call_sid FROM recordings WHERE call_sid IS NOT NULL)"#,
                    cutoff
                )
                .fetch_one(self.pool())
                .await?
            }
            None => 0,
        };
        let shown = usize::try_from(limit).unwrap_or(usize::MAX);
        Ok(RetentionPreview {
            as_of,
            recordings_before,
            recordings,
            recordings_total: totals.0,
            voicemails_total: totals.1,
            transcriptions_total: totals.2,
            kept_unarchived: totals.3,
            audio: audio.into_iter().take(shown).collect(),
            audio_files_total,
            audio_bytes_total,
            audio_bytes_cached,
            calls_total,
            calls_before,
            policy: stored,
        })
    }

    /// Drops the deletions runs queued that have not reached Twilio; returns how many.
    async fn cancel_waiting(&self) -> Result<u64, CacheError> {
        Ok(
            sqlx::query!("DELETE FROM outbox WHERE run_id IS NOT NULL AND done_at IS NULL")
                .execute(self.pool())
                .await?
                .rows_affected(),
        )
    }

    /// Stops the policy: its waiting deletions are dropped and its confirmation cleared.
    /// Returns how many deletions were dropped.
    ///
    /// # Errors
    /// Storage errors.
    pub async fn cancel_retention(&self) -> Result<u64, CacheError> {
        let cancelled = self.cancel_waiting().await?;
        sqlx::query!("UPDATE retention_policy SET confirmed_at = NULL WHERE id = 1")
            .execute(self.pool())
            .await?;
        Ok(cancelled)
    }

    /// Marks the stored policy confirmed, when it is still the one previewed (changed at
    /// `updated_at`).
    ///
    /// # Errors
    /// [`Code::InvalidInput`] when the policy changed since the preview; storage errors.
    pub async fn confirm_retention(&self, updated_at: i64) -> Result<(), Error> {
        let done = sqlx::query!(
            "UPDATE retention_policy SET confirmed_at = unixepoch() WHERE id = 1 AND updated_at = ?1",
            updated_at
        )
        .execute(self.pool())
        .await
        .map_err(CacheError::from)?;
        if done.rows_affected() == 0 {
            return Err(Error::new(
                Code::InvalidInput,
                "The retention policy changed since this preview. Preview it again, then confirm.",
            ));
        }
        Ok(())
    }

    /// Runs the confirmed policy as of `as_of`: queues the deletions on Twilio in the outbox
    /// and removes old calls from the local call log, in one transaction; then prunes cached
    /// audio (each file forgotten before it is removed). Returns the run.
    ///
    /// # Errors
    /// [`Code::InvalidInput`] for a policy not confirmed; storage errors (a failed queue
    /// leaves nothing queued).
    pub async fn run_retention(
        &self,
        as_of: i64,
        audio_dir: &std::path::Path,
    ) -> Result<RetentionRun, Error> {
        let stored = self.retention_policy().await?;
        if !stored.confirmed() {
            return Err(Error::new(
                Code::InvalidInput,
                "This retention policy is not confirmed: preview it, then confirm it once.",
            ));
        }
        let policy = &stored.policy;
        let mut tx = self.pool().begin().await.map_err(CacheError::from)?;
        let run = sqlx::query_scalar!(
            r#"INSERT INTO retention_runs (as_of) VALUES (?1) RETURNING id AS "id!: i64""#,
            as_of
        )
        .fetch_one(&mut *tx)
        .await
        .map_err(CacheError::from)?;
        let (mut recordings, mut transcriptions, mut calls) = (0, 0, 0);
        if let Some(cutoff) = policy.recordings_cutoff(as_of) {
            let only = policy.only_archived;
            recordings = expiring!(
                query,
                r#"INSERT INTO outbox (op, target, run_id, detail)
                   SELECT 'expire_recording', r.sid, ?3,
                     CASE WHEN r.source = 'RecordVerb' THEN 'Voicemail' ELSE 'Call recording' END
                     || coalesce(' from ' || coalesce(d.display, c.from_number), '')
                     || strftime(', %Y-%m-%d %H:%M UTC', r.created_at, 'unixepoch')
                     || coalesce(', ' || r.duration || ' s', '')
                     || CASE WHEN s.archive_key IS NOT NULL THEN ' (archived in S3)' ELSE '' END
                   FROM recordings r LEFT JOIN voicemail_state s ON s.recording_sid = r.sid
                   LEFT JOIN calls c ON c.sid = r.call_sid
                   LEFT JOIN number_display d ON d.number = c.from_number AND d.beside = coalesce(c.to_number, '')"#,
                "ON CONFLICT (op, target) DO NOTHING",
                cutoff,
                only,
                run
            )
            .execute(&mut *tx)
            .await
            .map_err(CacheError::from)?
            .rows_affected();
            transcriptions = sqlx::query!(
                "INSERT INTO outbox (op, target, run_id, detail)
                 SELECT 'delete_transcription', t.sid, ?1, 'Transcription of ' || t.recording_sid
                 FROM transcriptions t JOIN outbox o ON o.target = t.recording_sid AND o.op = 'expire_recording' AND o.run_id = ?1
                 WHERE true ON CONFLICT (op, target) DO NOTHING",
                run
            )
            .execute(&mut *tx)
            .await
            .map_err(CacheError::from)?
            .rows_affected();
        }
        if let Some(cutoff) = policy.call_log_cutoff(as_of) {
            calls = sqlx::query!(
                "DELETE FROM calls WHERE created_at < ?1
                 AND sid NOT IN (SELECT call_sid FROM recordings WHERE call_sid IS NOT NULL)",
                cutoff
            )
            .execute(&mut *tx)
            .await
            .map_err(CacheError::from)?
            .rows_affected();
            if calls > 0 {
                let detail = format!(
                    "{calls} calls made before {} left the local call log (Twilio keeps them)",
                    day(cutoff)
                );
                let target = cutoff.to_string();
                sqlx::query!(
                    "INSERT INTO retention_log (run_id, kind, target, detail) VALUES (?1, 'calls', ?2, ?3)",
                    run,
                    target,
                    detail
                )
                .execute(&mut *tx)
                .await
                .map_err(CacheError::from)?;
            }
        }
        let (recordings, transcriptions, calls) = (
            i64::try_from(recordings).unwrap_or(i64::MAX),
            i64::try_from(transcriptions).unwrap_or(i64::MAX),
            i64::try_from(calls).unwrap_or(i64::MAX),
        );
        sqlx::query!(
            "UPDATE retention_runs SET recordings = ?2, transcriptions = ?3, calls = ?4 WHERE id = ?1",
            run,
            recordings,
            transcriptions,
            calls
        )
        .execute(&mut *tx)
        .await
        .map_err(CacheError::from)?;
        tx.commit().await.map_err(CacheError::from)?;
        tracing::info!(
            run,
            recordings,
            transcriptions,
            calls,
            "retention run queued"
        );
        self.prune_audio(run, policy, as_of, audio_dir).await?;
        self.retention_run(Some(run))
            .await?
            .ok_or_else(|| Error::new(Code::Internal, "The retention run vanished."))
    }

    /// The oldest call the local call log keeps under the confirmed policy, now: the sync does
    /// not read below it.
    ///
    /// # Errors
    /// Storage errors.
    pub async fn call_log_floor(&self) -> Result<Option<i64>, CacheError> {
        let stored = self.retention_policy().await?;
        Ok(stored
            .confirmed()
            .then(|| {
                stored
                    .policy
                    .call_log_cutoff(jiff::Timestamp::now().as_second())
            })
            .flatten())
    }
}

/// `2026-01-31`, for logs.
pub(crate) fn day(seconds: i64) -> String {
    jiff::Timestamp::from_second(seconds)
        .map(|t| t.strftime("%Y-%m-%d").to_string())
        .unwrap_or_else(|_| seconds.to_string())
}
