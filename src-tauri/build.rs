/// Switchboard's own commands. Declaring them makes each one a permission (`allow-<name>`), so
/// a window can call only what its capability grants (see `capabilities/`).
const COMMANDS: &[&str] = &[
    "app_status",
    "validate_credentials",
    "connect_account",
    "open_help",
    "sync_status",
    "sync_now",
    "rebuild_cache",
    "list_numbers",
    "search_numbers",
    "buy_number",
    "update_number",
    "release_number",
    "routing_status",
    "deploy_routing",
    "remove_routing",
    "list_greetings",
    "change_greetings",
    "preview_greeting",
    "list_voicemails",
    "search_voicemails",
    "voicemail_action",
    "play_voicemail",
    "playback_control",
    "playback_status",
    "voicemail_waveform",
    "redownload_voicemail",
    "save_voicemail_audio",
    "audio_outputs",
    "set_output_device",
    "archive_settings",
    "save_archive_settings",
    "clear_archive_settings",
    "archive_voicemail",
    "audio_inputs",
    "set_input_device",
    "start_recording",
    "stop_recording",
    "discard_take",
    "preview_take",
    "publish_take",
    "greetings_hosting",
    "apply_greetings_policy",
];

fn main() {
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .expect("tauri build script");
}
