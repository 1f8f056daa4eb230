//! Values that must never be shown, logged or sent anywhere but where they belong.

use std::fmt;

use serde::{Deserialize, Deserializer};

/// A secret such as an API key secret.
///
/// `Debug` and `Display` print `<redacted>`; there is deliberately no `Serialize`, so a secret
/// cannot end up in an IPC payload, a `--json` output or a log line by accident. It can be
/// deserialized, because the UI hands one over exactly once, during onboarding.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Sensitive<T>(T);

impl<T> Sensitive<T> {
    /// Wraps a secret value.
    pub fn new(value: T) -> Self {
        Self(value)
    }

    /// The secret itself, for the one place that must use it (an auth header, the keychain).
    pub fn expose(&self) -> &T {
        &self.0
    }

    /// Unwraps the secret.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> fmt::Debug for Sensitive<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl<T> fmt::Display for Sensitive<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Sensitive<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        T::deserialize(d).map(Self)
    }
}

impl From<String> for Sensitive<String> {
    fn from(value: String) -> Self {
        Self(value)
    }
}

/// Checks the form of an API key secret: 32 letters and digits, as Twilio issues them.
///
/// # Errors
/// A sentence naming the field and what is wrong, fit to show beside it.
pub fn validate_api_key_secret(secret: &str) -> Result<(), String> {
    let what = "The API key secret";
    if secret.is_empty() {
        return Err(format!("{what} is required."));
    }
    if secret.starts_with("SK") && secret.len() == 34 {
        return Err(format!(
            "{what} looks like the API key SID. The secret is shown once, next to the SID, when the key is created."
        ));
    }
    if secret.chars().any(char::is_whitespace) {
        return Err(format!("{what} must not contain spaces."));
    }
    if !secret.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(format!("{what} holds only letters and digits."));
    }
    if secret.len() != 32 {
        return Err(format!(
            "{what} is 32 characters long; this one has {}.",
            secret.len()
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_never_show_the_value() {
        let s = Sensitive::new("canary-9f8e7d".to_owned());
        assert_eq!(format!("{s:?}"), "<redacted>");
        assert_eq!(format!("{s}"), "<redacted>");
        assert!(!format!("{:?}", Some(&s)).contains("canary"));
    }

    #[test]
    fn secret_form_checks() {
        assert!(validate_api_key_secret(&"a".repeat(32)).is_ok());
        for (input, expected) in [
            ("", "required"),
            (
                "SK0123456789abcdef0123456789abcdef",
                "looks like the API key SID",
            ),
            ("abc def", "spaces"),
            ("abc-def", "letters and digits"),
            ("abc", "this one has 3"),
        ] {
            let err = validate_api_key_secret(input).expect_err(input);
            assert!(err.contains(expected), "{input:?}: {err}");
        }
    }
}
