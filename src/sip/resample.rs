//! A streaming windowed-sinc resampler: any rate to any rate, for the microphone (device rate
//! to 8 kHz), the speaker (8 kHz to the device's rate) and WAV files. The kernel is tabulated
//! once at 64 fractional phases, so each output sample costs one dot product (16 taps going
//! up, 96 going from 48 kHz down to 8 kHz) and no trigonometry.

/// Fractional positions tabulated between two input samples.
const PHASES: usize = 64;
/// Zero crossings of the sinc on each side, at the cutoff.
const LOBES: f64 = 8.0;
/// Input kept before the used part is dropped.
const TRIM: usize = 4096;

/// Converts a stream of mono samples from one rate to another.
#[derive(Debug, Clone)]
pub struct Resampler {
    /// `table[phase * taps + k]`: the weight of input `base - half + 1 + k`.
    table: Vec<f32>,
    taps: usize,
    half: usize,
    /// Input samples per output sample.
    step: f64,
    /// Input not yet fully used; `pending[0]` is input index `origin`.
    pending: Vec<f32>,
    /// Position of the next output, in input samples from `pending[0]`.
    position: f64,
}

impl Resampler {
    /// A resampler from `from` Hz to `to` Hz.
    pub fn new(from: u32, to: u32) -> Self {
        let cutoff = (f64::from(to) / f64::from(from)).min(1.0) * 0.92;
        let half = (LOBES / cutoff).ceil() as usize;
        let taps = 2 * half;
        let mut table = vec![0f32; PHASES * taps];
        for phase in 0..PHASES {
            let frac = phase as f64 / PHASES as f64;
            let row = &mut table[phase * taps..(phase + 1) * taps];
            let mut sum = 0.0;
            for (k, w) in row.iter_mut().enumerate() {
                // Distance of input sample (base - half + 1 + k) from the output instant.
                let t = (k as f64 - half as f64 + 1.0) - frac;
                let x = std::f64::consts::PI * t * cutoff;
                let sinc = if x.abs() < 1e-9 { 1.0 } else { x.sin() / x };
                let window = 0.5 + 0.5 * (std::f64::consts::PI * t / half as f64).cos();
                let v = if t.abs() < half as f64 {
                    sinc * window
                } else {
                    0.0
                };
                *w = v as f32;
                sum += v;
            }
            for w in row.iter_mut() {
                *w = (f64::from(*w) / sum) as f32;
            }
        }
        Self {
            table,
            taps,
            half,
            step: f64::from(from) / f64::from(to),
            // Start with half a kernel of silence so the first output is at input 0. The
            // capacity covers what is kept before a trim (below) plus a frame, so feeding it in
            // frames never allocates (the speaker's callback relies on that).
            pending: {
                let mut pending = Vec::with_capacity(TRIM + taps + 8_192);
                pending.resize(half - 1, 0.0);
                pending
            },
            position: (half - 1) as f64,
        }
    }

    /// Feeds `input` and appends every output sample it completes to `out`.
    pub fn process(&mut self, input: &[f32], out: &mut Vec<f32>) {
        self.pending.extend_from_slice(input);
        loop {
            let base = self.position.floor() as usize;
            if base + self.half >= self.pending.len() {
                break;
            }
            let mut phase = ((self.position - base as f64) * PHASES as f64).round() as usize;
            let mut base = base;
            if phase == PHASES {
                phase = 0;
                base += 1;
                if base + self.half >= self.pending.len() {
                    break;
                }
            }
            let weights = &self.table[phase * self.taps..(phase + 1) * self.taps];
            let start = base + 1 - self.half;
            let window = &self.pending[start..start + self.taps];
            out.push(weights.iter().zip(window).map(|(w, x)| w * x).sum());
            self.position += self.step;
        }
        // Drop input no output will need again.
        let used = (self.position.floor() as usize + 1).saturating_sub(self.half);
        if used > TRIM {
            self.pending.drain(..used);
            self.position -= used as f64;
        }
    }

    /// The whole of `input` at once, with the tail flushed: for files.
    pub fn convert(from: u32, to: u32, input: &[f32]) -> Vec<f32> {
        if from == to {
            return input.to_vec();
        }
        let mut resampler = Self::new(from, to);
        let wanted = (input.len() as f64 / resampler.step).floor() as usize;
        let mut out = Vec::with_capacity(wanted + 1);
        resampler.process(input, &mut out);
        resampler.process(&vec![0.0; resampler.half + 1], &mut out);
        out.truncate(wanted);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(hz: f32, rate: u32, seconds: f32) -> Vec<f32> {
        (0..(rate as f32 * seconds) as usize)
            .map(|i| 0.5 * (2.0 * std::f32::consts::PI * hz * i as f32 / rate as f32).sin())
            .collect()
    }

    fn rms(x: &[f32]) -> f32 {
        (x.iter().map(|s| s * s).sum::<f32>() / x.len() as f32).sqrt()
    }

    fn crossings(x: &[f32]) -> usize {
        x.windows(2)
            .filter(|w| (w[0] < 0.0) != (w[1] < 0.0))
            .count()
    }

    /// 48 kHz to 8 kHz keeps a 440 Hz tone (frequency and level) and removes a 6 kHz one
    /// instead of folding it to 2 kHz; 8 kHz to 48 kHz keeps 1 kHz with no images.
    #[test]
    fn keeps_the_band_and_drops_what_cannot_be_kept() {
        let down = Resampler::convert(48_000, 8_000, &tone(440.0, 48_000, 1.0));
        assert_eq!(down.len(), 8_000);
        let mid = &down[400..7_600];
        assert!(
            (crossings(mid) as f32 / 0.9 - 880.0).abs() < 6.0,
            "{}",
            crossings(mid)
        );
        assert!((rms(mid) - 0.354).abs() < 0.01, "{}", rms(mid));
        let folded = Resampler::convert(48_000, 8_000, &tone(6_000.0, 48_000, 1.0));
        assert!(
            rms(&folded[400..7_600]) < 0.01,
            "{}",
            rms(&folded[400..7_600])
        );

        let up = Resampler::convert(8_000, 48_000, &tone(1_000.0, 8_000, 1.0));
        assert_eq!(up.len(), 48_000);
        let mid = &up[2_400..45_600];
        assert!(
            (crossings(mid) as f32 / 0.9 - 2_000.0).abs() < 6.0,
            "{}",
            crossings(mid)
        );
        assert!((rms(mid) - 0.354).abs() < 0.01, "{}", rms(mid));
        // An image of 1 kHz would sit at 7 kHz: measure what is left above 4 kHz by
        // subtracting the ideal tone.
        let ideal = tone(1_000.0, 48_000, 1.0);
        let error: Vec<f32> = mid
            .iter()
            .zip(&ideal[2_400..45_600])
            .map(|(a, b)| a - b)
            .collect();
        assert!(rms(&error) < 0.01, "residual {}", rms(&error));
    }

    /// Fed in 20 ms pieces it gives what it gives fed all at once.
    #[test]
    fn streaming_matches_one_piece() {
        let input = tone(300.0, 44_100, 0.5);
        let whole = Resampler::convert(44_100, 8_000, &input);
        let mut resampler = Resampler::new(44_100, 8_000);
        let mut pieces = Vec::new();
        for chunk in input.chunks(882) {
            resampler.process(chunk, &mut pieces);
        }
        assert!(pieces.len() + 40 >= whole.len());
        for (a, b) in pieces.iter().zip(&whole) {
            assert!((a - b).abs() < 1e-6);
        }
    }
}
