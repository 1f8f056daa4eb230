//! The core as one value: the database, the keychain and Twilio, shared by the desktop shell
//! and the CLI.

use std::time::Duration;

use serde::Serialize;
use ts_rs::TS;

use crate::cache::Cache;
use crate::db::{Db, Profile};
use crate::error::{Code, Error};
use crate::keychain::Keychain;
use crate::paths::Paths;
use crate::sid::AccountSid;
use crate::twilio::{ApiBase, Client, Credentials, Domain};

/// What the UI needs at start: whether an account is connected, and where data lives.
#[derive(Debug, Clone, Serialize, TS)]
pub struct AppStatus {
    /// Switchboard's version.
    pub version: String,
    /// The active profile; `null` until an account is connected.
    pub profile: Option<Profile>,
    /// Where the database and caches are.
    pub data_dir: String,
    /// Where the log files are.
    pub log_dir: String,
}

/// Switchboard's core.
#[derive(Debug, Clone)]
pub struct Switchboard {
    pub(crate) paths: Paths,
    pub(crate) db: Db,
    pub(crate) keychain: Keychain,
    api_base: Option<ApiBase>,
    domain_bases: Vec<(Domain, String)>,
    pub(crate) request_timeout: Duration,
    /// Caches opened so far, by acting account: opening migrates the file and claims it for
    /// this process (see `cache/health.rs`), which is done once per process, not per call.
    pub(crate) caches:
        std::sync::Arc<tokio::sync::Mutex<std::collections::HashMap<AccountSid, Cache>>>,
}

impl Switchboard {
    /// Opens the database under `paths`; `api_base` replaces Twilio's base URL for every
    /// profile when given (tests, `--api-base`).
    ///
    /// # Errors
    /// [`Code::Storage`] when the database cannot be opened or migrated.
    pub async fn open(
        paths: Paths,
        keychain: Keychain,
        api_base: Option<ApiBase>,
    ) -> Result<Self, Error> {
        let db = Db::open(&paths.database()).await?;
        tracing::info!(data_dir = %paths.data_dir.display(), "core opened");
        Ok(Self {
            paths,
            db,
            keychain,
            api_base,
            domain_bases: Vec::new(),
            caches: std::sync::Arc::default(),
            request_timeout: Client::REQUEST_TIMEOUT,
        })
    }

    /// Sends `domain`'s requests (Pricing, Serverless, …) to `raw` for every profile, for
    /// tests that serve each product from its own mock.
    ///
    /// # Errors
    /// When `raw` is not an absolute http(s) URL.
    pub fn with_domain_base(mut self, domain: Domain, raw: &str) -> Result<Self, Error> {
        ApiBase::twilio(None, None)
            .with_domain(domain, raw)
            .map_err(|e| Error::new(Code::InvalidInput, e))?;
        self.domain_bases.push((domain, raw.to_owned()));
        Ok(self)
    }

    /// Replaces the time allowed for each Twilio request (default [`Client::REQUEST_TIMEOUT`]).
    #[must_use]
    pub fn with_request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// The database.
    pub fn db(&self) -> &Db {
        &self.db
    }

    /// The keychain.
    pub fn keychain(&self) -> &Keychain {
        &self.keychain
    }

    /// Version, active profile and directories.
    ///
    /// # Errors
    /// [`Code::Storage`] when the database cannot be read.
    pub async fn status(&self) -> Result<AppStatus, Error> {
        Ok(AppStatus {
            version: env!("CARGO_PKG_VERSION").to_owned(),
            profile: self.db.active_profile().await?,
            data_dir: self.paths.data_dir.display().to_string(),
            log_dir: self.paths.log_dir.display().to_string(),
        })
    }

    /// Where requests for a profile in `region`/`edge` go.
    pub fn api_base(&self, region: Option<&str>, edge: Option<&str>) -> ApiBase {
        let base = self
            .api_base
            .clone()
            .unwrap_or_else(|| ApiBase::twilio(region, edge));
        self.domain_bases.iter().fold(base, |base, (domain, raw)| {
            base.with_domain(*domain, raw)
                .expect("checked in with_domain_base")
        })
    }

    /// The active profile and its credentials, with the secret from the keychain.
    ///
    /// # Errors
    /// [`Code::NotConfigured`] without a profile; keychain and storage errors otherwise.
    pub async fn credentials(&self) -> Result<(Profile, Credentials), Error> {
        self.credentials_for(None).await
    }

    /// The profile `name` (the active one when `None`) and its credentials.
    ///
    /// # Errors
    /// [`Code::NotFound`] for an unknown name, [`Code::NotConfigured`] without any profile;
    /// keychain and storage errors otherwise.
    pub async fn credentials_for(
        &self,
        name: Option<&str>,
    ) -> Result<(Profile, Credentials), Error> {
        let profile = self.profile(name).await?;
        let secret = self
            .keychain
            .api_secret(&profile.account_sid, &profile.api_key_sid)?;
        let credentials = Credentials {
            account_sid: profile.account_sid.clone(),
            api_key_sid: profile.api_key_sid.clone(),
            api_key_secret: secret,
        };
        Ok((profile, credentials))
    }

    /// The profile `name`, or the active one when `None`.
    ///
    /// # Errors
    /// [`Code::NotFound`] for an unknown name, [`Code::NotConfigured`] without any profile.
    pub async fn profile(&self, name: Option<&str>) -> Result<Profile, Error> {
        match name {
            Some(name) => self.db.profile(name).await?.ok_or_else(|| {
                Error::new(
                    Code::NotFound,
                    format!("There is no profile called {name:?}. `switchboard profiles list` shows them."),
                )
            }),
            None => self.db.active_profile().await?.ok_or_else(|| {
                Error::new(
                    Code::NotConfigured,
                    "No Twilio account is connected yet. Connect one in Settings, or with `switchboard profiles add NAME`.",
                )
            }),
        }
    }

    /// A client for the active profile, with its secret from the keychain.
    ///
    /// # Errors
    /// As [`Switchboard::credentials`].
    pub async fn client(&self) -> Result<Client, Error> {
        self.client_for(None).await
    }

    /// The account the active profile acts on (its subaccount when it has one).
    ///
    /// # Errors
    /// [`Code::NotConfigured`] without a profile.
    pub async fn active_account(&self) -> Result<crate::sid::AccountSid, Error> {
        Ok(self.profile(None).await?.acting_account().clone())
    }

    /// A client for the profile `name` (the active one when `None`), acting on its
    /// subaccount when it has one.
    ///
    /// # Errors
    /// As [`Switchboard::credentials_for`].
    pub async fn client_for(&self, name: Option<&str>) -> Result<Client, Error> {
        let (profile, credentials) = self.credentials_for(name).await?;
        self.client_with(&profile, credentials)
    }

    /// A client for `profile` with `credentials`.
    ///
    /// # Errors
    /// When the HTTP stack cannot start.
    pub fn client_with(
        &self,
        profile: &Profile,
        credentials: Credentials,
    ) -> Result<Client, Error> {
        let client = Client::with_timeout(
            self.api_base(profile.region.as_deref(), profile.edge.as_deref()),
            credentials,
            self.request_timeout,
        )?;
        Ok(match &profile.subaccount_sid {
            Some(sub) => client.on_subaccount(sub.clone()),
            None => client,
        })
    }

    /// A folder for short-lived files (greeting previews).
    pub fn scratch_dir(&self) -> std::path::PathBuf {
        self.paths.data_dir.join("scratch")
    }

    /// Where voicemail audio of `account` is cached.
    pub fn audio_dir(&self, account: &AccountSid) -> std::path::PathBuf {
        self.paths.data_dir.join("audio").join(account.as_str())
    }

    /// Closes the database and every open cache, checkpointing their write-ahead logs.
    pub async fn close(&self) {
        for cache in self.caches.lock().await.drain().map(|(_, c)| c) {
            cache.close().await;
        }
        self.db.close().await;
    }
}
