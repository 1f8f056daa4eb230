//! Numbers formatted for people, remembered in the cache.
//!
//! [`crate::e164::format_beside`] needs libphonenumber's metadata, which takes 86 to 97 ms to
//! load on first use (measured on the 2-core machine): most of `switchboard voicemail list` as a
//! whole process, and a wait before the app's first inbox page. Each (number, beside) pair is
//! formatted once and kept (`number_display`), so later processes find it without the load.

use std::collections::HashMap;

use super::{Cache, CacheError};

/// A number and the number of ours beside which it is shown (`""` for none).
type Pair = (String, String);

impl Cache {
    /// Each of `pairs` formatted as [`crate::e164::format_beside`] does, from the cache where
    /// formatted before. New forms are kept for next time; a failure to keep them (a full or
    /// read-only disk) costs only the time, and is logged.
    ///
    /// # Errors
    /// Storage errors reading the kept forms.
    pub(super) async fn displays(
        &self,
        pairs: impl IntoIterator<Item = (&str, Option<&str>)>,
    ) -> Result<HashMap<Pair, String>, CacheError> {
        let mut wanted: Vec<Pair> = pairs
            .into_iter()
            .map(|(number, beside)| (number.to_owned(), beside.unwrap_or_default().to_owned()))
            .collect();
        wanted.sort_unstable();
        wanted.dedup();
        if wanted.is_empty() {
            return Ok(HashMap::new());
        }
        let keys = super::rows::json(&wanted);
        let mut known: HashMap<Pair, String> = sqlx::query!(
            r#"SELECT number AS "number!: String", beside AS "beside!: String", display AS "display!: String"
               FROM number_display WHERE (number, beside) IN (SELECT value->>0, value->>1 FROM json_each(?1))"#,
            keys
        )
        .fetch_all(self.pool())
        .await?
        .into_iter()
        .map(|r| ((r.number, r.beside), r.display))
        .collect();
        let fresh: Vec<(String, String, String)> = wanted
            .into_iter()
            .filter(|pair| !known.contains_key(pair))
            .map(|(number, beside)| {
                let ours = (!beside.is_empty()).then_some(beside.as_str());
                let display = crate::e164::format_beside(&number, ours);
                (number, beside, display)
            })
            .collect();
        if !fresh.is_empty() {
            let rows = super::rows::json(&fresh);
            if let Err(err) = sqlx::query!(
                "INSERT OR IGNORE INTO number_display (number, beside, display)
                 SELECT value->>0, value->>1, value->>2 FROM json_each(?1)",
                rows
            )
            .execute(self.pool())
            .await
            {
                tracing::warn!(error = %err, "formatted numbers not kept; they will be formatted again");
            }
            known.extend(
                fresh
                    .into_iter()
                    .map(|(number, beside, display)| ((number, beside), display)),
            );
        }
        Ok(known)
    }
}

#[cfg(test)]
mod tests {
    use crate::cache::Cache;

    #[tokio::test]
    async fn a_number_is_formatted_once_and_read_back_after() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::open(&dir.path().join("c.db")).await.unwrap();
        let pairs = [
            ("+14155550101", Some("+14158675309")),
            ("+442071838750", Some("+14158675309")),
            ("+14155550101", None),
            ("client:alice", None),
        ];
        let shown = cache.displays(pairs).await.unwrap();
        let get = |n: &str, b: &str| shown[&(n.to_owned(), b.to_owned())].clone();
        assert_eq!(get("+14155550101", "+14158675309"), "(415) 555-0101");
        assert_eq!(get("+442071838750", "+14158675309"), "+44 20 7183 8750");
        assert_eq!(get("+14155550101", ""), "+1 415-555-0101");
        assert_eq!(get("client:alice", ""), "client:alice");

        // The kept form is what a later call reads, without formatting again.
        sqlx::query("UPDATE number_display SET display = 'kept' WHERE number = '+14155550101'")
            .execute(cache.pool())
            .await
            .unwrap();
        let shown = cache.displays(pairs).await.unwrap();
        assert_eq!(shown[&("+14155550101".to_owned(), String::new())], "kept");
        assert_eq!(shown.len(), 4);
    }
}
