//! `switchboard retention show|set|preview|apply|stop|log`: the account's retention policy.

use std::io::IsTerminal as _;

use clap::Subcommand;
use switchboard::cache::{RetentionPreview, StoredPolicy};
use switchboard::retention::{PASS_MAX, RetentionStatus};
use switchboard::twilio::Client;
use switchboard::{Error, Switchboard};

use super::output::{self, Table, or_dash};

/// A number of days, or `off`.
#[derive(Debug, Clone, Copy)]
pub struct Days(Option<u32>);

fn days(raw: &str) -> Result<Days, String> {
    if raw.eq_ignore_ascii_case("off") {
        return Ok(Days(None));
    }
    match raw.trim().parse::<u32>() {
        Ok(d) if (1..=switchboard::cache::MAX_DAYS).contains(&d) => Ok(Days(Some(d))),
        _ => Err(format!(
            "expected a number of days from 1 to {}, or `off`",
            switchboard::cache::MAX_DAYS
        )),
    }
}

/// A size (`500MB`, `2GB`, `0`), or `off`.
#[derive(Debug, Clone, Copy)]
pub struct Size(Option<u64>);

fn size(raw: &str) -> Result<Size, String> {
    let raw = raw.trim();
    if raw.eq_ignore_ascii_case("off") {
        return Ok(Size(None));
    }
    let upper = raw.to_ascii_uppercase();
    let (number, unit) = match upper.find(|c: char| !c.is_ascii_digit() && c != '.') {
        Some(at) => upper.split_at(at),
        None => (upper.as_str(), "B"),
    };
    let factor = match unit.trim() {
        "B" => 1.0,
        "KB" | "K" => 1e3,
        "MB" | "M" => 1e6,
        "GB" | "G" => 1e9,
        _ => return Err("expected a size such as 500MB or 2GB, or `off`".into()),
    };
    match number.parse::<f64>() {
        Ok(n) if n.is_finite() && n >= 0.0 && n * factor < 9.0e18 => {
            // Whole bytes: the budget is a byte count.
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            let bytes = (n * factor).round() as u64;
            Ok(Size(Some(bytes)))
        }
        _ => Err("expected a size such as 500MB or 2GB, or `off`".into()),
    }
}

#[derive(Debug, Subcommand)]
pub enum RetentionCommand {
    /// Show the policy, whether it is confirmed, and its last run.
    Show {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Change the policy (only the rules given). A changed policy deletes nothing until
    /// confirmed with `switchboard retention apply`.
    Set {
        /// Delete recordings and their transcriptions from Twilio after N days (`off` keeps
        /// them).
        #[arg(long, value_name = "DAYS|off", value_parser = days)]
        recordings_days: Option<Days>,
        /// Only delete recordings with a verified copy in the S3 archive.
        #[arg(long, value_name = "true|false")]
        only_archived: Option<bool>,
        /// Prune cached voicemail audio to this size, least recently played first (`off`
        /// keeps it all).
        #[arg(long, value_name = "SIZE|off", value_parser = size)]
        audio_budget: Option<Size>,
        /// Keep the local call log N days (`off` keeps it all; Twilio keeps its own).
        #[arg(long, value_name = "DAYS|off", value_parser = days)]
        call_log_days: Option<Days>,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// List exactly what running the policy now would delete.
    Preview {
        /// List at most N items of each kind (the totals count everything).
        #[arg(long, default_value_t = 50, value_name = "N")]
        limit: u32,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Run the policy now, confirming it first if it never was: deletions on Twilio are
    /// queued, then sent (a few at a time) while a progress bar runs.
    Apply {
        /// Confirm without a prompt.
        #[arg(long)]
        yes: bool,
        /// Queue the deletions and return; the app (or the next apply) sends them.
        #[arg(long)]
        no_wait: bool,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Stop the policy: waiting deletions are dropped and it must be confirmed again.
    Stop {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// What a run deleted (the latest, or --run N).
    Log {
        /// The run.
        #[arg(long, value_name = "N")]
        run: Option<i64>,
        /// Show at most N lines.
        #[arg(long, default_value_t = 100, value_name = "N")]
        limit: u32,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
}

fn when(seconds: i64) -> String {
    jiff::Timestamp::from_second(seconds)
        .map(|t| t.strftime("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_else(|_| "-".into())
}

fn megabytes(bytes: i64) -> String {
    #[allow(clippy::cast_precision_loss)]
    let mb = bytes as f64 / 1e6;
    format!("{mb:.1} MB")
}

fn print_policy(stored: &StoredPolicy) {
    let p = &stored.policy;
    let days = |d: Option<u32>, what: &str| {
        d.map_or_else(|| "keep".into(), |d| format!("{what} after {d} days"))
    };
    println!(
        "Recordings:  {}{}",
        days(p.recordings_days, "delete from Twilio"),
        if p.recordings_days.is_some() && p.only_archived {
            " (only those archived to S3 and verified)"
        } else {
            ""
        }
    );
    println!(
        "Audio cache: {}",
        p.audio_budget_bytes.map_or_else(
            || "keep all".into(),
            |b| format!(
                "prune to {}",
                megabytes(i64::try_from(b).unwrap_or(i64::MAX))
            )
        )
    );
    println!("Call log:    {}", days(p.call_log_days, "remove locally"));
    println!(
        "Confirmed:   {}",
        match (stored.confirmed_at, p.deletes_anything()) {
            (_, false) => "- (the policy deletes nothing)".to_owned(),
            (Some(at), true) => format!("yes, {}; it runs daily", when(at)),
            (None, true) => "no: it deletes nothing until `switchboard retention apply`".into(),
        }
    );
}

fn print_status(status: &RetentionStatus) {
    print_policy(&status.policy);
    if status.policy.policy.only_archived
        && status.policy.policy.recordings_days.is_some()
        && !status.archive_configured
    {
        println!("Note:        no S3 archive is set up, so no recording has a copy to rely on");
    }
    if let Some(run) = &status.last_run {
        println!(
            "Last run:    #{} {}: {} recordings, {} transcriptions ({} deleted, {} waiting), {} audio files ({}), {} calls",
            run.id,
            when(run.started_at),
            run.recordings,
            run.transcriptions,
            run.done,
            run.waiting,
            run.audio_files,
            megabytes(run.audio_bytes),
            run.calls
        );
        if let Some(error) = &run.last_error {
            println!("Last error:  {error}");
        }
    }
}

fn print_preview(preview: &RetentionPreview) {
    if preview.is_empty() {
        println!("Running the policy now would delete nothing.");
        return;
    }
    if let Some(before) = preview.recordings_before {
        println!(
            "From Twilio: {} recordings made before {} ({} voicemails, {} call recordings) and {} transcriptions.",
            preview.recordings_total,
            when(before),
            preview.voicemails_total,
            preview.recordings_total - preview.voicemails_total,
            preview.transcriptions_total
        );
        if preview.kept_unarchived > 0 {
            println!(
                "             {} older recordings are kept: they have no verified copy in S3.",
                preview.kept_unarchived
            );
        }
        let mut table = Table::new(&["RECORDING", "KIND", "MADE", "CALLER", "SECONDS", "COPY"]);
        for r in &preview.recordings {
            table.row(vec![
                r.recording_sid.clone(),
                if r.voicemail { "voicemail" } else { "call" }.into(),
                when(r.created_at),
                or_dash(r.caller.as_deref()),
                r.duration.map_or_else(|| "-".into(), |d| d.to_string()),
                match (r.archived, r.local_copy) {
                    (true, _) => "S3".into(),
                    (false, true) => "this computer".into(),
                    (false, false) => "none: gone for good".into(),
                },
            ]);
        }
        table.print();
        let shown = preview.recordings.len() as i64;
        if preview.recordings_total > shown {
            println!(
                "… and {} more (--limit N).",
                preview.recordings_total - shown
            );
        }
    }
    if preview.audio_files_total > 0 {
        println!(
            "From this computer: {} cached audio files, {} of {} cached.",
            preview.audio_files_total,
            megabytes(preview.audio_bytes_total),
            megabytes(preview.audio_bytes_cached)
        );
    }
    if let (Some(before), true) = (preview.calls_before, preview.calls_total > 0) {
        println!(
            "From the local call log: {} calls made before {} (Twilio keeps them).",
            preview.calls_total,
            when(before)
        );
    }
}

pub async fn run(
    core: &Switchboard,
    client: &Client,
    command: RetentionCommand,
) -> Result<(), Error> {
    let account = client.account_sid();
    match command {
        RetentionCommand::Show { json } => {
            let status = core.retention(account).await?;
            if json {
                output::json(&status);
            } else {
                print_status(&status);
            }
        }
        RetentionCommand::Set {
            recordings_days,
            only_archived,
            audio_budget,
            call_log_days,
            json,
        } => {
            let mut policy = core.retention(account).await?.policy.policy;
            if let Some(Days(d)) = recordings_days {
                policy.recordings_days = d;
            }
            if let Some(only) = only_archived {
                policy.only_archived = only;
            }
            if let Some(Size(b)) = audio_budget {
                policy.audio_budget_bytes = b;
            }
            if let Some(Days(d)) = call_log_days {
                policy.call_log_days = d;
            }
            let status = core.set_retention(account, &policy).await?;
            if json {
                output::json(&status);
            } else {
                print_status(&status);
                if !status.policy.confirmed() && policy.deletes_anything() {
                    println!("Run `switchboard retention preview` to see what it deletes.");
                }
            }
        }
        RetentionCommand::Preview { limit, json } => {
            let preview = core.retention_preview(account, limit).await?;
            if json {
                output::json(&preview);
            } else {
                print_preview(&preview);
            }
        }
        RetentionCommand::Apply { yes, no_wait, json } => {
            apply(core, client, yes, no_wait, json).await?;
        }
        RetentionCommand::Stop { json } => {
            let status = core.stop_retention(account).await?;
            if json {
                output::json(&status);
            } else {
                println!(
                    "Retention stopped: nothing more is deleted until the policy is confirmed again."
                );
            }
        }
        RetentionCommand::Log { run, limit, json } => {
            let log = core.retention_log(account, run, limit).await?;
            if json {
                output::json(&log);
                return Ok(());
            }
            if log.is_empty() {
                println!("No retention run yet.");
                return Ok(());
            }
            let mut table = Table::new(&["WHEN", "KIND", "WHAT", "STATE"]);
            for entry in &log {
                table.row(vec![
                    entry.at.map_or_else(|| "-".into(), when),
                    entry.kind.clone(),
                    entry.detail.clone(),
                    match (&entry.at, &entry.error) {
                        (Some(_), _) => "deleted".into(),
                        (None, Some(e)) => format!("retrying: {e}"),
                        (None, None) => "waiting".into(),
                    },
                ]);
            }
            table.print();
        }
    }
    Ok(())
}

async fn apply(
    core: &Switchboard,
    client: &Client,
    yes: bool,
    no_wait: bool,
    json: bool,
) -> Result<(), Error> {
    let account = client.account_sid();
    let preview = core.retention_preview(account, 20).await?;
    if !preview.policy.policy.deletes_anything() {
        return Err(Error::new(
            switchboard::Code::InvalidInput,
            "The retention policy deletes nothing. Set one with `switchboard retention set`.",
        ));
    }
    if !json {
        print_preview(&preview);
    }
    if !preview.policy.confirmed() {
        output::confirm(
            "Confirm this retention policy? It deletes the above now, and runs daily from now on.",
            yes,
        )?;
    }
    let updated_at = preview.policy.updated_at.unwrap_or_default();
    let run = core
        .confirm_retention(account, preview.as_of, updated_at)
        .await?;
    let bar = !json && std::io::stderr().is_terminal();
    // Everything waiting, this run's and what earlier runs left (an interrupted apply).
    let total = core.retention(account).await?.waiting;
    let mut sent = 0_i64;
    // Passes follow one another while they make progress; what fails waits for a retry.
    let mut more = !no_wait && total > 0;
    while more {
        let pass = core
            .retention_pass(client, PASS_MAX, |report| {
                if bar {
                    draw(sent + i64::from(report.done), total);
                }
            })
            .await?;
        more = pass.as_ref().is_some_and(|p| p.done > 0 && p.waiting > 0);
        sent += pass.map_or(0, |p| i64::from(p.done));
    }
    if bar {
        eprintln!();
    }
    let status = core.retention(account).await?;
    if json {
        output::json(&status);
    } else {
        let run = status.last_run.as_ref().unwrap_or(&run);
        println!(
            "Run #{}: {} deleted on Twilio, {} waiting{}.",
            run.id,
            run.done,
            run.waiting,
            run.last_error
                .as_deref()
                .map(|e| format!(" (last error: {e}; they are retried)"))
                .unwrap_or_default()
        );
        println!("See `switchboard retention log` for each item.");
    }
    Ok(())
}

fn draw(done: i64, total: i64) {
    let width = 30;
    let filled = usize::try_from(done.saturating_mul(width) / total.max(1)).unwrap_or(0);
    eprint!(
        "\r[{}{}] {done}/{total} deleted on Twilio ",
        "#".repeat(filled.min(30)),
        " ".repeat(30 - filled.min(30))
    );
}
