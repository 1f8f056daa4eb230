//! Secrets in the OS keychain (macOS Keychain, Windows Credential Manager, Secret Service on
//! Linux) through `keyring`. Secrets live nowhere else: not in SQLite, files, logs or IPC.

use crate::error::{Code, Error};
use crate::secret::Sensitive;
use crate::sid::{AccountSid, ApiKeySid};

/// A keychain failure.
#[derive(Debug, thiserror::Error)]
pub enum KeychainError {
    /// The keychain is locked, absent or refused access.
    #[error("the OS keychain is not available: {0}")]
    Unavailable(String),
    /// No secret is stored for this key.
    #[error("no secret is stored in the OS keychain for {0}")]
    Missing(String),
    /// Any other failure reported by the platform.
    #[error("the OS keychain failed: {0}")]
    Failed(String),
}

impl From<KeychainError> for Error {
    fn from(err: KeychainError) -> Self {
        let message = match &err {
            KeychainError::Unavailable(detail) => format!(
                "The system keychain is locked or not available ({detail}). Unlock it (on Linux, start \
                 GNOME Keyring or KWallet so a Secret Service is running) and try again. Nothing was saved."
            ),
            KeychainError::Missing(what) => format!(
                "The secret for {what} is missing from the system keychain. Enter the API key again in Settings."
            ),
            KeychainError::Failed(detail) => {
                format!("The system keychain failed: {detail}. Nothing was saved.")
            }
        };
        Error::new(Code::Keychain, message)
    }
}

/// The keychain under one service name (Switchboard's own, or a test's).
#[derive(Debug, Clone)]
pub struct Keychain {
    service: String,
}

impl Keychain {
    /// The service name Switchboard's entries are stored under.
    pub const SERVICE: &'static str = "app.switchboard.desktop";

    /// The keychain under [`Keychain::SERVICE`].
    pub fn system() -> Self {
        Self::with_service(Self::SERVICE)
    }

    /// The keychain under another service name, so tests never touch the user's entries.
    pub fn with_service(service: impl Into<String>) -> Self {
        Self {
            service: service.into(),
        }
    }

    fn entry(
        &self,
        account: &AccountSid,
        key: &ApiKeySid,
    ) -> Result<keyring::Entry, KeychainError> {
        keyring::Entry::new(&self.service, &format!("{account}/{key}")).map_err(map_err)
    }

    /// Stores the secret of API key `key` for `account`, replacing any earlier one.
    ///
    /// # Errors
    /// [`KeychainError`] when the keychain is unavailable or refuses.
    pub fn store_api_secret(
        &self,
        account: &AccountSid,
        key: &ApiKeySid,
        secret: &Sensitive<String>,
    ) -> Result<(), KeychainError> {
        store(&self.entry(account, key)?, secret)
    }

    /// The secret of API key `key` for `account`.
    ///
    /// # Errors
    /// [`KeychainError::Missing`] when none is stored, otherwise as [`Keychain::store_api_secret`].
    pub fn api_secret(
        &self,
        account: &AccountSid,
        key: &ApiKeySid,
    ) -> Result<Sensitive<String>, KeychainError> {
        read(&self.entry(account, key)?, || format!("API key {key}"))
    }

    /// Removes the secret of API key `key`; removing an absent secret succeeds.
    ///
    /// # Errors
    /// As [`Keychain::store_api_secret`].
    pub fn delete_api_secret(
        &self,
        account: &AccountSid,
        key: &ApiKeySid,
    ) -> Result<(), KeychainError> {
        remove(&self.entry(account, key)?)
    }

    fn s3_entry(
        &self,
        account: &AccountSid,
        access_key_id: &str,
    ) -> Result<keyring::Entry, KeychainError> {
        keyring::Entry::new(&self.service, &format!("{account}/s3/{access_key_id}"))
            .map_err(map_err)
    }

    /// Stores the S3 secret access key of `access_key_id` used for `account`'s archive.
    ///
    /// # Errors
    /// As [`Keychain::store_api_secret`].
    pub fn store_s3_secret(
        &self,
        account: &AccountSid,
        access_key_id: &str,
        secret: &Sensitive<String>,
    ) -> Result<(), KeychainError> {
        store(&self.s3_entry(account, access_key_id)?, secret)
    }

    /// The S3 secret access key of `access_key_id` for `account`.
    ///
    /// # Errors
    /// [`KeychainError::Missing`] when none is stored, otherwise as [`Keychain::store_api_secret`].
    pub fn s3_secret(
        &self,
        account: &AccountSid,
        access_key_id: &str,
    ) -> Result<Sensitive<String>, KeychainError> {
        read(&self.s3_entry(account, access_key_id)?, || {
            format!("S3 key {access_key_id}")
        })
    }

    /// Removes the S3 secret of `access_key_id`; removing an absent one succeeds.
    ///
    /// # Errors
    /// As [`Keychain::store_api_secret`].
    pub fn delete_s3_secret(
        &self,
        account: &AccountSid,
        access_key_id: &str,
    ) -> Result<(), KeychainError> {
        remove(&self.s3_entry(account, access_key_id)?)
    }

    fn sip_entry(
        &self,
        account: &AccountSid,
        username: &str,
    ) -> Result<keyring::Entry, KeychainError> {
        keyring::Entry::new(&self.service, &format!("{account}/sip/{username}")).map_err(map_err)
    }

    /// Stores the SIP password of this desktop's `username` on `account`'s SIP domain.
    ///
    /// # Errors
    /// As [`Keychain::store_api_secret`].
    pub fn store_sip_password(
        &self,
        account: &AccountSid,
        username: &str,
        password: &Sensitive<String>,
    ) -> Result<(), KeychainError> {
        store(&self.sip_entry(account, username)?, password)
    }

    /// The SIP password of `username` on `account`'s SIP domain.
    ///
    /// # Errors
    /// [`KeychainError::Missing`] when none is stored, otherwise as [`Keychain::store_api_secret`].
    pub fn sip_password(
        &self,
        account: &AccountSid,
        username: &str,
    ) -> Result<Sensitive<String>, KeychainError> {
        read(&self.sip_entry(account, username)?, || {
            format!("SIP user {username}")
        })
    }

    /// Removes the SIP password of `username`; removing an absent one succeeds.
    ///
    /// # Errors
    /// As [`Keychain::store_api_secret`].
    pub fn delete_sip_password(
        &self,
        account: &AccountSid,
        username: &str,
    ) -> Result<(), KeychainError> {
        remove(&self.sip_entry(account, username)?)
    }
}

fn store(entry: &keyring::Entry, secret: &Sensitive<String>) -> Result<(), KeychainError> {
    entry.set_password(secret.expose()).map_err(map_err)
}

fn read(
    entry: &keyring::Entry,
    what: impl FnOnce() -> String,
) -> Result<Sensitive<String>, KeychainError> {
    match entry.get_password() {
        Ok(secret) => Ok(Sensitive::new(secret)),
        Err(keyring::Error::NoEntry) => Err(KeychainError::Missing(what())),
        Err(e) => Err(map_err(e)),
    }
}

fn remove(entry: &keyring::Entry) -> Result<(), KeychainError> {
    match entry.delete_credential() {
        Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
        Err(e) => Err(map_err(e)),
    }
}

fn map_err(err: keyring::Error) -> KeychainError {
    match err {
        keyring::Error::NoStorageAccess(e) => KeychainError::Unavailable(e.to_string()),
        keyring::Error::PlatformFailure(e) => KeychainError::Unavailable(e.to_string()),
        keyring::Error::NoEntry => KeychainError::Missing("this key".into()),
        other => KeychainError::Failed(other.to_string()),
    }
}
