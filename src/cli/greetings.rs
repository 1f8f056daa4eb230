//! `switchboard greetings …`: what callers hear when nobody answers.

use clap::{Args, Subcommand};
use switchboard::greetings::{GreetingKind, NewGreeting, Say, Window, active_greeting, zone};
use switchboard::twilio::Client;
use switchboard::{Code, Error, Switchboard};

use super::output::{self, Table};

#[derive(Debug, Subcommand)]
pub enum GreetingsCommand {
    /// List the account's greetings; `*` marks those the routing may play.
    List {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Add a text-to-speech greeting.
    AddTts {
        /// Its name.
        #[arg(long)]
        name: String,
        /// What callers hear.
        #[arg(long)]
        text: String,
        /// An Amazon Polly voice, such as Polly.Joanna-Neural.
        #[arg(long)]
        voice: Option<String>,
        /// The language, such as en-US.
        #[arg(long)]
        language: Option<String>,
        #[command(flatten)]
        schedule: ScheduleArgs,
    },
    /// Publish a recorded greeting from a WAV file: checked, trimmed, normalized, converted to
    /// 16 kHz mono and uploaded to the S3 bucket set up for this account; an existing greeting
    /// of that name gets the new audio.
    Publish {
        /// Its name.
        #[arg(long)]
        name: String,
        /// The WAV file.
        #[arg(long, value_name = "F.wav")]
        file: std::path::PathBuf,
        #[command(flatten)]
        schedule: ScheduleArgs,
    },
    /// Let the routing play a greeting (a default becomes the only active default).
    Activate {
        /// The greeting's name.
        name: String,
    },
    /// Remove a greeting.
    Remove {
        /// The greeting's name.
        name: String,
    },
    /// Set the time zone schedules follow (IANA, such as America/New_York).
    Timezone {
        /// The zone.
        zone: String,
    },
    /// Make text-to-speech say a word differently, e.g. `pronounce PixlyPro "Pixly Pro"`.
    Pronounce {
        /// The word as written.
        term: String,
        /// What to say instead.
        say_as: String,
    },
    /// Stop saying a word differently.
    Unpronounce {
        /// The word as written.
        term: String,
    },
    /// Say which greeting a caller would hear at a moment (default: now).
    Preview {
        /// An RFC 3339 time, such as 2026-12-24T18:30:00Z.
        #[arg(long)]
        at: Option<String>,
    },
}

/// When a greeting plays: its kind, opening hours and holiday dates (for a new greeting).
#[derive(Debug, Args)]
pub struct ScheduleArgs {
    /// default, after-hours or holiday.
    #[arg(long, default_value = "default")]
    kind: String,
    /// Opening hours for an after-hours greeting, as DAYS HH:MM-HH:MM (days 0-6 from
    /// Sunday, or mon..sun; ranges and commas), e.g. "mon-fri 09:00-17:30". Repeatable.
    #[arg(long, value_name = "HOURS")]
    open: Vec<String>,
    /// First day of a holiday greeting (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    from: Option<String>,
    /// Last day of a holiday greeting (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    to: Option<String>,
}

/// A greeting's kind, opening hours and holiday dates, as the flags give them.
type Schedule = (GreetingKind, Option<Vec<Window>>, Option<(String, String)>);

fn schedule(
    kind: &str,
    open: &[String],
    from: Option<String>,
    to: Option<String>,
) -> Result<Schedule, Error> {
    let kind = match kind.to_ascii_lowercase().replace('_', "-").as_str() {
        "default" => GreetingKind::Default,
        "after-hours" => GreetingKind::AfterHours,
        "holiday" => GreetingKind::Holiday,
        _ => {
            return Err(invalid(format!(
                "--kind: {kind:?} is not default, after-hours or holiday."
            )));
        }
    };
    let open = if kind == GreetingKind::AfterHours {
        if open.is_empty() {
            return Err(invalid(
                "--open: an after-hours greeting needs opening hours, such as \"mon-fri 09:00-17:30\".",
            ));
        }
        Some(
            open.iter()
                .map(|w| window(w))
                .collect::<Result<Vec<_>, _>>()?,
        )
    } else {
        None
    };
    let dates = match (kind, from, to) {
        (GreetingKind::Holiday, Some(from), Some(to)) => Some((from, to)),
        (GreetingKind::Holiday, _, _) => {
            return Err(invalid(
                "--from and --to: a holiday greeting needs its first and last dates.",
            ));
        }
        _ => None,
    };
    Ok((kind, open, dates))
}

fn invalid(message: impl Into<String>) -> Error {
    Error::new(Code::InvalidInput, message)
}

fn day(raw: &str) -> Option<u8> {
    let names = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];
    let raw = raw.trim().to_ascii_lowercase();
    raw.parse::<u8>().ok().filter(|d| *d <= 6).or_else(|| {
        names
            .iter()
            .position(|n| raw.starts_with(n))
            .map(|p| p as u8)
    })
}

/// Parses `mon-fri 09:00-17:30`.
fn window(raw: &str) -> Result<Window, Error> {
    let bad = || {
        invalid(format!(
            "--open: {raw:?} is not DAYS HH:MM-HH:MM, such as \"mon-fri 09:00-17:30\"."
        ))
    };
    let (days_part, hours) = raw.trim().split_once(' ').ok_or_else(bad)?;
    let (from, to) = hours.trim().split_once('-').ok_or_else(bad)?;
    let mut days = Vec::new();
    for piece in days_part.split(',') {
        match piece.split_once('-') {
            Some((a, b)) => {
                let (a, b) = (day(a).ok_or_else(bad)?, day(b).ok_or_else(bad)?);
                if a > b {
                    return Err(bad());
                }
                days.extend(a..=b);
            }
            None => days.push(day(piece).ok_or_else(bad)?),
        }
    }
    Ok(Window {
        days,
        from: from.trim().to_owned(),
        to: to.trim().to_owned(),
    })
}

pub async fn run(
    core: &Switchboard,
    profile: Option<&str>,
    client: &Client,
    command: GreetingsCommand,
) -> Result<(), Error> {
    let account = client.account_sid().clone();
    let store = core.db();
    let changed = match command {
        GreetingsCommand::List { json } => {
            let rows = store.greetings(&account).await?;
            if json {
                output::json(&rows);
            } else if rows.is_empty() {
                println!(
                    "No greetings yet: callers hear Switchboard's built-in message. Add one with `switchboard greetings add-tts`."
                );
            } else {
                let mut table = Table::new(&["", "NAME", "KIND", "WHEN", "SAYS"]);
                for r in &rows {
                    let g = &r.greeting;
                    let when = match g.kind {
                        GreetingKind::Default => "otherwise".to_owned(),
                        GreetingKind::AfterHours => format!(
                            "outside {}",
                            g.open
                                .iter()
                                .flatten()
                                .map(|w| format!("{:?} {}-{}", w.days, w.from, w.to))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                        GreetingKind::Holiday => format!(
                            "{} to {}",
                            g.from.as_deref().unwrap_or("?"),
                            g.to.as_deref().unwrap_or("?")
                        ),
                    };
                    let says = g
                        .url
                        .clone()
                        .or_else(|| g.say.as_ref().map(|s| s.text.chars().take(50).collect()))
                        .unwrap_or_default();
                    table.row(vec![
                        if r.active { "*".into() } else { " ".into() },
                        r.name.clone(),
                        serde_json::to_value(g.kind)
                            .ok()
                            .and_then(|v| v.as_str().map(str::to_owned))
                            .unwrap_or_default(),
                        when,
                        says,
                    ]);
                }
                table.print();
                println!("Time zone: {}", store.greeting_time_zone(&account).await?);
            }
            false
        }
        GreetingsCommand::AddTts {
            name,
            text,
            voice,
            language,
            schedule: when,
        } => {
            let (kind, open, dates) = schedule(&when.kind, &when.open, when.from, when.to)?;
            let added = store
                .add_greeting(
                    &account,
                    &NewGreeting {
                        name,
                        kind,
                        say: Say {
                            text,
                            voice,
                            language,
                        },
                        open,
                        dates,
                        url: None,
                        id: None,
                    },
                )
                .await?;
            println!("Added greeting {:?}.", added.name);
            true
        }
        GreetingsCommand::Publish {
            name,
            file,
            schedule: when,
        } => {
            let (kind, open, dates) = schedule(&when.kind, &when.open, when.from, when.to)?;
            let bytes = std::fs::read(&file)
                .map_err(|e| invalid(format!("--file: cannot read {} ({e}).", file.display())))?;
            let wav = switchboard::audio::take::prepare_wav_file(&bytes)
                .map_err(|e| invalid(format!("--file: {}", e.message)))?;
            let input = switchboard::greetings::studio::RecordedGreetingInput {
                name: name.clone(),
                kind,
                open,
                from: dates.as_ref().map(|d| d.0.clone()),
                to: dates.map(|d| d.1),
                trim: switchboard::audio::take::Trim {
                    start_ms: 0,
                    end_ms: 0,
                },
            };
            let published = core.publish_greeting_audio(client, &input, wav).await?;
            let row = store.greeting(&account, &name).await?;
            println!(
                "Published greeting {name:?}: {}",
                row.and_then(|r| r.greeting.url).unwrap_or_default()
            );
            if let Some(note) = published.note {
                println!("{note}");
            }
            false
        }
        GreetingsCommand::Activate { name } => {
            store.activate_greeting(&account, &name).await?;
            println!("Greeting {name:?} is active.");
            true
        }
        GreetingsCommand::Remove { name } => {
            store.remove_greeting(&account, &name).await?;
            println!("Removed greeting {name:?}.");
            true
        }
        GreetingsCommand::Timezone { zone: tz } => {
            store.set_greeting_time_zone(&account, &tz).await?;
            println!("Schedules follow {tz}.");
            true
        }
        GreetingsCommand::Pronounce { term, say_as } => {
            store
                .set_pronunciation(
                    &account,
                    &switchboard::greetings::Pronunciation {
                        term: term.clone(),
                        say_as: say_as.clone(),
                    },
                )
                .await?;
            println!("{term:?} is said as {say_as:?}.");
            true
        }
        GreetingsCommand::Unpronounce { term } => {
            store.remove_pronunciation(&account, &term).await?;
            println!("{term:?} is said as written.");
            true
        }
        GreetingsCommand::Preview { at } => {
            let at = match at {
                Some(raw) => raw.trim().parse::<jiff::Timestamp>().map_err(|_| {
                    invalid(format!(
                        "--at: {raw:?} is not a time such as 2026-12-24T18:30:00Z."
                    ))
                })?,
                None => jiff::Timestamp::now(),
            };
            let tz = store.greeting_time_zone(&account).await?;
            let active: Vec<_> = store
                .greetings(&account)
                .await?
                .into_iter()
                .filter(|g| g.active)
                .collect();
            let greetings: Vec<_> = active.iter().map(|r| r.greeting.clone()).collect();
            let local = at.to_zoned(zone(&tz));
            match active_greeting(&greetings, &zone(&tz), at) {
                Some(g) => {
                    let name = active
                        .iter()
                        .find(|r| r.greeting.id == g.id)
                        .map_or("?", |r| r.name.as_str());
                    println!(
                        "At {} ({tz}) a caller hears {name:?}.",
                        local.strftime("%a %Y-%m-%d %H:%M")
                    );
                }
                None => println!(
                    "At {} ({tz}) a caller hears the built-in message.",
                    local.strftime("%a %Y-%m-%d %H:%M")
                ),
            }
            false
        }
    };
    if changed {
        match core.publish_greetings(profile, client).await {
            Ok(true) => println!("The routing plays it from the next call."),
            Ok(false) => println!(
                "Call routing is not deployed yet: `switchboard routing deploy` puts greetings to work."
            ),
            Err(err) => eprintln!(
                "warning: saved here, but the routing could not be updated ({}); run `switchboard routing deploy` to retry.",
                err.message
            ),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opening_hours_parse_from_names_numbers_and_ranges() {
        assert_eq!(
            window("mon-fri 09:00-17:30").unwrap().days,
            vec![1, 2, 3, 4, 5]
        );
        assert_eq!(window("0,6 10:00-14:00").unwrap().days, vec![0, 6]);
        assert_eq!(window("sat 10:00-24:00").unwrap().to, "24:00");
        assert!(window("fri-mon 09:00-17:00").is_err());
        assert!(window("weekdays").is_err());
    }
}
