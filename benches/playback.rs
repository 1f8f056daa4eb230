//! The voicemail inbox's speed targets: `cargo bench --bench playback` (needs a sound output:
//! `scripts/bench-playback.sh` starts a PipeWire null sink for it).
//!
//! 1. Playback of a cached voicemail: from the play command (the core finds the verified
//!    audio and its cached waveform) until the first decoded sample goes to the output
//!    stream. Measured warm (output already open, as within two minutes of selecting the
//!    voicemail) and cold (output closed). Target: under 50 ms.
//! 2. Opening the inbox with 100,000 voicemails: the first page of 50 through the core, as the
//!    `list_voicemails` command returns it, serialized to the JSON the UI receives. Target:
//!    under 100 ms end to end (the UI then renders 50 rows).
//!
//! The audio is speech made with espeak-ng and encoded with lame at run time.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use switchboard::Switchboard;
use switchboard::audio::{PlaybackControl, Player};
use switchboard::cache::VoicemailFilter;
use switchboard::db::Profile;
use switchboard::keychain::Keychain;
use switchboard::paths::Paths;
use switchboard::sid::{AccountSid, ApiKeySid};

const ACCOUNT: &str = "ACbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
const KEY: &str = "SKbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
const RECORDING: &str = "RE00000000000000000000000000000001";

fn speech_mp3(dir: &Path) -> PathBuf {
    let wav = dir.join("speech.wav");
    let mp3 = dir.join("speech.mp3");
    let ok = Command::new("espeak-ng")
        .args(["-v", "en-us", "-s", "160", "-w"])
        .arg(&wav)
        .arg("Hi, this is Dana from the plumbing supply. Your order is ready for pickup. Call me back at your convenience.")
        .status()
        .expect("espeak-ng is installed (scripts/bench-playback.sh installs it)")
        .success()
        && Command::new("lame")
            .args(["--quiet", "-m", "m", "-b", "32"])
            .arg(&wav)
            .arg(&mp3)
            .status()
            .expect("lame is installed")
            .success();
    assert!(ok, "making the speech fixture failed");
    mp3
}

fn percentile(samples: &mut [Duration], p: f64) -> Duration {
    samples.sort();
    samples[((samples.len() as f64 - 1.0) * p).round() as usize]
}

fn report(name: &str, samples: &mut [Duration], target: Duration) {
    let p50 = percentile(samples, 0.5);
    let p95 = percentile(samples, 0.95);
    let max = *samples.iter().max().unwrap();
    println!(
        "{name:<52} p50 {:>7.2} ms   p95 {:>7.2} ms   max {:>7.2} ms   target {} ms  {}",
        p50.as_secs_f64() * 1e3,
        p95.as_secs_f64() * 1e3,
        max.as_secs_f64() * 1e3,
        target.as_millis(),
        if p95 < target { "ok" } else { "MISSED" }
    );
}

async fn wait_first_sound(player: &Player, since: Instant) -> Duration {
    loop {
        if let Some(at) = player.first_sound()
            && at >= since
        {
            return at - since;
        }
        assert!(
            since.elapsed() < Duration::from_secs(5),
            "no sound went out within 5 s"
        );
        tokio::time::sleep(Duration::from_micros(200)).await;
    }
}

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    let paths = Paths {
        data_dir: dir.path().join("data"),
        log_dir: dir.path().join("logs"),
    };
    let core = Switchboard::open(paths, Keychain::with_service("switchboard-bench"), None)
        .await
        .unwrap();
    let profile = Profile {
        name: "bench".into(),
        account_sid: AccountSid::parse(ACCOUNT).unwrap(),
        account_name: None,
        api_key_sid: ApiKeySid::parse(KEY).unwrap(),
        region: None,
        edge: None,
        subaccount_sid: None,
    };
    core.db().save_active_profile(&profile).await.unwrap();
    let cache = core.active_cache().await.unwrap();

    // 100,000 voicemails (recording, call, transcription), newest last inserted.
    let scale: f64 = std::env::var("SWITCHBOARD_BENCH_SCALE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1.0);
    let count = (100_000.0 * scale) as i64;
    let started = Instant::now();
    sqlx::query(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1)
         INSERT INTO calls (sid, from_number, to_number, status, direction, created_at)
         SELECT printf('CA%032x', i), printf('+1415555%04d', i % 10000), '+14155550100', 'completed', 'inbound', 1795000000 + i * 60 FROM n",
    )
    .bind(count)
    .execute(cache.pool())
    .await
    .unwrap();
    sqlx::query(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1)
         INSERT INTO recordings (sid, call_sid, duration, status, source, created_at)
         SELECT printf('RE%032x', i), printf('CA%032x', i), 7, 'completed', 'RecordVerb', 1795000000 + i * 60 + 20 FROM n",
    )
    .bind(count)
    .execute(cache.pool())
    .await
    .unwrap();
    sqlx::query(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1)
         INSERT INTO transcriptions (sid, recording_sid, status, text, created_at)
         SELECT printf('TR%032x', i), printf('RE%032x', i), 'completed',
                'Hi, this is caller ' || i || ' about the invoice for the kitchen job, please call me back.', 1795000000 + i * 60 + 40 FROM n",
    )
    .bind(count)
    .execute(cache.pool())
    .await
    .unwrap();
    println!(
        "{count} voicemails generated in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let mut samples = Vec::new();
    for _ in 0..200 {
        let t0 = Instant::now();
        let page = core.voicemails(VoicemailFilter::All, 50).await.unwrap();
        let json = serde_json::to_string(&page).unwrap();
        samples.push(t0.elapsed());
        assert_eq!(page.len(), 50);
        assert!(json.len() > 10_000);
    }
    report(
        &format!("inbox first page of 50 of {count} (core + JSON)"),
        &mut samples,
        Duration::from_millis(100),
    );

    // One real voicemail, cached and verified as a download would leave it.
    let mp3 = speech_mp3(dir.path());
    let audio_dir = dir.path().join("data/audio").join(ACCOUNT);
    std::fs::create_dir_all(&audio_dir).unwrap();
    let cached = audio_dir.join(format!("{RECORDING}.mp3"));
    std::fs::copy(&mp3, &cached).unwrap();
    let bytes = std::fs::read(&cached).unwrap();
    use sha2::Digest;
    let sum: String = sha2::Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    sqlx::query(
        "INSERT INTO voicemail_state (recording_sid, audio_path, audio_sha256, audio_bytes) VALUES (?1, ?2, ?3, ?4)",
    )
    .bind(RECORDING)
    .bind(cached.display().to_string())
    .bind(&sum)
    .bind(bytes.len() as i64)
    .execute(cache.pool())
    .await
    .unwrap();
    // The first preparation decodes the file and caches its waveform; later ones read it.
    let (track, waveform) = core.prepare_voicemail(RECORDING).await.unwrap();
    assert!(
        waveform.duration_ms > 3000,
        "the speech lasts a few seconds"
    );
    drop(track);

    let player = Player::start(None, |_| {}).unwrap();
    for (name, warm) in [
        ("cached voicemail: play to first sound (output open)", true),
        (
            "cached voicemail: play to first sound (output closed)",
            false,
        ),
    ] {
        let mut samples = Vec::new();
        for _ in 0..if warm { 40 } else { 20 } {
            if !warm {
                // The output closed, as after two idle minutes (choosing the default output
                // again closes it while nothing plays).
                player.set_output(None).await.unwrap();
                let t0 = Instant::now();
                let (track, _) = core.prepare_voicemail(RECORDING).await.unwrap();
                player.play(track, Duration::ZERO).await.unwrap();
                samples.push(wait_first_sound(&player, t0).await);
                tokio::time::sleep(Duration::from_millis(30)).await;
                player.control(PlaybackControl::Stop).await.unwrap();
                continue;
            }
            player.warm();
            tokio::time::sleep(Duration::from_millis(50)).await;
            let t0 = Instant::now();
            let (track, _) = core.prepare_voicemail(RECORDING).await.unwrap();
            player.play(track, Duration::ZERO).await.unwrap();
            samples.push(wait_first_sound(&player, t0).await);
            tokio::time::sleep(Duration::from_millis(30)).await;
            player.control(PlaybackControl::Stop).await.unwrap();
        }
        report(name, &mut samples, Duration::from_millis(50));
    }
    core.close().await;
}
