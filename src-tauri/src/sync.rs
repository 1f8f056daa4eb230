//! Background sync: keeps the active profile's cache current while the app runs, backing off
//! while Twilio cannot be reached, and runs at once on "Sync now" or a new account.

use std::sync::Arc;
use std::time::Duration;

use switchboard::cache::SyncReport;
use switchboard::ipc::events;
use switchboard::{Code, Error};
use tauri::{AppHandle, Emitter, Manager, Runtime};
use tokio::sync::{Mutex, Notify};

use crate::core::Core;

/// Time between syncs while everything works.
pub const INTERVAL: Duration = Duration::from_secs(5 * 60);
/// The first wait after a network failure; it doubles up to [`MAX_BACKOFF`].
pub const FIRST_BACKOFF: Duration = Duration::from_secs(30);
/// The longest wait while offline.
pub const MAX_BACKOFF: Duration = Duration::from_secs(15 * 60);

/// What a sync reads.
#[derive(Debug, Clone, Copy)]
enum Mode {
    /// What changed (a full read once a day).
    Changes,
    /// Everything, removing what Twilio no longer lists.
    Full,
    /// Everything, into a new cache file.
    Rebuild,
}

/// Managed state: one sync at a time, and a way to ask for one now.
#[derive(Default, Clone)]
pub struct SyncWorker {
    running: Arc<Mutex<()>>,
    wake: Arc<Notify>,
}

impl SyncWorker {
    /// Asks the background loop to sync now.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Runs one sync of the active profile, emitting progress, then the new status or the
    /// failure. Waits for a sync already running to finish first.
    ///
    /// # Errors
    /// The sync's error (also emitted as `sync://failed`).
    pub async fn run_once<R: Runtime>(&self, app: &AppHandle<R>) -> Result<SyncReport, Error> {
        self.run(app, Mode::Changes).await
    }

    /// As [`SyncWorker::run_once`], reading everything to remove what was deleted on Twilio
    /// (Settings' "Check for deletions"; the background does it daily).
    ///
    /// # Errors
    /// As [`SyncWorker::run_once`].
    pub async fn check_deletions<R: Runtime>(
        &self,
        app: &AppHandle<R>,
    ) -> Result<SyncReport, Error> {
        self.run(app, Mode::Full).await
    }

    /// As [`SyncWorker::run_once`], after starting the cache afresh (the old file is kept and
    /// its local state carried over).
    ///
    /// # Errors
    /// As [`SyncWorker::run_once`].
    pub async fn rebuild<R: Runtime>(&self, app: &AppHandle<R>) -> Result<SyncReport, Error> {
        self.run(app, Mode::Rebuild).await
    }

    async fn run<R: Runtime>(&self, app: &AppHandle<R>, mode: Mode) -> Result<SyncReport, Error> {
        let _one_at_a_time = self.running.lock().await;
        let state = app.state::<Core>();
        let core = state.get().await?;
        let emitter = app.clone();
        let progress = |progress| {
            let _ = emitter.emit(events::SYNC_PROGRESS, &progress);
        };
        let result = match mode {
            Mode::Rebuild => core.rebuild_and_sync(progress).await,
            Mode::Full => core.sync_with(true, progress).await,
            Mode::Changes => core.sync(progress).await,
        };
        match &result {
            Ok(report) => {
                tracing::info!(
                    resources = report.resources.len(),
                    "background sync finished"
                );
                match core.new_voicemails().await {
                    Ok(fresh) => crate::notify::announce(app, &fresh),
                    Err(err) => {
                        tracing::warn!(error = %err.message, "could not look for new voicemail")
                    }
                }
                if let Ok(Some(status)) = core.sync_status().await {
                    let _ = app.emit(events::SYNC_FINISHED, &status);
                    crate::refresh_unread(app, status.unread_voicemails);
                }
            }
            Err(err) => {
                tracing::warn!(code = ?err.code, error = %err.message, "sync failed");
                let _ = app.emit(events::SYNC_FAILED, err);
            }
        }
        result
    }

    /// The loop: sync, then wait [`INTERVAL`] (or back off while offline), or until woken.
    /// `SWITCHBOARD_SYNC_INTERVAL=SECONDS` changes the interval; `0` turns background sync off
    /// (for metered connections, and tests that drive sync themselves); "Sync now" still works.
    pub fn spawn<R: Runtime>(&self, app: AppHandle<R>) {
        let interval = match std::env::var("SWITCHBOARD_SYNC_INTERVAL")
            .ok()
            .map(|v| v.trim().parse::<u64>())
        {
            None => INTERVAL,
            Some(Ok(0)) => {
                tracing::info!("background sync is off (SWITCHBOARD_SYNC_INTERVAL=0)");
                return;
            }
            Some(Ok(seconds)) => Duration::from_secs(seconds),
            Some(Err(_)) => {
                tracing::warn!(
                    "SWITCHBOARD_SYNC_INTERVAL is not a number of seconds; using the default"
                );
                INTERVAL
            }
        };
        let worker = self.clone();
        tauri::async_runtime::spawn(async move {
            let mut backoff: Option<Duration> = None;
            loop {
                let state = app.state::<Core>();
                let configured = match state.get().await {
                    Ok(core) => matches!(core.db().active_profile().await, Ok(Some(_))),
                    Err(_) => false,
                };
                let wait = if configured {
                    match worker.run_once(&app).await {
                        Ok(_) => {
                            backoff = None;
                            interval
                        }
                        Err(err) => next_wait(&err, &mut backoff, interval),
                    }
                } else {
                    interval
                };
                tokio::select! {
                    () = tokio::time::sleep(wait) => {}
                    () = worker.wake.notified() => {}
                }
            }
        });
    }
}

/// How long to wait after a failed sync: doubling from [`FIRST_BACKOFF`] while Twilio cannot
/// be reached or is limiting requests, the normal interval for anything else (which another
/// attempt will not fix sooner).
fn next_wait(err: &Error, backoff: &mut Option<Duration>, interval: Duration) -> Duration {
    match err.code {
        Code::Network | Code::Timeout | Code::RateLimited => {
            let next = backoff.map_or(FIRST_BACKOFF, |b| (b * 2).min(MAX_BACKOFF));
            *backoff = Some(next);
            next
        }
        _ => {
            *backoff = None;
            interval
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offline_waits_double_up_to_the_limit_and_reset_on_other_errors() {
        let offline = Error::new(Code::Network, "no route");
        let mut backoff = None;
        let waits: Vec<u64> = (0..7)
            .map(|_| next_wait(&offline, &mut backoff, INTERVAL).as_secs())
            .collect();
        assert_eq!(waits, vec![30, 60, 120, 240, 480, 900, 900]);
        let auth = Error::new(Code::Unauthorized, "bad key");
        assert_eq!(next_wait(&auth, &mut backoff, INTERVAL), INTERVAL);
        assert_eq!(next_wait(&offline, &mut backoff, INTERVAL).as_secs(), 30);
    }
}
