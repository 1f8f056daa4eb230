//! `switchboard sip …` and `switchboard call --engine sip`: the native SIP engine without the
//! window, for scripts and tests. Sound comes from a WAV file (or silence) and what the far
//! end sends can be written to one.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use clap::{Args, Subcommand};
use switchboard::calling::CallQuality;
use switchboard::secret::Sensitive;
use switchboard::sip::devices::{self, LiveAudio};
use switchboard::sip::media::{Silence, Sink, Source};
use switchboard::sip::wav::{Discard, WavSink, WavSource};
use switchboard::sip::{Ended, SipAccount, SipCall, UserAgent};
use switchboard::{Code, Error, Switchboard};

/// Where to register and as whom.
#[derive(Debug, Clone, Args)]
pub struct SipTarget {
    /// The SIP registrar and proxy, HOST:PORT (password from SWITCHBOARD_SIP_PASSWORD).
    /// Without it, this desktop's account on the Twilio SIP Domain that `routing deploy` made.
    #[arg(long, value_name = "HOST:PORT")]
    pub registrar: Option<String>,
    /// The SIP user to register as.
    #[arg(long, value_name = "USER")]
    pub sip_user: Option<String>,
    /// The domain of the SIP address (default: the registrar's host).
    #[arg(long, value_name = "DOMAIN")]
    pub sip_domain: Option<String>,
    /// Encrypt the call's media (SRTP with SDES keys), and refuse a far end that answers
    /// without it.
    #[arg(long)]
    pub srtp: bool,
}

/// The sound of a headless call.
#[derive(Debug, Clone, Args)]
pub struct SipMedia {
    /// Send this WAV file instead of the microphone (any rate; silence after its end).
    /// Without it (or without --output-wav) the call uses the computer's sound devices.
    #[arg(long, value_name = "FILE")]
    pub input_wav: Option<PathBuf>,
    /// Write what the far end sends to this WAV file (8 kHz mono) instead of playing it.
    #[arg(long, value_name = "FILE")]
    pub output_wav: Option<PathBuf>,
    /// Hang up after this many seconds of conversation (default: when the far end does).
    #[arg(long, value_name = "N")]
    pub seconds: Option<f64>,
    /// The microphone (a cpal id from Settings; default: the system's).
    #[arg(long, value_name = "ID")]
    pub microphone: Option<String>,
    /// The speaker or headset (a cpal id; default: the system's).
    #[arg(long, value_name = "ID")]
    pub speaker: Option<String>,
    /// Keypad digits to send (RFC 4733) one second into the call.
    #[arg(long, value_name = "DIGITS")]
    pub dtmf: Option<String>,
}

/// The native SIP engine from the command line.
#[derive(Debug, Subcommand)]
pub enum SipCommand {
    /// Register once with the SIP registrar, say what it answered, unregister and exit.
    Register {
        #[command(flatten)]
        target: SipTarget,
    },
    /// Wait for one incoming call, answer it, and stay on it like `call --engine sip`.
    Answer {
        #[command(flatten)]
        target: SipTarget,
        #[command(flatten)]
        media: SipMedia,
        /// Give up when no call comes within this many seconds.
        #[arg(long, default_value_t = 60, value_name = "N")]
        wait: u64,
        /// Decline the call with 486 Busy Here instead of answering.
        #[arg(long)]
        busy: bool,
    },
}

/// The SIP account from the flags, or else this desktop's on the profile's Twilio SIP Domain.
async fn account(
    core: &Switchboard,
    profile: Option<&str>,
    target: &SipTarget,
) -> Result<SipAccount, Error> {
    match (&target.registrar, &target.sip_user) {
        (Some(registrar), Some(user)) => {
            let password = std::env::var("SWITCHBOARD_SIP_PASSWORD").map_err(|_| {
                Error::new(
                    Code::NotConfigured,
                    "Set SWITCHBOARD_SIP_PASSWORD to the SIP user's password.",
                )
            })?;
            Ok(SipAccount {
                registrar: registrar.clone(),
                domain: target.sip_domain.clone(),
                user: user.clone(),
                password: Sensitive::new(password),
                srtp: target.srtp,
            })
        }
        (None, None) => {
            let client = core.client_for(profile).await?;
            let mut account = core.sip_account(profile, &client).await?;
            account.srtp |= target.srtp;
            Ok(account)
        }
        _ => Err(Error::new(
            Code::InvalidInput,
            "Give --registrar and --sip-user together (or neither, to use this desktop's account on the Twilio SIP Domain).",
        )),
    }
}

/// A started agent, registered once; returns the seconds granted.
async fn registered_agent(account: SipAccount) -> Result<(Arc<UserAgent>, u32), Error> {
    let agent = UserAgent::start(account).await?;
    let expires = agent.register().await?;
    eprintln!("registered {} for {expires} s", agent.address());
    Ok((agent, expires))
}

impl SipMedia {
    /// Checks what can be checked before anything is sent.
    fn check(&self) -> Result<(), Error> {
        if let Some(bad) = self
            .dtmf
            .iter()
            .flat_map(|d| d.chars())
            .find(|c| !(c.is_ascii_digit() || matches!(c, '*' | '#' | 'A'..='D')))
        {
            return Err(Error::new(
                Code::InvalidInput,
                format!("--dtmf: {bad:?} is not a keypad key (0-9, *, #, A-D)."),
            ));
        }
        Ok(())
    }
}

/// A call's sound: files where given, the computer's microphone and speaker otherwise.
struct CallAudio {
    source: Box<dyn Source>,
    sink: Box<dyn Sink>,
    /// The open devices, when either side uses one.
    live: Option<LiveAudio>,
}

fn audio(media: &SipMedia) -> Result<CallAudio, Error> {
    let file_source = media
        .input_wav
        .as_deref()
        .map(WavSource::open)
        .transpose()
        .map_err(|e| Error::new(Code::InvalidInput, e))?;
    let file_sink = media
        .output_wav
        .as_deref()
        .map(WavSink::create)
        .transpose()
        .map_err(|e| Error::new(Code::Storage, e))?;
    let (live, mic, speaker) = if file_source.is_some() && file_sink.is_some() {
        (None, None, None)
    } else {
        let opened = devices::open(media.microphone.as_deref(), media.speaker.as_deref())?;
        (Some(opened.live), Some(opened.source), Some(opened.sink))
    };
    let source: Box<dyn Source> = match (file_source, mic) {
        (Some(file), _) => Box::new(file),
        (None, Some(mic)) => mic,
        (None, None) => Box::new(Silence),
    };
    let sink: Box<dyn Sink> = match (file_sink, speaker) {
        (Some(file), _) => Box::new(file),
        (None, Some(speaker)) => speaker,
        (None, None) => Box::new(Discard),
    };
    Ok(CallAudio { source, sink, live })
}

/// Runs `sip …`.
///
/// # Errors
/// Registration, call and media failures, each with a sentence saying what to check.
pub async fn sip(
    core: &Switchboard,
    profile: Option<&str>,
    command: SipCommand,
) -> Result<(), Error> {
    match command {
        SipCommand::Register { target } => {
            let account = account(core, profile, &target).await?;
            let registrar = account.registrar.clone();
            let (agent, _) = registered_agent(account).await?;
            println!("Registered {} with {registrar}.", agent.address());
            agent.unregister().await?;
            Ok(())
        }
        SipCommand::Answer {
            target,
            media,
            wait,
            busy,
        } => {
            media.check()?;
            let CallAudio { source, sink, live } = audio(&media)?;
            let (agent, expires) = registered_agent(account(core, profile, &target).await?).await?;
            agent.keep_registered(Some(expires));
            let incoming = tokio::time::timeout(Duration::from_secs(wait), agent.next_incoming())
                .await
                .map_err(|_| {
                    Error::new(Code::Timeout, format!("No call came within {wait} s."))
                })??;
            eprintln!("incoming call from {}", incoming.from);
            if busy {
                let from = incoming.from.clone();
                incoming.decline(true)?;
                println!("Declined the call from {from} as busy.");
                return Ok(());
            }
            let call = incoming.answer(source, sink)?;
            let outcome = converse(call, &media, live.as_ref()).await;
            let _ = agent.unregister().await;
            outcome
        }
    }
}

/// `call TO --engine sip`: registers, calls, talks, hangs up.
///
/// # Errors
/// As [`sip`].
pub async fn call(
    core: &Switchboard,
    profile: Option<&str>,
    to: &str,
    caller_id: Option<&str>,
    extra_headers: &[String],
    target: &SipTarget,
    media: &SipMedia,
) -> Result<(), Error> {
    media.check()?;
    let mut headers = Vec::new();
    if let Some(id) = caller_id {
        headers.push(("X-Caller-Id", id));
    }
    for raw in extra_headers {
        let (name, value) = raw
            .split_once('=')
            .filter(|(name, _)| {
                name.starts_with("X-") && name.len() > 2 && !name.contains(char::is_whitespace)
            })
            .ok_or_else(|| {
                Error::new(
                    Code::InvalidInput,
                    format!("--sip-header {raw:?}: write X-NAME=VALUE (extension headers only)."),
                )
            })?;
        headers.push((name, value));
    }
    let CallAudio { source, sink, live } = audio(media)?;
    let (agent, _) = registered_agent(account(core, profile, target).await?).await?;
    let call = agent
        .call(to, &headers, Duration::from_secs(60), source, sink)
        .await?;
    eprintln!("connected to {to} ({})", call.media().law().name());
    let outcome = converse(call, media, live.as_ref()).await;
    let _ = agent.unregister().await;
    outcome
}

/// Stays on `call` until `--seconds` pass, the far end hangs up, or Ctrl-C; sends `--dtmf`.
async fn converse(
    mut call: SipCall,
    media: &SipMedia,
    live: Option<&LiveAudio>,
) -> Result<(), Error> {
    let limit = media
        .seconds
        .filter(|s| s.is_finite() && *s > 0.0)
        .map_or(Duration::from_secs(60 * 60 * 4), Duration::from_secs_f64);
    let started = tokio::time::Instant::now();
    if let Some(digits) = &media.dtmf
        && call
            .wait_ended(Duration::from_secs(1).min(limit))
            .await
            .is_none()
    {
        {
            for key in digits.chars() {
                call.media()
                    .send_digit(key)
                    .map_err(|e| Error::new(Code::InvalidInput, e))?;
            }
        }
    }
    let mut told: Option<String> = None;
    let ended_by_them = loop {
        let left = limit.saturating_sub(started.elapsed());
        if left.is_zero() {
            break None;
        }
        tokio::select! {
            ended = call.wait_ended(left.min(Duration::from_millis(250))) => {
                if ended.is_some() {
                    break ended;
                }
            }
            _ = tokio::signal::ctrl_c() => break None,
        }
        if let Some(notice) = live.and_then(|l| l.notice.lock().ok()?.clone())
            && told.as_ref() != Some(&notice)
        {
            eprintln!("notice: {notice}");
            told = Some(notice);
        }
    };
    let none = switchboard::sip::devices::DeviceStats::default();
    let devices = live.map_or(&none, |l| &*l.stats);
    let quality = CallQuality::measure(call.media().law().name(), &call.media().stats, devices);
    let sent = call
        .media()
        .stats
        .sent
        .load(std::sync::atomic::Ordering::Relaxed);
    let ended = call.hang_up().await?;
    let how = match (&ended_by_them, &ended) {
        (Some(Ended::Failed(why)), _) => {
            return Err(Error::new(
                Code::Network,
                format!("The call failed: {why}."),
            ));
        }
        (Some(_), _) => "the far end hung up",
        (None, _) => "hung up",
    };
    let devices = live.map_or(String::new(), |l| {
        format!(
            "; speaker underruns {}, frames concealed {}, late packets {}, jitter delay {} ms",
            quality.underruns,
            quality.concealed,
            l.stats.late.load(std::sync::atomic::Ordering::Relaxed),
            quality.delay_ms - 20.0
        )
    });
    let round_trip = quality
        .rtt_ms
        .map_or_else(|| "not measured".to_owned(), |ms| format!("{ms:.1} ms"));
    let media = if quality.encrypted {
        "encrypted (SRTP)"
    } else {
        "not encrypted (RTP)"
    };
    println!(
        "Call over after {:.1} s ({how}): {sent} packets sent, {} received, {} lost{devices}; round trip {round_trip}; MOS estimate {:.2}; media {media}.",
        started.elapsed().as_secs_f64(),
        quality.received,
        quality.lost,
        quality.mos
    );
    Ok(())
}
