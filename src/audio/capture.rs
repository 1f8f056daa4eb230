//! Recording from a microphone through cpal.
//!
//! The stream lives on a thread of its own. Its callback does nothing but copy samples into a
//! lock-free ring buffer (no allocation, no locks, nothing that can block the audio thread); a
//! second thread drains it, mixes to mono, keeps the recording and reports the level about 30
//! times a second. Recording stops when asked, at the length limit, or when the device fails.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use cpal::traits::{DeviceTrait, HostTrait, StreamTrait};
use cpal::{FromSample, SampleFormat, SizedSample};
use serde::Serialize;
use ts_rs::TS;

use super::devices::{device_name, listed};
use crate::error::{Code, Error};

/// The longest recording.
pub const MAX_RECORDING: Duration = Duration::from_secs(120);

/// How often the level is reported.
const LEVEL_EVERY: Duration = Duration::from_millis(33);

/// An input device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct InputDevice {
    /// cpal's identifier (`host:device`).
    pub id: String,
    /// The name to show.
    pub name: String,
    /// Whether it is the system's default input.
    pub is_default: bool,
}

/// The microphones and the remembered choice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct AudioInputs {
    /// What the system offers now.
    pub devices: Vec<InputDevice>,
    /// The chosen device's id; `null` follows the system default.
    pub selected: Option<String>,
}

/// The loudness of the last ~33 ms, for the level meter.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, TS)]
pub struct Level {
    /// Root mean square, 0..=1.
    pub rms: f32,
    /// The loudest sample, 0..=1.
    pub peak: f32,
    /// Time recorded so far.
    #[ts(type = "number")]
    pub elapsed_ms: u64,
}

/// What was recorded: mono samples at `rate`.
#[derive(Debug, Clone, PartialEq)]
pub struct Recording {
    /// Samples, -1..=1.
    pub samples: Vec<f32>,
    /// Samples per second.
    pub rate: u32,
    /// The device it came from.
    pub device: String,
    /// Samples lost because the reader fell behind (0 in practice).
    pub dropped: u64,
}

/// Lists the input devices.
///
/// # Errors
/// [`Code::NotFound`] when the sound system cannot be asked.
pub fn input_devices() -> Result<Vec<InputDevice>, Error> {
    let host = cpal::default_host();
    let default = host.default_input_device().and_then(|d| d.id().ok());
    let devices = host.input_devices().map_err(|e| {
        Error::new(
            Code::NotFound,
            format!("The sound system cannot list microphones ({e}). Check that audio works on this computer."),
        )
    })?;
    Ok(listed(devices, default.as_ref())
        .into_iter()
        .map(|(id, name, is_default)| InputDevice {
            id,
            name,
            is_default,
        })
        .collect())
}

/// A recording in progress.
pub struct Recorder {
    stop: Arc<AtomicBool>,
    reader: Option<JoinHandle<Result<Recording, Error>>>,
}

impl std::fmt::Debug for Recorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Recorder").finish_non_exhaustive()
    }
}

impl Recorder {
    /// Starts recording from the input `device` (cpal id; `None` for the default), for at most
    /// `max`, reporting the level to `on_level` about 30 times a second.
    ///
    /// # Errors
    /// [`Code::NotFound`] when there is no microphone, [`Code::Forbidden`] when access to it
    /// is denied, and the device's own error otherwise.
    pub fn start(
        device: Option<&str>,
        max: Duration,
        on_level: impl Fn(Level) + Send + 'static,
    ) -> Result<Self, Error> {
        let stop = Arc::new(AtomicBool::new(false));
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let wanted = device.map(str::to_owned);
        let stop_stream = Arc::clone(&stop);
        let reader = std::thread::Builder::new()
            .name("switchboard-capture".into())
            .spawn(move || capture(wanted.as_deref(), max, &stop_stream, &ready_tx, &on_level))
            .map_err(|e| Error::new(Code::Internal, format!("Cannot start recording ({e}).")))?;
        match ready_rx.recv_timeout(Duration::from_secs(5)) {
            Ok(Ok(())) => Ok(Self {
                stop,
                reader: Some(reader),
            }),
            Ok(Err(err)) => {
                let _ = reader.join();
                Err(err)
            }
            Err(_) => {
                stop.store(true, Ordering::Relaxed);
                Err(Error::new(
                    Code::Timeout,
                    "The microphone did not start within 5 seconds. Check it is connected and not in use by another app.",
                ))
            }
        }
    }

    /// Whether recording already ended (the length limit or a device failure).
    pub fn finished(&self) -> bool {
        self.reader.as_ref().is_none_or(JoinHandle::is_finished)
    }

    /// Stops and returns what was recorded.
    ///
    /// # Errors
    /// When the device failed while recording.
    pub fn stop(mut self) -> Result<Recording, Error> {
        self.stop.store(true, Ordering::Relaxed);
        match self.reader.take().map(JoinHandle::join) {
            Some(Ok(result)) => result,
            _ => Err(Error::new(
                Code::Internal,
                "The recorder stopped unexpectedly.",
            )),
        }
    }
}

impl Drop for Recorder {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

fn capture(
    wanted: Option<&str>,
    max: Duration,
    stop: &AtomicBool,
    ready: &std::sync::mpsc::Sender<Result<(), Error>>,
    on_level: &dyn Fn(Level),
) -> Result<Recording, Error> {
    let opened = open(wanted);
    let (stream, mut consumer, channels, rate, name, failed, dropped) = match opened {
        Ok(parts) => parts,
        Err(err) => {
            let _ = ready.send(Err(err.clone()));
            return Err(err);
        }
    };
    if let Err(e) = stream.play() {
        let err = denied_or(&e.to_string(), &name);
        let _ = ready.send(Err(err.clone()));
        return Err(err);
    }
    let _ = ready.send(Ok(()));
    tracing::info!(device = %name, rate, channels, "recording started");

    let limit = (max.as_secs_f64() * f64::from(rate)) as usize;
    let samples: Vec<f32> = Vec::with_capacity(limit.min(rate as usize * 30));
    let mut take = Take {
        samples,
        limit,
        channels,
        frame: 0.0,
        in_frame: 0,
        sum: 0.0,
        peak: 0.0,
        count: 0,
    };
    let mut last_level = Instant::now();
    loop {
        take.drain(&mut consumer);
        if last_level.elapsed() >= LEVEL_EVERY {
            last_level = Instant::now();
            on_level(take.level(rate));
        }
        if let Some(reason) = failed.lock().ok().and_then(|f| f.clone()) {
            drop(stream);
            return Err(Error::new(
                Code::NotFound,
                format!(
                    "The microphone {name} stopped working while recording ({reason}). Check it is connected, then record again."
                ),
            ));
        }
        if stop.load(Ordering::Relaxed) || take.samples.len() >= limit {
            // What reached the buffer before the stop is part of the take.
            take.drain(&mut consumer);
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let samples = take.samples;
    drop(stream);
    tracing::info!(
        seconds = samples.len() as f64 / f64::from(rate),
        "recording stopped"
    );
    Ok(Recording {
        samples,
        rate,
        device: name,
        dropped: dropped.load(Ordering::Relaxed),
    })
}

/// The take as it is read from the ring buffer: mixed to mono, with the loudness since the
/// last level report.
struct Take {
    samples: Vec<f32>,
    limit: usize,
    channels: u16,
    frame: f32,
    in_frame: u16,
    sum: f64,
    peak: f32,
    count: usize,
}

impl Take {
    /// Reads everything the callback has written so far.
    fn drain(&mut self, consumer: &mut rtrb::Consumer<f32>) {
        let Ok(chunk) = consumer.read_chunk(consumer.slots()) else {
            return;
        };
        for sample in chunk {
            self.frame += sample;
            self.in_frame += 1;
            if self.in_frame == self.channels {
                let mono = self.frame / f32::from(self.channels);
                (self.frame, self.in_frame) = (0.0, 0);
                if self.samples.len() < self.limit {
                    self.samples.push(mono);
                }
                self.sum += f64::from(mono * mono);
                self.peak = self.peak.max(mono.abs());
                self.count += 1;
            }
        }
    }

    /// The level since the last report, and starts the next.
    fn level(&mut self, rate: u32) -> Level {
        let rms = if self.count > 0 {
            (self.sum / self.count as f64).sqrt() as f32
        } else {
            0.0
        };
        let level = Level {
            rms: rms.min(1.0),
            peak: self.peak.min(1.0),
            elapsed_ms: (self.samples.len() as u64 * 1000) / u64::from(rate),
        };
        (self.sum, self.peak, self.count) = (0.0, 0.0, 0);
        level
    }
}

pub(crate) type Opened = (
    cpal::Stream,
    rtrb::Consumer<f32>,
    u16,
    u32,
    String,
    Arc<std::sync::Mutex<Option<String>>>,
    Arc<AtomicU64>,
);

pub(crate) fn open(wanted: Option<&str>) -> Result<Opened, Error> {
    let host = cpal::default_host();
    let device = match wanted {
        Some(id) => {
            let parsed: Option<cpal::DeviceId> = id.parse().ok();
            host.input_devices()
                .ok()
                .and_then(|mut all| all.find(|d| d.id().ok() == parsed))
                .ok_or_else(|| {
                    Error::new(
                        Code::NotFound,
                        "The microphone chosen is not connected. Choose another in the list, or the system default.",
                    )
                })?
        }
        None => host.default_input_device().ok_or_else(|| {
            Error::new(
                Code::NotFound,
                "No microphone was found. Connect one (or allow Switchboard to use it in the system's privacy settings), then record again.",
            )
        })?,
    };
    let name = device_name(&device);
    let config = device
        .default_input_config()
        .map_err(|e| denied_or(&e.to_string(), &name))?;
    let channels = config.channels().max(1);
    let rate = config.sample_rate();
    // Two seconds of room: the reader drains every few milliseconds.
    let (producer, consumer) = rtrb::RingBuffer::new(rate as usize * usize::from(channels) * 2);
    let failed = Arc::new(std::sync::Mutex::new(None));
    let dropped = Arc::new(AtomicU64::new(0));
    let mut stream_config: cpal::StreamConfig = config.config();
    // Short periods (50 ms): the level meter follows the voice, and Stop keeps the last word
    // instead of leaving it in the sound server's buffer. Not shorter: cpal's PulseAudio host
    // makes one period the server's whole record buffer, and with 20 ms a busy machine put
    // gaps of silence in about one take in ten (tests/greeting_recording.rs counts them).
    if let cpal::SupportedBufferSize::Range { min, max } = config.buffer_size() {
        stream_config.buffer_size = cpal::BufferSize::Fixed((rate / 20).clamp(*min, *max));
    }
    let on_error = {
        let failed = Arc::clone(&failed);
        move |err: cpal::Error| {
            if stream_lost(&err)
                && let Ok(mut f) = failed.lock()
            {
                *f = Some(err.to_string());
            }
        }
    };
    let stream = match config.sample_format() {
        SampleFormat::F32 => build::<f32>(&device, stream_config, producer, &dropped, on_error),
        SampleFormat::I16 => build::<i16>(&device, stream_config, producer, &dropped, on_error),
        SampleFormat::U16 => build::<u16>(&device, stream_config, producer, &dropped, on_error),
        SampleFormat::I32 => build::<i32>(&device, stream_config, producer, &dropped, on_error),
        SampleFormat::U8 => build::<u8>(&device, stream_config, producer, &dropped, on_error),
        other => {
            return Err(Error::new(
                Code::NotFound,
                format!("The microphone {name} records {other:?} samples, which Switchboard cannot read. Choose another microphone."),
            ));
        }
    }
    .map_err(|e| denied_or(&e.to_string(), &name))?;
    Ok((stream, consumer, channels, rate, name, failed, dropped))
}

fn build<T>(
    device: &cpal::Device,
    config: cpal::StreamConfig,
    mut producer: rtrb::Producer<f32>,
    dropped: &Arc<AtomicU64>,
    on_error: impl FnMut(cpal::Error) + Send + 'static,
) -> Result<cpal::Stream, cpal::Error>
where
    T: SizedSample,
    f32: FromSample<T>,
{
    let dropped = Arc::clone(dropped);
    let mut promoted = false;
    device.build_input_stream::<T, _, _>(
        config,
        // The real-time callback: copy into the ring buffer, nothing else.
        move |data: &[T], _| {
            if !promoted {
                promoted = true;
                crate::audio::realtime::promote_current_thread();
            }
            let room = producer.slots().min(data.len());
            if let Ok(chunk) = producer.write_chunk_uninit(room) {
                chunk.fill_from_iter(data.iter().map(|s| s.to_sample::<f32>()));
            }
            if room < data.len() {
                dropped.fetch_add((data.len() - room) as u64, Ordering::Relaxed);
            }
        },
        on_error,
        None,
    )
}

/// Whether `err` ends a stream for good (the device went away, or access was withdrawn),
/// rather than a hiccup such as one late period.
pub(crate) fn stream_lost(err: &cpal::Error) -> bool {
    matches!(
        err.kind(),
        cpal::ErrorKind::DeviceNotAvailable
            | cpal::ErrorKind::HostUnavailable
            | cpal::ErrorKind::StreamInvalidated
            | cpal::ErrorKind::PermissionDenied
    )
}

pub(crate) fn denied_or(detail: &str, name: &str) -> Error {
    let lower = detail.to_ascii_lowercase();
    if lower.contains("permission") || lower.contains("denied") || lower.contains("not allowed") {
        Error::new(
            Code::Forbidden,
            format!(
                "Switchboard may not use the microphone {name}. Allow it in the system's privacy settings, then record again."
            ),
        )
    } else {
        Error::new(
            Code::NotFound,
            format!(
                "The microphone {name} cannot be opened ({detail}). Check it is connected and not in use, or choose another."
            ),
        )
    }
}
