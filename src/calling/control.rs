//! The user's controls on a live call: hold, mute, transfer, digits, recording and hanging
//! up, all over REST so they work the same whichever engine brought the user's leg in.

use super::call::*;
use super::engine::{CallEngine, EngineKind};
use super::session::*;
use crate::e164::{E164, format_beside};
use crate::error::{Code, Error};
use crate::sid::CallSid;
use crate::twilio::RecordingControl;
use crate::twiml::{Dial, Play, Response};

impl Calling {
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
        let sip = view.engine == EngineKind::Sip;
        let sip_inbound = sip && view.direction == CallDirection::Inbound;
        match control {
            CallControl::Answer => {
                if !sip_inbound || view.phase != CallPhase::Ringing {
                    return Err(Error::new(
                        Code::InvalidInput,
                        "Only an incoming call ringing the app's SIP line is answered here; the window answers its own.",
                    ));
                }
                self.answer_sip(session)
            }
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
                if sip_inbound {
                    if view.phase != CallPhase::InProgress {
                        return Err(Error::new(
                            Code::InvalidInput,
                            "You can hold once the call is answered.",
                        ));
                    }
                    self.hold_sip(session, hold).await?;
                    self.update(session, |v| v.on_hold = hold);
                    return Ok(());
                }
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
                if sip {
                    self.mute_sip(session, on)?;
                } else if session.engine.mutes_over_rest() {
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
                if sip_inbound {
                    return self.digits_sip(session, digits);
                }
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
        // An incoming SIP call's own leg is not known to the app; the caller's is, and
        // recording it records both sides.
        let caller = session.caller.lock().expect("caller leg").clone();
        caller
            .or_else(|| session.sid(Leg::You))
            .ok_or_else(not_connected)
    }

    /// The caller's leg of an incoming call (the parent of the app's leg).
    async fn caller_leg(&self, session: &Session) -> Result<CallSid, Error> {
        if session.view().phase != CallPhase::InProgress {
            return Err(Error::new(
                Code::InvalidInput,
                "Answer the call before transferring it.",
            ));
        }
        if let Some(caller) = session.caller.lock().expect("caller leg").clone() {
            return Ok(caller);
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
