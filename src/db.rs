//! The local SQLite database: profiles and settings, opened with WAL and migrated at open.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use serde::Serialize;
use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use ts_rs::TS;

use crate::error::{Code, Error};
use crate::sid::{AccountSid, ApiKeySid};

/// A database failure.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// The file could not be opened or created.
    #[error("cannot open the database at {path}: {source}")]
    Open {
        /// The database file.
        path: String,
        /// What SQLite said.
        source: sqlx::Error,
    },
    /// A migration failed.
    #[error("cannot bring the database up to date: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A query failed.
    #[error("database query failed: {0}")]
    Query(#[from] sqlx::Error),
    /// A stored row holds something this build cannot read.
    #[error("the database holds an unreadable {what}: {detail}")]
    Corrupt {
        /// What kind of row.
        what: &'static str,
        /// Why it cannot be read.
        detail: String,
    },
}

impl From<DbError> for Error {
    fn from(err: DbError) -> Self {
        tracing::error!(error = %err, "database error");
        let hint = match &err {
            DbError::Query(sqlx::Error::Database(db)) if db.message().contains("full") => {
                " The disk is full: free some space and try again."
            }
            _ => " Nothing was changed.",
        };
        Error::new(Code::Storage, format!("Local database error: {err}.{hint}"))
    }
}

/// A connected Twilio account as stored (its secret is in the keychain).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Profile {
    /// The user's name for it, unique.
    pub name: String,
    /// The account.
    pub account_sid: AccountSid,
    /// The account's friendly name, as Twilio reported it when last checked.
    pub account_name: Option<String>,
    /// The API key requests authenticate with.
    pub api_key_sid: ApiKeySid,
    /// Twilio region (e.g. `ie1`), when not the default.
    pub region: Option<String>,
    /// Twilio edge (e.g. `dublin`), when not the default.
    pub edge: Option<String>,
    /// The subaccount requests act on with the parent's key, when one is chosen.
    pub subaccount_sid: Option<AccountSid>,
}

impl Profile {
    /// The account requests act on: the subaccount when set, else the key's account.
    pub fn acting_account(&self) -> &AccountSid {
        self.subaccount_sid.as_ref().unwrap_or(&self.account_sid)
    }
}

/// The open database. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Db {
    pool: SqlitePool,
}

impl Db {
    /// Opens (creating if needed) the database at `path`, with WAL, a busy timeout and foreign
    /// keys, and applies pending migrations from `migrations/`.
    ///
    /// # Errors
    /// [`DbError::Open`] when the file cannot be opened, [`DbError::Migrate`] when the
    /// schema cannot be brought up to date.
    pub async fn open(path: &Path) -> Result<Self, DbError> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| DbError::Open {
                path: path.display().to_string(),
                source: sqlx::Error::Io(e),
            })?;
        }
        let options = SqliteConnectOptions::new().filename(path);
        Self::open_with(options, &path.display().to_string()).await
    }

    /// A private in-memory database, for tests.
    ///
    /// # Errors
    /// As [`Db::open`].
    pub async fn open_in_memory() -> Result<Self, DbError> {
        let options =
            SqliteConnectOptions::from_str("sqlite::memory:").map_err(|e| DbError::Open {
                path: ":memory:".into(),
                source: e,
            })?;
        Self::open_with(options, ":memory:").await
    }

    async fn open_with(options: SqliteConnectOptions, shown: &str) -> Result<Self, DbError> {
        let in_memory = shown == ":memory:";
        let options = options
            .create_if_missing(true)
            .journal_mode(if in_memory {
                SqliteJournalMode::Memory
            } else {
                SqliteJournalMode::Wal
            })
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(5))
            .foreign_keys(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(if in_memory { 1 } else { 4 })
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(options)
            .await
            .map_err(|source| DbError::Open {
                path: shown.to_owned(),
                source,
            })?;
        sqlx::migrate!().run(&pool).await?;
        Ok(Self { pool })
    }

    /// The pool, for modules that keep their own tables.
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// The SQLite journal mode in force (`wal` for a file database).
    ///
    /// # Errors
    /// When the query fails.
    pub async fn journal_mode(&self) -> Result<String, DbError> {
        Ok(sqlx::query_scalar("PRAGMA journal_mode")
            .fetch_one(&self.pool)
            .await?)
    }

    /// The setting `key`, when set.
    ///
    /// # Errors
    /// When the query fails.
    pub async fn setting(&self, key: &str) -> Result<Option<String>, DbError> {
        Ok(
            sqlx::query_scalar!("SELECT value FROM settings WHERE key = ?1", key)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    /// Sets the setting `key` to `value`.
    ///
    /// # Errors
    /// When the write fails.
    pub async fn set_setting(&self, key: &str, value: &str) -> Result<(), DbError> {
        sqlx::query!(
            "INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            key,
            value
        )
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Removes the setting `key`.
    ///
    /// # Errors
    /// When the write fails.
    pub async fn clear_setting(&self, key: &str) -> Result<(), DbError> {
        sqlx::query!("DELETE FROM settings WHERE key = ?1", key)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Inserts or replaces the profile named `profile.name` and makes it the active one, in one
    /// transaction.
    ///
    /// # Errors
    /// When the write fails (for example on a full disk); nothing is changed then.
    pub async fn save_active_profile(&self, profile: &Profile) -> Result<(), DbError> {
        self.save_profile(profile, true).await
    }

    /// Inserts or replaces the profile named `profile.name`, making it the active one when
    /// `activate` is set or no profile is active yet, in one transaction.
    ///
    /// # Errors
    /// When the write fails (for example on a full disk); nothing is changed then.
    pub async fn save_profile(&self, profile: &Profile, activate: bool) -> Result<(), DbError> {
        let mut tx = self.pool.begin().await?;
        let account = profile.account_sid.as_str();
        let key = profile.api_key_sid.as_str();
        let sub = profile.subaccount_sid.as_ref().map(AccountSid::as_str);
        sqlx::query!(
            "INSERT INTO profiles (name, account_sid, account_name, api_key_sid, region, edge, subaccount_sid)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT (name) DO UPDATE SET
                account_sid = excluded.account_sid, account_name = excluded.account_name,
                api_key_sid = excluded.api_key_sid, region = excluded.region, edge = excluded.edge,
                subaccount_sid = excluded.subaccount_sid,
                updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')",
            profile.name,
            account,
            profile.account_name,
            key,
            profile.region,
            profile.edge,
            sub,
        )
        .execute(&mut *tx)
        .await?;
        if activate {
            sqlx::query!(
                "INSERT INTO settings (key, value) VALUES ('active_profile', ?1)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                profile.name
            )
            .execute(&mut *tx)
            .await?;
        } else {
            sqlx::query!(
                "INSERT INTO settings (key, value) VALUES ('active_profile', ?1) ON CONFLICT (key) DO NOTHING",
                profile.name
            )
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The profile called `name`.
    ///
    /// # Errors
    /// When the query fails or the stored row is unreadable.
    pub async fn profile(&self, name: &str) -> Result<Option<Profile>, DbError> {
        let row = sqlx::query_as!(
            ProfileRow,
            "SELECT name, account_sid, account_name, api_key_sid, region, edge, subaccount_sid
             FROM profiles WHERE name = ?1",
            name
        )
        .fetch_optional(&self.pool)
        .await?;
        row.map(Profile::try_from).transpose()
    }

    /// Makes `name` the active profile; false when there is no such profile.
    ///
    /// # Errors
    /// When the write fails.
    pub async fn set_active_profile(&self, name: &str) -> Result<bool, DbError> {
        let done = sqlx::query!(
            "INSERT INTO settings (key, value) SELECT 'active_profile', name FROM profiles WHERE name = ?1
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            name
        )
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Removes the profile `name`; when it was the active one, the first remaining profile by
    /// name becomes active. Returns the removed profile.
    ///
    /// # Errors
    /// When the write fails; nothing is changed then.
    pub async fn remove_profile(&self, name: &str) -> Result<Option<Profile>, DbError> {
        let Some(profile) = self.profile(name).await? else {
            return Ok(None);
        };
        let mut tx = self.pool.begin().await?;
        sqlx::query!("DELETE FROM profiles WHERE name = ?1", name)
            .execute(&mut *tx)
            .await?;
        sqlx::query!(
            "DELETE FROM settings WHERE key = 'active_profile' AND value = ?1",
            name
        )
        .execute(&mut *tx)
        .await?;
        sqlx::query!(
            "INSERT INTO settings (key, value)
             SELECT 'active_profile', name FROM profiles ORDER BY name LIMIT 1
             ON CONFLICT (key) DO NOTHING"
        )
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Some(profile))
    }

    /// The active profile, if one is set up.
    ///
    /// # Errors
    /// When the query fails or the stored row is unreadable.
    pub async fn active_profile(&self) -> Result<Option<Profile>, DbError> {
        let row = sqlx::query_as!(
            ProfileRow,
            "SELECT p.name, p.account_sid, p.account_name, p.api_key_sid, p.region, p.edge, p.subaccount_sid
             FROM settings s JOIN profiles p ON p.name = s.value WHERE s.key = 'active_profile'"
        )
        .fetch_optional(&self.pool)
        .await?;
        row.map(Profile::try_from).transpose()
    }

    /// Every profile, by name.
    ///
    /// # Errors
    /// When the query fails or a stored row is unreadable.
    pub async fn profiles(&self) -> Result<Vec<Profile>, DbError> {
        let rows = sqlx::query_as!(
            ProfileRow,
            "SELECT name, account_sid, account_name, api_key_sid, region, edge, subaccount_sid
             FROM profiles ORDER BY name"
        )
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(Profile::try_from).collect()
    }

    /// Closes the pool, checkpointing the WAL.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// A `profiles` row as stored, before its SIDs are checked.
struct ProfileRow {
    name: String,
    account_sid: String,
    account_name: Option<String>,
    api_key_sid: String,
    region: Option<String>,
    edge: Option<String>,
    subaccount_sid: Option<String>,
}

impl TryFrom<ProfileRow> for Profile {
    type Error = DbError;

    fn try_from(row: ProfileRow) -> Result<Self, DbError> {
        let corrupt = |e: crate::sid::SidError| DbError::Corrupt {
            what: "profile",
            detail: e.message,
        };
        Ok(Profile {
            name: row.name,
            account_sid: AccountSid::parse(&row.account_sid).map_err(corrupt)?,
            account_name: row.account_name,
            api_key_sid: ApiKeySid::parse(&row.api_key_sid).map_err(corrupt)?,
            region: row.region,
            edge: row.edge,
            subaccount_sid: row
                .subaccount_sid
                .as_deref()
                .map(AccountSid::parse)
                .transpose()
                .map_err(corrupt)?,
        })
    }
}
