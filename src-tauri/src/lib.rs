//! Switchboard's desktop shell: the window, and Tauri commands as thin adapters over the core.

mod audio;
mod commands;
mod core;
mod live_calls;
mod notify;
mod retention;
mod sync;
#[cfg(target_os = "linux")]
mod webkit;

use tauri::{Manager, Runtime};

pub use crate::core::Core;
pub use crate::sync::SyncWorker;

/// `tauri::generate_handler!` over every command of the contract's one list
/// (`switchboard::ipc_commands!`), each handled by the function of the same name in
/// [`commands`].
macro_rules! handlers {
    ($($name:ident($($args:tt)*) -> $ret:ty;)*) => {
        tauri::generate_handler![$(commands::$name),*]
    };
}

/// The builder with Switchboard's state and commands, generic over the runtime so tests can
/// drive it with `tauri::test::mock_builder()`.
pub fn builder<R: Runtime>(builder: tauri::Builder<R>, core: Core) -> tauri::Builder<R> {
    builder
        .manage(core)
        .manage(sync::SyncWorker::default())
        .manage(retention::RetentionWorker::default())
        .manage(audio::Audio::default())
        .manage(switchboard::greetings::studio::Studio::default())
        .invoke_handler(switchboard::ipc_commands!(handlers))
        .setup(|app| {
            #[cfg(target_os = "linux")]
            if let Some(window) = app.get_webview_window("main") {
                webkit::tune(&window);
            }
            app.manage(notify::tray(app.handle()));
            app.manage(live_calls::LiveCalls::new(app.handle()));
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
            app.state::<retention::RetentionWorker>()
                .spawn(app.handle().clone());
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
