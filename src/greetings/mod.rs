//! Greetings: what a caller hears before leaving a voicemail. [`schedule`] says what a
//! greeting is and which one plays when; [`store`] keeps them in the app's database;
//! [`studio`] records takes and [`hosting`] serves their audio from the user's bucket; the
//! `impl Switchboard` below edits them and sends them to the routing.

pub mod hosting;
pub mod schedule;
mod store;
pub mod studio;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::Switchboard;
use crate::error::{Code, Error};
use crate::twilio::Client;

pub use schedule::{
    Greeting, GreetingKind, Pronunciation, Say, Window, active_greeting, problem, pronounce, zone,
};
pub use store::{GreetingRow, NewGreeting, greeting_id};

/// The Greetings view's data: the account's greetings and the time zone they follow.
#[derive(Debug, Clone, Serialize, TS)]
pub struct GreetingsOverview {
    /// IANA time zone of the schedules.
    pub time_zone: String,
    /// Words text-to-speech says differently.
    pub pronunciations: Vec<Pronunciation>,
    /// Every greeting, in the routing's order.
    pub greetings: Vec<GreetingRow>,
}

/// A greeting as the Greetings view submits it.
#[derive(Debug, Clone, Deserialize, TS)]
pub struct GreetingInput {
    /// Its name.
    pub name: String,
    /// When it plays.
    pub kind: GreetingKind,
    /// What is spoken.
    pub say: Say,
    /// Opening hours, for after-hours greetings.
    #[ts(optional)]
    pub open: Option<Vec<Window>>,
    /// First local date, for holidays.
    #[ts(optional)]
    pub from: Option<String>,
    /// Last local date, for holidays.
    #[ts(optional)]
    pub to: Option<String>,
}

/// After a change: whether the routing already serves it, or why not.
#[derive(Debug, Clone, Serialize, TS)]
pub struct GreetingsPublished {
    /// The deployed routing plays the new greetings from the next call.
    pub live: bool,
    /// Why not, when not (not deployed, or Twilio could not be reached).
    pub note: Option<String>,
}

/// One change to the greetings.
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(tag = "op", content = "value", rename_all = "snake_case")]
pub enum GreetingsEdit {
    /// Add a text-to-speech greeting.
    Add(GreetingInput),
    /// Make a greeting active (a default becomes the only active default).
    Activate(String),
    /// Remove a greeting.
    Remove(String),
    /// Set the schedules' time zone.
    TimeZone(String),
    /// Say a word differently (replacing how it was said before).
    Pronounce(Pronunciation),
    /// Stop saying a word differently.
    Unpronounce(String),
}

impl Switchboard {
    /// The active profile's greetings and their time zone.
    ///
    /// # Errors
    /// [`Code::NotConfigured`] without a profile; storage errors.
    pub async fn greetings(&self) -> Result<crate::greetings::GreetingsOverview, Error> {
        let profile = self.profile(None).await?;
        let account = profile.acting_account();
        Ok(crate::greetings::GreetingsOverview {
            time_zone: self.db.greeting_time_zone(account).await?,
            pronunciations: self.db.pronunciations(account).await?,
            greetings: self.db.greetings(account).await?,
        })
    }

    /// Applies a greetings change to the active profile's account, then sends the greetings
    /// to the deployed routing. The change is kept locally even when Twilio cannot be reached.
    ///
    /// # Errors
    /// The change's own errors (bad input, unknown name, storage).
    pub async fn change_greetings(
        &self,
        change: crate::greetings::GreetingsEdit,
    ) -> Result<crate::greetings::GreetingsPublished, Error> {
        use crate::greetings::GreetingsEdit;
        let profile = self.profile(None).await?;
        let account = profile.acting_account().clone();
        match change {
            GreetingsEdit::Add(input) => {
                let dates = match (input.from, input.to) {
                    (Some(from), Some(to)) => Some((from, to)),
                    _ => None,
                };
                let new = crate::greetings::NewGreeting {
                    name: input.name,
                    kind: input.kind,
                    say: input.say,
                    open: input.open,
                    dates,
                    url: None,
                    id: None,
                };
                self.db.add_greeting(&account, &new).await?;
            }
            GreetingsEdit::Activate(name) => self.db.activate_greeting(&account, &name).await?,
            GreetingsEdit::Remove(name) => self.db.remove_greeting(&account, &name).await?,
            GreetingsEdit::TimeZone(tz) => self.db.set_greeting_time_zone(&account, &tz).await?,
            GreetingsEdit::Pronounce(p) => self.db.set_pronunciation(&account, &p).await?,
            GreetingsEdit::Unpronounce(term) => {
                self.db.remove_pronunciation(&account, &term).await?;
            }
        }
        let client = self.client().await?;
        Ok(published(self.publish_greetings(None, &client).await))
    }

    /// The name of the greeting a caller would hear at `local` (`YYYY-MM-DDTHH:MM` in the
    /// account's time zone), or `None` for the built-in message.
    ///
    /// # Errors
    /// [`Code::InvalidInput`] for a malformed time; storage errors.
    pub async fn preview_greeting(&self, local: &str) -> Result<Option<String>, Error> {
        let overview = self.greetings().await?;
        let zone = crate::greetings::zone(&overview.time_zone);
        let at = local
            .trim()
            .parse::<jiff::civil::DateTime>()
            .ok()
            .and_then(|dt| dt.to_zoned(zone.clone()).ok())
            .ok_or_else(|| {
                Error::new(
                    Code::InvalidInput,
                    format!("{local:?} is not a date and time."),
                )
            })?
            .timestamp();
        let active: Vec<_> = overview.greetings.iter().filter(|g| g.active).collect();
        let greetings: Vec<_> = active.iter().map(|g| g.greeting.clone()).collect();
        Ok(crate::greetings::active_greeting(&greetings, &zone, at)
            .and_then(|g| active.iter().find(|r| r.greeting.id == g.id))
            .map(|r| r.name.clone()))
    }

    /// Sends the current greetings to the deployed routing (no build): the next caller hears
    /// them. Returns false when routing is not deployed.
    ///
    /// # Errors
    /// Twilio and storage errors; the greetings stay saved locally either way.
    pub async fn publish_greetings(
        &self,
        name: Option<&str>,
        client: &Client,
    ) -> Result<bool, Error> {
        let config = self.routing_config(name, client).await?;
        crate::routing::update_config(client, &config).await
    }
}

/// What a routing update after a greetings change means for the user.
pub(crate) fn published(result: Result<bool, Error>) -> crate::greetings::GreetingsPublished {
    match result {
        Ok(true) => crate::greetings::GreetingsPublished { live: true, note: None },
        Ok(false) => crate::greetings::GreetingsPublished {
            live: false,
            note: Some("Call routing is not deployed yet: deploy it in Numbers so callers hear your greetings.".into()),
        },
        Err(err) => crate::greetings::GreetingsPublished {
            live: false,
            note: Some(format!("Saved here, but the routing could not be updated: {} It is sent again with the next change or deploy.", err.message)),
        },
    }
}
