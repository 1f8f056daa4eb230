//! Twilio resource identifiers.
//!
//! A SID is a two-letter type prefix followed by 32 hexadecimal digits. Each kind gets its own
//! newtype so an `ApiKeySid` can never be passed where an `AccountSid` is expected, and every
//! value is validated once, at the edge, with a message that names the field and says what is
//! wrong.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Why a string is not a valid SID of the expected kind.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct SidError {
    /// A sentence naming the field and the problem, fit to show beside the field.
    pub message: String,
}

/// Kinds of SID users paste by mistake into the wrong field, to say what they pasted.
const KNOWN_PREFIXES: &[(&str, &str)] = &[
    ("AC", "an Account SID"),
    ("SK", "an API key SID"),
    ("CA", "a Call SID"),
    ("RE", "a Recording SID"),
    ("TR", "a Transcription SID"),
    ("PN", "a phone number SID"),
    ("AP", "a TwiML App SID"),
];

fn validate(value: &str, prefix: &str, what: &str) -> Result<(), SidError> {
    let fail = |detail: String| {
        Err(SidError {
            message: format!("{what} {detail}"),
        })
    };
    if value.is_empty() {
        return fail("is required.".into());
    }
    if value.chars().any(char::is_whitespace) {
        return fail("must not contain spaces.".into());
    }
    if !value.starts_with(prefix) {
        let pasted = KNOWN_PREFIXES
            .iter()
            .find(|(p, _)| value.starts_with(p))
            .map(|(_, kind)| format!(" This looks like {kind}."))
            .unwrap_or_default();
        return fail(format!("starts with \"{prefix}\".{pasted}"));
    }
    let digits = &value[prefix.len()..];
    if let Some(bad) = digits.chars().find(|c| !c.is_ascii_hexdigit()) {
        return fail(format!(
            "has \"{bad}\" in it; after \"{prefix}\" it holds only the digits 0-9 and letters a-f."
        ));
    }
    if digits.len() != 32 {
        return fail(format!(
            "is \"{prefix}\" followed by 32 hexadecimal digits; this one has {}.",
            digits.len()
        ));
    }
    Ok(())
}

macro_rules! sid_type {
    ($(#[$meta:meta])* $name:ident, $prefix:literal, $what:literal) => {
        $(#[$meta])*
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            /// The two-letter prefix every SID of this kind starts with.
            pub const PREFIX: &'static str = $prefix;
            /// What the field is called in messages.
            pub const WHAT: &'static str = $what;

            /// Validates `value` (surrounding whitespace is ignored, as from a paste).
            ///
            /// # Errors
            /// A [`SidError`] naming the field and what is wrong with the value.
            pub fn parse(value: &str) -> Result<Self, SidError> {
                let value = value.trim();
                validate(value, $prefix, $what)?;
                Ok(Self(value.to_owned()))
            }

            /// The SID as Twilio spells it.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl FromStr for $name {
            type Err = SidError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let raw = String::deserialize(d)?;
                Self::parse(&raw).map_err(serde::de::Error::custom)
            }
        }

        impl ts_rs::TS for $name {
            type WithoutGenerics = Self;
            type OptionInnerType = Self;
            fn name(_: &ts_rs::Config) -> String {
                "string".into()
            }
            fn inline(_: &ts_rs::Config) -> String {
                "string".into()
            }
        }
    };
}

sid_type!(
    /// Identifies a Twilio account or subaccount (`AC…`).
    AccountSid, "AC", "An Account SID"
);
sid_type!(
    /// Identifies a Twilio API key (`SK…`); it is the user name when authenticating with a key.
    ApiKeySid, "SK", "An API key SID"
);

sid_type!(
    /// Identifies a TwiML App (`AP…`), the outgoing application of a Voice access token.
    ApplicationSid, "AP", "A TwiML App SID"
);
sid_type!(
    /// Identifies a call (`CA…`).
    CallSid, "CA", "A Call SID"
);
sid_type!(
    /// Identifies a recording (`RE…`).
    RecordingSid, "RE", "A Recording SID"
);
sid_type!(
    /// Identifies a transcription (`TR…`).
    TranscriptionSid, "TR", "A Transcription SID"
);
sid_type!(
    /// Identifies a phone number owned by an account (`PN…`).
    PhoneNumberSid, "PN", "A phone number SID"
);
sid_type!(
    /// Identifies a push credential (`CR…`) for mobile Voice SDK notifications.
    PushCredentialSid, "CR", "A push credential SID"
);

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "AC0123456789abcdef0123456789ABCDEF";

    #[test]
    fn accepts_a_well_formed_sid_and_trims_paste_whitespace() {
        let sid = AccountSid::parse(&format!("  {GOOD}\n")).expect("valid SID");
        assert_eq!(sid.as_str(), GOOD, "the stored SID carries no whitespace");
    }

    #[test]
    fn each_malformation_gets_its_own_message() {
        let cases = [
            ("", "is required"),
            (
                "AC0123 456789abcdef0123456789abcdef",
                "must not contain spaces",
            ),
            (
                "SK0123456789abcdef0123456789abcdef",
                "looks like an API key SID",
            ),
            ("XY0123456789abcdef0123456789abcdef", "starts with \"AC\""),
            ("AC0123456789abcdef0123456789abcdeg", "has \"g\" in it"),
            ("AC0123", "this one has 4"),
        ];
        for (input, expected) in cases {
            let err = AccountSid::parse(input).expect_err(input);
            assert!(
                err.message.starts_with("An Account SID") && err.message.contains(expected),
                "message for {input:?} should name the field and say {expected:?}, got {:?}",
                err.message
            );
        }
    }

    #[test]
    fn deserializing_validates() {
        let ok: ApiKeySid = serde_json::from_str(&format!("\"SK{}\"", &GOOD[2..])).unwrap();
        assert_eq!(ok.as_str().len(), 34);
        let bad = serde_json::from_str::<ApiKeySid>("\"SKnope\"");
        assert!(bad.is_err(), "a malformed SID must not deserialize");
    }
}
