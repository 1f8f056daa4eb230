//! Checking a voicemail's audio before it is trusted, and the peaks its waveform is drawn from.
//!
//! A file is accepted only when it is non-empty, not absurdly large, starts like MP3, decodes,
//! and lasts about as long as Twilio (or the file's own header) says: a download cut short
//! decodes fine up to the cut, so its length is what gives it away.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;
use std::time::Duration;

use rodio::{Decoder, Source};

/// How many buckets a waveform has.
pub const PEAK_BUCKETS: usize = 400;

/// Larger files are refused: a voicemail is at most a few minutes of mono MP3.
pub const MAX_AUDIO_BYTES: u64 = 64 * 1024 * 1024;

/// What a checked file holds.
#[derive(Debug, Clone, PartialEq)]
pub struct Analysis {
    /// How long it plays.
    pub duration: Duration,
    /// Samples per second.
    pub sample_rate: u32,
    /// Channels.
    pub channels: u16,
    /// [`PEAK_BUCKETS`] values in 0..=1: the loudest sample of each slice of the message.
    pub peaks: Vec<f32>,
}

/// Why a file cannot be played.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AudioProblem {
    /// The file is not there.
    #[error("the audio file is missing")]
    Missing,
    /// The file could not be read.
    #[error("the audio file cannot be read: {0}")]
    Unreadable(String),
    /// Zero bytes.
    #[error("the audio file is empty")]
    Empty,
    /// Over [`MAX_AUDIO_BYTES`].
    #[error("the audio file is {0} bytes, too large for a voicemail")]
    TooLarge(u64),
    /// Not MP3 at all.
    #[error("the audio file is not MP3")]
    NotMp3,
    /// MP3 on the outside, but nothing decodes.
    #[error("the audio file is damaged and cannot be decoded ({0})")]
    Corrupt(String),
    /// It decodes, but stops well before its stated length.
    #[error(
        "the audio file is cut short: it plays {played_ms} ms of the {expected_ms} ms expected"
    )]
    Truncated {
        /// What decoded.
        played_ms: u64,
        /// What the recording should last.
        expected_ms: u64,
    },
}

impl AudioProblem {
    /// Whether downloading the audio again may fix it (everything but a file that is too large).
    pub fn redownload_helps(&self) -> bool {
        !matches!(self, Self::TooLarge(_))
    }
}

/// Checks the MP3 at `path` and computes its waveform peaks. `expected` is the recording's
/// length as Twilio reports it, when known.
///
/// # Errors
/// An [`AudioProblem`] saying what is wrong with the file.
pub fn analyse_file(path: &Path, expected: Option<Duration>) -> Result<Analysis, AudioProblem> {
    let meta = std::fs::metadata(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => AudioProblem::Missing,
        _ => AudioProblem::Unreadable(e.to_string()),
    })?;
    let bytes = meta.len();
    if bytes == 0 {
        return Err(AudioProblem::Empty);
    }
    if bytes > MAX_AUDIO_BYTES {
        return Err(AudioProblem::TooLarge(bytes));
    }
    let mut file = File::open(path).map_err(|e| AudioProblem::Unreadable(e.to_string()))?;
    let mut head = [0u8; 3];
    file.read_exact(&mut head)
        .map_err(|_| AudioProblem::NotMp3)?;
    if !looks_like_mp3(&head) {
        return Err(AudioProblem::NotMp3);
    }
    let file = File::open(path).map_err(|e| AudioProblem::Unreadable(e.to_string()))?;
    let decoder = Decoder::builder()
        .with_data(BufReader::new(file))
        .with_byte_len(bytes)
        .with_hint("mp3")
        .with_mime_type("audio/mpeg")
        .with_seekable(true)
        .build()
        .map_err(|e| AudioProblem::Corrupt(e.to_string()))?;
    let channels = decoder.channels().get();
    let sample_rate = decoder.sample_rate().get();
    let stated = decoder.total_duration();

    // The loudest sample of every 10 ms window, folded into buckets once the length is known.
    let window = (sample_rate as usize / 100).max(1) * channels as usize;
    let mut windows: Vec<f32> = Vec::new();
    let (mut count, mut loudest, mut total) = (0usize, 0f32, 0u64);
    for sample in decoder {
        loudest = loudest.max(sample.abs());
        count += 1;
        total += 1;
        if count == window {
            windows.push(loudest);
            (count, loudest) = (0, 0.0);
        }
    }
    if count > 0 {
        windows.push(loudest);
    }
    if total == 0 {
        return Err(AudioProblem::Corrupt("no audio frames".into()));
    }
    let frames = total / u64::from(channels);
    let duration = Duration::from_micros(frames * 1_000_000 / u64::from(sample_rate));
    // Twilio's length is whole seconds, rounded; a header's is exact. A file that stops more
    // than a second and a tenth short of either was cut off.
    let expected = [expected, stated].into_iter().flatten().max();
    if let Some(expected) = expected
        && duration + Duration::from_millis(1000) + expected / 10 < expected
    {
        return Err(AudioProblem::Truncated {
            played_ms: duration.as_millis() as u64,
            expected_ms: expected.as_millis() as u64,
        });
    }
    Ok(Analysis {
        duration,
        sample_rate,
        channels,
        peaks: fold_peaks(&windows, PEAK_BUCKETS),
    })
}

/// An ID3 tag or an MPEG audio frame sync.
pub fn looks_like_mp3(head: &[u8; 3]) -> bool {
    head == b"ID3" || (head[0] == 0xFF && head[1] & 0xE0 == 0xE0)
}

/// `buckets` maxima over `windows`, scaled so the loudest is 1 (quiet messages still show a
/// shape), each in 0..=1.
pub(crate) fn fold_peaks(windows: &[f32], buckets: usize) -> Vec<f32> {
    if windows.is_empty() {
        return vec![0.0; buckets];
    }
    let mut out = Vec::with_capacity(buckets);
    for b in 0..buckets {
        let start = b * windows.len() / buckets;
        let end = ((b + 1) * windows.len() / buckets)
            .max(start + 1)
            .min(windows.len());
        let peak = windows
            .get(start..end)
            .map_or(0.0, |w| w.iter().copied().fold(0.0, f32::max));
        out.push(peak);
    }
    let top = out.iter().copied().fold(0.0, f32::max);
    if top > 0.0 {
        for p in &mut out {
            *p = (*p / top).clamp(0.0, 1.0);
        }
    }
    out
}

/// Peaks as stored: one byte each.
pub fn peaks_to_bytes(peaks: &[f32]) -> Vec<u8> {
    peaks
        .iter()
        .map(|p| (p.clamp(0.0, 1.0) * 255.0).round() as u8)
        .collect()
}

/// Peaks from their stored bytes.
pub fn peaks_from_bytes(bytes: &[u8]) -> Vec<f32> {
    bytes.iter().map(|b| f32::from(*b) / 255.0).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peaks_fold_into_buckets_scaled_to_the_loudest() {
        let windows = [0.1, 0.2, 0.5, 0.25, 0.0, 0.05, 0.4, 0.3];
        assert_eq!(fold_peaks(&windows, 4), vec![0.4, 1.0, 0.1, 0.8]);
        // More buckets than windows: each bucket still covers a window.
        let many = fold_peaks(&[0.5, 1.0], 4);
        assert_eq!(many, vec![0.5, 0.5, 1.0, 1.0]);
        assert_eq!(fold_peaks(&[], 3), vec![0.0; 3]);
    }

    #[test]
    fn stored_peaks_round_trip_within_a_step() {
        let peaks = vec![0.0, 0.25, 0.5, 1.0];
        let back = peaks_from_bytes(&peaks_to_bytes(&peaks));
        for (a, b) in peaks.iter().zip(back) {
            assert!((a - b).abs() <= 1.0 / 255.0);
        }
    }

    #[test]
    fn files_that_are_not_audio_are_named_for_what_they_are() {
        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("empty.mp3");
        std::fs::write(&empty, b"").unwrap();
        assert_eq!(analyse_file(&empty, None), Err(AudioProblem::Empty));
        let html = dir.path().join("page.mp3");
        std::fs::write(&html, b"<html>Service Unavailable</html>").unwrap();
        assert_eq!(analyse_file(&html, None), Err(AudioProblem::NotMp3));
        assert_eq!(
            analyse_file(&dir.path().join("gone.mp3"), None),
            Err(AudioProblem::Missing)
        );
        let junk = dir.path().join("junk.mp3");
        let mut bytes = b"ID3\x04\x00\x00\x00\x00\x00\x00".to_vec();
        bytes.extend((0..20_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8 & 0x7F));
        std::fs::write(&junk, bytes).unwrap();
        assert!(matches!(
            analyse_file(&junk, None),
            Err(AudioProblem::Corrupt(_))
        ));
    }
}
