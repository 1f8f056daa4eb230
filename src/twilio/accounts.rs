use serde::{Deserialize, Serialize};

use super::client::Client;
use super::error::TwilioError;
use super::form::Form;
use super::page::ListStream;
use super::page::list_api;
use crate::sid::AccountSid;

/// A Twilio account, as far as Switchboard reads it.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Account {
    /// The account's SID.
    pub sid: AccountSid,
    /// The name shown in Twilio's Console.
    #[serde(default)]
    pub friendly_name: String,
    /// Whether the account can be used.
    pub status: AccountStatus,
    /// The parent account, for a subaccount (the account itself for a main account).
    #[serde(default)]
    pub owner_account_sid: Option<AccountSid>,
}

/// An account's state. Only `active` accounts can place calls or buy numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum AccountStatus {
    /// In use.
    Active,
    /// Suspended by Twilio or the owner.
    Suspended,
    /// Closed for good.
    Closed,
    /// A state newer than this build knows.
    #[serde(other)]
    Unknown,
}

/// Handler for `/2010-04-01/Accounts`.
#[derive(Debug)]
pub struct Accounts<'c> {
    client: &'c Client,
}

impl<'c> Accounts<'c> {
    pub(super) fn new(client: &'c Client) -> Self {
        Self { client }
    }

    /// Fetches the account `sid`; a 401 here means the credentials are wrong.
    ///
    /// # Errors
    /// [`TwilioError`] for an error answer, a network failure, a timeout or an unreadable body.
    pub async fn fetch(&self, sid: &AccountSid) -> Result<Account, TwilioError> {
        self.client
            .get_json(&format!("/2010-04-01/Accounts/{sid}.json"), "the account")
            .await
    }

    /// The account the key belongs to and its subaccounts, optionally only those in `status`.
    pub fn list(&self, status: Option<AccountStatus>) -> ListStream<'c, Account> {
        let mut form = Form::default();
        match status {
            Some(AccountStatus::Active) => form.text("Status", "active"),
            Some(AccountStatus::Suspended) => form.text("Status", "suspended"),
            Some(AccountStatus::Closed) => form.text("Status", "closed"),
            Some(AccountStatus::Unknown) => {
                form.invalid("Status: choose active, suspended or closed.".into())
            }
            None => {}
        }
        list_api(
            self.client,
            "/2010-04-01/Accounts.json".into(),
            form,
            "accounts",
            "the account list",
        )
    }
}

impl Client {
    /// Accounts: fetch the account, list subaccounts.
    pub fn accounts(&self) -> Accounts<'_> {
        Accounts::new(self)
    }
}
