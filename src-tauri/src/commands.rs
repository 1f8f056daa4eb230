//! Tauri commands: one-screen adapters from IPC to the core. No logic lives here.

use switchboard::SyncStatus;
use switchboard::account::{CredentialFieldErrors, CredentialsInput};
use switchboard::cache::SyncReport;
use switchboard::cache::{Voicemail, VoicemailAction, VoicemailFilter};
use switchboard::greetings::{GreetingsEdit, GreetingsOverview, GreetingsPublished};
use switchboard::ipc::{HelpTopic, events};
use switchboard::numbers::{self, NumberChange, NumberSearch, OwnedNumber, SearchResult};
use switchboard::routing::{self, RoutingStatus};
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

#[tauri::command(rename_all = "snake_case")]
#[instrument(skip_all, err(Debug))]
pub async fn list_numbers(core: State<'_, Core>) -> Result<Vec<OwnedNumber>, IpcError> {
    numbers::list(&core.get().await?.client().await?).await
}

#[tauri::command(rename_all = "snake_case")]
#[instrument(skip_all, err(Debug))]
pub async fn search_numbers(
    core: State<'_, Core>,
    search: NumberSearch,
) -> Result<SearchResult, IpcError> {
    numbers::search(&core.get().await?.client().await?, &search).await
}

#[tauri::command(rename_all = "snake_case")]
#[instrument(skip_all, err(Debug))]
pub async fn buy_number(
    core: State<'_, Core>,
    phone_number: String,
    friendly_name: Option<String>,
    wire: bool,
) -> Result<OwnedNumber, IpcError> {
    let client = core.get().await?.client().await?;
    numbers::buy(&client, &phone_number, friendly_name.as_deref(), wire).await
}

#[tauri::command(rename_all = "snake_case")]
#[instrument(skip_all, err(Debug))]
pub async fn update_number(
    core: State<'_, Core>,
    sid: String,
    change: NumberChange,
) -> Result<OwnedNumber, IpcError> {
    numbers::update(&core.get().await?.client().await?, &sid, &change).await
}

#[tauri::command(rename_all = "snake_case")]
#[instrument(skip_all, err(Debug))]
pub async fn release_number(
    core: State<'_, Core>,
    sid: String,
    typed: String,
) -> Result<(), IpcError> {
    numbers::release(&core.get().await?.client().await?, &sid, &typed).await
}

#[tauri::command(rename_all = "snake_case")]
#[instrument(skip_all, err(Debug))]
pub async fn routing_status(core: State<'_, Core>) -> Result<Option<RoutingStatus>, IpcError> {
    routing::status(&core.get().await?.client().await?).await
}

#[tauri::command(rename_all = "snake_case")]
#[instrument(skip_all, err(Debug))]
pub async fn deploy_routing(core: State<'_, Core>) -> Result<RoutingStatus, IpcError> {
    core.get().await?.deploy_routing().await
}

#[tauri::command(rename_all = "snake_case")]
#[instrument(skip_all, err(Debug))]
pub async fn remove_routing(core: State<'_, Core>) -> Result<bool, IpcError> {
    routing::remove(&core.get().await?.client().await?).await
}

#[tauri::command(rename_all = "snake_case")]
#[instrument(skip_all, err(Debug))]
pub async fn list_greetings(core: State<'_, Core>) -> Result<GreetingsOverview, IpcError> {
    core.get().await?.greetings().await
}

#[tauri::command(rename_all = "snake_case")]
#[instrument(skip_all, err(Debug))]
pub async fn change_greetings(
    core: State<'_, Core>,
    edit: GreetingsEdit,
) -> Result<GreetingsPublished, IpcError> {
    core.get().await?.change_greetings(edit).await
}

#[tauri::command(rename_all = "snake_case")]
#[instrument(skip_all, err(Debug))]
pub async fn preview_greeting(
    core: State<'_, Core>,
    local: String,
) -> Result<Option<String>, IpcError> {
    core.get().await?.preview_greeting(&local).await
}

#[tauri::command(rename_all = "snake_case")]
#[instrument(skip_all, err(Debug))]
pub async fn list_voicemails(
    core: State<'_, Core>,
    filter: VoicemailFilter,
    limit: u32,
) -> Result<Vec<Voicemail>, IpcError> {
    core.get().await?.voicemails(filter, limit).await
}

#[tauri::command(rename_all = "snake_case")]
#[instrument(skip_all, err(Debug))]
pub async fn search_voicemails(
    core: State<'_, Core>,
    query: String,
) -> Result<Vec<Voicemail>, IpcError> {
    core.get().await?.search_voicemails(&query).await
}

#[tauri::command(rename_all = "snake_case")]
#[instrument(skip_all, err(Debug))]
pub async fn voicemail_action(
    core: State<'_, Core>,
    recording_sid: String,
    action: VoicemailAction,
) -> Result<(), IpcError> {
    core.get()
        .await?
        .voicemail_action(&recording_sid, action)
        .await
}
