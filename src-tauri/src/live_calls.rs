//! Live calls as managed state: call changes go to the UI as `call://state`; an incoming call
//! rings through the core's ringtone on the chosen output and raises a notification with
//! Answer and Decline, until it is answered, declined or gone.

use std::sync::{Arc, Mutex};

use switchboard::audio::Ringtone;
use switchboard::calling::{
    CallDirection, CallPhase, CallView, Calling, EngineKind, LineState, LineStatus,
};
use switchboard::ipc::events;
use tauri::{AppHandle, Emitter, Manager, Runtime};

/// Managed state: the calls and the ringtone.
pub struct LiveCalls {
    /// The live calls.
    pub calling: Calling,
    /// The ringtone of incoming calls.
    pub ringtone: Arc<Ringtone>,
    /// Why the SIP line could not start, while it is off for that reason.
    line_failure: Arc<Mutex<Option<String>>>,
    emit_line: Arc<dyn Fn(&LineStatus) + Send + Sync>,
}

impl LiveCalls {
    /// Calls whose changes are sent to the window of `app`.
    pub fn new<R: Runtime>(app: &AppHandle<R>) -> Self {
        let ringtone = Arc::new(Ringtone::new());
        let app = app.clone();
        let ring = Arc::clone(&ringtone);
        // Incoming calls still ringing: the ringtone stops once none is.
        let ringing = std::sync::Mutex::new(std::collections::HashSet::<String>::new());
        let line_app = app.clone();
        let sip_app = app.clone();
        let sip_ring = Arc::clone(&ringtone);
        let calling = Calling::new(move |view: &CallView| {
            if view.direction == CallDirection::Inbound {
                let mut ringing = ringing.lock().expect("ringing calls");
                if view.phase == CallPhase::Ringing {
                    // The webview engine's calls ring from the window (`incoming_call`); the
                    // SIP line's ring from here.
                    if ringing.insert(view.id.clone()) && view.engine == EngineKind::Sip {
                        ring_sip(&sip_app, &sip_ring, view.clone());
                    }
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
        let line_failure: Arc<Mutex<Option<String>>> = Arc::default();
        let emit_line: Arc<dyn Fn(&LineStatus) + Send + Sync> = Arc::new(move |status| {
            if let Err(err) = line_app.emit(events::SIP_LINE, status) {
                tracing::debug!(error = %err, "could not send the SIP line state");
            }
        });
        let failure = Arc::clone(&line_failure);
        let emit = Arc::clone(&emit_line);
        calling.on_line(move |status: &LineStatus| {
            if status.state != LineState::Off {
                *failure.lock().expect("line failure") = None;
            }
            emit(status);
        });
        Self {
            calling,
            ringtone,
            line_failure,
            emit_line,
        }
    }

    /// The SIP line as the sidebar shows it: off with the reason it could not start, if so.
    pub fn line_status(&self) -> LineStatus {
        let status = self.calling.line_status();
        match (
            &status.state,
            self.line_failure.lock().expect("line failure").clone(),
        ) {
            (LineState::Off, Some(reason)) => LineStatus::off(Some(reason)),
            _ => status,
        }
    }

    /// The SIP line could not start: the sidebar says why.
    pub fn line_failed(&self, reason: String) {
        *self.line_failure.lock().expect("line failure") = Some(reason.clone());
        (self.emit_line)(&LineStatus::off(Some(reason)));
    }
}

/// Rings an incoming call on the SIP line: the ringtone on the chosen output, and the
/// notification.
fn ring_sip<R: Runtime>(app: &AppHandle<R>, ringtone: &Arc<Ringtone>, view: CallView) {
    let app = app.clone();
    let ringtone = Arc::clone(ringtone);
    tauri::async_runtime::spawn(async move {
        let device = match app.state::<crate::core::Core>().get().await {
            Ok(core) => core
                .call_settings()
                .await
                .ok()
                .and_then(|s| s.ringtone_device),
            Err(_) => None,
        };
        if let Err(err) = ringtone.start(device, None) {
            tracing::warn!(error = %err.message, "the ringtone could not play");
        }
        announce(&app, &view);
    });
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
