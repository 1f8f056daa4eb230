//! Connecting a Twilio account: checking the form of what the user typed, checking it against
//! Twilio, and only then keeping it (secret in the keychain, profile in the database).

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::secret::{Sensitive, validate_api_key_secret};
use crate::sid::{AccountSid, ApiKeySid};
use crate::twilio::Credentials;

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
