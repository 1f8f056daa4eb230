//! `switchboard sync`, `switchboard voicemail …` and `calls list --cached`: the local cache.

use clap::Subcommand;
use switchboard::cache::{
    Cache, SyncProgress, Syncer, Voicemail, VoicemailAction, VoicemailFilter,
};
use switchboard::twilio::Client;
use switchboard::{Code, Error, Switchboard};

use super::output::{self, Table, or_dash};

fn when(seconds: i64) -> String {
    jiff::Timestamp::from_second(seconds)
        .map(|t| t.strftime("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_else(|_| "-".into())
}

/// Opens the client's cache, offering the rebuild when it is damaged.
async fn cache(core: &Switchboard, client: &Client) -> Result<Cache, Error> {
    core.cache(client.account_sid()).await
}

/// `switchboard sync`.
pub async fn sync(
    core: &Switchboard,
    client: &Client,
    json: bool,
    rebuild: bool,
    full: bool,
    page_size: u32,
) -> Result<(), Error> {
    let cache = if rebuild {
        core.rebuild_cache(client.account_sid()).await?
    } else {
        cache(core, client).await?
    };
    let started = std::time::Instant::now();
    let pushed = cache
        .replay_outbox(client, &core.audio_dir(client.account_sid()), false)
        .await?;
    if pushed.failed > 0 {
        eprintln!(
            "warning: {} change(s) could not be made on Twilio yet and will be retried (the log file has details).",
            pushed.failed
        );
    }
    let quiet = json || !std::io::IsTerminal::is_terminal(&std::io::stderr());
    let result = Syncer::new(&cache, client)
        .page_size(page_size)
        .reconcile(full)
        .sync_all(|p: SyncProgress| {
            if !quiet {
                eprint!("\rsyncing {}: {} fetched   ", p.resource, p.done);
            }
        })
        .await;
    if !quiet {
        eprintln!();
    }
    let report = result?;
    if json {
        output::json(&report);
    } else {
        let mut table = Table::new(&[
            "RESOURCE", "PAGES", "FETCHED", "STORED", "SKIPPED", "REMOVED", "RUN",
        ]);
        for r in &report.resources {
            table.row(vec![
                r.resource.clone(),
                r.pages.to_string(),
                r.fetched.to_string(),
                r.stored.to_string(),
                r.skipped.to_string(),
                r.removed.to_string(),
                match (r.full, r.resumed) {
                    (_, true) => "resumed".into(),
                    (true, _) => "full".into(),
                    _ => "incremental".into(),
                },
            ]);
        }
        table.print();
        println!(
            "Synced in {:.1} s; the cache holds {} unread voicemail(s) ({:.1} MB on disk).",
            started.elapsed().as_secs_f64(),
            cache.unread_count().await?,
            cache.size_on_disk() as f64 / 1e6
        );
        let skipped: u32 = report.resources.iter().map(|r| r.skipped).sum();
        if skipped > 0 {
            eprintln!(
                "warning: {skipped} row(s) Twilio sent could not be read and were skipped; the log file has details."
            );
        }
    }
    Ok(())
}

#[derive(Debug, Subcommand)]
pub enum VoicemailCommand {
    /// List voicemails from the cache, newest first (run `switchboard sync` to refresh).
    List {
        /// Only unread ones.
        #[arg(long, conflicts_with = "archived")]
        unread: bool,
        /// Only archived ones.
        #[arg(long)]
        archived: bool,
        /// Show at most N.
        #[arg(long, default_value_t = 50, value_name = "N")]
        limit: u32,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Find voicemails whose transcript or caller matches every word of QUERY.
    Search {
        /// Words to find (prefixes match: "call ba" finds "call back").
        query: String,
        /// Show at most N.
        #[arg(long, default_value_t = 50, value_name = "N")]
        limit: u32,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Mark a voicemail read, unread or archived (kept locally), delete it (on Twilio too,
    /// once its audio is cached and verified), or restore a delete not yet made on Twilio.
    Mark {
        /// read, unread, archive, delete or restore.
        action: String,
        /// The recording's SID (RE…).
        sid: String,
    },
    /// Show one voicemail with its whole transcript.
    Show {
        /// The recording's SID (RE…).
        sid: String,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

fn voicemail_row(v: &Voicemail) -> Vec<String> {
    let first_line: String = v
        .transcript
        .as_deref()
        .map(|t| t.chars().take(60).collect())
        .unwrap_or_else(|| transcript_state(v).into());
    vec![
        if v.state == "unread" {
            "●".into()
        } else {
            " ".into()
        },
        when(v.created_at),
        v.caller_display
            .as_deref()
            .or(v.caller.as_deref())
            .unwrap_or("unknown")
            .to_owned(),
        v.duration.map_or("-".into(), |d| format!("{d}s")),
        first_line,
        v.recording_sid.clone(),
    ]
}

fn transcript_state(v: &Voicemail) -> &'static str {
    match v.transcription_status.as_deref() {
        Some("in-progress") => "(transcript pending)",
        Some("failed") => "(transcription failed)",
        Some(_) => "(empty transcript)",
        None => "(no transcript)",
    }
}

async fn stale_notice(cache: &Cache) -> Result<(), Error> {
    match cache.last_synced().await? {
        None => eprintln!("note: this cache has not finished a sync yet; run `switchboard sync`."),
        Some(at) => {
            let age = jiff::Timestamp::now().as_second() - at;
            if age > 3600 {
                eprintln!(
                    "note: last synced {} hours ago; run `switchboard sync` for newer voicemails.",
                    age / 3600
                );
            }
        }
    }
    Ok(())
}

pub async fn voicemail(
    core: &Switchboard,
    client: &Client,
    command: VoicemailCommand,
) -> Result<(), Error> {
    let cache = cache(core, client).await?;
    let header = ["", "LEFT (UTC)", "CALLER", "LENGTH", "TRANSCRIPT", "SID"];
    match command {
        VoicemailCommand::List {
            unread,
            archived,
            limit,
            json,
        } => {
            let filter = if unread {
                VoicemailFilter::Unread
            } else if archived {
                VoicemailFilter::Archived
            } else {
                VoicemailFilter::All
            };
            let rows = cache.voicemails(filter, limit, None).await?;
            if json {
                output::json(&rows);
            } else if rows.is_empty() {
                println!("No voicemails{}.", if unread { " unread" } else { "" });
            } else {
                let mut table = Table::new(&header);
                rows.iter().for_each(|v| table.row(voicemail_row(v)));
                table.print();
            }
            stale_notice(&cache).await?;
        }
        VoicemailCommand::Search { query, limit, json } => {
            let rows = cache.search_voicemails(&query, limit).await?;
            if json {
                output::json(&rows);
            } else if rows.is_empty() {
                println!("No voicemail matches {query:?}.");
            } else {
                let mut table = Table::new(&header);
                rows.iter().for_each(|v| table.row(voicemail_row(v)));
                table.print();
            }
        }
        VoicemailCommand::Mark { action, sid } => {
            let action = match action.to_ascii_lowercase().as_str() {
                "read" => VoicemailAction::Read,
                "unread" => VoicemailAction::Unread,
                "archive" | "archived" => VoicemailAction::Archive,
                "delete" => VoicemailAction::Delete,
                "restore" | "undelete" => VoicemailAction::Restore,
                _ => {
                    return Err(Error::new(
                        Code::InvalidInput,
                        format!(
                            "ACTION: {action:?} is not read, unread, archive, delete or restore."
                        ),
                    ));
                }
            };
            cache.apply(&sid, action).await?;
            if action == VoicemailAction::Delete {
                let done = cache
                    .replay_outbox(client, &core.audio_dir(client.account_sid()), false)
                    .await?;
                if done.pending > 0 {
                    println!(
                        "Deleted here; Twilio will be updated on the next sync (its audio is kept until then)."
                    );
                } else {
                    println!("Deleted; its audio is kept in the local cache.");
                }
            } else {
                println!("Done.");
            }
        }
        VoicemailCommand::Show { sid, json } => {
            let Some(v) = cache.voicemail(&sid).await? else {
                return Err(Error::new(
                    Code::NotFound,
                    format!(
                        "No voicemail {sid} in the cache. Check the SID, or run `switchboard sync`."
                    ),
                ));
            };
            if json {
                output::json(&v);
            } else {
                println!("Voicemail:  {}", v.recording_sid);
                println!(
                    "From:       {}{}",
                    v.caller_display
                        .as_deref()
                        .or(v.caller.as_deref())
                        .unwrap_or("unknown"),
                    v.caller_name
                        .as_deref()
                        .map(|n| format!(" ({n})"))
                        .unwrap_or_default()
                );
                println!("To:         {}", or_dash(v.called.as_deref()));
                println!("Left:       {} UTC", when(v.created_at));
                println!(
                    "Length:     {}",
                    v.duration.map_or("-".into(), |d| format!("{d} s"))
                );
                println!("State:      {}", v.state);
                println!(
                    "Transcript: {}",
                    v.transcript.as_deref().unwrap_or(transcript_state(&v))
                );
            }
        }
    }
    Ok(())
}

/// `switchboard calls list --cached`.
pub async fn cached_calls(
    core: &Switchboard,
    client: &Client,
    limit: usize,
    json: bool,
) -> Result<(), Error> {
    let cache = cache(core, client).await?;
    let rows = cache
        .cached_calls(u32::try_from(limit).unwrap_or(u32::MAX))
        .await?;
    if json {
        output::json(&rows);
    } else if rows.is_empty() {
        println!("No calls in the cache; run `switchboard sync`.");
    } else {
        let mut table = Table::new(&["STARTED (UTC)", "FROM", "TO", "STATUS", "LENGTH", "SID"]);
        for c in &rows {
            table.row(vec![
                when(c.started_at.unwrap_or(c.created_at)),
                or_dash(c.from_display.as_deref().or(c.from_number.as_deref())),
                or_dash(c.to_display.as_deref().or(c.to_number.as_deref())),
                c.status.clone(),
                c.duration.map_or("-".into(), |d| format!("{d}s")),
                c.sid.clone(),
            ]);
        }
        table.print();
    }
    stale_notice(&cache).await?;
    Ok(())
}
