//! Headless media for scripts and tests: a WAV file sent instead of the microphone, and what
//! the far end sends written to a WAV file instead of played.

use std::path::{Path, PathBuf};

use super::media::{FRAME, RATE, Sink, Source};

/// A WAV file, converted once to 8 kHz mono, sent from the start; silence after its end.
#[derive(Debug)]
pub struct WavSource {
    samples: Vec<i16>,
    at: usize,
}

impl WavSource {
    /// Reads `path`: PCM 8 to 32 bit integer or 32-bit float, any rate, any channel count.
    ///
    /// # Errors
    /// A sentence naming the file and what is wrong with it.
    pub fn open(path: &Path) -> Result<Self, String> {
        let name = path.display();
        let mut reader = hound::WavReader::open(path)
            .map_err(|e| format!("cannot read {name} as a WAV file: {e}"))?;
        let spec = reader.spec();
        let channels = usize::from(spec.channels.max(1));
        let interleaved: Vec<f32> = match spec.sample_format {
            hound::SampleFormat::Float => reader
                .samples::<f32>()
                .collect::<Result<_, _>>()
                .map_err(|e| format!("{name} is damaged: {e}"))?,
            hound::SampleFormat::Int => {
                let scale = 1.0 / (1u64 << (spec.bits_per_sample - 1)) as f32;
                reader
                    .samples::<i32>()
                    .map(|s| s.map(|s| s as f32 * scale))
                    .collect::<Result<_, _>>()
                    .map_err(|e| format!("{name} is damaged: {e}"))?
            }
        };
        if interleaved.is_empty() {
            return Err(format!("{name} holds no sound"));
        }
        let mono: Vec<f32> = interleaved
            .chunks(channels)
            .map(|c| c.iter().sum::<f32>() / c.len() as f32)
            .collect();
        let samples = resample(&mono, spec.sample_rate, RATE)
            .into_iter()
            .map(|s| (s.clamp(-1.0, 1.0) * 32_767.0) as i16)
            .collect();
        Ok(Self { samples, at: 0 })
    }
}

impl Source for WavSource {
    fn fill(&mut self, frame: &mut [i16; FRAME]) -> bool {
        let rest = &self.samples[self.at.min(self.samples.len())..];
        let n = rest.len().min(FRAME);
        frame[..n].copy_from_slice(&rest[..n]);
        frame[n..].fill(0);
        self.at += FRAME;
        n > 0
    }
}

/// Converts `input` from `from` Hz to `to` Hz: a windowed-sinc low-pass at the lower Nyquist
/// frequency, evaluated at each output instant (so a 48 kHz file does not alias into 8 kHz).
pub fn resample(input: &[f32], from: u32, to: u32) -> Vec<f32> {
    if from == to {
        return input.to_vec();
    }
    let ratio = f64::from(to) / f64::from(from);
    let cutoff = ratio.min(1.0) * 0.95;
    let half = 16.0 / cutoff.min(1.0); // taps on each side, in input samples
    let out_len = (input.len() as f64 * ratio).floor() as usize;
    (0..out_len)
        .map(|i| {
            let center = i as f64 / ratio;
            let lo = (center - half).ceil().max(0.0) as usize;
            let hi = ((center + half).floor() as usize).min(input.len() - 1);
            let mut acc = 0.0;
            let mut norm = 0.0;
            for (j, x) in input.iter().enumerate().take(hi + 1).skip(lo) {
                let t = j as f64 - center;
                let sinc = if t == 0.0 {
                    1.0
                } else {
                    let a = std::f64::consts::PI * t * cutoff;
                    a.sin() / a
                };
                let window = 0.5 + 0.5 * (std::f64::consts::PI * t / half).cos();
                let w = sinc * window;
                acc += f64::from(*x) * w;
                norm += w;
            }
            if norm == 0.0 {
                0.0
            } else {
                (acc / norm) as f32
            }
        })
        .collect()
}

/// What the far end sends, written as an 8 kHz mono WAV when the call ends.
#[derive(Debug)]
pub struct WavSink {
    path: PathBuf,
    samples: Vec<i16>,
}

/// The longest call a file sink keeps: four hours.
const MAX_SAMPLES: u64 = RATE as u64 * 60 * 60 * 4;

impl WavSink {
    /// A sink that writes `path` when the call ends; checks now that it can be created.
    ///
    /// # Errors
    /// A sentence naming the file when it cannot be created.
    pub fn create(path: &Path) -> Result<Self, String> {
        std::fs::File::create(path).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        Ok(Self {
            path: path.to_owned(),
            samples: Vec::new(),
        })
    }
}

impl Sink for WavSink {
    fn write(&mut self, offset: u64, pcm: &[i16]) {
        if offset + pcm.len() as u64 > MAX_SAMPLES {
            return;
        }
        let start = offset as usize;
        let end = start + pcm.len();
        if self.samples.len() < end {
            self.samples.resize(end, 0);
        }
        self.samples[start..end].copy_from_slice(pcm);
    }

    fn finish(&mut self) -> Result<(), String> {
        let spec = hound::WavSpec {
            channels: 1,
            sample_rate: RATE,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let fail = |e: hound::Error| format!("cannot write {}: {e}", self.path.display());
        let mut writer = hound::WavWriter::create(&self.path, spec).map_err(fail)?;
        for s in &self.samples {
            writer.write_sample(*s).map_err(fail)?;
        }
        writer.finalize().map_err(fail)
    }
}

/// Sound received is thrown away (a call placed only to send).
#[derive(Debug, Default)]
pub struct Discard;

impl Sink for Discard {
    fn write(&mut self, _offset: u64, _pcm: &[i16]) {}
    fn finish(&mut self) -> Result<(), String> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 440 Hz tone at 48 kHz comes out at 8 kHz with its frequency and level; a 6 kHz tone
    /// (above the new Nyquist frequency) is filtered out rather than folded to 2 kHz.
    #[test]
    fn resampling_keeps_the_tone_and_drops_what_cannot_be_kept() {
        let tone = |hz: f32| -> Vec<f32> {
            (0..48_000)
                .map(|i| 0.5 * (2.0 * std::f32::consts::PI * hz * i as f32 / 48_000.0).sin())
                .collect()
        };
        let rms = |x: &[f32]| (x.iter().map(|s| s * s).sum::<f32>() / x.len() as f32).sqrt();
        let kept = resample(&tone(440.0), 48_000, 8_000);
        assert_eq!(kept.len(), 8_000);
        let crossings = kept[400..7_600]
            .windows(2)
            .filter(|w| (w[0] < 0.0) != (w[1] < 0.0))
            .count();
        assert!((crossings as f32 / 0.9 - 880.0).abs() < 6.0, "{crossings}");
        assert!((rms(&kept[400..7_600]) - 0.354).abs() < 0.02);
        let folded = resample(&tone(6_000.0), 48_000, 8_000);
        assert!(
            rms(&folded[400..7_600]) < 0.02,
            "{}",
            rms(&folded[400..7_600])
        );
    }

    #[test]
    fn the_sink_places_packets_by_timestamp() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.wav");
        let mut sink = WavSink::create(&path).unwrap();
        sink.write(320, &[3; 160]);
        sink.write(0, &[1; 160]); // late
        sink.finish().unwrap();
        let samples: Vec<i16> = hound::WavReader::open(&path)
            .unwrap()
            .samples::<i16>()
            .map(Result::unwrap)
            .collect();
        assert_eq!(samples.len(), 480);
        assert!(samples[..160].iter().all(|s| *s == 1));
        assert!(samples[160..320].iter().all(|s| *s == 0));
        assert!(samples[320..].iter().all(|s| *s == 3));
    }

    #[test]
    fn a_file_that_is_not_wav_says_so() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.wav");
        std::fs::write(&path, b"not a wav file at all").unwrap();
        let err = WavSource::open(&path).unwrap_err();
        assert!(
            err.contains("cannot read") && err.contains("bad.wav"),
            "{err}"
        );
    }
}
