//! Twilio's REST API: the client, its base URLs and its errors.

mod accounts;
mod client;
mod error;
mod retry;
pub mod token;

pub use accounts::{Account, AccountStatus, Accounts};
pub use client::{ApiBase, Client, Credentials};
pub use error::TwilioError;
pub use retry::RetryPolicy;
