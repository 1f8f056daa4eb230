//! The shell registers, and the main window's capability grants, exactly the commands of the
//! IPC contract in `switchboard::ipc`, and they answer through the core.

use serde_json::{Value, json};
use switchboard::paths::Paths;
use switchboard_desktop::Core;
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{INVOKE_KEY, mock_builder};
use tauri::webview::InvokeRequest;

fn invoke(
    webview: &tauri::WebviewWindow<tauri::test::MockRuntime>,
    cmd: &str,
    args: Value,
) -> Result<Value, Value> {
    tauri::test::get_ipc_response(
        webview,
        InvokeRequest {
            cmd: cmd.into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            url: "tauri://localhost".parse().unwrap(),
            body: InvokeBody::Json(args),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        },
    )
    .map(|body| body.deserialize::<Value>().unwrap())
}

fn app(
    dir: &std::path::Path,
) -> (
    tauri::App<tauri::test::MockRuntime>,
    tauri::WebviewWindow<tauri::test::MockRuntime>,
) {
    let core = Core::from_env(Ok(Paths::under(dir.to_path_buf())));
    let app = switchboard_desktop::builder(mock_builder(), core)
        .build(tauri::generate_context!())
        .expect("app builds");
    let webview = tauri::WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .unwrap();
    (app, webview)
}

#[test]
fn every_contract_command_is_registered_and_allowed() {
    let dir = tempfile::tempdir().unwrap();
    let (_app, webview) = app(dir.path());
    let cfg = ts_rs::Config::new();
    let bad_input =
        json!({"input": {"account_sid": "AC1", "api_key_sid": "", "api_key_secret": ""}});
    for command in switchboard::ipc::commands(&cfg) {
        let args = match command.name {
            "app_status" | "sync_status" | "sync_now" | "rebuild_cache" | "list_numbers"
            | "routing_status" | "deploy_routing" | "remove_routing" => json!({}),
            "search_numbers" => json!({"search": {"country": "US", "kind": "local"}}),
            "buy_number" => json!({"phone_number": "+14158675309", "wire": true}),
            "update_number" => json!({"sid": "PN1", "change": {}}),
            "release_number" => json!({"sid": "PN1", "typed": "x"}),
            "list_greetings" => json!({}),
            "change_greetings" => json!({"edit": {"op": "remove", "value": "x"}}),
            "preview_greeting" => json!({"local": "2026-12-24T18:30"}),
            "list_voicemails" => json!({"filter": "all", "limit": 50}),
            "search_voicemails" => json!({"query": "invoice"}),
            "voicemail_action" => json!({"recording_sid": "RE1", "action": "read"}),
            "retention_status" | "stop_retention" | "check_deletions" => json!({}),
            "set_retention" => json!({"policy": {"recordings_days": 90, "only_archived": true,
                "audio_budget_bytes": null, "call_log_days": null}}),
            "retention_preview" | "retention_log" => json!({"limit": 10}),
            "confirm_retention" => json!({"as_of": 1_796_000_000, "policy_updated_at": 1}),
            "playback_status" | "audio_outputs" | "archive_settings" | "clear_archive_settings" => {
                json!({})
            }
            "play_voicemail" => json!({"recording_sid": "RE1", "position_ms": null}),
            "playback_control" => json!({"control": {"kind": "speed", "speed": 1.5}}),
            "voicemail_waveform"
            | "redownload_voicemail"
            | "save_voicemail_audio"
            | "archive_voicemail" => json!({"recording_sid": "RE1"}),
            "set_output_device" | "set_input_device" => json!({"id": null}),
            "audio_inputs"
            | "stop_recording"
            | "discard_take"
            | "greetings_hosting"
            | "apply_greetings_policy" => json!({}),
            // Would open the microphone; registered and granted all the same.
            "start_recording" => json!({}),
            "preview_take" => json!({"trim": {"start_ms": 0, "end_ms": 1000}}),
            "publish_take" => {
                json!({"input": {"name": "Main", "kind": "default", "trim": {"start_ms": 0, "end_ms": 1000}}})
            }
            "save_archive_settings" => json!({"input": {
                "endpoint": null, "region": "us-east-1", "bucket": "acme-voicemail", "path_style": true,
                "access_key_id": "", "secret_access_key": null, "delete_from_twilio": false
            }}),
            "call_setup" => json!({"capabilities": {"webrtc": false, "microphone": true}}),
            "save_call_settings" => json!({"settings": {"engine": "bridge", "bridge_phone": "+1"}}),
            "voice_token" | "active_calls" | "sip_line" => json!({}),
            // Would ring the default output for six seconds; registered all the same.
            "preview_ringtone" => continue,
            "start_call" => json!({"request": {"to": "415", "engine": "bridge"}}),
            "attach_call" => json!({"id": "sb-1", "call_sid": "CA1"}),
            "call_control" => json!({"id": "sb-1", "control": {"action": "hangup"}}),
            "incoming_call" => {
                json!({"call_sid": "CA1", "from": "+14155550100", "to": "+14155550101"})
            }
            "call_log" => json!({"filter": {"direction": "inbound"}}),
            "validate_credentials" | "connect_account" => bad_input.clone(),
            "open_help" => continue, // would open a browser; its registration is covered below
            other => panic!("no sample arguments for {other}: add them here"),
        };
        let answer = invoke(&webview, command.name, args);
        let text = format!("{answer:?}");
        assert!(
            !text.contains("not found") && !text.contains("not allowed"),
            "{} must be registered and granted to the main window: {text}",
            command.name
        );
    }
}

#[test]
fn commands_answer_through_the_core() {
    let dir = tempfile::tempdir().unwrap();
    let (_app, webview) = app(dir.path());

    let status = invoke(&webview, "app_status", json!({})).expect("status");
    assert_eq!(
        status["profile"],
        Value::Null,
        "a fresh data directory has no account"
    );
    assert_eq!(status["data_dir"], json!(dir.path().display().to_string()));

    let errors = invoke(
        &webview,
        "validate_credentials",
        json!({"input": {"account_sid": "AC1", "api_key_sid": "", "api_key_secret": ""}}),
    )
    .expect("validation answers");
    assert!(
        errors["account_sid"]
            .as_str()
            .unwrap()
            .contains("32 hexadecimal")
    );
    assert!(errors["api_key_sid"].as_str().unwrap().contains("required"));

    let err = invoke(
        &webview,
        "connect_account",
        json!({"input": {"account_sid": "AC1", "api_key_sid": "", "api_key_secret": ""}}),
    )
    .expect_err("malformed input is refused");
    assert_eq!(
        err["code"], "invalid_input",
        "errors cross as {{code, message}}: {err}"
    );
    assert!(err["message"].as_str().unwrap().contains("Account SID"));

    assert_eq!(
        invoke(&webview, "sync_status", json!({})).expect("status without a profile"),
        Value::Null
    );
    let err = invoke(&webview, "sync_now", json!({})).expect_err("nothing to sync yet");
    assert_eq!(err["code"], "not_configured", "{err}");

    let unknown_topic =
        invoke(&webview, "open_help", json!({"topic": "anything"})).expect_err("closed set");
    assert!(
        format!("{unknown_topic}").contains("unknown variant"),
        "{unknown_topic}"
    );
}

#[test]
fn a_command_outside_the_contract_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (_app, webview) = app(dir.path());
    let err = invoke(
        &webview,
        "plugin:fs|read_file",
        json!({"path": "/etc/passwd"}),
    )
    .expect_err("no such access");
    assert!(
        format!("{err}").contains("not found") || format!("{err}").contains("not allowed"),
        "{err}"
    );
}
