//! Background retention: a confirmed policy runs once a day, and the deletions it queued are
//! sent to Twilio in passes of [`PASS_MAX`], one after another while they make progress, so a
//! run over tens of thousands of recordings finishes without holding up the sync.

use std::sync::Arc;
use std::time::Duration;

use switchboard::retention::PASS_MAX;
use tauri::{AppHandle, Manager, Runtime};
use tokio::sync::Notify;

use crate::core::Core;

/// How often the worker looks for a day-old policy to run, or deletions due for a retry.
pub const CHECK_EVERY: Duration = Duration::from_secs(10 * 60);

/// Managed state: a way to start a pass now (after the user confirms a policy).
#[derive(Default, Clone)]
pub struct RetentionWorker {
    wake: Arc<Notify>,
}

impl RetentionWorker {
    /// Starts a pass now.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// The loop. `SWITCHBOARD_SYNC_INTERVAL=0` (no background network work) turns it off too.
    pub fn spawn<R: Runtime>(&self, app: AppHandle<R>) {
        if std::env::var("SWITCHBOARD_SYNC_INTERVAL").is_ok_and(|v| v.trim() == "0") {
            return;
        }
        let worker = self.clone();
        tauri::async_runtime::spawn(async move {
            // Nothing at start-up: the first look comes after CHECK_EVERY, or at once when the
            // user confirms a policy.
            let mut more = false;
            loop {
                if !more {
                    tokio::select! {
                        () = tokio::time::sleep(CHECK_EVERY) => {}
                        () = worker.wake.notified() => {}
                    }
                }
                more = match pass(&app).await {
                    Ok(more) => more,
                    Err(err) => {
                        tracing::warn!(code = ?err.code, error = %err.message, "retention pass failed");
                        false
                    }
                };
            }
        });
    }
}

/// One pass; whether another should follow at once (deletions left, and this pass made some).
async fn pass<R: Runtime>(app: &AppHandle<R>) -> Result<bool, switchboard::Error> {
    let state = app.state::<Core>();
    let core = state.get().await?;
    if core.db().active_profile().await?.is_none() {
        return Ok(false);
    }
    let client = core.client().await?;
    let report = core.retention_pass(&client, PASS_MAX, |_| {}).await?;
    Ok(report.is_some_and(|r| r.waiting > 0 && r.done > 0))
}
