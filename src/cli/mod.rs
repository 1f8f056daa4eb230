//! The CLI's command groups, one module each, over the core's [`Switchboard`] surface; what
//! they print goes through [`output`] (tables for people, `--json` for scripts).

pub mod archive;
pub mod cache;
pub mod call;
pub mod calls;
pub mod greetings;
pub mod numbers;
pub mod output;
pub mod profiles;
pub mod recordings;
pub mod retention;
pub mod routing;
pub mod sip;

pub use calls::{CallsCommand, calls};
pub use numbers::{NumbersCommand, numbers};
pub use profiles::{ProfilesCommand, profiles};
pub use recordings::{RecordingsCommand, TranscriptionsCommand, recordings, transcriptions};

use clap::Args;
use output::Limit;
use switchboard::{Code, Error};

fn invalid(message: impl Into<String>) -> Error {
    Error::new(Code::InvalidInput, message)
}

fn sid<T>(
    field: &str,
    raw: &str,
    parse: fn(&str) -> Result<T, switchboard::sid::SidError>,
) -> Result<T, Error> {
    parse(raw).map_err(|e| invalid(format!("{field}: {e}")))
}

/// `--limit N` or `--all`.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Show at most N rows.
    #[arg(long, default_value_t = 50, value_name = "N", conflicts_with = "all")]
    limit: usize,
    /// Show every row (fetched a page at a time).
    #[arg(long)]
    all: bool,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

impl ListArgs {
    fn limit(&self) -> Limit {
        Limit((!self.all).then_some(self.limit))
    }

    /// The row count, `usize::MAX` for `--all`.
    pub fn limit_or_all(&self) -> usize {
        self.limit().0.unwrap_or(usize::MAX)
    }

    /// Whether to print JSON.
    pub fn json(&self) -> bool {
        self.json
    }
}

/// A date (`2026-11-01`, midnight UTC) or an RFC 3339 instant (`2026-11-01T09:30:00Z`).
fn parse_time(field: &str, raw: &str) -> Result<jiff::Timestamp, Error> {
    let raw = raw.trim();
    if let Ok(at) = raw.parse::<jiff::Timestamp>() {
        return Ok(at);
    }
    raw.parse::<jiff::civil::Date>()
        .ok()
        .and_then(|d| d.to_zoned(jiff::tz::TimeZone::UTC).ok())
        .map(|z| z.timestamp())
        .ok_or_else(|| {
            invalid(format!(
                "{field}: {raw:?} is not a date (2026-11-01) or a time (2026-11-01T09:30:00Z)."
            ))
        })
}
