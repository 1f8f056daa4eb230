//! Live calls: each one a two-party conference named after the call, with the user's leg
//! ("you") and the other party's ("them"), driven by polling Twilio (a desktop behind NAT
//! gets no webhooks). Hold, mute, transfer, digits and recording all go through REST, so they
//! work the same whichever engine brought the user's leg in.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::engine::EngineKind;
use crate::e164::{E164, format_beside};
use crate::error::{Code, Error};
use crate::sid::CallSid;
use crate::twilio::{CallStatus, Client, RecordingControl, RetryPolicy, TwilioError};
use crate::twiml::{Dial, Play, Response};

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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
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
    /// Counts this call's changes: a command's answer and the `call://state` events can
    /// arrive in either order, and the higher revision is the newer state.
    #[ts(type = "number")]
    pub revision: u64,
}

impl CallView {
    /// A call just begun with `remote`, shown beside the account's number `ours`.
    fn new(
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
        let you = client
            .participants(room)
            .add(self.phone.as_str(), caller_id)
            .label("you")
            .beep(false)
            .start_conference_on_enter(true)
            .end_conference_on_exit(true)
            .timeout(30)
            .send()
            .await?;
        Ok(Some(you.call_sid))
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

/// The engine of one call.
#[derive(Debug, Clone)]
pub enum AnyEngine {
    /// Through the user's phone.
    Bridge(BridgeEngine),
    /// In the window.
    Webview(WebviewEngine),
}

impl CallEngine for AnyEngine {
    fn kind(&self) -> EngineKind {
        match self {
            Self::Bridge(e) => e.kind(),
            Self::Webview(e) => e.kind(),
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
        }
    }

    fn mutes_over_rest(&self) -> bool {
        match self {
            Self::Bridge(e) => e.mutes_over_rest(),
            Self::Webview(e) => e.mutes_over_rest(),
        }
    }
}

/// Timings of the call driver.
#[derive(Debug, Clone, Copy)]
pub struct Timing {
    /// How often Twilio is asked how the legs stand.
    pub poll: Duration,
    /// How long the window's SDK has to report its leg.
    pub attach: Duration,
    /// How long Twilio may be unreachable before the call is given up as lost.
    pub lost_after: Duration,
}

impl Default for Timing {
    fn default() -> Self {
        Self {
            poll: Duration::from_secs(1),
            attach: Duration::from_secs(45),
            lost_after: Duration::from_secs(60),
        }
    }
}

type Notify = Arc<dyn Fn(&CallView) + Send + Sync>;

/// The live calls of this process.
#[derive(Clone)]
pub struct Calling {
    calls: Arc<Mutex<HashMap<String, Arc<Session>>>>,
    notify: Notify,
    timing: Timing,
}

impl std::fmt::Debug for Calling {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Calling")
            .field("calls", &self.calls.lock().map(|c| c.len()).unwrap_or(0))
            .field("timing", &self.timing)
            .finish_non_exhaustive()
    }
}

struct Session {
    client: Client,
    /// The same client without retries, for polling: the next poll is the retry, and a
    /// lost connection must show at once rather than after a backoff.
    poller: Client,
    engine: AnyEngine,
    view: Mutex<CallView>,
    conference: Mutex<Option<String>>,
    attached: tokio::sync::Notify,
}

impl Session {
    fn view(&self) -> CallView {
        self.view.lock().expect("call view").clone()
    }

    fn ended(&self) -> bool {
        self.view.lock().expect("call view").phase == CallPhase::Ended
    }

    fn sid(&self, which: Leg) -> Option<CallSid> {
        let view = self.view.lock().expect("call view");
        let raw = match which {
            Leg::You => view.you_sid.as_deref(),
            Leg::Them => view.them_sid.as_deref(),
        };
        raw.and_then(|s| s.parse().ok())
    }
}

#[derive(Debug, Clone, Copy)]
enum Leg {
    You,
    Them,
}

fn now_ms() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}

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

/// The outcome of the other party's leg, for people.
fn them_ended(status: CallStatus, answered: bool) -> &'static str {
    match status {
        CallStatus::Busy => "Busy.",
        CallStatus::NoAnswer => "No answer.",
        CallStatus::Failed => "The call could not be connected; check the number.",
        CallStatus::Canceled if !answered => "The call was cancelled before it was answered.",
        _ if answered => "They hung up.",
        _ => "The call ended before it was answered.",
    }
}

fn you_ended(status: CallStatus, engine: EngineKind, answered: bool) -> &'static str {
    match (engine, status) {
        (EngineKind::Bridge, CallStatus::Busy) => "Your phone was busy.",
        (EngineKind::Bridge, CallStatus::NoAnswer) => "Your phone did not answer.",
        (EngineKind::Bridge, CallStatus::Failed) => {
            "Twilio could not ring your phone; check the number in Settings."
        }
        (EngineKind::Webview, CallStatus::Failed) => "The app's connection to the call failed.",
        _ if answered => "You hung up.",
        _ => "The call ended.",
    }
}

fn terminal(status: CallStatus) -> bool {
    matches!(
        status,
        CallStatus::Completed
            | CallStatus::Busy
            | CallStatus::Failed
            | CallStatus::NoAnswer
            | CallStatus::Canceled
    )
}

fn no_call(id: &str) -> Error {
    Error::new(
        Code::NotFound,
        format!("There is no live call {id:?}; it may have ended already."),
    )
}

impl Calling {
    /// Live calls reported through `notify`, with the default timings.
    pub fn new(notify: impl Fn(&CallView) + Send + Sync + 'static) -> Self {
        Self {
            calls: Arc::default(),
            notify: Arc::new(notify),
            timing: Timing::default(),
        }
    }

    /// Replaces the timings (tests poll faster).
    #[must_use]
    pub fn with_timing(mut self, timing: Timing) -> Self {
        self.timing = timing;
        self
    }

    /// The calls not yet ended.
    pub fn active(&self) -> Vec<CallView> {
        let calls = self.calls.lock().expect("calls");
        let mut views: Vec<_> = calls
            .values()
            .map(|s| s.view())
            .filter(|v| v.phase != CallPhase::Ended)
            .collect();
        views.sort_by(|a, b| a.id.cmp(&b.id));
        views
    }

    /// One call, ended or not, while this process remembers it.
    pub fn get(&self, id: &str) -> Option<CallView> {
        self.calls.lock().expect("calls").get(id).map(|s| s.view())
    }

    fn session(&self, id: &str) -> Result<Arc<Session>, Error> {
        self.calls
            .lock()
            .expect("calls")
            .get(id)
            .cloned()
            .ok_or_else(|| no_call(id))
    }

    fn publish(&self, session: &Session) {
        (self.notify)(&session.view());
    }

    fn update(&self, session: &Session, change: impl FnOnce(&mut CallView)) {
        {
            let mut view = session.view.lock().expect("call view");
            if view.phase == CallPhase::Ended {
                return;
            }
            change(&mut view);
            view.revision += 1;
        }
        self.publish(session);
    }

    /// Places an outbound call from `caller_id` (checked by the caller to be the account's)
    /// to `remote`, bringing the user in through `engine`. Returns at once; the call's
    /// progress arrives through `notify`.
    pub fn place(
        &self,
        client: Client,
        engine: AnyEngine,
        remote: &E164,
        caller_id: &E164,
    ) -> CallView {
        let view = CallView::new(
            room_name(),
            engine.kind(),
            CallDirection::Outbound,
            remote.as_str(),
            caller_id.as_str(),
            CallPhase::Placing,
        );
        let session = self.track(client, engine, view.clone());
        let this = self.clone();
        tokio::spawn(async move { this.drive_outbound(session).await });
        view
    }

    /// Tracks an incoming call the window's SDK is ringing with: its leg `call` from
    /// `remote` to the account's number `called`.
    pub fn incoming(&self, client: Client, call: CallSid, remote: &str, called: &str) -> CallView {
        let id = call.to_string();
        if let Some(view) = self.get(&id) {
            return view;
        }
        let mut view = CallView::new(
            id,
            EngineKind::Webview,
            CallDirection::Inbound,
            remote,
            called,
            CallPhase::Ringing,
        );
        view.you_sid = Some(call.to_string());
        let session = self.track(client, AnyEngine::Webview(WebviewEngine), view.clone());
        let this = self.clone();
        tokio::spawn(async move { this.drive_inbound(session).await });
        view
    }

    /// Keeps a new call and announces it.
    fn track(&self, client: Client, engine: AnyEngine, view: CallView) -> Arc<Session> {
        let session = Arc::new(Session {
            poller: client.clone().with_retry(RetryPolicy::NONE),
            client,
            engine,
            view: Mutex::new(view.clone()),
            conference: Mutex::new(None),
            attached: tokio::sync::Notify::new(),
        });
        self.calls
            .lock()
            .expect("calls")
            .insert(view.id, Arc::clone(&session));
        self.publish(&session);
        session
    }

    /// Reports the window's SDK leg of call `id` (webview engine), once connected.
    ///
    /// # Errors
    /// [`Code::NotFound`] for an unknown or ended call; [`Code::InvalidInput`] for a call
    /// whose user leg is already known.
    pub fn attach(&self, id: &str, call: &CallSid) -> Result<CallView, Error> {
        let session = self.session(id)?;
        if session.ended() {
            return Err(no_call(id));
        }
        {
            let mut view = session.view.lock().expect("call view");
            match &view.you_sid {
                Some(known) if known != call.as_str() => {
                    return Err(Error::new(
                        Code::InvalidInput,
                        format!("Call {id} is already connected through {known}."),
                    ));
                }
                _ => {
                    view.you_sid = Some(call.to_string());
                    view.revision += 1;
                }
            }
        }
        session.attached.notify_one();
        self.publish(&session);
        Ok(session.view())
    }

    /// Ends the call with `reason`, hanging up whatever leg is still up.
    async fn finish(&self, session: &Session, reason: String) {
        {
            let mut view = session.view.lock().expect("call view");
            if view.phase == CallPhase::Ended {
                return;
            }
            view.phase = CallPhase::Ended;
            view.ended_at = Some(now_ms());
            view.end_reason = Some(reason);
            view.notice = None;
            view.revision += 1;
        }
        self.publish(session);
        for leg in [Leg::Them, Leg::You] {
            if let Some(sid) = session.sid(leg)
                && let Err(err) = session.client.calls().hangup(&sid).await
                && !matches!(&err, TwilioError::Api { status: 404, .. })
            {
                tracing::debug!(call = %sid, error = %err, "a leg could not be hung up (it may be over already)");
            }
        }
    }

    /// Asks Twilio how a leg stands, tracking lost contact. `None` while Twilio cannot be
    /// reached (the notice says so) and the call is not yet given up.
    async fn status(
        &self,
        session: &Session,
        sid: &CallSid,
        lost_since: &mut Option<Instant>,
    ) -> Result<Option<CallStatus>, String> {
        match session.poller.calls().get(sid).await {
            Ok(call) => {
                if lost_since.take().is_some() {
                    self.update(session, |v| v.notice = None);
                }
                Ok(Some(call.status))
            }
            Err(err) => {
                let since = *lost_since.get_or_insert_with(Instant::now);
                if since.elapsed() >= self.timing.lost_after {
                    return Err(format!(
                        "Lost contact with Twilio ({err}). The call may still be going on; the Calls view shows how it ended once Twilio can be reached."
                    ));
                }
                let notice = format!("Lost contact with Twilio ({err}); retrying.");
                self.update(session, |v| v.notice = Some(notice));
                Ok(None)
            }
        }
    }

    async fn drive_outbound(&self, session: Arc<Session>) {
        let engine = session.engine.kind();
        let room = session.view().id;
        let caller_id = session.view().caller_id;
        // The user's leg.
        match session
            .engine
            .join_you(&session.client, &room, &caller_id)
            .await
        {
            Ok(Some(you)) => self.update(&session, |v| {
                v.you_sid = Some(you.to_string());
                v.phase = CallPhase::CallingYou;
            }),
            Ok(None) => {
                let attached = session.attached.notified();
                if session.sid(Leg::You).is_none()
                    && tokio::time::timeout(self.timing.attach, attached)
                        .await
                        .is_err()
                {
                    return self
                        .finish(
                            &session,
                            "The app's own connection to the call never arrived; check your network and try again."
                                .into(),
                        )
                        .await;
                }
            }
            Err(err) => {
                let reason = match engine {
                    EngineKind::Bridge => {
                        format!("Twilio could not ring your phone: {}", err.message)
                    }
                    EngineKind::Webview => err.message,
                };
                return self.finish(&session, reason).await;
            }
        }
        let Some(you) = session.sid(Leg::You) else {
            return;
        };
        let mut lost = None;
        // Wait for the user to answer (bridge) or the SDK leg to be in the room.
        loop {
            if session.ended() {
                return;
            }
            match self.status(&session, &you, &mut lost).await {
                Err(reason) => return self.finish(&session, reason).await,
                Ok(Some(CallStatus::InProgress)) => break,
                Ok(Some(status)) if terminal(status) => {
                    return self
                        .finish(&session, you_ended(status, engine, false).into())
                        .await;
                }
                Ok(_) => {}
            }
            tokio::time::sleep(self.timing.poll).await;
        }
        if session.ended() {
            return;
        }
        // The other party.
        let remote = session.view().remote;
        let them = session
            .client
            .participants(&room)
            .add(&remote, &caller_id)
            .label("them")
            .beep(false)
            .early_media(true)
            .start_conference_on_enter(true)
            .end_conference_on_exit(true)
            .timeout(60)
            .send()
            .await;
        let them = match them {
            Ok(p) => p,
            Err(err) => {
                let err = Error::from(err);
                return self
                    .finish(
                        &session,
                        format!("The call could not be placed: {}", err.message),
                    )
                    .await;
            }
        };
        *session.conference.lock().expect("conference") = them.conference_sid.clone();
        self.update(&session, |v| {
            v.them_sid = Some(them.call_sid.to_string());
            v.phase = CallPhase::Ringing;
        });
        self.follow(&session, &you, &them.call_sid, &mut lost).await;
    }

    /// Follows both legs until either ends.
    async fn follow(
        &self,
        session: &Session,
        you: &CallSid,
        them: &CallSid,
        lost: &mut Option<Instant>,
    ) {
        let engine = session.engine.kind();
        loop {
            if session.ended() {
                return;
            }
            let answered = session.view().answered_at.is_some();
            match self.status(session, them, lost).await {
                Err(reason) => return self.finish(session, reason).await,
                Ok(Some(CallStatus::InProgress)) if !answered => self.update(session, |v| {
                    v.phase = CallPhase::InProgress;
                    v.answered_at = Some(now_ms());
                }),
                Ok(Some(status)) if terminal(status) => {
                    return self
                        .finish(session, them_ended(status, answered).into())
                        .await;
                }
                Ok(_) => {}
            }
            match self.status(session, you, lost).await {
                Err(reason) => return self.finish(session, reason).await,
                Ok(Some(status)) if terminal(status) => {
                    return self
                        .finish(session, you_ended(status, engine, true).into())
                        .await;
                }
                Ok(_) => {}
            }
            tokio::time::sleep(self.timing.poll).await;
        }
    }

    async fn drive_inbound(&self, session: Arc<Session>) {
        let Some(you) = session.sid(Leg::You) else {
            return;
        };
        let mut lost = None;
        loop {
            if session.ended() {
                return;
            }
            let answered = session.view().answered_at.is_some();
            match self.status(&session, &you, &mut lost).await {
                Err(reason) => return self.finish(&session, reason).await,
                Ok(Some(CallStatus::InProgress)) if !answered => self.update(&session, |v| {
                    v.phase = CallPhase::InProgress;
                    v.answered_at = Some(now_ms());
                }),
                Ok(Some(status)) if terminal(status) => {
                    let reason = if answered {
                        "The call ended."
                    } else {
                        "Missed: the caller hung up or the call went to voicemail."
                    };
                    return self.finish(&session, reason.into()).await;
                }
                Ok(_) => {}
            }
            tokio::time::sleep(self.timing.poll).await;
        }
    }

    /// Applies `control` to call `id`.
    ///
    /// # Errors
    /// [`Code::NotFound`] for an unknown or ended call; [`Code::InvalidInput`] for a control
    /// that does not apply now (hold before the other party answered, a malformed number or
    /// digits); Twilio's errors, with the call's state unchanged.
    pub async fn control(&self, id: &str, control: CallControl) -> Result<CallView, Error> {
        let session = self.session(id)?;
        if session.ended() {
            return Err(no_call(id));
        }
        let result = self.apply(&session, control).await;
        if let Err(err) = &result {
            tracing::warn!(call = id, code = ?err.code, error = %err.message, "call control failed");
        }
        result.map(|()| session.view())
    }

    async fn apply(&self, session: &Session, control: CallControl) -> Result<(), Error> {
        let view = session.view();
        let calls = session.client.calls();
        match control {
            CallControl::Hangup => {
                let reason = match (view.direction, view.phase) {
                    (CallDirection::Inbound, CallPhase::Ringing) => "Declined.",
                    (_, CallPhase::InProgress) => "You hung up.",
                    _ => "Cancelled.",
                };
                self.finish(session, reason.into()).await;
                Ok(())
            }
            CallControl::Left { reason } => {
                let answered = view.answered_at.is_some();
                let them_over = match session.sid(Leg::Them) {
                    Some(them) => match session.poller.calls().get(&them).await {
                        Ok(call) if terminal(call.status) => {
                            Some(them_ended(call.status, answered))
                        }
                        _ => None,
                    },
                    None => None,
                };
                let reason = them_over.map(str::to_owned).or(reason).unwrap_or_else(|| {
                    match view.direction {
                        CallDirection::Outbound => "The app's connection to the call ended.",
                        CallDirection::Inbound => "The call ended.",
                    }
                    .to_owned()
                });
                self.finish(session, reason).await;
                Ok(())
            }
            CallControl::Hold | CallControl::Resume => {
                let hold = control == CallControl::Hold;
                if view.direction == CallDirection::Inbound {
                    return Err(Error::new(
                        Code::InvalidInput,
                        "Hold works on calls placed from Switchboard; this call rang the app directly.",
                    ));
                }
                let (conference, them) = self.connected(session, "hold")?;
                session
                    .client
                    .participants(&conference)
                    .update(them.as_str())
                    .hold(hold)
                    .send()
                    .await?;
                self.update(session, |v| v.on_hold = hold);
                Ok(())
            }
            CallControl::Mute { on } => {
                if session.engine.mutes_over_rest() {
                    let you = session.sid(Leg::You).ok_or_else(not_connected)?;
                    let conference = session
                        .conference
                        .lock()
                        .expect("conference")
                        .clone()
                        .unwrap_or_else(|| view.id.clone());
                    session
                        .client
                        .participants(&conference)
                        .update(you.as_str())
                        .muted(on)
                        .send()
                        .await?;
                }
                self.update(session, |v| v.muted = on);
                Ok(())
            }
            CallControl::Transfer { to, country } => {
                let to = E164::parse("Transfer to", &to, country.as_deref())
                    .map_err(|e| Error::new(Code::InvalidInput, e.message))?;
                let (target, caller_id) = match view.direction {
                    CallDirection::Outbound => {
                        let (_, them) = self.connected(session, "transfer")?;
                        (them, view.caller_id.clone())
                    }
                    CallDirection::Inbound => {
                        (self.caller_leg(session).await?, view.caller_id.clone())
                    }
                };
                let twiml = Response::new().dial(Dial::number(to.as_str()).caller_id(&caller_id));
                calls.update(&target).twiml(&twiml).send().await?;
                // The other party now rings `to`; the user's leg is done.
                if view.direction == CallDirection::Outbound {
                    self.update(session, |v| v.them_sid = None);
                }
                let shown = format_beside(to.as_str(), Some(&caller_id));
                self.finish(session, format!("Transferred to {shown}."))
                    .await;
                Ok(())
            }
            CallControl::Digits { digits } => {
                let digits = check_digits(&digits)?;
                if view.direction == CallDirection::Inbound {
                    return Err(Error::new(
                        Code::InvalidInput,
                        "Digits on an incoming call go through the app's own connection (the keypad sends them).",
                    ));
                }
                if view.on_hold {
                    return Err(Error::new(
                        Code::InvalidInput,
                        "Resume the call to send digits: the other party is on hold.",
                    ));
                }
                let (conference, them) = self.connected(session, "send digits")?;
                // Leaving the room to hear the tones must not end it; rejoining restores that.
                session
                    .client
                    .participants(&conference)
                    .update(them.as_str())
                    .end_conference_on_exit(false)
                    .send()
                    .await?;
                let twiml = Response::new()
                    .play(Play::digits(digits))
                    .dial(Dial::new().room(&view.id, true));
                calls.update(&them).twiml(&twiml).send().await?;
                Ok(())
            }
            CallControl::StartRecording => {
                let you = self.recordable(session)?;
                calls.recordings(&you).start().await?;
                self.update(session, |v| v.recording = RecordingState::On);
                Ok(())
            }
            CallControl::PauseRecording
            | CallControl::ResumeRecording
            | CallControl::StopRecording => {
                let you = self.recordable(session)?;
                if view.recording == RecordingState::Off {
                    return Err(Error::new(
                        Code::InvalidInput,
                        "The call is not being recorded.",
                    ));
                }
                let (action, state) = match control {
                    CallControl::PauseRecording => {
                        (RecordingControl::Pause, RecordingState::Paused)
                    }
                    CallControl::ResumeRecording => (RecordingControl::Resume, RecordingState::On),
                    _ => (RecordingControl::Stop, RecordingState::Off),
                };
                calls.recordings(&you).control(None, action).await?;
                self.update(session, |v| v.recording = state);
                Ok(())
            }
        }
    }

    /// The conference and the other party's leg of a connected outbound call.
    fn connected(&self, session: &Session, what: &str) -> Result<(String, CallSid), Error> {
        let view = session.view();
        if view.phase != CallPhase::InProgress {
            return Err(Error::new(
                Code::InvalidInput,
                format!("You can {what} once the other party has answered."),
            ));
        }
        let them = session.sid(Leg::Them).ok_or_else(not_connected)?;
        let conference = session
            .conference
            .lock()
            .expect("conference")
            .clone()
            .ok_or_else(not_connected)?;
        Ok((conference, them))
    }

    fn recordable(&self, session: &Session) -> Result<CallSid, Error> {
        if session.view().phase != CallPhase::InProgress {
            return Err(Error::new(
                Code::InvalidInput,
                "Recording starts once the call is connected.",
            ));
        }
        session.sid(Leg::You).ok_or_else(not_connected)
    }

    /// The caller's leg of an incoming call (the parent of the app's leg).
    async fn caller_leg(&self, session: &Session) -> Result<CallSid, Error> {
        if session.view().phase != CallPhase::InProgress {
            return Err(Error::new(
                Code::InvalidInput,
                "Answer the call before transferring it.",
            ));
        }
        let you = session.sid(Leg::You).ok_or_else(not_connected)?;
        let leg = session.client.calls().get(&you).await?;
        leg.parent_call_sid.ok_or_else(|| {
            Error::new(
                Code::Twilio,
                "Twilio did not say which call this one belongs to, so it cannot be transferred.",
            )
        })
    }
}

fn not_connected() -> Error {
    Error::new(
        Code::InvalidInput,
        "The call is not connected yet; wait until the other party answers.",
    )
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

    #[test]
    fn endings_say_what_happened() {
        assert_eq!(them_ended(CallStatus::Busy, false), "Busy.");
        assert_eq!(them_ended(CallStatus::Completed, true), "They hung up.");
        assert_eq!(
            you_ended(CallStatus::NoAnswer, EngineKind::Bridge, false),
            "Your phone did not answer."
        );
    }
}
