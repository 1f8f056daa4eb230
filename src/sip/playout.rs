//! The far end's sound on its way to the speaker: an adaptive jitter buffer pulled by the
//! speaker's own clock.
//!
//! The RTP receiver hands each decoded 20 ms frame to a lock-free ring ([`Arrivals`]); the
//! speaker's real-time callback ([`Playout::fill`]) moves what arrived into a fixed array of
//! slots and takes frames out in RTP order, exactly when the device asks for sound. There is no
//! thread in between polling a clock, no lock and no allocation on the callback's side. So the
//! device is never handed a short buffer: a frame that has not come is concealed (the last one
//! again, fading), and when nothing at all is buffered, playback stops and waits until the
//! target delay is buffered again (a rebuffer, the gap a listener hears, counted in
//! [`DeviceStats::underruns`]). The target delay grows after a rebuffer and shrinks again when
//! the network has been calm for ten seconds, which also absorbs the drift between the far
//! end's clock and the speaker's.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use super::devices::DeviceStats;
use super::media::{FRAME, RATE, Sink};
use super::resample::Resampler;

/// Frames the buffer can hold: 1.28 s.
const SLOTS: usize = 64;
/// Delay bounds, in 20 ms frames: 40 ms to 300 ms.
const MIN_DELAY: u64 = 2;
const MAX_DELAY: u64 = 15;
/// Frames played without a rebuffer before the delay may shrink by one frame (10 s).
const CALM: u32 = 500;

/// One decoded frame, by its index in the far end's RTP timeline.
#[derive(Clone, Copy)]
struct Arrival {
    index: u64,
    pcm: [i16; FRAME],
}

/// The receiving side of the ring: a [`Sink`] for [`super::media::Media`].
pub struct Arrivals {
    ring: rtrb::Producer<Arrival>,
    stats: Arc<DeviceStats>,
}

impl Sink for Arrivals {
    fn write(&mut self, offset: u64, pcm: &[i16]) {
        let mut arrival = Arrival {
            index: offset / FRAME as u64,
            pcm: [0; FRAME],
        };
        let n = pcm.len().min(FRAME);
        arrival.pcm[..n].copy_from_slice(&pcm[..n]);
        if self.ring.push(arrival).is_err() {
            // The speaker has not pulled for over a second (a device that stalled): this frame
            // could only be played too late.
            self.stats.late.fetch_add(1, Ordering::Relaxed);
        }
    }

    fn finish(&mut self) -> Result<(), String> {
        Ok(())
    }
}

/// The jitter buffer, on the speaker's side.
pub struct Jitter {
    arrivals: rtrb::Consumer<Arrival>,
    frames: Box<[[i16; FRAME]; SLOTS]>,
    /// `tags[i]` is 1 + the index of the frame in `frames[i]`, 0 when the slot is empty.
    tags: [u64; SLOTS],
    /// The next frame to play, once playing.
    next: Option<u64>,
    /// The delay kept before playing, in frames.
    target: u64,
    /// Frames played since the last rebuffer.
    calm: u32,
    /// Frames concealed in a row.
    fade: u32,
    last: [i16; FRAME],
    stats: Arc<DeviceStats>,
}

/// A new jitter buffer: the sink the RTP receiver writes to, and the buffer the speaker pulls
/// from. `period_ms` is the device's period, so that the first delay covers a callback that
/// asks for two periods at once.
pub fn jitter(stats: Arc<DeviceStats>, period_ms: u32) -> (Arrivals, Jitter) {
    let (producer, consumer) = rtrb::RingBuffer::new(SLOTS);
    let target = (u64::from(period_ms.div_ceil(20)) * 2 + 1).clamp(3, MAX_DELAY);
    stats.delay_frames.store(target, Ordering::Relaxed);
    (
        Arrivals {
            ring: producer,
            stats: stats.clone(),
        },
        Jitter {
            arrivals: consumer,
            frames: Box::new([[0; FRAME]; SLOTS]),
            tags: [0; SLOTS],
            next: None,
            target,
            calm: 0,
            fade: 0,
            last: [0; FRAME],
            stats,
        },
    )
}

impl Jitter {
    /// Moves what arrived into the slots.
    fn take_arrivals(&mut self) {
        while let Ok(arrival) = self.arrivals.pop() {
            if let Some(next) = self.next {
                if arrival.index < next {
                    self.stats.late.fetch_add(1, Ordering::Relaxed);
                    continue;
                }
                if arrival.index >= next + SLOTS as u64 {
                    // The far end's timeline jumped ahead of anything the buffer can hold
                    // (a new stream after a re-INVITE): start again from it.
                    self.tags = [0; SLOTS];
                    self.next = None;
                }
            }
            let slot = arrival.index as usize % SLOTS;
            self.frames[slot] = arrival.pcm;
            self.tags[slot] = arrival.index + 1;
        }
    }

    /// Frames buffered at or after `from` (all of them before playing starts).
    fn buffered(&self, from: u64) -> u64 {
        self.tags.iter().filter(|&&t| t > from).count() as u64
    }

    fn oldest(&self) -> Option<u64> {
        self.tags.iter().filter(|&&t| t > 0).min().map(|t| t - 1)
    }

    /// The next 20 ms for the speaker, at 8 kHz.
    pub fn next_frame(&mut self, out: &mut [f32; FRAME]) {
        self.take_arrivals();
        if self.next.is_none() && self.buffered(0) >= self.target {
            self.next = self.oldest();
        }
        let Some(next) = self.next else {
            // Waiting for the target delay to be buffered: silence meanwhile.
            return self.conceal(out);
        };
        let slot = next as usize % SLOTS;
        let frame = (self.tags[slot] == next + 1).then(|| self.frames[slot]);
        self.tags[slot] = 0;
        let ahead = self.buffered(next + 1);
        self.next = Some(next + 1);
        match frame {
            Some(pcm) => {
                self.last = pcm;
                self.fade = 0;
                for (o, s) in out.iter_mut().zip(pcm) {
                    *o = f32::from(s) / 32_768.0;
                }
                self.calm += 1;
                if self.calm > CALM && ahead > self.target + 2 && self.target > MIN_DELAY {
                    // A calm network (or a far end whose clock runs fast): give back a frame.
                    self.target -= 1;
                    self.calm = 0;
                    let skip = (next + 1) as usize % SLOTS;
                    self.tags[skip] = 0;
                    self.next = Some(next + 2);
                    self.stats
                        .delay_frames
                        .store(self.target, Ordering::Relaxed);
                }
            }
            None if ahead == 0 => {
                // Ran dry: a gap the listener hears. Wait longer from now on, and start again
                // once that much is buffered.
                self.stats.underruns.fetch_add(1, Ordering::Relaxed);
                self.target = (self.target + 1).min(MAX_DELAY);
                self.stats
                    .delay_frames
                    .store(self.target, Ordering::Relaxed);
                self.calm = 0;
                self.next = None;
                self.conceal(out);
            }
            None => {
                // One lost or late packet among those that came.
                self.stats.concealed.fetch_add(1, Ordering::Relaxed);
                self.conceal(out);
            }
        }
    }

    /// The last frame again, quieter each time, then silence.
    fn conceal(&mut self, out: &mut [f32; FRAME]) {
        self.fade = self.fade.saturating_add(1);
        let gain = if self.fade <= 3 {
            0.7f32.powi(self.fade as i32)
        } else {
            0.0
        };
        for (o, s) in out.iter_mut().zip(self.last) {
            *o = f32::from(s) / 32_768.0 * gain;
        }
    }
}

/// The speaker's callback side: the jitter buffer, resampled to the device's rate, one
/// sample at a time. Everything is allocated up front.
pub struct Playout {
    jitter: Jitter,
    resampler: Resampler,
    frame: [f32; FRAME],
    /// One frame at the device's rate, read from `position`.
    ready: Vec<f32>,
    position: usize,
    rate: u32,
}

impl Playout {
    /// Playout through `jitter` to a device running at `rate`.
    pub fn new(jitter: Jitter, rate: u32) -> Self {
        Self {
            jitter,
            resampler: Resampler::new(RATE, rate),
            frame: [0.0; FRAME],
            // One frame's output, with room for the resampler's rounding.
            ready: Vec::with_capacity(rate as usize / 50 + 64),
            position: 0,
            rate,
        }
    }

    /// Moves to a device running at `rate` (a new speaker after the last one disappeared).
    pub fn set_rate(&mut self, rate: u32) {
        if rate != self.rate {
            self.rate = rate;
            self.resampler = Resampler::new(RATE, rate);
            self.ready = Vec::with_capacity(rate as usize / 50 + 64);
            self.position = 0;
        }
    }

    /// The next sample at the device's rate.
    #[inline]
    pub fn sample(&mut self) -> f32 {
        while self.position == self.ready.len() {
            self.ready.clear();
            self.position = 0;
            self.jitter.next_frame(&mut self.frame);
            self.resampler.process(&self.frame, &mut self.ready);
        }
        let s = self.ready[self.position];
        self.position += 1;
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(value: i16) -> [i16; FRAME] {
        [value; FRAME]
    }

    fn pull(jitter: &mut Jitter) -> i16 {
        let mut out = [0f32; FRAME];
        jitter.next_frame(&mut out);
        (out[0] * 32_768.0).round() as i16
    }

    fn setup() -> (Arrivals, Jitter, Arc<DeviceStats>) {
        let stats = Arc::new(DeviceStats::default());
        let (arrivals, jitter) = jitter(stats.clone(), 20);
        (arrivals, jitter, stats)
    }

    fn send(arrivals: &mut Arrivals, index: u64, value: i16) {
        arrivals.write(index * FRAME as u64, &frame(value));
    }

    #[test]
    fn plays_in_rtp_order_after_the_target_delay() {
        let (mut arrivals, mut jitter, stats) = setup();
        assert_eq!(jitter.target, 3);
        send(&mut arrivals, 0, 100);
        send(&mut arrivals, 2, 300); // out of order
        assert_eq!(
            pull(&mut jitter),
            0,
            "silence until three frames are buffered"
        );
        send(&mut arrivals, 1, 200);
        assert_eq!(pull(&mut jitter), 100);
        assert_eq!(pull(&mut jitter), 200);
        send(&mut arrivals, 3, 400);
        assert_eq!(pull(&mut jitter), 300);
        assert_eq!(pull(&mut jitter), 400);
        assert_eq!(stats.underruns.load(Ordering::Relaxed), 0);
        assert_eq!(stats.concealed.load(Ordering::Relaxed), 0);
    }

    #[test]
    fn a_lost_frame_is_concealed_by_the_last_one_fading() {
        let (mut arrivals, mut jitter, stats) = setup();
        for (i, v) in [(0, 1000), (2, 3000), (3, 4000)] {
            send(&mut arrivals, i, v);
        }
        assert_eq!(pull(&mut jitter), 1000);
        assert_eq!(pull(&mut jitter), 700, "frame 1 never came: 0.7 of frame 0");
        assert_eq!(pull(&mut jitter), 3000);
        assert_eq!(stats.concealed.load(Ordering::Relaxed), 1);
        assert_eq!(stats.underruns.load(Ordering::Relaxed), 0);
        // Frame 1 arriving now is late and is not played.
        send(&mut arrivals, 1, 2000);
        assert_eq!(pull(&mut jitter), 4000);
        assert_eq!(stats.late.load(Ordering::Relaxed), 1);
    }

    #[test]
    fn running_dry_rebuffers_with_a_longer_delay_instead_of_dropping_everything_after() {
        let (mut arrivals, mut jitter, stats) = setup();
        for i in 0..3 {
            send(&mut arrivals, i, 10 * (i as i16 + 1));
        }
        for i in 0..3 {
            assert_eq!(pull(&mut jitter), 10 * (i as i16 + 1));
        }
        // The network's delay steps up by 100 ms: nothing is buffered when frame 3 is due.
        pull(&mut jitter);
        assert_eq!(stats.underruns.load(Ordering::Relaxed), 1);
        assert_eq!(jitter.target, 4);
        for _ in 0..4 {
            pull(&mut jitter);
        }
        // The frames come, later than planned, and are all played: none is thrown away as late.
        for i in 3..7 {
            send(&mut arrivals, i, 10 * (i as i16 + 1));
        }
        let played: Vec<i16> = (0..4).map(|_| pull(&mut jitter)).collect();
        assert_eq!(played, [40, 50, 60, 70]);
        assert_eq!(stats.late.load(Ordering::Relaxed), 0);
        assert_eq!(stats.underruns.load(Ordering::Relaxed), 1);
    }

    #[test]
    fn a_calm_network_gives_delay_back_one_frame_at_a_time() {
        let (mut arrivals, mut jitter, stats) = setup();
        jitter.target = 6;
        // The far end runs ahead: nine frames buffered beyond the one playing.
        let mut sent = 0;
        while sent < 10 {
            send(&mut arrivals, sent, 1);
            sent += 1;
        }
        for _ in 0..(CALM + 10) {
            pull(&mut jitter);
            send(&mut arrivals, sent, 1);
            sent += 1;
        }
        assert_eq!(jitter.target, 5);
        assert_eq!(stats.delay_frames.load(Ordering::Relaxed), 5);
        assert_eq!(stats.underruns.load(Ordering::Relaxed), 0);
    }

    #[test]
    fn a_jump_in_the_timeline_starts_again_from_the_new_frames() {
        let (mut arrivals, mut jitter, _stats) = setup();
        for i in 0..3 {
            send(&mut arrivals, i, 5);
        }
        pull(&mut jitter);
        pull(&mut jitter);
        for i in 10_000..10_003 {
            send(&mut arrivals, i, 9);
        }
        // The old frames still buffered are dropped with the jump; the new ones play.
        let played: Vec<i16> = (0..3).map(|_| pull(&mut jitter)).collect();
        assert_eq!(played.last(), Some(&9), "{played:?}");
    }

    #[test]
    fn the_speaker_gets_one_frame_per_20_ms_at_its_own_rate() {
        let (mut arrivals, jitter, stats) = setup();
        let mut playout = Playout::new(jitter, 48_000);
        for i in 0..50 {
            send(&mut arrivals, i, 8_000);
        }
        // Nearly 1 s at 48 kHz is the 50 frames, at their level (the resampler lags 1 ms).
        let out: Vec<f32> = (0..47_000).map(|_| playout.sample()).collect();
        for at in [1_000, 24_000, 46_000] {
            assert!(
                (out[at] - 8_000.0 / 32_768.0).abs() < 0.01,
                "{at}: {}",
                out[at]
            );
        }
        assert_eq!(stats.underruns.load(Ordering::Relaxed), 0);
        // The next 60 ms have nothing left to play.
        for _ in 0..3_000 {
            playout.sample();
        }
        assert_eq!(stats.underruns.load(Ordering::Relaxed), 1);
    }
}
