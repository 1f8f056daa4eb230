//! The core as one value: the database, the keychain and Twilio, shared by the desktop shell
//! and the CLI.

use std::time::Duration;

use serde::Serialize;
use ts_rs::TS;

use crate::account::{self, CredentialFieldErrors, CredentialsInput};
use crate::cache::Cache;
use crate::error::{Code, IpcError};
use crate::keychain::Keychain;
use crate::paths::Paths;
use crate::sid::AccountSid;
use crate::store::{Profile, Store};
use crate::twilio::{
    AccountStatus, ApiBase, Client, Credentials, Domain, TwilioError, validate_location,
};

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

/// How fresh the active profile's cache is, for the UI's sync indicator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct SyncStatus {
    /// When every resource last finished syncing (Unix seconds); `null` before the first sync.
    #[ts(type = "number | null")]
    pub last_synced_at: Option<i64>,
    /// Whether the data is older than [`STALE_AFTER_SECONDS`] (or never synced).
    pub stale: bool,
    /// Local changes (deletes) waiting to reach Twilio.
    #[ts(type = "number")]
    pub pending_changes: i64,
    /// Unread voicemails in the cache.
    #[ts(type = "number")]
    pub unread_voicemails: i64,
}

/// Cached data older than this is shown as stale.
pub const STALE_AFTER_SECONDS: i64 = 15 * 60;

/// How [`Switchboard::connect_with`] keeps a profile.
#[derive(Debug, Clone)]
pub struct ConnectOptions {
    /// Twilio region such as `ie1`.
    pub region: Option<String>,
    /// Twilio edge such as `dublin`.
    pub edge: Option<String>,
    /// A subaccount of the key's account to act on.
    pub subaccount_sid: Option<AccountSid>,
    /// Make it the active profile (default true).
    pub activate: bool,
}

impl Default for ConnectOptions {
    fn default() -> Self {
        Self {
            region: None,
            edge: None,
            subaccount_sid: None,
            activate: true,
        }
    }
}

/// Switchboard's core.
#[derive(Debug, Clone)]
pub struct Switchboard {
    paths: Paths,
    store: Store,
    keychain: Keychain,
    api_base: Option<ApiBase>,
    domain_bases: Vec<(Domain, String)>,
    request_timeout: Duration,
    /// Caches opened so far, by acting account: opening checks the whole file
    /// (`PRAGMA quick_check`) and migrates it, which is done once per process, not per call.
    caches: std::sync::Arc<tokio::sync::Mutex<std::collections::HashMap<AccountSid, Cache>>>,
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
    ) -> Result<Self, IpcError> {
        let store = Store::open(&paths.database()).await?;
        tracing::info!(data_dir = %paths.data_dir.display(), "core opened");
        Ok(Self {
            paths,
            store,
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
    pub fn with_domain_base(mut self, domain: Domain, raw: &str) -> Result<Self, IpcError> {
        ApiBase::twilio(None, None)
            .with_domain(domain, raw)
            .map_err(|e| IpcError::new(Code::InvalidInput, e))?;
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
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The keychain.
    pub fn keychain(&self) -> &Keychain {
        &self.keychain
    }

    /// Version, active profile and directories.
    ///
    /// # Errors
    /// [`Code::Storage`] when the database cannot be read.
    pub async fn status(&self) -> Result<AppStatus, IpcError> {
        Ok(AppStatus {
            version: env!("CARGO_PKG_VERSION").to_owned(),
            profile: self.store.active_profile().await?,
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
    pub async fn credentials(&self) -> Result<(Profile, Credentials), IpcError> {
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
    ) -> Result<(Profile, Credentials), IpcError> {
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
    pub async fn profile(&self, name: Option<&str>) -> Result<Profile, IpcError> {
        match name {
            Some(name) => self.store.profile(name).await?.ok_or_else(|| {
                IpcError::new(
                    Code::NotFound,
                    format!("There is no profile called {name:?}. `switchboard profiles list` shows them."),
                )
            }),
            None => self.store.active_profile().await?.ok_or_else(|| {
                IpcError::new(
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
    pub async fn client(&self) -> Result<Client, IpcError> {
        self.client_for(None).await
    }

    /// A client for the profile `name` (the active one when `None`), acting on its
    /// subaccount when it has one.
    ///
    /// # Errors
    /// As [`Switchboard::credentials_for`].
    pub async fn client_for(&self, name: Option<&str>) -> Result<Client, IpcError> {
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
    ) -> Result<Client, IpcError> {
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

    /// The cache of `account` (a profile's acting account), opened and migrated.
    ///
    /// # Errors
    /// [`Code::Storage`] for a cache that cannot be opened, or is damaged (the message offers
    /// to rebuild it; nothing is deleted).
    pub async fn cache(&self, account: &AccountSid) -> Result<Cache, IpcError> {
        let mut caches = self.caches.lock().await;
        if let Some(cache) = caches.get(account) {
            return Ok(cache.clone());
        }
        let cache = Cache::open(&Cache::path_for(&self.paths.data_dir, account)).await?;
        caches.insert(account.clone(), cache.clone());
        Ok(cache)
    }

    /// How fresh the active profile's cache is; `None` without a profile.
    ///
    /// # Errors
    /// Storage errors, including a damaged cache.
    pub async fn sync_status(&self) -> Result<Option<SyncStatus>, IpcError> {
        let Some(profile) = self.store.active_profile().await? else {
            return Ok(None);
        };
        let cache = self.cache(profile.acting_account()).await?;
        let last_synced_at = cache.last_synced().await?;
        let now = jiff::Timestamp::now().as_second();
        Ok(Some(SyncStatus {
            last_synced_at,
            stale: last_synced_at.is_none_or(|at| now - at > STALE_AFTER_SECONDS),
            pending_changes: cache.pending_changes().await?,
            unread_voicemails: cache.unread_count().await?,
        }))
    }

    /// Brings the active profile's cache up to date: local changes to Twilio first, then
    /// calls, recordings and transcriptions from Twilio, reporting progress after each page.
    ///
    /// # Errors
    /// [`Code::NotConfigured`] without a profile; Twilio and storage errors (what was stored
    /// stays, and the next sync resumes).
    pub async fn sync(
        &self,
        progress: impl FnMut(crate::cache::SyncProgress),
    ) -> Result<crate::cache::SyncReport, IpcError> {
        let client = self.client().await?;
        let account = client.account_sid().clone();
        let cache = self.cache(&account).await?;
        cache
            .replay_outbox(&client, &self.audio_dir(&account), false)
            .await?;
        crate::cache::Syncer::new(&cache, &client)
            .sync_all(progress)
            .await
    }

    /// Starts the active profile's cache afresh from Twilio (the old file is kept aside and its
    /// local state carried over), then syncs everything.
    ///
    /// # Errors
    /// As [`Switchboard::sync`].
    pub async fn rebuild_and_sync(
        &self,
        progress: impl FnMut(crate::cache::SyncProgress),
    ) -> Result<crate::cache::SyncReport, IpcError> {
        let client = self.client().await?;
        let account = client.account_sid().clone();
        self.rebuild_cache(&account).await?;
        self.sync(progress).await
    }

    /// Deploys (or updates) call routing for the active profile: its desktop identity rung,
    /// the account's voice numbers allowed as caller IDs.
    ///
    /// # Errors
    /// As [`crate::routing::deploy`].
    pub async fn deploy_routing(&self) -> Result<crate::routing::RoutingStatus, IpcError> {
        let client = self.client().await?;
        let config = self.routing_config(None, &client).await?;
        crate::routing::deploy(&client, &config, crate::routing::BuildWait::default()).await
    }

    /// The routing configuration of profile `name` (the active one when `None`): its desktop
    /// identity, the account's voice numbers as caller IDs, and its active greetings in its
    /// time zone.
    ///
    /// # Errors
    /// Twilio and storage errors.
    pub async fn routing_config(
        &self,
        name: Option<&str>,
        client: &Client,
    ) -> Result<crate::routing::RoutingConfig, IpcError> {
        let identity = match self.profile(name).await {
            Ok(profile) => crate::routing::client_identity(&profile.name),
            Err(_) => crate::routing::client_identity("default"),
        };
        let mut config = crate::routing::config_for(client, identity).await?;
        let calls = self.call_settings().await?;
        if calls.ring_bridge_phone
            && let Some(phone) = calls.bridge_phone
        {
            config.forward = vec![phone];
        }
        let account = client.account_sid();
        config.tz = self.store.greeting_time_zone(account).await?;
        let pronunciations = self.store.pronunciations(account).await?;
        config.greetings = self
            .store
            .greetings(account)
            .await?
            .into_iter()
            .filter(|g| g.active)
            .map(|g| {
                let mut greeting = g.greeting;
                if let Some(say) = &mut greeting.say {
                    say.text = crate::greetings::pronounce(&say.text, &pronunciations);
                }
                greeting
            })
            .collect();
        Ok(config)
    }

    /// Sends the current greetings to the deployed routing (no build): the next caller hears
    /// them. Returns false when routing is not deployed.
    ///
    /// # Errors
    /// Twilio and storage errors; the greetings stay saved locally either way.
    pub async fn publish_greetings(
        &self,
        name: Option<&str>,
        client: &Client,
    ) -> Result<bool, IpcError> {
        let config = self.routing_config(name, client).await?;
        crate::routing::update_config(client, &config).await
    }

    /// The active profile's greetings and their time zone.
    ///
    /// # Errors
    /// [`Code::NotConfigured`] without a profile; storage errors.
    pub async fn greetings(&self) -> Result<crate::greetings::GreetingsOverview, IpcError> {
        let profile = self.profile(None).await?;
        let account = profile.acting_account();
        Ok(crate::greetings::GreetingsOverview {
            time_zone: self.store.greeting_time_zone(account).await?,
            pronunciations: self.store.pronunciations(account).await?,
            greetings: self.store.greetings(account).await?,
        })
    }

    /// Applies a greetings change to the active profile's account, then sends the greetings
    /// to the deployed routing. The change is kept locally even when Twilio cannot be reached.
    ///
    /// # Errors
    /// The change's own errors (bad input, unknown name, storage).
    pub async fn change_greetings(
        &self,
        change: crate::greetings::GreetingsEdit,
    ) -> Result<crate::greetings::GreetingsPublished, IpcError> {
        use crate::greetings::GreetingsEdit;
        let profile = self.profile(None).await?;
        let account = profile.acting_account().clone();
        match change {
            GreetingsEdit::Add(input) => {
                let dates = match (input.from, input.to) {
                    (Some(from), Some(to)) => Some((from, to)),
                    _ => None,
                };
                let new = crate::greetings::NewGreeting {
                    name: input.name,
                    kind: input.kind,
                    say: input.say,
                    open: input.open,
                    dates,
                    url: None,
                    id: None,
                };
                self.store.add_greeting(&account, &new).await?;
            }
            GreetingsEdit::Activate(name) => self.store.activate_greeting(&account, &name).await?,
            GreetingsEdit::Remove(name) => self.store.remove_greeting(&account, &name).await?,
            GreetingsEdit::TimeZone(tz) => self.store.set_greeting_time_zone(&account, &tz).await?,
            GreetingsEdit::Pronounce(p) => self.store.set_pronunciation(&account, &p).await?,
            GreetingsEdit::Unpronounce(term) => {
                self.store.remove_pronunciation(&account, &term).await?;
            }
        }
        let client = self.client().await?;
        Ok(published(self.publish_greetings(None, &client).await))
    }

    /// The name of the greeting a caller would hear at `local` (`YYYY-MM-DDTHH:MM` in the
    /// account's time zone), or `None` for the built-in message.
    ///
    /// # Errors
    /// [`Code::InvalidInput`] for a malformed time; storage errors.
    pub async fn preview_greeting(&self, local: &str) -> Result<Option<String>, IpcError> {
        let overview = self.greetings().await?;
        let zone = crate::greetings::zone(&overview.time_zone);
        let at = local
            .trim()
            .parse::<jiff::civil::DateTime>()
            .ok()
            .and_then(|dt| dt.to_zoned(zone.clone()).ok())
            .ok_or_else(|| {
                IpcError::new(
                    Code::InvalidInput,
                    format!("{local:?} is not a date and time."),
                )
            })?
            .timestamp();
        let active: Vec<_> = overview.greetings.iter().filter(|g| g.active).collect();
        let greetings: Vec<_> = active.iter().map(|g| g.greeting.clone()).collect();
        Ok(crate::greetings::active_greeting(&greetings, &zone, at)
            .and_then(|g| active.iter().find(|r| r.greeting.id == g.id))
            .map(|r| r.name.clone()))
    }

    /// The active profile's cache.
    ///
    /// # Errors
    /// [`Code::NotConfigured`] without a profile; storage errors (a damaged cache says how to
    /// rebuild it).
    pub async fn active_cache(&self) -> Result<Cache, IpcError> {
        let profile = self.profile(None).await?;
        self.cache(profile.acting_account()).await
    }

    /// Voicemails from the cache, newest first (works offline).
    ///
    /// # Errors
    /// As [`Switchboard::active_cache`].
    pub async fn voicemails(
        &self,
        filter: crate::cache::VoicemailFilter,
        limit: u32,
    ) -> Result<Vec<crate::cache::Voicemail>, IpcError> {
        let cache = self.active_cache().await?;
        Ok(cache.voicemails(filter, limit.clamp(1, 500), None).await?)
    }

    /// Voicemails whose transcript or caller matches `query`, newest first (works offline).
    ///
    /// # Errors
    /// As [`Switchboard::active_cache`].
    pub async fn search_voicemails(
        &self,
        query: &str,
    ) -> Result<Vec<crate::cache::Voicemail>, IpcError> {
        let cache = self.active_cache().await?;
        Ok(cache.search_voicemails(query, 100).await?)
    }

    /// Marks, archives, deletes or restores a voicemail; a delete reaches Twilio with the next
    /// sync, after its audio is cached.
    ///
    /// # Errors
    /// As [`crate::cache::Cache::apply`].
    pub async fn voicemail_action(
        &self,
        recording_sid: &str,
        action: crate::cache::VoicemailAction,
    ) -> Result<(), IpcError> {
        self.active_cache()
            .await?
            .apply(recording_sid, action)
            .await
    }

    /// A folder for short-lived files (greeting previews).
    pub fn scratch_dir(&self) -> std::path::PathBuf {
        self.paths.data_dir.join("scratch")
    }

    /// Where voicemail audio of `account` is cached.
    pub fn audio_dir(&self, account: &AccountSid) -> std::path::PathBuf {
        self.paths.data_dir.join("audio").join(account.as_str())
    }

    /// Moves a damaged cache of `account` aside and starts an empty one, to be filled by a
    /// full sync.
    ///
    /// # Errors
    /// [`Code::Storage`] when the file cannot be moved or created.
    pub async fn rebuild_cache(&self, account: &AccountSid) -> Result<Cache, IpcError> {
        let mut caches = self.caches.lock().await;
        if let Some(open) = caches.remove(account) {
            open.close().await;
        }
        let cache = Cache::rebuild(&Cache::path_for(&self.paths.data_dir, account)).await?;
        caches.insert(account.clone(), cache.clone());
        Ok(cache)
    }

    /// Closes the database and every open cache, checkpointing their write-ahead logs.
    pub async fn close(&self) {
        for cache in self.caches.lock().await.drain().map(|(_, c)| c) {
            cache.close().await;
        }
        self.store.close().await;
    }

    /// Makes `name` the active profile.
    ///
    /// # Errors
    /// [`Code::NotFound`] for an unknown name; storage errors.
    pub async fn use_profile(&self, name: &str) -> Result<Profile, IpcError> {
        let profile = self.profile(Some(name)).await?;
        self.store.set_active_profile(name).await?;
        tracing::info!(profile = %name, "active profile changed");
        Ok(profile)
    }

    /// Removes the profile `name`, and its secret from the keychain unless another profile
    /// uses the same key.
    ///
    /// # Errors
    /// [`Code::NotFound`] for an unknown name; storage and keychain errors.
    pub async fn remove_profile(&self, name: &str) -> Result<Profile, IpcError> {
        let profile = self.profile(Some(name)).await?;
        self.store.remove_profile(name).await?;
        let shared =
            self.store.profiles().await?.into_iter().any(|p| {
                p.account_sid == profile.account_sid && p.api_key_sid == profile.api_key_sid
            });
        if !shared {
            self.keychain
                .delete_api_secret(&profile.account_sid, &profile.api_key_sid)?;
        }
        tracing::info!(profile = %name, secret_removed = !shared, "profile removed");
        Ok(profile)
    }

    /// Checks the form of an onboarding input without sending anything.
    pub fn validate_credentials(input: &CredentialsInput) -> CredentialFieldErrors {
        account::validate(input).err().unwrap_or_default()
    }

    /// Connects an account: checks the form, fetches the account from Twilio with the key, and
    /// only when that succeeds stores the secret in the keychain and the profile in the
    /// database, making it the active one. Credentials that fail any step are not kept.
    ///
    /// # Errors
    /// [`Code::InvalidInput`] for a malformed field (nothing sent); [`Code::Unauthorized`],
    /// [`Code::Network`], [`Code::Timeout`] and the other Twilio codes from the check;
    /// [`Code::Keychain`] or [`Code::Storage`] when the result cannot be kept.
    pub async fn connect(&self, input: &CredentialsInput) -> Result<Profile, IpcError> {
        self.connect_with(input, &ConnectOptions::default()).await
    }

    /// As [`Switchboard::connect`], in a region and edge, optionally acting on a subaccount
    /// (checked with Twilio too), and optionally leaving the active profile as it is.
    ///
    /// # Errors
    /// As [`Switchboard::connect`]; [`Code::InvalidInput`] for a malformed region or edge.
    pub async fn connect_with(
        &self,
        input: &CredentialsInput,
        options: &ConnectOptions,
    ) -> Result<Profile, IpcError> {
        let valid =
            account::validate(input).map_err(|e| IpcError::new(Code::InvalidInput, e.summary()))?;
        for (what, value) in [("region", &options.region), ("edge", &options.edge)] {
            if let Some(value) = value {
                validate_location(what, value).map_err(|e| IpcError::new(Code::InvalidInput, e))?;
            }
        }
        let credentials = valid.credentials;
        let client = Client::with_timeout(
            self.api_base(options.region.as_deref(), options.edge.as_deref()),
            credentials.clone(),
            self.request_timeout,
        )?;
        let target = options
            .subaccount_sid
            .clone()
            .unwrap_or_else(|| credentials.account_sid.clone());
        tracing::info!(account = %target, key = %credentials.api_key_sid, "checking credentials with Twilio");
        let account = client.accounts().fetch(&target).await.map_err(|err| match err {
            TwilioError::Api { status: 404, .. } => IpcError::new(
                Code::NotFound,
                format!(
                    "Twilio has no account {target} for this key (404). Check the Account SID; for a subaccount, give the parent's key and the subaccount's SID."
                ),
            ),
            other => other.into(),
        })?;
        if account.sid != target {
            return Err(IpcError::new(
                Code::Twilio,
                format!(
                    "Twilio answered with account {} instead of {target}.",
                    account.sid
                ),
            ));
        }
        match account.status {
            AccountStatus::Active => {}
            AccountStatus::Suspended => {
                return Err(IpcError::new(
                    Code::Forbidden,
                    "This Twilio account is suspended. Reactivate it in the Twilio Console first.",
                ));
            }
            AccountStatus::Closed => {
                return Err(IpcError::new(
                    Code::Forbidden,
                    "This Twilio account is closed and cannot be used.",
                ));
            }
            _ => {
                return Err(IpcError::new(
                    Code::Forbidden,
                    "This Twilio account is not active.",
                ));
            }
        }
        self.keychain.store_api_secret(
            &credentials.account_sid,
            &credentials.api_key_sid,
            &credentials.api_key_secret,
        )?;
        let profile = Profile {
            name: valid.profile_name,
            account_sid: credentials.account_sid.clone(),
            account_name: Some(account.friendly_name).filter(|n| !n.is_empty()),
            api_key_sid: credentials.api_key_sid.clone(),
            region: options.region.clone(),
            edge: options.edge.clone(),
            subaccount_sid: options.subaccount_sid.clone(),
        };
        if let Err(err) = self.store.save_profile(&profile, options.activate).await {
            if let Err(cleanup) = self
                .keychain
                .delete_api_secret(&credentials.account_sid, &credentials.api_key_sid)
            {
                tracing::error!(error = %cleanup, "could not remove the secret after a failed save");
            }
            return Err(err.into());
        }
        tracing::info!(profile = %profile.name, account = %profile.account_sid, "account connected");
        Ok(profile)
    }
}

/// What a routing update after a greetings change means for the user.
pub(crate) fn published(result: Result<bool, IpcError>) -> crate::greetings::GreetingsPublished {
    match result {
        Ok(true) => crate::greetings::GreetingsPublished { live: true, note: None },
        Ok(false) => crate::greetings::GreetingsPublished {
            live: false,
            note: Some("Call routing is not deployed yet: deploy it in Numbers so callers hear your greetings.".into()),
        },
        Err(err) => crate::greetings::GreetingsPublished {
            live: false,
            note: Some(format!("Saved here, but the routing could not be updated: {} It is sent again with the next change or deploy.", err.message)),
        },
    }
}
