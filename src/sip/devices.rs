//! A call's sound on the computer's own devices: the microphone through cpal into the RTP
//! sender, and the far end's packets through a jitter buffer to the speaker.
//!
//! Both cpal streams live on one thread of their own. Their callbacks only copy samples to or
//! from lock-free ring buffers (no lock, no allocation). The microphone's ring is read by the
//! RTP sender every 20 ms ([`MicSource`]); the speaker's ring is kept 40 ms full by a playout
//! thread that takes frames from the jitter buffer in RTP order, conceals a missing frame by
//! fading the last one, and grows its delay after an underflow (shrinking it again when the
//! network calms down).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use cpal::traits::{DeviceTrait, HostTrait, StreamTrait};
use cpal::{FromSample, SampleFormat, SizedSample};

use super::media::{FRAME, RATE, Sink, Source};
use super::resample::Resampler;
use crate::audio::capture;
use crate::audio::devices::{device_name, find_output};
use crate::{Code, Error};

/// Counters of the devices' side of a call.
#[derive(Debug, Default)]
pub struct DeviceStats {
    /// Speaker callbacks that found the ring short (a click the user may hear).
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
    let devices = {
        let (input, output) = (input.map(str::to_owned), output.map(str::to_owned));
        let (stop, failure, stats) = (stop.clone(), failure.clone(), stats.clone());
        std::thread::Builder::new()
            .name("switchboard-sip-audio".into())
            .spawn(move || {
                let opened = open_streams(input.as_deref(), output.as_deref(), &failure, &stats);
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
                    std::thread::sleep(Duration::from_millis(20));
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
        speaker,
        speaker_rate,
    } = ends;
    let jitter = Arc::new(Mutex::new(Jitter::new()));
    let playout = {
        let (stop, jitter, stats) = (stop.clone(), jitter.clone(), stats.clone());
        std::thread::Builder::new()
            .name("switchboard-sip-playout".into())
            .spawn(move || playout(speaker, speaker_rate, &jitter, &stop, &stats))
            .map_err(|e| {
                Error::new(
                    Code::Internal,
                    format!("Cannot start the call's audio ({e})."),
                )
            })?
    };
    let source = MicSource {
        ring: mic,
        channels: usize::from(mic_channels.max(1)),
        resampler: Resampler::new(mic_rate, RATE),
        mono: Vec::with_capacity(mic_rate as usize / 10),
        ready: Vec::with_capacity(FRAME * 8),
    };
    let sink = SpeakerSink {
        jitter,
        stats: stats.clone(),
    };
    Ok(CallDevices {
        live: LiveAudio {
            stop,
            threads: vec![devices, playout],
            failure,
            stats,
        },
        source: Box::new(source),
        sink: Box::new(sink),
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

/// What the device thread hands back: the rings' far ends and the devices' formats.
struct Ends {
    mic: rtrb::Consumer<f32>,
    mic_channels: u16,
    mic_rate: u32,
    speaker: rtrb::Producer<f32>,
    speaker_rate: u32,
}

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
    stats: &Arc<DeviceStats>,
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
        // 20 ms periods: short enough for a conversation.
        stream_config.buffer_size = cpal::BufferSize::Fixed((rate / 50).clamp(min, max));
    }
    // 200 ms of room; the playout thread keeps about 40 ms in it.
    let (producer, consumer) = rtrb::RingBuffer::new(rate as usize / 5);
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
            build_output::<f32>(&device, &stream_config, consumer, channels, stats, on_error)
        }
        SampleFormat::I16 => {
            build_output::<i16>(&device, &stream_config, consumer, channels, stats, on_error)
        }
        SampleFormat::I32 => {
            build_output::<i32>(&device, &stream_config, consumer, channels, stats, on_error)
        }
        SampleFormat::U16 => {
            build_output::<u16>(&device, &stream_config, consumer, channels, stats, on_error)
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
            speaker: producer,
            speaker_rate: rate,
        },
    ))
}

fn build_output<T>(
    device: &cpal::Device,
    config: &cpal::StreamConfig,
    mut ring: rtrb::Consumer<f32>,
    channels: usize,
    stats: &Arc<DeviceStats>,
    on_error: impl FnMut(cpal::Error) + Send + 'static,
) -> Result<cpal::Stream, cpal::Error>
where
    T: SizedSample + FromSample<f32>,
{
    let stats = stats.clone();
    let mut promoted = false;
    device.build_output_stream::<T, _, _>(
        *config,
        // The real-time callback: copy from the ring to every channel; silence if short.
        move |out: &mut [T], _| {
            if !promoted {
                promoted = true;
                crate::audio::realtime::promote_current_thread();
            }
            let frames = out.len() / channels;
            let have = ring.slots().min(frames);
            if have < frames {
                stats.underruns.fetch_add(1, Ordering::Relaxed);
            }
            let mut frames_out = out.chunks_exact_mut(channels);
            if let Ok(chunk) = ring.read_chunk(have) {
                for (sample, frame) in chunk.into_iter().zip(frames_out.by_ref()) {
                    frame.fill(T::from_sample(sample));
                }
            }
            for frame in frames_out {
                frame.fill(T::from_sample(0.0));
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

/// The far end's frames, by RTP frame index, waiting for their turn.
struct Jitter {
    frames: BTreeMap<u64, [i16; FRAME]>,
    /// The next frame to play, once playout started.
    next: Option<u64>,
    /// The delay kept before playing, in frames.
    target: u64,
}

/// Delay bounds: 40 ms to 300 ms.
const MIN_DELAY: u64 = 2;
const MAX_DELAY: u64 = 15;

impl Jitter {
    fn new() -> Self {
        Self {
            frames: BTreeMap::new(),
            next: None,
            target: 3,
        }
    }
}

/// The call's [`Sink`]: packets go into the jitter buffer.
struct SpeakerSink {
    jitter: Arc<Mutex<Jitter>>,
    stats: Arc<DeviceStats>,
}

impl Sink for SpeakerSink {
    fn write(&mut self, offset: u64, pcm: &[i16]) {
        let index = offset / FRAME as u64;
        let Ok(mut jitter) = self.jitter.lock() else {
            return;
        };
        if jitter.next.is_some_and(|next| index < next) {
            self.stats.late.fetch_add(1, Ordering::Relaxed);
            return;
        }
        let mut frame = [0i16; FRAME];
        let n = pcm.len().min(FRAME);
        frame[..n].copy_from_slice(&pcm[..n]);
        jitter.frames.insert(index, frame);
        // Never hold more than two seconds.
        while jitter.frames.len() > 100 {
            jitter.frames.pop_first();
        }
    }

    fn finish(&mut self) -> Result<(), String> {
        Ok(())
    }
}

/// Keeps the speaker's ring about 40 ms full from the jitter buffer.
fn playout(
    mut ring: rtrb::Producer<f32>,
    rate: u32,
    jitter: &Mutex<Jitter>,
    stop: &AtomicBool,
    stats: &DeviceStats,
) {
    let mut resampler = Resampler::new(RATE, rate);
    let keep = rate as usize / 25; // 40 ms
    let mut last = [0f32; FRAME];
    let mut fade = 0u32; // frames concealed in a row
    let mut calm = 0u32; // frames played since the last underflow
    let mut pcm = [0f32; FRAME];
    let mut out: Vec<f32> = Vec::with_capacity(rate as usize / 10);
    while !stop.load(Ordering::Relaxed) {
        let queued = ring.buffer().capacity() - ring.slots();
        if queued >= keep {
            std::thread::sleep(Duration::from_millis(5));
            continue;
        }
        let got = {
            let Ok(mut j) = jitter.lock() else { return };
            if j.next.is_none() {
                // Start once the target delay is buffered.
                if (j.frames.len() as u64) < j.target {
                    None
                } else {
                    j.next = j.frames.first_key_value().map(|(k, _)| *k);
                    None
                }
            } else {
                let next = j.next.unwrap_or_default();
                let frame = j.frames.remove(&next);
                j.next = Some(next + 1);
                // Drop frames older than the play point (they came too late).
                while j.frames.first_key_value().is_some_and(|(k, _)| *k <= next) {
                    j.frames.pop_first();
                }
                let buffered = j.frames.len() as u64;
                if frame.is_none() && buffered == 0 {
                    // Underflow: play later from now on.
                    j.target = (j.target + 1).min(MAX_DELAY);
                    calm = 0;
                } else {
                    calm += 1;
                    if calm > 500 && buffered > j.target + 2 && j.target > MIN_DELAY {
                        // A calm network: give back one frame of delay.
                        j.target -= 1;
                        j.frames.pop_first();
                        j.next = j.frames.first_key_value().map(|(k, _)| *k);
                        calm = 0;
                    }
                }
                stats.delay_frames.store(j.target, Ordering::Relaxed);
                Some(frame)
            }
        };
        match got {
            // Not started: keep the speaker fed with silence.
            None => pcm.fill(0.0),
            Some(Some(frame)) => {
                for (p, s) in pcm.iter_mut().zip(frame) {
                    *p = f32::from(s) / 32_768.0;
                }
                last = pcm;
                fade = 0;
            }
            Some(None) => {
                // Conceal: the last frame again, quieter each time, then silence.
                stats.concealed.fetch_add(1, Ordering::Relaxed);
                fade += 1;
                let gain = if fade <= 3 {
                    0.7f32.powi(fade as i32)
                } else {
                    0.0
                };
                for (p, s) in pcm.iter_mut().zip(last) {
                    *p = s * gain;
                }
            }
        }
        out.clear();
        resampler.process(&pcm, &mut out);
        let room = ring.slots().min(out.len());
        if let Ok(chunk) = ring.write_chunk_uninit(room) {
            chunk.fill_from_iter(out.iter().copied());
        }
    }
}
