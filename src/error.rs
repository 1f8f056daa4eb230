//! The core's one error: a closed [`Code`] and a message a person can act on.
//!
//! Module errors stay rich inside their modules (`TwilioError`, `DbError`, `CacheError`, …);
//! at the core's surface they become an [`Error`], which the shell serializes over IPC as
//! `{code, message}` and the CLI prints as `error[code]: message`. Nothing secret goes in
//! either.

use serde::Serialize;
use ts_rs::TS;

/// What kind of failure happened, closed so the UI can handle every case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Code {
    /// The input was malformed; nothing was sent anywhere.
    InvalidInput,
    /// Twilio rejected the credentials (HTTP 401).
    Unauthorized,
    /// The credentials are valid but may not do this (HTTP 403).
    Forbidden,
    /// The thing asked for does not exist.
    NotFound,
    /// Twilio (or another service) could not be reached.
    Network,
    /// A service did not answer in time.
    Timeout,
    /// Too many requests; try again later.
    RateLimited,
    /// Twilio answered with an error of its own.
    Twilio,
    /// The OS keychain is locked, missing or refused access.
    Keychain,
    /// The local database or disk failed.
    Storage,
    /// No Twilio account is set up yet.
    NotConfigured,
    /// A bug: something that should not happen did.
    Internal,
}

/// An error as the shell, the CLI and the UI receive it: `{ code, message }`.
///
/// In TypeScript it is `IpcError`, so it does not shadow the web's own `Error`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS, thiserror::Error)]
#[error("{message}")]
#[ts(rename = "IpcError")]
pub struct Error {
    /// The kind of failure.
    pub code: Code,
    /// A sentence saying what went wrong and what to do about it.
    pub message: String,
}

impl Error {
    /// An error of kind `code` with `message`.
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    /// An internal error; the full chain is logged, the user sees a short message.
    pub fn internal(err: &anyhow::Error) -> Self {
        tracing::error!(error = format!("{err:#}"), "internal error");
        Self::new(
            Code::Internal,
            format!("Something went wrong inside Switchboard: {err}. The log file has details."),
        )
    }
}
