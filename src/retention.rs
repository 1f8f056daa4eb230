//! Retention policies: what an account keeps, and for how long.
//!
//! A policy deletes recordings and their transcriptions from Twilio after N days (optionally
//! only those with a verified S3 copy), prunes cached voicemail audio to a size budget, and
//! keeps the local call log N days. The rules, and what is never deleted, are in
//! `cache/retention.rs`. A preview lists exactly what a run deletes; confirming it runs the
//! policy as of that preview, and from then on it runs by itself once a day. Deletions on
//! Twilio go through the outbox, in the background, [`PASS_MAX`] per pass, logged as they land.

use std::time::Duration;

use serde::Serialize;
use ts_rs::TS;

use crate::Switchboard;
use crate::cache::{
    ExpireReport, RetentionLogEntry, RetentionPolicy, RetentionPreview, RetentionRun, StoredPolicy,
};
use crate::error::Error;
use crate::sid::AccountSid;
use crate::twilio::Client;

/// How often a confirmed policy runs again by itself.
pub const RUN_EVERY: Duration = Duration::from_secs(24 * 60 * 60);
/// Deletions one background pass sends before it lets a sync run.
pub const PASS_MAX: u32 = 500;

/// The policy, its last run and what is still waiting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct RetentionStatus {
    /// The stored policy and its confirmation.
    pub policy: StoredPolicy,
    /// The latest run, with its progress.
    pub last_run: Option<RetentionRun>,
    /// Deletions waiting for Twilio, across runs.
    #[ts(type = "number")]
    pub waiting: i64,
    /// Whether an S3 archive is set up (without one, "only archived" keeps every recording).
    pub archive_configured: bool,
}

impl Switchboard {
    /// The policy of `account`, its last run and what is waiting.
    ///
    /// # Errors
    /// Storage errors.
    pub async fn retention(&self, account: &AccountSid) -> Result<RetentionStatus, Error> {
        let cache = self.cache(account).await?;
        Ok(RetentionStatus {
            policy: cache.retention_policy().await?,
            last_run: cache.retention_run(None).await?,
            waiting: cache.retention_waiting().await?,
            archive_configured: self.archive_settings_for(account).await?.is_some(),
        })
    }

    /// Stores a new policy. It deletes nothing until confirmed, and a change cancels the
    /// deletions earlier runs had not made yet.
    ///
    /// # Errors
    /// [`crate::Code::InvalidInput`] for numbers out of range; storage errors.
    pub async fn set_retention(
        &self,
        account: &AccountSid,
        policy: &RetentionPolicy,
    ) -> Result<RetentionStatus, Error> {
        self.cache(account)
            .await?
            .set_retention_policy(policy)
            .await?;
        self.retention(account).await
    }

    /// Exactly what a run of the policy would delete now, listing at most `limit` items of
    /// each kind.
    ///
    /// # Errors
    /// Storage errors.
    pub async fn retention_preview(
        &self,
        account: &AccountSid,
        limit: u32,
    ) -> Result<RetentionPreview, Error> {
        let now = jiff::Timestamp::now().as_second();
        Ok(self
            .cache(account)
            .await?
            .retention_preview(now, limit)
            .await?)
    }

    /// Confirms the policy of `preview` and runs it as of the preview's moment: deletions on
    /// Twilio are queued (sent by [`Switchboard::retention_pass`]), local pruning is done.
    ///
    /// # Errors
    /// [`crate::Code::InvalidInput`] when the policy changed since the preview, or deletes
    /// nothing; storage errors.
    pub async fn confirm_retention(
        &self,
        account: &AccountSid,
        preview_as_of: i64,
        policy_updated_at: i64,
    ) -> Result<RetentionRun, Error> {
        let cache = self.cache(account).await?;
        cache.confirm_retention(policy_updated_at).await?;
        let now = jiff::Timestamp::now().as_second();
        // A preview from the future, or days old, is not what the user saw just now.
        let as_of = preview_as_of.clamp(now - 24 * 60 * 60, now);
        cache.run_retention(as_of, &self.audio_dir(account)).await
    }

    /// Stops the policy: waiting deletions are dropped and the confirmation cleared (the
    /// policy stays, to be confirmed again).
    ///
    /// # Errors
    /// Storage errors.
    pub async fn stop_retention(&self, account: &AccountSid) -> Result<RetentionStatus, Error> {
        let cancelled = self.cache(account).await?.cancel_retention().await?;
        tracing::info!(cancelled, "retention stopped by the user");
        self.retention(account).await
    }

    /// One background pass for the client's account: runs a confirmed policy when a day has passed since its last
    /// run, then sends up to `max` waiting deletions to Twilio. `None` when nothing waits.
    ///
    /// # Errors
    /// Storage errors; Twilio refusing the credentials.
    pub async fn retention_pass(
        &self,
        client: &Client,
        max: u32,
        progress: impl FnMut(&ExpireReport),
    ) -> Result<Option<ExpireReport>, Error> {
        let account = client.account_sid();
        let cache = self.cache(account).await?;
        let stored = cache.retention_policy().await?;
        if stored.confirmed() {
            let last = cache.retention_run(None).await?;
            if crate::cache::due(last.map(|run| run.started_at), RUN_EVERY) {
                let now = jiff::Timestamp::now().as_second();
                cache.run_retention(now, &self.audio_dir(account)).await?;
            }
        }
        if cache.retention_waiting().await? == 0 {
            return Ok(None);
        }
        Ok(Some(cache.replay_retention(client, max, progress).await?))
    }

    /// The log of run `run` (the latest for `None`), at most `limit` lines, newest first.
    ///
    /// # Errors
    /// Storage errors.
    pub async fn retention_log(
        &self,
        account: &AccountSid,
        run: Option<i64>,
        limit: u32,
    ) -> Result<Vec<RetentionLogEntry>, Error> {
        let cache = self.cache(account).await?;
        let Some(run) = cache.retention_run(run).await? else {
            return Ok(Vec::new());
        };
        Ok(cache.retention_log(run.id, limit).await?)
    }
}
