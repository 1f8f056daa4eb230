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

/// What writing a page stored.
#[derive(Debug, Default)]
pub(super) struct Written {
    /// Rows inserted or updated.
    pub stored: u32,
    /// Rows that could not be read (or had no readable creation date) and were skipped.
    pub skipped: u32,
    /// The oldest creation date among the stored rows.
    pub oldest: Option<i64>,
    /// The newest creation date among the stored rows.
    pub newest: Option<i64>,
}

impl Written {
    fn keep(&mut self, created: i64) {
        self.stored += 1;
        self.oldest = Some(self.oldest.map_or(created, |o| o.min(created)));
        self.newest = Some(self.newest.map_or(created, |n| n.max(created)));
    }

    fn skip(&mut self, resource: &str, sid: &str) {
        tracing::warn!(
            resource,
            sid,
            "row without a readable date_created; skipped"
        );
        self.skipped += 1;
    }
}

/// A page of rows sorted by resource, each with its creation date, ready to be written.
#[derive(Default)]
pub(super) struct PageRows {
    calls: Vec<(i64, Call)>,
    recordings: Vec<(i64, Recording)>,
    transcriptions: Vec<(i64, Transcription)>,
    /// What the page holds: rows to store and rows skipped, and their date range.
    pub written: Written,
}

impl PageRows {
    /// Sorts a page's rows, setting aside (and counting) those that cannot be read or have no
    /// readable creation date. Nothing is written yet, so the sync knows the page's date range
    /// (whether it reached rows already stored) before its transaction starts.
    pub(super) fn sort(rows: Vec<Result<Row, crate::twilio::TwilioError>>) -> Self {
        let mut page = Self::default();
        let written = &mut page.written;
        for row in rows {
            match row {
                Ok(Row::Call(c)) => match seconds(c.date_created.as_deref()) {
                    Some(created) => {
                        written.keep(created);
                        page.calls.push((created, c));
                    }
                    None => written.skip("calls", c.sid.as_str()),
                },
                Ok(Row::Recording(r)) => match seconds(r.date_created.as_deref()) {
                    Some(created) => {
                        written.keep(created);
                        page.recordings.push((created, r));
                    }
                    None => written.skip("recordings", r.sid.as_str()),
                },
                Ok(Row::Transcription(t)) => match seconds(t.date_created.as_deref()) {
                    Some(created) => {
                        written.keep(created);
                        page.transcriptions.push((created, t));
                    }
                    None => written.skip("transcriptions", t.sid.as_str()),
                },
                Err(err) => {
                    tracing::warn!(error = %err, "skipping a row that cannot be read");
                    written.skipped += 1;
                }
            }
        }
        page
    }

    /// Writes the page inside the page's transaction, set-based: one multi-row upsert per
    /// resource (the page travels as one JSON array that SQLite's `json_each` unpacks), and
    /// the voicemails it touched marked for the search index ([`refresh_pending_search`]).
    /// A page costs a handful of statements whatever its size; row by row it cost 5 to 8 per
    /// row.
    pub(super) async fn write(
        &self,
        tx: &mut Transaction<'_, Sqlite>,
        run: i64,
    ) -> Result<(), CacheError> {
        let Self {
            calls,
            recordings,
            transcriptions,
            ..
        } = self;
        if !calls.is_empty() {
            upsert_calls(tx, calls, run).await?;
            // The caller of voicemails left on these calls is searchable. Voicemails are left on
            // inbound calls (the routing's <Record>), so other calls need no look-up.
            let inbound: Vec<&str> = calls
                .iter()
                .filter(|(_, c)| c.direction.as_deref() == Some("inbound"))
                .map(|(_, c)| c.sid.as_str())
                .collect();
            if !inbound.is_empty() {
                let inbound = json(&inbound);
                sqlx::query!(
                    "INSERT OR IGNORE INTO search_pending (recording_sid)
                     SELECT sid FROM recordings WHERE source = 'RecordVerb'
                     AND call_sid IN (SELECT value FROM json_each(?1))",
                    inbound
                )
                .execute(&mut **tx)
                .await?;
            }
        }
        if !recordings.is_empty() {
            upsert_recordings(tx, recordings, run).await?;
            let sids: Vec<&str> = recordings.iter().map(|(_, r)| r.sid.as_str()).collect();
            search_pending(tx, &sids).await?;
        }
        if !transcriptions.is_empty() {
            upsert_transcriptions(tx, transcriptions, run).await?;
            let sids: Vec<&str> = transcriptions
                .iter()
                .filter_map(|(_, t)| t.recording_sid.as_ref().map(|s| s.as_str()))
                .collect();
            search_pending(tx, &sids).await?;
        }
        Ok(())
    }
}

/// A page's values as the JSON that `json_each` unpacks. Strings, numbers and nulls always
/// encode, so this cannot fail.
fn json(value: &impl serde::Serialize) -> String {
    serde_json::to_string(value).expect("strings, numbers and nulls encode as JSON")
}

async fn upsert_calls(
    tx: &mut Transaction<'_, Sqlite>,
    calls: &[(i64, Call)],
    run: i64,
) -> Result<(), CacheError> {
    let page: Vec<_> = calls
        .iter()
        .map(|(created, c)| {
            (
                c.sid.as_str(),
                c.parent_call_sid.as_ref().map(|s| s.as_str()),
                c.from.as_deref(),
                c.to.as_deref(),
                c.status.as_str(),
                c.direction.as_deref(),
                seconds(c.start_time.as_deref()),
                seconds(c.end_time.as_deref()),
                created,
                number(c.duration.as_deref()),
                c.price.as_deref(),
                c.price_unit.as_deref(),
                c.caller_name.as_deref(),
                c.answered_by.as_deref(),
            )
        })
        .collect();
    let page = json(&page);
    sqlx::query!("INSERT INTO calls (sid, parent_call_sid, from_number, to_number, status, direction, started_at, ended_at,
                            created_at, duration, price, price_unit, caller_name, answered_by, seen_run)
         SELECT value->>0, value->>1, value->>2, value->>3, value->>4, value->>5, value->>6, value->>7,
                value->>8, value->>9, value->>10, value->>11, value->>12, value->>13, ?2
         FROM json_each(?1) WHERE true
         ON CONFLICT (sid) DO UPDATE SET parent_call_sid = excluded.parent_call_sid, from_number = excluded.from_number,
            to_number = excluded.to_number, status = excluded.status, direction = excluded.direction,
            started_at = excluded.started_at, ended_at = excluded.ended_at, created_at = excluded.created_at,
            duration = excluded.duration, price = excluded.price, price_unit = excluded.price_unit,
            caller_name = excluded.caller_name, answered_by = excluded.answered_by, seen_run = excluded.seen_run", page, run)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn upsert_recordings(
    tx: &mut Transaction<'_, Sqlite>,
    recordings: &[(i64, Recording)],
    run: i64,
) -> Result<(), CacheError> {
    let page: Vec<_> = recordings
        .iter()
        .map(|(created, r)| {
            (
                r.sid.as_str(),
                r.call_sid.as_ref().map(|s| s.as_str()),
                number(r.duration.as_deref()),
                r.status.as_deref(),
                r.source.as_deref(),
                r.channels,
                r.price.as_deref(),
                r.price_unit.as_deref(),
                created,
                r.error_code,
            )
        })
        .collect();
    let page = json(&page);
    sqlx::query!("INSERT INTO recordings (sid, call_sid, duration, status, source, channels, price, price_unit, created_at, error_code, seen_run)
         SELECT value->>0, value->>1, value->>2, value->>3, value->>4, value->>5, value->>6, value->>7, value->>8, value->>9, ?2
         FROM json_each(?1) WHERE true
         ON CONFLICT (sid) DO UPDATE SET call_sid = excluded.call_sid, duration = excluded.duration,
            status = excluded.status, source = excluded.source, channels = excluded.channels, price = excluded.price,
            price_unit = excluded.price_unit, created_at = excluded.created_at, error_code = excluded.error_code,
            seen_run = excluded.seen_run", page, run)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn upsert_transcriptions(
    tx: &mut Transaction<'_, Sqlite>,
    transcriptions: &[(i64, Transcription)],
    run: i64,
) -> Result<(), CacheError> {
    let page: Vec<_> = transcriptions
        .iter()
        .map(|(created, t)| {
            (
                t.sid.as_str(),
                t.recording_sid.as_ref().map(|s| s.as_str()),
                t.status.as_deref(),
                t.transcription_text.as_deref(),
                number(t.duration.as_deref()),
                t.price.as_deref(),
                created,
            )
        })
        .collect();
    let page = json(&page);
    sqlx::query!("INSERT INTO transcriptions (sid, recording_sid, status, text, duration, price, created_at, seen_run)
         SELECT value->>0, value->>1, value->>2, value->>3, value->>4, value->>5, value->>6, ?2
         FROM json_each(?1) WHERE true
         ON CONFLICT (sid) DO UPDATE SET recording_sid = excluded.recording_sid, status = excluded.status,
            text = excluded.text, duration = excluded.duration, price = excluded.price,
            created_at = excluded.created_at, seen_run = excluded.seen_run", page, run)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Marks the search rows of `recording_sids` out of date (those that are voicemails are
/// rewritten by [`refresh_pending_search`]).
async fn search_pending(
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
async fn refresh_search(
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
    use crate::cache::Cache;

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

    fn low_bits(sid: &str) -> u32 {
        sid.bytes()
            .fold(0u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)))
            & 0xFFF
    }

    fn call(sid: &str, from: &str) -> Row {
        Row::Call(
            serde_json::from_value(serde_json::json!({
                "sid": sid, "account_sid": "AC00000000000000000000000000000000",
                "from": from, "to": "+14158675309", "status": "completed",
                "direction": "inbound", "date_created": "Tue, 01 Dec 2026 10:00:00 +0000",
            }))
            .unwrap(),
        )
    }

    fn recording(sid: &str, call: &str) -> Row {
        Row::Recording(
            serde_json::from_value(serde_json::json!({
                "sid": sid, "account_sid": "AC00000000000000000000000000000000",
                "call_sid": call, "status": "completed", "source": "RecordVerb",
                "duration": "12", "date_created": "Tue, 01 Dec 2026 10:00:30 +0000",
            }))
            .unwrap(),
        )
    }

    fn transcription(sid: &str, recording: &str, text: &str) -> Row {
        Row::Transcription(
            serde_json::from_value(serde_json::json!({
                "sid": sid, "account_sid": "AC00000000000000000000000000000000",
                "recording_sid": recording, "status": "completed",
                "transcription_text": text, "date_created": "Tue, 01 Dec 2026 10:00:40 +0000",
            }))
            .unwrap(),
        )
    }

    /// Writes a page as the sync does: the page in its transaction, then the search rows.
    async fn write(cache: &Cache, rows: Vec<Row>) -> Written {
        let mut tx = cache.pool().begin().await.unwrap();
        let page = PageRows::sort(rows.into_iter().map(Ok).collect());
        page.write(&mut tx, 1).await.unwrap();
        tx.commit().await.unwrap();
        refresh_pending_search(cache.pool()).await.unwrap();
        page.written
    }

    async fn index_rows(cache: &Cache) -> i64 {
        sqlx::query_scalar("SELECT count(*) FROM voicemail_search")
            .fetch_one(cache.pool())
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn pages_in_any_order_leave_one_search_row_per_voicemail_with_distinct_keys() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::open(&dir.path().join("c.db")).await.unwrap();
        // Two voicemails created in the same second whose SIDs give the same low 12 bits of
        // the search key: the second must move to the next free key.
        let first = format!("RE{:032x}", 1);
        let clash = (2u64..)
            .map(|n| format!("RE{n:032x}"))
            .find(|sid| low_bits(sid) == low_bits(&first))
            .unwrap();
        let calls = [format!("CA{:032x}", 1), format!("CA{:032x}", 2)];

        // Recordings and transcripts arrive before the calls that left them (a resumed sync
        // can do that): searchable by transcript at once, by caller once the call is in.
        let written = write(
            &cache,
            vec![recording(&first, &calls[0]), recording(&clash, &calls[1])],
        )
        .await;
        assert_eq!((written.stored, written.skipped), (2, 0));
        write(
            &cache,
            vec![
                transcription(
                    &format!("TR{:032x}", 1),
                    &first,
                    "the boiler in the basement",
                ),
                transcription(
                    &format!("TR{:032x}", 2),
                    &clash,
                    "an invoice for the basement",
                ),
            ],
        )
        .await;
        assert_eq!(index_rows(&cache).await, 2);
        assert_eq!(
            cache.search_voicemails("basement", 10).await.unwrap().len(),
            2
        );
        assert!(
            cache
                .search_voicemails("8675301", 10)
                .await
                .unwrap()
                .is_empty()
        );
        write(
            &cache,
            vec![
                call(&calls[0], "+14155550101"),
                call(&calls[1], "+14155550102"),
            ],
        )
        .await;
        let by_caller = cache.search_voicemails("5550102", 10).await.unwrap();
        assert_eq!(by_caller.len(), 1);
        assert_eq!(by_caller[0].recording_sid.as_str(), clash);

        // Writing the same pages again (the overlap of every resync) adds nothing.
        write(
            &cache,
            vec![recording(&first, &calls[0]), recording(&clash, &calls[1])],
        )
        .await;
        write(&cache, vec![call(&calls[0], "+14155550101")]).await;
        assert_eq!(index_rows(&cache).await, 2);
        let keys: Vec<i64> =
            sqlx::query_scalar("SELECT search_key FROM recordings ORDER BY search_key")
                .fetch_all(cache.pool())
                .await
                .unwrap();
        assert_eq!(keys.len(), 2);
        assert_eq!(
            keys[1],
            keys[0] + 1,
            "the clashing key moved to the next one"
        );
        assert_eq!(
            cache.search_voicemails("boiler", 10).await.unwrap()[0]
                .recording_sid
                .as_str(),
            first
        );
    }

    #[tokio::test]
    async fn rows_without_a_readable_date_are_skipped_and_counted() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::open(&dir.path().join("c.db")).await.unwrap();
        let Row::Call(mut undated) = call(&format!("CA{:032x}", 9), "+14155550109") else {
            unreachable!()
        };
        undated.date_created = Some("yesterday".into());
        let written = write(
            &cache,
            vec![
                Row::Call(undated),
                call(&format!("CA{:032x}", 8), "+14155550108"),
            ],
        )
        .await;
        assert_eq!((written.stored, written.skipped), (1, 1));
        assert_eq!(written.oldest, written.newest);
        assert!(written.oldest.is_some());
    }
}
