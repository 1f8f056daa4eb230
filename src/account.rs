//! Connecting a Twilio account: checking the form of what the user typed, checking it against
//! Twilio, and only then keeping it (secret in the keychain, profile in the database).

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::Switchboard;
use crate::db::Profile;
use crate::error::{Code, Error};
use crate::secret::{Sensitive, validate_api_key_secret};
use crate::sid::{AccountSid, ApiKeySid};
use crate::twilio::{AccountStatus, Client, Credentials, TwilioError, validate_location};

/// What the onboarding form (or `switchboard connect`) submits.
#[derive(Debug, Clone, Deserialize, TS)]
pub struct CredentialsInput {
    /// `AC…`, from the Twilio Console's account dashboard.
    pub account_sid: String,
    /// `SK…`, from the API key's page.
    pub api_key_sid: String,
    /// The key's secret, shown once when the key is created.
    #[ts(type = "string")]
    pub api_key_secret: Sensitive<String>,
    /// The profile's name; `default` when absent.
    #[serde(default)]
    #[ts(optional)]
    pub profile_name: Option<String>,
}

/// Per-field problems with a [`CredentialsInput`]; all `null` when the form is well formed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, TS)]
pub struct CredentialFieldErrors {
    /// Problem with the Account SID.
    pub account_sid: Option<String>,
    /// Problem with the API key SID.
    pub api_key_sid: Option<String>,
    /// Problem with the API key secret.
    pub api_key_secret: Option<String>,
    /// Problem with the profile name.
    pub profile_name: Option<String>,
}

impl CredentialFieldErrors {
    /// Whether every field is well formed.
    pub fn is_empty(&self) -> bool {
        self == &Self::default()
    }

    /// The problems as one sentence per field, for a single message.
    pub fn summary(&self) -> String {
        [
            &self.account_sid,
            &self.api_key_sid,
            &self.api_key_secret,
            &self.profile_name,
        ]
        .into_iter()
        .flatten()
        .cloned()
        .collect::<Vec<_>>()
        .join(" ")
    }
}

/// A well-formed input, ready to be checked against Twilio.
#[derive(Debug, Clone)]
pub struct ValidCredentials {
    /// Profile name.
    pub profile_name: String,
    /// The credentials.
    pub credentials: Credentials,
}

/// The profile name used when none is given.
pub const DEFAULT_PROFILE: &str = "default";

/// Checks the form of every field (nothing is sent anywhere).
///
/// # Errors
/// The problem with each malformed field.
pub fn validate(input: &CredentialsInput) -> Result<ValidCredentials, CredentialFieldErrors> {
    let account_sid = AccountSid::parse(&input.account_sid);
    let api_key_sid = ApiKeySid::parse(&input.api_key_sid);
    let secret = input.api_key_secret.expose().trim().to_owned();
    let secret_check = validate_api_key_secret(&secret);
    let profile_name = input
        .profile_name
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .unwrap_or(DEFAULT_PROFILE)
        .to_owned();
    let name_check = validate_profile_name(&profile_name);
    match (account_sid, api_key_sid, secret_check, name_check) {
        (Ok(account_sid), Ok(api_key_sid), Ok(()), Ok(())) => Ok(ValidCredentials {
            profile_name,
            credentials: Credentials {
                account_sid,
                api_key_sid,
                api_key_secret: Sensitive::new(secret),
            },
        }),
        (a, k, s, n) => Err(CredentialFieldErrors {
            account_sid: a.err().map(|e| e.message),
            api_key_sid: k.err().map(|e| e.message),
            api_key_secret: s.err(),
            profile_name: n.err(),
        }),
    }
}

fn validate_profile_name(name: &str) -> Result<(), String> {
    if name.chars().count() > 64 {
        return Err("A profile name is at most 64 characters.".into());
    }
    if name.chars().any(char::is_control) {
        return Err("A profile name cannot contain control characters.".into());
    }
    Ok(())
}

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

impl Switchboard {
    /// Makes `name` the active profile.
    ///
    /// # Errors
    /// [`Code::NotFound`] for an unknown name; storage errors.
    pub async fn use_profile(&self, name: &str) -> Result<Profile, Error> {
        let profile = self.profile(Some(name)).await?;
        self.db.set_active_profile(name).await?;
        tracing::info!(profile = %name, "active profile changed");
        Ok(profile)
    }

    /// Removes the profile `name`, and its secret from the keychain unless another profile
    /// uses the same key.
    ///
    /// # Errors
    /// [`Code::NotFound`] for an unknown name; storage and keychain errors.
    pub async fn remove_profile(&self, name: &str) -> Result<Profile, Error> {
        let profile = self.profile(Some(name)).await?;
        self.db.remove_profile(name).await?;
        let shared =
            self.db.profiles().await?.into_iter().any(|p| {
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
        validate(input).err().unwrap_or_default()
    }

    /// Connects an account: checks the form, fetches the account from Twilio with the key, and
    /// only when that succeeds stores the secret in the keychain and the profile in the
    /// database, making it the active one. Credentials that fail any step are not kept.
    ///
    /// # Errors
    /// [`Code::InvalidInput`] for a malformed field (nothing sent); [`Code::Unauthorized`],
    /// [`Code::Network`], [`Code::Timeout`] and the other Twilio codes from the check;
    /// [`Code::Keychain`] or [`Code::Storage`] when the result cannot be kept.
    pub async fn connect(&self, input: &CredentialsInput) -> Result<Profile, Error> {
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
    ) -> Result<Profile, Error> {
        let valid = validate(input).map_err(|e| Error::new(Code::InvalidInput, e.summary()))?;
        for (what, value) in [("region", &options.region), ("edge", &options.edge)] {
            if let Some(value) = value {
                validate_location(what, value).map_err(|e| Error::new(Code::InvalidInput, e))?;
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
            TwilioError::Api { status: 404, .. } => Error::new(
                Code::NotFound,
                format!(
                    "Twilio has no account {target} for this key (404). Check the Account SID; for a subaccount, give the parent's key and the subaccount's SID."
                ),
            ),
            other => other.into(),
        })?;
        if account.sid != target {
            return Err(Error::new(
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
                return Err(Error::new(
                    Code::Forbidden,
                    "This Twilio account is suspended. Reactivate it in the Twilio Console first.",
                ));
            }
            AccountStatus::Closed => {
                return Err(Error::new(
                    Code::Forbidden,
                    "This Twilio account is closed and cannot be used.",
                ));
            }
            _ => {
                return Err(Error::new(
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
        if let Err(err) = self.db.save_profile(&profile, options.activate).await {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn input(account: &str, key: &str, secret: &str) -> CredentialsInput {
        CredentialsInput {
            account_sid: account.into(),
            api_key_sid: key.into(),
            api_key_secret: Sensitive::new(secret.into()),
            profile_name: None,
        }
    }

    #[test]
    fn a_well_formed_input_validates_with_the_default_profile() {
        let valid = validate(&input(
            &format!("AC{}", "a".repeat(32)),
            &format!(" SK{} ", "b".repeat(32)),
            &"c".repeat(32),
        ))
        .expect("well formed");
        assert_eq!(valid.profile_name, DEFAULT_PROFILE);
        assert_eq!(
            valid.credentials.api_key_sid.as_str(),
            format!("SK{}", "b".repeat(32))
        );
    }

    #[test]
    fn every_bad_field_is_reported_at_once() {
        let errors = validate(&input("AC12", "", "short")).expect_err("malformed");
        assert!(
            errors
                .account_sid
                .as_deref()
                .unwrap()
                .contains("32 hexadecimal")
        );
        assert!(errors.api_key_sid.as_deref().unwrap().contains("required"));
        assert!(
            errors
                .api_key_secret
                .as_deref()
                .unwrap()
                .contains("32 characters")
        );
        assert_eq!(errors.profile_name, None);
        assert!(
            !errors.summary().contains("short"),
            "messages never echo the secret"
        );
    }
}
