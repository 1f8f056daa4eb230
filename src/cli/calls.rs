//! `switchboard calls`: Twilio's Calls resource, as the Twilio CLI shows it.

use clap::Subcommand;
use switchboard::Error;
use switchboard::e164::format_for_display;
use switchboard::sid::{ApplicationSid, CallSid};
use switchboard::twilio::{CallStatus, Client, EndStatus, MachineDetection};

use super::output::{self, or_dash};
use super::{ListArgs, invalid, parse_time, sid};

#[derive(Debug, Subcommand)]
pub enum CallsCommand {
    /// List calls, newest first.
    List {
        /// Only calls to this number.
        #[arg(long)]
        to: Option<String>,
        /// Only calls from this number.
        #[arg(long)]
        from: Option<String>,
        /// Only calls in this state (queued, ringing, in-progress, completed, busy, failed,
        /// no-answer, canceled).
        #[arg(long)]
        status: Option<String>,
        /// Only calls that started at or after this date or time.
        #[arg(long, value_name = "WHEN")]
        after: Option<String>,
        /// Only calls that started at or before this date or time.
        #[arg(long, value_name = "WHEN")]
        before: Option<String>,
        /// Read the local cache instead of Twilio (works offline; `switchboard sync` fills it).
        #[arg(long, conflicts_with_all = ["to", "from", "status", "after", "before"])]
        cached: bool,
        #[command(flatten)]
        list: ListArgs,
    },
    /// Show one call.
    Get {
        /// The call's SID (CA…).
        sid: String,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Place a call.
    Create {
        /// Who to call: a number, client:IDENTITY or sip:ADDRESS.
        #[arg(long)]
        to: String,
        /// The caller ID: one of the account's numbers.
        #[arg(long)]
        from: String,
        /// Fetch instructions from this URL when answered.
        #[arg(long, group = "source", value_name = "URL")]
        url: Option<String>,
        /// Run this TwiML when answered.
        #[arg(long, group = "source", value_name = "XML")]
        twiml: Option<String>,
        /// Run this TwiML App when answered.
        #[arg(long, group = "source", value_name = "AP…")]
        application_sid: Option<String>,
        /// Post status changes here.
        #[arg(long, value_name = "URL")]
        status_callback: Option<String>,
        /// Record the call.
        #[arg(long)]
        record: bool,
        /// Detect answering machines: enable or detect-message-end.
        #[arg(long, value_name = "MODE")]
        machine_detection: Option<String>,
        /// Seconds to ring before giving up (5-600).
        #[arg(long)]
        timeout: Option<u32>,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Change a live call.
    Update {
        /// The call's SID (CA…).
        sid: String,
        /// completed (hang up) or canceled (stop ringing).
        #[arg(long)]
        status: Option<String>,
        /// Fetch new instructions from this URL.
        #[arg(long, value_name = "URL")]
        url: Option<String>,
        /// Run this TwiML now.
        #[arg(long, value_name = "XML")]
        twiml: Option<String>,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Hang up (or cancel) a call.
    Hangup {
        /// The call's SID (CA…).
        sid: String,
    },
}

fn call_row(c: &switchboard::twilio::Call) -> Vec<String> {
    vec![
        c.start_time
            .as_deref()
            .and_then(switchboard::twilio::parse_twilio_date)
            .map_or("-".into(), |t| t.strftime("%Y-%m-%d %H:%M").to_string()),
        c.from
            .as_deref()
            .map_or("-".into(), |n| format_for_display(n, None)),
        c.to.as_deref()
            .map_or("-".into(), |n| format_for_display(n, None)),
        c.status.as_str().into(),
        c.duration
            .as_deref()
            .map_or("-".into(), |d| format!("{d}s")),
        c.sid.to_string(),
    ]
}

pub async fn calls(client: &Client, command: CallsCommand) -> Result<(), Error> {
    match command {
        CallsCommand::List { cached: true, .. } => Err(invalid(
            "calls list --cached is answered from the cache, not Twilio.",
        )),
        CallsCommand::List {
            to,
            from,
            status,
            after,
            before,
            list,
            ..
        } => {
            let mut q = client.calls().list();
            if let Some(v) = &to {
                q = q.to(v);
            }
            if let Some(v) = &from {
                q = q.from(v);
            }
            if let Some(v) = &status {
                q = q.status(CallStatus::parse(v).ok_or_else(|| invalid(format!("--status: {v:?} is not a call status (queued, ringing, in-progress, completed, busy, failed, no-answer, canceled).")))?);
            }
            if let Some(v) = &after {
                q = q.started_after(parse_time("--after", v)?);
            }
            if let Some(v) = &before {
                q = q.started_before(parse_time("--before", v)?);
            }
            output::list(
                q.stream(),
                list.limit(),
                list.json,
                call_row,
                &["STARTED (UTC)", "FROM", "TO", "STATUS", "LENGTH", "SID"],
                "No calls match.",
            )
            .await
        }
        CallsCommand::Get { sid: raw, json } => {
            let call = client
                .calls()
                .get(&sid("SID", &raw, CallSid::parse)?)
                .await?;
            print_call(&call, json);
            Ok(())
        }
        CallsCommand::Create {
            to,
            from,
            url,
            twiml,
            application_sid,
            status_callback,
            record,
            machine_detection,
            timeout,
            json,
        } => {
            let mut create = client.calls().create(&to, &from);
            match (url, twiml, application_sid) {
                (Some(u), None, None) => create = create.url(&u),
                (None, Some(t), None) => create = create.twiml_xml(&t),
                (None, None, Some(a)) => {
                    create =
                        create.application(&sid("--application-sid", &a, ApplicationSid::parse)?)
                }
                _ => {
                    return Err(invalid(
                        "Say what happens when the call is answered: --url, --twiml or --application-sid.",
                    ));
                }
            }
            if let Some(v) = &status_callback {
                create = create.status_callback(v);
            }
            if record {
                create = create.record(true);
            }
            if let Some(v) = &machine_detection {
                create = create.machine_detection(
                    match v.to_ascii_lowercase().replace('_', "-").as_str() {
                        "enable" => MachineDetection::Enable,
                        "detect-message-end" | "detectmessageend" => {
                            MachineDetection::DetectMessageEnd
                        }
                        _ => {
                            return Err(invalid(format!(
                                "--machine-detection: {v:?} is not enable or detect-message-end."
                            )));
                        }
                    },
                );
            }
            if let Some(v) = timeout {
                create = create.timeout(v);
            }
            let call = create.send().await?;
            print_call(&call, json);
            Ok(())
        }
        CallsCommand::Update {
            sid: raw,
            status,
            url,
            twiml,
            json,
        } => {
            let sid = sid("SID", &raw, CallSid::parse)?;
            let mut update = client.calls().update(&sid);
            if let Some(v) = &status {
                update = update.status(match v.to_ascii_lowercase().as_str() {
                    "completed" => EndStatus::Completed,
                    "canceled" | "cancelled" => EndStatus::Canceled,
                    _ => {
                        return Err(invalid(format!(
                            "--status: {v:?} is not completed or canceled."
                        )));
                    }
                });
            }
            if let Some(v) = &url {
                update = update.url(v);
            }
            if let Some(v) = &twiml {
                update = update.twiml_xml(v);
            }
            let call = update.send().await?;
            print_call(&call, json);
            Ok(())
        }
        CallsCommand::Hangup { sid: raw } => {
            let call = client
                .calls()
                .hangup(&sid("SID", &raw, CallSid::parse)?)
                .await?;
            println!("{} is {}.", call.sid, call.status.as_str());
            Ok(())
        }
    }
}

fn print_call(call: &switchboard::twilio::Call, json: bool) {
    if json {
        output::json(call);
        return;
    }
    println!("Call:      {}", call.sid);
    println!("Status:    {}", call.status.as_str());
    println!("From:      {}", or_dash(call.from.as_deref()));
    println!("To:        {}", or_dash(call.to.as_deref()));
    println!("Direction: {}", or_dash(call.direction.as_deref()));
    println!("Started:   {}", or_dash(call.start_time.as_deref()));
    println!(
        "Duration:  {}",
        call.duration
            .as_deref()
            .map_or("-".into(), |d| format!("{d} s"))
    );
    if let Some(price) = &call.price {
        println!(
            "Price:     {price} {}",
            call.price_unit.as_deref().unwrap_or("")
        );
    }
}
