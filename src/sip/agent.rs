//! Over 600 lines: the user agent and the two loops that feed it (requests, dialog states) share
//! its private state and read together; the calls themselves are in `call.rs`.
//!
//! The SIP user agent: one UDP transport, registration kept alive, and calls placed or taken
//! with their media. Signalling (transactions, dialogs, digest authentication) is rsipstack's;
//! this file decides what to do with it and turns its answers into [`Error`]s a person can act
//! on.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rsipstack::EndpointBuilder;
use rsipstack::dialog::DialogId;
use rsipstack::dialog::authenticate::Credential;
use rsipstack::dialog::dialog::{Dialog, DialogState, DialogStateSender};
use rsipstack::dialog::dialog_layer::DialogLayer;
use rsipstack::dialog::invitation::InviteOption;
use rsipstack::dialog::invite_dialog::InviteDialog;
use rsipstack::dialog::registration::Registration;
use rsipstack::platform::CancellationToken;
use rsipstack::sip::{HeadersExt, Method, StatusCode, Uri};
use rsipstack::transaction::endpoint::Endpoint;
use rsipstack::transport::TransportLayer;
use rsipstack::transport::udp::UdpConnection;
use tokio::sync::{mpsc, watch};

use super::call::{IncomingCall, SipCall};
use super::media::{Media, Sink, Source};
use super::rand_u32;
use super::rtcp::Ports;
use super::sdp::{self, Direction, Local};
use crate::secret::Sensitive;
use crate::{Code, Error};

/// Who we are and where we register.
#[derive(Debug, Clone)]
pub struct SipAccount {
    /// The registrar (and outbound proxy): `host` or `host:port`, port 5060 by default.
    pub registrar: String,
    /// The SIP domain of our address of record (`sip:user@domain`); the registrar's host when
    /// not given. For Twilio, `{name}.sip.twilio.com`.
    pub domain: Option<String>,
    /// The user part, also the digest username.
    pub user: String,
    /// The digest password.
    pub password: Sensitive<String>,
    /// Offer SRTP (SDES keys, RFC 4568) on the calls we place, and refuse a far end that
    /// answers without it. An incoming offer of SRTP is always accepted.
    pub srtp: bool,
}

impl SipAccount {
    fn domain(&self) -> &str {
        self.domain.as_deref().unwrap_or_else(|| {
            self.registrar
                .rsplit_once(':')
                .map_or(self.registrar.as_str(), |(h, _)| h)
        })
    }
}

/// Where registration stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Registered {
    /// Not yet tried.
    Idle,
    /// The registrar accepted us for this many seconds.
    Yes {
        /// Seconds the binding lasts; we renew well before.
        expires: u32,
    },
    /// The last attempt failed for a reason that may pass (no answer, a 5xx); retrying.
    Retrying {
        /// Why the last attempt failed.
        reason: String,
        /// Seconds until the next attempt.
        next_in: u64,
    },
    /// The registrar refused the credentials; no retry until they change.
    Refused {
        /// What the registrar said.
        reason: String,
    },
}

/// When to renew a registration the registrar granted for `expires` seconds: at 80% of it,
/// and never later than the binding lasts (a registrar may grant less than asked; renewing
/// after the grant ran out left the desktop unreachable in between).
fn renew_after(expires: u32) -> Duration {
    Duration::from_secs((u64::from(expires) * 4 / 5).max(1))
}

/// How a call ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ended {
    /// We hung up.
    ByUs,
    /// The far end hung up.
    ByThem,
    /// The call was cancelled before it was answered.
    Cancelled,
    /// Something failed; the sentence says what.
    Failed(String),
}

/// How often a registered agent sends a keep-alive (CRLFCRLF) to the registrar, so a NAT on
/// the way keeps the UDP binding the registrar reaches us through: home routers forget idle
/// UDP mappings after 30 s or more, and a binding lost between renewals means calls that
/// never ring.
pub const NAT_KEEPALIVE: Duration = Duration::from_secs(25);

/// The user agent. Dropping it stops everything.
pub struct UserAgent {
    account: SipAccount,
    udp: UdpConnection,
    endpoint: Endpoint,
    dialogs: Arc<DialogLayer>,
    stop: CancellationToken,
    credential: Credential,
    local_ip: IpAddr,
    registrar: SocketAddr,
    contact: Uri,
    states: DialogStateSender,
    watchers: Watchers,
    incoming: tokio::sync::Mutex<mpsc::UnboundedReceiver<InviteDialog>>,
    registered: watch::Sender<Registered>,
}

impl std::fmt::Debug for UserAgent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserAgent")
            .field("user", &self.account.user)
            .field("registrar", &self.registrar)
            .field("contact", &self.contact.to_string())
            .finish_non_exhaustive()
    }
}

/// Dialog states by Call-ID, for the calls that wait on them.
pub(super) type Watchers = Arc<Mutex<HashMap<String, mpsc::UnboundedSender<DialogState>>>>;

pub(super) fn sip_error(what: &str, err: impl std::fmt::Display) -> Error {
    Error::new(Code::Network, format!("{what}: {err}"))
}

impl UserAgent {
    /// Binds a UDP port on the interface that reaches the registrar and starts serving SIP.
    ///
    /// # Errors
    /// [`Code::InvalidInput`] for a registrar that is not `host[:port]` or does not resolve;
    /// [`Code::Network`] when no interface reaches it or the port cannot be bound.
    pub async fn start(account: SipAccount) -> Result<Arc<Self>, Error> {
        let target = if account.registrar.contains(':') {
            account.registrar.clone()
        } else {
            format!("{}:5060", account.registrar)
        };
        let registrar = tokio::net::lookup_host(&target)
            .await
            .ok()
            .and_then(|mut a| a.next())
            .ok_or_else(|| {
                Error::new(
                    Code::InvalidInput,
                    format!("The SIP registrar {:?} does not resolve to an address: give it as host or host:port.", account.registrar),
                )
            })?;
        // The interface the OS would use towards the registrar (no packet is sent).
        let probe = std::net::UdpSocket::bind((
            if registrar.is_ipv4() {
                IpAddr::from([0, 0, 0, 0])
            } else {
                IpAddr::from([0u16; 8])
            },
            0,
        ))
        .and_then(|s| s.connect(registrar).map(|()| s))
        .and_then(|s| s.local_addr())
        .map_err(|e| {
            sip_error(
                &format!("No network interface reaches the SIP registrar {registrar}"),
                e,
            )
        })?;
        let local_ip = probe.ip();
        let stop = CancellationToken::new();
        let transport = TransportLayer::new(stop.clone());
        let udp = UdpConnection::create_connection(
            SocketAddr::new(local_ip, 0),
            None,
            Some(stop.child_token()),
        )
        .await
        .map_err(|e| sip_error("Cannot open a UDP port for SIP", e))?;
        transport.add_transport(udp.clone().into());
        let endpoint = EndpointBuilder::new()
            .with_cancel_token(stop.clone())
            .with_transport_layer(transport)
            .with_user_agent(concat!("Switchboard/", env!("CARGO_PKG_VERSION")))
            .build();
        let bound = endpoint
            .get_addrs()
            .first()
            .cloned()
            .ok_or_else(|| Error::new(Code::Internal, "The SIP transport has no address."))?;
        let contact: Uri = format!("sip:{}@{}", account.user, bound.addr)
            .as_str()
            .try_into()
            .map_err(|e| {
                Error::new(
                    Code::InvalidInput,
                    format!(
                        "The SIP user {:?} cannot be part of an address: {e}",
                        account.user
                    ),
                )
            })?;
        let credential = Credential {
            username: account.user.clone(),
            password: account.password.expose().clone(),
            realm: None,
            auth_username: None,
        };
        let incoming_tx = endpoint
            .incoming_transactions()
            .map_err(|e| Error::new(Code::Internal, format!("SIP endpoint: {e}")))?;
        let dialogs = Arc::new(DialogLayer::new(endpoint.inner.clone()));
        let (states, state_rx) = dialogs.new_dialog_state_channel();
        let watchers: Watchers = Arc::default();
        let (calls_tx, calls_rx) = mpsc::unbounded_channel();
        let serving = endpoint.inner.clone();
        tokio::spawn(async move {
            if let Err(err) = serving.serve().await {
                tracing::warn!(error = %err, "SIP endpoint stopped");
            }
        });
        tokio::spawn(serve_requests(
            dialogs.clone(),
            incoming_tx,
            states.clone(),
            contact.clone(),
        ));
        tokio::spawn(route_states(
            dialogs.clone(),
            state_rx,
            watchers.clone(),
            calls_tx,
        ));
        tracing::info!(user = %account.user, %registrar, contact = %contact, "SIP user agent started");
        Ok(Arc::new(Self {
            account,
            udp,
            endpoint,
            dialogs,
            stop,
            credential,
            local_ip,
            registrar,
            contact,
            states,
            watchers,
            incoming: tokio::sync::Mutex::new(calls_rx),
            registered: watch::channel(Registered::Idle).0,
        }))
    }

    /// Our address of record, `sip:user@domain`.
    pub fn address(&self) -> String {
        format!("sip:{}@{}", self.account.user, self.account.domain())
    }

    /// Where the agent takes requests: its contact, `sip:user@ip:port`.
    pub fn contact(&self) -> String {
        self.contact.to_string()
    }

    /// Registration state, updated by [`UserAgent::keep_registered`].
    pub fn registration(&self) -> watch::Receiver<Registered> {
        self.registered.subscribe()
    }

    fn registration_builder(&self) -> Registration {
        let mut registration =
            Registration::new(self.endpoint.inner.clone(), Some(self.credential.clone()));
        registration.outbound_proxy = Some(self.registrar);
        registration
    }

    fn domain_uri(&self) -> Result<Uri, Error> {
        format!("sip:{}", self.account.domain())
            .as_str()
            .try_into()
            .map_err(|e| {
                Error::new(
                    Code::InvalidInput,
                    format!(
                        "The SIP domain {:?} is not valid: {e}",
                        self.account.domain()
                    ),
                )
            })
    }

    /// Registers once and returns the seconds the registrar granted.
    ///
    /// # Errors
    /// [`Code::Unauthorized`] when the registrar refuses the user or password;
    /// [`Code::Timeout`] when it does not answer within 10 s; [`Code::Network`] for other
    /// failures, with the registrar's status.
    pub async fn register(&self) -> Result<u32, Error> {
        let mut registration = self.registration_builder();
        self.register_with(&mut registration).await
    }

    async fn register_with(&self, registration: &mut Registration) -> Result<u32, Error> {
        let domain = self.domain_uri()?;
        let answer = tokio::time::timeout(Duration::from_secs(10), registration.register(domain, Some(300)))
            .await
            .map_err(|_| Error::new(Code::Timeout, format!("The SIP registrar {} did not answer within 10 s. Check that it is running and reachable.", self.registrar)))?
            .map_err(|e| sip_error(&format!("Registering with {} failed", self.registrar), e))?;
        match answer.status_code.code() {
            200..=299 => Ok(registration.expires()),
            401 | 403 | 407 => Err(Error::new(
                Code::Unauthorized,
                format!(
                    "The SIP registrar refused user {:?} ({}): check the SIP password.",
                    self.account.user,
                    status_text(&answer.status_code)
                ),
            )),
            _ => Err(Error::new(
                Code::Network,
                format!(
                    "The SIP registrar {} answered {}.",
                    self.registrar,
                    status_text(&answer.status_code)
                ),
            )),
        }
    }

    /// Keeps us registered until the agent stops (and the NAT binding alive between renewals,
    /// see [`UserAgent::keep_alive`]): renews at 80% of the granted time, retries
    /// failures with a growing pause (5 s doubling to 5 min), and stops retrying when the
    /// registrar refuses the credentials. Its state is [`UserAgent::registration`].
    /// `registered_for` is what a [`UserAgent::register`] just granted, if one did: the first
    /// renewal then waits for it.
    pub fn keep_registered(self: &Arc<Self>, registered_for: Option<u32>) {
        self.keep_alive(NAT_KEEPALIVE);
        let agent = Arc::clone(self);
        tokio::spawn(async move {
            let mut registration = agent.registration_builder();
            let mut pause = 5u64;
            if let Some(expires) = registered_for {
                agent.registered.send_replace(Registered::Yes { expires });
                tokio::select! {
                    _ = agent.stop.cancelled() => return,
                    _ = tokio::time::sleep(renew_after(expires)) => {}
                }
            }
            loop {
                let next = match agent.register_with(&mut registration).await {
                    Ok(expires) => {
                        pause = 5;
                        agent.registered.send_replace(Registered::Yes { expires });
                        renew_after(expires).as_secs()
                    }
                    Err(err) if err.code == Code::Unauthorized => {
                        agent.registered.send_replace(Registered::Refused {
                            reason: err.message,
                        });
                        return;
                    }
                    Err(err) => {
                        let next_in = pause;
                        agent.registered.send_replace(Registered::Retrying {
                            reason: err.message,
                            next_in,
                        });
                        pause = (pause * 2).min(300);
                        next_in
                    }
                };
                tokio::select! {
                    _ = agent.stop.cancelled() => return,
                    _ = tokio::time::sleep(Duration::from_secs(next)) => {}
                }
            }
        });
    }

    /// Sends a keep-alive (CRLFCRLF, which the registrar answers with CRLF) to the registrar
    /// every `every` until the agent stops. [`UserAgent::keep_registered`] starts it at
    /// [`NAT_KEEPALIVE`].
    pub fn keep_alive(self: &Arc<Self>, every: Duration) {
        let agent = Arc::clone(self);
        tokio::spawn(async move {
            let registrar = rsipstack::transport::SipAddr::from(agent.registrar);
            let mut tick = tokio::time::interval(every);
            tick.tick().await;
            loop {
                tokio::select! {
                    _ = agent.stop.cancelled() => return,
                    _ = tick.tick() => {}
                }
                if let Err(err) = agent
                    .udp
                    .send_raw(
                        rsipstack::transport::connection::KEEPALIVE_REQUEST,
                        &registrar,
                    )
                    .await
                {
                    tracing::debug!(error = %err, "SIP keep-alive not sent");
                }
            }
        });
    }

    /// Removes our registration (REGISTER with `Expires: 0`).
    ///
    /// # Errors
    /// As [`UserAgent::register`].
    pub async fn unregister(&self) -> Result<(), Error> {
        let mut registration = self.registration_builder();
        let domain = self.domain_uri()?;
        tokio::time::timeout(
            Duration::from_secs(5),
            registration.register(domain, Some(0)),
        )
        .await
        .map_err(|_| {
            Error::new(
                Code::Timeout,
                "The SIP registrar did not answer the unregistration.",
            )
        })?
        .map_err(|e| sip_error("Unregistering failed", e))?;
        Ok(())
    }

    async fn media_ports(&self) -> Result<Ports, Error> {
        Ports::bind(self.local_ip).await
    }

    /// The request URI for `to`: a `sip:` URI as given, a number or name at our domain.
    /// Without a domain of its own the registrar's `host:port` is the host part, so that
    /// requests routed by their URI (a CANCEL) reach the proxy too.
    fn target(&self, to: &str) -> Result<Uri, Error> {
        let raw = if to.starts_with("sip:") || to.starts_with("sips:") {
            to.to_owned()
        } else {
            let host = self
                .account
                .domain
                .as_deref()
                .unwrap_or(&self.account.registrar);
            format!("sip:{to}@{host}")
        };
        raw.as_str().try_into().map_err(|e| {
            Error::new(
                Code::InvalidInput,
                format!("{to:?} is not a SIP address or number: {e}"),
            )
        })
    }

    /// Calls `to` and returns once it is answered, with the media running. `headers` are
    /// extension headers for the INVITE, such as `X-Caller-Id` (an E.164 number the account
    /// owns: the Twilio routing places the call out with it).
    ///
    /// # Errors
    /// [`Code::InvalidInput`] for a bad address; [`Code::Network`] with the far end's answer
    /// for a call that is not answered (busy, declined, no common codec, not found);
    /// [`Code::Timeout`] when nobody answers within `ring_for`.
    pub async fn call(
        &self,
        to: &str,
        headers: &[(&str, &str)],
        ring_for: Duration,
        source: Box<dyn Source>,
        sink: Box<dyn Sink>,
    ) -> Result<SipCall, Error> {
        let callee = self.target(to)?;
        let headers = (!headers.is_empty()).then(|| {
            headers
                .iter()
                .map(|(name, value)| {
                    rsipstack::sip::Header::Other((*name).to_owned(), (*value).to_owned())
                })
                .collect::<Vec<_>>()
        });
        let ports = self.media_ports().await?;
        let mut local = Local::on(&ports.rtp, Direction::SendRecv)?;
        if self.account.srtp {
            local = local.encrypted(1);
        }
        let ours = local.crypto.map(|(_, key)| key);
        let caller: Uri = self
            .address()
            .as_str()
            .try_into()
            .map_err(|e| Error::new(Code::InvalidInput, format!("{e}")))?;
        let call_id = format!(
            "{:016x}{:016x}@switchboard",
            rand_u32() as u64 * 0x1_0000_0001,
            rand_u32()
        );
        let (state_tx, state_rx) = mpsc::unbounded_channel();
        self.watchers
            .lock()
            .expect("watchers")
            .insert(call_id.clone(), state_tx);
        let option = InviteOption {
            caller,
            callee,
            destination: Some(rsipstack::transport::SipAddr::from(self.registrar)),
            content_type: Some("application/sdp".into()),
            offer: Some(sdp::describe(&local, None).into_bytes()),
            contact: self.contact.clone(),
            credential: Some(self.credential.clone()),
            call_id: Some(call_id.clone()),
            headers,
            ..Default::default()
        };
        tracing::info!(to, %call_id, "placing SIP call");
        // The INVITE runs on its own task, so that giving up on it leaves its dialog in place
        // to CANCEL (dropping it would only abandon it).
        let invite = {
            let (dialogs, states) = (self.dialogs.clone(), self.states.clone());
            tokio::spawn(async move { dialogs.do_invite(option, states).await })
        };
        let mut invite = invite;
        // While it rings, a provisional answer with a description (183 Session Progress, or
        // a 180 with one) brings early media: the network's ringback or an announcement,
        // played before the call is answered. We listen only, until the answer.
        let mut state_rx = state_rx;
        let mut parts = Some((ports, source, sink));
        let mut early: Option<Media> = None;
        let deadline = tokio::time::Instant::now() + ring_for;
        let finished = loop {
            tokio::select! {
                joined = &mut invite => break Some(joined),
                () = tokio::time::sleep_until(deadline) => break None,
                Some(state) = state_rx.recv() => {
                    if let DialogState::Early(_, response) = state
                        && early.is_none()
                        && !response.body().is_empty()
                    {
                        match sdp::negotiate(&String::from_utf8_lossy(response.body())) {
                            Ok(remote) if ours.is_some() && remote.crypto.is_none() => {
                                tracing::warn!("early media offered without encryption; not played");
                            }
                            Ok(remote) => {
                                let (ports, source, sink) = parts.take().expect("media parts until started");
                                tracing::info!(to, rtp = %remote.rtp, "early media");
                                early = Some(Media::start(ports, &remote, Direction::RecvOnly, source, sink, ours));
                            }
                            Err(err) => tracing::warn!(error = %err, "early media description not usable; waiting for the answer"),
                        }
                    }
                }
            }
        };
        let give_up = async |early: Option<Media>| {
            if let Some(media) = early {
                let _ = media.stop().await;
            }
            self.forget(&call_id);
        };
        let (dialog, answer) = match finished {
            Some(joined) => match joined
                .map_err(|e| Error::new(Code::Internal, format!("The call task failed: {e}")))
                .and_then(|result| {
                    result.map_err(|e| sip_error(&format!("The call to {to} failed"), e))
                }) {
                Ok(done) => done,
                Err(err) => {
                    give_up(early).await;
                    return Err(err);
                }
            },
            None => {
                for dialog in self.dialogs.get_client_dialog_by_call_id(&call_id) {
                    if let Err(err) = dialog.cancel().await {
                        tracing::warn!(error = %err, "CANCEL failed");
                    }
                }
                // Let the INVITE end with the far end's 487 before forgetting it.
                if tokio::time::timeout(Duration::from_secs(5), &mut invite)
                    .await
                    .is_err()
                {
                    invite.abort();
                }
                give_up(early).await;
                return Err(Error::new(
                    Code::Timeout,
                    format!("{to} did not answer within {} s.", ring_for.as_secs()),
                ));
            }
        };
        let Some(answer) = answer else {
            give_up(early).await;
            return Err(Error::new(
                Code::Network,
                format!("The call to {to} got no answer from the SIP server."),
            ));
        };
        let status = answer.status_code.code();
        if !(200..300).contains(&status) {
            give_up(early).await;
            return Err(Error::new(
                Code::Network,
                refusal(to, status, &answer.status_code),
            ));
        }
        let body = String::from_utf8_lossy(answer.body()).into_owned();
        let usable = match sdp::negotiate(&body) {
            Ok(remote) if ours.is_some() && remote.crypto.is_none() => Err(format!(
                "{to} answered without encrypted media (SRTP), which this line requires, so the call was ended."
            )),
            Ok(remote) => Ok(remote),
            Err(err) => Err(format!(
                "{to} answered with audio Switchboard cannot use, so the call was ended: {err}"
            )),
        };
        let remote = match usable {
            Ok(remote) => remote,
            Err(why) => {
                let _ = dialog.hangup().await;
                give_up(early).await;
                return Err(Error::new(Code::Network, why));
            }
        };
        let media = match (early, parts) {
            (Some(media), _) => {
                media.update_remote(&remote);
                media.set_direction(remote.direction.answer());
                media
            }
            (None, Some((ports, source, sink))) => Media::start(
                ports,
                &remote,
                remote.direction.answer(),
                source,
                sink,
                ours,
            ),
            (None, None) => unreachable!("the media parts are taken only to start early media"),
        };
        tracing::info!(to, rtp = %remote.rtp, codec = remote.law.name(), "SIP call answered");
        Ok(SipCall::new(
            dialog,
            media,
            call_id,
            state_rx,
            self.watchers.clone(),
            local,
        ))
    }

    /// Waits for the next incoming call, rings it (180) and returns it unanswered.
    ///
    /// # Errors
    /// [`Code::Internal`] when the agent has stopped.
    pub async fn next_incoming(&self) -> Result<IncomingCall, Error> {
        let dialog = self
            .incoming
            .lock()
            .await
            .recv()
            .await
            .ok_or_else(|| Error::new(Code::Internal, "The SIP user agent has stopped."))?;
        let request = dialog.initial_request();
        let call_id = request
            .call_id_header()
            .map(|c| c.value().to_string())
            .unwrap_or_default();
        let from = request
            .from_header()
            .ok()
            .and_then(|f| f.uri().ok())
            .map(|u| u.to_string())
            .unwrap_or_default();
        let headers = request
            .headers
            .iter()
            .filter_map(|h| match h {
                rsipstack::sip::Header::Other(key, value) => Some((key.clone(), value.clone())),
                _ => None,
            })
            .collect();
        let (state_tx, state_rx) = mpsc::unbounded_channel();
        self.watchers
            .lock()
            .expect("watchers")
            .insert(call_id.clone(), state_tx);
        let _ = dialog.ringing(None, None);
        Ok(IncomingCall {
            dialog,
            from,
            offer: String::from_utf8_lossy(request.body()).into_owned(),
            call_id,
            headers,
            states: state_rx,
            watchers: self.watchers.clone(),
            ports: Some(self.media_ports().await?),
        })
    }

    fn forget(&self, call_id: &str) {
        self.watchers.lock().expect("watchers").remove(call_id);
    }

    /// Stops the agent: transport, registration renewals and pending transactions.
    pub fn shutdown(&self) {
        self.stop.cancel();
    }
}

impl Drop for UserAgent {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

pub(super) fn status_text(code: &StatusCode) -> String {
    code.to_string() // "486 Busy Here"
}

/// A sentence for a final answer that is not 2xx.
fn refusal(to: &str, status: u16, code: &StatusCode) -> String {
    match status {
        486 | 600 => format!("{to} is busy."),
        603 => format!("{to} declined the call."),
        404 | 604 => format!("{to} does not exist on the SIP server (404)."),
        480 => format!("{to} is not available right now (480)."),
        487 => format!("The call to {to} was cancelled."),
        488 | 606 => {
            format!("{to} cannot use any codec Switchboard offers (PCMU, PCMA) ({status}).")
        }
        401 | 403 | 407 => format!(
            "The SIP server refused to place the call ({}): check the SIP password and that this user may call out.",
            status_text(code)
        ),
        _ => format!("The call to {to} failed: {}.", status_text(code)),
    }
}

/// Answers requests outside dialogs (INVITE makes a new incoming call; OPTIONS is answered so
/// keep-alive probes work) and hands in-dialog ones to their dialog.
async fn serve_requests(
    dialogs: Arc<DialogLayer>,
    mut incoming: rsipstack::transaction::TransactionReceiver,
    states: DialogStateSender,
    contact: Uri,
) {
    while let Some(mut tx) = incoming.recv().await {
        let in_dialog = tx
            .original
            .to_header()
            .ok()
            .and_then(|t| t.tag().ok().flatten())
            .is_some();
        if in_dialog {
            match dialogs.match_dialog(&tx) {
                Some(mut dialog) => {
                    tokio::spawn(async move {
                        if let Err(err) = dialog.handle(&mut tx).await {
                            tracing::debug!(error = %err, "in-dialog request");
                        }
                    });
                }
                None => {
                    let _ = tx.reply(StatusCode::CallTransactionDoesNotExist).await;
                }
            }
            continue;
        }
        match tx.original.method {
            Method::Invite => {
                let body = String::from_utf8_lossy(tx.original.body()).into_owned();
                // A call we could never carry is refused before it rings.
                if let Err(err) = sdp::negotiate(&body) {
                    tracing::info!(error = %err, "refusing an incoming call");
                    let code = match err {
                        sdp::SdpError::NoCommonCodec(_) | sdp::SdpError::NoCommonCrypto(_) => {
                            StatusCode::NotAcceptableHere
                        }
                        sdp::SdpError::Malformed(_) => StatusCode::BadRequest,
                    };
                    let _ = tx.reply(code).await;
                    continue;
                }
                match dialogs.get_or_create_server_invite(
                    &tx,
                    states.clone(),
                    None,
                    Some(contact.clone()),
                ) {
                    Ok(mut dialog) => {
                        tokio::spawn(async move {
                            if let Err(err) = dialog.handle(&mut tx).await {
                                tracing::debug!(error = %err, "incoming INVITE");
                            }
                        });
                    }
                    Err(err) => {
                        tracing::info!(error = %err, "cannot take an incoming call");
                        let _ = tx.reply(StatusCode::CallTransactionDoesNotExist).await;
                    }
                }
            }
            Method::Ack => {}
            Method::Options => {
                let _ = tx.reply(StatusCode::OK).await;
            }
            _ => {
                let _ = tx.reply(StatusCode::MethodNotAllowed).await;
            }
        }
    }
}

/// Sends each dialog state to the call it belongs to (by Call-ID); a new incoming INVITE goes
/// to [`UserAgent::next_incoming`].
async fn route_states(
    dialogs: Arc<DialogLayer>,
    mut states: rsipstack::dialog::dialog::DialogStateReceiver,
    watchers: Watchers,
    calls: mpsc::UnboundedSender<InviteDialog>,
) {
    let mut offered: std::collections::HashSet<String> = std::collections::HashSet::new();
    while let Some(state) = states.recv().await {
        let id: DialogId = match &state {
            DialogState::Calling(id)
            | DialogState::Trying(id)
            | DialogState::Early(id, _)
            | DialogState::WaitAck(id, _)
            | DialogState::Confirmed(id, _)
            | DialogState::Updated(id, _, _)
            | DialogState::Publish(id, _, _)
            | DialogState::Notify(id, _, _)
            | DialogState::Refer(id, _, _)
            | DialogState::Message(id, _, _)
            | DialogState::Info(id, _, _)
            | DialogState::Options(id, _, _)
            | DialogState::Terminated(id, _) => id.clone(),
        };
        if let DialogState::Calling(_) = &state
            && let Some(Dialog::Invite(dialog)) = dialogs.get_dialog(&id)
            && dialog.role() == rsipstack::transaction::key::TransactionRole::Server
            && offered.insert(id.call_id.clone())
        {
            let _ = calls.send(dialog);
            continue;
        }
        if let DialogState::Terminated(..) = &state {
            dialogs.remove_dialog(&id);
            offered.remove(&id.call_id);
        }
        let watcher = watchers.lock().expect("watchers").get(&id.call_id).cloned();
        if let Some(watcher) = watcher {
            let _ = watcher.send(state);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_registration_is_renewed_before_its_grant_runs_out() {
        assert_eq!(renew_after(300), Duration::from_secs(240));
        assert_eq!(renew_after(10), Duration::from_secs(8));
        assert_eq!(renew_after(1), Duration::from_secs(1));
        for granted in [1, 2, 5, 10, 30, 60, 3600] {
            assert!(renew_after(granted) <= Duration::from_secs(u64::from(granted)));
        }
    }
}
