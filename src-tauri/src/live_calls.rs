//! Live calls as managed state: call changes go to the UI as `call://state`; an incoming call
//! rings through the core's ringtone on the chosen output and raises a notification with
//! Answer and Decline, until it is answered, declined or gone.

use std::sync::Arc;

use switchboard::audio::Ringtone;
use switchboard::calling::{CallDirection, CallPhase, CallView, Calling};
use switchboard::ipc::events;
use tauri::{AppHandle, Emitter, Manager, Runtime};

/// Managed state: the calls and the ringtone.
pub struct LiveCalls {
    /// The live calls.
    pub calling: Calling,
    /// The ringtone of incoming calls.
    pub ringtone: Arc<Ringtone>,
}

impl LiveCalls {
    /// Calls whose changes are sent to the window of `app`.
    pub fn new<R: Runtime>(app: &AppHandle<R>) -> Self {
        let ringtone = Arc::new(Ringtone::new());
        let app = app.clone();
        let ring = Arc::clone(&ringtone);
        // Incoming calls still ringing: the ringtone stops once none is.
        let ringing = std::sync::Mutex::new(std::collections::HashSet::<String>::new());
        let calling = Calling::new(move |view: &CallView| {
            if view.direction == CallDirection::Inbound {
                let mut ringing = ringing.lock().expect("ringing calls");
                if view.phase == CallPhase::Ringing {
                    ringing.insert(view.id.clone());
                } else {
                    ringing.remove(&view.id);
                    if ringing.is_empty() {
                        ring.stop();
                    }
                }
            }
            if view.phase == CallPhase::Ended {
                // The call log (and the dialer's recent calls) learn of it from a sync.
                app.state::<crate::sync::SyncWorker>().wake();
            }
            if let Err(err) = app.emit(events::CALL_STATE, view) {
                tracing::debug!(error = %err, "could not send the call state");
            }
        });
        Self { calling, ringtone }
    }
}

/// Announces an incoming call: a notification whose Answer and Decline reach the window as
/// `call://answer` and `call://decline`.
pub fn announce<R: Runtime>(app: &AppHandle<R>, view: &CallView) {
    let mut note = notify_rust::Notification::new();
    note.appname("Switchboard")
        .summary(&format!("Incoming call from {}", view.remote_display))
        .body(&format!(
            "To {}",
            switchboard::e164::format_for_display(&view.caller_id, None)
        ));
    #[cfg(all(unix, not(target_os = "macos")))]
    {
        note.action("answer", "Answer")
            .action("decline", "Decline")
            .action("default", "Show")
            .urgency(notify_rust::Urgency::Critical);
        let app = app.clone();
        let id = view.id.clone();
        std::thread::spawn(move || match note.show() {
            Ok(handle) => handle.wait_for_action(|action| {
                crate::notify::show_window(&app);
                let event = match action {
                    "answer" => events::CALL_ANSWER,
                    "decline" => events::CALL_DECLINE,
                    _ => return,
                };
                let _ = app.emit(event, &id);
            }),
            Err(err) => tracing::info!(error = %err, "no notification shown"),
        });
    }
    #[cfg(not(all(unix, not(target_os = "macos"))))]
    {
        let _ = app;
        if let Err(err) = note.show() {
            tracing::info!(error = %err, "no notification shown");
        }
    }
}
