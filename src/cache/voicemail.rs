//! Reading the cache: the voicemail inbox, transcript search, one voicemail, the call log.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::{Cache, CacheError};

/// A voicemail as the inbox shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Voicemail {
    /// The recording.
    pub recording_sid: String,
    /// The call it was left on.
    pub call_sid: Option<String>,
    /// Who called (E.164, or `client:…`), once the call is synced.
    pub caller: Option<String>,
    /// The caller's number formatted for people: nationally when it is of the called
    /// number's country, internationally otherwise.
    pub caller_display: Option<String>,
    /// Caller ID name, when Twilio looked it up.
    pub caller_name: Option<String>,
    /// The number that was called.
    pub called: Option<String>,
    /// When it was left, Unix seconds.
    #[ts(type = "number")]
    pub created_at: i64,
    /// Length in seconds.
    #[ts(type = "number | null")]
    pub duration: Option<i64>,
    /// `completed`, or `processing` while Twilio prepares the audio.
    pub recording_status: Option<String>,
    /// The transcription, when there is one.
    pub transcription_sid: Option<String>,
    /// `in-progress`, `completed`, `failed`, or `null` for none.
    pub transcription_status: Option<String>,
    /// The transcript text.
    pub transcript: Option<String>,
    /// `unread`, `read`, `archived` or `deleted`.
    pub state: String,
    /// Where the audio is cached, once downloaded.
    pub audio_path: Option<String>,
    /// The S3 key of its archived copy, once uploaded and verified.
    pub archive_key: Option<String>,
}

/// Which voicemails to list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum VoicemailFilter {
    /// Unread and read (not archived or deleted).
    #[default]
    All,
    /// Unread only.
    Unread,
    /// Archived only.
    Archived,
}

impl Cache {
    /// Voicemails newest first: `limit` of them, starting after the keyset position `before`
    /// (`created_at`, `recording_sid`) of the last row of the previous page.
    ///
    /// # Errors
    /// Storage errors.
    pub async fn voicemails(
        &self,
        filter: VoicemailFilter,
        limit: u32,
        before: Option<(i64, String)>,
    ) -> Result<Vec<Voicemail>, CacheError> {
        // Two slots so every filter is one prepared, compile-time checked statement.
        let (first, second) = match filter {
            VoicemailFilter::All => ("unread", "read"),
            VoicemailFilter::Unread => ("unread", "unread"),
            VoicemailFilter::Archived => ("archived", "archived"),
        };
        let (at, sid) = match before {
            Some((at, sid)) => (at, sid),
            None => (i64::MAX, "\u{10FFFF}".to_owned()),
        };
        let limit = i64::from(limit);
        let rows = sqlx::query_as!(
            Voicemail,
            r#"SELECT recording_sid AS "recording_sid!", call_sid, caller, NULL AS "caller_display: String", caller_name, called,
                created_at AS "created_at!: i64", duration, recording_status, transcription_sid,
                transcription_status, transcript, state AS "state!: String", audio_path, archive_key
               FROM voicemails WHERE state IN (?1, ?2)
               AND (created_at < ?3 OR (created_at = ?3 AND recording_sid < ?4))
               ORDER BY created_at DESC, recording_sid DESC LIMIT ?5"#,
            first,
            second,
            at,
            sid,
            limit
        )
        .fetch_all(self.pool())
        .await?;
        self.displayed(rows).await
    }

    /// Unread voicemails left after `after` (Unix seconds), newest first, at most `limit`.
    ///
    /// # Errors
    /// Storage errors.
    pub async fn unread_since(&self, after: i64, limit: u32) -> Result<Vec<Voicemail>, CacheError> {
        let limit = i64::from(limit);
        let rows = sqlx::query_as!(
            Voicemail,
            r#"SELECT recording_sid AS "recording_sid!", call_sid, caller, NULL AS "caller_display: String", caller_name, called,
                created_at AS "created_at!: i64", duration, recording_status, transcription_sid,
                transcription_status, transcript, state AS "state!: String", audio_path, archive_key
               FROM voicemails WHERE state = 'unread' AND created_at > ?1
               ORDER BY created_at DESC, recording_sid DESC LIMIT ?2"#,
            after,
            limit
        )
        .fetch_all(self.pool())
        .await?;
        self.displayed(rows).await
    }

    /// When the newest voicemail was left (Unix seconds), if there is one.
    ///
    /// # Errors
    /// Storage errors.
    pub async fn newest_voicemail_at(&self) -> Result<Option<i64>, CacheError> {
        Ok(
            sqlx::query_scalar!(r#"SELECT max(created_at) AS "newest: i64" FROM voicemails"#)
                .fetch_one(self.pool())
                .await?,
        )
    }

    /// How many voicemails are unread.
    ///
    /// # Errors
    /// Storage errors.
    pub async fn unread_count(&self) -> Result<i64, CacheError> {
        Ok(
            sqlx::query_scalar!("SELECT count(*) FROM voicemails WHERE state = 'unread'")
                .fetch_one(self.pool())
                .await?,
        )
    }

    /// Voicemails whose transcript or caller matches every word of `query` (words match as
    /// prefixes, so results come while typing), newest first, as a mail client lists them.
    ///
    /// # Errors
    /// Storage errors.
    pub async fn search_voicemails(
        &self,
        query: &str,
        limit: u32,
    ) -> Result<Vec<Voicemail>, CacheError> {
        let Some(fts) = fts_query(query) else {
            return Ok(Vec::new());
        };
        let limit = i64::from(limit);
        let rows = sqlx::query_as!(
            Voicemail,
            r#"SELECT v.recording_sid AS "recording_sid!", v.call_sid, v.caller, NULL AS "caller_display: String", v.caller_name, v.called,
                v.created_at AS "created_at!: i64", v.duration, v.recording_status, v.transcription_sid,
                v.transcription_status, v.transcript, v.state AS "state!: String", v.audio_path, v.archive_key
               FROM (SELECT rowid AS key FROM voicemail_search WHERE voicemail_search MATCH ?1
                     ORDER BY rowid DESC LIMIT ?2) m
               JOIN recordings r ON r.search_key = m.key
               JOIN voicemails v ON v.recording_sid = r.sid
               WHERE v.state <> 'deleted'
               ORDER BY m.key DESC"#,
            fts,
            limit
        )
        .fetch_all(self.pool())
        .await?;
        self.displayed(rows).await
    }

    /// One voicemail by its recording SID.
    ///
    /// # Errors
    /// Storage errors.
    pub async fn voicemail(&self, recording_sid: &str) -> Result<Option<Voicemail>, CacheError> {
        let sid = recording_sid.trim();
        let rows = sqlx::query_as!(
            Voicemail,
            r#"SELECT recording_sid AS "recording_sid!", call_sid, caller, NULL AS "caller_display: String", caller_name, called,
                created_at AS "created_at!: i64", duration, recording_status, transcription_sid,
                transcription_status, transcript, state AS "state!: String", audio_path, archive_key
               FROM voicemails WHERE recording_sid = ?1"#,
            sid
        )
        .fetch_optional(self.pool())
        .await?;
        Ok(self.displayed(rows.into_iter().collect()).await?.pop())
    }

    /// Cached calls newest first, as Twilio's wire model.
    ///
    /// # Errors
    /// Storage errors.
    pub async fn cached_calls(&self, limit: u32) -> Result<Vec<CachedCall>, CacheError> {
        let limit = i64::from(limit);
        let mut rows = sqlx::query_as!(
            CachedCall,
            r#"SELECT sid, from_number, to_number, NULL AS "from_display: String", NULL AS "to_display: String",
                status, direction, started_at, created_at, duration, price, price_unit
               FROM calls ORDER BY created_at DESC, sid DESC LIMIT ?1"#,
            limit
        )
        .fetch_all(self.pool())
        .await?;
        // Formatted as people read them, from the kept forms (no libphonenumber load).
        let numbers = rows
            .iter()
            .flat_map(|c| [c.from_number.as_deref(), c.to_number.as_deref()])
            .flatten()
            .map(|n| (n, None));
        let shown = self.displays(numbers.collect::<Vec<_>>()).await?;
        let display = |n: &Option<String>| {
            n.as_ref()
                .and_then(|n| shown.get(&(n.clone(), String::new())).cloned())
        };
        for call in &mut rows {
            call.from_display = display(&call.from_number);
            call.to_display = display(&call.to_number);
        }
        Ok(rows)
    }

    /// When each resource last finished syncing (Unix seconds), oldest first; `None` when one
    /// never has.
    ///
    /// # Errors
    /// Storage errors.
    pub async fn last_synced(&self) -> Result<Option<i64>, CacheError> {
        let rows: Vec<Option<i64>> = sqlx::query_scalar!("SELECT finished_at FROM sync_state")
            .fetch_all(self.pool())
            .await?;
        if rows.len() < 3 || rows.iter().any(Option::is_none) {
            return Ok(None);
        }
        Ok(rows.into_iter().flatten().min())
    }
}

/// A call in the cache.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct CachedCall {
    /// The call.
    pub sid: String,
    /// Caller.
    pub from_number: Option<String>,
    /// Callee.
    pub to_number: Option<String>,
    /// The caller as people read it.
    pub from_display: Option<String>,
    /// The callee as people read it.
    pub to_display: Option<String>,
    /// Final or current state.
    pub status: String,
    /// `inbound`, `outbound-api`, `outbound-dial`.
    pub direction: Option<String>,
    /// When it started, Unix seconds.
    #[ts(type = "number | null")]
    pub started_at: Option<i64>,
    /// When Twilio created it, Unix seconds.
    #[ts(type = "number")]
    pub created_at: i64,
    /// Seconds.
    #[ts(type = "number | null")]
    pub duration: Option<i64>,
    /// Cost.
    pub price: Option<String>,
    /// Currency of `price`.
    pub price_unit: Option<String>,
}

impl Cache {
    /// Fills in each voicemail's caller as people read it, beside the number it called.
    async fn displayed(&self, mut rows: Vec<Voicemail>) -> Result<Vec<Voicemail>, CacheError> {
        let shown = self
            .displays(
                rows.iter()
                    .filter_map(|v| v.caller.as_deref().map(|c| (c, v.called.as_deref()))),
            )
            .await?;
        for v in &mut rows {
            if let Some(caller) = &v.caller {
                let key = (caller.clone(), v.called.clone().unwrap_or_default());
                v.caller_display = shown.get(&key).cloned();
            }
        }
        Ok(rows)
    }
}

/// Turns what the user typed into an FTS5 query: each word (letters and digits only, so no
/// FTS syntax gets through) as a quoted prefix, all required.
fn fts_query(input: &str) -> Option<String> {
    let words: Vec<String> = input
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(16)
        .map(|w| format!("\"{w}\"*"))
        .collect();
    (!words.is_empty()).then(|| words.join(" "))
}

#[cfg(test)]
mod tests {
    use super::fts_query;

    #[test]
    fn typed_text_becomes_a_safe_prefix_query() {
        assert_eq!(
            fts_query("call me back").as_deref(),
            Some("\"call\"* \"me\"* \"back\"*")
        );
        assert_eq!(
            fts_query("+1 (415) 867").as_deref(),
            Some("\"1\"* \"415\"* \"867\"*")
        );
        assert_eq!(
            fts_query("\" OR NEAR( *").as_deref(),
            Some("\"OR\"* \"NEAR\"*")
        );
        assert_eq!(fts_query("  --- "), None);
    }
}
