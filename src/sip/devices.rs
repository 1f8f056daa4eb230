//! A call's sound on the computer's own devices: the microphone through cpal into the RTP
//! sender, and the far end's packets through a jitter buffer to the speaker.
//!
//! Both cpal streams live on one thread of their own. Their callbacks only copy samples to or
//! from lock-free ring buffers (no lock, no allocation). The microphone's ring is read by the
//! RTP sender every 20 ms ([`MicSource`]); the speaker's callback pulls the far end's frames
//! straight from the jitter buffer ([`super::playout`]), on the device's own clock.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use cpal::traits::{DeviceTrait, HostTrait, StreamTrait};
use cpal::{FromSample, SampleFormat, SizedSample};

use super::media::{FRAME, RATE, Sink, Source};
use super::playout::{self, Jitter, Playout};
use super::resample::Resampler;
use crate::audio::capture;
use crate::audio::devices::{device_name, find_output};
use crate::{Code, Error};

/// Counters of the devices' side of a call.
#[derive(Debug, Default)]
pub struct DeviceStats {
    /// Times the speaker found nothing of the far end's sound buffered and had to stop and
    /// wait for it (a gap the user hears).
    pub underruns: AtomicU64,
    /// Frames the jitter buffer made up because their packet was lost or late.
    pub concealed: AtomicU64,
    /// Packets that came after their time had passed.
    pub late: AtomicU64,
    /// The jitter buffer's current delay, in 20 ms frames.
    pub delay_frames: AtomicU64,
}

/// The open devices; dropping it closes them.
#[derive(Debug)]
pub struct LiveAudio {
    stop: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
    /// Why a device stopped during the call, if one did.
    pub failure: Arc<Mutex<Option<String>>>,
    /// Counters.
    pub stats: Arc<DeviceStats>,
}

impl Drop for LiveAudio {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
    }
}

/// Opens the microphone `input` and the speaker `output` (cpal ids; `None` for the system
/// defaults) for a call.
///
/// # Errors
/// [`Code::NotFound`] when either device is missing or cannot be opened, [`Code::Forbidden`]
/// when the microphone is not allowed, each naming the device.
pub fn open(input: Option<&str>, output: Option<&str>) -> Result<CallDevices, Error> {
    let stop = Arc::new(AtomicBool::new(false));
    let failure = Arc::new(Mutex::new(None));
    let stats = Arc::new(DeviceStats::default());
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    let (arrivals, jitter) = playout::jitter(stats.clone(), SPEAKER_PERIOD_MS);
    let devices = {
        let (input, output) = (input.map(str::to_owned), output.map(str::to_owned));
        let (stop, failure) = (stop.clone(), failure.clone());
        std::thread::Builder::new()
            .name("switchboard-sip-audio".into())
            .spawn(move || {
                let opened = open_streams(input.as_deref(), output.as_deref(), &failure, jitter);
                let (streams, ends) = match opened {
                    Ok(parts) => parts,
                    Err(err) => {
                        let _ = ready_tx.send(Err(err));
                        return;
                    }
                };
                let _ = ready_tx.send(Ok(ends));
                let (_mic, _speaker, mic_failed, mic_name) = &streams;
                while !stop.load(Ordering::Relaxed) {
                    std::thread::sleep(Duration::from_millis(50));
                    // The microphone's failures are reported like the speaker's.
                    if let Some(reason) = mic_failed.lock().ok().and_then(|f| f.clone())
                        && let Ok(mut f) = failure.lock()
                        && f.is_none()
                    {
                        *f = Some(format!("the microphone {mic_name} stopped: {reason}"));
                    }
                }
                drop(streams);
            })
            .map_err(|e| {
                Error::new(
                    Code::Internal,
                    format!("Cannot start the call's audio ({e})."),
                )
            })?
    };
    let ends = match ready_rx.recv_timeout(Duration::from_secs(5)) {
        Ok(Ok(ends)) => ends,
        Ok(Err(err)) => {
            let _ = devices.join();
            return Err(err);
        }
        Err(_) => {
            stop.store(true, Ordering::Relaxed);
            return Err(Error::new(
                Code::Timeout,
                "The sound devices did not open within 5 seconds. Check they are connected and not in use by another app.",
            ));
        }
    };
    let Ends {
        mic,
        mic_channels,
        mic_rate,
    } = ends;
    let source = MicSource {
        ring: mic,
        channels: usize::from(mic_channels.max(1)),
        resampler: Resampler::new(mic_rate, RATE),
        mono: Vec::with_capacity(mic_rate as usize / 10),
        ready: Vec::with_capacity(FRAME * 8),
    };
    Ok(CallDevices {
        live: LiveAudio {
            stop,
            threads: vec![devices],
            failure,
            stats,
        },
        source: Box::new(source),
        sink: Box::new(arrivals),
    })
}

/// The devices opened for a call: keep `live` for as long as the call lasts.
pub struct CallDevices {
    /// The open devices.
    pub live: LiveAudio,
    /// The microphone, for [`super::media::Media::start`].
    pub source: Box<dyn Source>,
    /// The speaker, through the jitter buffer.
    pub sink: Box<dyn Sink>,
}

/// What the device thread hands back: the microphone's ring and format.
struct Ends {
    mic: rtrb::Consumer<f32>,
    mic_channels: u16,
    mic_rate: u32,
}

/// The speaker's period: short enough for a conversation (the jitter buffer's first delay
/// covers a callback asking for two periods at once).
const SPEAKER_PERIOD_MS: u32 = 20;

/// The open streams, with the microphone's failure slot and name.
type Streams = (
    cpal::Stream,
    cpal::Stream,
    Arc<Mutex<Option<String>>>,
    String,
);

fn open_streams(
    input: Option<&str>,
    output: Option<&str>,
    failure: &Arc<Mutex<Option<String>>>,
    jitter: Jitter,
) -> Result<(Streams, Ends), Error> {
    let (mic_stream, mic, mic_channels, mic_rate, mic_name, mic_failed, _dropped) =
        capture::open(input)?;
    mic_stream
        .play()
        .map_err(|e| capture::denied_or(&e.to_string(), &mic_name))?;
    let host = cpal::default_host();
    let device = match output {
        Some(id) => find_output(&host, id),
        None => host.default_output_device(),
    }
    .ok_or_else(|| {
        Error::new(
            Code::NotFound,
            "No speaker or headset was found for the call. Connect one, or choose another output in Settings.",
        )
    })?;
    let name = device_name(&device);
    let cannot = |e: &dyn std::fmt::Display| {
        Error::new(
            Code::NotFound,
            format!(
                "The output {name} cannot be opened for the call ({e}). Check it is connected, or choose another."
            ),
        )
    };
    let config = device.default_output_config().map_err(|e| cannot(&e))?;
    let rate = config.sample_rate();
    let channels = usize::from(config.channels().max(1));
    let mut stream_config: cpal::StreamConfig = config.config();
    if let cpal::SupportedBufferSize::Range { min, max } = *config.buffer_size() {
        let frames = rate * SPEAKER_PERIOD_MS / 1000;
        stream_config.buffer_size = cpal::BufferSize::Fixed(frames.clamp(min, max));
    }
    let playout = Playout::new(jitter, rate);
    let on_error = {
        let failure = failure.clone();
        move |err: cpal::Error| {
            if let Ok(mut f) = failure.lock() {
                *f = Some(err.to_string());
            }
        }
    };
    let speaker_stream = match config.sample_format() {
        SampleFormat::F32 => {
            build_output::<f32>(&device, &stream_config, playout, channels, on_error)
        }
        SampleFormat::I16 => {
            build_output::<i16>(&device, &stream_config, playout, channels, on_error)
        }
        SampleFormat::I32 => {
            build_output::<i32>(&device, &stream_config, playout, channels, on_error)
        }
        SampleFormat::U16 => {
            build_output::<u16>(&device, &stream_config, playout, channels, on_error)
        }
        other => return Err(cannot(&format!("it plays {other:?} samples"))),
    }
    .map_err(|e| cannot(&e))?;
    speaker_stream.play().map_err(|e| cannot(&e))?;
    tracing::info!(mic = %mic_name, mic_rate, speaker = %name, rate, "call audio open");
    Ok((
        (mic_stream, speaker_stream, mic_failed, mic_name),
        Ends {
            mic,
            mic_channels,
            mic_rate,
        },
    ))
}

fn build_output<T>(
    device: &cpal::Device,
    config: &cpal::StreamConfig,
    mut playout: Playout,
    channels: usize,
    on_error: impl FnMut(cpal::Error) + Send + 'static,
) -> Result<cpal::Stream, cpal::Error>
where
    T: SizedSample + FromSample<f32>,
{
    let mut promoted = false;
    device.build_output_stream::<T, _, _>(
        *config,
        // The real-time callback: the jitter buffer's next samples, on every channel.
        move |out: &mut [T], _| {
            if !promoted {
                promoted = true;
                crate::audio::realtime::promote_current_thread();
            }
            for frame in out.chunks_exact_mut(channels) {
                frame.fill(T::from_sample(playout.sample()));
            }
        },
        on_error,
        None,
    )
}

/// The microphone as the call's [`Source`]: mixed to mono, resampled to 8 kHz, at most 100 ms
/// behind (older sound is dropped rather than delaying the conversation).
struct MicSource {
    ring: rtrb::Consumer<f32>,
    channels: usize,
    resampler: Resampler,
    mono: Vec<f32>,
    ready: Vec<f32>,
}

impl Source for MicSource {
    fn fill(&mut self, frame: &mut [i16; FRAME]) -> bool {
        let available = self.ring.slots() / self.channels * self.channels;
        if let Ok(chunk) = self.ring.read_chunk(available) {
            let (a, b) = chunk.as_slices();
            self.mono.clear();
            for part in [a, b] {
                self.mono.extend(
                    part.chunks_exact(self.channels)
                        .map(|c| c.iter().sum::<f32>() / self.channels as f32),
                );
            }
            chunk.commit_all();
            self.resampler.process(&self.mono, &mut self.ready);
        }
        let limit = FRAME * 5;
        if self.ready.len() > limit {
            self.ready.drain(..self.ready.len() - limit);
        }
        let n = self.ready.len().min(FRAME);
        for (out, s) in frame.iter_mut().zip(self.ready.drain(..n)) {
            *out = (s.clamp(-1.0, 1.0) * 32_767.0) as i16;
        }
        frame[n..].fill(0);
        true
    }
}
