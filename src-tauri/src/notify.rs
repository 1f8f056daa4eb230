//! The tray icon with the unread count, and native notifications for new voicemail that open
//! it when clicked.

use switchboard::cache::Voicemail;
use switchboard::ipc::events;
use tauri::menu::{Menu, MenuItem, PredefinedMenuItem};
use tauri::tray::{TrayIcon, TrayIconBuilder};
use tauri::{AppHandle, Emitter, Manager, Runtime};

/// Managed state: the tray icon, when the desktop has a tray.
pub struct Tray<R: Runtime> {
    icon: Option<TrayIcon<R>>,
    voicemail: Option<MenuItem<R>>,
}

const OPEN: &str = "open";
const VOICEMAIL: &str = "voicemail";
const QUIT: &str = "quit";

/// Creates the tray icon. A desktop without a tray (or, on Linux, without the AppIndicator
/// library) gets none; everything else works the same.
pub fn tray<R: Runtime>(app: &AppHandle<R>) -> Tray<R> {
    match build_tray(app) {
        Ok((icon, voicemail)) => Tray {
            icon: Some(icon),
            voicemail: Some(voicemail),
        },
        Err(err) => {
            tracing::info!(error = %err, "no tray icon");
            Tray {
                icon: None,
                voicemail: None,
            }
        }
    }
}

fn build_tray<R: Runtime>(app: &AppHandle<R>) -> Result<(TrayIcon<R>, MenuItem<R>), String> {
    #[cfg(target_os = "linux")]
    if !appindicator_present() {
        return Err("libayatana-appindicator3 is not installed".into());
    }
    let open = MenuItem::with_id(app, OPEN, "Open Switchboard", true, None::<&str>)
        .map_err(|e| e.to_string())?;
    let voicemail = MenuItem::with_id(app, VOICEMAIL, "Voicemail", true, None::<&str>)
        .map_err(|e| e.to_string())?;
    let separator = PredefinedMenuItem::separator(app).map_err(|e| e.to_string())?;
    let quit = MenuItem::with_id(app, QUIT, "Quit Switchboard", true, None::<&str>)
        .map_err(|e| e.to_string())?;
    let menu = Menu::with_items(app, &[&open, &voicemail, &separator, &quit])
        .map_err(|e| e.to_string())?;
    let mut builder = TrayIconBuilder::with_id("main")
        .menu(&menu)
        .tooltip("Switchboard")
        .on_menu_event(|app, event| match event.id().as_ref() {
            OPEN => show_window(app),
            VOICEMAIL => open_voicemail(app, None),
            QUIT => app.exit(0),
            _ => {}
        });
    if let Some(icon) = app.default_window_icon() {
        builder = builder.icon(icon.clone());
    }
    let icon = builder.build(app).map_err(|e| e.to_string())?;
    Ok((icon, voicemail))
}

/// The AppIndicator library the tray needs on Linux (loading it is what the tray would do,
/// and it aborts when the library is missing).
#[cfg(target_os = "linux")]
fn appindicator_present() -> bool {
    ["libayatana-appindicator3.so.1", "libappindicator3.so.1"]
        .iter()
        // SAFETY: loading a system library by name runs only its initialisers, as the tray
        // itself would.
        .any(|name| unsafe { libloading::Library::new(name) }.is_ok())
}

impl<R: Runtime> Tray<R> {
    /// Shows the unread count in the tray's tooltip, label and menu.
    pub fn set_unread(&self, unread: i64) {
        let text = match unread {
            0 => "No unread voicemail".to_owned(),
            1 => "1 unread voicemail".to_owned(),
            n => format!("{n} unread voicemails"),
        };
        if let Some(icon) = &self.icon {
            let _ = icon.set_tooltip(Some(format!("Switchboard · {text}")));
            let _ = icon.set_title((unread > 0).then(|| unread.to_string()));
        }
        if let Some(item) = &self.voicemail {
            let _ = item.set_text(if unread > 0 {
                format!("Voicemail ({unread} unread)")
            } else {
                "Voicemail".to_owned()
            });
        }
    }
}

pub fn show_window<R: Runtime>(app: &AppHandle<R>) {
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
    }
}

/// Brings the window forward on the voicemail inbox, at `recording_sid` when given.
pub fn open_voicemail<R: Runtime>(app: &AppHandle<R>, recording_sid: Option<String>) {
    show_window(app);
    let _ = app.emit(events::VOICEMAIL_OPEN, recording_sid);
}

/// Announces new voicemail: an event for the UI and a native notification for each (a summary
/// past three), which opens the voicemail when clicked.
pub fn announce<R: Runtime>(app: &AppHandle<R>, fresh: &[Voicemail]) {
    for voicemail in fresh {
        let _ = app.emit(events::VOICEMAIL_NEW, voicemail);
    }
    if fresh.len() > 3 {
        notify(
            app,
            &format!("{} new voicemails", fresh.len()),
            "Open Switchboard to listen.",
            None,
        );
        return;
    }
    for v in fresh {
        let who = match (
            &v.caller_name,
            v.caller_display.as_ref().or(v.caller.as_ref()),
        ) {
            (Some(name), Some(number)) => format!("{name} ({number})"),
            (None, Some(number)) => number.clone(),
            (Some(name), None) => name.clone(),
            (None, None) => "an unknown caller".to_owned(),
        };
        let body = v
            .transcript
            .as_deref()
            .map(|t| t.chars().take(140).collect::<String>())
            .unwrap_or_else(|| "No transcript yet.".to_owned());
        notify(
            app,
            &format!("New voicemail from {who}"),
            &body,
            Some(v.recording_sid.clone()),
        );
    }
}

fn notify<R: Runtime>(app: &AppHandle<R>, summary: &str, body: &str, sid: Option<String>) {
    let mut note = notify_rust::Notification::new();
    note.appname("Switchboard").summary(summary).body(body);
    #[cfg(all(unix, not(target_os = "macos")))]
    {
        note.action("default", "Open").action("open", "Listen");
        let app = app.clone();
        let note = note.clone();
        // Waiting for the click blocks, so it has a thread of its own per notification.
        std::thread::spawn(move || match note.show() {
            Ok(handle) => handle.wait_for_action(|action| {
                if action == "default" || action == "open" {
                    open_voicemail(&app, sid.clone());
                }
            }),
            Err(err) => tracing::info!(error = %err, "no notification shown"),
        });
    }
    #[cfg(not(all(unix, not(target_os = "macos"))))]
    {
        let _ = (app, sid);
        if let Err(err) = note.show() {
            tracing::info!(error = %err, "no notification shown");
        }
    }
}
