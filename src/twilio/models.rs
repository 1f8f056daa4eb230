//! Wire models: Twilio's resources as the REST API sends them.
//!
//! They are read leniently where the live API is known to stray from its spec (numbers sent
//! as strings, empty strings for absent values, new enum values) so that one odd field never
//! fails a whole list. Twilio's dates are RFC 2822 (`Fri, 18 Oct 2019 17:00:00 +0000`); the
//! `*_at` helpers parse them.

use serde::{Deserialize, Deserializer, Serialize};

use crate::secret::Sensitive;
use crate::sid::{
    AccountSid, ApiKeySid, ApplicationSid, CallSid, PhoneNumberSid, RecordingSid, TranscriptionSid,
};

/// A string field that may also come as a number, `null` or be missing.
pub(super) fn lenient_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match serde_json::Value::deserialize(d)? {
        serde_json::Value::String(s) if s.is_empty() => None,
        serde_json::Value::String(s) => Some(s),
        serde_json::Value::Number(n) => Some(n.to_string()),
        serde_json::Value::Bool(b) => Some(b.to_string()),
        _ => None,
    })
}

/// A SID field that may be absent, `null` or `""`.
fn optional_sid<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: std::str::FromStr<Err = crate::sid::SidError>,
{
    match Option::<String>::deserialize(d)? {
        None => Ok(None),
        Some(s) if s.trim().is_empty() => Ok(None),
        Some(s) => s.parse().map(Some).map_err(serde::de::Error::custom),
    }
}

/// Parses one of Twilio's RFC 2822 dates.
pub fn parse_twilio_date(raw: &str) -> Option<jiff::Timestamp> {
    jiff::fmt::rfc2822::parse(raw)
        .ok()
        .map(|zoned| zoned.timestamp())
}

/// A call.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Call {
    /// The call.
    pub sid: CallSid,
    /// The account it belongs to.
    pub account_sid: AccountSid,
    /// The caller: an E.164 number, `client:identity` or a SIP address.
    #[serde(default, deserialize_with = "lenient_string")]
    pub from: Option<String>,
    /// The callee, as `from`.
    #[serde(default, deserialize_with = "lenient_string")]
    pub to: Option<String>,
    /// Its state.
    pub status: CallStatus,
    /// `inbound`, `outbound-api` or `outbound-dial`.
    #[serde(default, deserialize_with = "lenient_string")]
    pub direction: Option<String>,
    /// When it started ringing or was answered (RFC 2822).
    #[serde(default, deserialize_with = "lenient_string")]
    pub start_time: Option<String>,
    /// When it ended (RFC 2822).
    #[serde(default, deserialize_with = "lenient_string")]
    pub end_time: Option<String>,
    /// Length in seconds, once it ended.
    #[serde(default, deserialize_with = "lenient_string")]
    pub duration: Option<String>,
    /// What it cost (negative, as Twilio reports it), once known.
    #[serde(default, deserialize_with = "lenient_string")]
    pub price: Option<String>,
    /// The currency of `price`.
    #[serde(default, deserialize_with = "lenient_string")]
    pub price_unit: Option<String>,
    /// The call that created this one (a `<Dial>` leg's parent).
    #[serde(default, deserialize_with = "optional_sid")]
    pub parent_call_sid: Option<CallSid>,
    /// Caller ID name, when Twilio looked it up.
    #[serde(default, deserialize_with = "lenient_string")]
    pub caller_name: Option<String>,
    /// `human`, `machine_start`, … when machine detection ran.
    #[serde(default, deserialize_with = "lenient_string")]
    pub answered_by: Option<String>,
    /// When Twilio created it (RFC 2822).
    #[serde(default, deserialize_with = "lenient_string")]
    pub date_created: Option<String>,
}

/// A call's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CallStatus {
    /// Waiting to be placed.
    Queued,
    /// Ringing.
    Ringing,
    /// Connected.
    InProgress,
    /// Ended after being connected.
    Completed,
    /// The callee was busy.
    Busy,
    /// Could not be placed.
    Failed,
    /// Not answered.
    NoAnswer,
    /// Hung up while queued or ringing.
    Canceled,
    /// A state newer than this build.
    #[serde(other)]
    Unknown,
}

impl CallStatus {
    /// Twilio's spelling, for filters.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Ringing => "ringing",
            Self::InProgress => "in-progress",
            Self::Completed => "completed",
            Self::Busy => "busy",
            Self::Failed => "failed",
            Self::NoAnswer => "no-answer",
            Self::Canceled => "canceled",
            Self::Unknown => "unknown",
        }
    }

    /// Parses Twilio's spelling.
    pub fn parse(raw: &str) -> Option<Self> {
        serde_json::from_value(serde_json::Value::String(raw.trim().to_ascii_lowercase()))
            .ok()
            .filter(|s| *s != Self::Unknown)
    }
}

/// A recording of a call or conference.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Recording {
    /// The recording.
    pub sid: RecordingSid,
    /// The account it belongs to.
    pub account_sid: AccountSid,
    /// The call recorded, when it was a call.
    #[serde(default, deserialize_with = "optional_sid")]
    pub call_sid: Option<CallSid>,
    /// Length in seconds (`-1` while it is being processed).
    #[serde(default, deserialize_with = "lenient_string")]
    pub duration: Option<String>,
    /// `in-progress`, `paused`, `stopped`, `processing`, `completed`, `absent`, `deleted`.
    #[serde(default, deserialize_with = "lenient_string")]
    pub status: Option<String>,
    /// How it was made: `RecordVerb` for voicemail left through `<Record>`.
    #[serde(default, deserialize_with = "lenient_string")]
    pub source: Option<String>,
    /// Audio channels.
    #[serde(default)]
    pub channels: Option<u32>,
    /// What it cost, once known.
    #[serde(default, deserialize_with = "lenient_string")]
    pub price: Option<String>,
    /// The currency of `price`.
    #[serde(default, deserialize_with = "lenient_string")]
    pub price_unit: Option<String>,
    /// When recording started (RFC 2822).
    #[serde(default, deserialize_with = "lenient_string")]
    pub start_time: Option<String>,
    /// When Twilio created it (RFC 2822).
    #[serde(default, deserialize_with = "lenient_string")]
    pub date_created: Option<String>,
    /// Twilio's error code when recording failed.
    #[serde(default)]
    pub error_code: Option<u32>,
}

/// A transcription of a recording.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Transcription {
    /// The transcription.
    pub sid: TranscriptionSid,
    /// The account it belongs to.
    pub account_sid: AccountSid,
    /// The recording transcribed.
    #[serde(default, deserialize_with = "optional_sid")]
    pub recording_sid: Option<RecordingSid>,
    /// `in-progress`, `completed` or `failed`.
    #[serde(default, deserialize_with = "lenient_string")]
    pub status: Option<String>,
    /// The text, once completed.
    #[serde(default, deserialize_with = "lenient_string")]
    pub transcription_text: Option<String>,
    /// Length of the recording in seconds.
    #[serde(default, deserialize_with = "lenient_string")]
    pub duration: Option<String>,
    /// What it cost.
    #[serde(default, deserialize_with = "lenient_string")]
    pub price: Option<String>,
    /// When Twilio created it (RFC 2822).
    #[serde(default, deserialize_with = "lenient_string")]
    pub date_created: Option<String>,
}

/// What a number can do.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct Capabilities {
    /// Voice calls.
    #[serde(default, alias = "Voice")]
    pub voice: bool,
    /// SMS.
    #[serde(default, alias = "SMS")]
    pub sms: bool,
    /// MMS.
    #[serde(default, alias = "MMS")]
    pub mms: bool,
    /// Fax.
    #[serde(default, alias = "Fax")]
    pub fax: bool,
}

/// A phone number the account owns.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct IncomingPhoneNumber {
    /// The number's SID.
    pub sid: PhoneNumberSid,
    /// The account it belongs to.
    pub account_sid: AccountSid,
    /// The number in E.164.
    pub phone_number: String,
    /// The user's name for it.
    #[serde(default, deserialize_with = "lenient_string")]
    pub friendly_name: Option<String>,
    /// What it can do.
    #[serde(default)]
    pub capabilities: Capabilities,
    /// Where Twilio asks what to do with a call.
    #[serde(default, deserialize_with = "lenient_string")]
    pub voice_url: Option<String>,
    /// `GET` or `POST` for `voice_url`.
    #[serde(default, deserialize_with = "lenient_string")]
    pub voice_method: Option<String>,
    /// The TwiML App that handles calls, instead of `voice_url`.
    #[serde(default, deserialize_with = "optional_sid")]
    pub voice_application_sid: Option<ApplicationSid>,
    /// Where call status changes are posted.
    #[serde(default, deserialize_with = "lenient_string")]
    pub status_callback: Option<String>,
    /// Where Twilio asks what to do with an SMS.
    #[serde(default, deserialize_with = "lenient_string")]
    pub sms_url: Option<String>,
    /// `twilio` or `hosted`.
    #[serde(default, deserialize_with = "lenient_string")]
    pub origin: Option<String>,
    /// When it was bought (RFC 2822).
    #[serde(default, deserialize_with = "lenient_string")]
    pub date_created: Option<String>,
}

/// A number offered for sale.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct AvailablePhoneNumber {
    /// The number in E.164.
    pub phone_number: String,
    /// The number formatted for its country.
    #[serde(default, deserialize_with = "lenient_string")]
    pub friendly_name: Option<String>,
    /// City.
    #[serde(default, deserialize_with = "lenient_string")]
    pub locality: Option<String>,
    /// State or province.
    #[serde(default, deserialize_with = "lenient_string")]
    pub region: Option<String>,
    /// Postal code.
    #[serde(default, deserialize_with = "lenient_string")]
    pub postal_code: Option<String>,
    /// ISO country.
    #[serde(default, deserialize_with = "lenient_string")]
    pub iso_country: Option<String>,
    /// Rate center (US and Canada).
    #[serde(default, deserialize_with = "lenient_string")]
    pub rate_center: Option<String>,
    /// Latitude (sent as a string by the live API, a number by the spec).
    #[serde(default, deserialize_with = "lenient_string")]
    pub latitude: Option<String>,
    /// Longitude, as `latitude`.
    #[serde(default, deserialize_with = "lenient_string")]
    pub longitude: Option<String>,
    /// `none`, `any`, `local` or `foreign`: the address a buyer must have on file.
    #[serde(default, deserialize_with = "lenient_string")]
    pub address_requirements: Option<String>,
    /// Whether it is new to Twilio's platform.
    #[serde(default)]
    pub beta: bool,
    /// What it can do.
    #[serde(default)]
    pub capabilities: Capabilities,
}

/// A TwiML App: URLs Twilio asks for instructions, shared by numbers and Voice SDK clients.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Application {
    /// The app.
    pub sid: ApplicationSid,
    /// Its name.
    #[serde(default, deserialize_with = "lenient_string")]
    pub friendly_name: Option<String>,
    /// Where Twilio asks what to do with a call.
    #[serde(default, deserialize_with = "lenient_string")]
    pub voice_url: Option<String>,
    /// `GET` or `POST` for `voice_url`.
    #[serde(default, deserialize_with = "lenient_string")]
    pub voice_method: Option<String>,
    /// Where call status changes are posted.
    #[serde(default, deserialize_with = "lenient_string")]
    pub status_callback: Option<String>,
    /// When it was created (RFC 2822).
    #[serde(default, deserialize_with = "lenient_string")]
    pub date_created: Option<String>,
}

/// An API key (its secret is only shown when it is created).
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Key {
    /// The key.
    pub sid: ApiKeySid,
    /// Its name.
    #[serde(default, deserialize_with = "lenient_string")]
    pub friendly_name: Option<String>,
    /// When it was created (RFC 2822).
    #[serde(default, deserialize_with = "lenient_string")]
    pub date_created: Option<String>,
}

/// A key just created, with its secret: the one time Twilio reveals it. Not serializable.
#[derive(Debug, Clone, Deserialize)]
pub struct NewKey {
    /// The key.
    pub sid: ApiKeySid,
    /// Its name.
    #[serde(default, deserialize_with = "lenient_string")]
    pub friendly_name: Option<String>,
    /// The secret, to keep in the keychain at once.
    pub secret: Sensitive<String>,
}

/// Phone number prices in one country (Pricing v1).
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct PhoneNumberCountryPrices {
    /// The country's name.
    #[serde(default, deserialize_with = "lenient_string")]
    pub country: Option<String>,
    /// ISO 3166 alpha-2.
    #[serde(default, deserialize_with = "lenient_string")]
    pub iso_country: Option<String>,
    /// Currency of the prices, such as `USD`.
    #[serde(default, deserialize_with = "lenient_string")]
    pub price_unit: Option<String>,
    /// Monthly price per number type.
    #[serde(default)]
    pub phone_number_prices: Vec<PhoneNumberPrice>,
}

/// The monthly price of one type of number.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct PhoneNumberPrice {
    /// `local`, `toll free`, `mobile`, `national`, …
    #[serde(default, deserialize_with = "lenient_string")]
    pub number_type: Option<String>,
    /// List price.
    #[serde(default, deserialize_with = "lenient_string")]
    pub base_price: Option<String>,
    /// Price for this account, after discounts.
    #[serde(default, deserialize_with = "lenient_string")]
    pub current_price: Option<String>,
}

impl PhoneNumberCountryPrices {
    /// The current monthly price of a number of `kind` (`local`, `toll free`, `mobile`).
    pub fn monthly_price(&self, kind: &str) -> Option<&str> {
        let wanted = kind.replace(['-', '_'], " ").to_ascii_lowercase();
        self.phone_number_prices
            .iter()
            .find(|p| {
                p.number_type
                    .as_deref()
                    .is_some_and(|t| t.replace(['-', '_'], " ").eq_ignore_ascii_case(&wanted))
            })
            .and_then(|p| p.current_price.as_deref().or(p.base_price.as_deref()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_live_apis_quirks_are_read_leniently() {
        let number: AvailablePhoneNumber = serde_json::from_value(serde_json::json!({
            "phone_number": "+14155550123", "latitude": "37.77", "longitude": -122.4,
            "capabilities": {"voice": true, "SMS": true, "MMS": false}, "region": ""
        }))
        .unwrap();
        assert_eq!(number.latitude.as_deref(), Some("37.77"));
        assert_eq!(number.longitude.as_deref(), Some("-122.4"));
        assert!(number.capabilities.voice && number.capabilities.sms && !number.capabilities.mms);
        assert_eq!(number.region, None, "an empty string is no value");

        let call: Call = serde_json::from_value(serde_json::json!({
            "sid": "CA0123456789abcdef0123456789abcdef", "account_sid": "AC0123456789abcdef0123456789abcdef",
            "status": "some-new-state", "parent_call_sid": "", "duration": 4
        }))
        .unwrap();
        assert_eq!(call.status, CallStatus::Unknown);
        assert_eq!(call.parent_call_sid, None);
        assert_eq!(call.duration.as_deref(), Some("4"));
    }

    #[test]
    fn twilio_dates_parse() {
        let t = parse_twilio_date("Fri, 18 Oct 2019 17:00:00 +0000").unwrap();
        assert_eq!(t.to_string(), "2019-10-18T17:00:00Z");
        assert!(parse_twilio_date("yesterday").is_none());
    }

    #[test]
    fn a_new_keys_secret_is_redacted() {
        let key: NewKey = serde_json::from_value(serde_json::json!({
            "sid": "SK0123456789abcdef0123456789abcdef", "secret": "canary-secret-value"
        }))
        .unwrap();
        assert!(!format!("{key:?}").contains("canary"));
    }
}
