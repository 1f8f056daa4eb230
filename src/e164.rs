//! Phone numbers, validated as E.164 before any request.
//!
//! Twilio takes numbers as E.164 (`+14155550123`). Users type them with spaces, dashes,
//! dots and parentheses, or in national form for their own country; [`E164::parse`] accepts
//! all of those (national form only with a default country) and refuses anything
//! libphonenumber does not consider a valid number, naming the field.

use std::fmt;

use phonenumber::{Mode, country};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Why a string is not a usable phone number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct PhoneError {
    /// A sentence naming the field and the problem.
    pub message: String,
}

/// The most digits an E.164 number has, country code included.
const E164_MAX_DIGITS: usize = 15;

/// A valid phone number in E.164 form.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct E164(String);

impl E164 {
    /// Parses `input` for the field called `field` in messages. Without a `+`, `default_country`
    /// (ISO 3166 alpha-2 such as `US`) says how to read a national number.
    ///
    /// # Errors
    /// A [`PhoneError`] naming `field`: empty, letters, missing country code, more than 15
    /// digits, or not a valid number anywhere.
    pub fn parse(
        field: &str,
        input: &str,
        default_country: Option<&str>,
    ) -> Result<Self, PhoneError> {
        let fail = |detail: String| {
            Err(PhoneError {
                message: format!("{field}: {detail}"),
            })
        };
        let raw = input.trim();
        if raw.is_empty() {
            return fail("a phone number is required.".into());
        }
        if let Some(bad) = raw
            .chars()
            .find(|c| !(c.is_ascii_digit() || " +-.()/".contains(*c)))
        {
            return fail(format!(
                "{raw:?} has {bad:?} in it; a phone number holds digits, with an optional leading + and spaces, dashes, dots or parentheses."
            ));
        }
        let country = match default_country {
            Some(code) if !raw.starts_with('+') => Some(
                code.trim()
                    .to_ascii_uppercase()
                    .parse::<country::Id>()
                    .map_err(|_| PhoneError {
                        message: format!(
                            "{field}: {code:?} is not a two-letter country code such as US or GB."
                        ),
                    })?,
            ),
            _ => None,
        };
        if country.is_none() && !raw.starts_with('+') {
            return fail(format!(
                "{raw:?} has no country code; write it as + then the country code and number, such as +14155550123."
            ));
        }
        let number = match phonenumber::parse(country, raw) {
            Ok(number) => number,
            Err(_) => return fail(format!("{raw:?} is not a phone number.")),
        };
        if !phonenumber::is_valid(&number) {
            return fail(format!(
                "{raw:?} is not a valid number for its country code; check the digits."
            ));
        }
        let e164 = number.format().mode(Mode::E164).to_string();
        // libphonenumber takes some national numbers longer than E.164 allows; Twilio does not.
        if e164.len() > E164_MAX_DIGITS + 1 {
            return fail(format!(
                "{raw:?} is too long: a phone number has at most {E164_MAX_DIGITS} digits with its country code."
            ));
        }
        Ok(Self(e164))
    }

    /// The number as Twilio takes it, such as `+14155550123`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The number formatted for people: national form for `home_country` (ISO alpha-2), the
    /// international form otherwise.
    pub fn display(&self, home_country: Option<&str>) -> String {
        format_for_display(&self.0, home_country)
    }
}

/// Formats any number Twilio reports (E.164, or `client:alice` and other addresses, shown as
/// they are) for people.
pub fn format_for_display(number: &str, home_country: Option<&str>) -> String {
    let Ok(parsed) = phonenumber::parse(None, number) else {
        return number.to_owned();
    };
    let same_country = home_country
        .and_then(|c| c.to_ascii_uppercase().parse::<country::Id>().ok())
        .is_some_and(|home| parsed.country().id() == Some(home));
    let mode = if same_country {
        Mode::National
    } else {
        Mode::International
    };
    parsed.format().mode(mode).to_string()
}

/// Formats `number` for someone who owns `ours`: nationally when both are numbers of the same
/// country (as a caller to a US number sees `(415) 555-0101`), internationally otherwise.
pub fn format_beside(number: &str, ours: Option<&str>) -> String {
    let home = ours
        .and_then(|o| phonenumber::parse(None, o).ok())
        .and_then(|p| p.country().id())
        .map(|id| id.as_ref().to_owned());
    format_for_display(number, home.as_deref())
}

impl fmt::Display for E164 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for E164 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "E164({})", self.0)
    }
}

impl Serialize for E164 {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for E164 {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        Self::parse("phone number", &raw, None).map_err(serde::de::Error::custom)
    }
}

impl ts_rs::TS for E164 {
    type WithoutGenerics = Self;
    type OptionInnerType = Self;
    fn name(_: &ts_rs::Config) -> String {
        "string".into()
    }
    fn inline(_: &ts_rs::Config) -> String {
        "string".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formatted_input_becomes_e164() {
        for input in ["+1 (415) 867-5309", "+1.415.867.5309", " +14158675309 "] {
            assert_eq!(
                E164::parse("To", input, None).unwrap().as_str(),
                "+14158675309"
            );
        }
        assert_eq!(
            E164::parse("To", "020 7946 0958", Some("gb"))
                .unwrap()
                .as_str(),
            "+442079460958"
        );
    }

    #[test]
    fn malformed_numbers_are_refused_naming_the_field() {
        let cases = [
            ("", "required"),
            ("+1 415 CALL NOW", "has 'C' in it"),
            ("4158675309", "no country code"),
            ("+1 415 867", "not a valid number"),
            ("+999 1234567", "not"),
        ];
        for (input, expected) in cases {
            let err = E164::parse("To", input, None).expect_err(input);
            assert!(
                err.message.starts_with("To: ") && err.message.contains(expected),
                "{input:?}: {}",
                err.message
            );
        }
        let err = E164::parse("To", "4158675309", Some("XX")).unwrap_err();
        assert!(
            err.message.contains("two-letter country code"),
            "{}",
            err.message
        );
    }

    #[test]
    fn display_is_national_at_home_and_international_abroad() {
        let n = E164::parse("n", "+14158675309", None).unwrap();
        assert_eq!(n.display(Some("US")), "(415) 867-5309");
        assert_eq!(n.display(Some("GB")), "+1 415-867-5309");
        assert_eq!(format_for_display("client:alice", None), "client:alice");
        assert_eq!(
            format_beside("+14155550101", Some("+14158675309")),
            "(415) 555-0101"
        );
        assert_eq!(
            format_beside("+442079460958", Some("+14158675309")),
            "+44 20 7946 0958"
        );
        assert_eq!(format_beside("+14155550101", None), "+1 415-555-0101");
    }
}
