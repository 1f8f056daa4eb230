//! Crash safety, measured: the CLI killed with SIGKILL at random points during a retention
//! run, during archive-and-delete (with the syncs that send its deletions) and during a greeting
//! publish, then run to the end: Twilio lost exactly what it should, no voicemail left Twilio without its verified copy,
//! the cache opens without repair and S3 holds nothing the app does not know about. The sync's
//! own kill test is in `cache_sync.rs`; `scripts/crash-test.sh` runs them all many times.

mod support;

use std::collections::BTreeSet;
use std::time::Duration;

use support::fake_twilio::{BASE, FakeTwilio, sid, sids};
use support::{Lcg, column};
use switchboard::cache::Cache;

const DAY: i64 = 24 * 60 * 60;

/// `switchboard` against the fake server, with a data directory of its own.
fn cli(server: &FakeTwilio, dir: &std::path::Path, args: &[&str]) -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_switchboard"));
    cmd.args([
        "--data-dir",
        dir.to_str().unwrap(),
        "--api-base",
        &server.url(),
    ])
    .args(args)
    .env("TWILIO_ACCOUNT_SID", support::fake_twilio::ACCOUNT)
    .env("TWILIO_API_KEY", support::API_KEY_SID)
    .env("TWILIO_API_SECRET", "s".repeat(32))
    .stdin(std::process::Stdio::null())
    .stdout(std::process::Stdio::piped())
    .stderr(std::process::Stdio::piped());
    cmd
}

fn run_ok(mut cmd: std::process::Command) -> serde_json::Value {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null)
}

/// Starts `cmd` and kills it with SIGKILL (no cleanup runs) after `at_least` ms and a random
/// share of `spread` more, unless it ended first; returns whether it was killed.
fn cut_short(mut cmd: std::process::Command, rng: &mut Lcg, at_least: u64, spread: u64) -> bool {
    let mut child = cmd
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(at_least + rng.next(spread)));
    let killed = child.try_wait().unwrap().is_none();
    if killed {
        child.kill().unwrap();
    }
    child.wait().unwrap();
    killed
}

/// A data directory with a connected profile (its secret in a keychain namespace of its own)
/// and the S3 archive set up on `bucket`; profile and archive are removed when dropped.
struct Profiled<'a> {
    server: &'a FakeTwilio,
    data: std::path::PathBuf,
    keychain: String,
}

impl<'a> Profiled<'a> {
    fn new(
        server: &'a FakeTwilio,
        dir: &std::path::Path,
        moto: &support::moto::Moto,
        bucket: &str,
        archive_flags: &[&str],
    ) -> Self {
        let profiled = Self {
            server,
            data: dir.join("data"),
            keychain: format!("switchboard-test-{bucket}-{}", std::process::id()),
        };
        let mut connect = profiled.run(&[
            "connect",
            "--account-sid",
            support::fake_twilio::ACCOUNT,
            "--api-key",
            support::API_KEY_SID,
        ]);
        connect.env("TWILIO_API_SECRET", "s".repeat(32));
        run_ok(connect);
        let url = moto.url();
        let setup = [
            "archive",
            "setup",
            "--bucket",
            bucket,
            "--endpoint",
            &url,
            "--path-style",
            "--access-key-id",
            "AKIAMOTO",
            "--json",
        ];
        run_ok(profiled.run(&[&setup[..], archive_flags].concat()));
        profiled
    }

    /// `switchboard ARGS` on this profile.
    fn run(&self, args: &[&str]) -> std::process::Command {
        let mut cmd = cli(self.server, &self.data, args);
        cmd.env_remove("TWILIO_ACCOUNT_SID")
            .env("SWITCHBOARD_KEYCHAIN_SERVICE", &self.keychain)
            .env("SWITCHBOARD_S3_SECRET_ACCESS_KEY", "moto-secret");
        cmd
    }
}

impl Drop for Profiled<'_> {
    fn drop(&mut self) {
        let _ = self.run(&["archive", "remove"]).output();
        let _ = self.run(&["profiles", "remove", "default"]).output();
    }
}

#[tokio::test]
async fn a_run_from_the_command_line_killed_at_random_points_deletes_exactly_the_previewed_set() {
    let server = FakeTwilio::start();
    server.add_voicemails(0, 150, 6 * 60); // six hours apart, back about 37 days from BASE
    server.price_calls();
    let dir = tempfile::tempdir().unwrap();
    run_ok(cli(&server, dir.path(), &["sync", "--json"]));
    // BASE is in the past: cut off four days before it.
    let now = jiff::Timestamp::now().as_second();
    let days = ((now - BASE) / DAY + 4).to_string();
    run_ok(cli(
        &server,
        dir.path(),
        &[
            "retention",
            "set",
            "--recordings-days",
            &days,
            "--only-archived",
            "false",
            "--json",
        ],
    ));

    let refused = cli(&server, dir.path(), &["retention", "apply"])
        .output()
        .unwrap();
    assert!(
        !refused.status.success(),
        "no prompt to answer, no --yes: refused"
    );
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("pass --yes"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    assert_eq!(server.sids("recordings").len(), 150, "nothing was deleted");

    let preview = run_ok(cli(
        &server,
        dir.path(),
        &["retention", "preview", "--limit", "1000", "--json"],
    ));
    let expected: BTreeSet<String> = preview["recordings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["recording_sid"].as_str().unwrap().to_owned())
        .collect();
    assert!(expected.len() > 100, "{}", expected.len());
    assert_eq!(preview["recordings_total"], expected.len());

    // About a second for a whole run: 266 deletions, four at a time, 15 ms each.
    server.set_delay(Duration::from_millis(15));
    let (seed, mut rng) = Lcg::seeded();
    let rounds = 8;
    let killed = (0..rounds)
        .filter(|_| {
            let apply = cli(
                &server,
                dir.path(),
                &["retention", "apply", "--yes", "--json"],
            );
            cut_short(apply, &mut rng, 30, 250)
        })
        .count();
    eprintln!("retention: killed {killed} of {rounds} runs (seed {seed})");
    assert!(killed >= 3, "rounds are cut off mid-run (seed {seed})");
    let status = run_ok(cli(
        &server,
        dir.path(),
        &["retention", "apply", "--yes", "--json"],
    ));
    assert_eq!(status["waiting"], 0, "seed {seed}: {status}");

    let left: BTreeSet<String> = server.sids("recordings").into_iter().collect();
    let all = sids("RE", 0..150);
    let kept: BTreeSet<String> = all.difference(&expected).cloned().collect();
    assert_eq!(
        left, kept,
        "exactly the previewed recordings left Twilio (seed {seed})"
    );
    assert_eq!(
        server.sids("transcriptions").len(),
        kept.len(),
        "with their transcriptions (seed {seed})"
    );
    let cache = Cache::open(&Cache::path_for(
        dir.path(),
        &switchboard::sid::AccountSid::parse(support::fake_twilio::ACCOUNT).unwrap(),
    ))
    .await
    .unwrap();
    assert_eq!(
        column(&cache, "SELECT sid FROM recordings").await,
        kept,
        "the cache lists what Twilio keeps (seed {seed})"
    );
    let search: i64 = sqlx::query_scalar("SELECT count(*) FROM voicemail_search")
        .fetch_one(cache.pool())
        .await
        .unwrap();
    assert_eq!(
        search as usize,
        kept.len(),
        "one search row per voicemail left (seed {seed})"
    );
    let deletes = server
        .log()
        .iter()
        .filter(|l| l.starts_with("DELETE"))
        .count();
    assert!(
        deletes >= 2 * expected.len() && deletes <= 2 * expected.len() + 4 * 9,
        "each deletion sent once, but for the few in flight at a kill: {deletes} (seed {seed})"
    );
}

#[tokio::test]
async fn archive_and_delete_killed_at_random_points_loses_no_voicemail_and_leaves_no_orphan() {
    use sha2::Digest as _;
    let server = FakeTwilio::start();
    server.add_voicemails(0, 24, 60);
    server.price_calls();
    let dir = tempfile::tempdir().unwrap();
    let speech = support::audio::speech_mp3(dir.path(), "speech", "Please call me back.");
    let media = std::fs::read(&speech).unwrap();
    let sha = support::hex(&sha2::Sha256::digest(&media));
    server.set_media(media);
    let seconds = switchboard::audio::analyse_file(&speech, None)
        .unwrap()
        .duration
        .as_secs_f64()
        .round() as u64;
    for n in 0..24 {
        server.set_recording_duration(n, seconds);
    }
    let moto = support::moto::Moto::start();
    let s3 = moto.client();
    s3.create_bucket().bucket("acme-vm").send().await.unwrap();
    let profile = Profiled::new(
        &server,
        dir.path(),
        &moto,
        "acme-vm",
        &["--delete-from-twilio"],
    );
    run_ok(profile.run(&["sync", "--json"]));

    // Archive everything and sync (which sends the queued deletions), killed at random points.
    server.set_delay(Duration::from_millis(10));
    let (seed, mut rng) = Lcg::seeded();
    let killed = (0..10)
        .filter(|round| {
            let args: &[&str] = if round % 3 == 2 {
                &["sync", "--json"]
            } else {
                &["archive", "voicemail", "--json"]
            };
            cut_short(profile.run(args), &mut rng, 40, 400)
        })
        .count();
    eprintln!("archive and delete: killed {killed} of 10 runs (seed {seed})");
    assert!(killed >= 3, "rounds are cut off mid-run (seed {seed})");
    run_ok(profile.run(&["archive", "voicemail", "--json"]));
    run_ok(profile.run(&["sync", "--json"]));

    // Every voicemail is in S3, verified; those gone from Twilio all have their copy there.
    let listed = s3
        .list_objects_v2()
        .bucket("acme-vm")
        .send()
        .await
        .unwrap()
        .contents
        .unwrap_or_default();
    let keys: BTreeSet<String> = listed.iter().filter_map(|o| o.key.clone()).collect();
    let audio_keys: BTreeSet<String> = keys
        .iter()
        .filter(|k| k.ends_with(".mp3"))
        .cloned()
        .collect();
    let expected: BTreeSet<String> = (0..24)
        .map(|n| {
            format!(
                "voicemail/{}/{}.mp3",
                support::fake_twilio::ACCOUNT,
                sid("RE", n)
            )
        })
        .collect();
    assert_eq!(
        audio_keys, expected,
        "every voicemail archived (seed {seed})"
    );
    assert_eq!(
        keys.len(),
        48,
        "each with its sidecar, and nothing else (seed {seed})"
    );
    for key in &audio_keys {
        let object = s3
            .get_object()
            .bucket("acme-vm")
            .key(key)
            .send()
            .await
            .unwrap();
        let body = object.body.collect().await.unwrap().into_bytes();
        assert_eq!(
            support::hex(&sha2::Sha256::digest(&body)),
            sha,
            "{key} is whole (seed {seed})"
        );
    }
    assert!(
        server.sids("recordings").is_empty(),
        "all deleted from Twilio once their copies were verified (seed {seed}): {:?}",
        server.sids("recordings")
    );
    // The cache opens without repair and knows every object in the bucket.
    let cache = Cache::open(&Cache::path_for(
        &profile.data,
        &switchboard::sid::AccountSid::parse(support::fake_twilio::ACCOUNT).unwrap(),
    ))
    .await
    .unwrap();
    assert_eq!(
        column(
            &cache,
            "SELECT archive_key FROM voicemail_state WHERE archive_key IS NOT NULL"
        )
        .await,
        audio_keys,
        "no object the app does not know about (seed {seed})"
    );
    assert!(
        column(
            &cache,
            "SELECT recording_sid FROM voicemail_state WHERE archive_pending IS NOT NULL"
        )
        .await
        .is_empty()
    );
}

#[tokio::test]
async fn greeting_publish_killed_at_random_points_leaves_the_greeting_whole_and_no_unknown_object()
{
    let server = FakeTwilio::start();
    let dir = tempfile::tempdir().unwrap();
    let moto = support::moto::Moto::start();
    let s3 = moto.client();
    s3.create_bucket()
        .bucket("acme-phones")
        .send()
        .await
        .unwrap();
    // Callers fetch greetings without credentials: the bucket's greetings/ are public.
    s3.put_bucket_policy()
        .bucket("acme-phones")
        .policy(
            serde_json::json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*",
                "Action": "s3:GetObject", "Resource": "arn:aws:s3:::acme-phones/greetings/*"}]})
            .to_string(),
        )
        .send()
        .await
        .unwrap();
    let profile = Profiled::new(&server, dir.path(), &moto, "acme-phones", &[]);
    // A different recording each round: each publish uploads a new object.
    let wav = |n: usize| {
        let path = dir.path().join(format!("take-{n}.wav"));
        let rate = 22_050;
        let samples: Vec<f32> = (0..rate * 2)
            .map(|i| {
                let f = 220.0 + 40.0 * n as f32;
                0.4 * (2.0 * std::f32::consts::PI * f * i as f32 / rate as f32).sin()
            })
            .collect();
        std::fs::write(
            &path,
            switchboard::audio::take::encode_wav(&samples, rate as u32).unwrap(),
        )
        .unwrap();
        path
    };

    let (seed, mut rng) = Lcg::seeded();
    let rounds = 10;
    let killed = (0..rounds)
        .filter(|&n| {
            let mut publish = profile.run(&["greetings", "publish", "--name", "Main", "--file"]);
            publish.arg(wav(n));
            cut_short(publish, &mut rng, 40, 300)
        })
        .count();
    eprintln!("greeting publish: killed {killed} of {rounds} runs (seed {seed})");
    assert!(killed >= 3, "rounds are cut off mid-publish (seed {seed})");
    let last = wav(rounds);
    let mut publish = profile.run(&["greetings", "publish", "--name", "Main", "--file"]);
    publish.arg(&last);
    run_ok(publish);

    // One object, the greeting's, whole and public; nothing left from the killed runs.
    let listed = s3
        .list_objects_v2()
        .bucket("acme-phones")
        .send()
        .await
        .unwrap()
        .contents
        .unwrap_or_default();
    let keys: Vec<String> = listed.iter().filter_map(|o| o.key.clone()).collect();
    assert_eq!(
        keys.len(),
        1,
        "only the greeting's audio (seed {seed}): {keys:?}"
    );
    let shown = run_ok(profile.run(&["greetings", "list", "--json"]));
    let url = shown.to_string();
    assert!(
        url.contains(&keys[0]),
        "the greeting plays that object (seed {seed}): {url}"
    );
    let public = format!("{}/acme-phones/{}", moto.url(), keys[0]);
    let fetched = reqwest::get(&public).await.unwrap();
    assert_eq!(fetched.status(), 200);
    let expected =
        switchboard::audio::take::prepare_wav_file(&std::fs::read(&last).unwrap()).unwrap();
    assert_eq!(
        fetched.bytes().await.unwrap().as_ref(),
        expected.as_slice(),
        "the last take, whole (seed {seed})"
    );
}
