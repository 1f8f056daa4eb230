/// The one list of the commands the desktop shell registers: each command's name, its
/// arguments and its result. Adding a command is one line here plus its handler in
/// `src-tauri/src/commands/`.
///
/// Everything else is made from this list: the TypeScript contract
/// ([`crate::ipc::typescript`], committed as `ui/src/lib/bindings.ts`), the shell's
/// `generate_handler!`, and (through `src-tauri/build.rs`, which includes this file) each
/// command's permission and the main window's capability. A type written `T as "ts"` is shown
/// to TypeScript as `ts`; `#[optional]` makes an argument one the UI may leave out.
///
/// Call it with the name of a macro that takes the list.
#[macro_export]
macro_rules! ipc_commands {
    ($then:ident) => {
        $then! {
        app_status() -> AppStatus;
        validate_credentials(input: CredentialsInput) -> CredentialFieldErrors;
        connect_account(input: CredentialsInput) -> Profile;
        open_help(topic: HelpTopic) -> ();
        sync_status() -> Option<SyncStatus>;
        sync_now() -> SyncReport;
        rebuild_cache() -> SyncReport;
        check_deletions() -> SyncReport;
        list_numbers() -> Vec<OwnedNumber>;
        search_numbers(search: NumberSearch) -> SearchResult;
        buy_number(phone_number: Option<String>, #[optional] area_code: Option<String>, friendly_name: Option<String>, wire: bool) -> OwnedNumber;
        update_number(sid: String, change: NumberChange) -> OwnedNumber;
        release_number(sid: String, typed: String) -> ();
        routing_status() -> Option<RoutingStatus>;
        deploy_routing() -> RoutingStatus;
        remove_routing() -> bool;
        list_greetings() -> GreetingsOverview;
        change_greetings(edit: GreetingsEdit) -> GreetingsPublished;
        preview_greeting(local: String) -> Option<String>;
        list_voicemails(filter: VoicemailFilter, limit: u32) -> Vec<Voicemail>;
        search_voicemails(query: String) -> Vec<Voicemail>;
        voicemail_action(recording_sid: String, action: VoicemailAction) -> ();
        play_voicemail(recording_sid: String, position_ms: Option<u64> as "number | null") -> Playback;
        playback_control(control: PlaybackControl) -> Playback;
        playback_status() -> Playback;
        voicemail_waveform(recording_sid: String) -> Waveform;
        redownload_voicemail(recording_sid: String) -> Waveform;
        save_voicemail_audio(recording_sid: String) -> String;
        audio_outputs() -> AudioOutputs;
        set_output_device(id: Option<String>) -> AudioOutputs;
        archive_settings() -> Option<ArchiveSettings>;
        save_archive_settings(input: ArchiveSettingsInput) -> ArchiveSettings;
        clear_archive_settings() -> ();
        archive_voicemail(recording_sid: String) -> ArchiveOutcome;
        retention_status() -> RetentionStatus;
        set_retention(policy: RetentionPolicy) -> RetentionStatus;
        retention_preview(limit: u32) -> RetentionPreview;
        confirm_retention(as_of: i64 as "number", policy_updated_at: i64 as "number") -> RetentionRun;
        stop_retention() -> RetentionStatus;
        retention_log(limit: u32) -> Vec<RetentionLogEntry>;
        audio_inputs() -> AudioInputs;
        set_input_device(id: Option<String>) -> AudioInputs;
        start_recording() -> ();
        stop_recording() -> TakeSummary;
        discard_take() -> ();
        preview_take(trim: Trim) -> Playback;
        publish_take(input: RecordedGreetingInput) -> GreetingsPublished;
        greetings_hosting() -> GreetingsHosting;
        apply_greetings_policy() -> GreetingsHosting;
        call_setup(capabilities: Capabilities) -> CallSetup;
        save_call_settings(settings: CallSettings) -> CallSettings;
        voice_token() -> VoiceToken;
        start_call(request: DialRequest) -> CallView;
        attach_call(id: String, call_sid: String) -> CallView;
        call_control(id: String, control: CallControl) -> CallView;
        incoming_call(call_sid: String, from: String, to: String) -> CallView;
        active_calls() -> Vec<CallView>;
        call_log(filter: CallLogFilter) -> CallLog;
        preview_ringtone() -> String;
        sip_line() -> LineStatus;
        }
    };
}
