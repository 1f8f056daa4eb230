//! `/2010-04-01/Accounts/{AccountSid}/Calls`: place, inspect, control and list calls, and
//! control a live call's recording.

use jiff::Timestamp;
use reqwest::Method;

use super::base::Domain;
use super::client::{Client, Params};
use super::error::TwilioError;
use super::form::{Form, WebhookMethod};
use super::models::{Call, CallStatus, Recording};
use super::page;
use super::page::{ListStream, list_api};
use crate::sid::{ApplicationSid, CallSid, RecordingSid};
use crate::twiml::Response;

/// Twilio's limit on inline TwiML, in characters.
pub const MAX_TWIML_LEN: usize = 4000;

/// Checks that `xml` is a `<Response>` document (Twilio refuses anything else only after
/// placing the call, which then fails).
fn check_twiml(xml: &str) -> Result<&str, String> {
    let xml = xml.trim();
    let body = match xml.strip_prefix("<?xml") {
        Some(rest) => rest
            .split_once("?>")
            .map_or("", |(_, after)| after.trim_start()),
        None => xml,
    };
    if body.starts_with("<Response") && xml.ends_with('>') {
        Ok(xml)
    } else {
        Err(format!(
            "Twiml: {:?} is not TwiML; it must be a <Response>…</Response> document.",
            xml.chars().take(40).collect::<String>()
        ))
    }
}

/// Handler for the Calls resource.
#[derive(Debug)]
pub struct Calls<'c> {
    client: &'c Client,
}

impl<'c> Calls<'c> {
    pub(super) fn new(client: &'c Client) -> Self {
        Self { client }
    }

    fn path(&self, rest: &str) -> String {
        format!(
            "/2010-04-01/Accounts/{}/Calls{rest}",
            self.client.account_sid()
        )
    }

    /// Places a call from `from` (an owned number or verified caller ID) to `to`; one of
    /// [`CreateCall::url`], [`CreateCall::twiml`] or [`CreateCall::application`] says what
    /// happens when it is answered. Numbers are checked as E.164; `to` may also be
    /// `client:identity` or a `sip:` address.
    pub fn create(&self, to: &str, from: &str) -> CreateCall<'c> {
        let mut form = Form::default();
        let to = to.trim();
        if to.starts_with("client:") || to.starts_with("sip:") {
            form.text("To", to);
        } else {
            form.phone("To", "To", to);
        }
        form.phone("From", "From", from);
        CreateCall {
            client: self.client,
            path: self.path(".json"),
            form,
        }
    }

    /// Fetches a call.
    ///
    /// # Errors
    /// [`TwilioError`] for an error answer (404 for an unknown call) or a failed request.
    pub async fn get(&self, sid: &CallSid) -> Result<Call, TwilioError> {
        self.client
            .get_json(&self.path(&format!("/{sid}.json")), "the call")
            .await
    }

    /// Changes a live call: end it, or give it new instructions.
    pub fn update(&self, sid: &CallSid) -> UpdateCall<'c> {
        UpdateCall {
            client: self.client,
            path: self.path(&format!("/{sid}.json")),
            form: Form::default(),
        }
    }

    /// Ends a call: `completed` when it is connected, `canceled` when it is still ringing or
    /// queued (Twilio ignores the one that does not apply, so both are tried in turn).
    ///
    /// # Errors
    /// [`TwilioError`] for an error answer or a failed request.
    pub async fn hangup(&self, sid: &CallSid) -> Result<Call, TwilioError> {
        let call = self.update(sid).status(EndStatus::Completed).send().await?;
        if matches!(call.status, CallStatus::Queued | CallStatus::Ringing) {
            return self.update(sid).status(EndStatus::Canceled).send().await;
        }
        Ok(call)
    }

    /// Lists calls, newest first, with optional filters.
    pub fn list(&self) -> ListCalls<'c> {
        ListCalls {
            client: self.client,
            path: self.path(".json"),
            form: Form::default(),
        }
    }

    /// The recordings of a live call: start, pause, resume, stop, list.
    pub fn recordings(&self, call: &CallSid) -> CallRecordings<'c> {
        CallRecordings {
            client: self.client,
            base: self.path(&format!("/{call}/Recordings")),
        }
    }
}

/// Builder for placing a call.
#[derive(Debug)]
#[must_use = "a builder does nothing until sent"]
pub struct CreateCall<'c> {
    client: &'c Client,
    path: String,
    form: Form,
}

/// What a call does (on answer, or from now on for a live call) and where its status changes
/// go: the settings shared by placing and updating a call.
macro_rules! call_instructions {
    ($builder:ident) => {
        impl $builder<'_> {
            /// Instructions from this URL.
            pub fn url(mut self, url: &str) -> Self {
                self.form.url("Url", "Url", url);
                self
            }

            /// The method for the URL.
            pub fn method(mut self, method: WebhookMethod) -> Self {
                self.form.method("Method", method);
                self
            }

            /// Instructions as TwiML, instead of a URL.
            pub fn twiml(mut self, twiml: &Response) -> Self {
                let xml = twiml.to_xml();
                self.form
                    .bounded_text("Twiml", "Twiml", &xml, MAX_TWIML_LEN);
                self
            }

            /// TwiML given as text (from a user or a file), checked to look like a TwiML
            /// document.
            pub fn twiml_xml(mut self, xml: &str) -> Self {
                match check_twiml(xml) {
                    Ok(xml) => self.form.bounded_text("Twiml", "Twiml", xml, MAX_TWIML_LEN),
                    Err(e) => self.form.invalid(e),
                }
                self
            }

            /// Where Twilio posts the call's status changes.
            pub fn status_callback(mut self, url: &str) -> Self {
                self.form.url("StatusCallback", "StatusCallback", url);
                self
            }
        }
    };
}

call_instructions!(CreateCall);
call_instructions!(UpdateCall);

impl CreateCall<'_> {
    /// A TwiML App to run when the call is answered, instead of a URL.
    pub fn application(mut self, sid: &ApplicationSid) -> Self {
        self.form.sid("ApplicationSid", sid);
        self
    }

    /// Which status changes are posted (`initiated`, `ringing`, `answered`, `completed`).
    pub fn status_callback_events(mut self, events: &[&str]) -> Self {
        for event in events {
            if matches!(*event, "initiated" | "ringing" | "answered" | "completed") {
                self.form.push_text("StatusCallbackEvent", event);
            } else {
                self.form.invalid(format!(
                    "StatusCallbackEvent: {event:?} is not one of initiated, ringing, answered, completed."
                ));
            }
        }
        self
    }

    /// Records the whole call.
    pub fn record(mut self, record: bool) -> Self {
        self.form.flag("Record", record);
        self
    }

    /// Detects an answering machine: `Enable` or `DetectMessageEnd`.
    pub fn machine_detection(mut self, mode: MachineDetection) -> Self {
        self.form.text(
            "MachineDetection",
            match mode {
                MachineDetection::Enable => "Enable",
                MachineDetection::DetectMessageEnd => "DetectMessageEnd",
            },
        );
        self
    }

    /// Seconds to let it ring before giving up (5 to 600; Twilio's default is 60).
    pub fn timeout(mut self, seconds: u32) -> Self {
        self.form.int_in("Timeout", "Timeout", seconds, 5..=600);
        self
    }

    /// Caps the call's length in seconds (1 to 86400).
    pub fn time_limit(mut self, seconds: u32) -> Self {
        self.form
            .int_in("TimeLimit", "TimeLimit", seconds, 1..=86_400);
        self
    }

    /// Places the call.
    ///
    /// # Errors
    /// [`TwilioError::Invalid`] for a malformed parameter or a missing or doubled instruction
    /// source (nothing is sent then); Twilio's errors otherwise.
    pub async fn send(self) -> Result<Call, TwilioError> {
        let sources = ["Url", "Twiml", "ApplicationSid"]
            .iter()
            .filter(|k| self.form.get(k).is_some())
            .count();
        let mut form = self.form;
        if sources != 1 {
            form.invalid(
                "A call needs exactly one of Url, Twiml or ApplicationSid to say what happens when it is answered."
                    .into(),
            );
        }
        let params = form.finish()?;
        self.client
            .request(Method::POST, Domain::Api, &self.path)
            .form(params)
            .json("the new call")
            .await
    }
}

/// Answering machine detection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MachineDetection {
    /// Report `AnsweredBy` as soon as it is known.
    Enable,
    /// Wait for the end of a machine's greeting (to leave a message).
    DetectMessageEnd,
}

/// The states a call can be ended with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndStatus {
    /// Hang up a connected call.
    Completed,
    /// Cancel a queued or ringing call.
    Canceled,
}

/// Builder for changing a live call.
#[derive(Debug)]
#[must_use = "a builder does nothing until sent"]
pub struct UpdateCall<'c> {
    client: &'c Client,
    path: String,
    form: Form,
}

impl UpdateCall<'_> {
    /// Ends the call.
    pub fn status(mut self, status: EndStatus) -> Self {
        self.form.text(
            "Status",
            match status {
                EndStatus::Completed => "completed",
                EndStatus::Canceled => "canceled",
            },
        );
        self
    }

    /// Sends the change.
    ///
    /// # Errors
    /// [`TwilioError::Invalid`] for a malformed or empty change (nothing sent); Twilio's
    /// errors otherwise (21220 when the call is no longer in progress).
    pub async fn send(self) -> Result<Call, TwilioError> {
        let mut form = self.form;
        if ["Status", "Url", "Twiml"]
            .iter()
            .all(|k| form.get(k).is_none())
        {
            form.invalid("A call update needs a Status, a Url or TwiML.".into());
        }
        let params = form.finish()?;
        self.client
            .request(Method::POST, Domain::Api, &self.path)
            .form(params)
            .json("the updated call")
            .await
    }
}

/// Builder for listing calls.
#[derive(Debug)]
#[must_use = "a builder does nothing until streamed"]
pub struct ListCalls<'c> {
    client: &'c Client,
    path: String,
    form: Form,
}

impl<'c> ListCalls<'c> {
    /// Only calls to this number (E.164) or `client:` identity.
    pub fn to(mut self, to: &str) -> Self {
        if to.trim().starts_with("client:") {
            self.form.text("To", to.trim());
        } else {
            self.form.phone("To", "To", to);
        }
        self
    }

    /// Only calls from this number or `client:` identity.
    pub fn from(mut self, from: &str) -> Self {
        if from.trim().starts_with("client:") {
            self.form.text("From", from.trim());
        } else {
            self.form.phone("From", "From", from);
        }
        self
    }

    /// Only calls in this state.
    pub fn status(mut self, status: CallStatus) -> Self {
        if status == CallStatus::Unknown {
            self.form
                .invalid("Status: choose a call status to filter by.".into());
        } else {
            self.form.text("Status", status.as_str());
        }
        self
    }

    /// Only calls that started on or after `at` (`StartTime>`).
    pub fn started_after(mut self, at: Timestamp) -> Self {
        self.form.time("StartTime>", at);
        self
    }

    /// Only calls that started on or before `at` (`StartTime<`).
    pub fn started_before(mut self, at: Timestamp) -> Self {
        self.form.time("StartTime<", at);
        self
    }

    /// Rows per request (1 to 1000; default 50).
    pub fn page_size(mut self, size: u32) -> Self {
        self.form
            .int_in("PageSize", "PageSize", size, 1..=page::MAX_PAGE_SIZE);
        self
    }

    /// The calls, newest first, one page in memory at a time.
    pub fn stream(self) -> ListStream<'c, Call> {
        list_api(self.client, self.path, self.form, "calls", "the call list")
    }
}

/// Handler for `Calls/{CallSid}/Recordings`: recording control during a call.
#[derive(Debug)]
pub struct CallRecordings<'c> {
    client: &'c Client,
    base: String,
}

/// What to do with a call recording in progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordingControl {
    /// Pause; the paused part is skipped in the recording.
    Pause,
    /// Resume after a pause.
    Resume,
    /// Stop for good.
    Stop,
}

impl CallRecordings<'_> {
    /// Starts recording the call (both legs, mixed).
    ///
    /// # Errors
    /// Twilio's errors (for example when the call is not in progress).
    pub async fn start(&self) -> Result<Recording, TwilioError> {
        let mut params = Params::default();
        params.set("RecordingChannels", "mono");
        self.client
            .request(Method::POST, Domain::Api, &format!("{}.json", self.base))
            .form(params)
            .json("the new call recording")
            .await
    }

    /// Pauses, resumes or stops recording `sid`, or the call's current recording when `sid`
    /// is `None` (Twilio's `Twilio.CURRENT`).
    ///
    /// # Errors
    /// Twilio's errors.
    pub async fn control(
        &self,
        sid: Option<&RecordingSid>,
        action: RecordingControl,
    ) -> Result<Recording, TwilioError> {
        let target = sid.map_or("Twilio.CURRENT", RecordingSid::as_str);
        let mut params = Params::default();
        params.set(
            "Status",
            match action {
                RecordingControl::Pause => "paused",
                RecordingControl::Resume => "in-progress",
                RecordingControl::Stop => "stopped",
            },
        );
        if action == RecordingControl::Pause {
            params.set("PauseBehavior", "skip");
        }
        self.client
            .request(
                Method::POST,
                Domain::Api,
                &format!("{}/{target}.json", self.base),
            )
            .form(params)
            .json("the call recording")
            .await
    }

    /// The call's recordings.
    pub fn list(&self) -> ListStream<'_, Recording> {
        list_api(
            self.client,
            format!("{}.json", self.base),
            Form::default(),
            "recordings",
            "the call's recordings",
        )
    }
}

impl Client {
    /// Calls: place, fetch, update, hang up, list; live recording control.
    pub fn calls(&self) -> Calls<'_> {
        Calls::new(self)
    }
}
