//! The `switchboard` binary as a script would use it.

use std::process::Command;

const SECRET: &str = "CliCanarySecret0000000000000ZZZZ";

fn switchboard(args: &[&str]) -> (bool, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args(["--data-dir", dir.path().to_str().unwrap()])
        .args(args)
        .env("TWILIO_ACCOUNT_SID", "AC0123456789abcdef0123456789abcdef")
        .env("TWILIO_API_KEY", "SKfedcba9876543210fedcba9876543210")
        .env("TWILIO_API_SECRET", SECRET)
        .output()
        .unwrap();
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    (out.status.success(), text(&out.stdout), text(&out.stderr))
}

#[test]
fn token_prints_a_jwt_signed_with_the_environment_key() {
    let (ok, stdout, stderr) = switchboard(&[
        "token",
        "--identity",
        "alice_desk",
        "--incoming",
        "--ttl",
        "600",
    ]);
    assert!(ok, "{stderr}");
    let jwt = stdout.trim();
    assert_eq!(jwt.split('.').count(), 3, "a JWT has three parts: {jwt}");
    assert!(!stdout.contains(SECRET) && !stderr.contains(SECRET));
    use base64::Engine as _;
    let claims: serde_json::Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(jwt.split('.').nth(1).unwrap())
            .unwrap(),
    )
    .unwrap();
    assert_eq!(claims["grants"]["identity"], "alice_desk");
    assert_eq!(claims["grants"]["voice"]["incoming"]["allow"], true);
    assert_eq!(claims["sub"], "AC0123456789abcdef0123456789abcdef");
    assert_eq!(
        claims["exp"].as_u64().unwrap() - 600,
        claims["jti"]
            .as_str()
            .unwrap()
            .rsplit('-')
            .next()
            .unwrap()
            .parse::<u64>()
            .unwrap()
    );
}

#[test]
fn bad_arguments_are_refused_naming_the_field_with_a_nonzero_exit() {
    for (args, expected) in [
        (
            vec!["token", "--identity", "bad id"],
            "error[invalid_input]: --identity",
        ),
        (
            vec!["token", "--identity", "ok", "--ttl", "86401"],
            "error[invalid_input]: --ttl",
        ),
        (
            vec![
                "token",
                "--identity",
                "ok",
                "--outgoing-application-sid",
                "SK1",
            ],
            "error[invalid_input]: --outgoing-application-sid",
        ),
        (
            vec!["connect", "--account-sid", "AC1", "--api-key", "SK1"],
            "error[invalid_input]: An Account SID",
        ),
    ] {
        let (ok, stdout, stderr) = switchboard(&args);
        assert!(!ok, "{args:?} must fail");
        assert!(stderr.starts_with(expected), "{args:?}: {stderr}");
        assert!(!stdout.contains(SECRET) && !stderr.contains(SECRET));
    }
}

#[test]
fn greetings_publish_checks_the_file_and_says_what_recorded_greetings_need() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("greeting.wav");
    std::fs::write(&bad, b"ID3 an mp3 renamed to .wav").unwrap();
    let bad = bad.to_str().unwrap();
    let (ok, _, stderr) = switchboard(&["greetings", "publish", "--name", "Main", "--file", bad]);
    assert!(!ok);
    assert!(stderr.contains("error[invalid_input]"), "{stderr}");
    assert!(stderr.contains("not a WAV file"), "{stderr}");

    let silent = dir.path().join("silent.wav");
    write_wav(&silent, |_| 0.0);
    let (ok, _, stderr) = switchboard(&[
        "greetings",
        "publish",
        "--name",
        "Main",
        "--file",
        silent.to_str().unwrap(),
    ]);
    assert!(!ok);
    assert!(stderr.contains("silent"), "{stderr}");

    let tone = dir.path().join("tone.wav");
    write_wav(&tone, |i| {
        0.4 * (2.0 * std::f32::consts::PI * 440.0 * i as f32 / 8000.0).sin()
    });
    let (ok, _, stderr) = switchboard(&[
        "greetings",
        "publish",
        "--name",
        "Main",
        "--file",
        tone.to_str().unwrap(),
        "--kind",
        "after-hours",
    ]);
    assert!(!ok);
    assert!(
        stderr.contains("--open"),
        "an after-hours greeting needs its hours: {stderr}"
    );
    let (ok, _, stderr) = switchboard(&[
        "greetings",
        "publish",
        "--name",
        "Main",
        "--file",
        tone.to_str().unwrap(),
    ]);
    assert!(!ok);
    assert!(stderr.contains("error[not_configured]"), "{stderr}");
    assert!(stderr.contains("S3"), "{stderr}");
}

/// Two seconds of 8 kHz mono 16-bit WAV whose sample `i` is `sample(i)`.
fn write_wav(path: &std::path::Path, sample: impl Fn(usize) -> f32) {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: 8000,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    for i in 0..16_000 {
        w.write_sample((sample(i) * 32767.0) as i16).unwrap();
    }
    w.finalize().unwrap();
}
