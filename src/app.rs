//! The core as one value: the database, the keychain and Twilio, shared by the desktop shell
//! and the CLI.

use std::time::Duration;

use serde::Serialize;
use ts_rs::TS;

use crate::account::{self, CredentialFieldErrors, CredentialsInput};
use crate::error::{Code, IpcError};
use crate::keychain::Keychain;
use crate::paths::Paths;
use crate::store::{Profile, Store};
use crate::twilio::{AccountStatus, ApiBase, Client, Credentials};

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
    paths: Paths,
    store: Store,
    keychain: Keychain,
    api_base: Option<ApiBase>,
    request_timeout: Duration,
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
            request_timeout: Client::REQUEST_TIMEOUT,
        })
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
        self.api_base
            .clone()
            .unwrap_or_else(|| ApiBase::twilio(region, edge))
    }

    /// The active profile and its credentials, with the secret from the keychain.
    ///
    /// # Errors
    /// [`Code::NotConfigured`] without a profile; keychain and storage errors otherwise.
    pub async fn credentials(&self) -> Result<(Profile, Credentials), IpcError> {
        let profile = self.store.active_profile().await?.ok_or_else(|| {
            IpcError::new(
                Code::NotConfigured,
                "No Twilio account is connected yet. Connect one in Settings.",
            )
        })?;
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

    /// A client for the active profile, with its secret from the keychain.
    ///
    /// # Errors
    /// As [`Switchboard::credentials`].
    pub async fn client(&self) -> Result<Client, IpcError> {
        let (profile, credentials) = self.credentials().await?;
        Ok(Client::with_timeout(
            self.api_base(profile.region.as_deref(), profile.edge.as_deref()),
            credentials,
            self.request_timeout,
        )?)
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
        let valid =
            account::validate(input).map_err(|e| IpcError::new(Code::InvalidInput, e.summary()))?;
        let credentials = valid.credentials;
        let client = Client::with_timeout(
            self.api_base(None, None),
            credentials.clone(),
            self.request_timeout,
        )?;
        tracing::info!(account = %credentials.account_sid, key = %credentials.api_key_sid, "checking credentials with Twilio");
        let account = client.accounts().fetch(&credentials.account_sid).await?;
        if account.sid != credentials.account_sid {
            return Err(IpcError::new(
                Code::Twilio,
                format!(
                    "Twilio answered with account {} instead of {}.",
                    account.sid, credentials.account_sid
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
            region: None,
            edge: None,
        };
        if let Err(err) = self.store.save_active_profile(&profile).await {
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
