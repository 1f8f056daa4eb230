//! The decoder the player plays: it counts the frames it hands out (the position in the
//! message, whatever the speed) and notes when the first one went out.

use super::*;

/// The decoder, counting the frames it hands out and noting when the first one went.
pub(super) struct Counted {
    pub(super) inner: Decoder<BufReader<File>>,
    pub(super) frames: Arc<AtomicU64>,
    pub(super) channels: u16,
    pub(super) first: Arc<OnceLock<Instant>>,
}

impl Iterator for Counted {
    type Item = rodio::Sample;

    fn next(&mut self) -> Option<Self::Item> {
        let sample = self.inner.next()?;
        if self.channels == 0 {
            if self.first.set(Instant::now()).is_ok() {
                // The first sample of a Play, on the sound server's callback thread.
                crate::audio::realtime::promote_current_thread();
            }
            self.channels = self.inner.channels().get();
        }
        self.channels -= 1;
        if self.channels == 0 {
            self.frames.fetch_add(1, Ordering::Relaxed);
        }
        Some(sample)
    }
}

impl Source for Counted {
    fn current_span_len(&self) -> Option<usize> {
        self.inner.current_span_len()
    }

    fn channels(&self) -> rodio::ChannelCount {
        self.inner.channels()
    }

    fn sample_rate(&self) -> rodio::SampleRate {
        self.inner.sample_rate()
    }

    fn total_duration(&self) -> Option<Duration> {
        self.inner.total_duration()
    }

    fn try_seek(&mut self, pos: Duration) -> Result<(), SeekError> {
        self.inner.try_seek(pos)?;
        self.channels = 0;
        let rate = self.inner.sample_rate().get();
        self.frames.store(frames_at(pos, rate), Ordering::Relaxed);
        Ok(())
    }
}

pub(super) fn frames_at(at: Duration, rate: u32) -> u64 {
    (at.as_micros() * u128::from(rate) / 1_000_000) as u64
}

pub(super) fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}
