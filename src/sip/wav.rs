//! Headless media for scripts and tests: a WAV file sent instead of the microphone, and what
//! the far end sends written to a WAV file instead of played.

use std::path::{Path, PathBuf};

use super::media::{FRAME, RATE, Sink, Source};
use super::resample::Resampler;

/// The lowest sample rate a WAV file to send may have.
const MIN_FILE_RATE: u32 = 1_000;
/// The highest.
const MAX_FILE_RATE: u32 = 768_000;

/// A WAV file, converted once to 8 kHz mono, sent from the start; silence after its end.
#[derive(Debug)]
pub struct WavSource {
    samples: Vec<i16>,
    at: usize,
}

impl WavSource {
    /// Reads `path`: PCM 8 to 32 bit integer or 32-bit float, at 1 to 768 kHz, any channel
    /// count.
    ///
    /// # Errors
    /// A sentence naming the file and what is wrong with it.
    pub fn open(path: &Path) -> Result<Self, String> {
        let name = path.display();
        let mut reader = hound::WavReader::open(path)
            .map_err(|e| format!("cannot read {name} as a WAV file: {e}"))?;
        let spec = reader.spec();
        // A header may claim any rate: 0 Hz would never advance the resampler, and billions of
        // Hz would build a filter of gigabytes.
        if !(MIN_FILE_RATE..=MAX_FILE_RATE).contains(&spec.sample_rate) {
            return Err(format!(
                "{name} says its sample rate is {} Hz; a WAV file to send must be {} kHz to {} kHz",
                spec.sample_rate,
                MIN_FILE_RATE / 1000,
                MAX_FILE_RATE / 1000
            ));
        }
        let channels = usize::from(spec.channels.max(1));
        let interleaved: Vec<f32> = match spec.sample_format {
            hound::SampleFormat::Float => reader
                .samples::<f32>()
                .collect::<Result<_, _>>()
                .map_err(|e| format!("{name} is damaged: {e}"))?,
            hound::SampleFormat::Int => {
                // Hound reads 8 to 32 bits; the header of a damaged file may claim any width.
                let scale = 1.0 / (1u64 << (spec.bits_per_sample.clamp(8, 32) - 1)) as f32;
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
        let samples = Resampler::convert(spec.sample_rate, RATE, &mono)
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
