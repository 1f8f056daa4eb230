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
use super::playout::{self, Playout};
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
    /// What happened to a device during the call, in a sentence for the user: moved to the
    /// default after the chosen one disappeared, or stopped.
    pub notice: Arc<Mutex<Option<String>>>,
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
/// defaults) for a call. A device that disappears during the call is replaced by the system
/// default, with a notice.
///
/// # Errors
/// [`Code::NotFound`] when either device is missing or cannot be opened, [`Code::Forbidden`]
/// when the microphone is not allowed, each naming the device.
pub fn open(input: Option<&str>, output: Option<&str>) -> Result<CallDevices, Error> {
    let stop = Arc::new(AtomicBool::new(false));
    let notice = Arc::new(Mutex::new(None));
    let stats = Arc::new(DeviceStats::default());
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    let (swap_tx, swap_rx) = std::sync::mpsc::channel();
    let (arrivals, jitter) = playout::jitter(stats.clone(), SPEAKER_PERIOD_MS);
    // The speaker's callback holds the playout for a call's whole life; the device thread
    // takes it only to move it to another device after one failed (the callback only ever
    // `try_lock`s, so it never waits).
    let playout = Arc::new(Mutex::new(Playout::new(jitter, 48_000)));
    let devices = {
        let (input, output) = (input.map(str::to_owned), output.map(str::to_owned));
        let (stop, notice) = (stop.clone(), notice.clone());
        std::thread::Builder::new()
            .name("switchboard-sip-audio".into())
            .spawn(move || {
                let opened = open_mic(input.as_deref()).and_then(|(mic, ring)| {
                    Ok((mic, ring, open_speaker(output.as_deref(), &playout)?))
                });
                let (mut mic, mut speaker) = match opened {
                    Ok((mic, ring, speaker)) => {
                        tracing::info!(mic = %mic.name, speaker = %speaker.name, "call audio open");
                        let _ = ready_tx.send(Ok(ring));
                        (Some(mic), Some(speaker))
                    }
                    Err(err) => {
                        let _ = ready_tx.send(Err(err));
                        return;
                    }
                };
                // Sound servers that move a stream off a removed device report no error, so a
                // chosen device is looked for once a second while the call uses it.
                let (mut chosen_mic, mut chosen_speaker) = (input, output);
                let mut checked = std::time::Instant::now();
                while !stop.load(Ordering::Relaxed) {
                    std::thread::sleep(Duration::from_millis(50));
                    if checked.elapsed() >= Duration::from_secs(1) {
                        checked = std::time::Instant::now();
                        let host = cpal::default_host();
                        if let (Some(id), Some(m)) = (chosen_mic.as_deref(), mic.as_ref())
                            && !input_present(&host, id)
                        {
                            m.fail("it was unplugged or switched off");
                        }
                        if let (Some(id), Some(s)) = (chosen_speaker.as_deref(), speaker.as_ref())
                            && find_output(&host, id).is_none()
                        {
                            s.fail("it was unplugged or switched off");
                        }
                    }
                    let mut said = Vec::new();
                    if let Some(reason) = mic.as_ref().and_then(Opened::failed) {
                        let gone = mic.take().map(|m| m.name).unwrap_or_default();
                        chosen_mic = None;
                        match open_mic(None) {
                            Ok((new, ring)) => {
                                said.push(format!("The microphone {gone} is no longer available ({reason}); the call goes on with {}.", new.name));
                                let _ = swap_tx.send(ring);
                                mic = Some(new);
                            }
                            Err(err) => said.push(format!("The microphone {gone} stopped ({reason}), and no other could be opened: {}", err.message)),
                        }
                    }
                    if let Some(reason) = speaker.as_ref().and_then(Opened::failed) {
                        let gone = speaker.take().map(|s| s.name).unwrap_or_default();
                        chosen_speaker = None;
                        match open_speaker(None, &playout) {
                            Ok(new) => {
                                said.push(format!("The speaker {gone} is no longer available ({reason}); the call goes on through {}.", new.name));
                                speaker = Some(new);
                            }
                            Err(err) => said.push(format!("The speaker {gone} stopped ({reason}), and no other could be opened: {}", err.message)),
                        }
                    }
                    if !said.is_empty() {
                        tracing::warn!(notice = %said.join(" "), "call audio device changed");
                        if let Ok(mut n) = notice.lock() {
                            *n = Some(said.join(" "));
                        }
                    }
                }
            })
            .map_err(|e| {
                Error::new(
                    Code::Internal,
                    format!("Cannot start the call's audio ({e})."),
                )
            })?
    };
    let ring = match ready_rx.recv_timeout(Duration::from_secs(5)) {
        Ok(Ok(ring)) => ring,
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
    let source = MicSource {
        resampler: Resampler::new(ring.rate, RATE),
        ring,
        swap: swap_rx,
        mono: Vec::with_capacity(48_000 / 10),
        ready: Vec::with_capacity(FRAME * 8),
    };
    Ok(CallDevices {
        live: LiveAudio {
            stop,
            threads: vec![devices],
            notice,
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

/// The speaker's period: short enough for a conversation (the jitter buffer's first delay
/// covers a callback asking for two periods at once).
const SPEAKER_PERIOD_MS: u32 = 20;

/// An open device stream, its name, and why it failed once it has.
struct Opened {
    _stream: cpal::Stream,
    name: String,
    failed: Arc<Mutex<Option<String>>>,
}

impl Opened {
    fn failed(&self) -> Option<String> {
        self.failed.lock().ok().and_then(|f| f.clone())
    }

    fn fail(&self, why: &str) {
        if let Ok(mut f) = self.failed.lock() {
            f.get_or_insert_with(|| why.to_owned());
        }
    }
}

/// Whether the microphone with cpal id `id` is still there.
fn input_present(host: &cpal::Host, id: &str) -> bool {
    let Ok(id) = id.parse::<cpal::DeviceId>() else {
        return false;
    };
    host.input_devices()
        .is_ok_and(|mut all| all.any(|d| d.id().is_ok_and(|d| d == id)))
}

/// The microphone's samples as they come, with their format.
struct MicRing {
    consumer: rtrb::Consumer<f32>,
    channels: usize,
    rate: u32,
}

fn open_mic(input: Option<&str>) -> Result<(Opened, MicRing), Error> {
    let (stream, consumer, channels, rate, name, failed, _dropped) = capture::open(input)?;
    stream
        .play()
        .map_err(|e| capture::denied_or(&e.to_string(), &name))?;
    Ok((
        Opened {
            _stream: stream,
            name,
            failed,
        },
        MicRing {
            consumer,
            channels: usize::from(channels.max(1)),
            rate,
        },
    ))
}

fn open_speaker(output: Option<&str>, playout: &Arc<Mutex<Playout>>) -> Result<Opened, Error> {
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
    playout
        .lock()
        .map_err(|_| cannot(&"the call's audio stopped"))?
        .set_rate(rate);
    let failed = Arc::new(Mutex::new(None));
    let on_error = {
        let failed = failed.clone();
        move |err: cpal::Error| {
            if capture::stream_lost(&err)
                && let Ok(mut f) = failed.lock()
            {
                *f = Some(err.to_string());
            }
        }
    };
    let playout = playout.clone();
    let stream = match config.sample_format() {
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
    stream.play().map_err(|e| cannot(&e))?;
    Ok(Opened {
        _stream: stream,
        name,
        failed,
    })
}

fn build_output<T>(
    device: &cpal::Device,
    config: &cpal::StreamConfig,
    playout: Arc<Mutex<Playout>>,
    channels: usize,
    on_error: impl FnMut(cpal::Error) + Send + 'static,
) -> Result<cpal::Stream, cpal::Error>
where
    T: SizedSample + FromSample<f32>,
{
    let mut promoted = false;
    device.build_output_stream::<T, _, _>(
        *config,
        // The real-time callback: the jitter buffer's next samples, on every channel. The
        // lock is only ever tried: it is held elsewhere only while this stream is dead.
        move |out: &mut [T], _| {
            if !promoted {
                promoted = true;
                crate::audio::realtime::promote_current_thread();
            }
            match playout.try_lock() {
                Ok(mut playout) => {
                    for frame in out.chunks_exact_mut(channels) {
                        frame.fill(T::from_sample(playout.sample()));
                    }
                }
                Err(_) => out.fill(T::from_sample(0.0)),
            }
        },
        on_error,
        None,
    )
}

/// The microphone as the call's [`Source`]: mixed to mono, resampled to 8 kHz, at most 100 ms
/// behind (older sound is dropped rather than delaying the conversation). When the device
/// thread moves the call to another microphone, the new one's ring comes through `swap`.
struct MicSource {
    ring: MicRing,
    swap: std::sync::mpsc::Receiver<MicRing>,
    resampler: Resampler,
    mono: Vec<f32>,
    ready: Vec<f32>,
}

impl Source for MicSource {
    fn fill(&mut self, frame: &mut [i16; FRAME]) -> bool {
        if let Ok(ring) = self.swap.try_recv() {
            self.resampler = Resampler::new(ring.rate, RATE);
            self.ring = ring;
        }
        let channels = self.ring.channels;
        let available = self.ring.consumer.slots() / channels * channels;
        if let Ok(chunk) = self.ring.consumer.read_chunk(available) {
            let (a, b) = chunk.as_slices();
            self.mono.clear();
            for part in [a, b] {
                self.mono.extend(
                    part.chunks_exact(channels)
                        .map(|c| c.iter().sum::<f32>() / channels as f32),
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
