//! Which engine places the user's calls, and why.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::e164::E164;
use crate::error::Error;
use crate::sid::CallSid;
use crate::twilio::Client;

/// How the user's own voice reaches a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum EngineKind {
    /// The Twilio Voice JS SDK in the window: the app's microphone and speakers.
    Webview,
    /// REST call control: Twilio rings the user's own phone, then connects the other party.
    Bridge,
    /// The core's own SIP line on the account's SIP Domain: this computer's devices.
    Sip,
}

impl EngineKind {
    /// The name shown to people.
    pub fn label(self) -> &'static str {
        match self {
            Self::Webview => "In the app",
            Self::Bridge => "Through your phone",
            Self::Sip => "In the app (SIP)",
        }
    }
}

/// What the user asked for in Settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum EnginePreference {
    /// The best engine this window supports.
    #[default]
    Auto,
    /// The webview engine, when the window has WebRTC.
    Webview,
    /// The bridge engine, always.
    Bridge,
    /// The SIP engine, when this desktop has a SIP account.
    Sip,
}

impl EnginePreference {
    /// The stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Auto => "auto",
            Self::Webview => "webview",
            Self::Bridge => "bridge",
            Self::Sip => "sip",
        }
    }

    /// Reads the stored form; anything unknown is `Auto`.
    pub fn parse(raw: &str) -> Self {
        match raw {
            "webview" => Self::Webview,
            "bridge" => Self::Bridge,
            "sip" => Self::Sip,
            _ => Self::Auto,
        }
    }
}

/// What the window found out about itself (feature detection, never assumed from the OS).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, TS)]
pub struct Capabilities {
    /// `RTCPeerConnection` exists in the window.
    pub webrtc: bool,
    /// `navigator.mediaDevices.getUserMedia` exists in the window.
    pub microphone: bool,
}

/// The engine that will place the next call, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct EngineChoice {
    /// The engine.
    pub engine: EngineKind,
    /// What Settings asked for.
    pub preference: EnginePreference,
    /// A sentence saying why this engine, shown in the dialer.
    pub reason: String,
    /// Whether the webview engine could run in this window.
    pub webview_available: bool,
    /// Whether this desktop has a SIP account (the SIP engine could run).
    pub sip_available: bool,
    /// What must be fixed before a call can be placed, if anything.
    pub blocker: Option<String>,
}

/// Chooses the engine for a window with `caps`, given the Settings `preference`, whether a
/// bridge phone is set, and whether this desktop has a SIP account (`Err` says why not).
pub fn choose(
    preference: EnginePreference,
    caps: &Capabilities,
    bridge_phone_set: bool,
    sip: Result<(), &str>,
) -> EngineChoice {
    let webview_available = caps.webrtc && caps.microphone;
    let missing = if caps.webrtc {
        "this window cannot open a microphone (no getUserMedia)"
    } else {
        "this window has no WebRTC (RTCPeerConnection), as in WebKitGTK on Linux"
    };
    let sip_available = sip.is_ok();
    let on_sip = "Calls use this computer's microphone and speakers through the app's own SIP line";
    let (engine, reason) = match preference {
        EnginePreference::Auto if webview_available => (
            EngineKind::Webview,
            "Calls use this computer's microphone and speakers: the window supports WebRTC."
                .to_owned(),
        ),
        EnginePreference::Auto if sip_available => {
            (EngineKind::Sip, format!("{on_sip}: {missing}."))
        }
        EnginePreference::Auto => (
            EngineKind::Bridge,
            format!(
                "Calls ring your phone first, then Twilio connects the other party: {missing}, and {}.",
                sip.err().unwrap_or_default()
            ),
        ),
        EnginePreference::Webview if webview_available => (
            EngineKind::Webview,
            "Calls use this computer's microphone and speakers, as chosen in Settings.".to_owned(),
        ),
        EnginePreference::Webview => (
            EngineKind::Bridge,
            format!(
                "Settings ask for calls in the app, but {missing}; calls ring your phone instead."
            ),
        ),
        EnginePreference::Sip if sip_available => {
            (EngineKind::Sip, format!("{on_sip}, as chosen in Settings."))
        }
        EnginePreference::Sip => (
            EngineKind::Bridge,
            format!(
                "Settings ask for calls through the app's SIP line, but {}; calls ring your phone instead.",
                sip.err().unwrap_or_default()
            ),
        ),
        EnginePreference::Bridge => (
            EngineKind::Bridge,
            "Calls ring your phone first, then Twilio connects the other party, as chosen in Settings."
                .to_owned(),
        ),
    };
    let blocker = (engine == EngineKind::Bridge && !bridge_phone_set).then(|| {
        "Set your own phone number in Settings, under Calling: Twilio rings it first, then connects the call."
            .to_owned()
    });
    EngineChoice {
        engine,
        preference,
        reason,
        webview_available,
        sip_available,
        blocker,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NO_SIP: &str = "this desktop has no SIP account yet (deploy call routing)";

    fn caps(webrtc: bool, microphone: bool) -> Capabilities {
        Capabilities { webrtc, microphone }
    }

    #[test]
    fn automatic_choice_follows_what_the_window_can_do() {
        let webkitgtk = choose(
            EnginePreference::Auto,
            &caps(false, true),
            true,
            Err(NO_SIP),
        );
        assert_eq!(webkitgtk.engine, EngineKind::Bridge);
        assert!(
            webkitgtk.reason.contains("RTCPeerConnection"),
            "{}",
            webkitgtk.reason
        );
        assert!(!webkitgtk.webview_available);
        assert_eq!(webkitgtk.blocker, None);

        let webview2 = choose(EnginePreference::Auto, &caps(true, true), false, Ok(()));
        assert_eq!(webview2.engine, EngineKind::Webview);
        assert!(webview2.webview_available);
        assert_eq!(
            webview2.blocker, None,
            "the webview engine needs no bridge phone"
        );

        let no_mic = choose(
            EnginePreference::Auto,
            &caps(true, false),
            true,
            Err(NO_SIP),
        );
        assert_eq!(no_mic.engine, EngineKind::Bridge);
        assert!(no_mic.reason.contains("getUserMedia"), "{}", no_mic.reason);
        assert!(no_mic.reason.contains(NO_SIP), "{}", no_mic.reason);
    }

    #[test]
    fn without_webrtc_a_desktop_with_a_sip_account_calls_through_its_sip_line() {
        let linux = choose(EnginePreference::Auto, &caps(false, true), false, Ok(()));
        assert_eq!(linux.engine, EngineKind::Sip);
        assert!(linux.reason.contains("SIP line"), "{}", linux.reason);
        assert!(
            linux.reason.contains("RTCPeerConnection"),
            "{}",
            linux.reason
        );
        assert_eq!(linux.blocker, None, "the SIP engine needs no bridge phone");
        assert!(linux.sip_available);

        // WebRTC still wins on Auto; SIP is there when asked for.
        let webview2 = choose(EnginePreference::Auto, &caps(true, true), false, Ok(()));
        assert_eq!(webview2.engine, EngineKind::Webview);
        let asked = choose(EnginePreference::Sip, &caps(true, true), false, Ok(()));
        assert_eq!(asked.engine, EngineKind::Sip);
        assert!(asked.reason.contains("chosen in Settings"));

        let unprovisioned = choose(EnginePreference::Sip, &caps(true, true), true, Err(NO_SIP));
        assert_eq!(unprovisioned.engine, EngineKind::Bridge);
        assert!(
            unprovisioned.reason.contains(NO_SIP),
            "{}",
            unprovisioned.reason
        );
        assert!(!unprovisioned.sip_available);
    }

    #[test]
    fn settings_override_and_an_impossible_choice_says_so() {
        let forced = choose(EnginePreference::Bridge, &caps(true, true), true, Ok(()));
        assert_eq!(forced.engine, EngineKind::Bridge);
        assert!(forced.reason.contains("chosen in Settings"));

        let wanted = choose(EnginePreference::Webview, &caps(false, true), true, Ok(()));
        assert_eq!(wanted.engine, EngineKind::Bridge);
        assert!(
            wanted
                .reason
                .starts_with("Settings ask for calls in the app, but")
        );

        let unset = choose(
            EnginePreference::Bridge,
            &caps(true, true),
            false,
            Err(NO_SIP),
        );
        assert!(unset.blocker.unwrap().contains("Settings"));
    }

    #[test]
    fn the_stored_preference_reads_back_and_unknown_is_auto() {
        for p in [
            EnginePreference::Auto,
            EnginePreference::Webview,
            EnginePreference::Bridge,
            EnginePreference::Sip,
        ] {
            assert_eq!(EnginePreference::parse(p.as_str()), p);
        }
        assert_eq!(EnginePreference::parse("opus"), EnginePreference::Auto);
    }
}

/// How a call reaches the user: what differs between engines. The conference, the other
/// party's leg and every control are shared.
pub trait CallEngine: Send + Sync {
    /// Which engine this is.
    fn kind(&self) -> EngineKind;

    /// Brings the user's leg into the conference `room`; returns its call, or `None` when it
    /// arrives on its own (the webview's SDK connects it and reports it with
    /// [`Calling::attach`]).
    fn join_you(
        &self,
        client: &Client,
        room: &str,
        caller_id: &str,
    ) -> impl Future<Output = Result<Option<CallSid>, Error>> + Send;

    /// Whether muting goes through Twilio (a phone leg) rather than the app's own microphone.
    fn mutes_over_rest(&self) -> bool;
}

/// Has Twilio dial `to` (the user's phone, or the desktop's SIP line) into `room` as the user's
/// leg: it starts the conference, and ends it when it leaves.
async fn dial_you_in(
    client: &Client,
    room: &str,
    to: &str,
    caller_id: &str,
) -> Result<Option<CallSid>, Error> {
    let you = client
        .participants(room)
        .add(to, caller_id)
        .label("you")
        .beep(false)
        .start_conference_on_enter(true)
        .end_conference_on_exit(true)
        .timeout(30)
        .send()
        .await?;
    Ok(Some(you.call_sid))
}

/// The bridge engine: Twilio calls the user's own phone.
#[derive(Debug, Clone)]
pub struct BridgeEngine {
    /// The user's phone, E.164.
    pub phone: E164,
}

impl CallEngine for BridgeEngine {
    fn kind(&self) -> EngineKind {
        EngineKind::Bridge
    }

    async fn join_you(
        &self,
        client: &Client,
        room: &str,
        caller_id: &str,
    ) -> Result<Option<CallSid>, Error> {
        dial_you_in(client, room, self.phone.as_str(), caller_id).await
    }

    fn mutes_over_rest(&self) -> bool {
        true
    }
}

/// The webview engine: the Voice SDK in the window joins the conference through the
/// routing's outgoing TwiML App, then reports its call.
#[derive(Debug, Clone, Copy)]
pub struct WebviewEngine;

impl CallEngine for WebviewEngine {
    fn kind(&self) -> EngineKind {
        EngineKind::Webview
    }

    async fn join_you(&self, _: &Client, _: &str, _: &str) -> Result<Option<CallSid>, Error> {
        Ok(None)
    }

    fn mutes_over_rest(&self) -> bool {
        false
    }
}

/// The SIP engine: Twilio dials this desktop's SIP line into the conference, and the line
/// answers by itself (see [`super::sip`]).
#[derive(Debug, Clone, Default)]
pub struct SipEngine {
    /// The running line; `None` until [`Calling::place`](super::Calling::place) binds it.
    pub(crate) line: Option<std::sync::Arc<super::sip::SipLine>>,
}

impl CallEngine for SipEngine {
    fn kind(&self) -> EngineKind {
        EngineKind::Sip
    }

    async fn join_you(
        &self,
        client: &Client,
        room: &str,
        caller_id: &str,
    ) -> Result<Option<CallSid>, Error> {
        let line = self.line.as_ref().ok_or_else(|| {
            Error::new(
                crate::Code::NotConfigured,
                "The app's SIP line is not running: check Calling in Settings, and that call routing is deployed.",
            )
        })?;
        line.expect(room);
        let address = format!("{}?{}={room}", line.address(), super::sip::ROOM_HEADER);
        dial_you_in(client, room, &address, caller_id).await
    }

    fn mutes_over_rest(&self) -> bool {
        false
    }
}

/// The engine of one call.
#[derive(Debug, Clone)]
pub enum AnyEngine {
    /// Through the user's phone.
    Bridge(BridgeEngine),
    /// In the window.
    Webview(WebviewEngine),
    /// Through the core's SIP line.
    Sip(SipEngine),
}

impl CallEngine for AnyEngine {
    fn kind(&self) -> EngineKind {
        match self {
            Self::Bridge(e) => e.kind(),
            Self::Webview(e) => e.kind(),
            Self::Sip(e) => e.kind(),
        }
    }

    async fn join_you(
        &self,
        client: &Client,
        room: &str,
        caller_id: &str,
    ) -> Result<Option<CallSid>, Error> {
        match self {
            Self::Bridge(e) => e.join_you(client, room, caller_id).await,
            Self::Webview(e) => e.join_you(client, room, caller_id).await,
            Self::Sip(e) => e.join_you(client, room, caller_id).await,
        }
    }

    fn mutes_over_rest(&self) -> bool {
        match self {
            Self::Bridge(e) => e.mutes_over_rest(),
            Self::Webview(e) => e.mutes_over_rest(),
            Self::Sip(e) => e.mutes_over_rest(),
        }
    }
}
