//! Phone numbers as the Numbers view shows and changes them: owned numbers with how their
//! calls are routed, searches with Twilio's monthly price, buying (wired to Switchboard's
//! routing in the same request), configuring and releasing.

use futures_util::{StreamExt, TryStreamExt};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::error::{Code, IpcError};
use crate::phone::{E164, format_for_display};
use crate::routing;
use crate::sid::PhoneNumberSid;
use crate::twilio::{
    Capabilities, Client, IncomingPhoneNumber, NumberType, TwilioError, WebhookMethod,
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
#[derive(Debug, Clone, Deserialize, TS)]
pub struct NumberChange {
    /// A new name (empty to clear).
    #[ts(optional)]
    pub friendly_name: Option<String>,
    /// New call handling (`application` cannot be set here).
    #[ts(optional)]
    pub routing: Option<Routing>,
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
    }
}

async fn routing_domain(client: &Client) -> Result<Option<String>, IpcError> {
    routing::domain(client).await
}

/// The account's numbers, by number.
///
/// # Errors
/// Twilio's errors.
pub async fn list(client: &Client) -> Result<Vec<OwnedNumber>, IpcError> {
    let domain = routing_domain(client).await?;
    let rows: Vec<IncomingPhoneNumber> = client
        .incoming_numbers()
        .list()
        .page_size(1000)
        .stream()
        .try_collect()
        .await?;
    let mut numbers: Vec<OwnedNumber> = rows.iter().map(|n| owned(n, domain.as_deref())).collect();
    numbers.sort_by(|a, b| a.phone_number.cmp(&b.phone_number));
    Ok(numbers)
}

/// Numbers for sale matching `search`, with the monthly price.
///
/// # Errors
/// [`Code::InvalidInput`] for an unknown country or malformed pattern (nothing is sent);
/// Twilio's errors.
pub async fn search(client: &Client, search: &NumberSearch) -> Result<SearchResult, IpcError> {
    let mut query = client
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
    let mut numbers = Vec::new();
    let mut rows = query.stream().take(30);
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
    let (monthly_price, price_unit) =
        match client.pricing().phone_number_country(&search.country).await {
            Ok(p) => (
                p.monthly_price(search.kind.pricing_name())
                    .map(str::to_owned),
                p.price_unit.clone(),
            ),
            Err(err) => {
                tracing::warn!(error = %err, "no price for the search");
                (None, None)
            }
        };
    Ok(SearchResult {
        numbers,
        monthly_price,
        price_unit,
    })
}

/// Buys `number`, wired to Switchboard's routing in the same request when `wire` (routing must
/// then be deployed).
///
/// # Errors
/// [`Code::NotConfigured`] when `wire` and routing is not deployed (nothing is bought);
/// Twilio's errors (21422: no longer available).
pub async fn buy(
    client: &Client,
    number: &str,
    friendly_name: Option<&str>,
    wire: bool,
) -> Result<OwnedNumber, IpcError> {
    let number = E164::parse("Number", number, None)
        .map_err(|e| IpcError::new(Code::InvalidInput, e.message))?;
    let domain = routing::domain(client).await?;
    let mut buy = client
        .incoming_numbers()
        .buy()
        .phone_number(number.as_str());
    if let Some(name) = friendly_name.filter(|n| !n.trim().is_empty()) {
        buy = buy.friendly_name(name.trim());
    }
    if wire {
        let url = domain
            .as_deref()
            .map(routing::inbound_url)
            .ok_or_else(routing::not_deployed)?;
        buy = buy.voice_url(&url).voice_method(WebhookMethod::Post);
    }
    let bought = buy.send().await.map_err(|err| match err {
        TwilioError::Api { code: Some(21422), .. } => IpcError::new(
            Code::Twilio,
            format!("{number} is no longer available. Search again and pick another; nothing was bought."),
        ),
        other => other.into(),
    })?;
    tracing::info!(number = %bought.phone_number, sid = %bought.sid, wire, "number bought");
    Ok(owned(&bought, domain.as_deref()))
}

/// Changes a number's name and call handling.
///
/// # Errors
/// [`Code::InvalidInput`] for a malformed URL or number, or an attempt to set a TwiML App;
/// [`Code::NotConfigured`] for Switchboard routing that is not deployed; Twilio's errors.
pub async fn update(
    client: &Client,
    sid: &str,
    change: &NumberChange,
) -> Result<OwnedNumber, IpcError> {
    let sid =
        PhoneNumberSid::parse(sid).map_err(|e| IpcError::new(Code::InvalidInput, e.message))?;
    let domain = routing::domain(client).await?;
    // Only what is set is cleared: Twilio's spec takes no empty SID.
    let current = client.incoming_numbers().get(&sid).await?;
    let has_app = current.voice_application_sid.is_some();
    let mut update = client.incoming_numbers().update(&sid);
    if let Some(name) = &change.friendly_name {
        update = update.friendly_name(name.trim());
    }
    match &change.routing {
        None => {}
        Some(Routing::Switchboard) => {
            let url = domain
                .as_deref()
                .map(routing::inbound_url)
                .ok_or_else(routing::not_deployed)?;
            update = update.voice_url(&url).voice_method(WebhookMethod::Post);
        }
        Some(Routing::Webhook { url, method }) => {
            update = update
                .voice_url(url)
                .voice_method(WebhookMethod::parse("Method", method)?);
        }
        Some(Routing::Forward { to }) => {
            let to = E164::parse("Forward to", to, None)
                .map_err(|e| IpcError::new(Code::InvalidInput, e.message))?;
            let url = format!(
                "{FORWARD_TWIMLET}?{}",
                url::form_urlencoded::Serializer::new(String::new())
                    .append_pair("PhoneNumber", to.as_str())
                    .finish()
            );
            update = update.voice_url(&url).voice_method(WebhookMethod::Post);
        }
        Some(Routing::None) => update = update.clear_voice_url(),
        Some(Routing::Application { .. }) => {
            return Err(IpcError::new(
                Code::InvalidInput,
                "A TwiML App is set in the Twilio Console, not here.",
            ));
        }
    }
    if has_app && change.routing.is_some() {
        update = update.clear_voice_application();
    }
    let updated = update.send().await?;
    Ok(owned(&updated, domain.as_deref()))
}

/// Releases the number `sid` once `typed` repeats it (in any formatting): a released number
/// leaves the account at once and anyone may buy it.
///
/// # Errors
/// [`Code::InvalidInput`] when `typed` is not the number (nothing is sent); Twilio's errors.
pub async fn release(client: &Client, sid: &str, typed: &str) -> Result<(), IpcError> {
    let sid =
        PhoneNumberSid::parse(sid).map_err(|e| IpcError::new(Code::InvalidInput, e.message))?;
    let number = client.incoming_numbers().get(&sid).await?;
    let matches =
        E164::parse("Number", typed, None).is_ok_and(|t| t.as_str() == number.phone_number);
    if !matches {
        return Err(IpcError::new(
            Code::InvalidInput,
            format!(
                "Type {} exactly to release it; nothing was released.",
                number.phone_number
            ),
        ));
    }
    client.incoming_numbers().release(&sid).await?;
    tracing::info!(number = %number.phone_number, "number released");
    Ok(())
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
