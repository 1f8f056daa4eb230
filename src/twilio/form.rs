//! Request parameters checked as they are set, so a malformed value is refused before any
//! request, with a message naming the field.

use jiff::Timestamp;

use super::client::Params;
use super::error::TwilioError;
use crate::e164::E164;

/// HTTP method Twilio uses to call a webhook.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebhookMethod {
    /// `GET`
    Get,
    /// `POST`, Twilio's default.
    Post,
}

impl WebhookMethod {
    /// Parses `GET` or `POST` in any case.
    ///
    /// # Errors
    /// For anything else, naming `field`.
    pub fn parse(field: &str, raw: &str) -> Result<Self, TwilioError> {
        match raw.trim().to_ascii_uppercase().as_str() {
            "GET" => Ok(Self::Get),
            "POST" => Ok(Self::Post),
            _ => Err(TwilioError::Invalid(format!(
                "{field}: {raw:?} is not an HTTP method Twilio calls webhooks with; use GET or POST."
            ))),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Get => "GET",
            Self::Post => "POST",
        }
    }
}

/// Checks that `raw` is an absolute http(s) URL, as Twilio requires of webhooks.
///
/// # Errors
/// For anything else, naming `field`.
pub fn check_url(field: &str, raw: &str) -> Result<String, TwilioError> {
    let raw = raw.trim();
    let invalid = |why: &str| TwilioError::Invalid(format!("{field}: {raw:?} {why}"));
    let url = url::Url::parse(raw).map_err(|e| invalid(&format!("is not a URL ({e}).")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(invalid(
            "must be an absolute http:// or https:// URL that Twilio can reach.",
        ));
    }
    Ok(url.to_string())
}

/// Parameters being collected; the first invalid one is kept and reported by
/// [`Form::finish`].
#[derive(Debug, Default)]
pub(crate) struct Form {
    params: Params,
    error: Option<TwilioError>,
}

impl Form {
    fn fail(&mut self, err: TwilioError) {
        if self.error.is_none() {
            self.error = Some(err);
        }
    }

    pub(crate) fn text(&mut self, name: &str, value: &str) {
        self.params.set(name, value);
    }

    pub(crate) fn push_text(&mut self, name: &str, value: &str) {
        self.params.push(name, value);
    }

    /// A free-text field Twilio limits to `max` characters.
    pub(crate) fn bounded_text(&mut self, name: &str, field: &str, value: &str, max: usize) {
        if value.chars().count() > max {
            self.fail(TwilioError::Invalid(format!(
                "{field}: at most {max} characters, this one has {}.",
                value.chars().count()
            )));
        } else {
            self.params.set(name, value);
        }
    }

    pub(crate) fn url(&mut self, name: &str, field: &str, raw: &str) {
        match check_url(field, raw) {
            Ok(url) => self.params.set(name, url),
            Err(err) => self.fail(err),
        }
    }

    pub(crate) fn method(&mut self, name: &str, method: WebhookMethod) {
        self.params.set(name, method.as_str());
    }

    pub(crate) fn phone(&mut self, name: &str, field: &str, raw: &str) {
        match E164::parse(field, raw, None) {
            Ok(number) => self.params.set(name, number),
            Err(err) => self.fail(TwilioError::Invalid(err.message)),
        }
    }

    pub(crate) fn flag(&mut self, name: &str, value: bool) {
        self.params.set(name, value);
    }

    pub(crate) fn int_in(
        &mut self,
        name: &str,
        field: &str,
        value: u32,
        range: std::ops::RangeInclusive<u32>,
    ) {
        if range.contains(&value) {
            self.params.set(name, value);
        } else {
            self.fail(TwilioError::Invalid(format!(
                "{field}: {value} is outside {}..={}.",
                range.start(),
                range.end()
            )));
        }
    }

    /// A point in time as Twilio's filters take it (ISO 8601 in UTC).
    pub(crate) fn time(&mut self, name: &str, at: Timestamp) {
        self.params.set(name, at.strftime("%Y-%m-%dT%H:%M:%SZ"));
    }

    pub(crate) fn sid(&mut self, name: &str, sid: &impl AsRef<str>) {
        self.params.set(name, sid.as_ref());
    }

    pub(crate) fn invalid(&mut self, message: String) {
        self.fail(TwilioError::Invalid(message));
    }

    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.params.get(name)
    }

    pub(crate) fn finish(self) -> Result<Params, TwilioError> {
        match self.error {
            Some(err) => Err(err),
            None => Ok(self.params),
        }
    }
}
