//! `/2010-04-01/Accounts/{AccountSid}/SIP/…`: SIP Domains (where SIP phones register and
//! call), credential lists (who may), and the mappings that tie a list to a domain for calls
//! and for registrations.

use reqwest::Method;
use serde::Deserialize;

use super::base::Domain;
use super::client::Client;
use super::error::TwilioError;
use super::form::{Form, WebhookMethod};
use super::models::lenient_string;
use super::page::{ListStream, list_api};

/// A SIP Domain, as Twilio answers.
#[derive(Debug, Clone, Deserialize)]
pub struct SipDomain {
    /// `SD…`.
    pub sid: String,
    /// `{name}.sip.twilio.com`.
    pub domain_name: String,
    /// The label the app finds it by.
    #[serde(default, deserialize_with = "lenient_string")]
    pub friendly_name: Option<String>,
    /// Where Twilio asks what to do with a call from a registered phone.
    #[serde(default, deserialize_with = "lenient_string")]
    pub voice_url: Option<String>,
    /// Whether phones may register to it.
    #[serde(default)]
    pub sip_registration: Option<bool>,
}

/// A credential list (`CL…`).
#[derive(Debug, Clone, Deserialize)]
pub struct CredentialList {
    /// `CL…`.
    pub sid: String,
    /// Its label.
    pub friendly_name: String,
}

/// One username in a credential list (the password is never returned).
#[derive(Debug, Clone, Deserialize)]
pub struct SipCredential {
    /// `CR…`.
    pub sid: String,
    /// The SIP username.
    pub username: String,
}

/// A credential list mapped to a domain (its SID is the list's `CL…`).
#[derive(Debug, Clone, Deserialize)]
pub struct CredentialListMapping {
    /// The mapped list, `CL…`.
    pub sid: String,
}

/// What a mapping authorizes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MappingFor {
    /// INVITEs from the domain's users.
    Calls,
    /// REGISTERs.
    Registrations,
}

impl MappingFor {
    fn path(self) -> &'static str {
        match self {
            Self::Calls => "Auth/Calls/CredentialListMappings",
            Self::Registrations => "Auth/Registrations/CredentialListMappings",
        }
    }
}

/// Handler for SIP Domains and credential lists.
#[derive(Debug)]
pub struct Sip<'c> {
    client: &'c Client,
}

impl<'c> Sip<'c> {
    fn path(&self, rest: &str) -> String {
        format!(
            "/2010-04-01/Accounts/{}/SIP/{rest}",
            self.client.account_sid()
        )
    }

    async fn send<T: serde::de::DeserializeOwned>(
        &self,
        path: String,
        form: Form,
        what: &'static str,
    ) -> Result<T, TwilioError> {
        let params = form.finish()?;
        self.client
            .request(Method::POST, Domain::Api, &path)
            .form(params)
            .json(what)
            .await
    }

    /// The account's SIP Domains.
    pub fn domains(&self) -> ListStream<'c, SipDomain> {
        list_api(
            self.client,
            self.path("Domains.json"),
            Form::default(),
            "domains",
            "the SIP domain list",
        )
    }

    /// Creates `{name}.sip.twilio.com` with registration on, its calls sent to `voice_url`.
    ///
    /// # Errors
    /// [`TwilioError::Invalid`] for a bad URL; Twilio's errors (a name already taken
    /// anywhere in Twilio is one).
    pub async fn create_domain(
        &self,
        domain_name: &str,
        friendly_name: &str,
        voice_url: &str,
    ) -> Result<SipDomain, TwilioError> {
        let mut form = Form::default();
        form.text("DomainName", domain_name);
        form.bounded_text("FriendlyName", "FriendlyName", friendly_name, 64);
        form.url("VoiceUrl", "VoiceUrl", voice_url);
        form.method("VoiceMethod", WebhookMethod::Post);
        form.flag("SipRegistration", true);
        // Not `Secure` yet: that makes Twilio insist on TLS and SRTP, which the SIP engine
        // does not speak so far (UDP signalling, plain RTP).
        form.flag("Secure", false);
        self.send(self.path("Domains.json"), form, "the new SIP domain")
            .await
    }

    /// Points the domain's calls at `voice_url` and keeps registration on.
    ///
    /// # Errors
    /// As [`Sip::create_domain`].
    pub async fn update_domain(
        &self,
        sid: &str,
        voice_url: &str,
    ) -> Result<SipDomain, TwilioError> {
        let mut form = Form::default();
        form.url("VoiceUrl", "VoiceUrl", voice_url);
        form.method("VoiceMethod", WebhookMethod::Post);
        form.flag("SipRegistration", true);
        self.send(
            self.path(&format!("Domains/{sid}.json")),
            form,
            "the updated SIP domain",
        )
        .await
    }

    /// Deletes a domain (its mappings go with it).
    ///
    /// # Errors
    /// Twilio's errors.
    pub async fn delete_domain(&self, sid: &str) -> Result<(), TwilioError> {
        self.client
            .delete(&self.path(&format!("Domains/{sid}.json")))
            .await
    }

    /// The credential lists mapped to domain `sid` for `what`.
    pub fn mappings(&self, sid: &str, what: MappingFor) -> ListStream<'c, CredentialListMapping> {
        list_api(
            self.client,
            self.path(&format!("Domains/{sid}/{}.json", what.path())),
            Form::default(),
            "contents",
            "the SIP domain's credential list mappings",
        )
    }

    /// Maps credential list `list` to domain `sid` for `what`.
    ///
    /// # Errors
    /// Twilio's errors.
    pub async fn map(
        &self,
        sid: &str,
        what: MappingFor,
        list: &str,
    ) -> Result<CredentialListMapping, TwilioError> {
        let mut form = Form::default();
        form.text("CredentialListSid", list);
        self.send(
            self.path(&format!("Domains/{sid}/{}.json", what.path())),
            form,
            "the new credential list mapping",
        )
        .await
    }

    /// The account's credential lists.
    pub fn credential_lists(&self) -> ListStream<'c, CredentialList> {
        list_api(
            self.client,
            self.path("CredentialLists.json"),
            Form::default(),
            "credential_lists",
            "the credential lists",
        )
    }

    /// Creates a credential list.
    ///
    /// # Errors
    /// Twilio's errors.
    pub async fn create_credential_list(
        &self,
        friendly_name: &str,
    ) -> Result<CredentialList, TwilioError> {
        let mut form = Form::default();
        form.bounded_text("FriendlyName", "FriendlyName", friendly_name, 64);
        self.send(
            self.path("CredentialLists.json"),
            form,
            "the new credential list",
        )
        .await
    }

    /// Deletes a credential list and its credentials.
    ///
    /// # Errors
    /// Twilio's errors.
    pub async fn delete_credential_list(&self, sid: &str) -> Result<(), TwilioError> {
        self.client
            .delete(&self.path(&format!("CredentialLists/{sid}.json")))
            .await
    }

    /// The usernames in list `list`.
    pub fn credentials(&self, list: &str) -> ListStream<'c, SipCredential> {
        list_api(
            self.client,
            self.path(&format!("CredentialLists/{list}/Credentials.json")),
            Form::default(),
            "credentials",
            "the credentials",
        )
    }

    /// Adds `username` with `password` to list `list`.
    ///
    /// # Errors
    /// [`TwilioError::Invalid`] for a username over 32 characters or a password Twilio would
    /// refuse (nothing is sent); Twilio's errors.
    pub async fn create_credential(
        &self,
        list: &str,
        username: &str,
        password: &str,
    ) -> Result<SipCredential, TwilioError> {
        let mut form = Form::default();
        form.bounded_text("Username", "Username", username, 32);
        check_password(&mut form, password);
        form.text("Password", password);
        self.send(
            self.path(&format!("CredentialLists/{list}/Credentials.json")),
            form,
            "the new SIP credential",
        )
        .await
    }

    /// Sets a new password for credential `sid` in list `list`.
    ///
    /// # Errors
    /// As [`Sip::create_credential`].
    pub async fn set_password(
        &self,
        list: &str,
        sid: &str,
        password: &str,
    ) -> Result<SipCredential, TwilioError> {
        let mut form = Form::default();
        check_password(&mut form, password);
        form.text("Password", password);
        self.send(
            self.path(&format!("CredentialLists/{list}/Credentials/{sid}.json")),
            form,
            "the updated SIP credential",
        )
        .await
    }
}

/// Twilio's rule: at least 12 characters, a digit, and mixed case.
fn check_password(form: &mut Form, password: &str) {
    let ok = password.chars().count() >= 12
        && password.chars().any(|c| c.is_ascii_digit())
        && password.chars().any(char::is_lowercase)
        && password.chars().any(char::is_uppercase);
    if !ok {
        form.invalid("Password: a SIP password needs at least 12 characters, a digit, and upper and lower case letters.".into());
    }
}

impl Client {
    /// SIP Domains and credential lists.
    pub fn sip(&self) -> Sip<'_> {
        Sip { client: self }
    }
}
