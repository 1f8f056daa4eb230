//! `switchboard profiles`: the accounts connected on this machine.

use clap::Subcommand;
use switchboard::account::CredentialsInput;
use switchboard::sid::AccountSid;
use switchboard::{ConnectOptions, Error, Switchboard};

use super::output::{self, Table};
use super::sid;

#[derive(Debug, Subcommand)]
pub enum ProfilesCommand {
    /// List profiles; `*` marks the active one.
    List {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Add (or replace) a profile after checking its key with Twilio.
    ///
    /// The secret is read from TWILIO_API_SECRET, or from the first line of standard input.
    Add {
        /// The profile's name.
        name: String,
        /// The account's SID (AC…).
        #[arg(long, env = "TWILIO_ACCOUNT_SID", value_name = "AC…")]
        account_sid: String,
        /// The API key's SID (SK…).
        #[arg(long, env = "TWILIO_API_KEY", value_name = "SK…")]
        api_key: String,
        /// Twilio region, such as ie1 or au1.
        #[arg(long)]
        region: Option<String>,
        /// Twilio edge, such as dublin or sydney.
        #[arg(long)]
        edge: Option<String>,
        /// Act on this subaccount (AC…) of the key's account.
        #[arg(long, value_name = "AC…")]
        subaccount: Option<String>,
        /// Keep the current active profile.
        #[arg(long)]
        no_activate: bool,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Remove a profile, and its secret from the keychain unless another profile uses it.
    Remove {
        /// The profile's name.
        name: String,
    },
    /// Make a profile the active one.
    Use {
        /// The profile's name.
        name: String,
    },
}

pub async fn profiles(
    core: &Switchboard,
    command: ProfilesCommand,
    secret: impl FnOnce() -> Result<switchboard::secret::Sensitive<String>, Error>,
) -> Result<(), Error> {
    match command {
        ProfilesCommand::List { json } => {
            let profiles = core.db().profiles().await?;
            let active = core.db().active_profile().await?.map(|p| p.name);
            if json {
                #[derive(serde::Serialize)]
                struct Row<'a> {
                    #[serde(flatten)]
                    profile: &'a switchboard::db::Profile,
                    active: bool,
                }
                let rows: Vec<_> = profiles
                    .iter()
                    .map(|p| Row {
                        profile: p,
                        active: Some(&p.name) == active.as_ref(),
                    })
                    .collect();
                output::json(&rows);
            } else if profiles.is_empty() {
                println!("No profiles. Add one with `switchboard profiles add NAME`.");
            } else {
                let mut table = Table::new(&["", "NAME", "ACCOUNT", "SUBACCOUNT", "KEY", "REGION"]);
                for p in &profiles {
                    table.row(vec![
                        if Some(&p.name) == active.as_ref() {
                            "*".into()
                        } else {
                            " ".into()
                        },
                        p.name.clone(),
                        format!(
                            "{} ({})",
                            p.account_sid,
                            p.account_name.as_deref().unwrap_or("unnamed")
                        ),
                        p.subaccount_sid
                            .as_ref()
                            .map_or("-".into(), ToString::to_string),
                        p.api_key_sid.to_string(),
                        match (&p.region, &p.edge) {
                            (None, None) => "-".into(),
                            (r, e) => format!(
                                "{}{}",
                                r.as_deref().unwrap_or("us1"),
                                e.as_ref().map(|e| format!(" via {e}")).unwrap_or_default()
                            ),
                        },
                    ]);
                }
                table.print();
            }
        }
        ProfilesCommand::Add {
            name,
            account_sid,
            api_key,
            region,
            edge,
            subaccount,
            no_activate,
            json,
        } => {
            let subaccount_sid = subaccount
                .map(|s| sid("--subaccount", &s, AccountSid::parse))
                .transpose()?;
            let input = CredentialsInput {
                account_sid,
                api_key_sid: api_key,
                api_key_secret: secret()?,
                profile_name: Some(name),
            };
            let options = ConnectOptions {
                region,
                edge,
                subaccount_sid,
                activate: !no_activate,
            };
            let profile = core.connect_with(&input, &options).await?;
            if json {
                output::json(&profile);
            } else {
                println!(
                    "Added profile \"{}\" for {} ({}){}.",
                    profile.name,
                    profile.account_name.as_deref().unwrap_or("unnamed account"),
                    profile.acting_account(),
                    if no_activate {
                        ""
                    } else {
                        "; it is now the active profile"
                    }
                );
            }
        }
        ProfilesCommand::Remove { name } => {
            let removed = core.remove_profile(&name).await?;
            println!("Removed profile \"{}\".", removed.name);
            match core.db().active_profile().await? {
                Some(active) => println!("The active profile is \"{}\".", active.name),
                None => println!("No profiles are left."),
            }
        }
        ProfilesCommand::Use { name } => {
            let profile = core.use_profile(&name).await?;
            println!(
                "Now using \"{}\" ({}).",
                profile.name,
                profile.acting_account()
            );
        }
    }
    Ok(())
}
