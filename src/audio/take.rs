//! Turning a recording into a greeting callers hear well: silence trimmed at both ends (with
//! handles the user can move), peak-normalized, resampled to 16 kHz with a windowed-sinc
//! low-pass (no aliasing), and written as mono 16-bit PCM WAV, which Twilio's `<Play>` takes.
//! Files given to publish are checked the same way.

use std::io::Cursor;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::error::{Code, Error};

/// The sample rate greetings are published at.
pub const GREETING_RATE: u32 = 16_000;

/// The shortest greeting worth publishing.
pub const MIN_GREETING_MS: u64 = 1000;

/// The longest greeting.
pub const MAX_GREETING_MS: u64 = 120_000;

/// Where the peak is brought to: -1 dBFS.
pub const TARGET_PEAK: f32 = 0.891;

/// Below this (about -40 dBFS RMS over 20 ms) is silence.
const SILENCE_RMS: f32 = 0.01;

/// Kept before the first and after the last sound, so words are not clipped.
const PAD_MS: u64 = 150;

/// The part of a recording to keep, in milliseconds from its start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Trim {
    /// First millisecond kept.
    #[ts(type = "number")]
    pub start_ms: u64,
    /// First millisecond dropped at the end.
    #[ts(type = "number")]
    pub end_ms: u64,
}

/// A finished recording's shape, for the editor.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct TakeSummary {
    /// The whole take's length.
    #[ts(type = "number")]
    pub duration_ms: u64,
    /// The trim found automatically (the user may move it).
    pub trim: Trim,
    /// 400 peaks over the whole take, 0..=1, for drawing it with the trim handles.
    pub peaks: Vec<f32>,
    /// The device it was recorded from.
    pub device: String,
}

/// Where sound starts and ends in `samples` at `rate`, padded; `None` when it is all silence.
pub fn find_trim(samples: &[f32], rate: u32) -> Option<Trim> {
    let window = (rate as usize / 50).max(1); // 20 ms
    let loud: Vec<bool> = samples
        .chunks(window)
        .map(|w| (w.iter().map(|s| s * s).sum::<f32>() / w.len() as f32).sqrt() > SILENCE_RMS)
        .collect();
    let first = loud.iter().position(|l| *l)?;
    let last = loud.iter().rposition(|l| *l)?;
    let ms = |windows: usize| (windows * window) as u64 * 1000 / u64::from(rate);
    let total = samples.len() as u64 * 1000 / u64::from(rate);
    Some(Trim {
        start_ms: ms(first).saturating_sub(PAD_MS),
        end_ms: (ms(last + 1) + PAD_MS).min(total),
    })
}

/// Scales `samples` so the loudest is [`TARGET_PEAK`].
pub fn normalize_peak(samples: &mut [f32]) {
    let peak = samples.iter().fold(0f32, |m, s| m.max(s.abs()));
    if peak > 0.0 {
        let gain = TARGET_PEAK / peak;
        for s in samples {
            *s *= gain;
        }
    }
}

/// Resamples mono `samples` from `from` to `to` Hz with a Blackman-windowed sinc low-pass at
/// the lower Nyquist frequency (32 zero crossings a side), so downsampling does not alias.
pub fn resample(samples: &[f32], from: u32, to: u32) -> Vec<f32> {
    if from == to || samples.is_empty() {
        return samples.to_vec();
    }
    const HALF: f64 = 32.0;
    const PHASES: usize = 256;
    let ratio = f64::from(to) / f64::from(from);
    // Cut-off as a fraction of the input rate, a little below Nyquist for the transition band.
    let cutoff = 0.5 * ratio.min(1.0) * 0.95;
    let reach = (HALF / (2.0 * cutoff)).ceil() as i64;
    let taps = (2 * reach + 1) as usize;
    // The filter at PHASES fractional offsets, each normalized to unity gain.
    let table: Vec<Vec<f32>> = (0..PHASES)
        .map(|p| {
            let frac = p as f64 / PHASES as f64;
            let raw: Vec<f64> = (-reach..=reach)
                .map(|k| {
                    let x = k as f64 - frac;
                    2.0 * cutoff * sinc(2.0 * cutoff * x) * blackman(x / (reach as f64 + 1.0))
                })
                .collect();
            let sum: f64 = raw.iter().sum();
            raw.iter().map(|w| (w / sum) as f32).collect()
        })
        .collect();
    let out_len = (samples.len() as f64 * ratio).round() as usize;
    let last = samples.len() as i64 - 1;
    let mut out = Vec::with_capacity(out_len);
    for n in 0..out_len {
        let centre = n as f64 / ratio;
        let base = centre.floor() as i64;
        let phase = (((centre - base as f64) * PHASES as f64).round() as usize).min(PHASES - 1);
        let weights = &table[phase];
        let start = base - reach;
        let mut acc = 0f32;
        if start >= 0 && start + taps as i64 - 1 <= last {
            let window = &samples[start as usize..start as usize + taps];
            for (w, s) in weights.iter().zip(window) {
                acc += w * s;
            }
        } else {
            for (k, w) in weights.iter().enumerate() {
                let i = start + k as i64;
                if (0..=last).contains(&i) {
                    acc += w * samples[i as usize];
                }
            }
        }
        out.push(acc);
    }
    out
}

fn sinc(x: f64) -> f64 {
    if x.abs() < 1e-12 {
        1.0
    } else {
        let px = std::f64::consts::PI * x;
        px.sin() / px
    }
}

/// Blackman window over -1..=1.
fn blackman(t: f64) -> f64 {
    if t.abs() >= 1.0 {
        return 0.0;
    }
    let a = std::f64::consts::PI * (t + 1.0);
    0.42 - 0.5 * a.cos() + 0.08 * (2.0 * a).cos()
}

/// The greeting from a take: `trim` applied, normalized, at [`GREETING_RATE`], as WAV bytes.
///
/// # Errors
/// [`Code::InvalidInput`] for a trim outside the take, a result under a second, or silence.
pub fn greeting_wav(samples: &[f32], rate: u32, trim: Trim) -> Result<Vec<u8>, Error> {
    let total = samples.len() as u64 * 1000 / u64::from(rate.max(1));
    if trim.start_ms >= trim.end_ms || trim.end_ms > total + 1 {
        return Err(Error::new(
            Code::InvalidInput,
            format!(
                "The trim {}–{} ms is outside the {total} ms recording.",
                trim.start_ms, trim.end_ms
            ),
        ));
    }
    let at = |ms: u64| ((ms * u64::from(rate)) / 1000) as usize;
    let kept = &samples[at(trim.start_ms).min(samples.len())..at(trim.end_ms).min(samples.len())];
    check_sound(kept, rate)?;
    let mut out = resample(kept, rate, GREETING_RATE);
    normalize_peak(&mut out);
    encode_wav(&out, GREETING_RATE)
}

fn check_sound(samples: &[f32], rate: u32) -> Result<(), Error> {
    let ms = samples.len() as u64 * 1000 / u64::from(rate.max(1));
    if ms < MIN_GREETING_MS {
        return Err(Error::new(
            Code::InvalidInput,
            format!("The greeting is too short ({ms} ms): record at least a second of speech."),
        ));
    }
    if ms > MAX_GREETING_MS + 500 {
        return Err(Error::new(
            Code::InvalidInput,
            format!(
                "The greeting is {} s long; keep it to {} s.",
                ms / 1000,
                MAX_GREETING_MS / 1000
            ),
        ));
    }
    if find_trim(samples, rate).is_none() {
        return Err(Error::new(
            Code::InvalidInput,
            "The recording is silent: check the microphone is on, not muted, and chosen in the list, then record again.",
        ));
    }
    Ok(())
}

/// Mono 16-bit PCM WAV bytes of `samples` at `rate`.
///
/// # Errors
/// Only if encoding fails, which it does not for in-memory output.
pub fn encode_wav(samples: &[f32], rate: u32) -> Result<Vec<u8>, Error> {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: rate,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut bytes = Cursor::new(Vec::new());
    let mut writer = hound::WavWriter::new(&mut bytes, spec)
        .map_err(|e| Error::new(Code::Internal, format!("Cannot encode WAV ({e}).")))?;
    for s in samples {
        let v = (s.clamp(-1.0, 1.0) * 32767.0).round() as i16;
        writer
            .write_sample(v)
            .map_err(|e| Error::new(Code::Internal, format!("Cannot encode WAV ({e}).")))?;
    }
    writer
        .finalize()
        .map_err(|e| Error::new(Code::Internal, format!("Cannot encode WAV ({e}).")))?;
    Ok(bytes.into_inner())
}

/// What a WAV file holds.
#[derive(Debug, Clone, PartialEq)]
pub struct WavAudio {
    /// Mono samples (channels averaged), -1..=1.
    pub samples: Vec<f32>,
    /// Samples per second.
    pub rate: u32,
}

/// Reads a WAV file given for publishing: PCM (8 to 32 bits) or float, any channels.
///
/// # Errors
/// [`Code::InvalidInput`] saying what is wrong with it.
pub fn read_wav(bytes: &[u8]) -> Result<WavAudio, Error> {
    let bad = |m: String| Error::new(Code::InvalidInput, m);
    let reader = hound::WavReader::new(Cursor::new(bytes))
        .map_err(|e| bad(format!("This is not a WAV file Switchboard can read ({e}). Export the greeting as WAV (PCM), then try again.")))?;
    let spec = reader.spec();
    // Every length in milliseconds is divided by the rate, which a header may claim is 0.
    if spec.sample_rate == 0 {
        return Err(bad(
            "The WAV file says its sample rate is 0 Hz, so it is damaged. Export the greeting as WAV (PCM), then try again.".into(),
        ));
    }
    let channels = usize::from(spec.channels.max(1));
    let interleaved: Result<Vec<f32>, hound::Error> = match spec.sample_format {
        // Float samples may be anything, NaN and infinities too: kept to -1..=1 as documented
        // (a huge one would overflow the resampler into a silent greeting).
        hound::SampleFormat::Float => reader
            .into_samples::<f32>()
            .map(|s| s.map(|v| if v.is_nan() { 0.0 } else { v.clamp(-1.0, 1.0) }))
            .collect(),
        hound::SampleFormat::Int => {
            let scale = 1.0 / (1i64 << (spec.bits_per_sample.clamp(8, 32) - 1)) as f32;
            reader
                .into_samples::<i32>()
                .map(|s| s.map(|v| v as f32 * scale))
                .collect()
        }
    };
    let interleaved = interleaved.map_err(|e| bad(format!("The WAV file is damaged ({e}).")))?;
    let samples: Vec<f32> = interleaved
        .chunks(channels)
        .map(|f| f.iter().sum::<f32>() / f.len() as f32)
        .collect();
    Ok(WavAudio {
        samples,
        rate: spec.sample_rate,
    })
}

/// A WAV file made ready to publish: checked, trimmed, normalized and converted.
///
/// # Errors
/// As [`read_wav`] and [`greeting_wav`].
pub fn prepare_wav_file(bytes: &[u8]) -> Result<Vec<u8>, Error> {
    let audio = read_wav(bytes)?;
    check_sound(&audio.samples, audio.rate)?;
    let trim = find_trim(&audio.samples, audio.rate)
        .ok_or_else(|| Error::new(Code::InvalidInput, "The recording is silent."))?;
    greeting_wav(&audio.samples, audio.rate, trim)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(freq: f32, rate: u32, ms: u64, amp: f32) -> Vec<f32> {
        (0..(rate as u64 * ms / 1000))
            .map(|i| amp * (2.0 * std::f32::consts::PI * freq * i as f32 / rate as f32).sin())
            .collect()
    }

    fn rms(s: &[f32]) -> f32 {
        (s.iter().map(|x| x * x).sum::<f32>() / s.len() as f32).sqrt()
    }

    #[test]
    fn silence_is_trimmed_with_padding() {
        let mut take = vec![0.0; 48_000]; // 1 s
        take.extend(tone(440.0, 48_000, 2000, 0.3));
        take.extend(vec![0.0; 96_000]); // 2 s
        let trim = find_trim(&take, 48_000).unwrap();
        assert!((840..=860).contains(&trim.start_ms), "{trim:?}");
        assert!((3140..=3160).contains(&trim.end_ms), "{trim:?}");
        assert_eq!(find_trim(&vec![0.001; 48_000], 48_000), None);
    }

    #[test]
    fn resampling_keeps_a_tone_and_removes_what_the_new_rate_cannot_hold() {
        let kept = resample(&tone(1000.0, 48_000, 500, 0.5), 48_000, 16_000);
        assert_eq!(kept.len(), 8000);
        let middle = &kept[1000..7000];
        assert!(
            (rms(middle) - 0.5 / 2f32.sqrt()).abs() < 0.01,
            "{}",
            rms(middle)
        );
        // 11 kHz is above the new Nyquist (8 kHz): it must not fold back as a 5 kHz alias.
        let aliased = resample(&tone(11_000.0, 48_000, 500, 0.5), 48_000, 16_000);
        assert!(
            rms(&aliased[1000..7000]) < 0.005,
            "{}",
            rms(&aliased[1000..7000])
        );
        let up = resample(&tone(300.0, 8000, 500, 0.5), 8000, 16_000);
        assert_eq!(up.len(), 8000);
        assert!((rms(&up[1000..7000]) - 0.5 / 2f32.sqrt()).abs() < 0.01);
    }

    #[test]
    fn a_take_becomes_a_normalized_16_khz_mono_wav() {
        let mut take = vec![0.0; 24_000];
        take.extend(tone(440.0, 48_000, 1500, 0.2));
        take.extend(vec![0.0; 24_000]);
        let trim = find_trim(&take, 48_000).unwrap();
        let wav = greeting_wav(&take, 48_000, trim).unwrap();
        let audio = read_wav(&wav).unwrap();
        assert_eq!(audio.rate, GREETING_RATE);
        let peak = audio.samples.iter().fold(0f32, |m, s| m.max(s.abs()));
        assert!((peak - TARGET_PEAK).abs() < 0.01, "{peak}");
        let ms = audio.samples.len() as u64 * 1000 / 16_000;
        assert!((1700..=1900).contains(&ms), "{ms} ms after trimming");
    }

    #[test]
    fn silent_short_and_unreadable_files_are_refused() {
        let silent = encode_wav(&vec![0.0; 32_000], 16_000).unwrap();
        assert!(
            prepare_wav_file(&silent)
                .unwrap_err()
                .message
                .contains("silent")
        );
        let short = encode_wav(&tone(440.0, 16_000, 400, 0.5), 16_000).unwrap();
        assert!(
            prepare_wav_file(&short)
                .unwrap_err()
                .message
                .contains("too short")
        );
        let err = prepare_wav_file(b"ID3 this is an mp3").unwrap_err();
        assert_eq!(err.code, Code::InvalidInput);
        assert!(err.message.contains("not a WAV file"));
        let stereo_8bit = {
            let spec = hound::WavSpec {
                channels: 2,
                sample_rate: 8000,
                bits_per_sample: 8,
                sample_format: hound::SampleFormat::Int,
            };
            let mut c = Cursor::new(Vec::new());
            let mut w = hound::WavWriter::new(&mut c, spec).unwrap();
            for s in tone(440.0, 8000, 1500, 0.5) {
                let v = (s * 127.0) as i8;
                w.write_sample(v).unwrap();
                w.write_sample(v).unwrap();
            }
            w.finalize().unwrap();
            c.into_inner()
        };
        let wav = prepare_wav_file(&stereo_8bit).unwrap();
        assert_eq!(read_wav(&wav).unwrap().rate, GREETING_RATE);
    }
}
