//! Writing Twilio's rows into the cache: each call, recording and transcription upserted by
//! SID, and the voicemail search index refreshed for what changed. The sync loop
//! ([`super::sync`]) calls these inside the transaction of the page they came on.

use sqlx::{Sqlite, Transaction};

use super::CacheError;
use crate::twilio::{Call, Recording, Transcription, parse_twilio_date};

/// A row of any synced resource.
pub enum Row {
    /// A call.
    Call(Call),
    /// A recording.
    Recording(Recording),
    /// A transcription.
    Transcription(Transcription),
}

impl From<Call> for Row {
    fn from(v: Call) -> Self {
        Self::Call(v)
    }
}
impl From<Recording> for Row {
    fn from(v: Recording) -> Self {
        Self::Recording(v)
    }
}
impl From<Transcription> for Row {
    fn from(v: Transcription) -> Self {
        Self::Transcription(v)
    }
}

pub(super) fn seconds(date: Option<&str>) -> Option<i64> {
    date.and_then(parse_twilio_date).map(|t| t.as_second())
}

pub(super) fn number(raw: Option<&str>) -> Option<i64> {
    raw.and_then(|v| v.trim().parse::<i64>().ok())
}

/// Upserts a call; `None` (skipped) when it has no readable creation date.
pub(super) async fn upsert_call(
    tx: &mut Transaction<'_, Sqlite>,
    c: &Call,
    run: i64,
) -> Result<Option<i64>, CacheError> {
    let Some(created) = seconds(c.date_created.as_deref()) else {
        tracing::warn!(sid = %c.sid, "call without a readable date_created; skipped");
        return Ok(None);
    };
    let sid = c.sid.as_str();
    let parent_call_sid = c.parent_call_sid.as_ref().map(|s| s.as_str());
    let status = c.status.as_str();
    let start_time = seconds(c.start_time.as_deref());
    let end_time = seconds(c.end_time.as_deref());
    let duration = number(c.duration.as_deref());
    sqlx::query!("INSERT INTO calls (sid, parent_call_sid, from_number, to_number, status, direction, started_at, ended_at,
                            created_at, duration, price, price_unit, caller_name, answered_by, seen_run)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)
         ON CONFLICT (sid) DO UPDATE SET parent_call_sid = excluded.parent_call_sid, from_number = excluded.from_number,
            to_number = excluded.to_number, status = excluded.status, direction = excluded.direction,
            started_at = excluded.started_at, ended_at = excluded.ended_at, created_at = excluded.created_at,
            duration = excluded.duration, price = excluded.price, price_unit = excluded.price_unit,
            caller_name = excluded.caller_name, answered_by = excluded.answered_by, seen_run = excluded.seen_run", sid, parent_call_sid, c.from, c.to, status, c.direction, start_time, end_time, created, duration, c.price, c.price_unit, c.caller_name, c.answered_by, run)
    .execute(&mut **tx)
    .await?;
    // The caller of voicemails left on this call is searchable. Voicemails are left on
    // inbound calls (the routing's <Record>), so other calls need no look-up.
    if c.direction.as_deref() == Some("inbound") {
        refresh_search_for_call(tx, c.sid.as_str()).await?;
    }
    Ok(Some(created))
}

pub(super) async fn upsert_recording(
    tx: &mut Transaction<'_, Sqlite>,
    r: &Recording,
    run: i64,
) -> Result<Option<i64>, CacheError> {
    let Some(created) = seconds(r.date_created.as_deref()) else {
        tracing::warn!(sid = %r.sid, "recording without a readable date_created; skipped");
        return Ok(None);
    };
    let sid = r.sid.as_str();
    let call_sid = r.call_sid.as_ref().map(|s| s.as_str());
    let duration = number(r.duration.as_deref());
    let channels = r.channels.map(i64::from);
    let error_code = r.error_code.map(i64::from);
    sqlx::query!("INSERT INTO recordings (sid, call_sid, duration, status, source, channels, price, price_unit, created_at, error_code, seen_run)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
         ON CONFLICT (sid) DO UPDATE SET call_sid = excluded.call_sid, duration = excluded.duration,
            status = excluded.status, source = excluded.source, channels = excluded.channels, price = excluded.price,
            price_unit = excluded.price_unit, created_at = excluded.created_at, error_code = excluded.error_code,
            seen_run = excluded.seen_run", sid, call_sid, duration, r.status, r.source, channels, r.price, r.price_unit, created, error_code, run)
    .execute(&mut **tx)
    .await?;
    refresh_search(tx, r.sid.as_str()).await?;
    Ok(Some(created))
}

pub(super) async fn upsert_transcription(
    tx: &mut Transaction<'_, Sqlite>,
    t: &Transcription,
    run: i64,
) -> Result<Option<i64>, CacheError> {
    let Some(created) = seconds(t.date_created.as_deref()) else {
        tracing::warn!(sid = %t.sid, "transcription without a readable date_created; skipped");
        return Ok(None);
    };
    let sid = t.sid.as_str();
    let recording_sid = t.recording_sid.as_ref().map(|s| s.as_str());
    let duration = number(t.duration.as_deref());
    sqlx::query!("INSERT INTO transcriptions (sid, recording_sid, status, text, duration, price, created_at, seen_run)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT (sid) DO UPDATE SET recording_sid = excluded.recording_sid, status = excluded.status,
            text = excluded.text, duration = excluded.duration, price = excluded.price,
            created_at = excluded.created_at, seen_run = excluded.seen_run", sid, recording_sid, t.status, t.transcription_text, duration, t.price, created, run)
    .execute(&mut **tx)
    .await?;
    if let Some(rec) = &t.recording_sid {
        refresh_search(tx, rec.as_str()).await?;
    }
    Ok(Some(created))
}

/// Rewrites the search row of the voicemail recorded as `recording_sid` (if it is one).
async fn refresh_search(
    tx: &mut Transaction<'_, Sqlite>,
    recording_sid: &str,
) -> Result<(), CacheError> {
    let old: Option<Option<i64>> = sqlx::query_scalar!(
        "SELECT search_key FROM recordings WHERE sid = ?1",
        recording_sid
    )
    .fetch_optional(&mut **tx)
    .await?;
    if let Some(Some(key)) = old {
        sqlx::query!("DELETE FROM voicemail_search WHERE rowid = ?1", key)
            .execute(&mut **tx)
            .await?;
        sqlx::query!(
            "UPDATE recordings SET search_key = NULL WHERE sid = ?1",
            recording_sid
        )
        .execute(&mut **tx)
        .await?;
    }
    let row = sqlx::query!(
        r#"SELECT created_at AS "created_at!: i64", transcript, caller
           FROM voicemails WHERE recording_sid = ?1"#,
        recording_sid
    )
    .fetch_optional(&mut **tx)
    .await?;
    let Some(row) = row else {
        return Ok(());
    };
    let (created_at, transcript, caller) = (row.created_at, row.transcript, row.caller);
    // created_at * 4096 + 12 bits from the SID; on the rare clash, the next free key.
    let low = recording_sid
        .bytes()
        .fold(0u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)))
        & 0xFFF;
    let mut key = created_at * 4096 + i64::from(low);
    while sqlx::query_scalar!("SELECT 1 FROM voicemail_search WHERE rowid = ?1", key)
        .fetch_optional(&mut **tx)
        .await?
        .is_some()
    {
        key += 1;
    }
    let transcript = transcript.unwrap_or_default();
    let caller = caller.as_deref().map(caller_terms).unwrap_or_default();
    sqlx::query!(
        "INSERT INTO voicemail_search (rowid, transcript, caller) VALUES (?1, ?2, ?3)",
        key,
        transcript,
        caller
    )
    .execute(&mut **tx)
    .await?;
    sqlx::query!(
        "UPDATE recordings SET search_key = ?1 WHERE sid = ?2",
        key,
        recording_sid
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
    if let Ok(number) = phonenumber::parse(None, caller) {
        let national = number.national().value().to_string();
        if national.len() > 7 {
            terms.push(national[national.len() - 7..].to_owned());
        }
        terms.push(national);
    }
    terms.join(" ")
}

async fn refresh_search_for_call(
    tx: &mut Transaction<'_, Sqlite>,
    call_sid: &str,
) -> Result<(), CacheError> {
    let recordings: Vec<String> = sqlx::query_scalar!(
        "SELECT sid FROM recordings WHERE call_sid = ?1 AND source = 'RecordVerb'",
        call_sid
    )
    .fetch_all(&mut **tx)
    .await?;
    for sid in recordings {
        refresh_search(tx, &sid).await?;
    }
    Ok(())
}
