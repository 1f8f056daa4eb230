//! The voicemail search index: which voicemails' rows are out of date, and rewriting them.
//!
//! A sync's page marks the voicemails it touched (`search_pending`, in the page's
//! transaction); the rows are rewritten once, when the sync ends ([`refresh_pending_search`]).
//! Each voicemail has one FTS5 row for its transcript and its caller's number, keyed by its
//! creation time so search results come newest first.

use sqlx::{Sqlite, Transaction};

use super::CacheError;
use super::rows::json;

/// Marks the search rows of `recording_sids` out of date (those that are voicemails are
/// rewritten by [`refresh_pending_search`]).
pub(super) async fn search_pending(
    tx: &mut Transaction<'_, Sqlite>,
    recording_sids: &[&str],
) -> Result<(), CacheError> {
    if recording_sids.is_empty() {
        return Ok(());
    }
    let sids = json(&recording_sids);
    sqlx::query!(
        "INSERT OR IGNORE INTO search_pending (recording_sid) SELECT value FROM json_each(?1)",
        sids
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Voicemails whose search rows are rewritten per transaction: large enough that a first
/// sync's 50,000 cost a dozen statements, small enough that no transaction holds the writer
/// for long.
const SEARCH_BATCH: i64 = 5_000;

/// Rewrites the search rows of every voicemail marked out of date, in batches, each in its
/// own transaction with the marks it clears; returns how many recordings were looked at.
/// Interrupted, the marks that remain are done by the next call.
pub(super) async fn refresh_pending_search(pool: &sqlx::SqlitePool) -> Result<u64, CacheError> {
    let mut done = 0;
    loop {
        let mut tx = pool.begin().await?;
        let batch: Vec<String> = sqlx::query_scalar!(
            "SELECT recording_sid FROM search_pending LIMIT ?1",
            SEARCH_BATCH
        )
        .fetch_all(&mut *tx)
        .await?;
        if batch.is_empty() {
            return Ok(done);
        }
        let sids: Vec<&str> = batch.iter().map(String::as_str).collect();
        refresh_search(&mut tx, &sids).await?;
        let marks = json(&sids);
        sqlx::query!(
            "DELETE FROM search_pending WHERE recording_sid IN (SELECT value FROM json_each(?1))",
            marks
        )
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        done += batch.len() as u64;
    }
}

/// Rewrites the search rows of the voicemails among `recording_sids` (a recording that is not
/// a voicemail has none): the old rows go, and each voicemail gets one for its transcript and
/// its caller's number, keyed by its creation time so search results come newest first.
pub(super) async fn refresh_search(
    tx: &mut Transaction<'_, Sqlite>,
    recording_sids: &[&str],
) -> Result<(), CacheError> {
    if recording_sids.is_empty() {
        return Ok(());
    }
    let sids = json(&recording_sids);
    sqlx::query!(
        "DELETE FROM voicemail_search WHERE rowid IN (SELECT search_key FROM recordings
            WHERE sid IN (SELECT value FROM json_each(?1)) AND search_key IS NOT NULL)",
        sids
    )
    .execute(&mut **tx)
    .await?;
    let voicemails = sqlx::query!(
        r#"SELECT recording_sid AS "recording_sid!: String", created_at AS "created_at!: i64", transcript, caller
           FROM voicemails WHERE recording_sid IN (SELECT value FROM json_each(?1))"#,
        sids
    )
    .fetch_all(&mut **tx)
    .await?;
    // created_at * 4096 + 12 bits from the SID; on the rare clash, the next free key.
    let mut keys: Vec<i64> = voicemails
        .iter()
        .map(|v| {
            let low = v
                .recording_sid
                .bytes()
                .fold(0u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)))
                & 0xFFF;
            v.created_at * 4096 + i64::from(low)
        })
        .collect();
    let candidates = json(&keys);
    let mut taken: std::collections::HashSet<i64> = sqlx::query_scalar!(
        r#"SELECT rowid AS "rowid!: i64" FROM voicemail_search WHERE rowid IN (SELECT value FROM json_each(?1))"#,
        candidates
    )
    .fetch_all(&mut **tx)
    .await?
    .into_iter()
    .collect();
    for key in &mut keys {
        if taken.contains(key) {
            loop {
                *key += 1;
                let stored =
                    sqlx::query_scalar!("SELECT 1 FROM voicemail_search WHERE rowid = ?1", *key)
                        .fetch_optional(&mut **tx)
                        .await?;
                if !taken.contains(key) && stored.is_none() {
                    break;
                }
            }
        }
        taken.insert(*key);
    }
    let rows: Vec<_> = voicemails
        .iter()
        .zip(&keys)
        .map(|(v, key)| {
            (
                key,
                v.recording_sid.as_str(),
                v.transcript.as_deref().unwrap_or_default(),
                v.caller.as_deref().map(caller_terms).unwrap_or_default(),
            )
        })
        .collect();
    let rows = json(&rows);
    sqlx::query!(
        "INSERT INTO voicemail_search (rowid, transcript, caller)
         SELECT value->>0, value->>2, value->>3 FROM json_each(?1)",
        rows
    )
    .execute(&mut **tx)
    .await?;
    // Recordings that are no longer voicemails lose their key; the others get their new one.
    sqlx::query!(
        "UPDATE recordings SET search_key = NULL WHERE sid IN (SELECT value FROM json_each(?1))
         AND search_key IS NOT NULL AND sid NOT IN (SELECT value->>1 FROM json_each(?2))",
        sids,
        rows
    )
    .execute(&mut **tx)
    .await?;
    sqlx::query!(
        "UPDATE recordings SET search_key = j.value->>0 FROM json_each(?1) AS j WHERE recordings.sid = j.value->>1",
        rows
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The forms a caller's number is searched by: as stored (`+14158675309` is the token
/// `14158675309`), the national number (`4158675309`) and the last seven digits (`8675309`),
/// so typing any leading part of a familiar form finds it.
fn caller_terms(caller: &str) -> String {
    let mut terms = vec![caller.to_owned()];
    // `+1` and ten digits is a North American number (most of a Twilio account's callers),
    // whose national number is those ten digits: known without the full parse, which costs
    // tens of microseconds a number and dominated rewriting a busy account's search index.
    let national = match caller.strip_prefix("+1") {
        Some(ten) if ten.len() == 10 && ten.bytes().all(|b| b.is_ascii_digit()) => {
            Some(ten.to_owned())
        }
        _ => phonenumber::parse(None, caller)
            .ok()
            .map(|number| number.national().value().to_string()),
    };
    if let Some(national) = national {
        if national.len() > 7 {
            terms.push(national[national.len() - 7..].to_owned());
        }
        terms.push(national);
    }
    terms.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_caller_is_searchable_by_each_familiar_form_of_the_number() {
        assert_eq!(
            caller_terms("+14158675309"),
            "+14158675309 8675309 4158675309"
        );
        assert_eq!(
            caller_terms("+442071838750"),
            "+442071838750 1838750 2071838750",
            "other countries go through the full parse"
        );
        assert_eq!(caller_terms("anonymous"), "anonymous");
    }
}
