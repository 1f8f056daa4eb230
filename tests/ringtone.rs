//! The ringtone of incoming calls through rodio on a real (null) output: the North American
//! ring (440 Hz with 480 Hz, two seconds on, four off) reaches the sink, stops when told, and
//! a chosen output that is gone falls back to the default.

mod support;

use std::time::Duration;

use support::audio::{MonitorRecorder, loud_seconds, strongest, test_sink, window_rms};
use switchboard::audio::Ringtone;

#[test]
fn the_ring_sounds_on_the_output_until_it_is_stopped() {
    let sink = test_sink();
    let dir = tempfile::tempdir().unwrap();
    let recorder = MonitorRecorder::start(&sink, dir.path().join("ring.raw"));
    let ringtone = Ringtone::new();
    // A device that is not there: the default output (the null sink) rings instead.
    let device = ringtone
        .start(Some("alsa:no-such-card".into()), None)
        .unwrap();
    assert!(!device.is_empty());
    assert!(ringtone.ringing());
    assert_eq!(
        ringtone.start(None, None).unwrap(),
        "",
        "ringing already: nothing new"
    );
    std::thread::sleep(Duration::from_millis(2600));
    ringtone.stop();
    assert!(!ringtone.ringing());
    std::thread::sleep(Duration::from_millis(700));
    let samples = recorder.stop();

    let loud = loud_seconds(&samples, 0.02);
    assert!(
        (1.6..=2.3).contains(&loud),
        "about two seconds of ring, got {loud} s"
    );
    let rms = window_rms(&samples);
    let first = rms
        .iter()
        .position(|r| *r > 0.02)
        .expect("the ring was heard");
    let ring = &samples[first * 800..(first * 800 + 16_000).min(samples.len())];
    assert_eq!(
        strongest(ring, 16_000, &[350.0, 440.0, 620.0, 1000.0]),
        440.0
    );
    assert_eq!(
        strongest(ring, 16_000, &[480.0, 400.0, 770.0, 1209.0]),
        480.0
    );
    let tail = &rms[rms.len().saturating_sub(6)..];
    assert!(
        tail.iter().all(|r| *r < 0.005),
        "silent once stopped: {tail:?}"
    );
}
