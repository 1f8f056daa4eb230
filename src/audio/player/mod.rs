//! Playback through rodio on a thread of its own.
//!
//! The output stream lives on one thread (cpal streams are not `Send` everywhere); commands
//! reach it over a channel and answer through a oneshot, and the thread reports the state
//! about ten times a second while playing and on every change. The stream stays open for a
//! while after playback stops, so playing again starts at once, and is closed when idle so
//! nothing runs in the background.
//!
//! When the chosen device goes away mid-message, the thread reopens the system default and
//! carries on from the same position, with a notice.

use std::fs::File;
use std::io::BufReader;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use cpal::ErrorKind;
use rodio::source::SeekError;
use rodio::{Decoder, DeviceSinkBuilder, MixerDeviceSink, Source};
use serde::{Deserialize, Serialize};
use tokio::sync::oneshot;
use ts_rs::TS;

mod counted;
mod thread;

pub(crate) use thread::{no_device, open_failed};

use super::devices::{device_name, find_output};
use crate::error::{Code, Error};

/// The share of a message that must have played for it to count as heard (read).
pub const HEARD_FRACTION: f64 = 0.6;

/// How often the state is reported while playing.
const TICK: Duration = Duration::from_millis(100);

/// How long the output stays open with nothing playing: selecting a voicemail opens it (see
/// [`Player::warm`]), and reading a transcript before pressing Play takes a while. Opening it
/// again costs about 40 ms; an open, idle output costs next to nothing.
const KEEP_OPEN: Duration = Duration::from_secs(120);

/// Where the player is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum PlaybackState {
    /// Nothing loaded.
    Idle,
    /// Fetching or checking the audio.
    Loading,
    /// Sound is going out.
    Playing,
    /// Paused at `position_ms`.
    Paused,
    /// Played to the end.
    Ended,
    /// Could not play; see `error`.
    Failed,
}

/// Why playback failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct PlaybackError {
    /// The kind of failure.
    pub code: Code,
    /// What went wrong and what to do.
    pub message: String,
    /// Whether downloading the audio again may help.
    pub redownload: bool,
}

/// The player's state, as the UI shows it.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct Playback {
    /// The voicemail loaded; `null` when idle.
    pub recording_sid: Option<String>,
    /// Where the player is.
    pub state: PlaybackState,
    /// Position in the message.
    #[ts(type = "number")]
    pub position_ms: u64,
    /// The message's length.
    #[ts(type = "number")]
    pub duration_ms: u64,
    /// Playback speed, 0.75 to 2.
    pub speed: f32,
    /// Volume, 0 to 1.
    pub volume: f32,
    /// The output device in use, by name.
    pub device: Option<String>,
    /// Something to know that is not a failure (a device that went away).
    pub notice: Option<String>,
    /// Why playback failed.
    pub error: Option<PlaybackError>,
}

impl Default for Playback {
    fn default() -> Self {
        Self {
            recording_sid: None,
            state: PlaybackState::Idle,
            position_ms: 0,
            duration_ms: 0,
            speed: 1.0,
            volume: 1.0,
            device: None,
            notice: None,
            error: None,
        }
    }
}

/// What the UI can ask of the player.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize, Serialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PlaybackControl {
    /// Pause.
    Pause,
    /// Resume (or play again from the start after the end).
    Resume,
    /// Jump to a position.
    Seek {
        /// Where, clamped to the message.
        #[ts(type = "number")]
        position_ms: u64,
    },
    /// Change speed (0.75 to 2).
    Speed {
        /// The factor.
        speed: f32,
    },
    /// Change volume (0 to 1).
    Volume {
        /// The level.
        volume: f32,
    },
    /// Stop and unload.
    Stop,
}

/// A checked audio file to play.
#[derive(Debug, Clone)]
pub struct Track {
    /// The voicemail.
    pub recording_sid: String,
    /// The verified MP3.
    pub path: PathBuf,
    /// Its decoded length.
    pub duration: Duration,
}

/// What the player reports.
#[derive(Debug, Clone)]
pub enum PlayerEvent {
    /// The state changed or time passed.
    State(Playback),
    /// Most of this voicemail has now been played: it counts as read.
    Heard(String),
}

type Reply = oneshot::Sender<Result<Playback, Error>>;

enum Msg {
    Play(Track, Duration, Reply),
    Control(PlaybackControl, Reply),
    Output(Option<String>, Reply),
    Loading(String, Reply),
    Failed(String, PlaybackError, Reply),
    Warm,
    StreamError(cpal::Error),
}

/// The player: a handle to its thread. Cheap to clone.
#[derive(Clone)]
pub struct Player {
    tx: mpsc::Sender<Msg>,
    state: Arc<Mutex<Playback>>,
    first_sound: Arc<Mutex<Option<Arc<OnceLock<Instant>>>>>,
}

impl std::fmt::Debug for Player {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Player")
            .field("state", &self.status())
            .finish()
    }
}

impl Player {
    /// Starts the player's thread, playing on the device `output` (cpal id; `None` for the
    /// system default). `on_event` runs on that thread: keep it quick.
    ///
    /// # Errors
    /// When the thread cannot be started.
    pub fn start(
        output: Option<String>,
        on_event: impl Fn(PlayerEvent) + Send + 'static,
    ) -> std::io::Result<Self> {
        let (tx, rx) = mpsc::channel();
        let state = Arc::new(Mutex::new(Playback::default()));
        let first_sound = Arc::new(Mutex::new(None));
        let thread = thread::PlayerThread::new(
            tx.clone(),
            output,
            Arc::clone(&state),
            Arc::clone(&first_sound),
            Box::new(on_event),
        );
        std::thread::Builder::new()
            .name("switchboard-audio".into())
            .spawn(move || thread.run(&rx))?;
        Ok(Self {
            tx,
            state,
            first_sound,
        })
    }

    /// Plays `track` from `from`.
    ///
    /// # Errors
    /// [`Code::NotFound`] when no output device can be opened, [`Code::Storage`] when the
    /// file cannot be decoded.
    pub async fn play(&self, track: Track, from: Duration) -> Result<Playback, Error> {
        self.ask(|reply| Msg::Play(track, from, reply)).await
    }

    /// Pauses, resumes, seeks, changes speed or volume, or stops.
    ///
    /// # Errors
    /// [`Code::InvalidInput`] for a speed or volume out of range, or when nothing is loaded.
    pub async fn control(&self, control: PlaybackControl) -> Result<Playback, Error> {
        self.ask(|reply| Msg::Control(control, reply)).await
    }

    /// Plays on the device `id` from now on (`None`: the system default), moving a message
    /// that is playing to it.
    ///
    /// # Errors
    /// [`Code::NotFound`] for a device that is not there.
    pub async fn set_output(&self, id: Option<String>) -> Result<Playback, Error> {
        self.ask(|reply| Msg::Output(id, reply)).await
    }

    /// Shows that `recording_sid` is being fetched or checked (stopping what played).
    ///
    /// # Errors
    /// When the player's thread is gone.
    pub async fn loading(&self, recording_sid: &str) -> Result<Playback, Error> {
        self.ask(|reply| Msg::Loading(recording_sid.to_owned(), reply))
            .await
    }

    /// Shows that `recording_sid` cannot be played, and why.
    ///
    /// # Errors
    /// When the player's thread is gone.
    pub async fn failed(
        &self,
        recording_sid: &str,
        error: PlaybackError,
    ) -> Result<Playback, Error> {
        self.ask(|reply| Msg::Failed(recording_sid.to_owned(), error, reply))
            .await
    }

    /// Opens the output now if it is closed, so the next play starts at once.
    pub fn warm(&self) {
        let _ = self.tx.send(Msg::Warm);
    }

    /// The state now.
    pub fn status(&self) -> Playback {
        self.state.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// When the first sample of the track last started went to the output (for benchmarks).
    pub fn first_sound(&self) -> Option<Instant> {
        self.first_sound
            .lock()
            .ok()?
            .as_ref()
            .and_then(|cell| cell.get().copied())
    }

    async fn ask(&self, msg: impl FnOnce(Reply) -> Msg) -> Result<Playback, Error> {
        let (reply, answer) = oneshot::channel();
        self.tx.send(msg(reply)).map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }
}

fn stopped() -> Error {
    Error::new(
        Code::Internal,
        "The audio player stopped unexpectedly. Restart Switchboard; the log file has details.",
    )
}
