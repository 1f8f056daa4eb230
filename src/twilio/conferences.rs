//! `/2010-04-01/Accounts/{AccountSid}/Conferences/{ConferenceSid}/Participants`: dial a party
//! into a conference (creating the conference, named by its friendly name, on first use), and
//! hold, mute or release a participant.

use reqwest::Method;
use serde::Deserialize;

use super::base::Domain;
use super::client::{Client, Params};
use super::error::TwilioError;
use super::form::Form;
use super::models::lenient_string;
use crate::sid::CallSid;

/// A call in a conference, as Twilio answers.
#[derive(Debug, Clone, Deserialize)]
pub struct Participant {
    /// The participant's call.
    pub call_sid: CallSid,
    /// The conference (`CF…`), once Twilio has created it.
    #[serde(default, deserialize_with = "lenient_string")]
    pub conference_sid: Option<String>,
    /// The label given when it was added.
    #[serde(default, deserialize_with = "lenient_string")]
    pub label: Option<String>,
    /// `queued`, `connecting`, `ringing`, `connected`, `complete` or `failed`.
    #[serde(default, deserialize_with = "lenient_string")]
    pub status: Option<String>,
    /// Whether it is on hold.
    #[serde(default)]
    pub hold: Option<bool>,
    /// Whether it is muted.
    #[serde(default)]
    pub muted: Option<bool>,
}

/// Handler for one conference's participants. `conference` is a `CF…` SID or, when adding
/// the first party, the conference's friendly name.
#[derive(Debug)]
pub struct Participants<'c> {
    client: &'c Client,
    base: String,
}

impl<'c> Participants<'c> {
    pub(super) fn new(client: &'c Client, conference: &str) -> Self {
        Self {
            base: format!(
                "/2010-04-01/Accounts/{}/Conferences/{}/Participants",
                client.account_sid(),
                urlencoding(conference)
            ),
            client,
        }
    }

    /// Dials `to` from `from` (an owned number or verified caller ID) into the conference.
    pub fn add(&self, to: &str, from: &str) -> AddParticipant<'c> {
        let mut form = Form::default();
        let to = to.trim();
        if to.starts_with("client:") {
            form.text("To", to);
        } else if to.starts_with("sip:") {
            // A SIP address, with X- headers after `?` for the INVITE.
            if to.contains(char::is_whitespace) || !to.contains('@') {
                form.invalid(format!("To: {to:?} is not a SIP address (sip:user@host)."));
            } else {
                form.text("To", to);
            }
        } else {
            form.phone("To", "To", to);
        }
        form.phone("From", "From", from);
        AddParticipant {
            client: self.client,
            path: format!("{}.json", self.base),
            form,
        }
    }

    /// Changes a participant (by call SID or label).
    pub fn update(&self, call: &str) -> UpdateParticipant<'c> {
        UpdateParticipant {
            client: self.client,
            path: format!("{}/{}.json", self.base, urlencoding(call)),
            params: Params::default(),
        }
    }
}

/// Percent-encodes a path segment (a friendly name or label may hold anything).
fn urlencoding(segment: &str) -> String {
    url::form_urlencoded::byte_serialize(segment.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

/// Builder for dialing a participant in.
#[derive(Debug)]
#[must_use = "a builder does nothing until sent"]
pub struct AddParticipant<'c> {
    client: &'c Client,
    path: String,
    form: Form,
}

impl AddParticipant<'_> {
    /// A name to address the participant by later.
    pub fn label(mut self, label: &str) -> Self {
        self.form.text("Label", label);
        self
    }

    /// Whether the conference starts when this participant joins (else it hears the wait
    /// music until someone who starts it arrives).
    pub fn start_conference_on_enter(mut self, on: bool) -> Self {
        self.form.flag("StartConferenceOnEnter", on);
        self
    }

    /// Whether the conference ends, for everyone, when this participant leaves.
    pub fn end_conference_on_exit(mut self, on: bool) -> Self {
        self.form.flag("EndConferenceOnExit", on);
        self
    }

    /// Whether others hear a beep when this participant joins or leaves.
    pub fn beep(mut self, on: bool) -> Self {
        self.form.text("Beep", if on { "true" } else { "false" });
        self
    }

    /// Let the conference hear the ringing and early media of this participant's call.
    pub fn early_media(mut self, on: bool) -> Self {
        self.form.flag("EarlyMedia", on);
        self
    }

    /// Seconds to let it ring (5 to 600).
    pub fn timeout(mut self, seconds: u32) -> Self {
        self.form.int_in("Timeout", "Timeout", seconds, 5..=600);
        self
    }

    /// Dials the participant in.
    ///
    /// # Errors
    /// [`TwilioError::Invalid`] for a malformed number (nothing is sent); Twilio's errors
    /// otherwise.
    pub async fn send(self) -> Result<Participant, TwilioError> {
        let params = self.form.finish()?;
        self.client
            .request(Method::POST, Domain::Api, &self.path)
            .form(params)
            .json("the new conference participant")
            .await
    }
}

/// Builder for changing a participant.
#[derive(Debug)]
#[must_use = "a builder does nothing until sent"]
pub struct UpdateParticipant<'c> {
    client: &'c Client,
    path: String,
    params: Params,
}

impl UpdateParticipant<'_> {
    /// Puts the participant on hold (it hears Twilio's hold music) or brings it back.
    pub fn hold(mut self, on: bool) -> Self {
        self.params.set("Hold", on);
        self
    }

    /// Mutes or unmutes the participant.
    pub fn muted(mut self, on: bool) -> Self {
        self.params.set("Muted", on);
        self
    }

    /// Whether the conference ends when this participant leaves.
    pub fn end_conference_on_exit(mut self, on: bool) -> Self {
        self.params.set("EndConferenceOnExit", on);
        self
    }

    /// Sends the change.
    ///
    /// # Errors
    /// [`TwilioError::Invalid`] for an empty change; Twilio's errors otherwise.
    pub async fn send(self) -> Result<Participant, TwilioError> {
        if ["Hold", "Muted", "EndConferenceOnExit"]
            .iter()
            .all(|k| self.params.get(k).is_none())
        {
            return Err(TwilioError::Invalid(
                "A participant update needs Hold, Muted or EndConferenceOnExit.".into(),
            ));
        }
        self.client
            .request(Method::POST, Domain::Api, &self.path)
            .form(self.params)
            .json("the conference participant")
            .await
    }
}

impl Client {
    /// The participants of a conference, by `CF…` SID or friendly name.
    pub fn participants(&self, conference: &str) -> super::conferences::Participants<'_> {
        super::conferences::Participants::new(self, conference)
    }
}
