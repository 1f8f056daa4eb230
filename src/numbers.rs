//! Phone numbers as the Numbers view shows and changes them: owned numbers with how their
//! calls are routed, searches with Twilio's monthly price, buying (wired to Switchboard's
//! routing in the same request), configuring and releasing.

use futures_util::{StreamExt, TryStreamExt};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::Switchboard;
use crate::e164::{E164, format_for_display};
use crate::error::{Code, Error};
use crate::routing;
use crate::sid::{ApplicationSid, PhoneNumberSid};
use crate::twilio::{
    Capabilities, Client, IncomingPhoneNumber, NumberType, TwilioError, WebhookMethod, check_url,
};

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

fn routing_of(n: &IncomingPhoneNumber, routing_domain: Option<&str>) -> Routing {
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

fn owned(n: &IncomingPhoneNumber, routing_domain: Option<&str>) -> OwnedNumber {
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

/// An account's phone numbers: list, search, buy, change and release. The desktop app (through
/// [`Switchboard::numbers`]) and the CLI both go through this, so they check the same input,
/// wire numbers the same way and explain Twilio's refusals in the same words.
#[derive(Debug, Clone)]
pub struct Numbers {
    client: Client,
}

impl Switchboard {
    /// The active profile's numbers.
    ///
    /// # Errors
    /// As [`Switchboard::client`].
    pub async fn numbers(&self) -> Result<Numbers, Error> {
        Ok(Numbers::new(self.client().await?))
    }
}

impl Numbers {
    /// The numbers of the account `client` acts on.
    pub fn new(client: Client) -> Self {
        Self { client }
    }

    /// The account's numbers, by number.
    ///
    /// # Errors
    /// Twilio's errors.
    pub async fn list(&self) -> Result<Vec<OwnedNumber>, Error> {
        let rows: Vec<IncomingPhoneNumber> = self
            .client
            .incoming_numbers()
            .list()
            .page_size(1000)
            .stream()
            .try_collect()
            .await?;
        let domain = self.routing_domain(&rows.iter().collect::<Vec<_>>()).await;
        let mut numbers: Vec<OwnedNumber> =
            rows.iter().map(|n| owned(n, domain.as_deref())).collect();
        numbers.sort_by(|a, b| a.phone_number.cmp(&b.phone_number));
        Ok(numbers)
    }

    /// The domain of Switchboard's routing, to tell the numbers it routes. Finding out is a
    /// nicety here: a failure is logged and leaves it unknown, so numbers still list, buy and
    /// change when Twilio Serverless cannot be reached.
    ///
    /// Only numbers whose voice URL is on a `switchboard-routing-…` domain can be routed by
    /// it, so without such a number nothing is asked.
    async fn routing_domain(&self, numbers: &[&IncomingPhoneNumber]) -> Option<String> {
        let prefix = format!("https://{}-", routing::SERVICE_NAME);
        let candidate = numbers.iter().any(|n| {
            n.voice_url
                .as_deref()
                .is_some_and(|u| u.starts_with(&prefix))
        });
        if !candidate {
            return None;
        }
        routing::domain(&self.client).await.unwrap_or_else(|err| {
            tracing::warn!(error = %err, "could not tell which numbers the routing handles");
            None
        })
    }

    /// One of the account's numbers.
    ///
    /// # Errors
    /// Twilio's errors (404 for a number that is not the account's).
    pub async fn get(&self, sid: &PhoneNumberSid) -> Result<OwnedNumber, Error> {
        let number = self.client.incoming_numbers().get(sid).await?;
        let domain = self.routing_domain(&[&number]).await;
        Ok(owned(&number, domain.as_deref()))
    }

    /// The SID of one of the account's numbers, from a `PN…` SID or the number itself;
    /// `field` names the input in the error.
    ///
    /// # Errors
    /// [`Code::InvalidInput`] for neither; [`Code::NotFound`] for a number the account does
    /// not have.
    pub async fn resolve(&self, field: &str, raw: &str) -> Result<PhoneNumberSid, Error> {
        let invalid = |message: String| Error::new(Code::InvalidInput, message);
        if raw.trim().starts_with("PN") {
            return PhoneNumberSid::parse(raw).map_err(|e| invalid(format!("{field}: {e}")));
        }
        let number = E164::parse(field, raw, None).map_err(|e| invalid(e.message))?;
        let mut found = self
            .client
            .incoming_numbers()
            .list()
            .phone_number(number.as_str())
            .stream();
        while let Some(row) = found.next().await {
            let row = row?;
            if row.phone_number == number.as_str() {
                return Ok(row.sid);
            }
        }
        Err(Error::new(
            Code::NotFound,
            format!(
                "{number} is not one of this account's numbers. `switchboard numbers list` shows them."
            ),
        ))
    }

    /// Numbers for sale matching `search` (and the CLI's `more` filters), with the monthly
    /// price. Only numbers that take calls are offered.
    ///
    /// # Errors
    /// [`Code::InvalidInput`] for an unknown country or malformed filter (nothing is sent);
    /// Twilio's errors. A pricing failure only leaves the price out.
    pub async fn search(
        &self,
        search: &NumberSearch,
        more: &MoreFilters,
    ) -> Result<SearchResult, Error> {
        let mut query = self
            .client
            .available_numbers(&search.country, search.kind)
            .voice_enabled(true)
            .page_size(30);
        if let Some(code) = search.area_code {
            query = query.area_code(code);
        }
        if let Some(pattern) = search.contains.as_deref().filter(|p| !p.trim().is_empty()) {
            query = query.contains(pattern);
        }
        if search.sms {
            query = query.sms_enabled(true);
        }
        if search.mms {
            query = query.mms_enabled(true);
        }
        if more.fax {
            query = query.fax_enabled(true);
        }
        if more.exclude_address_required {
            query = query.exclude_all_address_required(true);
        }
        if let Some(v) = &more.near_number {
            query = query.near_number(v);
        }
        if let Some((lat, long)) = more.near_lat_long {
            query = query.near_lat_long(lat, long);
        }
        if let Some(v) = more.distance {
            query = query.distance(v);
        }
        if let Some(v) = &more.in_postal_code {
            query = query.in_postal_code(v);
        }
        if let Some(v) = &more.in_region {
            query = query.in_region(v);
        }
        if let Some(v) = &more.in_locality {
            query = query.in_locality(v);
        }
        if let Some(v) = &more.in_rate_center {
            query = query.in_rate_center(v);
        }
        if let Some(v) = &more.in_lata {
            query = query.in_lata(v);
        }
        let mut numbers = Vec::new();
        let mut rows = query.stream().take(more.limit.unwrap_or(30));
        while let Some(row) = rows.next().await {
            let n = match row {
                Ok(n) => n,
                Err(err @ TwilioError::Decode { .. }) => {
                    tracing::warn!(error = %err, "skipping an unreadable number");
                    continue;
                }
                Err(err) => return Err(err.into()),
            };
            let place = [n.locality.as_deref(), n.region.as_deref()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(", ");
            numbers.push(OfferedNumber {
                display: format_for_display(&n.phone_number, None),
                phone_number: n.phone_number.clone(),
                place: Some(place).filter(|p| !p.is_empty()),
                voice: n.capabilities.voice,
                sms: n.capabilities.sms,
                mms: n.capabilities.mms,
                address_requirements: n.address_requirements.clone(),
            });
        }
        let price = self.monthly_price(&search.country, search.kind).await;
        Ok(SearchResult {
            numbers,
            monthly_price: price.as_ref().map(|p| p.amount.clone()),
            price_unit: price.map(|p| p.unit),
        })
    }

    /// What a number of `kind` in `country` costs per month; `None` when Twilio's pricing
    /// does not say (the failure is logged: a price is a nicety, never a reason to stop).
    pub async fn monthly_price(&self, country: &str, kind: NumberType) -> Option<MonthlyPrice> {
        match self.client.pricing().phone_number_country(country).await {
            Ok(p) => p
                .monthly_price(kind.pricing_name())
                .map(|amount| MonthlyPrice {
                    amount: amount.to_owned(),
                    unit: p.price_unit.clone().unwrap_or_else(|| "USD".into()),
                }),
            Err(err) => {
                tracing::warn!(error = %err, country, "no monthly price");
                None
            }
        }
    }

    /// Buys a number, wired as `purchase.wiring` says in the same request.
    ///
    /// # Errors
    /// [`Code::InvalidInput`] for a malformed area code or webhook URL (nothing is sent);
    /// [`Code::NotConfigured`] when wired to Switchboard's routing and it is not deployed
    /// (nothing is bought); [`Code::Twilio`] saying so when the number was taken meanwhile or
    /// the area code has none left; Twilio's other errors.
    pub async fn buy(&self, purchase: &Purchase) -> Result<OwnedNumber, Error> {
        let domain = match purchase.wiring {
            Wiring::Switchboard => routing::domain(&self.client).await?,
            Wiring::Url(_) | Wiring::None => None,
        };
        let mut buy = self.client.incoming_numbers().buy();
        buy = match &purchase.wanted {
            Wanted::Number(number) => buy.phone_number(number.as_str()),
            Wanted::AreaCode(code) => buy.area_code(code),
        };
        if let Some(name) = purchase
            .friendly_name
            .as_deref()
            .filter(|n| !n.trim().is_empty())
        {
            buy = buy.friendly_name(name.trim());
        }
        let url = match &purchase.wiring {
            Wiring::Switchboard => Some(
                domain
                    .as_deref()
                    .map(routing::inbound_url)
                    .ok_or_else(routing::not_deployed)?,
            ),
            Wiring::Url(url) => Some(url.clone()),
            Wiring::None => None,
        };
        if let Some(url) = &url {
            buy = buy.voice_url(url).voice_method(WebhookMethod::Post);
        }
        let wanted = &purchase.wanted;
        let bought = buy.send().await.map_err(|err| match err {
            TwilioError::Api { code: Some(21422 | 21452), .. } => Error::new(
                Code::Twilio,
                match wanted {
                    Wanted::Number(number) => format!(
                        "{number} is no longer available. Search again and pick another; nothing was bought."
                    ),
                    Wanted::AreaCode(code) => format!(
                        "No number is available in area code {code} any more. Try a nearby area code; nothing was bought."
                    ),
                },
            ),
            other => other.into(),
        })?;
        tracing::info!(number = %bought.phone_number, sid = %bought.sid, wiring = ?purchase.wiring, "number bought");
        let domain = match domain {
            Some(d) => Some(d),
            None => self.routing_domain(&[&bought]).await,
        };
        Ok(owned(&bought, domain.as_deref()))
    }

    /// Changes a number's name, call handling and callbacks. Every URL is checked before
    /// anything is sent.
    ///
    /// # Errors
    /// [`Code::InvalidInput`] for a malformed URL, method, SID or number;
    /// [`Code::NotConfigured`] for Switchboard routing that is not deployed; Twilio's errors.
    pub async fn update(
        &self,
        sid: &PhoneNumberSid,
        change: &NumberChange,
    ) -> Result<OwnedNumber, Error> {
        let voice = match &change.routing {
            None | Some(Routing::Switchboard | Routing::None) => None,
            Some(Routing::Webhook { url, method }) => {
                Some((url.clone(), WebhookMethod::parse("Method", method)?))
            }
            Some(Routing::Forward { to }) => {
                let to = E164::parse("Forward to", to, None)
                    .map_err(|e| Error::new(Code::InvalidInput, e.message))?;
                let url = format!(
                    "{FORWARD_TWIMLET}?{}",
                    url::form_urlencoded::Serializer::new(String::new())
                        .append_pair("PhoneNumber", to.as_str())
                        .finish()
                );
                Some((url, WebhookMethod::Post))
            }
            Some(Routing::Application { sid }) => {
                ApplicationSid::parse(sid)
                    .map_err(|e| Error::new(Code::InvalidInput, format!("Application: {e}")))?;
                None
            }
        };
        for (field, url) in [
            ("VoiceUrl", voice.as_ref().map(|(u, _)| u)),
            ("StatusCallback", change.status_callback.as_ref()),
            ("SmsUrl", change.sms_url.as_ref()),
        ] {
            if let Some(url) = url {
                check_url(field, url)?;
            }
        }
        let domain = match change.routing {
            Some(Routing::Switchboard) => routing::domain(&self.client).await?,
            _ => None,
        };
        // Only what is set is cleared: Twilio's spec takes no empty SID.
        let current = self.client.incoming_numbers().get(sid).await?;
        let has_app = current.voice_application_sid.is_some();
        let mut update = self.client.incoming_numbers().update(sid);
        if let Some(name) = &change.friendly_name {
            update = update.friendly_name(name.trim());
        }
        match (&change.routing, voice) {
            (Some(Routing::Switchboard), _) => {
                let url = domain
                    .as_deref()
                    .map(routing::inbound_url)
                    .ok_or_else(routing::not_deployed)?;
                update = update.voice_url(&url).voice_method(WebhookMethod::Post);
            }
            (Some(Routing::Application { sid }), _) => {
                let app = ApplicationSid::parse(sid)
                    .map_err(|e| Error::new(Code::InvalidInput, format!("Application: {e}")))?;
                update = update.voice_application(&app);
            }
            (Some(Routing::None), _) => update = update.clear_voice_url(),
            (_, Some((url, method))) => update = update.voice_url(&url).voice_method(method),
            (_, None) => {}
        }
        if has_app && !matches!(change.routing, None | Some(Routing::Application { .. })) {
            update = update.clear_voice_application();
        }
        if let Some(url) = &change.status_callback {
            update = update.status_callback(url);
        }
        if let Some(url) = &change.sms_url {
            update = update.sms_url(url);
        }
        let updated = update.send().await?;
        let domain = match domain {
            Some(d) => Some(d),
            None => self.routing_domain(&[&updated]).await,
        };
        Ok(owned(&updated, domain.as_deref()))
    }

    /// Releases the number `sid` once `typed` repeats it (in any formatting): a released
    /// number leaves the account at once and anyone may buy it.
    ///
    /// # Errors
    /// [`Code::InvalidInput`] when `typed` is not the number (nothing is sent); Twilio's
    /// errors.
    pub async fn release(&self, sid: &PhoneNumberSid, typed: &str) -> Result<(), Error> {
        let number = self.client.incoming_numbers().get(sid).await?;
        let matches =
            E164::parse("Number", typed, None).is_ok_and(|t| t.as_str() == number.phone_number);
        if !matches {
            return Err(Error::new(
                Code::InvalidInput,
                format!(
                    "Type {} exactly to release it; nothing was released.",
                    number.phone_number
                ),
            ));
        }
        self.client.incoming_numbers().release(sid).await?;
        tracing::info!(number = %number.phone_number, "number released");
        Ok(())
    }
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
