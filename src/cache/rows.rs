//! Writing Twilio's rows into the cache: each call, recording and transcription upserted by
//! SID, and the voicemails they touch marked for the search index ([`super::search`]). The sync loop
//! ([`super::sync`]) calls these inside the transaction of the page they came on.

use sqlx::{Sqlite, Transaction};

use super::CacheError;
use super::search::search_pending;
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

    /// Leaves out the calls made before `floor` (the retention policy's local call log), so
    /// they are not written; the page's date range stays what Twilio sent.
    pub(super) fn drop_calls_before(&mut self, floor: i64) {
        let before = self.calls.len();
        self.calls.retain(|(created, _)| *created >= floor);
        let dropped = u32::try_from(before - self.calls.len()).unwrap_or(u32::MAX);
        self.written.stored = self.written.stored.saturating_sub(dropped);
    }

    /// Writes the page inside the page's transaction, set-based: one multi-row upsert per
    /// resource (the page travels as one JSON array that SQLite's `json_each` unpacks), and
    /// the voicemails it touched marked for the search index
    /// ([`super::search::refresh_pending_search`]).
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
pub(super) fn json(value: &impl serde::Serialize) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::Cache;
    use crate::cache::search::refresh_pending_search;

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
