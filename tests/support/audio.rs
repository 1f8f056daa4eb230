//! Sound for the tests: speech made with espeak-ng and encoded with lame at test time (nothing
//! is committed), and a recorder of the PipeWire null sink's monitor (`scripts/with-audio.sh`)
//! proving sound went out.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// The null sink `scripts/with-audio.sh` made the default output.
pub fn test_sink() -> String {
    std::env::var("SWITCHBOARD_TEST_SINK").expect(
        "audio tests run inside scripts/with-audio.sh (PipeWire with a null sink); scripts/test.sh does that",
    )
}

/// Speech saying `text`, as mono 32 kbps MP3 like Twilio's recordings.
pub fn speech_mp3(dir: &Path, name: &str, text: &str) -> PathBuf {
    let wav = dir.join(format!("{name}.wav"));
    let mp3 = dir.join(format!("{name}.mp3"));
    let spoke = Command::new("espeak-ng")
        .args(["-v", "en-us", "-s", "160", "-w"])
        .arg(&wav)
        .arg(text)
        .status()
        .expect("espeak-ng runs");
    assert!(spoke.success());
    let encoded = Command::new("lame")
        .args(["--quiet", "-m", "m", "-b", "32"])
        .arg(&wav)
        .arg(&mp3)
        .status()
        .expect("lame runs");
    assert!(encoded.success());
    mp3
}

/// Records the monitor of `sink` as raw mono 16-bit samples at 16 kHz until stopped.
pub struct MonitorRecorder {
    child: Child,
    file: PathBuf,
}

impl MonitorRecorder {
    pub fn start(sink: &str, file: PathBuf) -> Self {
        let child = Command::new("parecord")
            .args([
                &format!("--device={sink}.monitor"),
                "--raw",
                "--format=s16le",
                "--rate=16000",
                "--channels=1",
                "--latency-msec=20",
            ])
            .arg(&file)
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("parecord runs");
        // Let the recording stream connect before anything plays.
        std::thread::sleep(std::time::Duration::from_millis(300));
        Self { child, file }
    }

    /// Stops and returns the samples, scaled to -1..1.
    pub fn stop(mut self) -> Vec<f32> {
        let _ = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
        let bytes = std::fs::read(&self.file).unwrap_or_default();
        bytes
            .chunks_exact(2)
            .map(|b| f32::from(i16::from_le_bytes([b[0], b[1]])) / 32768.0)
            .collect()
    }
}

/// RMS of each 50 ms window of 16 kHz samples.
pub fn window_rms(samples: &[f32]) -> Vec<f32> {
    samples
        .chunks(800)
        .map(|w| (w.iter().map(|s| s * s).sum::<f32>() / w.len() as f32).sqrt())
        .collect()
}

/// Seconds of `samples` (16 kHz) whose 50 ms windows are louder than `floor` RMS.
pub fn loud_seconds(samples: &[f32], floor: f32) -> f32 {
    window_rms(samples).iter().filter(|r| **r > floor).count() as f32 * 0.05
}

/// The Goertzel power of `hz` in `samples` at `rate`, per sample.
pub fn power(samples: &[f32], rate: u32, hz: f32) -> f32 {
    let w = 2.0 * std::f32::consts::PI * hz / rate as f32;
    let coeff = 2.0 * w.cos();
    let (mut s1, mut s2) = (0f32, 0f32);
    for x in samples {
        let s0 = x + coeff * s1 - s2;
        s2 = s1;
        s1 = s0;
    }
    (s1 * s1 + s2 * s2 - coeff * s1 * s2) / samples.len().max(1) as f32
}

/// The strongest of `candidates` (Hz) in `samples` at `rate`, by the Goertzel algorithm.
pub fn strongest(samples: &[f32], rate: u32, candidates: &[f32]) -> f32 {
    *candidates
        .iter()
        .max_by(|a, b| power(samples, rate, **a).total_cmp(&power(samples, rate, **b)))
        .unwrap()
}
