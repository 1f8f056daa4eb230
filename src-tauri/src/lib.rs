//! Switchboard's desktop shell: the window, and Tauri commands as thin adapters over the core.

mod audio;
mod commands;
mod core;
mod notify;
mod phone;
mod sync;
#[cfg(target_os = "linux")]
mod webkit;

use tauri::{Manager, Runtime};

pub use crate::core::Core;
pub use crate::sync::SyncWorker;

/// The builder with Switchboard's state and commands, generic over the runtime so tests can
/// drive it with `tauri::test::mock_builder()`.
pub fn builder<R: Runtime>(builder: tauri::Builder<R>, core: Core) -> tauri::Builder<R> {
    builder
        .manage(core)
        .manage(sync::SyncWorker::default())
        .manage(audio::Audio::default())
        .manage(switchboard::studio::Studio::default())
        .invoke_handler(tauri::generate_handler![
            commands::app_status,
            commands::validate_credentials,
            commands::connect_account,
            commands::open_help,
            commands::sync_status,
            commands::sync_now,
            commands::rebuild_cache,
            commands::list_numbers,
            commands::search_numbers,
            commands::buy_number,
            commands::update_number,
            commands::release_number,
            commands::routing_status,
            commands::deploy_routing,
            commands::remove_routing,
            commands::list_greetings,
            commands::change_greetings,
            commands::preview_greeting,
            commands::list_voicemails,
            commands::search_voicemails,
            commands::voicemail_action,
            commands::play_voicemail,
            commands::playback_control,
            commands::playback_status,
            commands::voicemail_waveform,
            commands::redownload_voicemail,
            commands::save_voicemail_audio,
            commands::audio_outputs,
            commands::set_output_device,
            commands::archive_settings,
            commands::save_archive_settings,
            commands::clear_archive_settings,
            commands::archive_voicemail,
            commands::audio_inputs,
            commands::set_input_device,
            commands::start_recording,
            commands::stop_recording,
            commands::discard_take,
            commands::preview_take,
            commands::publish_take,
            commands::greetings_hosting,
            commands::apply_greetings_policy,
            commands::call_setup,
            commands::save_call_settings,
            commands::voice_token,
            commands::start_call,
            commands::attach_call,
            commands::call_control,
            commands::incoming_call,
            commands::active_calls,
            commands::call_log,
            commands::preview_ringtone,
        ])
        .setup(|app| {
            #[cfg(target_os = "linux")]
            if let Some(window) = app.get_webview_window("main") {
                webkit::tune(&window);
            }
            app.manage(notify::tray(app.handle()));
            app.manage(phone::Phone::new(app.handle()));
            let handle = app.handle().clone();
            tauri::async_runtime::spawn(async move {
                handle.state::<Core>().warm().await;
                if let Ok(core) = handle.state::<Core>().get().await
                    && let Ok(Some(status)) = core.sync_status().await
                {
                    refresh_unread(&handle, status.unread_voicemails);
                }
            });
            app.state::<sync::SyncWorker>().spawn(app.handle().clone());
            Ok(())
        })
}

/// Shows `unread` on the tray.
pub(crate) fn refresh_unread<R: Runtime>(app: &tauri::AppHandle<R>, unread: i64) {
    if let Some(tray) = app.try_state::<notify::Tray<R>>() {
        tray.set_unread(unread);
    }
}

/// Shows the current unread count on the tray.
pub(crate) async fn refresh_unread_now<R: Runtime>(app: &tauri::AppHandle<R>) {
    if let Ok(core) = app.state::<Core>().get().await
        && let Ok(Some(status)) = core.sync_status().await
    {
        refresh_unread(app, status.unread_voicemails);
    }
}

/// Runs the desktop app.
pub fn run() {
    #[cfg(target_os = "linux")]
    webkit::tune_process();
    let paths = switchboard::paths::Paths::discover();
    let _log_guard = match &paths {
        Ok(p) => switchboard::logging::init(&p.log_dir, cfg!(debug_assertions))
            .map_err(|e| eprintln!("switchboard: logging disabled: {e:#}"))
            .ok(),
        Err(_) => None,
    };
    tracing::info!(version = env!("CARGO_PKG_VERSION"), "starting");
    let app = builder(tauri::Builder::default(), Core::from_env(paths))
        .build(tauri::generate_context!())
        .unwrap_or_else(|e| {
            tracing::error!(error = %e, "the window could not be created");
            eprintln!("switchboard: the window could not be created: {e}");
            std::process::exit(1);
        });
    app.run(|_, _| {});
}
