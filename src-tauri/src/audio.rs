//! The voicemail player as managed state: started on first use with the remembered output
//! device; its state goes to the UI as `playback://state`, and a voicemail mostly played is
//! marked read in the core.

use switchboard::audio::{Player, PlayerEvent};
use switchboard::ipc::events;
use switchboard::{Code, Error};
use tauri::{AppHandle, Emitter, Manager, Runtime};
use tokio::sync::OnceCell;

use crate::core::Core;

/// Managed state: the player, once started.
#[derive(Default)]
pub struct Audio {
    player: OnceCell<Player>,
}

impl Audio {
    /// The player, started now if it is not yet.
    ///
    /// # Errors
    /// When the audio thread cannot start, or the core cannot be opened.
    pub async fn player<R: Runtime>(&self, app: &AppHandle<R>) -> Result<&Player, Error> {
        self.player
            .get_or_try_init(|| async {
                let output = app.state::<Core>().get().await?.output_device().await?;
                let handle = app.clone();
                Player::start(output, move |event| forward(&handle, event)).map_err(|e| {
                    Error::new(
                        Code::Internal,
                        format!("The audio player could not start ({e})."),
                    )
                })
            })
            .await
    }
}

fn forward<R: Runtime>(app: &AppHandle<R>, event: PlayerEvent) {
    match event {
        PlayerEvent::State(playback) => {
            if let Err(err) = app.emit(events::PLAYBACK_STATE, &playback) {
                tracing::debug!(error = %err, "could not send the playback state");
            }
        }
        PlayerEvent::Heard(sid) => {
            let app = app.clone();
            tauri::async_runtime::spawn(async move {
                let core = app.state::<Core>();
                let marked = match core.get().await {
                    Ok(core) => core.mark_heard(&sid).await,
                    Err(err) => Err(err),
                };
                match marked {
                    Ok(()) => {
                        let _ = app.emit(events::VOICEMAIL_HEARD, &sid);
                        crate::refresh_unread_now(&app).await;
                    }
                    Err(err) => {
                        tracing::warn!(recording = %sid, error = %err.message, "could not mark the voicemail read");
                    }
                }
            });
        }
    }
}
