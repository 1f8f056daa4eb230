//! Phone numbers as the Numbers view shows and changes them: owned numbers with how their
//! calls are routed, searches with Twilio's monthly price, buying (wired to Switchboard's
//! routing in the same request), configuring and releasing.

use futures_util::StreamExt;

mod model;

use model::owned;
pub use model::{
    FORWARD_TWIMLET, MonthlyPrice, MoreFilters, NumberChange, NumberSearch, OfferedNumber,
    OwnedNumber, Purchase, Routing, SearchResult, Wanted, Wiring,
};

use crate::Switchboard;
use crate::e164::{E164, format_for_display};
use crate::error::{Code, Error};
use crate::routing;
use crate::sid::{ApplicationSid, PhoneNumberSid};
use crate::twilio::{
    Client, IncomingPhoneNumber, NumberType, TwilioError, WebhookMethod, check_url,
};

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
        let rows = self.client.incoming_numbers().all().await?;
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
        let invalid = |message: String| Error::new(Code::InvalidInput, message);
        let voice = match &change.routing {
            None => Voice::Keep,
            Some(Routing::Switchboard) => Voice::Switchboard,
            Some(Routing::None) => Voice::Clear,
            Some(Routing::Webhook { url, method }) => {
                Voice::Url(url.clone(), WebhookMethod::parse("Method", method)?)
            }
            Some(Routing::Forward { to }) => {
                let to = E164::parse("Forward to", to, None).map_err(|e| invalid(e.message))?;
                let url = format!(
                    "{FORWARD_TWIMLET}?{}",
                    url::form_urlencoded::Serializer::new(String::new())
                        .append_pair("PhoneNumber", to.as_str())
                        .finish()
                );
                Voice::Url(url, WebhookMethod::Post)
            }
            Some(Routing::Application { sid }) => Voice::App(
                ApplicationSid::parse(sid).map_err(|e| invalid(format!("Application: {e}")))?,
            ),
        };
        let voice_url = match &voice {
            Voice::Url(url, _) => Some(url),
            _ => None,
        };
        for (field, url) in [
            ("VoiceUrl", voice_url),
            ("StatusCallback", change.status_callback.as_ref()),
            ("SmsUrl", change.sms_url.as_ref()),
        ] {
            if let Some(url) = url {
                check_url(field, url)?;
            }
        }
        let domain = match voice {
            Voice::Switchboard => routing::domain(&self.client).await?,
            _ => None,
        };
        // Only what is set is cleared: Twilio's spec takes no empty SID.
        let current = self.client.incoming_numbers().get(sid).await?;
        let mut update = self.client.incoming_numbers().update(sid);
        if let Some(name) = &change.friendly_name {
            update = update.friendly_name(name.trim());
        }
        if current.voice_application_sid.is_some() && !matches!(voice, Voice::Keep | Voice::App(_))
        {
            update = update.clear_voice_application();
        }
        update = match voice {
            Voice::Keep => update,
            Voice::Clear => update.clear_voice_url(),
            Voice::App(app) => update.voice_application(&app),
            Voice::Url(url, method) => update.voice_url(&url).voice_method(method),
            Voice::Switchboard => {
                let url = domain
                    .as_deref()
                    .map(routing::inbound_url)
                    .ok_or_else(routing::not_deployed)?;
                update.voice_url(&url).voice_method(WebhookMethod::Post)
            }
        };
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

/// What a change does to a number's call handling, checked before anything is sent.
enum Voice {
    /// Leave it as it is.
    Keep,
    /// Twilio's default message.
    Clear,
    /// A TwiML App.
    App(ApplicationSid),
    /// A webhook (the user's own, or the forwarding Twimlet).
    Url(String, WebhookMethod),
    /// Switchboard's routing, whose address is looked up.
    Switchboard,
}
