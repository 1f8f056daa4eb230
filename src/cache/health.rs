//! Knowing the cache is intact without reading all of it on the way to the first page.
//!
//! `PRAGMA quick_check` reads every page: 0.6 s on a 100 MB cache, seconds on a million calls.
//! Opening does not run it. Instead:
//!
//! - Each process that opens a cache holds an exclusive lock on a marker file beside it
//!   (`{db}.in-use-{pid}-{n}`) and removes the marker when it closes. A marker nobody holds was
//!   left by a process that died with the file open (a crash, SIGKILL, power loss): only then
//!   does the open check the whole file before answering.
//! - Otherwise the full check runs at most once a day, from a sync ([`Cache::verify_if_due`]),
//!   which in the app is a background task.
//! - Between checks, SQLite reports damage when a query meets it (`SQLITE_CORRUPT`), which
//!   [`is_damage`] recognises so the user is offered the Rebuild, as at open. Nothing is wiped.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::{Cache, CacheError};

/// How often a sync reads the whole file through.
pub const CHECK_EVERY: Duration = Duration::from_secs(24 * 60 * 60);

/// This process's claim on a cache file; dropping it (with the last clone of the [`Cache`])
/// records a clean close.
#[derive(Debug)]
pub(super) struct InUse {
    marker: PathBuf,
    lock: Option<File>,
}

impl Drop for InUse {
    fn drop(&mut self) {
        // Unlock (close) first: Windows will not remove a file that is still open.
        drop(self.lock.take());
        let _ = std::fs::remove_file(&self.marker);
    }
}

/// What [`claim`] found beside the file.
pub(super) struct Claim {
    pub(super) held: InUse,
    /// Markers of processes that died with the file open.
    pub(super) abandoned: Vec<PathBuf>,
}

fn marker_prefix(db: &Path) -> String {
    format!(
        "{}.in-use-",
        db.file_name().unwrap_or_default().to_string_lossy()
    )
}

/// Marks `db` as open by this process and lists the markers of processes that are gone.
///
/// # Errors
/// When the marker cannot be written (a read-only or full disk).
pub(super) fn claim(db: &Path) -> std::io::Result<Claim> {
    let dir = db.parent().unwrap_or(Path::new("."));
    let prefix = marker_prefix(db);
    // One marker per open, so that a process may open the same file twice.
    static OPENS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = OPENS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let marker = dir.join(format!("{prefix}{}-{n}", std::process::id()));
    let mut abandoned = Vec::new();
    for entry in std::fs::read_dir(dir)?.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        if path == marker || !name.to_string_lossy().starts_with(&prefix) {
            continue;
        }
        // A live process holds its marker locked; the OS releases the lock of a dead one.
        let Ok(file) = OpenOptions::new().read(true).write(true).open(&path) else {
            continue;
        };
        match file.try_lock() {
            Ok(()) => abandoned.push(path),
            Err(TryLockError::WouldBlock) => {}
            Err(TryLockError::Error(err)) => {
                tracing::warn!(marker = %path.display(), error = %err, "cannot tell whether the cache's other user is alive");
            }
        }
    }
    // A marker of this very name is from an earlier process that had the same id.
    if marker.exists() {
        abandoned.push(marker.clone());
    }
    let file = OpenOptions::new()
        .create(true)
        .truncate(true)
        .write(true)
        .open(&marker)?;
    file.lock()?;
    Ok(Claim {
        held: InUse {
            marker,
            lock: Some(file),
        },
        abandoned,
    })
}

/// Removes the markers of processes that are gone, once the file has been found intact.
pub(super) fn release_abandoned(abandoned: &[PathBuf], ours: &InUse) {
    for path in abandoned.iter().filter(|p| **p != ours.marker) {
        let _ = std::fs::remove_file(path);
    }
}

/// Whether `err` is SQLite reporting a damaged file (`SQLITE_CORRUPT`, `SQLITE_NOTADB`).
pub fn is_damage(err: &sqlx::Error) -> bool {
    match err {
        sqlx::Error::Database(db) => {
            let primary = db
                .code()
                .and_then(|c| c.parse::<i32>().ok())
                .map(|c| c & 0xff);
            matches!(primary, Some(11 | 26))
                || db.message().contains("malformed")
                || db.message().contains("not a database")
        }
        _ => false,
    }
}

/// Reads the whole file through; `Err(detail)` when it is damaged.
pub(super) async fn quick_check(pool: &sqlx::SqlitePool) -> Result<(), String> {
    // quick_check lists up to 100 problems, one per row; "ok" alone means none.
    let rows: Result<Vec<String>, sqlx::Error> = sqlx::query_scalar("PRAGMA quick_check")
        .fetch_all(pool)
        .await;
    match rows {
        Ok(rows) if rows.len() == 1 && rows[0] == "ok" => Ok(()),
        Ok(rows) => Err(rows.join("; ")),
        Err(err) => Err(err.to_string()),
    }
}

impl Cache {
    /// Whether this open read the whole file through first (after an unclean exit).
    pub fn checked_at_open(&self) -> bool {
        self.checked_at_open
    }

    /// When the whole file was last found intact (Unix seconds); `None` before the first check.
    ///
    /// # Errors
    /// Storage errors.
    pub async fn last_checked(&self) -> Result<Option<i64>, CacheError> {
        Ok(
            sqlx::query_scalar!("SELECT checked_at FROM cache_health WHERE id = 1")
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    pub(super) async fn mark_checked(&self) -> Result<(), CacheError> {
        let now = jiff::Timestamp::now().as_second();
        sqlx::query!(
            "INSERT INTO cache_health (id, checked_at) VALUES (1, ?1)
             ON CONFLICT (id) DO UPDATE SET checked_at = excluded.checked_at",
            now
        )
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Reads the whole file through when the last full check is older than `every` (or there
    /// was none), and records it; returns whether it ran.
    ///
    /// # Errors
    /// [`CacheError::Corrupt`] when the file is damaged (nothing is changed); storage errors.
    pub async fn verify_if_due(&self, every: Duration) -> Result<bool, CacheError> {
        if !super::due(self.last_checked().await?, every) {
            return Ok(false);
        }
        let started = std::time::Instant::now();
        quick_check(&self.pool)
            .await
            .map_err(|detail| CacheError::Corrupt {
                path: self.path.display().to_string(),
                detail,
            })?;
        self.mark_checked().await?;
        tracing::info!(elapsed_ms = started.elapsed().as_millis(), path = %self.path.display(), "cache checked: intact");
        Ok(true)
    }
}
