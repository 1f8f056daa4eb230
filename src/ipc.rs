//! The contract between the core and the UI: the commands the shell exposes, their arguments
//! and results, the events it emits, and the error every command may return.
//!
//! [`typescript`] renders all of it as TypeScript; the result is committed as
//! `ui/src/lib/bindings.ts` and a test fails when the two drift apart.

use serde::{Deserialize, Serialize};
use ts_rs::{Config, TS};

use crate::account::{CredentialFieldErrors, CredentialsInput};
use crate::app::{AppStatus, SyncStatus};
use crate::audio::greeting::{TakeSummary, Trim};
use crate::audio::{
    AudioInputs, AudioOutputs, InputDevice, Level, OutputDevice, Playback, PlaybackControl,
    PlaybackError, PlaybackState,
};
use crate::cache::{
    CallLog, CallLogDirection, CallLogEntry, CallLogFilter, CallLogOutcome, CallSummary,
    ResourceReport, SyncProgress, SyncReport, Voicemail, VoicemailAction, VoicemailFilter,
};
use crate::calling::{
    CallControl, CallDirection, CallPhase, CallSettings, CallSetup, CallView, CallerId,
    Capabilities, DialRequest, EngineChoice, EngineKind, EnginePreference, RecordingState,
    VoiceToken,
};
use crate::error::{Code, IpcError};
use crate::greetings::{
    Greeting, GreetingInput, GreetingKind, GreetingRow, GreetingsEdit, GreetingsOverview,
    GreetingsPublished, Pronunciation, Say, Window,
};
use crate::numbers::{
    NumberChange, NumberSearch, OfferedNumber, OwnedNumber, Routing, SearchResult,
};
use crate::playback::Waveform;
use crate::routing::RoutingStatus;
use crate::storage::{ArchiveOutcome, ArchiveSettings, ArchiveSettingsInput};
use crate::store::Profile;
use crate::studio::{GreetingsHosting, RecordedGreetingInput};
use crate::twilio::NumberType;

/// Pages of Twilio's documentation the UI links out to. Closed, so the shell only ever opens
/// these addresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum HelpTopic {
    /// How to create a Standard API key.
    ApiKeys,
    /// Where the Account SID is shown.
    AccountSid,
}

impl HelpTopic {
    /// The page's address.
    pub fn url(self) -> &'static str {
        match self {
            Self::ApiKeys => "https://www.twilio.com/docs/iam/api-keys#create-an-api-key",
            Self::AccountSid => "https://help.twilio.com/articles/14726256820123",
        }
    }
}

/// A command: its name, its arguments (name and TypeScript type) and its result type.
#[derive(Debug)]
pub struct CommandSig {
    /// The name the UI invokes.
    pub name: &'static str,
    /// Argument names and their TypeScript types.
    pub args: Vec<(&'static str, String)>,
    /// The TypeScript type of the result.
    pub returns: String,
}

fn sig(name: &'static str, args: Vec<(&'static str, String)>, returns: String) -> CommandSig {
    CommandSig {
        name,
        args,
        returns,
    }
}

/// Every command the desktop shell registers.
pub fn commands(cfg: &Config) -> Vec<CommandSig> {
    vec![
        sig("app_status", vec![], AppStatus::name(cfg)),
        sig(
            "validate_credentials",
            vec![("input", CredentialsInput::name(cfg))],
            CredentialFieldErrors::name(cfg),
        ),
        sig(
            "connect_account",
            vec![("input", CredentialsInput::name(cfg))],
            Profile::name(cfg),
        ),
        sig(
            "open_help",
            vec![("topic", HelpTopic::name(cfg))],
            "null".into(),
        ),
        sig(
            "sync_status",
            vec![],
            format!("{} | null", SyncStatus::name(cfg)),
        ),
        sig("sync_now", vec![], SyncReport::name(cfg)),
        sig("rebuild_cache", vec![], SyncReport::name(cfg)),
        sig(
            "list_numbers",
            vec![],
            format!("{}[]", OwnedNumber::name(cfg)),
        ),
        sig(
            "search_numbers",
            vec![("search", NumberSearch::name(cfg))],
            SearchResult::name(cfg),
        ),
        sig(
            "buy_number",
            vec![
                ("phone_number", "string".into()),
                ("friendly_name", "string | null".into()),
                ("wire", "boolean".into()),
            ],
            OwnedNumber::name(cfg),
        ),
        sig(
            "update_number",
            vec![
                ("sid", "string".into()),
                ("change", NumberChange::name(cfg)),
            ],
            OwnedNumber::name(cfg),
        ),
        sig(
            "release_number",
            vec![("sid", "string".into()), ("typed", "string".into())],
            "null".into(),
        ),
        sig(
            "routing_status",
            vec![],
            format!("{} | null", RoutingStatus::name(cfg)),
        ),
        sig("deploy_routing", vec![], RoutingStatus::name(cfg)),
        sig("remove_routing", vec![], "boolean".into()),
        sig("list_greetings", vec![], GreetingsOverview::name(cfg)),
        sig(
            "change_greetings",
            vec![("edit", GreetingsEdit::name(cfg))],
            GreetingsPublished::name(cfg),
        ),
        sig(
            "preview_greeting",
            vec![("local", "string".into())],
            "string | null".into(),
        ),
        sig(
            "list_voicemails",
            vec![
                ("filter", VoicemailFilter::name(cfg)),
                ("limit", "number".into()),
            ],
            format!("{}[]", Voicemail::name(cfg)),
        ),
        sig(
            "search_voicemails",
            vec![("query", "string".into())],
            format!("{}[]", Voicemail::name(cfg)),
        ),
        sig(
            "voicemail_action",
            vec![
                ("recording_sid", "string".into()),
                ("action", VoicemailAction::name(cfg)),
            ],
            "null".into(),
        ),
        sig(
            "play_voicemail",
            vec![
                ("recording_sid", "string".into()),
                ("position_ms", "number | null".into()),
            ],
            Playback::name(cfg),
        ),
        sig(
            "playback_control",
            vec![("control", PlaybackControl::name(cfg))],
            Playback::name(cfg),
        ),
        sig("playback_status", vec![], Playback::name(cfg)),
        sig(
            "voicemail_waveform",
            vec![("recording_sid", "string".into())],
            Waveform::name(cfg),
        ),
        sig(
            "redownload_voicemail",
            vec![("recording_sid", "string".into())],
            Waveform::name(cfg),
        ),
        sig(
            "save_voicemail_audio",
            vec![("recording_sid", "string".into())],
            "string".into(),
        ),
        sig("audio_outputs", vec![], AudioOutputs::name(cfg)),
        sig(
            "set_output_device",
            vec![("id", "string | null".into())],
            AudioOutputs::name(cfg),
        ),
        sig(
            "archive_settings",
            vec![],
            format!("{} | null", ArchiveSettings::name(cfg)),
        ),
        sig(
            "save_archive_settings",
            vec![("input", ArchiveSettingsInput::name(cfg))],
            ArchiveSettings::name(cfg),
        ),
        sig("clear_archive_settings", vec![], "null".into()),
        sig(
            "archive_voicemail",
            vec![("recording_sid", "string".into())],
            ArchiveOutcome::name(cfg),
        ),
        sig("audio_inputs", vec![], AudioInputs::name(cfg)),
        sig(
            "set_input_device",
            vec![("id", "string | null".into())],
            AudioInputs::name(cfg),
        ),
        sig("start_recording", vec![], "null".into()),
        sig("stop_recording", vec![], TakeSummary::name(cfg)),
        sig("discard_take", vec![], "null".into()),
        sig(
            "preview_take",
            vec![("trim", Trim::name(cfg))],
            Playback::name(cfg),
        ),
        sig(
            "publish_take",
            vec![("input", RecordedGreetingInput::name(cfg))],
            GreetingsPublished::name(cfg),
        ),
        sig("greetings_hosting", vec![], GreetingsHosting::name(cfg)),
        sig(
            "apply_greetings_policy",
            vec![],
            GreetingsHosting::name(cfg),
        ),
        sig(
            "call_setup",
            vec![("capabilities", Capabilities::name(cfg))],
            CallSetup::name(cfg),
        ),
        sig(
            "save_call_settings",
            vec![("settings", CallSettings::name(cfg))],
            CallSettings::name(cfg),
        ),
        sig("voice_token", vec![], VoiceToken::name(cfg)),
        sig(
            "start_call",
            vec![("request", DialRequest::name(cfg))],
            CallView::name(cfg),
        ),
        sig(
            "attach_call",
            vec![("id", "string".into()), ("call_sid", "string".into())],
            CallView::name(cfg),
        ),
        sig(
            "call_control",
            vec![("id", "string".into()), ("control", CallControl::name(cfg))],
            CallView::name(cfg),
        ),
        sig(
            "incoming_call",
            vec![
                ("call_sid", "string".into()),
                ("from", "string".into()),
                ("to", "string".into()),
            ],
            CallView::name(cfg),
        ),
        sig("active_calls", vec![], format!("{}[]", CallView::name(cfg))),
        sig(
            "call_log",
            vec![("filter", CallLogFilter::name(cfg))],
            CallLog::name(cfg),
        ),
        sig("preview_ringtone", vec![], "string".into()),
    ]
}

/// Every event the shell emits: name and payload type.
pub fn events(cfg: &Config) -> Vec<(&'static str, String)> {
    vec![
        (events::PROFILE_CHANGED, Profile::name(cfg)),
        (events::SYNC_PROGRESS, SyncProgress::name(cfg)),
        (events::SYNC_FINISHED, SyncStatus::name(cfg)),
        (events::SYNC_FAILED, IpcError::name(cfg)),
        (events::PLAYBACK_STATE, Playback::name(cfg)),
        (events::VOICEMAIL_HEARD, "string".into()),
        (events::VOICEMAIL_NEW, Voicemail::name(cfg)),
        (events::VOICEMAIL_OPEN, "string | null".into()),
        (events::RECORDING_LEVEL, Level::name(cfg)),
        (events::RECORDING_STOPPED, TakeSummary::name(cfg)),
        (events::CALL_STATE, CallView::name(cfg)),
        (events::CALL_ANSWER, "string".into()),
        (events::CALL_DECLINE, "string".into()),
    ]
}

/// Event names.
pub mod events {
    /// The active profile changed (an account was connected).
    pub const PROFILE_CHANGED: &str = "profile://changed";
    /// A sync stored a page: which resource, how many rows so far.
    pub const SYNC_PROGRESS: &str = "sync://progress";
    /// A sync finished; the cache's new status.
    pub const SYNC_FINISHED: &str = "sync://finished";
    /// A sync failed; what was stored stays and the next one resumes.
    pub const SYNC_FAILED: &str = "sync://failed";
    /// The player's state: on every change, and about ten times a second while playing.
    pub const PLAYBACK_STATE: &str = "playback://state";
    /// Most of a voicemail was played, so it was marked read (payload: its recording SID).
    pub const VOICEMAIL_HEARD: &str = "voicemail://heard";
    /// A voicemail arrived with the last sync.
    pub const VOICEMAIL_NEW: &str = "voicemail://new";
    /// Open the voicemail inbox (at this recording SID, when given): a notification or the tray
    /// was clicked.
    pub const VOICEMAIL_OPEN: &str = "voicemail://open";
    /// The microphone's level, about 30 times a second while recording.
    pub const RECORDING_LEVEL: &str = "recording://level";
    /// Recording ended at the length limit; the take.
    pub const RECORDING_STOPPED: &str = "recording://stopped";
    /// A call changed (payload: the whole call).
    pub const CALL_STATE: &str = "call://state";
    /// Answer the incoming call with this id: its notification's Answer was clicked.
    pub const CALL_ANSWER: &str = "call://answer";
    /// Decline the incoming call with this id: its notification's Decline was clicked.
    pub const CALL_DECLINE: &str = "call://decline";
}

/// The TypeScript declarations of the whole contract.
pub fn typescript() -> String {
    let cfg = Config::new();
    let decls = [
        Code::decl(&cfg),
        IpcError::decl(&cfg),
        HelpTopic::decl(&cfg),
        AppStatus::decl(&cfg),
        Profile::decl(&cfg),
        CredentialsInput::decl(&cfg),
        CredentialFieldErrors::decl(&cfg),
        SyncStatus::decl(&cfg),
        SyncProgress::decl(&cfg),
        SyncReport::decl(&cfg),
        ResourceReport::decl(&cfg),
        OwnedNumber::decl(&cfg),
        Routing::decl(&cfg),
        OfferedNumber::decl(&cfg),
        NumberSearch::decl(&cfg),
        NumberType::decl(&cfg),
        SearchResult::decl(&cfg),
        NumberChange::decl(&cfg),
        RoutingStatus::decl(&cfg),
        GreetingsOverview::decl(&cfg),
        GreetingRow::decl(&cfg),
        Greeting::decl(&cfg),
        GreetingKind::decl(&cfg),
        Say::decl(&cfg),
        Window::decl(&cfg),
        GreetingInput::decl(&cfg),
        GreetingsEdit::decl(&cfg),
        GreetingsPublished::decl(&cfg),
        Pronunciation::decl(&cfg),
        Voicemail::decl(&cfg),
        VoicemailFilter::decl(&cfg),
        VoicemailAction::decl(&cfg),
        PlaybackState::decl(&cfg),
        Playback::decl(&cfg),
        PlaybackError::decl(&cfg),
        PlaybackControl::decl(&cfg),
        Waveform::decl(&cfg),
        OutputDevice::decl(&cfg),
        AudioOutputs::decl(&cfg),
        ArchiveSettings::decl(&cfg),
        ArchiveSettingsInput::decl(&cfg),
        ArchiveOutcome::decl(&cfg),
        InputDevice::decl(&cfg),
        AudioInputs::decl(&cfg),
        Level::decl(&cfg),
        Trim::decl(&cfg),
        TakeSummary::decl(&cfg),
        GreetingsHosting::decl(&cfg),
        RecordedGreetingInput::decl(&cfg),
        EngineKind::decl(&cfg),
        EnginePreference::decl(&cfg),
        Capabilities::decl(&cfg),
        EngineChoice::decl(&cfg),
        CallSettings::decl(&cfg),
        CallerId::decl(&cfg),
        CallSetup::decl(&cfg),
        VoiceToken::decl(&cfg),
        DialRequest::decl(&cfg),
        CallControl::decl(&cfg),
        CallPhase::decl(&cfg),
        CallDirection::decl(&cfg),
        RecordingState::decl(&cfg),
        CallView::decl(&cfg),
        CallLogDirection::decl(&cfg),
        CallLogOutcome::decl(&cfg),
        CallLogFilter::decl(&cfg),
        CallLogEntry::decl(&cfg),
        CallSummary::decl(&cfg),
        CallLog::decl(&cfg),
    ];
    let mut out = String::from(
        "// Generated from the Rust types in src/ by `cargo test --test bindings` with UPDATE_BINDINGS=1.\n\
         // Do not edit by hand: a test fails when this file and the Rust types differ.\n\n",
    );
    for decl in decls {
        out.push_str("export ");
        out.push_str(&decl);
        out.push_str("\n\n");
    }
    out.push_str(
        "/** Every command: its arguments and its result. */\nexport interface Commands {\n",
    );
    for c in commands(&cfg) {
        let args = if c.args.is_empty() {
            "Record<string, never>".to_owned()
        } else {
            let fields: Vec<String> = c.args.iter().map(|(n, t)| format!("{n}: {t}")).collect();
            format!("{{ {} }}", fields.join("; "))
        };
        out.push_str(&format!(
            "  {}: {{ args: {args}; returns: {} }};\n",
            c.name, c.returns
        ));
    }
    out.push_str("}\n\n/** Every event: its payload. */\nexport interface Events {\n");
    for (name, payload) in events(&cfg) {
        out.push_str(&format!("  \"{name}\": {payload};\n"));
    }
    out.push_str(
        "}\n\n/** Every error code, for exhaustive switches. */\nexport const ERROR_CODES = [",
    );
    let codes: Vec<String> = ALL_CODES
        .iter()
        .map(|c| serde_json::to_string(c).expect("codes serialize"))
        .collect();
    out.push_str(&codes.join(", "));
    out.push_str("] as const satisfies readonly Code[];\n");
    out
}

/// Every [`Code`], in declaration order.
pub const ALL_CODES: [Code; 12] = [
    Code::InvalidInput,
    Code::Unauthorized,
    Code::Forbidden,
    Code::NotFound,
    Code::Network,
    Code::Timeout,
    Code::RateLimited,
    Code::Twilio,
    Code::Keychain,
    Code::Storage,
    Code::NotConfigured,
    Code::Internal,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_codes_lists_every_variant() {
        // A new variant breaks this match, and then ALL_CODES must be updated with it.
        for code in ALL_CODES {
            match code {
                Code::InvalidInput
                | Code::Unauthorized
                | Code::Forbidden
                | Code::NotFound
                | Code::Network
                | Code::Timeout
                | Code::RateLimited
                | Code::Twilio
                | Code::Keychain
                | Code::Storage
                | Code::NotConfigured
                | Code::Internal => {}
            }
        }
        let unique: std::collections::HashSet<_> = ALL_CODES.iter().collect();
        assert_eq!(unique.len(), ALL_CODES.len());
    }

    #[test]
    fn errors_serialize_as_code_and_message() {
        let err = IpcError::new(Code::InvalidInput, "An Account SID is required.");
        assert_eq!(
            serde_json::to_value(&err).unwrap(),
            serde_json::json!({"code": "invalid_input", "message": "An Account SID is required."})
        );
    }
}
