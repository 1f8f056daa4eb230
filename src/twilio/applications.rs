//! `Applications` (TwiML Apps) and `Keys` (API keys).

use reqwest::Method;

use super::base::Domain;
use super::client::Client;
use super::error::TwilioError;
use super::form::{Form, WebhookMethod};
use super::models::{Application, Key, NewKey};
use super::page::ListStream;
use super::page::list_api;
use crate::sid::{ApiKeySid, ApplicationSid};

/// Handler for the Applications resource.
#[derive(Debug)]
pub struct Applications<'c> {
    client: &'c Client,
}

impl<'c> Applications<'c> {
    pub(super) fn new(client: &'c Client) -> Self {
        Self { client }
    }

    fn path(&self, rest: &str) -> String {
        format!(
            "/2010-04-01/Accounts/{}/Applications{rest}",
            self.client.account_sid()
        )
    }

    /// Creates a TwiML App.
    pub fn create(&self, friendly_name: &str) -> SaveApplication<'c> {
        let mut form = Form::default();
        form.bounded_text("FriendlyName", "FriendlyName", friendly_name, 64);
        SaveApplication {
            client: self.client,
            path: self.path(".json"),
            form,
            what: "the new application",
        }
    }

    /// Changes a TwiML App.
    pub fn update(&self, sid: &ApplicationSid) -> SaveApplication<'c> {
        SaveApplication {
            client: self.client,
            path: self.path(&format!("/{sid}.json")),
            form: Form::default(),
            what: "the updated application",
        }
    }

    /// The account's TwiML Apps, optionally only those named exactly `friendly_name`.
    pub fn list(&self, friendly_name: Option<&str>) -> ListStream<'c, Application> {
        let mut form = Form::default();
        if let Some(name) = friendly_name {
            form.text("FriendlyName", name);
        }
        list_api(
            self.client,
            self.path(".json"),
            form,
            "applications",
            "the application list",
        )
    }

    /// Deletes a TwiML App.
    ///
    /// # Errors
    /// [`TwilioError`] for an error answer or a failed request.
    pub async fn delete(&self, sid: &ApplicationSid) -> Result<(), TwilioError> {
        self.client
            .delete(&self.path(&format!("/{sid}.json")))
            .await
    }
}

/// Builder for creating or changing a TwiML App.
#[derive(Debug)]
#[must_use = "a builder does nothing until sent"]
pub struct SaveApplication<'c> {
    client: &'c Client,
    path: String,
    form: Form,
    what: &'static str,
}

impl SaveApplication<'_> {
    /// Renames it.
    pub fn friendly_name(mut self, name: &str) -> Self {
        self.form
            .bounded_text("FriendlyName", "FriendlyName", name, 64);
        self
    }

    /// Where Twilio asks what to do with a call from a Voice SDK client.
    pub fn voice_url(mut self, url: &str) -> Self {
        self.form.url("VoiceUrl", "VoiceUrl", url);
        self
    }

    /// The method for the voice URL.
    pub fn voice_method(mut self, method: WebhookMethod) -> Self {
        self.form.method("VoiceMethod", method);
        self
    }

    /// Where call status changes are posted.
    pub fn status_callback(mut self, url: &str) -> Self {
        self.form.url("StatusCallback", "StatusCallback", url);
        self
    }

    /// Sends it.
    ///
    /// # Errors
    /// [`TwilioError::Invalid`] for a malformed value (nothing is sent); Twilio's errors.
    pub async fn send(self) -> Result<Application, TwilioError> {
        let params = self.form.finish()?;
        self.client
            .request(Method::POST, Domain::Api, &self.path)
            .form(params)
            .json(self.what)
            .await
    }
}

/// Handler for the Keys resource.
#[derive(Debug)]
pub struct Keys<'c> {
    client: &'c Client,
}

impl<'c> Keys<'c> {
    pub(super) fn new(client: &'c Client) -> Self {
        Self { client }
    }

    fn path(&self, rest: &str) -> String {
        format!(
            "/2010-04-01/Accounts/{}/Keys{rest}",
            self.client.account_sid()
        )
    }

    /// Creates a Standard API key; the answer holds its secret, shown this once.
    ///
    /// # Errors
    /// [`TwilioError::Invalid`] for a name over 64 characters; Twilio's errors.
    pub async fn create(&self, friendly_name: &str) -> Result<NewKey, TwilioError> {
        let mut form = Form::default();
        form.bounded_text("FriendlyName", "FriendlyName", friendly_name, 64);
        let params = form.finish()?;
        self.client
            .request(Method::POST, Domain::Api, &self.path(".json"))
            .form(params)
            .json("the new API key")
            .await
    }

    /// The account's API keys.
    pub fn list(&self) -> ListStream<'c, Key> {
        list_api(
            self.client,
            self.path(".json"),
            Form::default(),
            "keys",
            "the API key list",
        )
    }

    /// Deletes an API key: requests signed with it fail from then on.
    ///
    /// # Errors
    /// [`TwilioError`] for an error answer or a failed request.
    pub async fn delete(&self, sid: &ApiKeySid) -> Result<(), TwilioError> {
        self.client
            .delete(&self.path(&format!("/{sid}.json")))
            .await
    }
}

impl Client {
    /// TwiML Apps.
    pub fn applications(&self) -> Applications<'_> {
        Applications::new(self)
    }

    /// API keys.
    pub fn keys(&self) -> Keys<'_> {
        Keys::new(self)
    }
}
