//! Incremental sync of calls, recordings and transcriptions into the cache.
//!
//! Each resource is read newest first, a page at a time. Every page is stored with the place
//! to resume from (Twilio's next-page link) in one transaction, so a sync killed at any point
//! resumes where it stopped, without gaps or duplicates (rows are upserted by SID).
//!
//! A run that follows a finished one reads only what can have changed: it stops at the first
//! page reaching below the newest row already stored (less [`LATE_SECONDS`]), and it starts
//! with a small page, so an unchanged account costs one small request per resource and K new
//! rows about K / [`PAGE_SIZE`] more. Rows that are not final yet (a call in progress, a
//! transcription not done) are re-read by SID or by walking down to them (see `settle.rs`).
//!
//! When a run ends, rows in the range it listed that Twilio no longer returned are removed:
//! they were deleted on Twilio (except voicemails archived to S3 or cached on this computer,
//! which stay listed, playable from that copy). Deletions of older rows are found by a full run, once a day
//! ([`RECONCILE_EVERY`]) or on demand ([`Syncer::reconcile`]).

use serde::Serialize;
use sqlx::{Sqlite, Transaction};
use ts_rs::TS;

use super::rows::{PageRows, Row};
use super::settle::{self, BY_SID_MAX, SETTLE_SECONDS};
use super::{Cache, CacheError};
use crate::error::Error;
use crate::twilio::{Call, Client, Page, Recording, Transcription};

/// How far below the newest stored row an incremental run reads: rows Twilio lists a little
/// after their creation date.
pub const LATE_SECONDS: i64 = 10 * 60;
/// Rows per request.
pub const PAGE_SIZE: u32 = 1000;
/// Rows in an incremental run's first request: on an unchanged account, the only one.
pub const PROBE_SIZE: u32 = 50;
/// How often a full run reconciles deletions made on Twilio.
pub const RECONCILE_EVERY: std::time::Duration = std::time::Duration::from_secs(24 * 60 * 60);

/// The resources synced, in order: calls first so voicemails find their caller.
const RESOURCES: [&str; 3] = ["calls", "recordings", "transcriptions"];

/// What one resource's sync did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, TS)]
pub struct ResourceReport {
    /// `calls`, `recordings` or `transcriptions`.
    pub resource: String,
    /// Pages requested in this run (including a resumed run's earlier pages).
    pub pages: u32,
    /// Rows Twilio sent.
    pub fetched: u32,
    /// Rows stored (inserted or updated).
    pub stored: u32,
    /// Rows that could not be read and were skipped.
    pub skipped: u32,
    /// Rows removed because Twilio no longer has them.
    pub removed: u32,
    /// Whether this run continued one that was interrupted.
    pub resumed: bool,
    /// Whether this run read everything (the first sync, or a rebuild).
    pub full: bool,
    /// Rows stored by the catch-up that follows a resumed run: what reached Twilio above the
    /// place it resumed from while it was interrupted.
    pub caught_up: u32,
}

/// What a sync did, per resource.
#[derive(Debug, Clone, Default, Serialize, TS)]
pub struct SyncReport {
    /// One entry per resource, in sync order.
    pub resources: Vec<ResourceReport>,
}

/// Progress of a sync, as it happens.
#[derive(Debug, Clone, Serialize, TS)]
pub struct SyncProgress {
    /// The resource being synced.
    pub resource: String,
    /// Rows fetched so far in this run.
    pub done: u32,
}

/// Runs syncs of one profile's cache against Twilio.
#[derive(Debug)]
pub struct Syncer<'a> {
    cache: &'a Cache,
    client: &'a Client,
    page_size: u32,
    reconcile: bool,
}

/// A `sync_state` row.
struct SavedState {
    run: i64,
    cursor: Option<String>,
    run_floor: Option<i64>,
    run_newest: Option<i64>,
    high_water: Option<i64>,
    full: i64,
    reconciled_at: Option<i64>,
    fetched: i64,
    stored: i64,
    skipped: i64,
    removed: i64,
}

struct RunState {
    run: i64,
    cursor: Option<String>,
    run_floor: Option<i64>,
    run_newest: Option<i64>,
    high_water: Option<i64>,
    full: bool,
    report: ResourceReport,
}

impl<'a> Syncer<'a> {
    /// A syncer writing into `cache` what `client` reads.
    pub fn new(cache: &'a Cache, client: &'a Client) -> Self {
        Self {
            cache,
            client,
            page_size: PAGE_SIZE,
            reconcile: false,
        }
    }

    /// Makes this sync a full one, whenever the last was: every row is read and what Twilio
    /// no longer lists is removed (Settings' "Check for deletions", `switchboard sync --full`).
    #[must_use]
    pub fn reconcile(mut self, reconcile: bool) -> Self {
        self.reconcile = reconcile;
        self
    }

    /// Rows per request (tests use small pages).
    #[must_use]
    pub fn page_size(mut self, size: u32) -> Self {
        self.page_size = size.clamp(1, PAGE_SIZE);
        self
    }

    /// Syncs every resource, calling `progress` after each page.
    ///
    /// # Errors
    /// The first request or storage failure; what was stored before it stays, and the next
    /// sync resumes from there. [`CacheError::Corrupt`] when the day's full check of the file
    /// finds it damaged.
    pub async fn sync_all(
        &self,
        mut progress: impl FnMut(SyncProgress),
    ) -> Result<SyncReport, Error> {
        // The once-a-day read of the whole file (opening does not read it: see health.rs).
        self.cache.verify_if_due(super::CHECK_EVERY).await?;
        let mut report = SyncReport::default();
        let mut failed = None;
        for resource in RESOURCES {
            match self.sync(resource, &mut progress).await {
                Ok(done) => report.resources.push(done),
                Err(err) => {
                    failed = Some(err);
                    break;
                }
            }
        }
        // The search index catches up once, with everything stored, even when a resource
        // failed part way.
        let refreshed = super::search::refresh_pending_search(self.cache.pool()).await;
        if let Some(err) = failed {
            return Err(err);
        }
        let refreshed = refreshed?;
        tracing::debug!(refreshed, "voicemail search rows rewritten");
        Ok(report)
    }

    /// Forgets where every resource stands, so the next sync reads everything again.
    ///
    /// # Errors
    /// Storage errors.
    pub async fn reset(&self) -> Result<(), CacheError> {
        sqlx::query!("DELETE FROM sync_state")
            .execute(self.cache.pool())
            .await?;
        Ok(())
    }

    async fn load(&self, resource: &str) -> Result<RunState, CacheError> {
        let row = sqlx::query_as!(
            SavedState,
            "SELECT run, cursor, run_floor, run_newest, high_water, full, reconciled_at, fetched, stored, skipped, removed
             FROM sync_state WHERE resource = ?1",
            resource
        )
        .fetch_optional(self.cache.pool())
        .await?;
        let count = |resumed: bool, n: i64| {
            if resumed {
                u32::try_from(n).unwrap_or(0)
            } else {
                0
            }
        };
        let reconciled_at = row.as_ref().and_then(|saved| saved.reconciled_at);
        let mut state = match row {
            Some(saved) => {
                let resumed = saved.cursor.is_some();
                RunState {
                    run: saved.run,
                    report: ResourceReport {
                        resource: resource.to_owned(),
                        resumed,
                        fetched: count(resumed, saved.fetched),
                        stored: count(resumed, saved.stored),
                        skipped: count(resumed, saved.skipped),
                        removed: count(resumed, saved.removed),
                        ..ResourceReport::default()
                    },
                    cursor: saved.cursor,
                    run_floor: saved.run_floor,
                    run_newest: saved.run_newest,
                    high_water: saved.high_water,
                    full: saved.full != 0,
                }
            }
            None => RunState {
                run: 0,
                cursor: None,
                run_floor: None,
                run_newest: None,
                high_water: None,
                full: true,
                report: ResourceReport {
                    resource: resource.to_owned(),
                    ..ResourceReport::default()
                },
            },
        };
        if state.cursor.is_none() {
            // A new run: a full one first, then once a day or when asked.
            let due = super::due(reconciled_at, RECONCILE_EVERY);
            state.run += 1;
            state.full = state.high_water.is_none() || self.reconcile || due;
            state.run_floor = None;
            state.run_newest = None;
        }
        state.report.full = state.full;
        Ok(state)
    }

    /// Syncs `resource`. A run resumed from a saved place never sees what reached Twilio
    /// above that place while it was interrupted, so once it finishes, a fresh run reads the
    /// newest pages again (it stops at the overlap with what is stored).
    async fn sync(
        &self,
        resource: &str,
        progress: &mut impl FnMut(SyncProgress),
    ) -> Result<ResourceReport, Error> {
        let mut report = self.run(resource, progress).await?;
        if report.resumed {
            report.caught_up = self.run(resource, progress).await?.stored;
        }
        Ok(report)
    }

    async fn run(
        &self,
        resource: &str,
        progress: &mut impl FnMut(SyncProgress),
    ) -> Result<ResourceReport, Error> {
        let mut state = self.load(resource).await?;
        let account = self.client.account_sid().clone();
        let first = match resource {
            "calls" => format!("/2010-04-01/Accounts/{account}/Calls.json"),
            "recordings" => format!("/2010-04-01/Accounts/{account}/Recordings.json"),
            _ => format!("/2010-04-01/Accounts/{account}/Transcriptions.json"),
        };
        // An incremental run stops below `stop_at`; the few unsettled rows under it are
        // fetched by SID afterwards, many make the walk go down to them.
        let mut stop_at = None;
        let mut by_sid = Vec::new();
        if let (false, Some(high_water)) = (state.full, state.high_water) {
            let at = high_water - LATE_SECONDS;
            let unsettled =
                settle::unsettled(self.cache.pool(), resource, high_water - SETTLE_SECONDS, at)
                    .await?;
            stop_at = Some(match unsettled.first() {
                Some(&(_, oldest)) if unsettled.len() > BY_SID_MAX => oldest,
                _ => {
                    by_sid = unsettled;
                    at
                }
            });
        }
        // Calls older than the retention policy keeps in the local call log are not read.
        let keep_from = if resource == "calls" {
            self.cache.call_log_floor().await?
        } else {
            None
        };
        let below = |page: &PageRows| {
            page.written.oldest.is_some_and(|oldest| {
                stop_at.is_some_and(|at| oldest < at) || keep_from.is_some_and(|k| oldest < k)
            })
        };
        let next = state.cursor.clone().unwrap_or(first);
        tracing::info!(
            resource,
            run = state.run,
            resumed = state.report.resumed,
            full = state.full,
            "sync started"
        );
        // A small first page: when it already reaches what is stored, the run is done.
        let mut ahead = None;
        if stop_at.is_some() && state.cursor.is_none() && self.page_size > PROBE_SIZE {
            let probe = self.fetch_page(resource, &next, PROBE_SIZE).await?;
            if probe.1.is_none() || below(&probe.0) {
                ahead = Some(probe);
            } else {
                state.report.pages += 1;
            }
        }
        // The next page is fetched (and parsed) while this one is written: SQLite writes on
        // its own thread, so on two cores a first sync takes about the longer of the two
        // rather than their sum.
        if ahead.is_none() {
            ahead = Some(self.fetch_page(resource, &next, self.page_size).await?);
        }
        while let Some((mut page, page_next)) = ahead.take() {
            if let Some(floor) = keep_from {
                page.drop_calls_before(floor);
            }
            state.report.pages += 1;
            state.report.fetched += page.written.stored + page.written.skipped;
            state.report.stored += page.written.stored;
            state.report.skipped += page.written.skipped;
            if let Some(newest) = page.written.newest {
                state.run_newest = Some(state.run_newest.map_or(newest, |n| n.max(newest)));
            }
            if let Some(oldest) = page.written.oldest {
                state.run_floor = Some(state.run_floor.map_or(oldest, |f| f.min(oldest)));
            }
            match page_next {
                Some(link) if !below(&page) => {
                    state.cursor = Some(link.clone());
                    let store = async {
                        let mut tx = self.cache.pool().begin().await?;
                        page.write(&mut tx, state.run).await?;
                        save_state(&mut tx, resource, &state, false).await?;
                        tx.commit().await?;
                        Ok::<_, CacheError>(())
                    };
                    let (stored, fetched) =
                        tokio::join!(store, self.fetch_page(resource, &link, self.page_size));
                    stored?;
                    progress(SyncProgress {
                        resource: resource.to_owned(),
                        done: state.report.fetched,
                    });
                    ahead = Some(fetched?);
                }
                page_next => {
                    // The last page of this run: what it did not list was deleted on Twilio.
                    let mut tx = self.cache.pool().begin().await.map_err(CacheError::from)?;
                    page.write(&mut tx, state.run).await?;
                    let floor = page_next.is_some().then_some(state.run_floor).flatten();
                    state.report.removed +=
                        remove_unseen(&mut tx, resource, state.run, floor).await?;
                    state.high_water = match (state.high_water, state.run_newest) {
                        (Some(a), Some(b)) => Some(a.max(b)),
                        (a, b) => a.or(b),
                    };
                    state.cursor = None;
                    save_state(&mut tx, resource, &state, true).await?;
                    tx.commit().await.map_err(CacheError::from)?;
                    progress(SyncProgress {
                        resource: resource.to_owned(),
                        done: state.report.fetched,
                    });
                }
            }
        }
        // Unsettled rows the walk did not reach, one request each.
        let floor = state.run_floor.unwrap_or(i64::MAX);
        let sids: Vec<String> = by_sid
            .into_iter()
            .filter(|&(_, created)| created < floor)
            .map(|(sid, _)| sid)
            .collect();
        if !sids.is_empty() {
            let fetched = settle::fetch(self.client, resource, &sids).await?;
            state.report.pages += fetched.requests;
            state.report.fetched += fetched.page.written.stored + fetched.page.written.skipped;
            state.report.stored += fetched.page.written.stored;
            state.report.skipped += fetched.page.written.skipped;
            let mut tx = self.cache.pool().begin().await.map_err(CacheError::from)?;
            fetched.page.write(&mut tx, state.run).await?;
            state.report.removed += settle::remove_gone(&mut tx, resource, &fetched.gone).await?;
            tx.commit().await.map_err(CacheError::from)?;
        }
        tracing::info!(
            resource,
            pages = state.report.pages,
            fetched = state.report.fetched,
            stored = state.report.stored,
            skipped = state.report.skipped,
            removed = state.report.removed,
            "sync finished"
        );
        Ok(state.report)
    }

    async fn fetch_page(
        &self,
        resource: &str,
        path: &str,
        size: u32,
    ) -> Result<(PageRows, Option<String>), Error> {
        match resource {
            "calls" => {
                self.fetch::<Call>(path, size, "calls", "the call list")
                    .await
            }
            "recordings" => {
                self.fetch::<Recording>(path, size, "recordings", "the recording list")
                    .await
            }
            _ => {
                self.fetch::<Transcription>(path, size, "transcriptions", "the transcription list")
                    .await
            }
        }
    }

    async fn fetch<T>(
        &self,
        path: &str,
        size: u32,
        key: &str,
        what: &str,
    ) -> Result<(PageRows, Option<String>), Error>
    where
        T: serde::de::DeserializeOwned + Into<Row>,
    {
        let Page { rows, next } = self.client.list_page::<T>(path, size, key, what).await?;
        Ok((
            PageRows::sort(rows.into_iter().map(|r| r.map(Into::into)).collect()),
            next,
        ))
    }
}

/// Removes rows of `resource` that this run did not list: all of them after a run that read
/// to the end (`floor` None), else those newer than `floor`, the oldest row this run read
/// (rows of that very second may be on the next page, which the run did not read).
async fn remove_unseen(
    tx: &mut Transaction<'_, Sqlite>,
    resource: &str,
    run: i64,
    floor: Option<i64>,
) -> Result<u32, CacheError> {
    let floor = floor.unwrap_or(i64::MIN);
    if resource == "recordings" {
        sqlx::query!("DELETE FROM voicemail_search WHERE rowid IN
               (SELECT search_key FROM recordings WHERE seen_run <> ?1 AND created_at > ?2 AND search_key IS NOT NULL
                AND sid NOT IN (SELECT recording_sid FROM voicemail_state WHERE archive_key IS NOT NULL OR audio_path IS NOT NULL))", run, floor)
        .execute(&mut **tx)
        .await?;
    }
    let done = match resource {
        "calls" => {
            sqlx::query!(
                "DELETE FROM calls WHERE seen_run <> ?1 AND created_at > ?2",
                run,
                floor
            )
            .execute(&mut **tx)
            .await?
        }
        "recordings" => {
            sqlx::query!(
                "DELETE FROM recordings WHERE seen_run <> ?1 AND created_at > ?2
                 AND sid NOT IN (SELECT recording_sid FROM voicemail_state WHERE archive_key IS NOT NULL OR audio_path IS NOT NULL)",
                run,
                floor
            )
            .execute(&mut **tx)
            .await?
        }
        _ => {
            sqlx::query!(
                "DELETE FROM transcriptions WHERE seen_run <> ?1 AND created_at > ?2
                 AND (recording_sid IS NULL OR recording_sid NOT IN (SELECT recording_sid FROM voicemail_state WHERE archive_key IS NOT NULL OR audio_path IS NOT NULL))",
                run,
                floor
            )
            .execute(&mut **tx)
            .await?
        }
    };
    let removed = done.rows_affected();
    if removed > 0 {
        tracing::info!(
            resource,
            removed,
            "rows deleted on Twilio removed from the cache"
        );
    }
    Ok(u32::try_from(removed).unwrap_or(u32::MAX))
}

async fn save_state(
    tx: &mut Transaction<'_, Sqlite>,
    resource: &str,
    s: &RunState,
    done: bool,
) -> Result<(), CacheError> {
    let full = i64::from(s.full);
    let fetched = i64::from(s.report.fetched);
    let stored = i64::from(s.report.stored);
    let skipped = i64::from(s.report.skipped);
    let removed = i64::from(s.report.removed);
    sqlx::query!("INSERT INTO sync_state (resource, run, cursor, run_floor, run_newest, high_water, full, finished_at, reconciled_at,
                fetched, stored, skipped, removed)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, CASE WHEN ?8 THEN unixepoch() END, CASE WHEN ?8 AND ?7 THEN unixepoch() END,
                ?9, ?10, ?11, ?12)
         ON CONFLICT (resource) DO UPDATE SET run = excluded.run, cursor = excluded.cursor, run_floor = excluded.run_floor,
            run_newest = excluded.run_newest, high_water = excluded.high_water, full = excluded.full,
            finished_at = coalesce(excluded.finished_at, sync_state.finished_at),
            reconciled_at = coalesce(excluded.reconciled_at, sync_state.reconciled_at), fetched = excluded.fetched,
            stored = excluded.stored, skipped = excluded.skipped, removed = excluded.removed", resource, s.run, s.cursor, s.run_floor, s.run_newest, s.high_water, full, done, fetched, stored, skipped, removed)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
