//! `IncomingPhoneNumbers` (the account's numbers) and `AvailablePhoneNumbers` (numbers for
//! sale).

use reqwest::Method;

use super::base::Domain;
use super::client::Client;
use super::error::TwilioError;
use super::form::{Form, WebhookMethod};
use super::models::{AvailablePhoneNumber, IncomingPhoneNumber};
use super::page;
use super::page::ListStream;
use super::page::list_api;
use crate::sid::{ApplicationSid, PhoneNumberSid};

/// Handler for the IncomingPhoneNumbers resource.
#[derive(Debug)]
pub struct IncomingNumbers<'c> {
    client: &'c Client,
}

impl<'c> IncomingNumbers<'c> {
    pub(super) fn new(client: &'c Client) -> Self {
        Self { client }
    }

    fn path(&self, rest: &str) -> String {
        format!(
            "/2010-04-01/Accounts/{}/IncomingPhoneNumbers{rest}",
            self.client.account_sid()
        )
    }

    /// Every number of the account, a thousand a page.
    ///
    /// # Errors
    /// Twilio's errors.
    pub async fn all(&self) -> Result<Vec<IncomingPhoneNumber>, TwilioError> {
        use futures_util::TryStreamExt;
        self.list().page_size(1000).stream().try_collect().await
    }

    /// Lists the account's numbers.
    pub fn list(&self) -> ListNumbers<'c> {
        ListNumbers {
            client: self.client,
            path: self.path(".json"),
            form: Form::default(),
        }
    }

    /// Fetches one number.
    ///
    /// # Errors
    /// [`TwilioError`] for an error answer or a failed request.
    pub async fn get(&self, sid: &PhoneNumberSid) -> Result<IncomingPhoneNumber, TwilioError> {
        self.client
            .get_json(&self.path(&format!("/{sid}.json")), "the phone number")
            .await
    }

    /// Buys a number: a specific one ([`BuyNumber::phone_number`]) or any in an area code
    /// ([`BuyNumber::area_code`], US and Canada).
    pub fn buy(&self) -> BuyNumber<'c> {
        BuyNumber {
            client: self.client,
            path: self.path(".json"),
            form: NumberConfig::default(),
        }
    }

    /// Changes a number's name or routing.
    pub fn update(&self, sid: &PhoneNumberSid) -> UpdateNumber<'c> {
        UpdateNumber {
            client: self.client,
            path: self.path(&format!("/{sid}.json")),
            form: NumberConfig::default(),
        }
    }

    /// Releases a number: it leaves the account at once and may be bought by anyone.
    ///
    /// # Errors
    /// [`TwilioError`] for an error answer or a failed request.
    pub async fn release(&self, sid: &PhoneNumberSid) -> Result<(), TwilioError> {
        self.client
            .delete(&self.path(&format!("/{sid}.json")))
            .await
    }
}

/// The settings shared by buying and updating a number.
#[derive(Debug, Default)]
pub struct NumberConfig(Form);

macro_rules! number_config {
    ($builder:ident) => {
        impl $builder<'_> {
            /// The user's name for the number (at most 64 characters).
            pub fn friendly_name(mut self, name: &str) -> Self {
                self.form
                    .0
                    .bounded_text("FriendlyName", "FriendlyName", name, 64);
                self
            }

            /// Where Twilio asks what to do with a call.
            pub fn voice_url(mut self, url: &str) -> Self {
                self.form.0.url("VoiceUrl", "VoiceUrl", url);
                self
            }

            /// The method for the voice URL.
            pub fn voice_method(mut self, method: WebhookMethod) -> Self {
                self.form.0.method("VoiceMethod", method);
                self
            }

            /// A TwiML App handles calls instead of the voice URL.
            pub fn voice_application(mut self, sid: &ApplicationSid) -> Self {
                self.form.0.sid("VoiceApplicationSid", sid);
                self
            }

            /// Clears the voice URL: Twilio then answers calls with its default message.
            pub fn clear_voice_url(mut self) -> Self {
                self.form.0.text("VoiceUrl", "");
                self
            }

            /// Clears the TwiML App so the voice URL applies again.
            pub fn clear_voice_application(mut self) -> Self {
                self.form.0.text("VoiceApplicationSid", "");
                self
            }

            /// Where call status changes are posted.
            pub fn status_callback(mut self, url: &str) -> Self {
                self.form.0.url("StatusCallback", "StatusCallback", url);
                self
            }

            /// Where Twilio asks what to do with an SMS.
            pub fn sms_url(mut self, url: &str) -> Self {
                self.form.0.url("SmsUrl", "SmsUrl", url);
                self
            }
        }
    };
}

/// Builder for buying a number.
#[derive(Debug)]
#[must_use = "a builder does nothing until sent"]
pub struct BuyNumber<'c> {
    client: &'c Client,
    path: String,
    form: NumberConfig,
}

number_config!(BuyNumber);

impl BuyNumber<'_> {
    /// The number to buy, as found by a search (E.164).
    pub fn phone_number(mut self, number: &str) -> Self {
        self.form.0.phone("PhoneNumber", "PhoneNumber", number);
        self
    }

    /// Any available number in this three-digit area code (US and Canada).
    pub fn area_code(mut self, code: &str) -> Self {
        let code = code.trim();
        if code.len() == 3
            && code.chars().all(|c| c.is_ascii_digit())
            && !code.starts_with(['0', '1'])
        {
            self.form.0.text("AreaCode", code);
        } else {
            self.form.0.invalid(format!(
                "AreaCode: {code:?} is not a North American area code (three digits, not starting with 0 or 1)."
            ));
        }
        self
    }

    /// Buys it. Twilio charges the first month at once.
    ///
    /// # Errors
    /// [`TwilioError::Invalid`] without exactly one of a number or an area code (nothing is
    /// sent); Twilio's errors otherwise (21422 when the number is no longer available).
    pub async fn send(self) -> Result<IncomingPhoneNumber, TwilioError> {
        let mut form = self.form.0;
        let chosen = ["PhoneNumber", "AreaCode"]
            .iter()
            .filter(|k| form.get(k).is_some())
            .count();
        if chosen != 1 {
            form.invalid(
                "Buying a number needs exactly one of a phone number or an area code.".into(),
            );
        }
        let params = form.finish()?;
        self.client
            .request(Method::POST, Domain::Api, &self.path)
            .form(params)
            .json("the bought number")
            .await
    }
}

/// Builder for changing a number.
#[derive(Debug)]
#[must_use = "a builder does nothing until sent"]
pub struct UpdateNumber<'c> {
    client: &'c Client,
    path: String,
    form: NumberConfig,
}

number_config!(UpdateNumber);

impl UpdateNumber<'_> {
    /// Sends the change.
    ///
    /// # Errors
    /// [`TwilioError::Invalid`] for a malformed value (nothing is sent); Twilio's errors.
    pub async fn send(self) -> Result<IncomingPhoneNumber, TwilioError> {
        let params = self.form.0.finish()?;
        if params.0.is_empty() {
            return Err(TwilioError::Invalid(
                "Nothing to change: give a name, a voice URL, an application or a callback.".into(),
            ));
        }
        self.client
            .request(Method::POST, Domain::Api, &self.path)
            .form(params)
            .json("the updated number")
            .await
    }
}

/// Builder for listing the account's numbers.
#[derive(Debug)]
#[must_use = "a builder does nothing until streamed"]
pub struct ListNumbers<'c> {
    client: &'c Client,
    path: String,
    form: Form,
}

impl<'c> ListNumbers<'c> {
    /// Only numbers whose name contains this.
    pub fn friendly_name(mut self, name: &str) -> Self {
        self.form.text("FriendlyName", name);
        self
    }

    /// Only numbers that contain these digits (`*` matches any one digit).
    pub fn phone_number(mut self, pattern: &str) -> Self {
        match check_pattern("PhoneNumber", pattern) {
            Ok(p) => self.form.text("PhoneNumber", &p),
            Err(e) => self.form.invalid(e),
        }
        self
    }

    /// Rows per request (1 to 1000; default 50).
    pub fn page_size(mut self, size: u32) -> Self {
        self.form
            .int_in("PageSize", "PageSize", size, 1..=page::MAX_PAGE_SIZE);
        self
    }

    /// The numbers, one page in memory at a time.
    pub fn stream(self) -> ListStream<'c, IncomingPhoneNumber> {
        list_api(
            self.client,
            self.path,
            self.form,
            "incoming_phone_numbers",
            "the number list",
        )
    }
}

/// Kinds of numbers for sale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum NumberType {
    /// A geographic number.
    Local,
    /// Free for callers.
    TollFree,
    /// A mobile number.
    Mobile,
}

impl NumberType {
    fn segment(self) -> &'static str {
        match self {
            Self::Local => "Local",
            Self::TollFree => "TollFree",
            Self::Mobile => "Mobile",
        }
    }

    /// How Pricing v1 names the type.
    pub fn pricing_name(self) -> &'static str {
        match self {
            Self::Local => "local",
            Self::TollFree => "toll free",
            Self::Mobile => "mobile",
        }
    }

    /// Parses `local`, `toll-free`/`tollfree`/`toll_free` or `mobile`.
    pub fn parse(raw: &str) -> Option<Self> {
        match raw
            .trim()
            .to_ascii_lowercase()
            .replace(['-', '_', ' '], "")
            .as_str()
        {
            "local" => Some(Self::Local),
            "tollfree" => Some(Self::TollFree),
            "mobile" => Some(Self::Mobile),
            _ => None,
        }
    }
}

/// Checks a digits-or-letters search pattern (`Contains`): 2 to 16 of digits, letters
/// (`FLOWERS`), and `*` for any digit, with an optional leading `+`.
fn check_pattern(field: &str, raw: &str) -> Result<String, String> {
    let raw = raw.trim();
    let body = raw.strip_prefix('+').unwrap_or(raw);
    let valid = (2..=16).contains(&body.len())
        && body.chars().all(|c| c.is_ascii_alphanumeric() || c == '*');
    if valid {
        Ok(raw.to_ascii_uppercase())
    } else {
        Err(format!(
            "{field}: {raw:?} is not a search pattern: use 2 to 16 digits or letters, with * for any digit (e.g. 415***1234 or FLOWERS)."
        ))
    }
}

/// Checks an ISO 3166 alpha-2 country code.
///
/// # Errors
/// A message for anything that is not two letters of a known country.
pub fn check_country(raw: &str) -> Result<String, TwilioError> {
    let code = raw.trim().to_ascii_uppercase();
    if code.len() == 2 && code.parse::<phonenumber::country::Id>().is_ok() {
        Ok(code)
    } else {
        Err(TwilioError::Invalid(format!(
            "Country: {raw:?} is not a two-letter ISO country code such as US, GB or DE."
        )))
    }
}

/// Handler for `AvailablePhoneNumbers/{Country}/{Type}`: a search for numbers to buy.
#[derive(Debug)]
#[must_use = "a builder does nothing until streamed"]
pub struct SearchNumbers<'c> {
    client: &'c Client,
    path: String,
    form: Form,
}

impl<'c> SearchNumbers<'c> {
    pub(super) fn new(client: &'c Client, country: &str, kind: NumberType) -> Self {
        let mut form = Form::default();
        let country = match check_country(country) {
            Ok(c) => c,
            Err(TwilioError::Invalid(message)) => {
                form.invalid(message);
                "US".to_owned()
            }
            Err(_) => "US".to_owned(),
        };
        Self {
            client,
            path: format!(
                "/2010-04-01/Accounts/{}/AvailablePhoneNumbers/{country}/{}.json",
                client.account_sid(),
                kind.segment()
            ),
            form,
        }
    }

    /// Only numbers in this area code (US and Canada).
    pub fn area_code(mut self, code: u32) -> Self {
        self.form.int_in("AreaCode", "AreaCode", code, 200..=999);
        self
    }

    /// Only numbers matching this pattern of digits, letters and `*`.
    pub fn contains(mut self, pattern: &str) -> Self {
        match check_pattern("Contains", pattern) {
            Ok(p) => self.form.text("Contains", &p),
            Err(e) => self.form.invalid(e),
        }
        self
    }

    /// Only numbers that can (or cannot) take SMS.
    pub fn sms_enabled(mut self, yes: bool) -> Self {
        self.form.flag("SmsEnabled", yes);
        self
    }

    /// Only numbers that can (or cannot) take MMS.
    pub fn mms_enabled(mut self, yes: bool) -> Self {
        self.form.flag("MmsEnabled", yes);
        self
    }

    /// Only numbers that can (or cannot) take calls.
    pub fn voice_enabled(mut self, yes: bool) -> Self {
        self.form.flag("VoiceEnabled", yes);
        self
    }

    /// Only numbers that can (or cannot) take faxes.
    pub fn fax_enabled(mut self, yes: bool) -> Self {
        self.form.flag("FaxEnabled", yes);
        self
    }

    /// Leave out numbers that need any address on file.
    pub fn exclude_all_address_required(mut self, yes: bool) -> Self {
        self.form.flag("ExcludeAllAddressRequired", yes);
        self
    }

    /// Leave out numbers that need a local address on file.
    pub fn exclude_local_address_required(mut self, yes: bool) -> Self {
        self.form.flag("ExcludeLocalAddressRequired", yes);
        self
    }

    /// Leave out numbers that need a foreign address on file.
    pub fn exclude_foreign_address_required(mut self, yes: bool) -> Self {
        self.form.flag("ExcludeForeignAddressRequired", yes);
        self
    }

    /// Include numbers new to Twilio's platform (default true).
    pub fn beta(mut self, yes: bool) -> Self {
        self.form.flag("Beta", yes);
        self
    }

    /// Numbers near this one (US and Canada), within [`SearchNumbers::distance`].
    pub fn near_number(mut self, number: &str) -> Self {
        self.form.phone("NearNumber", "NearNumber", number);
        self
    }

    /// Numbers near a point (US and Canada), within [`SearchNumbers::distance`].
    pub fn near_lat_long(mut self, latitude: f64, longitude: f64) -> Self {
        if (-90.0..=90.0).contains(&latitude) && (-180.0..=180.0).contains(&longitude) {
            self.form
                .text("NearLatLong", &format!("{latitude},{longitude}"));
        } else {
            self.form.invalid(format!(
                "NearLatLong: {latitude},{longitude} is not a latitude (-90 to 90) and longitude (-180 to 180)."
            ));
        }
        self
    }

    /// Search radius in miles for the near filters (0 to 500; default 25).
    pub fn distance(mut self, miles: u32) -> Self {
        self.form.int_in("Distance", "Distance", miles, 0..=500);
        self
    }

    /// Only numbers in this postal code (US and Canada).
    pub fn in_postal_code(mut self, code: &str) -> Self {
        self.form
            .bounded_text("InPostalCode", "InPostalCode", code.trim(), 16);
        self
    }

    /// Only numbers in this region: a state or province abbreviation (US and Canada).
    pub fn in_region(mut self, region: &str) -> Self {
        self.form
            .bounded_text("InRegion", "InRegion", region.trim(), 32);
        self
    }

    /// Only numbers in this rate center (needs [`SearchNumbers::in_lata`]).
    pub fn in_rate_center(mut self, center: &str) -> Self {
        self.form
            .bounded_text("InRateCenter", "InRateCenter", center.trim(), 32);
        self
    }

    /// Only numbers in this LATA (US and Canada).
    pub fn in_lata(mut self, lata: &str) -> Self {
        let lata = lata.trim();
        if lata.len() == 3 && lata.chars().all(|c| c.is_ascii_digit()) {
            self.form.text("InLata", lata);
        } else {
            self.form
                .invalid(format!("InLata: {lata:?} is not a three-digit LATA."));
        }
        self
    }

    /// Only numbers in this city.
    pub fn in_locality(mut self, locality: &str) -> Self {
        self.form
            .bounded_text("InLocality", "InLocality", locality.trim(), 64);
        self
    }

    /// Rows per request (1 to 1000; Twilio returns at most 30 numbers a search anyway).
    pub fn page_size(mut self, size: u32) -> Self {
        self.form
            .int_in("PageSize", "PageSize", size, 1..=page::MAX_PAGE_SIZE);
        self
    }

    /// The numbers found.
    pub fn stream(self) -> ListStream<'c, AvailablePhoneNumber> {
        let mut form = self.form;
        if form.get("InRateCenter").is_some() && form.get("InLata").is_none() {
            form.invalid("InRateCenter: a rate center search also needs InLata.".into());
        }
        list_api(
            self.client,
            self.path,
            form,
            "available_phone_numbers",
            "the number search",
        )
    }
}

impl Client {
    /// The account's phone numbers: list, fetch, buy, update, release.
    pub fn incoming_numbers(&self) -> IncomingNumbers<'_> {
        IncomingNumbers::new(self)
    }

    /// A search for numbers to buy of `kind` in `country` (ISO alpha-2).
    pub fn available_numbers(&self, country: &str, kind: NumberType) -> SearchNumbers<'_> {
        SearchNumbers::new(self, country, kind)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_and_countries_are_checked() {
        assert_eq!(
            check_pattern("Contains", "415***1234").unwrap(),
            "415***1234"
        );
        assert_eq!(check_pattern("Contains", "flowers").unwrap(), "FLOWERS");
        assert!(check_pattern("Contains", "4").is_err());
        assert!(check_pattern("Contains", "41-5").is_err());
        assert_eq!(check_country(" gb ").unwrap(), "GB");
        assert!(check_country("XX").is_err());
        assert!(check_country("USA").is_err());
        assert_eq!(NumberType::parse("Toll-Free"), Some(NumberType::TollFree));
        assert_eq!(NumberType::parse("landline"), None);
    }
}
