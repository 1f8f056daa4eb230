//! `switchboard recordings` and `switchboard transcriptions`: Twilio's Recordings and
//! Transcriptions resources.

use std::path::PathBuf;

use clap::Subcommand;
use switchboard::Error;
use switchboard::sid::{CallSid, RecordingSid};
use switchboard::twilio::{AudioFormat, Client};

use super::output::{self, or_dash};
use super::{ListArgs, invalid, parse_time, sid};

#[derive(Debug, Subcommand)]
pub enum RecordingsCommand {
    /// List recordings, newest first.
    List {
        /// Only this call's recordings.
        #[arg(long, value_name = "CA…")]
        call: Option<String>,
        /// Only recordings made at or after this date or time.
        #[arg(long, value_name = "WHEN")]
        after: Option<String>,
        /// Only recordings made at or before this date or time.
        #[arg(long, value_name = "WHEN")]
        before: Option<String>,
        #[command(flatten)]
        list: ListArgs,
    },
    /// Download a recording's audio.
    Download {
        /// The recording's SID (RE…).
        sid: String,
        /// mp3 or wav.
        #[arg(long, default_value = "mp3")]
        format: String,
        /// Where to save it (default: RE….mp3 in the current folder).
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
}

pub async fn recordings(client: &Client, command: RecordingsCommand) -> Result<(), Error> {
    match command {
        RecordingsCommand::List {
            call,
            after,
            before,
            list,
        } => {
            let mut q = client.recordings().list();
            if let Some(v) = &call {
                q = q.call(&sid("--call", v, CallSid::parse)?);
            }
            if let Some(v) = &after {
                q = q.created_after(parse_time("--after", v)?);
            }
            if let Some(v) = &before {
                q = q.created_before(parse_time("--before", v)?);
            }
            output::list(
                q.stream(),
                list.limit(),
                list.json,
                |r| {
                    vec![
                        r.date_created
                            .as_deref()
                            .and_then(switchboard::twilio::parse_twilio_date)
                            .map_or("-".into(), |t| t.strftime("%Y-%m-%d %H:%M").to_string()),
                        r.duration
                            .as_deref()
                            .map_or("-".into(), |d| format!("{d}s")),
                        or_dash(r.status.as_deref()),
                        or_dash(r.source.as_deref()),
                        r.call_sid.as_ref().map_or("-".into(), ToString::to_string),
                        r.sid.to_string(),
                    ]
                },
                &["CREATED (UTC)", "LENGTH", "STATUS", "SOURCE", "CALL", "SID"],
                "No recordings match.",
            )
            .await
        }
        RecordingsCommand::Download {
            sid: raw,
            format,
            output,
        } => {
            let sid = sid("SID", &raw, RecordingSid::parse)?;
            let format = AudioFormat::parse(&format)
                .ok_or_else(|| invalid(format!("--format: {format:?} is not mp3 or wav.")))?;
            let dest =
                output.unwrap_or_else(|| PathBuf::from(format!("{sid}.{}", format.extension())));
            let done = client.recordings().download(&sid, format, &dest).await?;
            println!("Saved {} ({} bytes).", done.path.display(), done.bytes);
            Ok(())
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum TranscriptionsCommand {
    /// List transcriptions, newest first.
    List {
        /// Only this recording's transcriptions.
        #[arg(long, value_name = "RE…")]
        recording: Option<String>,
        #[command(flatten)]
        list: ListArgs,
    },
}

pub async fn transcriptions(client: &Client, command: TranscriptionsCommand) -> Result<(), Error> {
    let TranscriptionsCommand::List { recording, list } = command;
    let rows = match &recording {
        Some(r) => client
            .recordings()
            .transcriptions(&sid("--recording", r, RecordingSid::parse)?)
            .list(),
        None => client.transcriptions().list(None),
    };
    output::list(
        rows,
        list.limit(),
        list.json,
        |t| {
            let text = t.transcription_text.as_deref().unwrap_or("");
            let first: String = text.chars().take(60).collect();
            vec![
                t.date_created
                    .as_deref()
                    .and_then(switchboard::twilio::parse_twilio_date)
                    .map_or("-".into(), |t| t.strftime("%Y-%m-%d %H:%M").to_string()),
                or_dash(t.status.as_deref()),
                t.recording_sid
                    .as_ref()
                    .map_or("-".into(), ToString::to_string),
                if text.chars().count() > 60 {
                    format!("{first}…")
                } else {
                    or_dash(Some(&first))
                },
            ]
        },
        &["CREATED (UTC)", "STATUS", "RECORDING", "TEXT"],
        "No transcriptions.",
    )
    .await
}
