//! Tauri commands: one-screen adapters from IPC to the core. No logic lives here.
//!
//! The calling commands are in [`calls`]; every command is reached as `commands::NAME`.

mod calls;

pub use calls::*;

use std::time::Duration;

use switchboard::SyncStatus;
use switchboard::account::{CredentialFieldErrors, CredentialsInput};
use switchboard::audio::take::{TakeSummary, Trim};
use switchboard::audio::{self, AudioInputs, AudioOutputs, Playback, PlaybackControl};
use switchboard::cache::SyncReport;
use switchboard::cache::{RetentionLogEntry, RetentionPolicy, RetentionPreview, RetentionRun};
use switchboard::cache::{Voicemail, VoicemailAction, VoicemailFilter};
use switchboard::db::Profile;
use switchboard::greetings::hosting::GreetingsHosting;
use switchboard::greetings::studio::{RecordedGreetingInput, Studio};
use switchboard::greetings::{GreetingsEdit, GreetingsOverview, GreetingsPublished};
use switchboard::ipc::{HelpTopic, events};
use switchboard::numbers::{
    MoreFilters, NumberChange, NumberSearch, OwnedNumber, Purchase, SearchResult, Wanted, Wiring,
};
use switchboard::retention::RetentionStatus;
use switchboard::routing::{self, RoutingStatus};
use switchboard::s3::{ArchiveSettings, ArchiveSettingsInput};
use switchboard::voicemail::archive::ArchiveOutcome;
use switchboard::voicemail::playback::Waveform;
use switchboard::{AppStatus, Code, Error, Switchboard};
use tauri::{AppHandle, Emitter, Manager, Runtime, State};
use tracing::instrument;

use crate::audio::Audio;
use crate::core::Core;
use crate::retention::RetentionWorker;
use crate::sync::SyncWorker;

#[tauri::command(rename_all = "snake_case")]
#[instrument(skip_all, err(Debug))]
pub async fn app_status(core: State<'_, Core>) -> Result<AppStatus, Error> {
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
) -> Result<Profile, Error> {
    let profile = core.get().await?.connect(&input).await?;
    if let Err(err) = app.emit(events::PROFILE_CHANGED, &profile) {
        tracing::warn!(error = %err, "could not announce the new profile");
    }
    app.state::<SyncWorker>().wake();
    Ok(profile)
}

#[tauri::command(rename_all = "snake_case")]
#[instrument(skip_all, err(Debug))]
pub async fn sync_status(core: State<'_, Core>) -> Result<Option<SyncStatus>, Error> {
    core.get().await?.sync_status().await
}

#[tauri::command(rename_all = "snake_case")]
#[instrument(skip_all, err(Debug))]
pub async fn sync_now<R: Runtime>(
    app: AppHandle<R>,
    worker: State<'_, SyncWorker>,
) -> Result<SyncReport, Error> {
    worker.run_once(&app).await
}

#[tauri::command(rename_all = "snake_case")]
#[instrument(skip_all, err(Debug))]
pub async fn check_deletions<R: Runtime>(
    app: AppHandle<R>,
    worker: State<'_, SyncWorker>,
) -> Result<SyncReport, Error> {
    worker.check_deletions(&app).await
}

#[tauri::command(rename_all = "snake_case")]
#[instrument(skip_all, err(Debug))]
pub async fn rebuild_cache<R: Runtime>(
    app: AppHandle<R>,
    worker: State<'_, SyncWorker>,
) -> Result<SyncReport, Error> {
    worker.rebuild(&app).await
}

#[tauri::command(rename_all = "snake_case")]
#[instrument(err(Debug))]
pub fn open_help(topic: HelpTopic) -> Result<(), Error> {
    open::that_detached(topic.url()).map_err(|e| {
        Error::new(
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
pub async fn list_numbers(core: State<'_, Core>) -> Result<Vec<OwnedNumber>, Error> {
    core.get().await?.numbers().await?.list().await
}

#[tauri::command(rename_all = "snake_case")]
#[instrument(skip_all, err(Debug))]
pub async fn search_numbers(
    core: State<'_, Core>,
    search: NumberSearch,
) -> Result<SearchResult, Error> {
    let numbers = core.get().await?.numbers().await?;
    numbers.search(&search, &MoreFilters::default()).await
}

#[tauri::command(rename_all = "snake_case")]
#[instrument(skip_all, err(Debug))]
pub async fn buy_number(
    core: State<'_, Core>,
    phone_number: Option<String>,
    area_code: Option<String>,
    friendly_name: Option<String>,
    wire: bool,
) -> Result<OwnedNumber, Error> {
    let purchase = Purchase {
        wanted: Wanted::from_input("Number", phone_number.as_deref(), area_code.as_deref())?,
        friendly_name,
        wiring: if wire {
            Wiring::Switchboard
        } else {
            Wiring::None
        },
    };
    core.get().await?.numbers().await?.buy(&purchase).await
}

#[tauri::command(rename_all = "snake_case")]
#[instrument(skip_all, err(Debug))]
pub async fn update_number(
    core: State<'_, Core>,
    sid: String,
    change: NumberChange,
) -> Result<OwnedNumber, Error> {
    let numbers = core.get().await?.numbers().await?;
    numbers
        .update(&numbers.resolve("Number", &sid).await?, &change)
        .await
}

#[tauri::command(rename_all = "snake_case")]
#[instrument(skip_all, err(Debug))]
pub async fn release_number(
    core: State<'_, Core>,
    sid: String,
    typed: String,
) -> Result<(), Error> {
    let numbers = core.get().await?.numbers().await?;
    numbers
        .release(&numbers.resolve("Number", &sid).await?, &typed)
        .await
}

#[tauri::command(rename_all = "snake_case")]
#[instrument(skip_all, err(Debug))]
pub async fn routing_status(core: State<'_, Core>) -> Result<Option<RoutingStatus>, Error> {
    routing::status(&core.get().await?.client().await?).await
}

#[tauri::command(rename_all = "snake_case")]
#[instrument(skip_all, err(Debug))]
pub async fn deploy_routing(core: State<'_, Core>) -> Result<RoutingStatus, Error> {
    core.get().await?.deploy_routing().await
}

#[tauri::command(rename_all = "snake_case")]
#[instrument(skip_all, err(Debug))]
pub async fn remove_routing(core: State<'_, Core>) -> Result<bool, Error> {
    routing::remove(&core.get().await?.client().await?).await
}

#[tauri::command(rename_all = "snake_case")]
#[instrument(skip_all, err(Debug))]
pub async fn list_greetings(core: State<'_, Core>) -> Result<GreetingsOverview, Error> {
    core.get().await?.greetings().await
}

#[tauri::command(rename_all = "snake_case")]
#[instrument(skip_all, err(Debug))]
pub async fn change_greetings(
    core: State<'_, Core>,
    edit: GreetingsEdit,
) -> Result<GreetingsPublished, Error> {
    core.get().await?.change_greetings(edit).await
}

#[tauri::command(rename_all = "snake_case")]
#[instrument(skip_all, err(Debug))]
pub async fn preview_greeting(
    core: State<'_, Core>,
    local: String,
) -> Result<Option<String>, Error> {
    core.get().await?.preview_greeting(&local).await
}

#[tauri::command(rename_all = "snake_case")]
#[instrument(skip_all, err(Debug))]
pub async fn list_voicemails(
    core: State<'_, Core>,
    filter: VoicemailFilter,
    limit: u32,
) -> Result<Vec<Voicemail>, Error> {
    core.get().await?.voicemails(filter, limit).await
}

#[tauri::command(rename_all = "snake_case")]
#[instrument(skip_all, err(Debug))]
pub async fn search_voicemails(
    core: State<'_, Core>,
    query: String,
) -> Result<Vec<Voicemail>, Error> {
    core.get().await?.search_voicemails(&query).await
}

#[tauri::command(rename_all = "snake_case")]
#[instrument(skip_all, err(Debug))]
pub async fn voicemail_action<R: Runtime>(
    app: AppHandle<R>,
    core: State<'_, Core>,
    recording_sid: String,
    action: VoicemailAction,
) -> Result<(), Error> {
    core.get()
        .await?
        .voicemail_action(&recording_sid, action)
        .await?;
    crate::refresh_unread_now(&app).await;
    Ok(())
}

#[tauri::command(rename_all = "snake_case")]
#[instrument(skip_all, err(Debug))]
pub async fn play_voicemail<R: Runtime>(
    app: AppHandle<R>,
    core: State<'_, Core>,
    audio: State<'_, Audio>,
    recording_sid: String,
    position_ms: Option<u64>,
) -> Result<Playback, Error> {
    let player = audio.player(&app).await?;
    player.loading(&recording_sid).await?;
    match core.get().await?.prepare_voicemail(&recording_sid).await {
        Ok((track, _)) => {
            let from = Duration::from_millis(position_ms.unwrap_or(0));
            match player.play(track, from).await {
                Ok(playback) => Ok(playback),
                Err(_) => Ok(player.status()),
            }
        }
        Err(error) => player.failed(&recording_sid, error).await,
    }
}

#[tauri::command(rename_all = "snake_case")]
#[instrument(skip_all, err(Debug))]
pub async fn playback_control<R: Runtime>(
    app: AppHandle<R>,
    audio: State<'_, Audio>,
    control: PlaybackControl,
) -> Result<Playback, Error> {
    audio.player(&app).await?.control(control).await
}

#[tauri::command(rename_all = "snake_case")]
#[instrument(skip_all, err(Debug))]
pub async fn playback_status<R: Runtime>(
    app: AppHandle<R>,
    audio: State<'_, Audio>,
) -> Result<Playback, Error> {
    Ok(audio.player(&app).await?.status())
}

#[tauri::command(rename_all = "snake_case")]
#[instrument(skip_all, err(Debug))]
pub async fn voicemail_waveform<R: Runtime>(
    app: AppHandle<R>,
    core: State<'_, Core>,
    audio: State<'_, Audio>,
    recording_sid: String,
) -> Result<Waveform, Error> {
    // Opening the output while the waveform loads makes the next Play instant.
    audio.player(&app).await?.warm();
    let (_, waveform) = core
        .get()
        .await?
        .prepare_voicemail(&recording_sid)
        .await
        .map_err(|e| Error::new(e.code, e.message))?;
    Ok(waveform)
}

#[tauri::command(rename_all = "snake_case")]
#[instrument(skip_all, err(Debug))]
pub async fn redownload_voicemail<R: Runtime>(
    app: AppHandle<R>,
    core: State<'_, Core>,
    audio: State<'_, Audio>,
    recording_sid: String,
) -> Result<Waveform, Error> {
    let player = audio.player(&app).await?;
    player.loading(&recording_sid).await?;
    match core.get().await?.redownload_voicemail(&recording_sid).await {
        Ok((_, waveform)) => {
            player.control(PlaybackControl::Stop).await?;
            Ok(waveform)
        }
        Err(error) => {
            player.failed(&recording_sid, error.clone()).await?;
            Err(Error::new(error.code, error.message))
        }
    }
}

#[tauri::command(rename_all = "snake_case")]
#[instrument(skip_all, err(Debug))]
pub async fn save_voicemail_audio(
    core: State<'_, Core>,
    recording_sid: String,
) -> Result<String, Error> {
    let path = core
        .get()
        .await?
        .save_voicemail_audio(&recording_sid, None)
        .await?;
    Ok(path.display().to_string())
}

#[tauri::command(rename_all = "snake_case")]
#[instrument(skip_all, err(Debug))]
pub async fn audio_outputs(core: State<'_, Core>) -> Result<AudioOutputs, Error> {
    let selected = core.get().await?.output_device().await?;
    let devices = tauri::async_runtime::spawn_blocking(audio::output_devices)
        .await
        .map_err(|e| Error::internal(&anyhow::Error::new(e)))??;
    Ok(AudioOutputs { devices, selected })
}

#[tauri::command(rename_all = "snake_case")]
#[instrument(skip_all, err(Debug))]
pub async fn set_output_device<R: Runtime>(
    app: AppHandle<R>,
    core: State<'_, Core>,
    audio: State<'_, Audio>,
    id: Option<String>,
) -> Result<AudioOutputs, Error> {
    audio.player(&app).await?.set_output(id.clone()).await?;
    core.get().await?.set_output_device(id.as_deref()).await?;
    audio_outputs(core).await
}

#[tauri::command(rename_all = "snake_case")]
#[instrument(skip_all, err(Debug))]
pub async fn archive_settings(core: State<'_, Core>) -> Result<Option<ArchiveSettings>, Error> {
    core.get().await?.archive_settings().await
}

#[tauri::command(rename_all = "snake_case")]
#[instrument(skip_all, err(Debug))]
pub async fn save_archive_settings(
    core: State<'_, Core>,
    input: ArchiveSettingsInput,
) -> Result<ArchiveSettings, Error> {
    core.get().await?.save_archive_settings(&input).await
}

#[tauri::command(rename_all = "snake_case")]
#[instrument(skip_all, err(Debug))]
pub async fn clear_archive_settings(core: State<'_, Core>) -> Result<(), Error> {
    core.get().await?.clear_archive_settings().await
}

#[tauri::command(rename_all = "snake_case")]
#[instrument(skip_all, err(Debug))]
pub async fn retention_status(core: State<'_, Core>) -> Result<RetentionStatus, Error> {
    let core = core.get().await?;
    core.retention(&core.active_account().await?).await
}

#[tauri::command(rename_all = "snake_case")]
#[instrument(skip_all, err(Debug))]
pub async fn set_retention(
    core: State<'_, Core>,
    policy: RetentionPolicy,
) -> Result<RetentionStatus, Error> {
    let core = core.get().await?;
    core.set_retention(&core.active_account().await?, &policy)
        .await
}

#[tauri::command(rename_all = "snake_case")]
#[instrument(skip_all, err(Debug))]
pub async fn retention_preview(
    core: State<'_, Core>,
    limit: u32,
) -> Result<RetentionPreview, Error> {
    let core = core.get().await?;
    core.retention_preview(&core.active_account().await?, limit.min(1000))
        .await
}

#[tauri::command(rename_all = "snake_case")]
#[instrument(skip_all, err(Debug))]
pub async fn confirm_retention(
    core: State<'_, Core>,
    worker: State<'_, RetentionWorker>,
    as_of: i64,
    policy_updated_at: i64,
) -> Result<RetentionRun, Error> {
    let core = core.get().await?;
    let run = core
        .confirm_retention(&core.active_account().await?, as_of, policy_updated_at)
        .await?;
    worker.wake();
    Ok(run)
}

#[tauri::command(rename_all = "snake_case")]
#[instrument(skip_all, err(Debug))]
pub async fn stop_retention(core: State<'_, Core>) -> Result<RetentionStatus, Error> {
    let core = core.get().await?;
    core.stop_retention(&core.active_account().await?).await
}

#[tauri::command(rename_all = "snake_case")]
#[instrument(skip_all, err(Debug))]
pub async fn retention_log(
    core: State<'_, Core>,
    limit: u32,
) -> Result<Vec<RetentionLogEntry>, Error> {
    let core = core.get().await?;
    core.retention_log(&core.active_account().await?, None, limit.min(1000))
        .await
}

#[tauri::command(rename_all = "snake_case")]
#[instrument(skip_all, err(Debug))]
pub async fn archive_voicemail<R: Runtime>(
    app: AppHandle<R>,
    core: State<'_, Core>,
    recording_sid: String,
) -> Result<ArchiveOutcome, Error> {
    let outcome = core.get().await?.archive_voicemail(&recording_sid).await?;
    crate::refresh_unread_now(&app).await;
    Ok(outcome)
}

#[tauri::command(rename_all = "snake_case")]
#[instrument(skip_all, err(Debug))]
pub async fn audio_inputs(core: State<'_, Core>) -> Result<AudioInputs, Error> {
    let selected = core.get().await?.input_device().await?;
    let devices = tauri::async_runtime::spawn_blocking(audio::input_devices)
        .await
        .map_err(|e| Error::internal(&anyhow::Error::new(e)))??;
    Ok(AudioInputs { devices, selected })
}

#[tauri::command(rename_all = "snake_case")]
#[instrument(skip_all, err(Debug))]
pub async fn set_input_device(
    core: State<'_, Core>,
    id: Option<String>,
) -> Result<AudioInputs, Error> {
    if let Some(wanted) = &id {
        let known = tauri::async_runtime::spawn_blocking(audio::input_devices)
            .await
            .map_err(|e| Error::internal(&anyhow::Error::new(e)))??;
        if !known.iter().any(|d| &d.id == wanted) {
            return Err(Error::new(
                Code::NotFound,
                "That microphone is not connected. Choose another, or the system default.",
            ));
        }
    }
    core.get().await?.set_input_device(id.as_deref()).await?;
    audio_inputs(core).await
}

#[tauri::command(rename_all = "snake_case")]
#[instrument(skip_all, err(Debug))]
pub async fn start_recording<R: Runtime>(
    app: AppHandle<R>,
    core: State<'_, Core>,
    studio: State<'_, Studio>,
) -> Result<(), Error> {
    let device = core.get().await?.input_device().await?;
    let (levels, limit) = (app.clone(), app.clone());
    let studio = studio.inner().clone();
    tauri::async_runtime::spawn_blocking(move || {
        studio.start(
            device.as_deref(),
            move |level| {
                let _ = levels.emit(events::RECORDING_LEVEL, level);
            },
            move |take| {
                let _ = limit.emit(events::RECORDING_STOPPED, take);
            },
        )
    })
    .await
    .map_err(|e| Error::internal(&anyhow::Error::new(e)))?
}

#[tauri::command(rename_all = "snake_case")]
#[instrument(skip_all, err(Debug))]
pub async fn stop_recording(studio: State<'_, Studio>) -> Result<TakeSummary, Error> {
    let studio = studio.inner().clone();
    tauri::async_runtime::spawn_blocking(move || studio.stop())
        .await
        .map_err(|e| Error::internal(&anyhow::Error::new(e)))?
}

#[tauri::command(rename_all = "snake_case")]
pub fn discard_take(studio: State<'_, Studio>) {
    studio.discard();
}

#[tauri::command(rename_all = "snake_case")]
#[instrument(skip_all, err(Debug))]
pub async fn preview_take<R: Runtime>(
    app: AppHandle<R>,
    core: State<'_, Core>,
    audio: State<'_, Audio>,
    studio: State<'_, Studio>,
    trim: Trim,
) -> Result<Playback, Error> {
    let dir = core.get().await?.scratch_dir();
    let studio = studio.inner().clone();
    let track = tauri::async_runtime::spawn_blocking(move || studio.preview(trim, &dir))
        .await
        .map_err(|e| Error::internal(&anyhow::Error::new(e)))??;
    audio.player(&app).await?.play(track, Duration::ZERO).await
}

#[tauri::command(rename_all = "snake_case")]
#[instrument(skip_all, err(Debug))]
pub async fn publish_take(
    core: State<'_, Core>,
    studio: State<'_, Studio>,
    input: RecordedGreetingInput,
) -> Result<GreetingsPublished, Error> {
    let core = core.get().await?;
    let take = studio.inner().clone();
    let trim = input.trim;
    let wav = tauri::async_runtime::spawn_blocking(move || take.wav(trim))
        .await
        .map_err(|e| Error::internal(&anyhow::Error::new(e)))??;
    let client = core.client().await?;
    let published = core.publish_greeting_audio(&client, &input, wav).await?;
    studio.discard();
    Ok(published)
}

#[tauri::command(rename_all = "snake_case")]
#[instrument(skip_all, err(Debug))]
pub async fn greetings_hosting(core: State<'_, Core>) -> Result<GreetingsHosting, Error> {
    core.get().await?.greetings_hosting().await
}

#[tauri::command(rename_all = "snake_case")]
#[instrument(skip_all, err(Debug))]
pub async fn apply_greetings_policy(core: State<'_, Core>) -> Result<GreetingsHosting, Error> {
    core.get().await?.apply_greetings_policy().await
}
