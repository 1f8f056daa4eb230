//! Tauri commands: one-screen adapters from IPC to the core. No logic lives here.

use switchboard::SyncStatus;
use switchboard::account::{CredentialFieldErrors, CredentialsInput};
use switchboard::cache::SyncReport;
use switchboard::ipc::{HelpTopic, events};
use switchboard::store::Profile;
use switchboard::{AppStatus, Code, IpcError, Switchboard};
use tauri::{AppHandle, Emitter, Manager, Runtime, State};
use tracing::instrument;

use crate::core::Core;
use crate::sync::SyncWorker;

#[tauri::command(rename_all = "snake_case")]
#[instrument(skip_all, err(Debug))]
pub async fn app_status(core: State<'_, Core>) -> Result<AppStatus, IpcError> {
    core.get().await?.status().await
}

#[tauri::command(rename_all = "snake_case")]
pub fn validate_credentials(input: CredentialsInput) -> CredentialFieldErrors {
    Switchboard::validate_credentials(&input)
}

#[tauri::command(rename_all = "snake_case")]
#[instrument(skip_all, err(Debug))]
pub async fn connect_account<R: Runtime>(
    app: AppHandle<R>,
    core: State<'_, Core>,
    input: CredentialsInput,
) -> Result<Profile, IpcError> {
    let profile = core.get().await?.connect(&input).await?;
    if let Err(err) = app.emit(events::PROFILE_CHANGED, &profile) {
        tracing::warn!(error = %err, "could not announce the new profile");
    }
    app.state::<SyncWorker>().wake();
    Ok(profile)
}

#[tauri::command(rename_all = "snake_case")]
#[instrument(skip_all, err(Debug))]
pub async fn sync_status(core: State<'_, Core>) -> Result<Option<SyncStatus>, IpcError> {
    core.get().await?.sync_status().await
}

#[tauri::command(rename_all = "snake_case")]
#[instrument(skip_all, err(Debug))]
pub async fn sync_now<R: Runtime>(
    app: AppHandle<R>,
    worker: State<'_, SyncWorker>,
) -> Result<SyncReport, IpcError> {
    worker.run_once(&app).await
}

#[tauri::command(rename_all = "snake_case")]
#[instrument(skip_all, err(Debug))]
pub async fn rebuild_cache<R: Runtime>(
    app: AppHandle<R>,
    worker: State<'_, SyncWorker>,
) -> Result<SyncReport, IpcError> {
    worker.rebuild(&app).await
}

#[tauri::command(rename_all = "snake_case")]
#[instrument(err(Debug))]
pub fn open_help(topic: HelpTopic) -> Result<(), IpcError> {
    open::that_detached(topic.url()).map_err(|e| {
        IpcError::new(
            Code::Internal,
            format!(
                "Could not open your web browser ({e}). The page is {}",
                topic.url()
            ),
        )
    })
}
