//! `switchboard archive setup|show|remove|voicemail`: the S3 voicemail archive, as in Settings.

use std::io::{BufRead as _, IsTerminal as _, Write as _};

use clap::Subcommand;
use switchboard::s3::ArchiveSettingsInput;
use switchboard::{Code, Error, Switchboard};

use super::output;

#[derive(Debug, Subcommand)]
pub enum ArchiveCommand {
    /// Set up the archive, after checking the bucket with these keys. The secret access key is
    /// read from SWITCHBOARD_S3_SECRET_ACCESS_KEY, or from the first line of standard input,
    /// and kept in the system keychain.
    Setup {
        /// The bucket.
        #[arg(long)]
        bucket: String,
        /// Its region.
        #[arg(long, default_value = "us-east-1")]
        region: String,
        /// An S3-compatible server instead of AWS (MinIO, moto…).
        #[arg(long, value_name = "URL")]
        endpoint: Option<String>,
        /// Path-style addressing (most S3-compatible servers).
        #[arg(long)]
        path_style: bool,
        /// The access key ID.
        #[arg(long, value_name = "ID")]
        access_key_id: String,
        /// Delete a voicemail from Twilio once its copy is verified.
        #[arg(long)]
        delete_from_twilio: bool,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Show the archive's settings (never the secret).
    Show {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Stop archiving: the settings and the keychain's secret go; copies in the bucket stay.
    Remove,
    /// Archive voicemails (all without a copy when no SID is given): each is uploaded with its
    /// transcript and checked (size and SHA-256) before it counts; with --delete-from-twilio
    /// set up, its deletion from Twilio is then queued (sent by the next sync). An interrupted
    /// run's unfinished uploads are finished or removed first.
    Voicemail {
        /// Recording SIDs (RE…).
        sids: Vec<String>,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

fn s3_secret() -> Result<String, Error> {
    if let Ok(secret) = std::env::var("SWITCHBOARD_S3_SECRET_ACCESS_KEY") {
        return Ok(secret);
    }
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprint!("S3 secret access key: ");
        std::io::stderr().flush().ok();
    }
    let mut line = String::new();
    stdin.lock().read_line(&mut line).map_err(|e| {
        Error::new(
            Code::InvalidInput,
            format!("could not read the S3 secret access key: {e}"),
        )
    })?;
    Ok(line.trim().to_owned())
}

pub async fn run(core: &Switchboard, command: ArchiveCommand) -> Result<(), Error> {
    match command {
        ArchiveCommand::Setup {
            bucket,
            region,
            endpoint,
            path_style,
            access_key_id,
            delete_from_twilio,
            json,
        } => {
            let secret = s3_secret()?;
            let saved = core
                .save_archive_settings(&ArchiveSettingsInput {
                    endpoint,
                    region,
                    bucket,
                    path_style,
                    access_key_id,
                    secret_access_key: (!secret.is_empty()).then_some(secret),
                    delete_from_twilio,
                })
                .await?;
            if json {
                output::json(&saved);
            } else {
                println!(
                    "The bucket answered. Archived voicemails go to s3://{}/voicemail/.",
                    saved.bucket
                );
            }
        }
        ArchiveCommand::Show { json } => {
            let settings = core.archive_settings().await?;
            if json {
                output::json(&settings);
            } else if let Some(s) = settings {
                println!("Bucket:     {} ({})", s.bucket, s.region);
                println!("Endpoint:   {}", s.endpoint.as_deref().unwrap_or("AWS"));
                println!("Access key: {} (secret in the keychain)", s.access_key_id);
                println!(
                    "Twilio:     {}",
                    if s.delete_from_twilio {
                        "deleted once the copy is verified"
                    } else {
                        "kept"
                    }
                );
            } else {
                println!("No archive is set up. Run `switchboard archive setup`.");
            }
        }
        ArchiveCommand::Remove => {
            core.clear_archive_settings().await?;
            println!("Archive settings removed; copies already in the bucket stay there.");
        }
        ArchiveCommand::Voicemail { sids, json } => {
            let quiet = json || !std::io::stderr().is_terminal();
            let report = core
                .archive_voicemails(&sids, |r| {
                    if !quiet {
                        eprint!("\rarchived {}   ", r.archived);
                    }
                })
                .await?;
            if !quiet {
                eprintln!();
            }
            if json {
                output::json(&report);
            } else {
                println!(
                    "Archived {} voicemails ({} queued for deletion from Twilio){}.",
                    report.archived,
                    report.delete_queued,
                    if report.resumed > 0 {
                        format!("; {} interrupted uploads dealt with", report.resumed)
                    } else {
                        String::new()
                    }
                );
                for (sid, why) in &report.failed {
                    println!("{sid}: not archived: {why}");
                }
            }
            if !report.failed.is_empty() {
                return Err(Error::new(
                    Code::Storage,
                    format!(
                        "{} voicemails could not be archived; the others were.",
                        report.failed.len()
                    ),
                ));
            }
        }
    }
    Ok(())
}
