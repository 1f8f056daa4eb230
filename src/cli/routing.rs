//! `switchboard routing deploy|status|remove`.

use clap::Subcommand;
use switchboard::Error;
use switchboard::routing::{self, BuildWait, RoutingStatus};
use switchboard::twilio::Client;

use super::output;

#[derive(Debug, Subcommand)]
pub enum RoutingCommand {
    /// Deploy (or update) call routing in the Twilio account: ring this desktop, then the
    /// greeting and voicemail. Safe to run again; it never makes a second service.
    Deploy {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
        /// Seconds to wait for Twilio's build.
        #[arg(long, default_value_t = 300, hide = true)]
        build_timeout: u64,
        /// Milliseconds between build status checks.
        #[arg(long, default_value_t = 2000, hide = true)]
        build_poll_ms: u64,
    },
    /// Show whether routing is deployed and current.
    Status {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Remove routing and everything Switchboard created for it; numbers that used it are
    /// left with no voice URL.
    Remove {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

fn print_status(status: Option<&RoutingStatus>, json: bool) {
    if json {
        output::json(&status);
        return;
    }
    match status {
        None => println!("Call routing is not deployed. Run `switchboard routing deploy`."),
        Some(s) => {
            println!("Service:      {}", s.service_sid);
            println!(
                "Inbound URL:  {}",
                s.inbound_url.as_deref().unwrap_or("- (no environment)")
            );
            println!(
                "Outbound app: {}",
                s.application_sid.as_deref().unwrap_or("-")
            );
            println!("Build:        {}", s.build_sid.as_deref().unwrap_or("-"));
            println!(
                "Code:         {}",
                if s.code_current {
                    "current"
                } else {
                    "out of date: run `switchboard routing deploy`"
                }
            );
        }
    }
}

pub async fn run(
    core: &switchboard::Switchboard,
    profile: Option<&str>,
    client: &Client,
    command: RoutingCommand,
) -> Result<(), Error> {
    match command {
        RoutingCommand::Deploy {
            json,
            build_timeout,
            build_poll_ms,
        } => {
            let config = core.routing_config(profile, client).await?;
            let wait = BuildWait {
                timeout: std::time::Duration::from_secs(build_timeout),
                poll: std::time::Duration::from_millis(build_poll_ms),
            };
            if !json {
                eprintln!("Deploying call routing (Twilio builds it; this takes up to a minute)…");
            }
            let status = routing::deploy(client, &config, wait).await?;
            let sip = core.finish_sip(profile, client, &status, config).await?;
            if !json {
                println!("Call routing is deployed.");
                println!(
                    "SIP domain {} (this desktop registers as {}; its password is in the keychain).",
                    sip.domain, sip.username
                );
            }
            print_status(Some(&status), json);
        }
        RoutingCommand::Status { json } => {
            print_status(routing::status(client).await?.as_ref(), json)
        }
        RoutingCommand::Remove { json } => {
            let removed = routing::remove(client).await?;
            if json {
                output::json(&serde_json::json!({ "removed": removed }));
            } else if removed {
                println!("Call routing removed; numbers that used it no longer have a voice URL.");
            } else {
                println!("Call routing was not deployed; nothing to remove.");
            }
        }
    }
    Ok(())
}
