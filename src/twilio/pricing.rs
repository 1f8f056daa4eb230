//! Pricing v1: what phone numbers cost per month, by country.

use super::base::Domain;
use super::client::Client;
use super::error::TwilioError;
use super::models::PhoneNumberCountryPrices;
use super::numbers::check_country;

/// Handler for `pricing.twilio.com/v1/PhoneNumbers`.
#[derive(Debug)]
pub struct Pricing<'c> {
    client: &'c Client,
}

impl<'c> Pricing<'c> {
    pub(super) fn new(client: &'c Client) -> Self {
        Self { client }
    }

    /// Monthly prices of each type of number in `country` (ISO alpha-2), for this account.
    ///
    /// # Errors
    /// [`TwilioError::Invalid`] for a malformed country (nothing is sent); Twilio's errors
    /// (404 for a country where Twilio sells no numbers).
    pub async fn phone_number_country(
        &self,
        country: &str,
    ) -> Result<PhoneNumberCountryPrices, TwilioError> {
        let country = check_country(country)?;
        self.client
            .request(
                reqwest::Method::GET,
                Domain::Pricing,
                &format!("/v1/PhoneNumbers/Countries/{country}"),
            )
            .json("phone number prices")
            .await
    }
}

impl Client {
    /// Pricing v1.
    pub fn pricing(&self) -> Pricing<'_> {
        Pricing::new(self)
    }
}
