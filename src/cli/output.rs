//! Printing results: aligned text for people, JSON for scripts, rows streamed as they arrive.

use std::io::{IsTerminal, Write};

use futures_util::StreamExt;
use serde::Serialize;
use switchboard::twilio::{ListStream, TwilioError};
use switchboard::{Code, Error};

/// Prints `value` as pretty JSON.
pub fn json<T: Serialize>(value: &T) {
    println!(
        "{}",
        serde_json::to_string_pretty(value).expect("wire models serialize")
    );
}

/// A text table: columns padded to their widest cell.
pub struct Table {
    header: Vec<&'static str>,
    rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new(header: &[&'static str]) -> Self {
        Self {
            header: header.to_vec(),
            rows: Vec::new(),
        }
    }

    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    pub fn print(&self) {
        let mut widths: Vec<usize> = self.header.iter().map(|h| h.len()).collect();
        for row in &self.rows {
            for (w, cell) in widths.iter_mut().zip(row) {
                *w = (*w).max(cell.chars().count());
            }
        }
        let line = |cells: Vec<String>| {
            let last = cells.len().saturating_sub(1);
            cells
                .into_iter()
                .enumerate()
                .map(|(i, c)| {
                    if i == last {
                        c
                    } else {
                        format!("{c:<width$}", width = widths[i])
                    }
                })
                .collect::<Vec<_>>()
                .join("  ")
        };
        let stdout = std::io::stdout();
        let mut out = stdout.lock();
        let _ = writeln!(
            out,
            "{}",
            line(self.header.iter().map(|h| (*h).to_owned()).collect())
        );
        for row in &self.rows {
            let _ = writeln!(out, "{}", line(row.clone()));
        }
    }
}

/// How many rows of a list to show.
/// Prints `rows` already in memory: as a JSON array, or as a table (`empty` when there are
/// none).
pub fn rows<T: Serialize>(
    rows: &[T],
    as_json: bool,
    text: impl Fn(&T) -> Vec<String>,
    header: &[&'static str],
    empty: &str,
) {
    if as_json {
        json(&rows);
    } else if rows.is_empty() {
        println!("{empty}");
    } else {
        let mut table = Table::new(header);
        for row in rows {
            table.row(text(row));
        }
        table.print();
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Limit(pub Option<usize>);

/// Drains `rows`, up to `limit`, printing them as a JSON array (streamed, so a long list is
/// never held in memory) or handing each to `text` for a table. A row Twilio sent that cannot
/// be read is skipped with a warning on stderr and counted; a failed request ends the list
/// with its error.
pub async fn list<T: Serialize>(
    mut rows: ListStream<'_, T>,
    limit: Limit,
    as_json: bool,
    mut text: impl FnMut(&T) -> Vec<String>,
    header: &[&'static str],
    empty: &str,
) -> Result<(), Error> {
    let mut table = Table::new(header);
    let mut shown = 0usize;
    let mut skipped = 0usize;
    let stdout = std::io::stdout();
    if as_json {
        print!("[");
    }
    while limit.0.is_none_or(|max| shown < max) {
        let Some(row) = rows.next().await else { break };
        match row {
            Ok(row) => {
                if as_json {
                    let mut out = stdout.lock();
                    let sep = if shown == 0 { "\n  " } else { ",\n  " };
                    let _ = write!(
                        out,
                        "{sep}{}",
                        serde_json::to_string(&row).expect("serializes")
                    );
                } else {
                    table.row(text(&row));
                }
                shown += 1;
            }
            Err(err @ TwilioError::Decode { .. }) if err.to_string().contains("a row of") => {
                tracing::warn!(error = %err, "skipping an unreadable row");
                eprintln!("warning: skipped a row Twilio sent that could not be read: {err}");
                skipped += 1;
            }
            Err(err) => {
                if as_json {
                    println!("\n]");
                }
                return Err(err.into());
            }
        }
    }
    if as_json {
        println!("{}]", if shown == 0 { "" } else { "\n" });
    } else if shown == 0 {
        println!("{empty}");
    } else {
        table.print();
    }
    if skipped > 0 {
        eprintln!("warning: {skipped} unreadable row(s) skipped; the log file has details.");
    }
    Ok(())
}

/// Asks `question` on the terminal unless `yes` was given; scripts must pass `--yes`.
///
/// # Errors
/// [`Code::InvalidInput`] when not confirmed.
pub fn confirm(question: &str, yes: bool) -> Result<(), Error> {
    if yes {
        return Ok(());
    }
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        return Err(Error::new(
            Code::InvalidInput,
            format!("{question} Not confirmed: pass --yes to confirm without a prompt."),
        ));
    }
    eprint!("{question} [y/N] ");
    std::io::stderr().flush().ok();
    let mut answer = String::new();
    stdin.read_line(&mut answer).ok();
    if matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes") {
        Ok(())
    } else {
        Err(Error::new(
            Code::InvalidInput,
            "Cancelled; nothing was changed.",
        ))
    }
}

/// `value` or a dash.
pub fn or_dash(value: Option<&str>) -> String {
    value.filter(|v| !v.is_empty()).unwrap_or("-").to_owned()
}
