//! The player's thread: it owns the output stream and the decoder, takes [`Msg`]s from the
//! [`Player`](super::Player) handle, and reports [`Playback`] about ten times a second while
//! playing and on every change.

use super::counted::{Counted, frames_at, millis};
use super::*;

pub(super) struct PlayerThread {
    tx: mpsc::Sender<Msg>,
    output: Option<String>,
    sink: Option<MixerDeviceSink>,
    player: Option<rodio::Player>,
    track: Option<Track>,
    /// Frames the decoder has handed out: the position in the message, whatever the speed.
    frames: Arc<AtomicU64>,
    rate: u32,
    shown: Arc<Mutex<Playback>>,
    now: Playback,
    played: Duration,
    last_pos: Duration,
    heard_sent: bool,
    idle_since: Option<Instant>,
    checked_device: Instant,
    /// Playing on the default because the chosen device is missing.
    on_fallback: bool,
    /// A voicemail stopped while it was loading: its play, when it comes, is dropped.
    cancelled: Option<String>,
    host: Option<cpal::Host>,
    on_event: Box<dyn Fn(PlayerEvent) + Send>,
    first_sound: Arc<Mutex<Option<Arc<OnceLock<Instant>>>>>,
}

impl PlayerThread {
    /// The thread's state before it plays anything, reporting to `shown` and `on_event`.
    pub(super) fn new(
        tx: mpsc::Sender<Msg>,
        output: Option<String>,
        shown: Arc<Mutex<Playback>>,
        first_sound: Arc<Mutex<Option<Arc<OnceLock<Instant>>>>>,
        on_event: Box<dyn Fn(PlayerEvent) + Send>,
    ) -> Self {
        Self {
            tx,
            output,
            sink: None,
            player: None,
            track: None,
            frames: Arc::new(AtomicU64::new(0)),
            rate: 1,
            shown,
            now: Playback::default(),
            played: Duration::ZERO,
            last_pos: Duration::ZERO,
            heard_sent: false,
            idle_since: None,
            checked_device: Instant::now(),
            on_fallback: false,
            cancelled: None,
            host: None,
            on_event,
            first_sound,
        }
    }

    pub(super) fn run(mut self, rx: &mpsc::Receiver<Msg>) {
        let mut last_report = Instant::now();
        loop {
            match rx.recv_timeout(TICK) {
                Ok(msg) => self.handle(msg),
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => break,
            }
            if self.now.state == PlaybackState::Playing && last_report.elapsed() >= TICK {
                last_report = Instant::now();
                self.advance();
            }
            if self.now.state != PlaybackState::Playing {
                let idle = *self.idle_since.get_or_insert_with(Instant::now);
                if self.sink.is_some() && self.player.is_none() && idle.elapsed() > KEEP_OPEN {
                    tracing::debug!("closing the idle audio output");
                    self.sink = None;
                    self.now.device = None;
                    self.publish();
                }
            } else {
                self.idle_since = None;
            }
        }
    }

    fn handle(&mut self, msg: Msg) {
        match msg {
            Msg::Play(track, from, reply) => {
                let result = self.play(track, from);
                self.answer(reply, result);
            }
            Msg::Control(control, reply) => {
                let result = self.control(control);
                self.answer(reply, result);
            }
            Msg::Output(id, reply) => {
                let result = self.switch_output(id);
                self.answer(reply, result);
            }
            Msg::Loading(sid, reply) => {
                self.cancelled = None;
                self.unload();
                self.now.recording_sid = Some(sid);
                self.now.state = PlaybackState::Loading;
                self.now.error = None;
                self.now.notice = None;
                self.now.position_ms = 0;
                self.now.duration_ms = 0;
                self.publish();
                self.answer(reply, Ok(()));
            }
            Msg::Failed(sid, error, reply) => {
                self.unload();
                self.now.recording_sid = Some(sid);
                self.fail(error);
                self.answer(reply, Ok(()));
            }
            Msg::Warm => {
                if self.sink.is_none()
                    && let Err(err) = self.open_sink()
                {
                    tracing::debug!(error = %err.message, "could not open the output ahead of playback");
                }
                self.idle_since = Some(Instant::now());
            }
            Msg::StreamError(err) => self.stream_error(&err),
        }
    }

    fn answer(&mut self, reply: Reply, result: Result<(), Error>) {
        let _ = reply.send(result.map(|()| self.now.clone()));
    }

    fn play(&mut self, track: Track, from: Duration) -> Result<(), Error> {
        // A play whose loading was stopped, or overtaken by another voicemail's, is dropped.
        if self.cancelled.take().as_deref() == Some(track.recording_sid.as_str())
            || (self.now.state == PlaybackState::Loading
                && self.now.recording_sid.as_deref() != Some(track.recording_sid.as_str()))
        {
            tracing::debug!(recording = %track.recording_sid, "play dropped: stopped or replaced while loading");
            return Ok(());
        }
        self.unload();
        self.now.recording_sid = Some(track.recording_sid.clone());
        self.now.duration_ms = millis(track.duration);
        self.now.error = None;
        self.now.notice = None;
        self.played = Duration::ZERO;
        self.heard_sent = false;
        let from = from.min(track.duration);
        self.track = Some(track);
        match self.start_at(from) {
            Ok(()) => {
                self.now.state = PlaybackState::Playing;
                self.publish();
                Ok(())
            }
            Err(err) => {
                self.fail(PlaybackError {
                    code: err.code,
                    message: err.message.clone(),
                    redownload: err.code == Code::Storage,
                });
                Err(err)
            }
        }
    }

    /// Opens the output if needed and starts the loaded track at `from`.
    fn start_at(&mut self, from: Duration) -> Result<(), Error> {
        let track = self.track.clone().ok_or_else(nothing_loaded)?;
        if self.sink.is_none() {
            self.open_sink()?;
        }
        let sink = self.sink.as_ref().ok_or_else(nothing_loaded)?;
        let file = File::open(&track.path).map_err(|e| {
            Error::new(
                Code::Storage,
                format!("The cached audio cannot be opened ({e}). Download it again."),
            )
        })?;
        let bytes = file.metadata().map(|m| m.len()).unwrap_or(0);
        let hint = track
            .path
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or("mp3")
            .to_owned();
        let mut decoder = Decoder::builder()
            .with_data(BufReader::new(file))
            .with_byte_len(bytes)
            .with_hint(&hint)
            .with_seekable(true)
            .build()
            .map_err(|e| {
                Error::new(
                    Code::Storage,
                    format!("The cached audio cannot be decoded ({e}). Download it again."),
                )
            })?;
        self.rate = decoder.sample_rate().get();
        if !from.is_zero() {
            decoder.try_seek(from).map_err(|e| {
                Error::new(Code::Storage, format!("Cannot seek in the audio ({e})."))
            })?;
        }
        let first = Arc::new(OnceLock::new());
        if let Ok(mut slot) = self.first_sound.lock() {
            *slot = Some(Arc::clone(&first));
        }
        self.frames = Arc::new(AtomicU64::new(frames_at(from, self.rate)));
        let source = Counted {
            inner: decoder,
            frames: Arc::clone(&self.frames),
            channels: 0,
            first,
        };
        let player = rodio::Player::connect_new(sink.mixer());
        player.set_speed(self.now.speed);
        player.set_volume(self.now.volume);
        player.append(source);
        self.player = Some(player);
        self.last_pos = from;
        self.now.position_ms = millis(from);
        Ok(())
    }

    /// The sound system, connected once for the player's life (each connection costs tens of
    /// milliseconds, which would delay every first Play).
    fn host(&mut self) -> &cpal::Host {
        self.host.get_or_insert_with(cpal::default_host)
    }

    fn open_sink(&mut self) -> Result<(), Error> {
        let tx = self.tx.clone();
        let on_error = move |err: cpal::Error| {
            let _ = tx.send(Msg::StreamError(err));
        };
        let wanted = self.output.clone();
        let host = self.host();
        let chosen = wanted.as_deref().and_then(|id| find_output(host, id));
        self.on_fallback = self.output.is_some() && chosen.is_none();
        if self.output.is_some() && chosen.is_none() {
            tracing::warn!(device = ?self.output, "the chosen output device is not there; using the default");
            self.now.notice = Some(
                "The output device chosen in Settings is not connected; playing on the default output.".into(),
            );
        }
        let device = match chosen {
            Some(device) => device,
            None => {
                cpal::traits::HostTrait::default_output_device(self.host()).ok_or_else(no_device)?
            }
        };
        let name = device_name(&device);
        let rate = cpal::traits::DeviceTrait::default_output_config(&device)
            .map_or(48_000, |c| c.sample_rate());
        // 100 ms periods. cpal's PulseAudio host keeps two periods in the server's buffer, and
        // the server asks for nearly all of it each time (4096-4800 frames with 50 ms periods):
        // the stream runs with little margin, and the request comes from the sound server's
        // ordinary-priority main thread (PipeWire's pulse server), which a repainting window's
        // real-time threads can hold off. Measured on a null sink under real-time load, 50 ms
        // periods missed the buffer 14-18 times in 12 s, promoted or not; 100 ms ones never
        // (longest wait 154 ms of 200). A greeting's preview had drops of 25-100 ms in CI.
        // The cost: controls and the first sample wait up to one more period.
        let period = (rate / 10).max(256);
        let sink = DeviceSinkBuilder::from_device(device)
            .map_err(|e| open_failed(&name, &e))?
            .with_buffer_size(cpal::BufferSize::Fixed(period))
            .with_error_callback(on_error)
            .open_sink_or_fallback()
            .map_err(|e| open_failed(&name, &e))?;
        let mut sink = sink;
        sink.log_on_drop(false);
        tracing::info!(device = %name, "audio output opened");
        self.sink = Some(sink);
        self.now.device = Some(name);
        Ok(())
    }

    fn control(&mut self, control: PlaybackControl) -> Result<(), Error> {
        match control {
            PlaybackControl::Speed { speed } => {
                within(speed, 0.75..=2.0, || {
                    format!("Speed must be between 0.75× and 2×, not {speed}×.")
                })?;
                self.now.speed = speed;
                if let Some(player) = &self.player {
                    player.set_speed(speed);
                }
            }
            PlaybackControl::Volume { volume } => {
                within(volume, 0.0..=1.0, || {
                    format!("Volume must be between 0 and 1, not {volume}.")
                })?;
                self.now.volume = volume;
                if let Some(player) = &self.player {
                    player.set_volume(volume);
                }
            }
            PlaybackControl::Pause => {
                if let Some(player) = &self.player
                    && self.now.state == PlaybackState::Playing
                {
                    player.pause();
                    self.sample_position();
                    self.now.state = PlaybackState::Paused;
                }
            }
            PlaybackControl::Resume => match self.now.state {
                PlaybackState::Paused => {
                    if let Some(player) = &self.player {
                        player.play();
                        self.now.state = PlaybackState::Playing;
                    }
                }
                PlaybackState::Ended => {
                    self.start_at(Duration::ZERO)?;
                    self.now.state = PlaybackState::Playing;
                }
                PlaybackState::Playing => {}
                _ => return Err(nothing_loaded()),
            },
            PlaybackControl::Seek { position_ms } => {
                let track = self.track.clone().ok_or_else(nothing_loaded)?;
                let to = Duration::from_millis(position_ms).min(track.duration);
                match (&self.player, self.now.state) {
                    (Some(player), PlaybackState::Playing | PlaybackState::Paused) => {
                        player.try_seek(to).map_err(|e| seek_failed(&e))?;
                        self.frames
                            .store(frames_at(to, self.rate), Ordering::Relaxed);
                    }
                    _ => {
                        // After the end: load again at the new position, paused.
                        self.start_at(to)?;
                        if let Some(player) = &self.player {
                            player.pause();
                        }
                        self.now.state = PlaybackState::Paused;
                    }
                }
                self.last_pos = to;
                self.now.position_ms = millis(to);
            }
            PlaybackControl::Stop => {
                if self.now.state == PlaybackState::Loading {
                    self.cancelled = self.now.recording_sid.clone();
                }
                self.unload();
                self.now = Playback {
                    speed: self.now.speed,
                    volume: self.now.volume,
                    device: self.now.device.clone(),
                    ..Playback::default()
                };
            }
        }
        self.publish();
        Ok(())
    }

    fn switch_output(&mut self, id: Option<String>) -> Result<(), Error> {
        if let Some(wanted) = &id
            && find_output(self.host(), wanted).is_none()
        {
            return Err(Error::new(
                Code::NotFound,
                "That output device is not connected. Choose another, or the system default.",
            ));
        }
        self.output = id;
        let resume = self.player.is_some().then(|| {
            self.sample_position();
            (self.last_pos, self.now.state)
        });
        self.player = None;
        self.sink = None;
        self.now.device = None;
        self.now.notice = None;
        if let Some((at, state)) = resume {
            self.start_at(at)?;
            if state == PlaybackState::Paused
                && let Some(player) = &self.player
            {
                player.pause();
            }
        }
        self.publish();
        Ok(())
    }

    fn stream_error(&mut self, err: &cpal::Error) {
        let lost = matches!(
            err.kind(),
            ErrorKind::DeviceNotAvailable
                | ErrorKind::HostUnavailable
                | ErrorKind::StreamInvalidated
                | ErrorKind::BackendError
        );
        if !lost {
            tracing::debug!(error = %err, "audio stream hiccup");
            return;
        }
        tracing::warn!(error = %err, "audio stream error");
        self.device_lost();
    }

    /// Whether the chosen device is still there (checked about once a second while playing
    /// on it: sound servers that move streams away from a removed device report no error).
    fn check_device(&mut self) {
        let Some(id) = self.output.clone() else {
            return;
        };
        if self.sink.is_none()
            || self.on_fallback
            || self.checked_device.elapsed() < Duration::from_secs(1)
        {
            return;
        }
        self.checked_device = Instant::now();
        if find_output(self.host(), &id).is_none() {
            self.device_lost();
        }
    }

    fn device_lost(&mut self) {
        if self.sink.is_none() {
            return;
        }
        let gone = self
            .now
            .device
            .clone()
            .unwrap_or_else(|| "The output device".into());
        tracing::warn!(device = %gone, "audio output lost; moving to the default device");
        let resume = self.player.is_some().then(|| {
            self.sample_position();
            (self.last_pos, self.now.state)
        });
        self.player = None;
        self.sink = None;
        self.now.device = None;
        // The chosen device stays remembered: it is used again when it comes back.
        let chosen = self.output.take();
        let reopened = match resume {
            Some((at, state)) => self.start_at(at).map(|()| {
                if state == PlaybackState::Paused
                    && let Some(player) = &self.player
                {
                    player.pause();
                }
            }),
            None => Ok(()),
        };
        self.output = chosen;
        self.on_fallback = self.output.is_some();
        match reopened {
            Ok(()) => {
                self.now.notice = Some(format!(
                    "{gone} is no longer available; playing on {}.",
                    self.now.device.as_deref().unwrap_or("the default output")
                ));
                self.publish();
            }
            Err(error) => self.fail(PlaybackError {
                code: error.code,
                message: format!("{gone} is no longer available, and {}", error.message),
                redownload: false,
            }),
        }
    }

    /// Moves the position on and notices the end and a message heard.
    fn advance(&mut self) {
        self.check_device();
        self.sample_position();
        let Some(player) = &self.player else { return };
        if player.empty() {
            self.now.state = PlaybackState::Ended;
            self.now.position_ms = self.now.duration_ms;
            self.player = None;
        }
        self.check_heard();
        self.publish();
    }

    fn sample_position(&mut self) {
        let rate = u64::from(self.rate.max(1));
        let frames = self.frames.load(Ordering::Relaxed);
        let pos = Duration::from_micros(frames.saturating_mul(1_000_000) / rate);
        let pos = self.track.as_ref().map_or(pos, |t| pos.min(t.duration));
        // Only time that passed while playing counts towards "heard", never a jump.
        if pos > self.last_pos && pos - self.last_pos <= Duration::from_secs(2) {
            self.played += pos - self.last_pos;
        }
        self.last_pos = pos;
        self.now.position_ms = millis(pos);
    }

    fn check_heard(&mut self) {
        if self.heard_sent {
            return;
        }
        let Some(track) = &self.track else { return };
        let needed = track.duration.mul_f64(HEARD_FRACTION);
        if self.played >= needed
            || self.now.state == PlaybackState::Ended && self.played > needed / 2
        {
            self.heard_sent = true;
            (self.on_event)(PlayerEvent::Heard(track.recording_sid.clone()));
        }
    }

    fn unload(&mut self) {
        if let Some(player) = self.player.take() {
            player.stop();
        }
        self.track = None;
    }

    fn fail(&mut self, error: PlaybackError) {
        tracing::warn!(code = ?error.code, error = %error.message, "playback failed");
        self.now.state = PlaybackState::Failed;
        self.now.position_ms = 0;
        self.now.error = Some(error);
        self.publish();
    }

    fn publish(&self) {
        if let Ok(mut shown) = self.shown.lock() {
            *shown = self.now.clone();
        }
        (self.on_event)(PlayerEvent::State(self.now.clone()));
    }
}

fn nothing_loaded() -> Error {
    Error::new(
        Code::InvalidInput,
        "No voicemail is loaded in the player. Select one and press Play.",
    )
}

pub(crate) fn no_device() -> Error {
    Error::new(
        Code::NotFound,
        "No sound output device was found. Connect speakers or headphones (or check the sound settings), then press Play again.",
    )
}

pub(crate) fn open_failed(name: &str, err: &rodio::DeviceSinkError) -> Error {
    Error::new(
        Code::NotFound,
        format!(
            "The sound output {name} cannot be opened ({err}). Choose another output in Settings, or check that it is connected."
        ),
    )
}

fn seek_failed(err: &SeekError) -> Error {
    Error::new(
        Code::Storage,
        format!("Cannot seek in this voicemail ({err})."),
    )
}

/// `value` when it lies in `range`; otherwise invalid input saying `why`.
fn within(
    value: f32,
    range: std::ops::RangeInclusive<f32>,
    why: impl FnOnce() -> String,
) -> Result<f32, Error> {
    if range.contains(&value) {
        Ok(value)
    } else {
        Err(Error::new(Code::InvalidInput, why()))
    }
}
