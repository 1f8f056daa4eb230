//! The SIP engine's side of live calls: this desktop's line on the account's SIP Domain, the
//! calls it carries and their sound on this computer's devices.
//!
//! An outbound call stays a two-party conference, as with every engine: Twilio dials the
//! registered desktop into it (the participant's address carries an `X-Switchboard-Room`
//! header) and the line answers that INVITE by itself, so hold, transfer, digits and
//! recording keep going through REST. An incoming call rings the line from the routing's
//! `<Dial><Sip>` and is driven by SIP alone: answer, hold by re-INVITE, RFC 4733 digits, BYE.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::Serialize;
use tokio::sync::{mpsc, oneshot};
use ts_rs::TS;

use super::call::{CallDirection, CallPhase, CallView};
use super::engine::{AnyEngine, EngineKind, SipEngine};
pub use super::quality::CallQuality;
use super::session::{Calling, Session, now_ms};
use crate::error::{Code, Error};
use crate::sid::CallSid;
use crate::sip::devices::LiveAudio;
use crate::sip::{Ended, IncomingCall, Registered, SipAccount, SipCall, UserAgent};
use crate::twilio::Client;

/// The header on the INVITE that brings the desktop into an outbound call's conference.
pub const ROOM_HEADER: &str = "X-Switchboard-Room";
/// The header the routing puts on an incoming call's INVITE: the caller's call SID.
pub const CALL_HEADER: &str = "X-Switchboard-Call";
/// The header the routing puts on an incoming call's INVITE: the account's number called.
pub const CALLED_HEADER: &str = "X-Switchboard-Called";

/// How often a SIP call's quality is sent to the window.
const QUALITY_EVERY: Duration = Duration::from_secs(2);

/// Where the desktop's SIP line stands, for the sidebar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum LineState {
    /// No line: the SIP engine is not in use, or this desktop has no SIP account.
    Off,
    /// The first REGISTER is on its way.
    Registering,
    /// Registered: calls ring here.
    Registered,
    /// The last attempt failed for a reason that may pass; retrying.
    Retrying,
    /// The registrar refused the user or password; no retry until they change.
    Refused,
}

/// The desktop's SIP line as the sidebar shows it (`sip://line`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct LineStatus {
    /// Where it stands.
    pub state: LineState,
    /// The address calls ring, `sip:user@domain`.
    pub address: Option<String>,
    /// Why it is not registered, for people.
    pub reason: Option<String>,
    /// Seconds until the next attempt, while retrying.
    #[ts(type = "number | null")]
    pub next_in: Option<u64>,
}

impl LineStatus {
    /// No line.
    pub fn off(reason: Option<String>) -> Self {
        Self {
            state: LineState::Off,
            address: None,
            reason,
            next_in: None,
        }
    }

    fn from_registration(address: &str, registered: &Registered) -> Self {
        let (state, reason, next_in) = match registered {
            Registered::Idle => (LineState::Registering, None, None),
            Registered::Yes { .. } => (LineState::Registered, None, None),
            Registered::Retrying { reason, next_in } => {
                (LineState::Retrying, Some(reason.clone()), Some(*next_in))
            }
            Registered::Refused { reason } => (LineState::Refused, Some(reason.clone()), None),
        };
        Self {
            state,
            address: Some(address.to_owned()),
            reason,
            next_in,
        }
    }
}

/// What the window asks of a SIP call in progress.
enum LineCommand {
    Mute(bool),
    Hold(bool, oneshot::Sender<Result<(), Error>>),
    Digits(String),
    HangUp,
}

/// The microphone and speaker of SIP calls (the core's device ids; `None` for the defaults).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SipDevices {
    /// The microphone.
    pub input: Option<String>,
    /// The speaker.
    pub output: Option<String>,
}

/// The running line.
pub(crate) struct SipLine {
    agent: Arc<UserAgent>,
    account: String,
    client: Client,
    devices: Mutex<SipDevices>,
    /// Outbound calls whose INVITE from Twilio is answered without ringing.
    expected: Mutex<HashSet<String>>,
    /// Incoming calls ringing, by call id: answering sends the devices to the task holding it.
    ringing: Mutex<HashMap<String, oneshot::Sender<Option<SipDevices>>>>,
    /// Calls in progress, by call id.
    live: Mutex<HashMap<String, mpsc::UnboundedSender<LineCommand>>>,
}

impl std::fmt::Debug for SipLine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SipLine")
            .field("agent", &self.agent)
            .finish_non_exhaustive()
    }
}

impl SipLine {
    /// The address Twilio dials to reach this desktop.
    pub(crate) fn address(&self) -> String {
        self.agent.address()
    }

    /// Answers the INVITE for `room` by itself when it comes.
    pub(crate) fn expect(&self, room: &str) {
        self.expected
            .lock()
            .expect("expected rooms")
            .insert(room.to_owned());
    }

    fn send(&self, id: &str, command: LineCommand) -> Result<(), Error> {
        self.live
            .lock()
            .expect("live SIP calls")
            .get(id)
            .ok_or_else(|| {
                Error::new(
                    Code::InvalidInput,
                    "The call's audio has not started yet; wait until it is connected.",
                )
            })?
            .send(command)
            .map_err(|_| Error::new(Code::InvalidInput, "The call's audio has stopped."))
    }
}

impl Calling {
    /// Starts this desktop's SIP line with `account`, keeping it registered and ringing or
    /// answering the calls that come to it; replaces a line already running. Calls go to
    /// Twilio through `client` (transfers and recordings of incoming calls).
    ///
    /// # Errors
    /// As [`UserAgent::start`]: a registrar that does not resolve, no network.
    pub async fn start_line(
        &self,
        account: SipAccount,
        client: Client,
        devices: SipDevices,
    ) -> Result<(), Error> {
        let key = format!("{}@{}", account.user, account.registrar);
        if let Some(line) = self.line()
            && line.account == key
        {
            *line.devices.lock().expect("devices") = devices;
            return Ok(());
        }
        self.stop_line().await;
        let agent = UserAgent::start(account).await?;
        agent.keep_registered(None);
        let line = Arc::new(SipLine {
            agent: Arc::clone(&agent),
            account: key,
            client,
            devices: Mutex::new(devices),
            expected: Mutex::default(),
            ringing: Mutex::default(),
            live: Mutex::default(),
        });
        *self.line.lock().expect("line") = Some(Arc::clone(&line));
        let address = agent.address();
        let mut registration = agent.registration();
        let this = self.clone();
        let watched = Arc::clone(&line);
        tokio::spawn(async move {
            loop {
                let status =
                    LineStatus::from_registration(&address, &registration.borrow_and_update());
                if !this.is_current(&watched) {
                    return;
                }
                this.publish_line(&status);
                if registration.changed().await.is_err() {
                    return;
                }
            }
        });
        let this = self.clone();
        tokio::spawn(async move {
            while let Ok(call) = line.agent.next_incoming().await {
                this.take_incoming(&line, call);
            }
        });
        Ok(())
    }

    /// Stops the line (unregistering) and ends the SIP calls it carried.
    pub async fn stop_line(&self) {
        let Some(line) = self.line.lock().expect("line").take() else {
            return;
        };
        let ids: Vec<String> = line.live.lock().expect("live").keys().cloned().collect();
        for id in ids {
            let _ = line.send(&id, LineCommand::HangUp);
        }
        if let Err(err) = line.agent.unregister().await {
            tracing::info!(error = %err.message, "the SIP line could not unregister");
        }
        line.agent.shutdown();
        self.publish_line(&LineStatus::off(None));
    }

    /// Where the line stands.
    pub fn line_status(&self) -> LineStatus {
        match self.line() {
            Some(line) => {
                LineStatus::from_registration(&line.address(), &line.agent.registration().borrow())
            }
            None => LineStatus::off(None),
        }
    }

    pub(crate) fn line(&self) -> Option<Arc<SipLine>> {
        self.line.lock().expect("line").clone()
    }

    fn is_current(&self, line: &Arc<SipLine>) -> bool {
        self.line().is_some_and(|l| Arc::ptr_eq(&l, line))
    }

    /// An INVITE reached the line: the desktop's own leg of an outbound call (answered at
    /// once) or an incoming call (rings).
    fn take_incoming(&self, line: &Arc<SipLine>, call: IncomingCall) {
        let room = call
            .header(ROOM_HEADER)
            .filter(|room| line.expected.lock().expect("expected").remove(*room))
            .map(str::to_owned);
        if let Some(room) = room {
            let Ok(session) = self.session(&room) else {
                let _ = call.decline(false);
                return;
            };
            let devices = line.devices.lock().expect("devices").clone();
            match open_and_answer(call, &devices) {
                Ok((answered, live)) => self.run(line, session, answered, live),
                Err(err) => {
                    let this = self.clone();
                    tokio::spawn(async move {
                        this.finish(
                            &session,
                            format!("The call's audio could not start: {}", err.message),
                        )
                        .await;
                    });
                }
            }
            return;
        }
        self.ring(line, call);
    }

    fn ring(&self, line: &Arc<SipLine>, mut call: IncomingCall) {
        let parent = call
            .header(CALL_HEADER)
            .and_then(|s| s.parse::<CallSid>().ok());
        let id = parent
            .as_ref()
            .map_or_else(|| format!("sip-{}", call.call_id()), ToString::to_string);
        let remote = caller_of(&call.from);
        let called = call.header(CALLED_HEADER).unwrap_or_default().to_owned();
        let view = CallView::new(
            id.clone(),
            EngineKind::Sip,
            CallDirection::Inbound,
            &remote,
            &called,
            CallPhase::Ringing,
        );
        let session = self.track(
            line.client.clone(),
            AnyEngine::Sip(SipEngine {
                line: Some(Arc::clone(line)),
            }),
            view,
        );
        *session.caller.lock().expect("caller leg") = parent;
        let (answer_tx, answer_rx) = oneshot::channel();
        line.ringing
            .lock()
            .expect("ringing")
            .insert(id.clone(), answer_tx);
        let this = self.clone();
        let line = Arc::clone(line);
        tokio::spawn(async move {
            let answer = tokio::select! {
                answer = answer_rx => answer.ok(),
                gone = call.gone() => {
                    line.ringing.lock().expect("ringing").remove(&id);
                    let reason = match gone {
                        Ended::Cancelled => "Missed: the caller hung up or the call went to voicemail.".to_owned(),
                        other => format!("Missed: the call failed before it was answered ({other:?})."),
                    };
                    return this.finish(&session, reason).await;
                }
            };
            match answer {
                Some(Some(devices)) => match open_and_answer(call, &devices) {
                    Ok((answered, live)) => {
                        this.update(&session, |v| {
                            v.phase = CallPhase::InProgress;
                            v.answered_at = Some(now_ms());
                        });
                        this.run(&line, session, answered, live);
                    }
                    Err(err) => {
                        this.finish(
                            &session,
                            format!("The call could not be answered: {}", err.message),
                        )
                        .await;
                    }
                },
                // Declined (603), or the session ended while ringing.
                _ => {
                    if let Err(err) = call.decline(false) {
                        tracing::debug!(error = %err.message, "the decline was not sent");
                    }
                }
            }
        });
    }

    /// Drives a SIP call in progress: the window's commands, the far end's BYE, and its
    /// quality every [`QUALITY_EVERY`].
    fn run(&self, line: &Arc<SipLine>, session: Arc<Session>, mut call: SipCall, live: LiveAudio) {
        let id = session.view().id;
        let (tx, mut rx) = mpsc::unbounded_channel();
        line.live.lock().expect("live").insert(id.clone(), tx);
        let this = self.clone();
        let line = Arc::clone(line);
        tokio::spawn(async move {
            let codec = call.media().law().name().to_owned();
            let mut tick = tokio::time::interval(QUALITY_EVERY);
            let reason = loop {
                tokio::select! {
                    command = rx.recv() => match command {
                        None | Some(LineCommand::HangUp) => break None,
                        Some(LineCommand::Mute(on)) => call.media().set_muted(on),
                        Some(LineCommand::Hold(on, reply)) => {
                            let _ = reply.send(call.hold(on).await);
                        }
                        Some(LineCommand::Digits(digits)) => {
                            for key in digits.chars() {
                                if key == 'w' {
                                    tokio::time::sleep(Duration::from_millis(500)).await;
                                } else if let Err(err) = call.media().send_digit(key) {
                                    tracing::warn!(error = %err, "a digit was not sent");
                                }
                            }
                        }
                    },
                    ended = call.wait_ended(Duration::from_secs(3600)) => match ended {
                        Some(Ended::ByThem) => break Some("They hung up.".to_owned()),
                        Some(Ended::Failed(why)) => break Some(format!("The call dropped: {why}.")),
                        Some(_) => break Some("The call ended.".to_owned()),
                        None => {}
                    },
                    _ = tick.tick() => {
                        let quality = CallQuality::measure(&codec, &call.media().stats, &live.stats);
                        let notice = live.notice.lock().ok().and_then(|n| n.clone());
                        this.update(&session, |v| {
                            v.quality = Some(quality);
                            if notice.is_some() {
                                v.notice = notice;
                            }
                        });
                    }
                }
            };
            line.live.lock().expect("live").remove(&id);
            if let Err(err) = call.hang_up().await {
                tracing::warn!(error = %err.message, "the SIP call did not end cleanly");
            }
            drop(live);
            if let Some(reason) = reason {
                this.finish(&session, reason).await;
            }
        });
    }

    /// Answers a ringing SIP call on the devices of Settings.
    pub(super) fn answer_sip(&self, session: &Session) -> Result<(), Error> {
        let line = self.line_of(session)?;
        let id = session.view().id;
        let answer = line
            .ringing
            .lock()
            .expect("ringing")
            .remove(&id)
            .ok_or_else(|| Error::new(Code::InvalidInput, "This call is not ringing any more."))?;
        let devices = line.devices.lock().expect("devices").clone();
        answer
            .send(Some(devices))
            .map_err(|_| Error::new(Code::InvalidInput, "This call is not ringing any more."))
    }

    /// Mutes the microphone of a SIP call: no sound packets leave while muted.
    pub(super) fn mute_sip(&self, session: &Session, on: bool) -> Result<(), Error> {
        self.line_of(session)?
            .send(&session.view().id, LineCommand::Mute(on))
    }

    /// Holds or resumes an incoming SIP call by re-INVITE.
    pub(super) async fn hold_sip(&self, session: &Session, on: bool) -> Result<(), Error> {
        let (tx, rx) = oneshot::channel();
        self.line_of(session)?
            .send(&session.view().id, LineCommand::Hold(on, tx))?;
        rx.await
            .map_err(|_| Error::new(Code::InvalidInput, "The call's audio has stopped."))?
    }

    /// Sends keypad digits on a SIP call as RFC 4733 events.
    pub(super) fn digits_sip(&self, session: &Session, digits: &str) -> Result<(), Error> {
        self.line_of(session)?
            .send(&session.view().id, LineCommand::Digits(digits.to_owned()))
    }

    /// Stops a SIP call's part on this desktop when the call ends: declines it while it
    /// rings, hangs up and closes the devices once answered.
    pub(super) fn end_sip(&self, session: &Session) {
        let Ok(line) = self.line_of(session) else {
            return;
        };
        let id = session.view().id;
        line.expected.lock().expect("expected").remove(&id);
        if let Some(answer) = line.ringing.lock().expect("ringing").remove(&id) {
            let _ = answer.send(None);
        }
        let _ = line.send(&id, LineCommand::HangUp);
    }

    fn line_of(&self, session: &Session) -> Result<Arc<SipLine>, Error> {
        match &session.engine {
            AnyEngine::Sip(SipEngine { line: Some(line) }) => Ok(Arc::clone(line)),
            _ => Err(Error::new(
                Code::InvalidInput,
                "This call is not carried by the app's SIP line.",
            )),
        }
    }
}

fn open_and_answer(
    call: IncomingCall,
    devices: &SipDevices,
) -> Result<(SipCall, LiveAudio), Error> {
    let opened =
        match crate::sip::devices::open(devices.input.as_deref(), devices.output.as_deref()) {
            Ok(opened) => opened,
            Err(err) => {
                let _ = call.decline(false);
                return Err(err);
            }
        };
    let answered = call.answer(opened.source, opened.sink)?;
    Ok((answered, opened.live))
}

/// The caller of an INVITE: the number when the address is `sip:+E164@…`, else the address.
fn caller_of(from: &str) -> String {
    let user = from
        .strip_prefix("sip:")
        .or_else(|| from.strip_prefix("sips:"))
        .and_then(|rest| rest.split_once('@'))
        .map(|(user, _)| user);
    match user {
        Some(user) if crate::e164::E164::parse("Caller", user, None).is_ok() => user.to_owned(),
        _ => from.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_caller_is_a_number_when_the_address_holds_one() {
        assert_eq!(
            caller_of("sip:+14155550100@switchboard.sip.twilio.com"),
            "+14155550100"
        );
        assert_eq!(caller_of("sip:alice@10.99.0.1"), "sip:alice@10.99.0.1");
    }
}
