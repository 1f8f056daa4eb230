//! The contract between the core and the UI: the commands the shell exposes, their arguments
//! and results, the events it emits, and the error every command may return.
//!
//! [`typescript`] renders all of it as TypeScript; the result is committed as
//! `ui/src/lib/bindings.ts` and a test fails when the two drift apart.

use serde::{Deserialize, Serialize};
use ts_rs::{Config, TS};

use crate::account::{CredentialFieldErrors, CredentialsInput};
use crate::app::AppStatus;
use crate::audio::take::{TakeSummary, Trim};
use crate::audio::{
    AudioInputs, AudioOutputs, InputDevice, Level, OutputDevice, Playback, PlaybackControl,
    PlaybackError, PlaybackState,
};
use crate::cache::SyncStatus;
use crate::cache::{
    CallLog, CallLogDirection, CallLogEntry, CallLogFilter, CallLogOutcome, CallSummary,
    ExpiringRecording, PrunedAudio, ResourceReport, RetentionLogEntry, RetentionPolicy,
    RetentionPreview, RetentionRun, StoredPolicy, SyncProgress, SyncReport, Voicemail,
    VoicemailAction, VoicemailFilter,
};
use crate::calling::{
    CallControl, CallDirection, CallPhase, CallQuality, CallSettings, CallSetup, CallView,
    CallerId, Capabilities, DialRequest, EngineChoice, EngineKind, EnginePreference, LineState,
    LineStatus, RecordingState, VoiceToken,
};
use crate::db::Profile;
use crate::error::{Code, Error};
use crate::greetings::hosting::GreetingsHosting;
use crate::greetings::studio::RecordedGreetingInput;
use crate::greetings::{
    Greeting, GreetingInput, GreetingKind, GreetingRow, GreetingsEdit, GreetingsOverview,
    GreetingsPublished, Pronunciation, Say, Window,
};
use crate::numbers::{
    NumberChange, NumberSearch, OfferedNumber, OwnedNumber, Routing, SearchResult,
};
use crate::retention::RetentionStatus;
use crate::routing::RoutingStatus;
use crate::s3::{ArchiveSettings, ArchiveSettingsInput};
use crate::twilio::NumberType;
use crate::voicemail::archive::ArchiveOutcome;
use crate::voicemail::playback::Waveform;

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

mod command_list;

/// A command: its name, its arguments (name and TypeScript type) and its result type.
#[derive(Debug)]
pub struct CommandSig {
    /// The name the UI invokes.
    pub name: &'static str,
    /// Argument names (with `?` when the UI may leave it out) and their TypeScript types.
    pub args: Vec<(&'static str, String)>,
    /// The TypeScript type of the result.
    pub returns: String,
}

macro_rules! signatures {
    ($(
        $name:ident(
            $($(#[$optional:ident])? $arg:ident: $ty:ty $(as $ts:literal)?),*
        ) -> $ret:ty;
    )*) => {
        /// Every command the desktop shell registers, from [`crate::ipc_commands`].
        pub fn commands(cfg: &Config) -> Vec<CommandSig> {
            vec![$(CommandSig {
                name: stringify!($name),
                args: vec![$((
                    concat!(stringify!($arg) $(, optional!($optional))?),
                    ts_name::<$ty>(cfg, &[$($ts)?]),
                )),*],
                returns: ts_name::<$ret>(cfg, &[]),
            }),*]
        }
    };
}

macro_rules! optional {
    (optional) => {
        "?"
    };
}

crate::ipc_commands!(signatures);

/// `T`'s TypeScript name, or the override written after `as` in the command list.
fn ts_name<T: TS>(cfg: &Config, r#override: &[&str]) -> String {
    r#override
        .first()
        .map_or_else(|| T::name(cfg), |ts| (*ts).to_owned())
}

/// Every event the shell emits: name and payload type.
pub fn events(cfg: &Config) -> Vec<(&'static str, String)> {
    vec![
        (events::PROFILE_CHANGED, Profile::name(cfg)),
        (events::SYNC_PROGRESS, SyncProgress::name(cfg)),
        (events::SYNC_FINISHED, SyncStatus::name(cfg)),
        (events::SYNC_FAILED, Error::name(cfg)),
        (events::PLAYBACK_STATE, Playback::name(cfg)),
        (events::VOICEMAIL_HEARD, "string".into()),
        (events::VOICEMAIL_NEW, Voicemail::name(cfg)),
        (events::VOICEMAIL_OPEN, "string | null".into()),
        (events::RECORDING_LEVEL, Level::name(cfg)),
        (events::RECORDING_STOPPED, TakeSummary::name(cfg)),
        (events::CALL_STATE, CallView::name(cfg)),
        (events::CALL_ANSWER, "string".into()),
        (events::CALL_DECLINE, "string".into()),
        (events::SIP_LINE, LineStatus::name(cfg)),
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
    /// The desktop's SIP line changed (registered, retrying, refused, off).
    pub const SIP_LINE: &str = "sip://line";
}

/// The TypeScript declarations of the whole contract.
pub fn typescript() -> String {
    let cfg = Config::new();
    let decls = [
        Code::decl(&cfg),
        Error::decl(&cfg),
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
        RetentionPolicy::decl(&cfg),
        StoredPolicy::decl(&cfg),
        RetentionStatus::decl(&cfg),
        ExpiringRecording::decl(&cfg),
        PrunedAudio::decl(&cfg),
        RetentionPreview::decl(&cfg),
        RetentionRun::decl(&cfg),
        RetentionLogEntry::decl(&cfg),
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
        CallQuality::decl(&cfg),
        CallView::decl(&cfg),
        LineState::decl(&cfg),
        LineStatus::decl(&cfg),
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
        let err = Error::new(Code::InvalidInput, "An Account SID is required.");
        assert_eq!(
            serde_json::to_value(&err).unwrap(),
            serde_json::json!({"code": "invalid_input", "message": "An Account SID is required."})
        );
    }
}
