//! Over 600 lines: the engine's scenarios (CLI, agent, the app's line) share one scene of real
//! peers and read side by side; the peers themselves are apart (`support::sip`).
//!
//! The native SIP engine against real peers: kamailio as registrar and proxy, baresip as the
//! far end, all in a network namespace each test makes for itself (see `support::sip`). The
//! sound is checked by frequency (Goertzel), both ways.

mod support;

use std::time::Duration;

use support::audio::{power, strongest};
use support::sip::{
    Answer, HOST, PASSWORD, Phone, REGISTRAR, Registrar, Running, cli, private_network, read_wav,
    tone_wav,
};

/// The share of `samples` (8 kHz) that is loud, in 20 ms windows.
fn loud_share(samples: &[f32]) -> f32 {
    let windows: Vec<f32> = samples
        .chunks(160)
        .map(|w| (w.iter().map(|s| s * s).sum::<f32>() / w.len() as f32).sqrt())
        .collect();
    windows.iter().filter(|r| **r > 0.1).count() as f32 / windows.len().max(1) as f32
}

/// The strongest of 440 Hz and 1 kHz in the loud middle of `samples`.
fn tone_in(samples: &[f32]) -> f32 {
    assert!(samples.len() > 8_000, "only {} samples", samples.len());
    let middle = &samples[samples.len() / 4..samples.len() * 3 / 4];
    strongest(middle, 8_000, &[440.0, 1_000.0])
}

struct Scene {
    dir: tempfile::TempDir,
    registrar: Registrar,
}

fn scene() -> Scene {
    private_network();
    let dir = tempfile::tempdir().unwrap();
    let registrar = Registrar::start(dir.path());
    tone_wav(&dir.path().join("440.wav"), 440.0, 8.0);
    tone_wav(&dir.path().join("1k.wav"), 1_000.0, 8.0);
    Scene { dir, registrar }
}

impl Scene {
    fn path(&self, name: &str) -> std::path::PathBuf {
        self.dir.path().join(name)
    }

    fn phone(&self, user: &str, port: u16, answer: Answer, codecs: &[&str]) -> Phone {
        Phone::start(
            self.dir.path(),
            user,
            port,
            &self.path("1k.wav"),
            answer,
            codecs,
        )
    }

    /// `switchboard sip answer` as alice: waits 20 s for one call, sends the 440 Hz file for
    /// 3 s and writes what it hears to `heard`.
    fn answer(&self, heard: &std::path::Path) -> Running {
        let mut c = cli(self.dir.path(), PASSWORD);
        c.args([
            "sip",
            "answer",
            "--registrar",
            REGISTRAR,
            "--sip-user",
            "alice",
        ])
        .args(["--wait", "20", "--seconds", "3"])
        .arg("--input-wav")
        .arg(self.path("440.wav"))
        .arg("--output-wav")
        .arg(heard);
        Running::spawn(c)
    }

    /// `switchboard call TO --engine sip` as alice, with `extra` flags.
    fn call(&self, to: &str, extra: &[&str]) -> Running {
        let mut command = cli(self.dir.path(), PASSWORD);
        command
            .args([
                "call",
                to,
                "--engine",
                "sip",
                "--registrar",
                REGISTRAR,
                "--sip-user",
                "alice",
            ])
            .args(extra);
        Running::spawn(command)
    }
}

/// `switchboard sip register` as `user` with `password`.
fn register(dir: &std::path::Path, user: &str, password: &str) -> std::process::Output {
    cli(dir, password)
        .args([
            "sip",
            "register",
            "--registrar",
            REGISTRAR,
            "--sip-user",
            user,
        ])
        .output()
        .unwrap()
}

#[test]
fn registers_and_a_wrong_password_is_refused_once_with_a_clear_error() {
    let scene = scene();
    let out = register(scene.dir.path(), "alice", PASSWORD);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains(&format!("Registered sip:alice@{HOST}")),
        "{stdout}"
    );

    let before = scene.registrar.registers_from("mallory");
    let out = register(scene.dir.path(), "mallory", "not-the-password");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("error[unauthorized]") && stderr.contains("check the SIP password"),
        "{stderr}"
    );
    // The first REGISTER and its one answer to the challenge; no retries.
    assert_eq!(scene.registrar.registers_from("mallory") - before, 2);
}

/// The SIP password (a canary) reaches no file, log line or output, with logging at its most
/// verbose: the registrar is answered with a digest, never the password.
#[test]
fn the_sip_password_reaches_no_file_log_or_output() {
    use base64::Engine as _;
    let scene = scene();
    let out = cli(scene.dir.path(), PASSWORD)
        .env("SWITCHBOARD_LOG", "trace")
        .args([
            "-v",
            "sip",
            "register",
            "--registrar",
            REGISTRAR,
            "--sip-user",
            "alice",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let files = support::read_tree(&scene.dir.path().join("data"));
    assert!(
        files.contains("Authorization: Digest") || stderr.contains("Authorization: Digest"),
        "trace logging showed the digest answer"
    );
    let forms = [
        PASSWORD.to_owned(),
        base64::engine::general_purpose::STANDARD.encode(PASSWORD),
        PASSWORD.bytes().map(|b| format!("{b:02x}")).collect(),
    ];
    for form in &forms {
        assert!(
            !files.contains(form.as_str()),
            "{form} is in the data directory or logs"
        );
        assert!(
            !stderr.contains(form.as_str()),
            "{form} is in the CLI's output"
        );
        assert!(!String::from_utf8_lossy(&out.stdout).contains(form.as_str()));
    }
}

#[test]
fn a_registrar_that_does_not_answer_is_a_timeout() {
    private_network();
    let dir = tempfile::tempdir().unwrap();
    let out = register(dir.path(), "alice", PASSWORD);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("error[timeout]") && stderr.contains("did not answer"),
        "{stderr}"
    );
}

#[test]
fn an_outbound_call_carries_sound_both_ways() {
    let scene = scene();
    let bob = scene.phone("bob", 5080, Answer::Auto, &["g711"]);
    let heard = scene.path("alice-heard.wav");
    let call = scene.call(
        "bob",
        &[
            "--input-wav",
            &scene.path("440.wav").to_string_lossy(),
            "--output-wav",
            &heard.to_string_lossy(),
            "--seconds",
            "4",
            "--from",
            "+1 415 555 0123",
        ],
    );
    let (ok, stdout, stderr) = call.finish(Duration::from_secs(30));
    assert!(ok, "{stderr}");
    assert!(stderr.contains("connected to bob (PCMU)"), "{stderr}");
    // The caller ID travels in X-Caller-Id, for the Twilio routing to place the call out with.
    assert!(
        scene
            .registrar
            .log_text()
            .contains("INVITE from alice to bob caller-id +14155550123 "),
        "{}",
        scene.registrar.log_text()
    );
    assert!(stdout.contains("(hung up)"), "{stdout}");
    assert!(stdout.contains("media not encrypted (RTP)."), "{stdout}");
    let bob = bob.quit();

    // What alice sent reached bob as 440 Hz, and bob's 1 kHz reached alice's file.
    let at_bob = bob.heard();
    assert_eq!(tone_in(&at_bob), 440.0);
    assert!(loud_share(&at_bob) > 0.8, "{}", loud_share(&at_bob));
    let at_alice = read_wav(&heard);
    assert_eq!(tone_in(&at_alice), 1_000.0);
    assert!(loud_share(&at_alice) > 0.8, "{}", loud_share(&at_alice));
    // About four seconds each way.
    assert!(
        (3.5..5.0).contains(&(at_alice.len() as f32 / 8_000.0)),
        "{}",
        at_alice.len()
    );
}

/// RTCP both ways with a real stack: baresip's reports about our stream echo our sender
/// reports, which is how the round trip is measured (on loopback, a few milliseconds).
#[test]
fn rtcp_reports_from_the_far_end_give_the_round_trip() {
    let scene = scene();
    // baresip hangs up when its sound file ends: 20 s, for two of its reports (every ~5 s).
    let long = scene.path("1k-long.wav");
    tone_wav(&long, 1_000.0, 20.0);
    let bob = Phone::start(
        scene.dir.path(),
        "bob",
        5080,
        &long,
        Answer::Auto,
        &["g711"],
    );
    let call = scene.call("bob", &["--seconds", "12"]);
    let (ok, stdout, stderr) = call.finish(Duration::from_secs(40));
    bob.quit();
    assert!(ok, "{stderr}");
    let rtt: f64 = stdout
        .split("round trip ")
        .nth(1)
        .and_then(|rest| rest.split(" ms").next()?.parse().ok())
        .unwrap_or_else(|| panic!("no round trip in {stdout}"));
    // Measured (a figure, not "not measured"), and short: loopback takes microseconds.
    assert!((0.0..50.0).contains(&rtt), "{rtt} ms on loopback: {stdout}");
}

/// Keypad digits go out as RFC 4733 events that baresip, a different stack, reads as those
/// keys, in order.
#[test]
fn keypad_digits_reach_the_far_end_as_telephone_events() {
    let scene = scene();
    let bob = scene.phone("bob", 5080, Answer::Auto, &["g711"]);
    let call = scene.call(
        "bob",
        &[
            "--input-wav",
            &scene.path("440.wav").to_string_lossy(),
            "--seconds",
            "4",
            "--dtmf",
            "159#*0",
        ],
    );
    let (ok, _, stderr) = call.finish(Duration::from_secs(30));
    assert!(ok, "{stderr}");
    let bob = bob.quit();
    let log = std::fs::read_to_string(&bob.log).unwrap();
    // baresip logs each event as it starts and once when it ends.
    let keys: String = log
        .lines()
        .filter_map(|line| {
            line.strip_prefix("received event: '")?
                .strip_suffix("' (end=1)")
        })
        .collect();
    assert_eq!(keys, "159#*0", "{log}");
}

#[test]
fn an_incoming_call_is_answered_and_carries_sound_both_ways() {
    let scene = scene();
    let heard = scene.path("alice-heard.wav");
    let mut alice = scene.answer(&heard);
    alice.wait_for("registered", Duration::from_secs(10));
    let mut bob = scene.phone("bob", 5080, Answer::Auto, &["g711"]);
    bob.command(&format!("d sip:alice@{REGISTRAR}"));
    alice.wait_for("incoming call from sip:bob@", Duration::from_secs(10));
    let (ok, stdout, stderr) = alice.finish(Duration::from_secs(20));
    assert!(ok, "{stderr}");
    assert!(stdout.contains("Call over after"), "{stdout}");
    let bob = bob.quit();
    assert_eq!(tone_in(&bob.heard()), 440.0);
    let at_alice = read_wav(&heard);
    assert_eq!(tone_in(&at_alice), 1_000.0);
    assert!(loud_share(&at_alice) > 0.8);
}

/// Encrypted media with a different stack: baresip requiring SRTP (RTP/SAVP with SDES keys)
/// hears us and we hear it, calling out and calling in; a plain far end is refused in words.
#[test]
fn srtp_calls_carry_sound_both_ways_and_a_plain_answer_is_refused() {
    let scene = scene();
    let mut bob = scene.phone("bob", 5080, Answer::Auto, &["g711", "srtp"]);
    let heard = scene.path("alice-heard.wav");
    let (ok, stdout, stderr) = scene
        .call(
            "bob",
            &[
                "--srtp",
                "--input-wav",
                &scene.path("440.wav").to_string_lossy(),
                "--output-wav",
                &heard.to_string_lossy(),
                "--seconds",
                "3",
            ],
        )
        .finish(Duration::from_secs(30));
    assert!(ok, "{stderr}");
    assert!(stdout.contains("media encrypted (SRTP)."), "{stdout}");
    let at_alice = read_wav(&heard);
    assert_eq!(tone_in(&at_alice), 1_000.0);
    assert!(loud_share(&at_alice) > 0.8, "{}", loud_share(&at_alice));

    // Bob calls in with his SRTP offer; alice answers with a key of her own.
    let heard_in = scene.path("alice-heard-in.wav");
    let mut alice = scene.answer(&heard_in);
    alice.wait_for("registered", Duration::from_secs(10));
    bob.command(&format!("d sip:alice@{REGISTRAR}"));
    let (ok, stdout, stderr) = alice.finish(Duration::from_secs(20));
    assert!(ok, "{stderr}");
    assert!(stdout.contains("media encrypted (SRTP)."), "{stdout}");
    let at_alice = read_wav(&heard_in);
    assert_eq!(tone_in(&at_alice), 1_000.0);
    assert!(loud_share(&at_alice) > 0.8);
    let bob = bob.quit();
    // Bob heard alice's 440 Hz on both calls, and his log says the media was SRTP.
    assert_eq!(tone_in(&bob.heard()), 440.0);
    let log = std::fs::read_to_string(&bob.log).unwrap();
    assert_eq!(
        log.matches("SRTP is Enabled (cryptosuite=AES_CM_128_HMAC_SHA1_80)")
            .count(),
        2,
        "{log}"
    );

    // A far end without SRTP cannot take the call.
    let _carol = scene.phone("carol", 5090, Answer::Auto, &["g711"]);
    let (ok, _, stderr) = scene
        .call("carol", &["--srtp", "--seconds", "2"])
        .finish(Duration::from_secs(30));
    assert!(!ok);
    assert!(
        stderr.contains("without encrypted media")
            || stderr.contains("488")
            || stderr.contains("Not Acceptable"),
        "{stderr}"
    );
}

#[test]
fn the_far_end_hanging_up_ends_the_call() {
    let scene = scene();
    let mut bob = scene.phone("bob", 5080, Answer::Auto, &["g711"]);
    let mut call = scene.call("bob", &[]);
    call.wait_for("connected to bob", Duration::from_secs(10));
    std::thread::sleep(Duration::from_secs(1));
    bob.command("b");
    let (ok, stdout, stderr) = call.finish(Duration::from_secs(10));
    assert!(ok, "{stderr}");
    assert!(stdout.contains("the far end hung up"), "{stdout}");
}

#[test]
fn busy_and_unknown_users_are_said_in_words() {
    let scene = scene();
    let mut carol = Running::spawn({
        let mut c = cli(scene.dir.path(), PASSWORD);
        c.args([
            "sip",
            "answer",
            "--registrar",
            REGISTRAR,
            "--sip-user",
            "carol",
            "--busy",
        ]);
        c
    });
    carol.wait_for("registered", Duration::from_secs(10));
    let (ok, _, stderr) = scene.call("carol", &[]).finish(Duration::from_secs(20));
    assert!(!ok);
    assert!(
        stderr.contains("error[network]: carol is busy."),
        "{stderr}"
    );
    let (ok, stdout, stderr) = carol.finish(Duration::from_secs(5));
    assert!(ok, "{stderr}");
    assert!(
        stdout.contains("Declined the call from sip:alice@"),
        "{stdout}"
    );

    let (ok, _, stderr) = scene.call("nobody", &[]).finish(Duration::from_secs(20));
    assert!(!ok);
    assert!(
        stderr.contains("nobody does not exist on the SIP server (404)"),
        "{stderr}"
    );
}

#[test]
fn no_common_codec_is_refused_both_ways() {
    let scene = scene();
    // A far end that speaks only Opus.
    let mut dave = scene.phone("dave", 5090, Answer::Auto, &["opus"]);
    let (ok, _, stderr) = scene.call("dave", &[]).finish(Duration::from_secs(20));
    assert!(!ok);
    assert!(
        stderr.contains("cannot use any codec Switchboard offers"),
        "{stderr}"
    );

    // Dave calling us is refused with 488 before it rings.
    let alice = Running::spawn({
        let mut c = cli(scene.dir.path(), PASSWORD);
        c.args([
            "sip",
            "answer",
            "--registrar",
            REGISTRAR,
            "--sip-user",
            "alice",
            "--wait",
            "4",
        ]);
        c
    });
    std::thread::sleep(Duration::from_secs(1));
    dave.command(&format!("d sip:alice@{REGISTRAR}"));
    let (ok, _, stderr) = alice.finish(Duration::from_secs(15));
    assert!(!ok);
    assert!(stderr.contains("error[timeout]: No call came"), "{stderr}");
    assert!(
        scene.registrar.relayed(488, "alice"),
        "no 488 from alice reached the proxy"
    );
}

#[test]
fn bad_input_is_refused_before_anything_is_sent() {
    let scene = scene();
    let not_wav = scene.path("not.wav");
    std::fs::write(&not_wav, b"this is not a wav").unwrap();
    let (ok, _, stderr) = scene
        .call("bob", &["--input-wav", &not_wav.to_string_lossy()])
        .finish(Duration::from_secs(10));
    assert!(!ok);
    assert!(
        stderr.contains("error[invalid_input]: cannot read") && stderr.contains("not.wav"),
        "{stderr}"
    );
    let (ok, _, stderr) = scene
        .call("bob", &["--dtmf", "12x"])
        .finish(Duration::from_secs(10));
    assert!(!ok);
    assert!(stderr.contains("'x' is not a keypad key"), "{stderr}");
    assert_eq!(scene.registrar.registers_from("alice"), 0);
}

/// Without WAV files the call uses the sound devices: inside `scripts/with-audio.sh` the
/// speaker is PipeWire's null sink and the microphone its monitor. What bob sends (1 kHz) is
/// played into the sink; a 440 Hz tone played into the sink reaches bob through the
/// microphone.
#[test]
fn a_call_uses_the_microphone_and_the_speaker() {
    let sink = support::audio::test_sink();
    let scene = scene();
    let bob = scene.phone("bob", 5080, Answer::Auto, &["g711"]);
    let monitor = support::audio::MonitorRecorder::start(&sink, scene.path("monitor.raw"));
    let mut call = scene.call("bob", &["--seconds", "5"]);
    call.wait_for("connected to bob", Duration::from_secs(10));
    std::thread::sleep(Duration::from_millis(1_500));
    let mut played = std::process::Command::new("paplay")
        .arg(format!("--device={sink}"))
        .arg(scene.path("440.wav"))
        .spawn()
        .unwrap();
    let (ok, stdout, stderr) = call.finish(Duration::from_secs(20));
    let _ = played.kill();
    let _ = played.wait();
    assert!(ok, "{stderr}");
    assert!(stdout.contains("0 lost"), "{stdout}");
    let speaker = monitor.stop();
    let bob = bob.quit();

    // The speaker played bob's 1 kHz, loud, from about when the call connected.
    let first_second = &speaker[16_000..32_000];
    assert_eq!(
        strongest(first_second, 16_000, &[440.0, 1_000.0, 700.0]),
        1_000.0
    );
    assert!(power(first_second, 16_000, 1_000.0) > 1_000.0 * power(first_second, 16_000, 700.0));
    // Bob heard the microphone: the 440 Hz tone as well as the echo of his own.
    let heard = bob.heard();
    let tail = &heard[heard.len() / 2..];
    let floor = power(tail, 8_000, 700.0);
    assert!(
        power(tail, 8_000, 440.0) > 100.0 * floor,
        "440 Hz {} vs floor {floor}",
        power(tail, 8_000, 440.0)
    );
    assert!(power(tail, 8_000, 1_000.0) > 100.0 * floor);
}

/// The agent as a library, for what the CLI does not expose: hold and a call given up while
/// ringing. Runs on a runtime made after the test entered its network namespace.
/// A headset unplugged mid-call: the call moves to the default speaker and microphone, says
/// so in a notice, and the sound carries on both ways.
#[test]
fn a_headset_unplugged_mid_call_moves_the_call_to_the_defaults() {
    let sink = support::audio::test_sink();
    let scene = scene();
    let bob = scene.phone("bob", 5080, Answer::Auto, &["g711"]);
    let loaded = std::process::Command::new("pactl")
        .args([
            "load-module",
            "module-null-sink",
            "sink_name=switchboard_sip_headset",
            "sink_properties=device.description=Test-Headset",
        ])
        .output()
        .unwrap();
    assert!(loaded.status.success());
    let module = String::from_utf8(loaded.stdout).unwrap().trim().to_owned();
    let (mut speaker, mut microphone) = (None, None);
    for _ in 0..50 {
        speaker = switchboard::audio::output_devices()
            .unwrap()
            .into_iter()
            .find(|d| d.name.contains("Test-Headset"));
        microphone = switchboard::audio::input_devices()
            .unwrap()
            .into_iter()
            .find(|d| d.name.contains("Test-Headset"));
        if speaker.is_some() && microphone.is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let (speaker, microphone) = (speaker.unwrap(), microphone.unwrap());
    let mut call = scene.call(
        "bob",
        &[
            "--seconds",
            "9",
            "--speaker",
            &speaker.id,
            "--microphone",
            &microphone.id,
        ],
    );
    call.wait_for("connected to bob", Duration::from_secs(10));
    std::thread::sleep(Duration::from_millis(1_500));
    let unplugged = std::process::Command::new("pactl")
        .args(["unload-module", &module])
        .status()
        .unwrap();
    assert!(unplugged.success());
    call.wait_for("notice: ", Duration::from_secs(5));
    std::thread::sleep(Duration::from_millis(500));
    // Now on the defaults: bob's 1 kHz reaches the default sink, and a 440 Hz tone played
    // into it reaches bob through the default microphone (the sink's monitor).
    let monitor = support::audio::MonitorRecorder::start(&sink, scene.path("after.raw"));
    std::thread::sleep(Duration::from_millis(1_000));
    let mut played = std::process::Command::new("paplay")
        .arg(format!("--device={sink}"))
        .arg(scene.path("440.wav"))
        .spawn()
        .unwrap();
    let (ok, stdout, stderr) = call.finish(Duration::from_secs(20));
    let _ = played.kill();
    let _ = played.wait();
    assert!(ok, "{stderr}");
    assert!(
        stderr.contains("The speaker Test-Headset is no longer available")
            && stderr.contains("the call goes on through"),
        "{stderr}"
    );
    assert!(
        stderr.contains("The microphone") && stderr.contains("the call goes on with"),
        "{stderr}"
    );
    assert!(stdout.contains("0 lost"), "{stdout}");
    let after = monitor.stop();
    let second = &after[..16_000.min(after.len())];
    assert_eq!(strongest(second, 16_000, &[440.0, 1_000.0, 700.0]), 1_000.0);
    assert!(power(second, 16_000, 1_000.0) > 1_000.0 * power(second, 16_000, 700.0));
    let heard = bob.quit().heard();
    let tail = &heard[heard.len() / 2..];
    assert!(
        power(tail, 8_000, 440.0) > 100.0 * power(tail, 8_000, 700.0),
        "bob hears the default microphone after the move"
    );
}

fn agent_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn alice_account() -> switchboard::sip::SipAccount {
    switchboard::sip::SipAccount {
        registrar: REGISTRAR.into(),
        domain: None,
        user: "alice".into(),
        password: switchboard::secret::Sensitive::new(PASSWORD.into()),
        srtp: false,
    }
}

#[test]
fn hold_stops_our_sound_and_resume_brings_it_back() {
    let scene = scene();
    let bob = scene.phone("bob", 5080, Answer::Auto, &["g711"]);
    agent_runtime().block_on(async {
        let agent = switchboard::sip::UserAgent::start(alice_account())
            .await
            .unwrap();
        agent.register().await.unwrap();
        let source = switchboard::sip::wav::WavSource::open(&scene.path("440.wav")).unwrap();
        let mut call = agent
            .call(
                "bob",
                &[],
                Duration::from_secs(10),
                Box::new(source),
                Box::new(switchboard::sip::wav::Discard),
            )
            .await
            .unwrap();
        let sent = |call: &switchboard::sip::SipCall| {
            call.media()
                .stats
                .sent
                .load(std::sync::atomic::Ordering::Relaxed)
        };
        tokio::time::sleep(Duration::from_millis(500)).await;
        call.hold(true).await.unwrap();
        tokio::time::sleep(Duration::from_millis(100)).await;
        let held = sent(&call);
        tokio::time::sleep(Duration::from_millis(600)).await;
        assert_eq!(
            sent(&call),
            held,
            "no sound leaves while the far end is on hold"
        );
        call.hold(false).await.unwrap();
        tokio::time::sleep(Duration::from_millis(600)).await;
        let resumed = sent(&call) - held;
        assert!(
            (25..=35).contains(&resumed),
            "{resumed} packets in 600 ms after resuming"
        );
        call.hang_up().await.unwrap();
    });
    let _bob = bob.quit();
    // The re-INVITEs went through the proxy: sendonly to hold, sendrecv to resume.
    let log = scene.registrar.log_text();
    assert!(
        log.contains("HOLD from alice ") && log.contains("RESUME from alice "),
        "{log}"
    );
}

#[test]
fn a_call_given_up_while_ringing_is_cancelled() {
    let scene = scene();
    let _bob = scene.phone("bob", 5080, Answer::Manual, &["g711"]);
    agent_runtime().block_on(async {
        let agent = switchboard::sip::UserAgent::start(alice_account())
            .await
            .unwrap();
        agent.register().await.unwrap();
        let err = agent
            .call(
                "bob",
                &[],
                Duration::from_secs(2),
                Box::new(switchboard::sip::media::Silence),
                Box::new(switchboard::sip::wav::Discard),
            )
            .await
            .unwrap_err();
        assert_eq!(err.code, switchboard::Code::Timeout, "{err:?}");
        assert!(
            err.message.contains("did not answer within 2 s"),
            "{}",
            err.message
        );
        // The INVITE was CANCELed: bob answered it 487 Request Terminated.
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while !scene.registrar.relayed(487, "bob") {
            assert!(
                std::time::Instant::now() < deadline,
                "no 487 from bob:\n{}",
                scene.registrar.log_text()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    });
}

/// The app's SIP line (`Calling::start_line`) with bob calling it: its registration, the calls
/// it rings, and what the window asks of them.
struct Line {
    calling: switchboard::calling::Calling,
    views: tokio::sync::mpsc::UnboundedReceiver<switchboard::calling::CallView>,
    lines: tokio::sync::mpsc::UnboundedReceiver<switchboard::calling::LineStatus>,
}

impl Line {
    async fn start() -> Self {
        let (view_tx, views) = tokio::sync::mpsc::unbounded_channel();
        let (line_tx, lines) = tokio::sync::mpsc::unbounded_channel();
        let calling = switchboard::calling::Calling::new(move |v| {
            let _ = view_tx.send(v.clone());
        });
        calling.on_line(move |s| {
            let _ = line_tx.send(s.clone());
        });
        // Incoming SIP calls need Twilio only for transfers and recordings: none here.
        let twilio = support::client(
            switchboard::twilio::ApiBase::custom(&format!(
                "http://127.0.0.1:{}",
                support::free_port()
            ))
            .unwrap(),
        );
        calling
            .start_line(
                alice_account(),
                twilio,
                switchboard::calling::SipDevices::default(),
            )
            .await
            .unwrap();
        let mut line = Self {
            calling,
            views,
            lines,
        };
        let registered = line
            .line_until(|s| s.state == switchboard::calling::LineState::Registered)
            .await;
        assert_eq!(
            registered.address.as_deref(),
            Some(format!("sip:alice@{HOST}").as_str())
        );
        line
    }

    async fn line_until(
        &mut self,
        done: impl Fn(&switchboard::calling::LineStatus) -> bool,
    ) -> switchboard::calling::LineStatus {
        tokio::time::timeout(Duration::from_secs(10), async {
            loop {
                let status = self.lines.recv().await.expect("line states");
                if done(&status) {
                    return status;
                }
            }
        })
        .await
        .expect("the line state in time")
    }

    async fn until(
        &mut self,
        what: &str,
        done: impl Fn(&switchboard::calling::CallView) -> bool,
    ) -> switchboard::calling::CallView {
        tokio::time::timeout(Duration::from_secs(15), async {
            loop {
                let view = self.views.recv().await.expect("call views");
                if done(&view) {
                    return view;
                }
            }
        })
        .await
        .unwrap_or_else(|_| panic!("{what} in time"))
    }

    async fn control(
        &self,
        id: &str,
        control: switchboard::calling::CallControl,
    ) -> switchboard::calling::CallView {
        self.calling.control(id, control).await.unwrap()
    }
}

/// Waits (without blocking the runtime the agent runs on) until `file` contains `needle`.
async fn log_says(file: &std::path::Path, needle: &str) {
    for _ in 0..100 {
        if std::fs::read_to_string(file)
            .unwrap_or_default()
            .contains(needle)
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    support::sip::wait_for_log(file, needle, Duration::ZERO);
}

/// The window's way of taking a call on the SIP line: it rings, is answered on the sound
/// devices (microphone = the null sink's monitor, where a 440 Hz tone plays), reports its
/// quality, holds and resumes by re-INVITE, and ends when bob hangs up.
#[test]
fn the_app_line_rings_and_an_answered_call_uses_the_microphone_and_reports_quality() {
    use switchboard::calling::{CallControl, CallDirection, CallPhase, EngineKind};
    let sink = support::audio::test_sink();
    let scene = scene();
    let mut bob = scene.phone("bob", 5080, Answer::Auto, &["g711"]);
    agent_runtime().block_on(async {
        let mut line = Line::start().await;
        bob.command(&format!("d sip:alice@{REGISTRAR}"));
        let ringing = line
            .until("the call ringing", |v| v.phase == CallPhase::Ringing)
            .await;
        assert_eq!(ringing.engine, EngineKind::Sip);
        assert_eq!(ringing.direction, CallDirection::Inbound);
        assert!(
            ringing.remote.starts_with(&format!("sip:bob@{HOST}")),
            "{}",
            ringing.remote
        );

        let answered = line.control(&ringing.id, CallControl::Answer).await;
        assert_eq!(answered.id, ringing.id);
        line.until("the call connected", |v| v.phase == CallPhase::InProgress)
            .await;
        let mut tone = std::process::Command::new("paplay")
            .arg(format!("--device={sink}"))
            .arg(scene.path("440.wav"))
            .spawn()
            .unwrap();

        // Quality arrives every 2 s: bob's packets all here, a clean loopback's MOS.
        let measured = line
            .until("a quality report with packets", |v| {
                v.quality.as_ref().is_some_and(|q| q.received > 100)
            })
            .await;
        let quality = measured.quality.unwrap();
        eprintln!("quality on a clean loopback: {quality:?}");
        assert_eq!(quality.codec, "PCMU");
        assert_eq!(quality.loss_percent, 0.0, "{quality:?}");
        assert!(quality.jitter_ms < 20.0, "{quality:?}");
        assert!(quality.mos >= 4.2, "{quality:?}");
        assert_eq!(quality.rtt_ms, None, "no RTCP yet");

        // Hold and resume go to bob as re-INVITEs through the registrar.
        assert!(line.control(&ringing.id, CallControl::Hold).await.on_hold);
        log_says(&scene.registrar.log, "HOLD from alice").await;
        assert!(!line.control(&ringing.id, CallControl::Resume).await.on_hold);
        log_says(&scene.registrar.log, "RESUME from alice").await;

        // A call that is not ringing cannot be answered again.
        let again = line.calling.control(&ringing.id, CallControl::Answer).await;
        assert!(again.unwrap_err().message.contains("ringing"));

        tokio::time::sleep(Duration::from_secs(2)).await;
        bob.command("b");
        let ended = line
            .until("the call ended", |v| v.phase == CallPhase::Ended)
            .await;
        assert_eq!(ended.end_reason.as_deref(), Some("They hung up."));
        let _ = tone.kill();
        let _ = tone.wait();
        line.calling.stop_line().await;
        line.line_until(|s| s.state == switchboard::calling::LineState::Off)
            .await;
    });
    // Bob heard the microphone: the tone played into the sink.
    let bob = bob.quit();
    let heard = bob.heard();
    let tail = &heard[heard.len() / 2..];
    let floor = power(tail, 8_000, 700.0);
    assert!(
        power(tail, 8_000, 440.0) > 100.0 * floor,
        "440 Hz {} vs floor {floor}",
        power(tail, 8_000, 440.0)
    );
}

/// Declining sends 603 and the call says so; a caller who gives up while it rings leaves a
/// missed call.
#[test]
fn the_app_line_declines_with_603_and_a_caller_who_gives_up_is_missed() {
    use switchboard::calling::{CallControl, CallPhase};
    let scene = scene();
    let mut bob = scene.phone("bob", 5080, Answer::Auto, &["g711"]);
    agent_runtime().block_on(async {
        let mut line = Line::start().await;
        bob.command(&format!("d sip:alice@{REGISTRAR}"));
        let ringing = line
            .until("the call ringing", |v| v.phase == CallPhase::Ringing)
            .await;
        let declined = line.control(&ringing.id, CallControl::Hangup).await;
        assert_eq!(declined.phase, CallPhase::Ended);
        assert_eq!(declined.end_reason.as_deref(), Some("Declined."));
        log_says(&scene.registrar.log, "REPLY 603 INVITE").await;

        bob.command(&format!("d sip:alice@{REGISTRAR}"));
        let second = line
            .until("the second call ringing", |v| {
                v.phase == CallPhase::Ringing && v.id != ringing.id
            })
            .await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        bob.command("b");
        let missed = line
            .until("the second call missed", |v| {
                v.id == second.id && v.phase == CallPhase::Ended
            })
            .await;
        assert!(
            missed.end_reason.as_deref().unwrap().starts_with("Missed"),
            "{missed:?}"
        );
        line.calling.stop_line().await;
    });
    let log = scene.registrar.log_text();
    assert!(log.contains("CANCEL from bob to alice"), "{log}");
}

/// A wrong password leaves the line refused, with the registrar's words, and no retry storm.
#[test]
fn the_app_line_with_a_wrong_password_is_refused_and_says_why() {
    let scene = scene();
    agent_runtime().block_on(async {
        let (line_tx, mut lines) = tokio::sync::mpsc::unbounded_channel();
        let calling = switchboard::calling::Calling::new(|_| {});
        calling.on_line(move |s| {
            let _ = line_tx.send(s.clone());
        });
        let mut account = alice_account();
        account.password = switchboard::secret::Sensitive::new("wrong".into());
        let twilio = support::client(
            switchboard::twilio::ApiBase::custom(&format!(
                "http://127.0.0.1:{}",
                support::free_port()
            ))
            .unwrap(),
        );
        calling
            .start_line(account, twilio, switchboard::calling::SipDevices::default())
            .await
            .unwrap();
        let refused = tokio::time::timeout(Duration::from_secs(10), async {
            loop {
                let s: switchboard::calling::LineStatus = lines.recv().await.unwrap();
                if s.state == switchboard::calling::LineState::Refused {
                    return s;
                }
            }
        })
        .await
        .expect("refused in time");
        assert!(refused.reason.unwrap().contains("check the SIP password"));
        assert_eq!(
            calling.line_status().state,
            switchboard::calling::LineState::Refused
        );
        tokio::time::sleep(Duration::from_secs(6)).await;
    });
    assert_eq!(
        scene.registrar.registers_from("alice"),
        2,
        "one challenge, one refused answer"
    );
}

/// What a far end may send that is not a call we can carry: an INVITE whose SDP is garbage is
/// refused with 400 before it rings, a datagram that is not SIP at all is ignored, and the
/// agent goes on answering (OPTIONS 200) and registering.
#[test]
fn malformed_sdp_and_garbage_datagrams_are_refused_without_harm() {
    let _scene = scene();
    agent_runtime().block_on(async {
        let agent = switchboard::sip::UserAgent::start(alice_account())
            .await
            .unwrap();
        agent.register().await.unwrap();
        let contact = agent.contact();
        let target = contact.rsplit_once('@').unwrap().1.to_owned();
        let socket = tokio::net::UdpSocket::bind((HOST, 0)).await.unwrap();
        let local = socket.local_addr().unwrap();
        let request = |method: &str, body: &str, n: u32| {
            format!(
                "{method} {contact} SIP/2.0\r\nVia: SIP/2.0/UDP {local};branch=z9hG4bKbad{n}\r\nMax-Forwards: 70\r\nFrom: <sip:mallory@{HOST}>;tag=m{n}\r\nTo: <{contact}>\r\nCall-ID: bad{n}@{HOST}\r\nCSeq: 1 {method}\r\nContact: <sip:mallory@{local}>\r\nContent-Type: application/sdp\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            )
        };
        let garbage_sdp = "v=0\r\nthis is not a session description\r\nm=audio\r\n";
        socket
            .send_to(request("INVITE", garbage_sdp, 1).as_bytes(), &target)
            .await
            .unwrap();
        let refused = final_answer(&socket).await;
        assert!(refused.starts_with("SIP/2.0 400"), "{refused}");

        // Not SIP at all, then a truncated request: nothing answers, nothing breaks.
        socket.send_to(b"\x00\x01\x02 not sip \xff", &target).await.unwrap();
        socket
            .send_to(b"INVITE sip:alice SIP/2.0\r\nVia: broken\r\n\r\n", &target)
            .await
            .unwrap();
        socket
            .send_to(request("OPTIONS", "", 2).as_bytes(), &target)
            .await
            .unwrap();
        // The truncated request may get an answer of its own first.
        let mut alive = final_answer(&socket).await;
        if !alive.contains("OPTIONS") {
            alive = final_answer(&socket).await;
        }
        assert!(alive.starts_with("SIP/2.0 200") && alive.contains("OPTIONS"), "{alive}");
        agent.register().await.expect("still registers");
    });
}

/// The next final (not 1xx) answer on `socket`, within 5 s.
async fn final_answer(socket: &tokio::net::UdpSocket) -> String {
    let mut buf = vec![0u8; 4096];
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        let n = tokio::time::timeout_at(deadline, socket.recv(&mut buf))
            .await
            .expect("an answer in time")
            .unwrap();
        let text = String::from_utf8_lossy(&buf[..n]).into_owned();
        if !text.starts_with("SIP/2.0 1") {
            return text;
        }
    }
}

/// Between renewals a registered agent keeps the NAT binding to its registrar alive with
/// CRLFCRLF keep-alives from its SIP port (here every 100 ms instead of 25 s, to a stub).
#[test]
fn keep_alives_reach_the_registrar_from_the_sip_port() {
    support::sip::private_network();
    agent_runtime().block_on(async {
        let stub = tokio::net::UdpSocket::bind((HOST, 5090)).await.unwrap();
        let mut account = alice_account();
        account.registrar = format!("{HOST}:5090");
        let agent = switchboard::sip::UserAgent::start(account).await.unwrap();
        let sip_port = agent
            .contact()
            .rsplit_once(':')
            .unwrap()
            .1
            .parse::<u16>()
            .unwrap();
        agent.keep_alive(Duration::from_millis(100));
        let mut buf = [0u8; 64];
        let mut seen = 0;
        let deadline = tokio::time::Instant::now() + Duration::from_millis(1_050);
        while let Ok(Ok((n, from))) =
            tokio::time::timeout_at(deadline, stub.recv_from(&mut buf)).await
        {
            assert_eq!(&buf[..n], b"\r\n\r\n", "a keep-alive is CRLFCRLF");
            assert_eq!(from.port(), sip_port, "from the port the registrar knows");
            seen += 1;
        }
        assert!(
            (8..=11).contains(&seen),
            "{seen} keep-alives in a second at 100 ms"
        );
        agent.shutdown();
        tokio::time::sleep(Duration::from_millis(300)).await;
        let after =
            tokio::time::timeout(Duration::from_millis(300), stub.recv_from(&mut buf)).await;
        assert!(after.is_err(), "none once the agent stopped");
    });
}

/// A registration is renewed before the registrar's grant runs out; the registrar going away
/// shows as retrying, with the reason; once it is back the line registers again by itself.
/// (kamailio grants 10 s, so the line renews every 8 s.)
#[test]
fn a_registrar_that_goes_away_and_comes_back_is_registered_with_again() {
    use switchboard::calling::LineState;
    let Scene { dir, registrar } = scene();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let mut line = runtime.block_on(Line::start());
    let first = registrar.registers_from("alice");
    // Still reachable after the 10 s grant: renewed (at 8 s) before it ran out.
    std::thread::sleep(Duration::from_secs(11));
    assert!(
        registrar.registers_from("alice") > first,
        "renewed within the 10 s granted"
    );
    assert_eq!(
        runtime.block_on(async { line.calling.line_status() }).state,
        LineState::Registered
    );
    drop(registrar);
    let retrying = runtime.block_on(async {
        tokio::time::timeout(Duration::from_secs(45), async {
            loop {
                let status = line.lines.recv().await.expect("line states");
                if status.state == LineState::Retrying {
                    return status;
                }
            }
        })
        .await
        .expect("retrying once the registrar is gone")
    });
    assert!(
        retrying
            .reason
            .as_deref()
            .unwrap_or_default()
            .contains(REGISTRAR),
        "{retrying:?}"
    );
    assert_eq!(retrying.next_in, Some(5));
    let _back = Registrar::start(dir.path());
    let again = runtime.block_on(async {
        tokio::time::timeout(Duration::from_secs(20), async {
            loop {
                let status = line.lines.recv().await.expect("line states");
                if status.state == LineState::Registered {
                    return status;
                }
            }
        })
        .await
        .expect("registered again once the registrar is back")
    });
    assert!(again.reason.is_none());
    runtime.block_on(line.calling.stop_line());
}
