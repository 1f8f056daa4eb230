//! Live calls: each one a two-party conference named after the call, with the user's leg
//! ("you") and the other party's ("them"), driven by polling Twilio (a desktop behind NAT
//! gets no webhooks). Hold, mute, transfer, digits and recording all go through REST, so they
//! work the same whichever engine brought the user's leg in.
//!
//! This module keeps the calls and drives them (placing, following each leg's status,
//! ending); [`super::control`] applies the user's controls; [`super::call`] holds what the UI
//! sees.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::call::*;
use super::engine::EngineKind;
use super::engine::{AnyEngine, CallEngine, SipEngine, WebviewEngine};
use super::sip::{LineStatus, SipLine};
use crate::e164::E164;
use crate::error::{Code, Error};
use crate::sid::CallSid;
use crate::twilio::{CallStatus, Client, RetryPolicy, TwilioError};

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
type LineNotify = Arc<Mutex<Option<Arc<dyn Fn(&LineStatus) + Send + Sync>>>>;

/// The live calls of this process.
#[derive(Clone)]
pub struct Calling {
    calls: Arc<Mutex<HashMap<String, Arc<Session>>>>,
    notify: Notify,
    timing: Timing,
    /// This desktop's SIP line, while the SIP engine is in use.
    pub(super) line: Arc<Mutex<Option<Arc<SipLine>>>>,
    line_notify: LineNotify,
}

impl std::fmt::Debug for Calling {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Calling")
            .field("calls", &self.calls.lock().map(|c| c.len()).unwrap_or(0))
            .field("timing", &self.timing)
            .finish_non_exhaustive()
    }
}

pub(super) struct Session {
    pub(super) client: Client,
    /// The same client without retries, for polling: the next poll is the retry, and a
    /// lost connection must show at once rather than after a backoff.
    pub(super) poller: Client,
    pub(super) engine: AnyEngine,
    pub(super) view: Mutex<CallView>,
    pub(super) conference: Mutex<Option<String>>,
    pub(super) attached: tokio::sync::Notify,
    /// The caller's leg of an incoming SIP call, as the routing named it.
    pub(super) caller: Mutex<Option<CallSid>>,
}

impl Session {
    pub(super) fn view(&self) -> CallView {
        self.view.lock().expect("call view").clone()
    }

    pub(super) fn ended(&self) -> bool {
        self.view.lock().expect("call view").phase == CallPhase::Ended
    }

    pub(super) fn sid(&self, which: Leg) -> Option<CallSid> {
        let view = self.view.lock().expect("call view");
        let raw = match which {
            Leg::You => view.you_sid.as_deref(),
            Leg::Them => view.them_sid.as_deref(),
        };
        raw.and_then(|s| s.parse().ok())
    }
}

#[derive(Debug, Clone, Copy)]
pub(super) enum Leg {
    You,
    Them,
}

pub(super) fn now_ms() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}

/// The outcome of the other party's leg, for people.
pub(super) fn them_ended(status: CallStatus, answered: bool) -> &'static str {
    match status {
        CallStatus::Busy => "Busy.",
        CallStatus::NoAnswer => "No answer.",
        CallStatus::Failed => "The call could not be connected; check the number.",
        CallStatus::Canceled if !answered => "The call was cancelled before it was answered.",
        _ if answered => "They hung up.",
        _ => "The call ended before it was answered.",
    }
}

pub(super) fn you_ended(status: CallStatus, engine: EngineKind, answered: bool) -> &'static str {
    match (engine, status) {
        (EngineKind::Bridge, CallStatus::Busy) => "Your phone was busy.",
        (EngineKind::Bridge, CallStatus::NoAnswer) => "Your phone did not answer.",
        (EngineKind::Bridge, CallStatus::Failed) => {
            "Twilio could not ring your phone; check the number in Settings."
        }
        (EngineKind::Webview, CallStatus::Failed) => "The app's connection to the call failed.",
        (EngineKind::Sip, CallStatus::Busy | CallStatus::NoAnswer | CallStatus::Failed) => {
            "The app's SIP line did not answer Twilio; check that it shows as registered in the sidebar."
        }
        _ if answered => "You hung up.",
        _ => "The call ended.",
    }
}

pub(super) fn terminal(status: CallStatus) -> bool {
    matches!(
        status,
        CallStatus::Completed
            | CallStatus::Busy
            | CallStatus::Failed
            | CallStatus::NoAnswer
            | CallStatus::Canceled
    )
}

pub(super) fn no_call(id: &str) -> Error {
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
            line: Arc::default(),
            line_notify: Arc::default(),
        }
    }

    /// Where the SIP line's changes go (the sidebar).
    pub fn on_line(&self, notify: impl Fn(&LineStatus) + Send + Sync + 'static) {
        *self.line_notify.lock().expect("line notify") = Some(Arc::new(notify));
    }

    pub(super) fn publish_line(&self, status: &LineStatus) {
        let notify = self.line_notify.lock().expect("line notify").clone();
        if let Some(notify) = notify {
            notify(status);
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

    pub(super) fn session(&self, id: &str) -> Result<Arc<Session>, Error> {
        self.calls
            .lock()
            .expect("calls")
            .get(id)
            .cloned()
            .ok_or_else(|| no_call(id))
    }

    pub(super) fn publish(&self, session: &Session) {
        (self.notify)(&session.view());
    }

    pub(super) fn update(&self, session: &Session, change: impl FnOnce(&mut CallView)) {
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
        let engine = match engine {
            AnyEngine::Sip(_) => AnyEngine::Sip(SipEngine { line: self.line() }),
            other => other,
        };
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
    pub(super) fn track(&self, client: Client, engine: AnyEngine, view: CallView) -> Arc<Session> {
        let session = Arc::new(Session {
            poller: client.clone().with_retry(RetryPolicy::NONE),
            client,
            engine,
            view: Mutex::new(view.clone()),
            conference: Mutex::new(None),
            attached: tokio::sync::Notify::new(),
            caller: Mutex::new(None),
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
    pub(super) async fn finish(&self, session: &Session, reason: String) {
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
        if session.engine.kind() == EngineKind::Sip {
            self.end_sip(session);
        }
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
    pub(super) async fn status(
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
                    EngineKind::Sip => {
                        format!("Twilio could not reach the app's SIP line: {}", err.message)
                    }
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
    pub(super) async fn follow(
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
}

#[cfg(test)]
mod tests {
    use super::*;

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
