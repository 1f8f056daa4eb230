//! Secrets stay secret, checked: canary secrets (the API key's secret and the S3 secret key; the
//! SIP password has its own check in `tests/sip.rs`) go through connecting, sync, the inbox,
//! playback, the S3 archive, retention, failures and a crash, with logging at its most
//! verbose. None of them may appear, as text or in the encodings that carry them (Basic
//! authentication, base64, hex, percent-encoding), in the data directory (the app database,
//! the cache, downloaded audio), the logs, the crash report, or any result or error the IPC
//! sends the UI (the UI shows only those).

mod support;

use base64::Engine as _;
use support::fake_twilio::{ACCOUNT, FakeTwilio, sid};
use support::moto::Moto;
use switchboard::Switchboard;
use switchboard::account::CredentialsInput;
use switchboard::cache::{CallLogFilter, RetentionPolicy, VoicemailFilter};
use switchboard::s3::ArchiveSettingsInput;
use switchboard::secret::Sensitive;
use switchboard::twilio::ApiBase;

const API_CANARY: &str = "ApiCanary7Zq9Plural00042xYwVuTsR";
const S3_CANARY: &str = "S3CanaryKq2Lm8Zx77Plural0099AbCdEfGh12";

/// Every form in which `secret` could leak.
fn forms(secret: &str) -> Vec<String> {
    let b64 = base64::engine::general_purpose::STANDARD;
    vec![
        secret.to_owned(),
        b64.encode(secret),
        b64.encode(format!("{}:{secret}", support::API_KEY_SID)),
        secret
            .bytes()
            .map(|b| format!("{b:02x}"))
            .collect::<String>(),
        secret.chars().rev().collect(),
    ]
}

fn archive(moto: &Moto, bucket: &str) -> ArchiveSettingsInput {
    ArchiveSettingsInput {
        endpoint: Some(moto.url()),
        region: "us-east-1".into(),
        bucket: bucket.into(),
        path_style: true,
        access_key_id: "AKIACANARYARCHIVE".into(),
        secret_access_key: Some(S3_CANARY.into()),
        // Retention deletes the archived copies from Twilio below.
        delete_from_twilio: false,
    }
}

#[tokio::test]
async fn canary_secrets_reach_no_file_log_crash_report_or_payload() {
    let (dir, paths) = support::temp_paths();
    // SAFETY: set before any other thread of this test process reads the environment.
    unsafe { std::env::set_var(switchboard::logging::ENV, "trace") };
    let guard = switchboard::logging::init(&paths.log_dir, false).unwrap();

    let server = FakeTwilio::start();
    server.add_voicemails(0, 6, 24 * 60);
    server.add_calls(100, 5, 30);
    server.price_calls();
    let speech =
        support::audio::speech_mp3(dir.path(), "speech", "Call me back about the invoice.");
    server.set_media(std::fs::read(&speech).unwrap());
    let seconds = switchboard::audio::analyse_file(&speech, None)
        .unwrap()
        .duration
        .as_secs_f64()
        .round() as u64;
    for n in 0..6 {
        server.set_recording_duration(n, seconds);
    }
    let moto = Moto::start();
    moto.client()
        .create_bucket()
        .bucket("acme-voicemail")
        .send()
        .await
        .unwrap();
    let keychain = support::test_keychain();
    let core = Switchboard::open(
        paths.clone(),
        keychain.clone(),
        Some(ApiBase::custom(&server.url()).unwrap()),
    )
    .await
    .unwrap();

    // What the IPC would send the UI: every result and error, serialized as it is sent.
    let mut payloads: Vec<String> = Vec::new();
    let mut sent = |value: &dyn erased::Json| payloads.push(value.json());

    let profile = core
        .connect(&CredentialsInput {
            account_sid: ACCOUNT.into(),
            api_key_sid: support::API_KEY_SID.into(),
            api_key_secret: Sensitive::new(API_CANARY.into()),
            profile_name: Some("canary".into()),
        })
        .await
        .unwrap();
    let basic = base64::engine::general_purpose::STANDARD
        .encode(format!("{}:{API_CANARY}", support::API_KEY_SID));
    assert_eq!(
        server.authorizations(),
        vec![format!("Basic {basic}")],
        "the canary is the secret Twilio was sent"
    );
    sent(&profile);
    sent(&core.status().await.unwrap());
    sent(&core.sync(|p| payloads_progress(&p)).await.unwrap());
    sent(&core.sync_status().await.unwrap());
    sent(&core.voicemails(VoicemailFilter::All, 50).await.unwrap());
    sent(&core.search_voicemails("invoice").await.unwrap());
    sent(&core.call_log(&CallLogFilter::default()).await.unwrap());
    let (_, waveform) = core.prepare_voicemail(&sid("RE", 0)).await.unwrap();
    sent(&waveform);

    let refused = core
        .save_archive_settings(&archive(&moto, "no-such-bucket"))
        .await
        .unwrap_err();
    sent(&refused);
    sent(
        &core
            .save_archive_settings(&archive(&moto, "acme-voicemail"))
            .await
            .unwrap(),
    );
    sent(&core.archive_settings().await.unwrap());
    sent(&core.archive_voicemail(&sid("RE", 4)).await.unwrap());
    sent(&core.archive_voicemail(&sid("RE", 5)).await.unwrap());

    let account = core.active_account().await.unwrap();
    let status = core
        .set_retention(
            &account,
            &RetentionPolicy {
                recordings_days: Some(1),
                ..RetentionPolicy::default()
            },
        )
        .await
        .unwrap();
    sent(&status);
    let preview = core.retention_preview(&account, 50).await.unwrap();
    assert_eq!(preview.recordings_total, 2, "the two archived voicemails");
    sent(&preview);
    sent(
        &core
            .confirm_retention(&account, preview.as_of, preview.policy.updated_at.unwrap())
            .await
            .unwrap(),
    );
    let client = core.client().await.unwrap();
    sent(&core.retention_pass(&client, 100, |_| {}).await.unwrap());
    sent(&core.retention_log(&account, None, 100).await.unwrap());
    // A voicemail deleted on Twilio plays from the archive, through a presigned address.
    let (_, waveform) = core.prepare_voicemail(&sid("RE", 4)).await.unwrap();
    sent(&waveform);

    // Twilio refusing the key, and Twilio out of reach.
    server.delete(&sid("RE", 1));
    let unreachable = Switchboard::open(
        paths.clone(),
        keychain.clone(),
        Some(ApiBase::custom(&format!("http://127.0.0.1:{}", support::free_port())).unwrap()),
    )
    .await
    .unwrap();
    sent(&unreachable.sync(|_| {}).await.unwrap_err());
    drop(unreachable);

    // A crash while credentials are about: the report names the panic, not the secret.
    let credentials = core.client().await.unwrap();
    let crashed = std::thread::Builder::new()
        .name("canary-crash".into())
        .spawn(move || panic!("a bug, with the client at hand: {credentials:?}"))
        .unwrap()
        .join();
    assert!(crashed.is_err());
    drop(guard); // flushes the log

    let reports: Vec<_> = std::fs::read_dir(&paths.log_dir)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("crash-"))
        .collect();
    assert_eq!(reports.len(), 1, "the crash left one report");
    let report = std::fs::read_to_string(reports[0].path()).unwrap();
    assert!(
        report.contains("a bug, with the client at hand") && report.contains("backtrace"),
        "{report}"
    );
    let logs = support::read_tree(&paths.log_dir);
    assert!(
        logs.contains("checking credentials with Twilio"),
        "trace logging was on"
    );
    assert!(logs.contains("voicemail archived and verified"));
    assert!(logs.contains("deleted on Twilio by the retention policy"));

    let files = support::read_tree(dir.path());
    assert!(
        files.contains("Acme Plumbing"),
        "the data directory was read"
    );
    for secret in [API_CANARY, S3_CANARY] {
        for form in forms(secret) {
            assert!(
                !files.contains(&form),
                "{form} is in the data directory or logs"
            );
            for payload in &payloads {
                assert!(
                    !payload.contains(&form),
                    "{form} is in a payload: {payload}"
                );
            }
        }
    }
    assert!(payloads.len() >= 20, "{} payloads checked", payloads.len());
    assert_eq!(
        keychain
            .api_secret(
                &switchboard::sid::AccountSid::parse(ACCOUNT).unwrap(),
                &switchboard::sid::ApiKeySid::parse(support::API_KEY_SID).unwrap()
            )
            .unwrap()
            .expose(),
        API_CANARY,
        "the secret is in the keychain, and only there"
    );
    let account = switchboard::sid::AccountSid::parse(ACCOUNT).unwrap();
    let _ = keychain.delete_api_secret(
        &account,
        &switchboard::sid::ApiKeySid::parse(support::API_KEY_SID).unwrap(),
    );
    let _ = keychain.delete_s3_secret(&account, "AKIACANARYARCHIVE");
}

/// Sync progress events go to the UI too; they carry counts only.
fn payloads_progress(progress: &switchboard::cache::SyncProgress) {
    let json = serde_json::to_string(progress).unwrap();
    assert!(!json.contains(API_CANARY) && !json.contains(S3_CANARY));
}

/// Anything the IPC serializes, behind one reference type.
mod erased {
    pub trait Json {
        fn json(&self) -> String;
    }

    impl<T: serde::Serialize> Json for T {
        fn json(&self) -> String {
            serde_json::to_string(self).unwrap()
        }
    }
}
