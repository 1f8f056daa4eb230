use std::time::Duration;

use serde::Deserialize;

use crate::error::{Code, Error};

/// A failed Twilio request.
#[derive(Debug, thiserror::Error)]
pub enum TwilioError {
    /// Twilio answered with an error body `{code, message, more_info, status}`.
    #[error("Twilio answered {status}: {message}")]
    Api {
        /// HTTP status.
        status: u16,
        /// Twilio's error code (see `more_info`), when the body had one.
        code: Option<u32>,
        /// Twilio's message, or the HTTP reason when the body had none.
        message: String,
        /// Link to Twilio's page for the error code.
        more_info: Option<String>,
    },
    /// The connection could not be made.
    #[error("could not connect to {host}: {detail}")]
    Connect {
        /// Host that was tried.
        host: String,
        /// What the network stack said.
        detail: String,
    },
    /// No answer within the time limit.
    #[error("{host} did not answer within {} s", .after.as_secs())]
    Timeout {
        /// Host that was tried.
        host: String,
        /// The limit that ran out.
        after: Duration,
    },
    /// The answer could not be read as what Twilio documents.
    #[error("unexpected answer from Twilio for {what}: {detail}")]
    Decode {
        /// What was being fetched.
        what: String,
        /// Why it could not be read.
        detail: String,
    },
    /// A parameter was refused before any request was sent; the message names the field.
    #[error("{0}")]
    Invalid(String),
    /// A downloaded file could not be written.
    #[error("could not save {path}: {detail}")]
    Save {
        /// Where it was being written.
        path: String,
        /// What the file system said.
        detail: String,
    },
    /// Any other transport failure.
    #[error("request to Twilio failed: {0}")]
    Transport(String),
}

/// Twilio's error body. Every field is optional: proxies and outages send other shapes.
#[derive(Debug, Deserialize)]
pub(crate) struct ErrorBody {
    pub code: Option<u32>,
    pub message: Option<String>,
    pub more_info: Option<String>,
}

impl TwilioError {
    pub(crate) fn from_reqwest(err: &reqwest::Error, host: &str, timeout: Duration) -> Self {
        if err.is_timeout() {
            Self::Timeout {
                host: host.to_owned(),
                after: timeout,
            }
        } else if err.is_connect() {
            Self::Connect {
                host: host.to_owned(),
                detail: root_cause(err),
            }
        } else {
            Self::Transport(root_cause(err))
        }
    }

    pub(crate) fn from_body(status: reqwest::StatusCode, body: &[u8]) -> Self {
        let parsed: Option<ErrorBody> = serde_json::from_slice(body).ok();
        let reason = status.canonical_reason().unwrap_or("error").to_owned();
        match parsed {
            Some(b) => Self::Api {
                status: status.as_u16(),
                code: b.code,
                message: b.message.unwrap_or(reason),
                more_info: b.more_info,
            },
            None => Self::Api {
                status: status.as_u16(),
                code: None,
                message: reason,
                more_info: None,
            },
        }
    }
}

/// The innermost cause of `err` (e.g. "Connection refused"): what the user can act on, and
/// without the request URL that reqwest's outer message repeats.
fn root_cause(err: &reqwest::Error) -> String {
    let mut cause: &dyn std::error::Error = err;
    while let Some(inner) = cause.source() {
        cause = inner;
    }
    cause.to_string()
}

impl From<TwilioError> for Error {
    fn from(err: TwilioError) -> Self {
        match &err {
            TwilioError::Api { status: 401, .. } => Error::new(
                Code::Unauthorized,
                "Twilio rejected these credentials (401). Check that the API key SID and secret \
                 are copied exactly and that the key belongs to this account and has not been deleted.",
            ),
            TwilioError::Api {
                status: 403,
                message,
                ..
            } => Error::new(
                Code::Forbidden,
                format!(
                    "Twilio refused access (403): {message}. A Standard or Main API key is needed; Restricted keys lack permissions Switchboard uses."
                ),
            ),
            TwilioError::Api {
                status: 404,
                message,
                ..
            } => Error::new(
                Code::NotFound,
                format!(
                    "Twilio has no such resource (404): {message}. Check the SID, and that it belongs to this account or subaccount."
                ),
            ),
            TwilioError::Api { status: 429, .. } => Error::new(
                Code::RateLimited,
                "Twilio is limiting requests right now (429). Wait a minute and try again.",
            ),
            TwilioError::Api {
                code,
                message,
                more_info,
                status,
            } => {
                let code = code.map(|c| format!(" (error {c})")).unwrap_or_default();
                let link = more_info
                    .as_ref()
                    .map(|l| format!(" See {l}"))
                    .unwrap_or_default();
                Error::new(
                    Code::Twilio,
                    format!("Twilio answered {status}{code}: {message}.{link}"),
                )
            }
            TwilioError::Connect { host, detail } => Error::new(
                Code::Network,
                format!(
                    "Could not reach Twilio at {host} ({detail}). Check your internet connection, VPN or proxy, then try again."
                ),
            ),
            TwilioError::Timeout { host, after } => Error::new(
                Code::Timeout,
                format!(
                    "Twilio at {host} did not answer within {} seconds. The network may be slow or blocked; try again.",
                    after.as_secs()
                ),
            ),
            TwilioError::Invalid(message) => Error::new(Code::InvalidInput, message.clone()),
            TwilioError::Save { path, detail } => {
                let hint = if detail.contains("No space") || detail.contains("os error 28") {
                    " The disk is full: free some space and try again."
                } else {
                    " Check that the folder exists and is writable."
                };
                Error::new(
                    Code::Storage,
                    format!("Could not save {path}: {detail}.{hint} Nothing was kept."),
                )
            }
            TwilioError::Decode { .. } | TwilioError::Transport(_) => Error::new(
                Code::Network,
                format!("{err}. Try again; if it keeps happening, the log file has details."),
            ),
        }
    }
}
