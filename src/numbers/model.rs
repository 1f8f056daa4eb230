//! Phone numbers as the app and the CLI show and change them: owned numbers with how their
//! calls are routed (read back from the voice URL), numbers for sale, and what a purchase or
//! a change asks for.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::e164::{E164, format_for_display};
use crate::error::{Code, Error};
use crate::twilio::{Capabilities, IncomingPhoneNumber, NumberType};

/// Twilio's call forwarding Twimlet: forwards a call without any server of the user's own.
pub const FORWARD_TWIMLET: &str = "https://twimlets.com/forward";

/// How an owned number's calls are handled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Routing {
    /// By Switchboard's routing: desktop, then greeting and voicemail.
    Switchboard,
    /// By the user's own webhook.
    Webhook {
        /// The URL.
        url: String,
        /// `GET` or `POST`.
        method: String,
    },
    /// Forwarded to another number.
    Forward {
        /// Where calls go (E.164).
        to: String,
    },
    /// By a TwiML App.
    Application {
        /// The app.
        sid: String,
    },
    /// Not handled: Twilio plays its default message.
    None,
}

/// An owned number, for the Numbers view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct OwnedNumber {
    /// `PN…`
    pub sid: String,
    /// E.164.
    pub phone_number: String,
    /// Formatted for people.
    pub display: String,
    /// The user's name for it.
    pub friendly_name: Option<String>,
    /// Voice, SMS, MMS, fax.
    pub voice: bool,
    /// SMS.
    pub sms: bool,
    /// MMS.
    pub mms: bool,
    /// How its calls are handled.
    pub routing: Routing,
    /// Where Twilio asks what to do with its calls, as set on the number.
    pub voice_url: Option<String>,
}

/// A number for sale, with its monthly price.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct OfferedNumber {
    /// E.164.
    pub phone_number: String,
    /// Formatted for people.
    pub display: String,
    /// City and region, when known.
    pub place: Option<String>,
    /// Voice, SMS, MMS.
    pub voice: bool,
    /// SMS.
    pub sms: bool,
    /// MMS.
    pub mms: bool,
    /// Needs an address on file (`none`, `any`, `local`, `foreign`).
    pub address_requirements: Option<String>,
}

/// What to search for.
#[derive(Debug, Clone, Deserialize, TS)]
pub struct NumberSearch {
    /// ISO country code.
    pub country: String,
    /// Local, toll-free or mobile.
    pub kind: NumberType,
    /// Area code (US and Canada).
    #[ts(optional)]
    pub area_code: Option<u32>,
    /// Digits or letters; `*` matches any digit.
    #[ts(optional)]
    pub contains: Option<String>,
    /// Must take SMS.
    #[serde(default)]
    pub sms: bool,
    /// Must take MMS.
    #[serde(default)]
    pub mms: bool,
}

/// A search's numbers and what one costs per month.
#[derive(Debug, Clone, Serialize, TS)]
pub struct SearchResult {
    /// Up to 30 numbers.
    pub numbers: Vec<OfferedNumber>,
    /// The monthly price of a number of this type and country, when Twilio's pricing said.
    pub monthly_price: Option<String>,
    /// The currency of the price.
    pub price_unit: Option<String>,
}

/// A change to an owned number.
#[derive(Debug, Clone, Default, Deserialize, TS)]
pub struct NumberChange {
    /// A new name (empty to clear).
    #[ts(optional)]
    pub friendly_name: Option<String>,
    /// New call handling.
    #[ts(optional)]
    pub routing: Option<Routing>,
    /// Where call status changes are posted (the CLI's `--status-callback`).
    #[serde(skip)]
    #[ts(skip)]
    pub status_callback: Option<String>,
    /// Where Twilio asks what to do with an SMS (the CLI's `--sms-url`).
    #[serde(skip)]
    #[ts(skip)]
    pub sms_url: Option<String>,
}

pub(super) fn routing_of(n: &IncomingPhoneNumber, routing_domain: Option<&str>) -> Routing {
    if let Some(app) = &n.voice_application_sid {
        return Routing::Application {
            sid: app.to_string(),
        };
    }
    let Some(url) = n.voice_url.as_deref().filter(|u| !u.is_empty()) else {
        return Routing::None;
    };
    if routing_domain.is_some_and(|d| url.starts_with(&format!("https://{d}/"))) {
        return Routing::Switchboard;
    }
    if let Some(query) = url.strip_prefix(&format!("{FORWARD_TWIMLET}?"))
        && let Some(to) =
            url::form_urlencoded::parse(query.as_bytes()).find(|(k, _)| k == "PhoneNumber")
    {
        return Routing::Forward {
            to: to.1.into_owned(),
        };
    }
    Routing::Webhook {
        url: url.to_owned(),
        method: n.voice_method.clone().unwrap_or_else(|| "POST".into()),
    }
}

pub(super) fn owned(n: &IncomingPhoneNumber, routing_domain: Option<&str>) -> OwnedNumber {
    let Capabilities {
        voice, sms, mms, ..
    } = n.capabilities;
    OwnedNumber {
        sid: n.sid.to_string(),
        display: format_for_display(&n.phone_number, None),
        phone_number: n.phone_number.clone(),
        friendly_name: n.friendly_name.clone(),
        voice,
        sms,
        mms,
        routing: routing_of(n, routing_domain),
        voice_url: n.voice_url.clone().filter(|u| !u.is_empty()),
    }
}

/// What to buy: a number found by a search, or any number in an area code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Wanted {
    /// This number.
    Number(E164),
    /// Any number in this area code (US and Canada), chosen by Twilio.
    AreaCode(String),
}

impl Wanted {
    /// A number (checked as E.164, `field` naming it in the error) or an area code; an area
    /// code given wins over a number, as the CLI's flags and the Numbers view ask.
    ///
    /// # Errors
    /// [`Code::InvalidInput`] for a malformed number, or when neither is given.
    pub fn from_input(
        field: &str,
        number: Option<&str>,
        area_code: Option<&str>,
    ) -> Result<Self, Error> {
        let invalid = |message: String| Error::new(Code::InvalidInput, message);
        match (number, area_code.filter(|c| !c.trim().is_empty())) {
            (_, Some(code)) => Ok(Self::AreaCode(code.to_owned())),
            (Some(number), None) => E164::parse(field, number, None)
                .map(Self::Number)
                .map_err(|e| invalid(e.message)),
            (None, None) => Err(invalid(format!(
                "{field}: give the number to buy, or an area code."
            ))),
        }
    }
}

impl std::fmt::Display for Wanted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Number(n) => write!(f, "{n}"),
            Self::AreaCode(code) => write!(f, "a number in area code {code}"),
        }
    }
}

/// Where a bought number's calls go, set in the purchase itself so a bought number is never
/// left half-configured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Wiring {
    /// Switchboard's routing (which must be deployed).
    Switchboard,
    /// The user's own webhook, asked with POST.
    Url(String),
    /// Nothing: Twilio plays its default message.
    None,
}

/// A purchase, as the Numbers view and `switchboard numbers buy` ask for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Purchase {
    /// The number, or an area code.
    pub wanted: Wanted,
    /// A name for it.
    pub friendly_name: Option<String>,
    /// Where its calls go.
    pub wiring: Wiring,
}

/// Search filters beyond the Numbers view's, for the CLI.
#[derive(Debug, Clone, Default)]
pub struct MoreFilters {
    /// Only numbers that take faxes.
    pub fax: bool,
    /// Leave out numbers that need an address on file.
    pub exclude_address_required: bool,
    /// Near this number.
    pub near_number: Option<String>,
    /// Near this latitude and longitude.
    pub near_lat_long: Option<(f64, f64)>,
    /// Radius in miles for the near filters.
    pub distance: Option<u32>,
    /// In this postal code.
    pub in_postal_code: Option<String>,
    /// In this state or province.
    pub in_region: Option<String>,
    /// In this city.
    pub in_locality: Option<String>,
    /// In this rate center.
    pub in_rate_center: Option<String>,
    /// In this LATA.
    pub in_lata: Option<String>,
    /// How many numbers at most (default 30).
    pub limit: Option<usize>,
}

/// The monthly price of a number, as Twilio's pricing says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonthlyPrice {
    /// The amount, as Twilio writes it (`1.15`).
    pub amount: String,
    /// The currency (`USD`).
    pub unit: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn number(voice_url: Option<&str>) -> IncomingPhoneNumber {
        serde_json::from_value(serde_json::json!({
            "sid": "PN0123456789abcdef0123456789abcdef", "account_sid": "AC0123456789abcdef0123456789abcdef",
            "phone_number": "+14158675309", "voice_url": voice_url, "voice_method": "GET"
        }))
        .unwrap()
    }

    #[test]
    fn routing_is_read_from_the_voice_url() {
        let domain = Some("switchboard-routing-1234-prod.twil.io");
        assert_eq!(
            routing_of(
                &number(Some(
                    "https://switchboard-routing-1234-prod.twil.io/inbound"
                )),
                domain
            ),
            Routing::Switchboard
        );
        assert_eq!(
            routing_of(
                &number(Some(
                    "https://twimlets.com/forward?PhoneNumber=%2B14155550100"
                )),
                domain
            ),
            Routing::Forward {
                to: "+14155550100".into()
            }
        );
        assert_eq!(
            routing_of(&number(Some("https://example.com/voice")), domain),
            Routing::Webhook {
                url: "https://example.com/voice".into(),
                method: "GET".into()
            }
        );
        assert_eq!(routing_of(&number(Some("")), domain), Routing::None);
        assert_eq!(routing_of(&number(None), None), Routing::None);
    }
}
