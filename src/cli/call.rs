//! `switchboard call`: a bridge call from the command line. Twilio rings your phone; once you
//! answer it dials the number with your caller ID. The command follows the call until it is
//! connected (or fails), printing each leg's SID, then leaves it running in Twilio.

use clap::Args;
use switchboard::calling::{CallPhase, CallView, Calling, DialRequest, EngineKind};
use switchboard::twilio::Client;
use switchboard::{Code, Error, Switchboard};

/// Place a bridge call: Twilio rings your phone, then connects TO with your caller ID.
#[derive(Debug, Args)]
pub struct CallArgs {
    /// The number to call (E.164, or national in the caller ID's country).
    pub to: String,
    /// The caller ID: one of the account's voice numbers (default: Settings, else the first).
    #[arg(long, value_name = "NUMBER")]
    pub from: Option<String>,
    /// Your own phone, rung first (default: the one set in the app's Settings).
    #[arg(long, value_name = "MY_PHONE")]
    pub bridge_to: Option<String>,
    /// Print the call as JSON once connected, instead of text as it goes.
    #[arg(long)]
    pub json: bool,
    /// How your side of the call is carried: `bridge` (Twilio rings your phone) or `sip` (the
    /// native SIP engine, with the sound in this process).
    #[arg(long, value_enum, default_value_t = CliEngine::Bridge)]
    pub engine: CliEngine,
    /// An extension header for the SIP engine's INVITE, `X-NAME=VALUE` (repeatable).
    #[arg(long, value_name = "X-NAME=VALUE")]
    pub sip_header: Vec<String>,
    #[command(flatten)]
    pub sip: super::sip::SipTarget,
    #[command(flatten)]
    pub media: super::sip::SipMedia,
}

/// The engines the CLI can place a call with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CliEngine {
    /// Twilio rings your own phone, then the number.
    Bridge,
    /// The native SIP engine.
    Sip,
}

/// Places the call and follows it until connected or over.
///
/// # Errors
/// The checks of [`Switchboard::prepare_call_on`]; a call that ends before it connects
/// (busy, no answer, your phone not answering) with what happened; Ctrl-C hangs up.
pub async fn call(core: &Switchboard, client: Client, args: CallArgs) -> Result<(), Error> {
    let request = DialRequest {
        to: args.to,
        country: None,
        from: args.from,
        engine: EngineKind::Bridge,
    };
    let call = core
        .prepare_call_on(client, &request, args.bridge_to.as_deref())
        .await?;
    let bridge = match &call.engine {
        switchboard::calling::AnyEngine::Bridge(b) => {
            switchboard::e164::format_beside(b.phone.as_str(), Some(call.from.as_str()))
        }
        switchboard::calling::AnyEngine::Webview(_) | switchboard::calling::AnyEngine::Sip(_) => {
            unreachable!("the request asks for the bridge engine")
        }
    };
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<CallView>();
    let calling = Calling::new(move |view: &CallView| {
        let _ = tx.send(view.clone());
    });
    let placed = calling.place(call.client, call.engine, &call.to, &call.from);
    let mut last = placed.phase;
    let mut seen = (None::<String>, None::<String>);
    loop {
        let view = tokio::select! {
            view = rx.recv() => match view {
                Some(view) => view,
                None => return Err(Error::new(Code::Internal, "The call stopped reporting.")),
            },
            _ = tokio::signal::ctrl_c() => {
                calling.control(&placed.id, switchboard::calling::CallControl::Hangup).await.ok();
                return Err(Error::new(Code::InvalidInput, "Cancelled: the call was hung up."));
            }
        };
        if !args.json {
            if let Some(sid) = view.you_sid.as_ref().filter(|s| seen.0.as_ref() != Some(s)) {
                println!("your phone  {sid}  ringing {bridge}");
                seen.0 = Some(sid.clone());
            }
            if let Some(sid) = view
                .them_sid
                .as_ref()
                .filter(|s| seen.1.as_ref() != Some(s))
            {
                println!("them        {sid}  ringing {}", view.remote_display);
                seen.1 = Some(sid.clone());
            }
            if let Some(notice) = &view.notice {
                eprintln!("{notice}");
            }
        }
        if view.phase == last {
            continue;
        }
        last = view.phase;
        match view.phase {
            CallPhase::InProgress => {
                if args.json {
                    println!(
                        "{}",
                        serde_json::to_string_pretty(&view)
                            .map_err(|e| Error::internal(&e.into()))?
                    );
                } else {
                    println!(
                        "Connected. The call goes on in Twilio; end it with `switchboard calls hangup {}`.",
                        view.you_sid.as_deref().unwrap_or("CA…")
                    );
                }
                return Ok(());
            }
            CallPhase::Ended => {
                return Err(Error::new(
                    Code::Twilio,
                    view.end_reason.unwrap_or_else(|| "The call ended.".into()),
                ));
            }
            _ => {}
        }
    }
}
