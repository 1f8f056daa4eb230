//! Rows that can still change: a sync re-reads these, not the last two days of everything.
//!
//! A call is not final while it is queued, ringing or in progress, nor once completed until
//! Twilio has priced it; a recording while it is being made or processed, or unpriced; a
//! transcription while it is in progress. Such a row is re-read while it is at most
//! [`SETTLE_SECONDS`] older than the newest row stored (after that, Twilio will not change it,
//! or something is stuck there and re-reading it forever helps nobody).
//!
//! A few are fetched one by one by SID; many (a busy call centre) make the run's page walk go
//! down to the oldest of them instead, which costs fewer requests.

use sqlx::SqlitePool;

use super::CacheError;
use super::rows::{PageRows, Row};
use crate::error::Error;
use crate::twilio::{Call, Client, Recording, Transcription, TwilioError};

/// How long after the newest stored row a row that is not final is re-read.
pub const SETTLE_SECONDS: i64 = 48 * 3600;

/// At most this many unsettled rows are fetched by SID; more are re-read by the page walk.
pub(super) const BY_SID_MAX: usize = 10;

/// The rows of `resource` created in `[from, below)` that are not final, oldest first.
pub(super) async fn unsettled(
    pool: &SqlitePool,
    resource: &str,
    from: i64,
    below: i64,
) -> Result<Vec<(String, i64)>, CacheError> {
    let rows = match resource {
        "calls" => sqlx::query!(
            r#"SELECT sid AS "sid!: String", created_at AS "created_at!: i64" FROM calls
               WHERE created_at >= ?1 AND created_at < ?2
               AND (status IN ('queued', 'ringing', 'in-progress') OR (status = 'completed' AND price IS NULL))
               ORDER BY created_at"#,
            from,
            below
        )
        .fetch_all(pool)
        .await?
        .into_iter()
        .map(|r| (r.sid, r.created_at))
        .collect(),
        "recordings" => sqlx::query!(
            r#"SELECT sid AS "sid!: String", created_at AS "created_at!: i64" FROM recordings
               WHERE created_at >= ?1 AND created_at < ?2
               AND (status IN ('in-progress', 'paused', 'stopped', 'processing') OR (status = 'completed' AND price IS NULL))
               ORDER BY created_at"#,
            from,
            below
        )
        .fetch_all(pool)
        .await?
        .into_iter()
        .map(|r| (r.sid, r.created_at))
        .collect(),
        _ => sqlx::query!(
            r#"SELECT sid AS "sid!: String", created_at AS "created_at!: i64" FROM transcriptions
               WHERE created_at >= ?1 AND created_at < ?2 AND status = 'in-progress'
               ORDER BY created_at"#,
            from,
            below
        )
        .fetch_all(pool)
        .await?
        .into_iter()
        .map(|r| (r.sid, r.created_at))
        .collect(),
    };
    Ok(rows)
}

/// What fetching rows by SID found.
pub(super) struct Fetched {
    /// The rows Twilio still has, as they are now.
    pub page: PageRows,
    /// SIDs Twilio answered 404 for: deleted there.
    pub gone: Vec<String>,
    /// Requests made.
    pub requests: u32,
}

/// Fetches each of `sids` of `resource` by SID.
///
/// # Errors
/// The first failed request other than a 404.
pub(super) async fn fetch(
    client: &Client,
    resource: &str,
    sids: &[String],
) -> Result<Fetched, Error> {
    let account = client.account_sid();
    let mut rows = Vec::with_capacity(sids.len());
    let mut gone = Vec::new();
    for sid in sids {
        let (file, what) = match resource {
            "calls" => ("Calls", "the call"),
            "recordings" => ("Recordings", "the recording"),
            _ => ("Transcriptions", "the transcription"),
        };
        let path = format!("/2010-04-01/Accounts/{account}/{file}/{sid}.json");
        let row: Result<Row, TwilioError> = match resource {
            "calls" => client.get_json::<Call>(&path, what).await.map(Row::from),
            "recordings" => client
                .get_json::<Recording>(&path, what)
                .await
                .map(Row::from),
            _ => client
                .get_json::<Transcription>(&path, what)
                .await
                .map(Row::from),
        };
        match row {
            Ok(row) => rows.push(Ok(row)),
            Err(TwilioError::Api { status: 404, .. }) => gone.push(sid.clone()),
            Err(err) => return Err(err.into()),
        }
    }
    Ok(Fetched {
        page: PageRows::sort(rows),
        gone,
        requests: u32::try_from(sids.len()).unwrap_or(u32::MAX),
    })
}

/// Removes rows of `resource` that Twilio answered 404 for (a voicemail archived to S3 stays,
/// playable from the archive, as in a full run); returns how many went.
pub(super) async fn remove_gone(
    tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
    resource: &str,
    sids: &[String],
) -> Result<u32, CacheError> {
    if sids.is_empty() {
        return Ok(0);
    }
    let sids = super::rows::json(&sids);
    let done = match resource {
        "calls" => {
            sqlx::query!(
                "DELETE FROM calls WHERE sid IN (SELECT value FROM json_each(?1))",
                sids
            )
            .execute(&mut **tx)
            .await?
        }
        "recordings" => {
            sqlx::query!(
                "DELETE FROM voicemail_search WHERE rowid IN (SELECT search_key FROM recordings
                   WHERE sid IN (SELECT value FROM json_each(?1)) AND search_key IS NOT NULL
                   AND sid NOT IN (SELECT recording_sid FROM voicemail_state WHERE archive_key IS NOT NULL OR audio_path IS NOT NULL))",
                sids
            )
            .execute(&mut **tx)
            .await?;
            sqlx::query!(
                "DELETE FROM recordings WHERE sid IN (SELECT value FROM json_each(?1))
                 AND sid NOT IN (SELECT recording_sid FROM voicemail_state WHERE archive_key IS NOT NULL OR audio_path IS NOT NULL)",
                sids
            )
            .execute(&mut **tx)
            .await?
        }
        _ => {
            // The voicemail's search row loses the transcript.
            sqlx::query!(
                "INSERT OR IGNORE INTO search_pending (recording_sid) SELECT recording_sid FROM transcriptions
                 WHERE sid IN (SELECT value FROM json_each(?1)) AND recording_sid IS NOT NULL",
                sids
            )
            .execute(&mut **tx)
            .await?;
            sqlx::query!(
                "DELETE FROM transcriptions WHERE sid IN (SELECT value FROM json_each(?1))
                 AND (recording_sid IS NULL OR recording_sid NOT IN (SELECT recording_sid FROM voicemail_state WHERE archive_key IS NOT NULL OR audio_path IS NOT NULL))",
                sids
            )
            .execute(&mut **tx)
            .await?
        }
    };
    Ok(u32::try_from(done.rows_affected()).unwrap_or(u32::MAX))
}
