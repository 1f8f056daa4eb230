//! Greetings kept in the app database, per account.

use serde::Serialize;
use ts_rs::TS;

use super::{Greeting, GreetingKind, Pronunciation, Say, Window, problem, zone};
use crate::db::{Db, DbError};
use crate::error::{Code, Error};
use crate::sid::AccountSid;

/// A stored greeting, as listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct GreetingRow {
    /// The user's name for it, unique per account.
    pub name: String,
    /// Whether the routing may play it.
    pub active: bool,
    /// The greeting itself.
    pub greeting: Greeting,
}

/// A greeting to add.
#[derive(Debug, Clone)]
pub struct NewGreeting {
    /// Its name.
    pub name: String,
    /// When it plays.
    pub kind: GreetingKind,
    /// Text to speech (audio greetings are published from a recording or a file).
    pub say: Say,
    /// Opening hours, for after-hours greetings.
    pub open: Option<Vec<Window>>,
    /// First and last local dates, for holidays.
    pub dates: Option<(String, String)>,
    /// Recorded audio, published (its public URL); then `say` may be empty.
    pub url: Option<String>,
    /// The id to give it (recorded audio is uploaded under its id first); a new one when `None`.
    pub id: Option<String>,
}

/// A new greeting id.
pub fn greeting_id(name: &str) -> String {
    new_id(name)
}

/// The voices Twilio's `<Say>` takes: Amazon Polly (`Polly.Name`, `Polly.Name-Neural`,
/// `Polly.Name-Generative`), Google (`Google.lang-Variant`), or the basic `man`, `woman`, `alice`.
pub fn check_voice(voice: &str) -> Result<(), String> {
    let ok = matches!(voice, "man" | "woman" | "alice")
        || voice
            .strip_prefix("Polly.")
            .or_else(|| voice.strip_prefix("Google."))
            .is_some_and(|rest| {
                !rest.is_empty() && rest.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            });
    if ok {
        Ok(())
    } else {
        Err(format!(
            "Voice: {voice:?} is not a voice Twilio speaks with; use an Amazon Polly voice such as Polly.Joanna-Neural."
        ))
    }
}

fn invalid(message: impl Into<String>) -> Error {
    Error::new(Code::InvalidInput, message)
}

fn new_id(name: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in name.bytes().chain(nanos.to_le_bytes()) {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    format!("g{h:016x}")
}

struct Row {
    id: String,
    name: String,
    kind: String,
    say_text: Option<String>,
    voice: Option<String>,
    language: Option<String>,
    audio_url: Option<String>,
    open_hours: Option<String>,
    holiday_from: Option<String>,
    holiday_to: Option<String>,
    active: i64,
}

impl Row {
    fn into_greeting(self) -> Result<GreetingRow, DbError> {
        let corrupt = |detail: String| DbError::Corrupt {
            what: "greeting",
            detail,
        };
        let kind = match self.kind.as_str() {
            "default" => GreetingKind::Default,
            "after_hours" => GreetingKind::AfterHours,
            "holiday" => GreetingKind::Holiday,
            other => return Err(corrupt(format!("unknown kind {other}"))),
        };
        let open = self
            .open_hours
            .as_deref()
            .map(serde_json::from_str::<Vec<Window>>)
            .transpose()
            .map_err(|e| corrupt(e.to_string()))?;
        Ok(GreetingRow {
            name: self.name,
            active: self.active != 0,
            greeting: Greeting {
                id: self.id,
                kind,
                url: self.audio_url,
                say: self.say_text.map(|text| Say {
                    text,
                    voice: self.voice,
                    language: self.language,
                }),
                open,
                from: self.holiday_from,
                to: self.holiday_to,
            },
        })
    }
}

impl Db {
    /// The account's greetings, oldest first (the routing's order).
    ///
    /// # Errors
    /// When the query fails or a row is unreadable.
    pub async fn greetings(&self, account: &AccountSid) -> Result<Vec<GreetingRow>, DbError> {
        let account = account.as_str();
        let rows = sqlx::query_as!(
            Row,
            "SELECT id, name, kind, say_text, voice, language, audio_url, open_hours, holiday_from, holiday_to, active
             FROM greetings WHERE account_sid = ?1 ORDER BY rowid",
            account
        )
        .fetch_all(self.pool())
        .await?;
        rows.into_iter().map(Row::into_greeting).collect()
    }

    /// Adds a text-to-speech greeting after checking it. A new default becomes the active one.
    ///
    /// # Errors
    /// [`Code::InvalidInput`] for a malformed greeting or a name in use; storage errors.
    pub async fn add_greeting(
        &self,
        account: &AccountSid,
        new: &NewGreeting,
    ) -> Result<GreetingRow, Error> {
        let name = new.name.trim();
        if name.is_empty() || name.chars().count() > 64 {
            return Err(invalid("Name: 1 to 64 characters."));
        }
        if let Some(voice) = &new.say.voice {
            check_voice(voice).map_err(invalid)?;
        }
        if let Some(language) = &new.say.language {
            let ok = language.len() == 5 && language.as_bytes()[2] == b'-';
            if !ok {
                return Err(invalid(format!(
                    "Language: {language:?} is not a language tag such as en-US."
                )));
            }
        }
        let recorded = new.url.is_some() && new.say.text.trim().is_empty();
        let greeting = Greeting {
            id: new.id.clone().unwrap_or_else(|| new_id(name)),
            kind: new.kind,
            url: new.url.clone(),
            say: (!recorded).then(|| new.say.clone()),
            open: new.open.clone(),
            from: new.dates.as_ref().map(|d| d.0.clone()),
            to: new.dates.as_ref().map(|d| d.1.clone()),
        };
        if let Some(problem) = problem(&greeting) {
            return Err(invalid(problem));
        }
        let account_sid = account.as_str();
        let kind = match new.kind {
            GreetingKind::Default => "default",
            GreetingKind::AfterHours => "after_hours",
            GreetingKind::Holiday => "holiday",
        };
        let open = greeting
            .open
            .as_ref()
            .map(|o| serde_json::to_string(o).expect("windows serialize"));
        let (say_text, voice, language) = match &greeting.say {
            Some(say) => (
                Some(say.text.clone()),
                say.voice.clone(),
                say.language.clone(),
            ),
            None => (None, None, None),
        };
        let mut tx = self.pool().begin().await.map_err(DbError::from)?;
        if new.kind == GreetingKind::Default {
            sqlx::query!(
                "UPDATE greetings SET active = 0 WHERE account_sid = ?1 AND kind = 'default'",
                account_sid
            )
            .execute(&mut *tx)
            .await
            .map_err(DbError::from)?;
        }
        let inserted = sqlx::query!(
            "INSERT INTO greetings (id, account_sid, name, kind, say_text, voice, language, open_hours, holiday_from, holiday_to, audio_url)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            greeting.id,
            account_sid,
            name,
            kind,
            say_text,
            voice,
            language,
            open,
            greeting.from,
            greeting.to,
            greeting.url
        )
        .execute(&mut *tx)
        .await;
        match inserted {
            Err(sqlx::Error::Database(db)) if db.message().contains("UNIQUE") => {
                return Err(invalid(format!(
                    "Name: a greeting called {name:?} already exists."
                )));
            }
            other => {
                other.map_err(DbError::from)?;
            }
        }
        tx.commit().await.map_err(DbError::from)?;
        Ok(GreetingRow {
            name: name.to_owned(),
            active: true,
            greeting,
        })
    }

    /// The greeting `name`, if there is one.
    ///
    /// # Errors
    /// Storage errors.
    pub async fn greeting(
        &self,
        account: &AccountSid,
        name: &str,
    ) -> Result<Option<GreetingRow>, DbError> {
        Ok(self
            .greetings(account)
            .await?
            .into_iter()
            .find(|g| g.name == name.trim()))
    }

    /// Points the greeting `name` at recorded audio `url`; returns the address it had before.
    ///
    /// # Errors
    /// [`Code::NotFound`] for an unknown name; storage errors.
    pub async fn set_greeting_audio(
        &self,
        account: &AccountSid,
        name: &str,
        url: &str,
    ) -> Result<Option<String>, Error> {
        let account_sid = account.as_str();
        let name = name.trim();
        let mut tx = self.pool().begin().await.map_err(DbError::from)?;
        let old = sqlx::query_scalar!(
            "SELECT audio_url FROM greetings WHERE account_sid = ?1 AND name = ?2",
            account_sid,
            name
        )
        .fetch_optional(&mut *tx)
        .await
        .map_err(DbError::from)?
        .ok_or_else(|| no_greeting(name))?;
        sqlx::query!(
            "UPDATE greetings SET audio_url = ?3 WHERE account_sid = ?1 AND name = ?2",
            account_sid,
            name,
            url
        )
        .execute(&mut *tx)
        .await
        .map_err(DbError::from)?;
        tx.commit().await.map_err(DbError::from)?;
        Ok(old)
    }

    /// Makes the greeting `name` active; for a default, the only active default.
    ///
    /// # Errors
    /// [`Code::NotFound`] for an unknown name; storage errors.
    pub async fn activate_greeting(&self, account: &AccountSid, name: &str) -> Result<(), Error> {
        let account_sid = account.as_str();
        let mut tx = self.pool().begin().await.map_err(DbError::from)?;
        let kind = sqlx::query_scalar!(
            "SELECT kind FROM greetings WHERE account_sid = ?1 AND name = ?2",
            account_sid,
            name
        )
        .fetch_optional(&mut *tx)
        .await
        .map_err(DbError::from)?
        .ok_or_else(|| no_greeting(name))?;
        if kind == "default" {
            sqlx::query!(
                "UPDATE greetings SET active = 0 WHERE account_sid = ?1 AND kind = 'default'",
                account_sid
            )
            .execute(&mut *tx)
            .await
            .map_err(DbError::from)?;
        }
        sqlx::query!(
            "UPDATE greetings SET active = 1 WHERE account_sid = ?1 AND name = ?2",
            account_sid,
            name
        )
        .execute(&mut *tx)
        .await
        .map_err(DbError::from)?;
        tx.commit().await.map_err(DbError::from)?;
        Ok(())
    }

    /// Removes the greeting `name`.
    ///
    /// # Errors
    /// [`Code::NotFound`] for an unknown name; storage errors.
    pub async fn remove_greeting(&self, account: &AccountSid, name: &str) -> Result<(), Error> {
        let account_sid = account.as_str();
        let done = sqlx::query!(
            "DELETE FROM greetings WHERE account_sid = ?1 AND name = ?2",
            account_sid,
            name
        )
        .execute(self.pool())
        .await
        .map_err(DbError::from)?;
        if done.rows_affected() == 0 {
            return Err(no_greeting(name));
        }
        Ok(())
    }

    /// The account's pronunciations, by term.
    ///
    /// # Errors
    /// Storage errors.
    pub async fn pronunciations(
        &self,
        account: &AccountSid,
    ) -> Result<Vec<Pronunciation>, DbError> {
        let account_sid = account.as_str();
        Ok(sqlx::query_as!(
            Pronunciation,
            "SELECT term, say_as FROM pronunciations WHERE account_sid = ?1 ORDER BY term COLLATE NOCASE",
            account_sid
        )
        .fetch_all(self.pool())
        .await?)
    }

    /// Sets how `term` is said.
    ///
    /// # Errors
    /// [`Code::InvalidInput`] for an empty or overlong term or replacement; storage errors.
    pub async fn set_pronunciation(
        &self,
        account: &AccountSid,
        p: &Pronunciation,
    ) -> Result<(), Error> {
        let (term, say_as) = (p.term.trim(), p.say_as.trim());
        if term.is_empty() || term.chars().count() > 64 {
            return Err(invalid("Word: 1 to 64 characters."));
        }
        if say_as.is_empty() || say_as.chars().count() > 200 {
            return Err(invalid("Say as: 1 to 200 characters."));
        }
        let account_sid = account.as_str();
        sqlx::query!(
            "INSERT INTO pronunciations (account_sid, term, say_as) VALUES (?1, ?2, ?3)
             ON CONFLICT (account_sid, term) DO UPDATE SET say_as = excluded.say_as",
            account_sid,
            term,
            say_as
        )
        .execute(self.pool())
        .await
        .map_err(DbError::from)?;
        Ok(())
    }

    /// Forgets how `term` is said.
    ///
    /// # Errors
    /// [`Code::NotFound`] for an unknown term; storage errors.
    pub async fn remove_pronunciation(
        &self,
        account: &AccountSid,
        term: &str,
    ) -> Result<(), Error> {
        let account_sid = account.as_str();
        let done = sqlx::query!(
            "DELETE FROM pronunciations WHERE account_sid = ?1 AND term = ?2",
            account_sid,
            term
        )
        .execute(self.pool())
        .await
        .map_err(DbError::from)?;
        if done.rows_affected() == 0 {
            return Err(Error::new(
                Code::NotFound,
                format!("No pronunciation for {term:?}."),
            ));
        }
        Ok(())
    }

    /// The time zone the account's schedules follow (the machine's until one is set).
    ///
    /// # Errors
    /// Storage errors.
    pub async fn greeting_time_zone(&self, account: &AccountSid) -> Result<String, DbError> {
        let account_sid = account.as_str();
        let stored = sqlx::query_scalar!(
            "SELECT time_zone FROM greeting_settings WHERE account_sid = ?1",
            account_sid
        )
        .fetch_optional(self.pool())
        .await?;
        Ok(stored.unwrap_or_else(|| {
            jiff::tz::TimeZone::system()
                .iana_name()
                .unwrap_or("UTC")
                .to_owned()
        }))
    }

    /// Sets the time zone the account's schedules follow.
    ///
    /// # Errors
    /// [`Code::InvalidInput`] for an unknown zone; storage errors.
    pub async fn set_greeting_time_zone(
        &self,
        account: &AccountSid,
        tz: &str,
    ) -> Result<(), Error> {
        if jiff::tz::TimeZone::get(tz).is_err() {
            return Err(invalid(format!(
                "Time zone: {tz:?} is not an IANA time zone such as America/New_York."
            )));
        }
        let _ = zone(tz);
        let account_sid = account.as_str();
        sqlx::query!(
            "INSERT INTO greeting_settings (account_sid, time_zone) VALUES (?1, ?2)
             ON CONFLICT (account_sid) DO UPDATE SET time_zone = excluded.time_zone",
            account_sid,
            tz
        )
        .execute(self.pool())
        .await
        .map_err(DbError::from)?;
        Ok(())
    }
}

fn no_greeting(name: &str) -> Error {
    Error::new(
        Code::NotFound,
        format!("There is no greeting called {name:?}."),
    )
}
