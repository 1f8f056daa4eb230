//! The call log: cached calls with filters, search by number, and a summary.
//!
//! Only top-level calls are listed (a `<Dial>` leg belongs to its parent), and the legs that
//! rang the user's own phone for a bridge call are left out: they are the user calling
//! themself, not a call anyone made.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::{Cache, CacheError};

/// Which way calls went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum CallLogDirection {
    /// Calls to the account's numbers.
    Inbound,
    /// Calls placed from the account.
    Outbound,
}

/// How calls ended, as the log groups them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum CallLogOutcome {
    /// Connected and talked (or, for an incoming call, answered by someone).
    Answered,
    /// Incoming and not answered: no answer, cancelled by the caller, or left a voicemail.
    Missed,
    /// Busy, no answer, or failed on the way out.
    Unanswered,
}

/// What to list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, TS)]
pub struct CallLogFilter {
    /// Only this direction.
    pub direction: Option<CallLogDirection>,
    /// Only this outcome.
    pub outcome: Option<CallLogOutcome>,
    /// Only calls created at or after this, Unix seconds.
    #[ts(type = "number | null")]
    pub since: Option<i64>,
    /// Only calls created before this, Unix seconds.
    #[ts(type = "number | null")]
    pub until: Option<i64>,
    /// Digits that must appear in the other party's number.
    pub number: Option<String>,
    /// Leave out calls to this number (the bridge phone).
    pub hide_to: Option<String>,
    /// Rows to return (default 100, at most 500).
    pub limit: Option<u32>,
}

/// One call in the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct CallLogEntry {
    /// The call.
    pub sid: String,
    /// `inbound` or `outbound`.
    pub direction: CallLogDirection,
    /// How it ended, as the log groups it.
    pub outcome: CallLogOutcome,
    /// Twilio's final status (`completed`, `busy`, …).
    pub status: String,
    /// Who called.
    pub from_number: Option<String>,
    /// Who was called.
    pub to_number: Option<String>,
    /// The other party (the caller of an incoming call, the callee of an outgoing one).
    pub remote: Option<String>,
    /// `remote` formatted for people.
    pub remote_display: Option<String>,
    /// Caller ID name, when Twilio looked it up.
    pub caller_name: Option<String>,
    /// When Twilio created it, Unix seconds.
    #[ts(type = "number")]
    pub created_at: i64,
    /// When it started, Unix seconds.
    #[ts(type = "number | null")]
    pub started_at: Option<i64>,
    /// Seconds.
    #[ts(type = "number | null")]
    pub duration: Option<i64>,
    /// Cost as Twilio reports it (negative).
    pub price: Option<String>,
    /// Currency of `price`.
    pub price_unit: Option<String>,
    /// A recording of the call (a voicemail, or a call recording), if any.
    pub recording_sid: Option<String>,
    /// Whether that recording is a voicemail (in the inbox).
    pub voicemail: bool,
}

/// Totals over every call the filter matches (not only the page).
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct CallSummary {
    /// Calls.
    #[ts(type = "number")]
    pub total: i64,
    /// Incoming calls.
    #[ts(type = "number")]
    pub inbound: i64,
    /// Outgoing calls.
    #[ts(type = "number")]
    pub outbound: i64,
    /// Missed incoming calls.
    #[ts(type = "number")]
    pub missed: i64,
    /// Average length of the calls that connected, seconds.
    pub average_duration: Option<f64>,
    /// What they cost, as a positive amount in `cost_unit`.
    pub total_cost: Option<f64>,
    /// The currency of `total_cost` (the most used one when calls were billed in several).
    pub cost_unit: Option<String>,
}

/// A page of the log and the summary of all it matches.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct CallLog {
    /// Newest first.
    pub calls: Vec<CallLogEntry>,
    /// Totals over every match.
    pub summary: CallSummary,
}

/// The digits of what the user typed into the number search, or `None` for no search.
fn digits_of(raw: Option<&str>) -> Option<String> {
    let digits: String = raw?.chars().filter(char::is_ascii_digit).collect();
    (!digits.is_empty()).then_some(digits)
}

struct Row {
    sid: String,
    direction: Option<String>,
    status: String,
    from_number: Option<String>,
    to_number: Option<String>,
    caller_name: Option<String>,
    created_at: i64,
    started_at: Option<i64>,
    duration: Option<i64>,
    price: Option<String>,
    price_unit: Option<String>,
    recording_sid: Option<String>,
    voicemail: i64,
    outcome: String,
}

impl Cache {
    /// The call log: calls matching `filter`, newest first, and the summary of all matches.
    ///
    /// # Errors
    /// Storage errors.
    pub async fn call_log(&self, filter: &CallLogFilter) -> Result<CallLog, CacheError> {
        let direction = filter.direction.map(|d| match d {
            CallLogDirection::Inbound => "inbound",
            CallLogDirection::Outbound => "outbound",
        });
        let outcome = filter.outcome.map(|o| match o {
            CallLogOutcome::Answered => "answered",
            CallLogOutcome::Missed => "missed",
            CallLogOutcome::Unanswered => "unanswered",
        });
        let number = digits_of(filter.number.as_deref());
        let limit = i64::from(filter.limit.unwrap_or(100).clamp(1, 500));
        let rows = sqlx::query_as!(
            Row,
            r#"SELECT sid AS "sid!", direction, status AS "status!", from_number, to_number,
                      caller_name, created_at AS "created_at!", started_at, duration, price,
                      price_unit, recording_sid, voicemail AS "voicemail!: i64",
                      outcome AS "outcome!: String"
               FROM call_log
               WHERE (?1 IS NULL OR to_number IS NULL OR to_number <> ?1)
                 AND (?2 IS NULL OR created_at >= ?2)
                 AND (?3 IS NULL OR created_at < ?3)
                 AND (?4 IS NULL OR way = ?4)
                 AND (?5 IS NULL OR outcome = ?5)
                 AND (?6 IS NULL OR replace(remote, '+', '') LIKE '%' || ?6 || '%')
               ORDER BY created_at DESC, sid DESC
               LIMIT ?7"#,
            filter.hide_to,
            filter.since,
            filter.until,
            direction,
            outcome,
            number,
            limit,
        )
        .fetch_all(self.pool())
        .await?;
        let totals = sqlx::query!(
            r#"WITH matched AS (
                 SELECT way, outcome, duration, price, price_unit FROM call_log
                 WHERE (?1 IS NULL OR to_number IS NULL OR to_number <> ?1)
                   AND (?2 IS NULL OR created_at >= ?2)
                   AND (?3 IS NULL OR created_at < ?3)
                   AND (?4 IS NULL OR way = ?4)
                   AND (?5 IS NULL OR outcome = ?5)
                   AND (?6 IS NULL OR replace(remote, '+', '') LIKE '%' || ?6 || '%')
               ), unit AS (
                 SELECT price_unit FROM matched WHERE price_unit IS NOT NULL
                 GROUP BY price_unit ORDER BY count(*) DESC, price_unit LIMIT 1
               )
               SELECT count(*) AS "total!: i64",
                      coalesce(sum(way = 'inbound'), 0) AS "inbound!: i64",
                      coalesce(sum(way = 'outbound'), 0) AS "outbound!: i64",
                      coalesce(sum(outcome = 'missed'), 0) AS "missed!: i64",
                      avg(CASE WHEN outcome = 'answered' AND duration > 0 THEN duration END) AS "average: f64",
                      (SELECT price_unit FROM unit) AS "unit: String",
                      (SELECT sum(abs(CAST(m.price AS REAL))) FROM matched m
                        WHERE m.price_unit = (SELECT price_unit FROM unit)) AS "cost: f64"
               FROM matched"#,
            filter.hide_to,
            filter.since,
            filter.until,
            direction,
            outcome,
            number,
        )
        .fetch_one(self.pool())
        .await?;
        let summary = CallSummary {
            total: totals.total,
            inbound: totals.inbound,
            outbound: totals.outbound,
            missed: totals.missed,
            average_duration: totals.average,
            total_cost: totals.cost,
            cost_unit: totals.unit,
        };
        let shown = self
            .displays(rows.iter().filter_map(|row| {
                let (remote, ours) = remote_and_ours(row);
                remote.map(|r| (r, ours))
            }))
            .await?;
        let calls = rows
            .into_iter()
            .map(|row| {
                let (remote, ours) = remote_and_ours(&row);
                let key = remote.map(|r| (r.to_owned(), ours.unwrap_or_default().to_owned()));
                let display = key.and_then(|k| shown.get(&k).cloned());
                entry(row, display)
            })
            .collect();
        Ok(CallLog { calls, summary })
    }
}

/// The other party's number and ours, by the call's direction.
fn remote_and_ours(row: &Row) -> (Option<&str>, Option<&str>) {
    if row.direction.as_deref() == Some("inbound") {
        (row.from_number.as_deref(), row.to_number.as_deref())
    } else {
        (row.to_number.as_deref(), row.from_number.as_deref())
    }
}

/// A log entry of `row`, with the other party's number as people read it.
fn entry(row: Row, remote_display: Option<String>) -> CallLogEntry {
    let direction = if row.direction.as_deref() == Some("inbound") {
        CallLogDirection::Inbound
    } else {
        CallLogDirection::Outbound
    };
    let remote = remote_and_ours(&row).0.map(str::to_owned);
    let outcome = match row.outcome.as_str() {
        "missed" => CallLogOutcome::Missed,
        "unanswered" => CallLogOutcome::Unanswered,
        _ => CallLogOutcome::Answered,
    };
    CallLogEntry {
        sid: row.sid,
        direction,
        outcome,
        status: row.status,
        remote_display,
        remote,
        from_number: row.from_number,
        to_number: row.to_number,
        caller_name: row.caller_name,
        created_at: row.created_at,
        started_at: row.started_at,
        duration: row.duration,
        price: row.price,
        price_unit: row.price_unit,
        recording_sid: row.recording_sid,
        voicemail: row.voicemail != 0,
    }
}

#[cfg(test)]
mod tests {
    use super::digits_of;

    #[test]
    fn a_number_search_keeps_only_digits() {
        assert_eq!(
            digits_of(Some("(415) 867-5309")).as_deref(),
            Some("4158675309")
        );
        assert_eq!(digits_of(Some("+44")).as_deref(), Some("44"));
        assert_eq!(digits_of(Some(" - ")), None);
        assert_eq!(digits_of(None), None);
    }
}
