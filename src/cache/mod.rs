//! The local cache of a profile's Twilio data: calls, recordings, transcriptions and the
//! voicemails made of them, with full-text search, kept current by incremental sync.
//!
//! One SQLite file per acting account (`cache/{AC…}.db` under the data directory), in WAL mode,
//! migrated at open from `migrations/cache/`. Everything here is readable with no network.

mod audio;
mod audio_budget;
mod calls;
mod display;
mod expire;
mod health;
mod outbox;
mod retention;
mod retention_log;
mod rows;
mod search;
mod settle;
mod sync;
mod voicemail;

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use serde::Serialize;
use ts_rs::TS;

use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

pub use audio::AudioRecord;
pub use audio_budget::PrunedAudio;
pub use calls::{
    CallLog, CallLogDirection, CallLogEntry, CallLogFilter, CallLogOutcome, CallSummary,
};
pub use expire::{ExpireReport, IN_FLIGHT};
pub use health::{CHECK_EVERY, is_damage};
pub use outbox::{ReplayReport, VoicemailAction};
pub(crate) use outbox::{hex, sha256_file};
pub use retention::{ExpiringRecording, MAX_DAYS, RetentionPolicy, RetentionPreview, StoredPolicy};
pub use retention_log::{RetentionLogEntry, RetentionRun};
pub use settle::SETTLE_SECONDS;
pub use sync::{
    LATE_SECONDS, PROBE_SIZE, RECONCILE_EVERY, ResourceReport, SyncProgress, SyncReport, Syncer,
};
pub use voicemail::{CachedCall, Voicemail, VoicemailFilter};

use crate::Switchboard;
use crate::error::{Code, Error};
use crate::sid::AccountSid;

/// Why the cache could not be used.
#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    /// The file could not be opened, or is not a database.
    #[error("cannot open the cache at {path}: {source}")]
    Open {
        /// The file.
        path: String,
        /// What SQLite said.
        source: sqlx::Error,
    },
    /// The file is damaged: `PRAGMA quick_check` failed, or SQLite met damage in a query.
    #[error("the cache at {path} is damaged: {detail}")]
    Corrupt {
        /// The file.
        path: String,
        /// What the check found.
        detail: String,
    },
    /// Migrations failed.
    #[error("cannot update the cache's tables: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A query failed.
    #[error("{0}")]
    Query(#[from] sqlx::Error),
}

impl From<CacheError> for Error {
    fn from(err: CacheError) -> Self {
        tracing::error!(error = %err, "cache error");
        let damaged = match &err {
            CacheError::Corrupt { .. } => true,
            CacheError::Query(query) => health::is_damage(query),
            CacheError::Migrate(sqlx::migrate::MigrateError::Execute(query)) => {
                health::is_damage(query)
            }
            _ => false,
        };
        match &err {
            _ if damaged => Error::new(
                Code::Storage,
                format!(
                    "{err}. Nothing was deleted. Rebuild it from Twilio (Settings, Local copy, Rebuild; or `switchboard sync --rebuild`): the damaged file is kept beside the new one."
                ),
            ),
            CacheError::Query(sqlx::Error::Database(db)) if db.message().contains("full") => {
                Error::new(
                    Code::Storage,
                    "The disk is full: the cache could not be updated. Free some space and sync again; nothing was lost.",
                )
            }
            _ => Error::new(Code::Storage, format!("Local cache error: {err}.")),
        }
    }
}

/// A profile's cache. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Cache {
    pool: SqlitePool,
    path: PathBuf,
    /// This process's marker beside the file, removed when the last clone goes.
    _in_use: std::sync::Arc<health::InUse>,
    checked_at_open: bool,
}

impl Cache {
    /// Where the cache of `account` lives under `data_dir`.
    pub fn path_for(data_dir: &Path, account: &AccountSid) -> PathBuf {
        data_dir.join("cache").join(format!("{account}.db"))
    }

    /// Opens (creating if needed) the cache at `path` and migrates it.
    ///
    /// Opening costs the same at any size: the whole file is read through only when an earlier
    /// process died with it open (see `health.rs`); a damaged page met later is reported by
    /// the query that meets it, and a sync checks the whole file once a day.
    ///
    /// # Errors
    /// [`CacheError::Corrupt`] for a damaged file, which is left untouched;
    /// [`CacheError::Open`] and [`CacheError::Migrate`] otherwise.
    pub async fn open(path: &Path) -> Result<Self, CacheError> {
        let shown = path.display().to_string();
        let io = |e: std::io::Error| CacheError::Open {
            path: shown.clone(),
            source: sqlx::Error::Io(e),
        };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let existed = path.exists();
        let claim = health::claim(path).map_err(io)?;
        let options = SqliteConnectOptions::from_str("sqlite://")
            .map_err(|source| CacheError::Open {
                path: shown.clone(),
                source,
            })?
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(5))
            .foreign_keys(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await
            .map_err(|source| {
                if health::is_damage(&source) {
                    CacheError::Corrupt {
                        path: shown.clone(),
                        detail: source.to_string(),
                    }
                } else {
                    CacheError::Open {
                        path: shown.clone(),
                        source,
                    }
                }
            })?;
        // A file created just now, or whose markers outlived a new file, needs no check.
        let check = existed && !claim.abandoned.is_empty();
        if check {
            tracing::warn!(path = %shown, "the cache was not closed cleanly last time; checking it");
            if let Err(detail) = health::quick_check(&pool).await {
                pool.close().await;
                return Err(CacheError::Corrupt {
                    path: shown,
                    detail,
                });
            }
        }
        health::release_abandoned(&claim.abandoned, &claim.held);
        if let Err(err) = sqlx::migrate!("migrations/cache").run(&pool).await {
            pool.close().await;
            return Err(err.into());
        }
        let cache = Self {
            pool,
            path: path.to_path_buf(),
            _in_use: std::sync::Arc::new(claim.held),
            checked_at_open: check,
        };
        if check || !existed {
            cache.mark_checked().await?;
        }
        Ok(cache)
    }

    /// Moves a cache aside (`….db.damaged-{unix time}`) and opens a fresh one, to be filled
    /// again by a full sync. The old file is kept, and the local state it still holds (read and
    /// archived marks, cached audio, deletes waiting for Twilio) is carried over.
    ///
    /// # Errors
    /// When the file cannot be moved or the new one cannot be created.
    pub async fn rebuild(path: &Path) -> Result<Self, CacheError> {
        let stamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        for suffix in ["", "-wal", "-shm"] {
            let file = PathBuf::from(format!("{}{suffix}", path.display()));
            if file.exists() {
                let aside = PathBuf::from(format!("{}.damaged-{stamp}{suffix}", path.display()));
                std::fs::rename(&file, &aside).map_err(|e| CacheError::Open {
                    path: file.display().to_string(),
                    source: sqlx::Error::Io(e),
                })?;
            }
        }
        tracing::warn!(path = %path.display(), "cache moved aside; rebuilding");
        let cache = Self::open(path).await?;
        // What only this computer knows (read and archived marks, cached audio, deletes not yet
        // on Twilio) is carried over from the old file whenever it can still be read.
        let old = PathBuf::from(format!("{}.damaged-{stamp}", path.display()));
        if old.exists() {
            match cache.carry_over(&old).await {
                Ok(rows) => tracing::info!(rows, "local state carried over from the old cache"),
                Err(err) => {
                    tracing::warn!(error = %err, "the old cache's local state could not be read; it stays in the file kept aside")
                }
            }
        }
        Ok(cache)
    }

    async fn carry_over(&self, old: &Path) -> Result<u64, sqlx::Error> {
        let mut conn = self.pool.acquire().await?;
        // Only read from: nothing is written to the old file.
        sqlx::query("ATTACH DATABASE ?1 AS old")
            .bind(old.display().to_string())
            .execute(&mut *conn)
            .await?;
        let copied = async {
            let mut rows = sqlx::query(
                "INSERT OR IGNORE INTO main.voicemail_state (recording_sid, state, audio_path, audio_sha256, audio_bytes, updated_at)
                 SELECT recording_sid, state, audio_path, audio_sha256, audio_bytes, updated_at FROM old.voicemail_state",
            )
            .execute(&mut *conn)
            .await?
            .rows_affected();
            // Archive marks and waveforms, from a file whose schema has them.
            if let Err(err) = sqlx::query(
                "UPDATE main.voicemail_state SET archive_key = o.archive_key, archived_at = o.archived_at,
                    peaks = o.peaks, audio_ms = o.audio_ms
                 FROM old.voicemail_state o WHERE o.recording_sid = main.voicemail_state.recording_sid",
            )
            .execute(&mut *conn)
            .await
            {
                tracing::warn!(error = %err, "the old cache has no archive marks to carry over");
            }
            rows += sqlx::query(
                "INSERT OR IGNORE INTO main.outbox (op, target, created_at, attempts, last_error, next_attempt_at, done_at)
                 SELECT op, target, created_at, attempts, last_error, next_attempt_at, done_at FROM old.outbox",
            )
            .execute(&mut *conn)
            .await?
            .rows_affected();
            // The retention policy, with its confirmation, from a file that has one (the
            // outbox rows above lose their run: the runs' log stays in the old file).
            if let Err(err) = sqlx::query(
                "INSERT OR IGNORE INTO main.retention_policy SELECT * FROM old.retention_policy",
            )
            .execute(&mut *conn)
            .await
            {
                tracing::warn!(error = %err, "the old cache has no retention policy to carry over");
            }
            Ok::<u64, sqlx::Error>(rows)
        }
        .await;
        let _ = sqlx::query("DETACH DATABASE old").execute(&mut *conn).await;
        copied
    }

    /// The pool.
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Size of the database file (and its WAL) in bytes.
    pub fn size_on_disk(&self) -> u64 {
        ["", "-wal"]
            .iter()
            .filter_map(|s| std::fs::metadata(format!("{}{s}", self.path.display())).ok())
            .map(|m| m.len())
            .sum()
    }

    /// Closes the pool.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// How fresh the active profile's cache is, for the UI's sync indicator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct SyncStatus {
    /// When every resource last finished syncing (Unix seconds); `null` before the first sync.
    #[ts(type = "number | null")]
    pub last_synced_at: Option<i64>,
    /// Whether the data is older than [`STALE_AFTER_SECONDS`] (or never synced).
    pub stale: bool,
    /// Local changes (deletes) waiting to reach Twilio.
    #[ts(type = "number")]
    pub pending_changes: i64,
    /// Unread voicemails in the cache.
    #[ts(type = "number")]
    pub unread_voicemails: i64,
}

/// Whether a periodic task last done at `last` (Unix seconds; `None`: never) is due again,
/// `every` later, now.
pub fn due(last: Option<i64>, every: Duration) -> bool {
    let now = jiff::Timestamp::now().as_second();
    let every = i64::try_from(every.as_secs()).unwrap_or(i64::MAX);
    last.is_none_or(|at| now.saturating_sub(at) >= every)
}

/// Cached data older than this is shown as stale.
pub const STALE_AFTER_SECONDS: i64 = 15 * 60;

impl Switchboard {
    /// The cache of `account` (a profile's acting account), opened and migrated.
    ///
    /// # Errors
    /// [`Code::Storage`] for a cache that cannot be opened, or is damaged (the message offers
    /// to rebuild it; nothing is deleted).
    pub async fn cache(&self, account: &AccountSid) -> Result<Cache, Error> {
        let mut caches = self.caches.lock().await;
        if let Some(cache) = caches.get(account) {
            return Ok(cache.clone());
        }
        let cache = Cache::open(&Cache::path_for(&self.paths.data_dir, account)).await?;
        caches.insert(account.clone(), cache.clone());
        Ok(cache)
    }

    /// How fresh the active profile's cache is; `None` without a profile.
    ///
    /// # Errors
    /// Storage errors, including a damaged cache.
    pub async fn sync_status(&self) -> Result<Option<SyncStatus>, Error> {
        let Some(profile) = self.db.active_profile().await? else {
            return Ok(None);
        };
        let cache = self.cache(profile.acting_account()).await?;
        let last_synced_at = cache.last_synced().await?;
        let now = jiff::Timestamp::now().as_second();
        Ok(Some(SyncStatus {
            last_synced_at,
            stale: last_synced_at.is_none_or(|at| now - at > STALE_AFTER_SECONDS),
            pending_changes: cache.pending_changes().await?,
            unread_voicemails: cache.unread_count().await?,
        }))
    }

    /// Brings the active profile's cache up to date: local changes to Twilio first, then
    /// calls, recordings and transcriptions from Twilio, reporting progress after each page.
    ///
    /// # Errors
    /// [`Code::NotConfigured`] without a profile; Twilio and storage errors (what was stored
    /// stays, and the next sync resumes).
    pub async fn sync(
        &self,
        progress: impl FnMut(crate::cache::SyncProgress),
    ) -> Result<crate::cache::SyncReport, Error> {
        self.sync_with(false, progress).await
    }

    /// As [`Switchboard::sync`], reading everything when `full` (Settings' "Check for
    /// deletions"): rows deleted on Twilio since the last daily full run are removed now.
    ///
    /// # Errors
    /// As [`Switchboard::sync`].
    pub async fn sync_with(
        &self,
        full: bool,
        progress: impl FnMut(crate::cache::SyncProgress),
    ) -> Result<crate::cache::SyncReport, Error> {
        let client = self.client().await?;
        let account = client.account_sid().clone();
        let cache = self.cache(&account).await?;
        cache
            .replay_outbox(&client, &self.audio_dir(&account), false)
            .await?;
        crate::cache::Syncer::new(&cache, &client)
            .reconcile(full)
            .sync_all(progress)
            .await
    }

    /// Starts the active profile's cache afresh from Twilio (the old file is kept aside and its
    /// local state carried over), then syncs everything.
    ///
    /// # Errors
    /// As [`Switchboard::sync`].
    pub async fn rebuild_and_sync(
        &self,
        progress: impl FnMut(crate::cache::SyncProgress),
    ) -> Result<crate::cache::SyncReport, Error> {
        let client = self.client().await?;
        let account = client.account_sid().clone();
        self.rebuild_cache(&account).await?;
        self.sync(progress).await
    }

    /// The active profile's cache.
    ///
    /// # Errors
    /// [`Code::NotConfigured`] without a profile; storage errors (a damaged cache says how to
    /// rebuild it).
    pub async fn active_cache(&self) -> Result<Cache, Error> {
        let profile = self.profile(None).await?;
        self.cache(profile.acting_account()).await
    }

    /// Moves a damaged cache of `account` aside and starts an empty one, to be filled by a
    /// full sync.
    ///
    /// # Errors
    /// [`Code::Storage`] when the file cannot be moved or created.
    pub async fn rebuild_cache(&self, account: &AccountSid) -> Result<Cache, Error> {
        let mut caches = self.caches.lock().await;
        if let Some(open) = caches.remove(account) {
            open.close().await;
        }
        let cache = Cache::rebuild(&Cache::path_for(&self.paths.data_dir, account)).await?;
        caches.insert(account.clone(), cache.clone());
        Ok(cache)
    }
}
