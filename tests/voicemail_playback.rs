//! Voicemail playback in the core, on a real sound server: the audio downloaded once with auth,
//! checked and cached, played through rodio onto a PipeWire null sink whose monitor is recorded
//! to prove sound went out; pause, seek, speed and volume; a truncated and a corrupt download
//! refused with a re-download that fixes them; a device that disappears mid-message.
//!
//! Runs inside `scripts/with-audio.sh` (scripts/test.sh does that).
//!
//! Longer than most files on purpose: the tests share one sound server and recorder setup.

mod support;

use std::process::Command;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use support::audio::{MonitorRecorder, loud_seconds, speech_mp3, test_sink};
use support::fake_twilio::{ACCOUNT, FakeTwilio, sid};
use support::moto::Moto;
use switchboard::audio::{
    Playback, PlaybackControl, PlaybackState, Player, PlayerEvent, output_devices,
};
use switchboard::sid::AccountSid;

const SPEECH: &str = "Hi, this is Dana from the plumbing supply. Your order is ready for pickup at the north counter. Call me back when you can.";

struct Fixture {
    /// Scratch space for the speech and the recordings of the sink.
    _dir: tempfile::TempDir,
    core: support::TestCore,
    server: FakeTwilio,
    mp3: Vec<u8>,
}

/// A core with a profile on the fake Twilio, one voicemail (number 0) whose audio is real
/// speech, synced.
async fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let mp3_path = speech_mp3(dir.path(), "speech", SPEECH);
    let mp3 = std::fs::read(&mp3_path).unwrap();
    let seconds = switchboard::audio::analyse_file(&mp3_path, None)
        .unwrap()
        .duration
        .as_secs_f64()
        .round() as u64;
    let server = FakeTwilio::start();
    server.add_voicemails(0, 2, 10);
    server.set_recording_duration(0, seconds);
    server.set_recording_duration(1, seconds);
    server.set_media(mp3.clone());
    let core = support::TestCore::on(&server.url()).await;
    core.sync(|_| {}).await.unwrap();
    Fixture {
        _dir: dir,
        core,
        server,
        mp3,
    }
}

fn collecting_player(output: Option<String>) -> (Player, mpsc::Receiver<PlayerEvent>) {
    let (tx, rx) = mpsc::channel();
    let player = Player::start(output, move |e| {
        let _ = tx.send(e);
    })
    .unwrap();
    (player, rx)
}

/// Waits for a state matching `want`, returning every state seen on the way.
fn wait_for(
    rx: &mpsc::Receiver<PlayerEvent>,
    within: Duration,
    heard: &mut Vec<String>,
    want: impl Fn(&Playback) -> bool,
) -> Vec<Playback> {
    let deadline = Instant::now() + within;
    let mut seen = Vec::new();
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        match rx.recv_timeout(left) {
            Ok(PlayerEvent::State(p)) => {
                let done = want(&p);
                seen.push(p);
                if done {
                    return seen;
                }
            }
            Ok(PlayerEvent::Heard(sid)) => heard.push(sid),
            Err(_) => break,
        }
    }
    panic!(
        "the wanted state did not come within {within:?}; last seen: {:?}",
        seen.last()
    );
}

#[tokio::test]
async fn a_voicemail_downloads_once_plays_through_the_null_sink_and_counts_as_read() {
    let sink = test_sink();
    let f = fixture().await;
    let rec = sid("RE", 0);

    let (track, waveform) = f.core.prepare_voicemail(&rec).await.unwrap();
    assert_eq!(waveform.peaks.len(), switchboard::audio::PEAK_BUCKETS);
    assert!(waveform.peaks.iter().all(|p| (0.0..=1.0).contains(p)));
    assert!(
        waveform.peaks.contains(&1.0),
        "peaks are scaled to the loudest"
    );
    let quiet = waveform.peaks.iter().filter(|p| **p < 0.05).count();
    assert!(
        quiet < waveform.peaks.len() / 2,
        "speech fills most of the message: {quiet} quiet buckets"
    );
    assert!(
        (3_000..20_000).contains(&waveform.duration_ms),
        "{}",
        waveform.duration_ms
    );
    let downloads = || f.server.log().iter().filter(|l| l.contains(".mp3")).count();
    assert_eq!(downloads(), 1);
    // Played from the cache from now on: no second download, the waveform read back.
    let (_, again) = f.core.prepare_voicemail(&rec).await.unwrap();
    assert_eq!(downloads(), 1);
    assert!(
        again
            .peaks
            .iter()
            .zip(&waveform.peaks)
            .all(|(a, b)| (a - b).abs() <= 1.0 / 255.0),
        "the cached waveform is the computed one"
    );

    let recorder = MonitorRecorder::start(&sink, f._dir.path().join("monitor.raw"));
    let (player, rx) = collecting_player(None);
    let started = player.play(track, Duration::ZERO).await.unwrap();
    assert_eq!(started.state, PlaybackState::Playing);
    assert_eq!(started.duration_ms, waveform.duration_ms);
    let mut heard = Vec::new();
    let states = wait_for(
        &rx,
        Duration::from_millis(waveform.duration_ms + 4000),
        &mut heard,
        |p| p.state == PlaybackState::Ended,
    );
    let samples = recorder.stop();

    let positions: Vec<u64> = states
        .iter()
        .filter(|p| p.state == PlaybackState::Playing)
        .map(|p| p.position_ms)
        .collect();
    assert!(
        positions.len() >= 10,
        "about ten updates a second: {positions:?}"
    );
    assert!(
        positions.windows(2).all(|w| w[0] <= w[1]),
        "position only moves on: {positions:?}"
    );
    assert_eq!(states.last().unwrap().position_ms, waveform.duration_ms);
    assert_eq!(
        heard,
        vec![rec.clone()],
        "a message played through counts as heard once"
    );

    // The sink's monitor carried the speech: loud for most of the message's length.
    let loud = loud_seconds(&samples, 0.01);
    let length = waveform.duration_ms as f32 / 1000.0;
    assert!(
        loud > length * 0.5 && loud < length + 1.5,
        "{loud:.2} s of sound captured for a {length:.2} s message ({} samples)",
        samples.len()
    );

    f.core.mark_heard(&rec).await.unwrap();
    let cache = f.core.active_cache().await.unwrap();
    assert_eq!(cache.voicemail(&rec).await.unwrap().unwrap().state, "read");
}

#[tokio::test]
async fn pause_seek_speed_and_volume_steer_the_player() {
    let _sink = test_sink();
    let f = fixture().await;
    let (track, waveform) = f.core.prepare_voicemail(&sid("RE", 0)).await.unwrap();
    let (player, rx) = collecting_player(None);
    let mut heard = Vec::new();
    player.play(track, Duration::ZERO).await.unwrap();
    wait_for(&rx, Duration::from_secs(3), &mut heard, |p| {
        p.state == PlaybackState::Playing && p.position_ms >= 500
    });

    let paused = player.control(PlaybackControl::Pause).await.unwrap();
    assert_eq!(paused.state, PlaybackState::Paused);
    std::thread::sleep(Duration::from_millis(400));
    let still = player.status();
    assert!(
        still.position_ms.abs_diff(paused.position_ms) < 150,
        "paused stays put: {} then {}",
        paused.position_ms,
        still.position_ms
    );

    let target = waveform.duration_ms / 2;
    let sought = player
        .control(PlaybackControl::Seek {
            position_ms: target,
        })
        .await
        .unwrap();
    assert_eq!(sought.position_ms, target);
    assert_eq!(sought.state, PlaybackState::Paused);
    let beyond = player
        .control(PlaybackControl::Seek {
            position_ms: u64::MAX / 2,
        })
        .await
        .unwrap();
    assert_eq!(
        beyond.position_ms, waveform.duration_ms,
        "seeking is clamped to the end"
    );
    player
        .control(PlaybackControl::Seek { position_ms: 500 })
        .await
        .unwrap();

    let fast = player
        .control(PlaybackControl::Speed { speed: 2.0 })
        .await
        .unwrap();
    assert_eq!(fast.speed, 2.0);
    assert!(
        player
            .control(PlaybackControl::Speed { speed: 3.0 })
            .await
            .is_err()
    );
    let quiet = player
        .control(PlaybackControl::Volume { volume: 0.25 })
        .await
        .unwrap();
    assert_eq!(quiet.volume, 0.25);
    assert!(
        player
            .control(PlaybackControl::Volume { volume: 1.5 })
            .await
            .is_err()
    );

    player.control(PlaybackControl::Resume).await.unwrap();
    let t0 = Instant::now();
    let from = player.status().position_ms;
    std::thread::sleep(Duration::from_millis(1000));
    let moved = player.status().position_ms - from;
    let wall = t0.elapsed().as_millis() as u64;
    assert!(
        moved as f64 > wall as f64 * 1.6 && (moved as f64) < wall as f64 * 2.4,
        "at 2x, {moved} ms of message in {wall} ms"
    );

    let stopped = player.control(PlaybackControl::Stop).await.unwrap();
    assert_eq!(stopped.state, PlaybackState::Idle);
    assert_eq!(stopped.recording_sid, None);
    assert_eq!(stopped.speed, 2.0, "speed is kept for the next message");
    assert!(player.control(PlaybackControl::Resume).await.is_err());
}

#[tokio::test]
async fn truncated_and_corrupt_audio_is_refused_and_downloading_again_fixes_it() {
    let f = fixture().await;
    let rec = sid("RE", 0);

    // A download cut short: it decodes, but lasts half the recording.
    f.server.set_media(f.mp3[..f.mp3.len() / 2].to_vec());
    let err = f.core.prepare_voicemail(&rec).await.unwrap_err();
    assert!(err.redownload, "{err:?}");
    assert!(err.message.contains("cut short"), "{}", err.message);
    assert!(err.message.contains("Download it again"), "{}", err.message);

    // Garbage behind an ID3 tag: nothing decodes.
    let mut corrupt = b"ID3\x04\x00\x00\x00\x00\x00\x00".to_vec();
    corrupt.extend((0..30_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8 & 0x7F));
    f.server.set_media(corrupt);
    let err = f.core.redownload_voicemail(&rec).await.unwrap_err();
    assert!(err.redownload);
    assert!(err.message.contains("damaged"), "{}", err.message);

    // Nothing was lost: the voicemail is still there, and still on Twilio.
    let cache = f.core.active_cache().await.unwrap();
    assert!(cache.voicemail(&rec).await.unwrap().is_some());
    assert!(!f.server.log().iter().any(|l| l.starts_with("DELETE")));

    // Twilio serves the whole file again: downloading again fixes it.
    f.server.set_media(f.mp3.clone());
    let (track, waveform) = f.core.redownload_voicemail(&rec).await.unwrap();
    assert!(waveform.duration_ms > 3000);
    assert_eq!(std::fs::read(&track.path).unwrap(), f.mp3);

    // A cached file changed on disk fails its checksum and is fetched again on the next play.
    std::fs::write(&track.path, b"ID3 scribbled over").unwrap();
    let before = f.server.log().len();
    let (track, _) = f.core.prepare_voicemail(&rec).await.unwrap();
    assert_eq!(std::fs::read(&track.path).unwrap(), f.mp3);
    assert!(f.server.log()[before..].iter().any(|l| l.contains(".mp3")));

    // A failed download says so and keeps nothing half-written.
    f.server.fail_media(true);
    let err = f.core.prepare_voicemail(&sid("RE", 1)).await.unwrap_err();
    assert!(
        err.message.contains("could not be downloaded"),
        "{}",
        err.message
    );
    assert!(err.redownload);
    let audio = f.core.audio_dir(&AccountSid::parse(ACCOUNT).unwrap());
    let leftovers: Vec<_> = std::fs::read_dir(&audio)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.contains(&sid("RE", 1)))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[tokio::test]
async fn a_saved_copy_lands_where_asked_under_a_readable_name() {
    let f = fixture().await;
    let out = tempfile::tempdir().unwrap();
    let first = f
        .core
        .save_voicemail_audio(&sid("RE", 0), Some(out.path().to_path_buf()))
        .await
        .unwrap();
    let second = f
        .core
        .save_voicemail_audio(&sid("RE", 0), Some(out.path().to_path_buf()))
        .await
        .unwrap();
    let name = first.file_name().unwrap().to_string_lossy().into_owned();
    assert!(name.starts_with("Voicemail from +14155550000 "), "{name}");
    assert!(name.ends_with(".mp3"));
    assert_ne!(first, second, "a second save does not overwrite the first");
    assert_eq!(std::fs::read(&first).unwrap(), f.mp3);
    assert_eq!(std::fs::read(&second).unwrap(), f.mp3);
}

#[tokio::test]
async fn playback_moves_to_the_default_output_when_the_chosen_one_disappears() {
    let sink = test_sink();
    let f = fixture().await;
    let loaded = Command::new("pactl")
        .args([
            "load-module",
            "module-null-sink",
            "sink_name=switchboard_headset",
            "sink_properties=device.description=Test-Headset",
        ])
        .output()
        .unwrap();
    assert!(loaded.status.success());
    let module = String::from_utf8(loaded.stdout).unwrap().trim().to_owned();
    let mut headset = None;
    for _ in 0..50 {
        headset = output_devices()
            .unwrap()
            .into_iter()
            .find(|d| d.name.contains("Test-Headset") || d.id.contains("switchboard_headset"));
        if headset.is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let headset =
        headset.unwrap_or_else(|| panic!("the new sink is listed: {:?}", output_devices()));
    assert!(!headset.is_default);

    let (track, _) = f.core.prepare_voicemail(&sid("RE", 0)).await.unwrap();
    let (player, rx) = collecting_player(Some(headset.id.clone()));
    let mut heard = Vec::new();
    let started = player.play(track, Duration::ZERO).await.unwrap();
    assert_eq!(started.device.as_deref(), Some(headset.name.as_str()));
    wait_for(&rx, Duration::from_secs(3), &mut heard, |p| {
        p.position_ms >= 800
    });

    let recorder = MonitorRecorder::start(&sink, f._dir.path().join("after.raw"));
    let unloaded = Command::new("pactl")
        .args(["unload-module", &module])
        .status()
        .unwrap();
    assert!(unloaded.success());
    let moved = wait_for(&rx, Duration::from_secs(5), &mut heard, |p| {
        p.notice.is_some()
    });
    let now = moved.last().unwrap();
    assert_eq!(now.state, PlaybackState::Playing, "{now:?}");
    assert!(
        now.notice
            .as_deref()
            .unwrap()
            .contains("Test-Headset is no longer available"),
        "{now:?}"
    );
    assert_ne!(now.device.as_deref(), Some(headset.name.as_str()));
    assert!(
        now.position_ms >= 700,
        "it carries on where it was: {now:?}"
    );
    wait_for(&rx, Duration::from_secs(20), &mut heard, |p| {
        p.state == PlaybackState::Ended
    });
    let samples = recorder.stop();
    assert!(
        loud_seconds(&samples, 0.01) > 1.0,
        "the rest of the message went to the default sink"
    );
}

fn archive_input(moto: &Moto, bucket: &str, delete: bool) -> switchboard::s3::ArchiveSettingsInput {
    switchboard::s3::ArchiveSettingsInput {
        endpoint: Some(moto.url()),
        region: "us-east-1".into(),
        bucket: bucket.into(),
        path_style: true,
        access_key_id: "AKIATESTARCHIVE".into(),
        secret_access_key: Some("archive-secret-key".into()),
        delete_from_twilio: delete,
    }
}

#[tokio::test]
async fn archiving_to_s3_verifies_the_copy_before_twilio_may_delete_and_plays_back_from_it() {
    let mut moto = Moto::start();
    let s3 = moto.client();
    s3.create_bucket()
        .bucket("acme-voicemail")
        .send()
        .await
        .unwrap();
    let f = fixture().await;
    let account = AccountSid::parse(ACCOUNT).unwrap();

    // A bucket that is not there is refused and nothing is kept.
    let err = f
        .core
        .save_archive_settings(&archive_input(&moto, "no-such-bucket", true))
        .await
        .unwrap_err();
    assert_eq!(err.code, switchboard::Code::NotFound, "{err:?}");
    assert_eq!(f.core.archive_settings().await.unwrap(), None);

    let saved = f
        .core
        .save_archive_settings(&archive_input(&moto, "acme-voicemail", true))
        .await
        .unwrap();
    assert_eq!(
        f.core.archive_settings().await.unwrap(),
        Some(saved.clone())
    );
    let raw: Vec<String> = sqlx::query_scalar("SELECT value FROM settings")
        .fetch_all(f.core.db().pool())
        .await
        .unwrap();
    assert!(
        raw.iter().all(|v| !v.contains("archive-secret-key")),
        "the secret stays in the keychain"
    );
    assert_eq!(
        f.core
            .keychain()
            .s3_secret(&account, "AKIATESTARCHIVE")
            .unwrap()
            .expose(),
        "archive-secret-key"
    );

    let rec = sid("RE", 0);
    let outcome = f.core.archive_voicemail(&rec).await.unwrap();
    let key = format!("voicemail/{ACCOUNT}/{rec}.mp3");
    assert_eq!(outcome.key.as_deref(), Some(key.as_str()));
    assert_eq!(outcome.bytes, Some(f.mp3.len() as u64));
    assert!(outcome.delete_queued);
    let object = s3
        .get_object()
        .bucket("acme-voicemail")
        .key(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(object.content_type(), Some("audio/mpeg"));
    assert_eq!(
        object.metadata().unwrap().get("sha256").map(String::as_str),
        outcome.sha256.as_deref()
    );
    let body = object.body.collect().await.unwrap().into_bytes();
    assert_eq!(body.as_ref(), f.mp3.as_slice());
    let sidecar = s3
        .get_object()
        .bucket("acme-voicemail")
        .key(key.replace(".mp3", ".json"))
        .send()
        .await
        .unwrap();
    let sidecar: serde_json::Value =
        serde_json::from_slice(&sidecar.body.collect().await.unwrap().into_bytes()).unwrap();
    assert_eq!(sidecar["recording_sid"], rec.as_str());
    assert!(
        sidecar["transcript"]
            .as_str()
            .unwrap()
            .contains("caller number 0")
    );

    let cache = f.core.active_cache().await.unwrap();
    let archived = cache.voicemail(&rec).await.unwrap().unwrap();
    assert_eq!(archived.state, "archived");
    assert_eq!(archived.archive_key.as_deref(), Some(key.as_str()));
    assert_eq!(cache.pending_changes().await.unwrap(), 1);

    // The next sync deletes it on Twilio, and the archived voicemail stays listed.
    f.core.sync(|_| {}).await.unwrap();
    assert!(
        f.server
            .log()
            .iter()
            .any(|l| l.starts_with("DELETE") && l.contains(&rec))
    );
    assert!(!f.server.sids("recordings").contains(&rec));
    f.core.sync(|_| {}).await.unwrap();
    let listed = f
        .core
        .voicemails(switchboard::cache::VoicemailFilter::Archived, 50)
        .await
        .unwrap();
    assert_eq!(
        listed
            .iter()
            .map(|v| v.recording_sid.as_str())
            .collect::<Vec<_>>(),
        vec![rec.as_str()]
    );

    // With the local copy gone, it plays from the archive through a presigned address.
    let local = f.core.audio_dir(&account).join(format!("{rec}.mp3"));
    std::fs::remove_file(&local).unwrap();
    let (track, waveform) = f.core.prepare_voicemail(&rec).await.unwrap();
    assert_eq!(std::fs::read(&track.path).unwrap(), f.mp3);
    assert!(waveform.duration_ms > 3000);

    // A failed upload archives nothing and never queues a delete.
    moto.stop();
    let other = sid("RE", 1);
    let err = f.core.archive_voicemail(&other).await.unwrap_err();
    assert!(
        matches!(
            err.code,
            switchboard::Code::Network | switchboard::Code::Timeout
        ),
        "{err:?}"
    );
    let untouched = cache.voicemail(&other).await.unwrap().unwrap();
    assert_eq!(untouched.archive_key, None);
    assert_ne!(untouched.state, "archived");
    assert_eq!(cache.pending_changes().await.unwrap(), 0);
    f.core.sync(|_| {}).await.unwrap();
    assert!(
        f.server.sids("recordings").contains(&other),
        "still on Twilio"
    );

    f.core.clear_archive_settings().await.unwrap();
    assert!(
        f.core
            .keychain()
            .s3_secret(&account, "AKIATESTARCHIVE")
            .is_err()
    );
}

#[tokio::test]
async fn a_play_stopped_or_replaced_while_loading_never_starts() {
    let _sink = test_sink();
    let f = fixture().await;
    let (first, _) = f.core.prepare_voicemail(&sid("RE", 0)).await.unwrap();
    let (second, _) = f.core.prepare_voicemail(&sid("RE", 1)).await.unwrap();
    let (player, _rx) = collecting_player(None);

    // Stopped while its audio was being fetched: the play that follows is dropped.
    player.loading(&sid("RE", 0)).await.unwrap();
    player.control(PlaybackControl::Stop).await.unwrap();
    let after = player.play(first.clone(), Duration::ZERO).await.unwrap();
    assert_eq!(after.state, PlaybackState::Idle, "{after:?}");

    // Another voicemail was chosen meanwhile: only its play starts.
    player.loading(&sid("RE", 0)).await.unwrap();
    player.loading(&sid("RE", 1)).await.unwrap();
    let stale = player.play(first, Duration::ZERO).await.unwrap();
    assert_eq!(stale.state, PlaybackState::Loading);
    assert_eq!(stale.recording_sid.as_deref(), Some(sid("RE", 1).as_str()));
    let fresh = player.play(second, Duration::ZERO).await.unwrap();
    assert_eq!(fresh.state, PlaybackState::Playing);
    assert_eq!(fresh.recording_sid.as_deref(), Some(sid("RE", 1).as_str()));
    player.control(PlaybackControl::Stop).await.unwrap();
}
