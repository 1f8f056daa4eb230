//! A live call as the UI and the CLI see it, what may be asked of it, and the names and
//! keypad digits its controls check.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::engine::EngineKind;
use crate::e164::format_beside;
use crate::error::{Code, Error};

/// Where a call stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum CallPhase {
    /// Being set up: the request is on its way, or the app's own leg is connecting.
    Placing,
    /// Twilio is ringing the user's own phone (bridge engine).
    CallingYou,
    /// The other party's phone is ringing (or, for an incoming call, the app is).
    Ringing,
    /// Connected.
    InProgress,
    /// Over; `end_reason` says how.
    Ended,
}

/// Whether the call is being recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum RecordingState {
    /// Not recording.
    Off,
    /// Recording.
    On,
    /// Recording paused (the pause is left out of the recording).
    Paused,
}

/// Who called whom.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum CallDirection {
    /// Placed from Switchboard.
    Outbound,
    /// Came in to the app.
    Inbound,
}

/// A call as the UI shows it; sent whole with every change (`call://state`).
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct CallView {
    /// The call's own name (its conference's friendly name for outbound calls).
    pub id: String,
    /// The engine carrying the user's voice.
    pub engine: EngineKind,
    /// Outbound or inbound.
    pub direction: CallDirection,
    /// The other party, E.164 (or an address such as `client:…` as Twilio reports it).
    pub remote: String,
    /// `remote` formatted for people.
    pub remote_display: String,
    /// The account's number the other party sees (outbound) or that was called (inbound).
    pub caller_id: String,
    /// Where it stands.
    pub phase: CallPhase,
    /// The other party is on hold, hearing music.
    pub on_hold: bool,
    /// The user's microphone is muted.
    pub muted: bool,
    /// Recording state.
    pub recording: RecordingState,
    /// The user's leg (`CA…`) once known.
    pub you_sid: Option<String>,
    /// The other party's leg once dialed.
    pub them_sid: Option<String>,
    /// When the other party answered, Unix milliseconds.
    #[ts(type = "number | null")]
    pub answered_at: Option<i64>,
    /// When it ended, Unix milliseconds.
    #[ts(type = "number | null")]
    pub ended_at: Option<i64>,
    /// How it ended: a sentence for people.
    pub end_reason: Option<String>,
    /// Something the user should know now (lost contact with Twilio, a control that failed).
    pub notice: Option<String>,
    /// Live quality of a SIP call, measured on this end.
    pub quality: Option<super::quality::CallQuality>,
    /// Counts this call's changes: a command's answer and the `call://state` events can
    /// arrive in either order, and the higher revision is the newer state.
    #[ts(type = "number")]
    pub revision: u64,
}

impl CallView {
    /// A call just begun with `remote`, shown beside the account's number `ours`.
    pub(super) fn new(
        id: String,
        engine: EngineKind,
        direction: CallDirection,
        remote: &str,
        ours: &str,
        phase: CallPhase,
    ) -> Self {
        Self {
            id,
            engine,
            direction,
            remote: remote.to_owned(),
            remote_display: format_beside(remote, Some(ours)),
            caller_id: ours.to_owned(),
            phase,
            on_hold: false,
            muted: false,
            recording: RecordingState::Off,
            you_sid: None,
            them_sid: None,
            answered_at: None,
            ended_at: None,
            end_reason: None,
            notice: None,
            quality: None,
            revision: 0,
        }
    }
}

/// A call to place.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, TS)]
pub struct DialRequest {
    /// The number as typed.
    pub to: String,
    /// ISO country the number is read in when it has no `+` (the dialer's country picker).
    pub country: Option<String>,
    /// The caller ID; the Settings default (or the first voice number) when absent.
    pub from: Option<String>,
    /// The engine that brings the user in.
    pub engine: EngineKind,
}

/// A change to a live call.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, TS)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum CallControl {
    /// Answer an incoming call ringing the app's SIP line.
    Answer,
    /// End the call (or stop it ringing).
    Hangup,
    /// The window's own leg is gone without the user asking (the SDK disconnected, the caller
    /// cancelled, an error): end the call, saying why. When the other party hung up first,
    /// that is what the call says.
    Left {
        /// What the window knows, to show when the other party is still there.
        reason: Option<String>,
    },
    /// Park the other party with music.
    Hold,
    /// Bring the other party back.
    Resume,
    /// Mute or unmute the user.
    Mute {
        /// Muted.
        on: bool,
    },
    /// Hand the other party to another number and leave the call.
    Transfer {
        /// The number, as typed.
        to: String,
        /// Country for a number without `+`.
        country: Option<String>,
    },
    /// Play touch tones to the other party.
    Digits {
        /// `0`-`9`, `*`, `#`, and `w` for a half-second pause.
        digits: String,
    },
    /// Start recording.
    StartRecording,
    /// Pause the recording.
    PauseRecording,
    /// Resume the recording.
    ResumeRecording,
    /// Stop the recording.
    StopRecording,
}

/// The most touch tones sent at once.
pub const MAX_DIGITS: usize = 32;

/// A fresh conference name: `sb-` and 32 random hex digits.
pub fn room_name() -> String {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).expect("the OS random source");
    format!("sb-{}", crate::cache::hex(&bytes))
}

/// Whether `room` is a name [`room_name`] makes (what the routing's outbound function takes).
pub fn is_room_name(room: &str) -> bool {
    room.strip_prefix("sb-")
        .is_some_and(|h| h.len() == 32 && h.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Checks touch tones for `<Play digits>`.
///
/// # Errors
/// [`Code::InvalidInput`] for anything but 1 to [`MAX_DIGITS`] of `0-9 * # w`.
pub fn check_digits(digits: &str) -> Result<&str, Error> {
    let digits = digits.trim();
    if digits.is_empty() || digits.len() > MAX_DIGITS {
        return Err(Error::new(
            Code::InvalidInput,
            format!("Digits: send 1 to {MAX_DIGITS} keys at a time."),
        ));
    }
    if let Some(bad) = digits
        .chars()
        .find(|c| !(c.is_ascii_digit() || matches!(c, '*' | '#' | 'w')))
    {
        return Err(Error::new(
            Code::InvalidInput,
            format!("Digits: {bad:?} is not a key on a phone's keypad; use 0-9, * and #."),
        ));
    }
    Ok(digits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn room_names_are_fresh_and_recognised() {
        let a = room_name();
        assert!(is_room_name(&a), "{a}");
        assert_ne!(a, room_name());
        assert!(!is_room_name("sb-123"));
        assert!(!is_room_name("room-0123456789abcdef0123456789abcdef"));
    }

    #[test]
    fn digits_are_keypad_keys_only() {
        assert_eq!(check_digits(" 12w#* ").unwrap(), "12w#*");
        assert!(check_digits("").is_err());
        assert!(check_digits("12a").unwrap_err().message.contains("'a'"));
        assert!(check_digits(&"1".repeat(MAX_DIGITS + 1)).is_err());
    }
}
