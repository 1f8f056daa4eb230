//! Recorded greetings on a real sound server and a real S3-compatible server: a known tone
//! played into the PipeWire null sink is recorded from its monitor through cpal, and the
//! greeting made of it holds that tone (frequency and level), trimmed and peak-normalized,
//! as 16 kHz mono WAV; publishing uploads it to moto content-addressed as audio/wav, checks
//! the public address, and deletes the previous recording only once the routing no longer
//! plays it.
//!
//! Runs inside `scripts/with-audio.sh` (scripts/test.sh does that).

mod support;

use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use support::audio::{strongest, test_sink};
use support::fake_twilio::{ACCOUNT, FakeTwilio};
use support::moto::Moto;
use switchboard::Switchboard;
use switchboard::audio::take::{GREETING_RATE, TARGET_PEAK, Trim, read_wav};
use switchboard::audio::{Level, input_devices};
use switchboard::db::Profile;
use switchboard::greetings::GreetingKind;
use switchboard::greetings::studio::{RecordedGreetingInput, Studio};
use switchboard::keychain::Keychain;
use switchboard::secret::Sensitive;
use switchboard::sid::{AccountSid, ApiKeySid};
use switchboard::twilio::{ApiBase, Client, Credentials};

/// A tone file: `lead` seconds of silence, then `seconds` of a sine at `freq` Hz.
fn tone_wav(
    dir: &std::path::Path,
    freq: u32,
    lead: f32,
    seconds: f32,
    volume: f32,
) -> std::path::PathBuf {
    let path = dir.join(format!("tone-{freq}.wav"));
    let ok = Command::new("sox")
        .args(["-n", "-r", "48000", "-c", "2", "-b", "16"])
        .arg(&path)
        .args([
            "synth",
            &seconds.to_string(),
            "sine",
            &freq.to_string(),
            "vol",
            &volume.to_string(),
            "pad",
            &lead.to_string(),
            "0",
        ])
        .status()
        .expect("sox runs")
        .success();
    assert!(ok);
    path
}

#[test]
fn a_tone_played_into_the_sink_is_recorded_trimmed_normalized_and_converted() {
    let sink = test_sink();
    let dir = tempfile::tempdir().unwrap();
    let tone = tone_wav(dir.path(), 440, 0.8, 2.0, 0.3);
    let inputs = input_devices().unwrap();
    assert!(
        inputs.iter().any(|d| d.is_default),
        "the sink's monitor is the default input: {inputs:?}"
    );

    let studio = Studio::default();
    let levels: Arc<Mutex<Vec<Level>>> = Arc::default();
    let seen = Arc::clone(&levels);
    studio
        .start(None, move |l| seen.lock().unwrap().push(l), |_| {})
        .unwrap();
    let started = Instant::now();
    let played = Command::new("paplay")
        .arg(format!("--device={sink}"))
        .arg(&tone)
        .status()
        .unwrap();
    assert!(played.success());
    std::thread::sleep(Duration::from_millis(700));
    let take = studio.stop().unwrap();
    let recorded = started.elapsed();

    // About 30 level reports a second, loud while the tone played.
    let levels = levels.lock().unwrap().clone();
    let per_second = levels.len() as f64 / recorded.as_secs_f64();
    assert!(
        (20.0..40.0).contains(&per_second),
        "{per_second:.1} level reports a second"
    );
    assert!(levels.iter().any(|l| l.rms > 0.1), "the meter saw the tone");
    assert!(
        levels.iter().take(5).all(|l| l.rms < 0.01),
        "silence before the tone"
    );

    // The automatic trim keeps the tone and 150 ms either side of it.
    let kept = take.trim.end_ms - take.trim.start_ms;
    assert!((2100..2600).contains(&kept), "{take:?}");
    assert!(
        take.trim.start_ms >= 500,
        "the leading silence is trimmed: {:?}",
        take.trim
    );
    assert_eq!(take.peaks.len(), switchboard::audio::PEAK_BUCKETS);

    let wav = studio.wav(take.trim).unwrap();
    let audio = read_wav(&wav).unwrap();
    assert_eq!(audio.rate, GREETING_RATE);
    let spec = hound::WavReader::new(std::io::Cursor::new(&wav))
        .unwrap()
        .spec();
    assert_eq!((spec.channels, spec.bits_per_sample), (1, 16));
    let peak = audio.samples.iter().fold(0f32, |m, s| m.max(s.abs()));
    assert!(
        (peak - TARGET_PEAK).abs() < 0.02,
        "peak-normalized to -1 dBFS: {peak}"
    );
    let middle = &audio.samples[audio.samples.len() / 4..audio.samples.len() * 3 / 4];
    assert_eq!(
        strongest(middle, GREETING_RATE, &[220.0, 330.0, 440.0, 550.0, 880.0]),
        440.0
    );
    let rms = (middle.iter().map(|s| s * s).sum::<f32>() / middle.len() as f32).sqrt();
    assert!(
        (rms - TARGET_PEAK / 2f32.sqrt()).abs() < 0.05,
        "a steady sine: rms {rms}"
    );
    // Unbroken: a gap or a lost packet anywhere in the middle adds sign changes.
    let crossings = middle
        .windows(2)
        .filter(|w| (w[0] < 0.0) != (w[1] < 0.0))
        .count() as f64
        / (middle.len() as f64 / f64::from(GREETING_RATE));
    assert!(
        (crossings - 880.0).abs() <= 10.0,
        "an unbroken 440 Hz sine: {crossings:.0} sign changes a second"
    );

    // Moving the handles changes what is kept; a trim of silence alone is refused.
    let shorter = studio
        .wav(Trim {
            start_ms: take.trim.start_ms + 500,
            end_ms: take.trim.end_ms - 500,
        })
        .unwrap();
    assert!(read_wav(&shorter).unwrap().samples.len() < audio.samples.len() - 15_000);
    let silent = studio
        .wav(Trim {
            start_ms: 0,
            end_ms: 600,
        })
        .unwrap_err();
    assert!(
        silent.message.contains("too short") || silent.message.contains("silent"),
        "{}",
        silent.message
    );
}

#[test]
fn a_missing_microphone_and_a_double_start_are_explained() {
    let _sink = test_sink();
    let studio = Studio::default();
    let err = studio
        .start(Some("pulseaudio:no-such-microphone"), |_| {}, |_| {})
        .unwrap_err();
    assert_eq!(err.code, switchboard::Code::NotFound);
    assert!(err.message.contains("not connected"), "{}", err.message);
    assert!(studio.stop().is_err(), "nothing is recording");
    studio.start(None, |_| {}, |_| {}).unwrap();
    assert!(
        studio
            .start(None, |_| {}, |_| {})
            .unwrap_err()
            .message
            .contains("Already recording")
    );
    studio.discard();
    assert!(
        studio
            .wav(Trim {
                start_ms: 0,
                end_ms: 1000
            })
            .is_err(),
        "the take is gone"
    );
}

#[test]
fn the_length_limit_ends_a_recording_and_keeps_the_take() {
    let _sink = test_sink();
    let studio = Studio::default();
    let (tx, rx) = std::sync::mpsc::channel();
    studio
        .start_for(
            None,
            Duration::from_millis(1500),
            |_| {},
            move |take| {
                let _ = tx.send(take);
            },
        )
        .unwrap();
    let take = rx
        .recv_timeout(Duration::from_secs(5))
        .expect("the limit stopped it");
    assert!((1400..=1600).contains(&take.duration_ms), "{take:?}");
    assert!(studio.stop().is_err(), "already stopped");
}

struct Published {
    _dir: tempfile::TempDir,
    core: Switchboard,
    client: Client,
    server: FakeTwilio,
    moto: Moto,
    keychain: Keychain,
}

impl Drop for Published {
    fn drop(&mut self) {
        let account = AccountSid::parse(ACCOUNT).unwrap();
        let _ = self
            .keychain
            .delete_api_secret(&account, &ApiKeySid::parse(support::API_KEY_SID).unwrap());
        let _ = self.keychain.delete_s3_secret(&account, "AKIAGREETINGS");
    }
}

async fn published_setup() -> Published {
    let (dir, paths) = support::temp_paths();
    let server = FakeTwilio::start();
    let moto = Moto::start();
    moto.client()
        .create_bucket()
        .bucket("acme-phones")
        .send()
        .await
        .unwrap();
    let keychain = support::test_keychain();
    let account = AccountSid::parse(ACCOUNT).unwrap();
    let key = ApiKeySid::parse(support::API_KEY_SID).unwrap();
    let secret = Sensitive::new("s".repeat(32));
    keychain.store_api_secret(&account, &key, &secret).unwrap();
    let base = ApiBase::custom(&server.url()).unwrap();
    let core = Switchboard::open(paths, keychain.clone(), Some(base.clone()))
        .await
        .unwrap();
    core.db()
        .save_active_profile(&Profile {
            name: "test".into(),
            account_sid: account.clone(),
            account_name: None,
            api_key_sid: key.clone(),
            region: None,
            edge: None,
            subaccount_sid: None,
        })
        .await
        .unwrap();
    core.save_archive_settings(&switchboard::s3::ArchiveSettingsInput {
        endpoint: Some(moto.url()),
        region: "us-east-1".into(),
        bucket: "acme-phones".into(),
        path_style: true,
        access_key_id: "AKIAGREETINGS".into(),
        secret_access_key: Some("greetings-secret".into()),
        delete_from_twilio: false,
    })
    .await
    .unwrap();
    let client = Client::new(
        base,
        Credentials {
            account_sid: account,
            api_key_sid: key,
            api_key_secret: secret,
        },
    )
    .unwrap();
    Published {
        _dir: dir,
        core,
        client,
        server,
        moto,
        keychain,
    }
}

fn speech_wav(seconds: f32, freq: f32) -> Vec<u8> {
    let rate = 22_050;
    let samples: Vec<f32> = (0..(seconds * rate as f32) as usize)
        .map(|i| 0.4 * (2.0 * std::f32::consts::PI * freq * i as f32 / rate as f32).sin())
        .collect();
    switchboard::audio::take::encode_wav(&samples, rate).unwrap()
}

async fn keys(moto: &Moto, prefix: &str) -> Vec<String> {
    let listed = moto
        .client()
        .list_objects_v2()
        .bucket("acme-phones")
        .prefix(prefix)
        .send()
        .await
        .unwrap();
    let mut keys: Vec<String> = listed
        .contents()
        .iter()
        .filter_map(|o| o.key().map(str::to_owned))
        .collect();
    keys.sort();
    keys
}

#[tokio::test]
async fn publishing_uploads_content_addressed_wav_and_replaces_the_old_only_after_the_routing_moved()
 {
    let p = published_setup().await;
    let hosting = p.core.greetings_hosting().await.unwrap();
    assert!(hosting.configured);
    let policy: serde_json::Value =
        serde_json::from_str(hosting.policy.as_deref().unwrap()).unwrap();
    assert_eq!(
        policy["Statement"][0]["Resource"],
        "arn:aws:s3:::acme-phones/greetings/*"
    );
    assert_eq!(policy["Statement"][0]["Action"], "s3:GetObject");
    assert_eq!(hosting.policy_applied, Some(false));
    let applied = p.core.apply_greetings_policy().await.unwrap();
    assert_eq!(applied.policy_applied, Some(true));
    let stored = p
        .moto
        .client()
        .get_bucket_policy()
        .bucket("acme-phones")
        .send()
        .await
        .unwrap();
    let stored: serde_json::Value = serde_json::from_str(stored.policy().unwrap()).unwrap();
    assert_eq!(
        stored["Statement"].as_array().unwrap().len(),
        1,
        "one statement, for greetings/ only"
    );

    let input = RecordedGreetingInput {
        name: "Main".into(),
        kind: GreetingKind::Default,
        open: None,
        from: None,
        to: None,
        trim: Trim {
            start_ms: 0,
            end_ms: 0,
        },
    };
    let wav = switchboard::audio::take::prepare_wav_file(&speech_wav(2.0, 300.0)).unwrap();
    let first = p
        .core
        .publish_greeting_audio(&p.client, &input, wav.clone())
        .await
        .unwrap();
    assert!(!first.live, "no routing is deployed here");
    assert!(
        first.note.as_deref().unwrap().contains("not deployed"),
        "{first:?}"
    );
    let prefix = format!("greetings/{ACCOUNT}/");
    let after_first = keys(&p.moto, &prefix).await;
    assert_eq!(after_first.len(), 1);
    let row = p
        .core
        .db()
        .greeting(&AccountSid::parse(ACCOUNT).unwrap(), "Main")
        .await
        .unwrap()
        .unwrap();
    let url = row.greeting.url.clone().unwrap();
    assert!(url.ends_with(&after_first[0]), "{url}");
    assert!(after_first[0].starts_with(&format!("{prefix}{}-", row.greeting.id)));
    // Callers' phones fetch it with no credentials, as WAV.
    let fetched = reqwest::get(&url).await.unwrap();
    assert_eq!(fetched.status(), 200);
    assert_eq!(fetched.headers()["content-type"], "audio/wav");
    assert_eq!(fetched.bytes().await.unwrap().as_ref(), wav.as_slice());
    // The same audio again is the same address: nothing changes under a caller.
    p.core
        .publish_greeting_audio(&p.client, &input, wav.clone())
        .await
        .unwrap();
    assert_eq!(keys(&p.moto, &prefix).await, after_first);

    // New audio while the routing cannot be updated: both objects stay, since the routing
    // may still play the old one.
    p.server.fail_routing(true);
    let second_wav = switchboard::audio::take::prepare_wav_file(&speech_wav(3.0, 500.0)).unwrap();
    let kept = p
        .core
        .publish_greeting_audio(&p.client, &input, second_wav.clone())
        .await
        .unwrap();
    assert!(kept.note.unwrap().contains("previous recording"));
    let both = keys(&p.moto, &prefix).await;
    assert_eq!(both.len(), 2, "{both:?}");

    // Once the routing takes the new address, the one it replaced goes.
    p.server.fail_routing(false);
    let third_wav = switchboard::audio::take::prepare_wav_file(&speech_wav(2.5, 700.0)).unwrap();
    let third = p
        .core
        .publish_greeting_audio(&p.client, &input, third_wav)
        .await
        .unwrap();
    assert!(
        third
            .note
            .is_none_or(|n| !n.contains("could not be updated")),
        "the routing took it"
    );
    let now = keys(&p.moto, &prefix).await;
    assert_eq!(
        now.len(),
        1,
        "both earlier recordings are gone once nothing plays them: {now:?}"
    );
    let row = p
        .core
        .db()
        .greeting(&AccountSid::parse(ACCOUNT).unwrap(), "Main")
        .await
        .unwrap()
        .unwrap();
    assert!(
        row.greeting
            .url
            .as_deref()
            .unwrap()
            .ends_with(now[0].as_str())
    );
    assert!(!both.contains(&now[0]));
    // Nothing outside greetings/ was written.
    assert_eq!(keys(&p.moto, "").await.len(), now.len());
}

#[tokio::test]
async fn without_s3_or_with_bad_audio_nothing_changes_for_callers() {
    let p = published_setup().await;
    let input = RecordedGreetingInput {
        name: "Closed".into(),
        kind: GreetingKind::Default,
        open: None,
        from: None,
        to: None,
        trim: Trim {
            start_ms: 0,
            end_ms: 0,
        },
    };
    // Unreadable and silent files are refused before anything is uploaded.
    assert!(switchboard::audio::take::prepare_wav_file(b"RIFF nonsense").is_err());
    let silence = switchboard::audio::take::encode_wav(&vec![0.0; 44_100], 22_050).unwrap();
    assert!(
        switchboard::audio::take::prepare_wav_file(&silence)
            .unwrap_err()
            .message
            .contains("silent")
    );

    // S3 refusing the upload (the bucket is gone) leaves no greeting behind.
    p.moto
        .client()
        .delete_bucket()
        .bucket("acme-phones")
        .send()
        .await
        .unwrap();
    let wav = switchboard::audio::take::prepare_wav_file(&speech_wav(2.0, 300.0)).unwrap();
    let err = p
        .core
        .publish_greeting_audio(&p.client, &input, wav.clone())
        .await
        .unwrap_err();
    assert_eq!(err.code, switchboard::Code::NotFound, "{err:?}");
    let account = AccountSid::parse(ACCOUNT).unwrap();
    assert!(
        p.core
            .db()
            .greeting(&account, "Closed")
            .await
            .unwrap()
            .is_none()
    );

    // Without S3 set up, recording explains what it needs; text-to-speech is unaffected.
    p.core.clear_archive_settings().await.unwrap();
    let hosting = p.core.greetings_hosting().await.unwrap();
    assert!(!hosting.configured);
    let err = p
        .core
        .publish_greeting_audio(&p.client, &input, wav)
        .await
        .unwrap_err();
    assert_eq!(err.code, switchboard::Code::NotConfigured);
    assert!(
        err.message
            .contains("Text-to-speech greetings work without it")
    );
}
