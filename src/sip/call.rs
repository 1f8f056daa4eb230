//! A call of the [`super::UserAgent`]: one ringing in ([`IncomingCall`]) until answered or
//! declined, and one in progress ([`SipCall`]) with its media, hold and hang-up.

use std::time::Duration;

use rsipstack::dialog::dialog::{DialogState, TerminatedReason};
use rsipstack::dialog::invite_dialog::InviteDialog;
use rsipstack::sip::StatusCode;
use tokio::sync::mpsc;

use super::agent::{Ended, Watchers, sip_error, status_text};
use super::media::{Media, Sink, Source};
use super::rtcp::Ports;
use super::sdp::{self, Direction, Local};
use crate::{Code, Error};

/// An incoming call, ringing.
pub struct IncomingCall {
    pub(super) dialog: InviteDialog,
    /// The caller's address.
    pub from: String,
    pub(super) offer: String,
    pub(super) call_id: String,
    /// The INVITE's extension headers (`X-…`), name and value.
    pub(super) headers: Vec<(String, String)>,
    pub(super) states: mpsc::UnboundedReceiver<DialogState>,
    pub(super) watchers: Watchers,
    pub(super) ports: Option<Ports>,
}

impl std::fmt::Debug for IncomingCall {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IncomingCall")
            .field("from", &self.from)
            .finish_non_exhaustive()
    }
}

impl IncomingCall {
    /// The SIP Call-ID.
    pub fn call_id(&self) -> &str {
        &self.call_id
    }

    /// An extension header of the INVITE (such as one the routing put in the `<Sip>` address),
    /// by name, ignoring case.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.trim())
    }

    /// Waits until the caller gives up (CANCEL) or the call fails before it is answered.
    pub async fn gone(&mut self) -> Ended {
        loop {
            match self.states.recv().await {
                None => return Ended::Failed("the SIP stack stopped".into()),
                Some(DialogState::Terminated(_, TerminatedReason::UacCancel)) => {
                    return Ended::Cancelled;
                }
                Some(DialogState::Terminated(_, reason)) => {
                    return Ended::Failed(format!("{reason:?}"));
                }
                Some(_) => {}
            }
        }
    }

    /// Answers with our audio.
    ///
    /// # Errors
    /// [`Code::Network`] when the answer cannot be sent or the caller hung up meanwhile.
    pub fn answer(
        mut self,
        source: Box<dyn Source>,
        sink: Box<dyn Sink>,
    ) -> Result<SipCall, Error> {
        let remote = sdp::negotiate(&self.offer).map_err(|e| {
            Error::new(
                Code::Network,
                format!("The caller's audio cannot be used: {e}"),
            )
        })?;
        let ports = self.ports.take().expect("ports until answered");
        let mut local = Local::on(&ports.rtp, remote.direction.answer())?;
        if let Some((tag, _)) = remote.crypto {
            // Encrypted offered, encrypted answered: our own key, under the tag chosen.
            local = local.encrypted(tag);
        }
        let body = sdp::describe(&local, Some((remote.law, remote.telephone_event)));
        let headers = vec![rsipstack::sip::Header::ContentType(
            "application/sdp".into(),
        )];
        self.dialog
            .accept(Some(headers), Some(body.into_bytes()))
            .map_err(|e| sip_error("Cannot answer the call", e))?;
        let ours = local.crypto.map(|(_, key)| key);
        let media = Media::start(ports, &remote, local.direction, source, sink, ours);
        Ok(SipCall::new(
            self.dialog,
            media,
            self.call_id,
            self.states,
            self.watchers,
            local,
        ))
    }

    /// Declines: 486 Busy Here, or 603 Decline when `busy` is false.
    ///
    /// # Errors
    /// [`Code::Network`] when the answer cannot be sent.
    pub fn decline(self, busy: bool) -> Result<(), Error> {
        let code = if busy {
            StatusCode::BusyHere
        } else {
            StatusCode::Decline
        };
        self.watchers
            .lock()
            .expect("watchers")
            .remove(&self.call_id);
        self.dialog
            .reject(Some(code), None)
            .map_err(|e| sip_error("Cannot decline the call", e))
    }
}

/// A call in progress.
pub struct SipCall {
    dialog: InviteDialog,
    media: Option<Media>,
    call_id: String,
    states: mpsc::UnboundedReceiver<DialogState>,
    watchers: Watchers,
    local: Local,
    ended: Option<Ended>,
}

impl std::fmt::Debug for SipCall {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SipCall")
            .field("call_id", &self.call_id)
            .finish_non_exhaustive()
    }
}

impl SipCall {
    pub(super) fn new(
        dialog: InviteDialog,
        media: Media,
        call_id: String,
        states: mpsc::UnboundedReceiver<DialogState>,
        watchers: Watchers,
        local: Local,
    ) -> Self {
        Self {
            dialog,
            media: Some(media),
            call_id,
            states,
            watchers,
            local,
            ended: None,
        }
    }

    /// The running media (codec, counters, mute, digits).
    pub fn media(&self) -> &Media {
        self.media.as_ref().expect("media until the call ends")
    }

    /// Puts the far end on hold (re-INVITE with `sendonly`), or takes it off (`sendrecv`).
    ///
    /// # Errors
    /// [`Code::Network`] when the far end refuses the change.
    pub async fn hold(&mut self, on: bool) -> Result<(), Error> {
        self.local.version += 1;
        self.local.direction = if on {
            Direction::SendOnly
        } else {
            Direction::SendRecv
        };
        let law = self.media().law();
        let body = sdp::describe(&self.local, Some((law, Some(sdp::TELEPHONE_EVENT))));
        let headers = vec![rsipstack::sip::Header::ContentType(
            "application/sdp".into(),
        )];
        let answer = self
            .dialog
            .reinvite(Some(headers), Some(body.into_bytes()))
            .await
            .map_err(|e| sip_error("Hold failed", e))?;
        match answer {
            Some(r) if r.status_code.kind() == rsipstack::sip::StatusCodeKind::Successful => {
                // `sendonly` allows us to send (music on hold); we send nothing, and play
                // nothing, until the call is resumed.
                self.media().set_direction(if on {
                    Direction::Inactive
                } else {
                    Direction::SendRecv
                });
                Ok(())
            }
            Some(r) => Err(Error::new(
                Code::Network,
                format!(
                    "The far end refused the hold ({}).",
                    status_text(&r.status_code)
                ),
            )),
            None => Err(Error::new(
                Code::Network,
                "The far end did not answer the hold.",
            )),
        }
    }

    /// Waits until the far end hangs up, or `limit` passes (then returns `None`).
    pub async fn wait_ended(&mut self, limit: Duration) -> Option<Ended> {
        if let Some(ended) = &self.ended {
            return Some(ended.clone());
        }
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            let state = match tokio::time::timeout_at(deadline, self.states.recv()).await {
                Err(_) => return None,
                Ok(None) => return Some(Ended::Failed("the SIP stack stopped".into())),
                Ok(Some(state)) => state,
            };
            if let DialogState::Terminated(_, reason) = state {
                let ended = match reason {
                    TerminatedReason::UacBye | TerminatedReason::UasBye => Ended::ByThem,
                    TerminatedReason::UacCancel => Ended::Cancelled,
                    TerminatedReason::Timeout => {
                        Ended::Failed("the far end stopped answering".into())
                    }
                    other => Ended::Failed(format!("{other:?}")),
                };
                self.ended = Some(ended.clone());
                return Some(ended);
            }
        }
    }

    /// Hangs up (BYE) unless the far end already has, stops the media and flushes its sink.
    ///
    /// # Errors
    /// The sink's error (a file that could not be written); a failed BYE is logged only,
    /// since the call is over for us either way.
    pub async fn hang_up(mut self) -> Result<Ended, Error> {
        let ended = match self.ended.clone() {
            Some(ended) => ended,
            None => {
                if let Err(err) = self.dialog.hangup().await {
                    tracing::warn!(error = %err, "BYE failed");
                }
                Ended::ByUs
            }
        };
        self.watchers
            .lock()
            .expect("watchers")
            .remove(&self.call_id);
        if let Some(media) = self.media.take() {
            media
                .stop()
                .await
                .map_err(|e| Error::new(Code::Storage, e))?;
        }
        Ok(ended)
    }
}
