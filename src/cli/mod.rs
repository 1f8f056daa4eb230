//! The resource commands: profiles, numbers, calls, recordings, transcriptions.

pub mod cache;
pub mod call;
pub mod greetings;
pub mod output;
pub mod routing;

use std::path::PathBuf;

use clap::{Args, Subcommand};
use output::{Limit, Table, confirm, or_dash};
use switchboard::account::CredentialsInput;
use switchboard::phone::{E164, format_for_display};
use switchboard::sid::{AccountSid, ApplicationSid, CallSid, PhoneNumberSid, RecordingSid};
use switchboard::twilio::{
    AudioFormat, CallStatus, Client, EndStatus, IncomingPhoneNumber, MachineDetection, NumberType,
    TwilioError, WebhookMethod,
};
use switchboard::{Code, ConnectOptions, IpcError, Switchboard};

fn invalid(message: impl Into<String>) -> IpcError {
    IpcError::new(Code::InvalidInput, message)
}

fn sid<T>(
    field: &str,
    raw: &str,
    parse: fn(&str) -> Result<T, switchboard::sid::SidError>,
) -> Result<T, IpcError> {
    parse(raw).map_err(|e| invalid(format!("{field}: {e}")))
}

/// `--limit N` or `--all`.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Show at most N rows.
    #[arg(long, default_value_t = 50, value_name = "N", conflicts_with = "all")]
    limit: usize,
    /// Show every row (fetched a page at a time).
    #[arg(long)]
    all: bool,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

impl ListArgs {
    fn limit(&self) -> Limit {
        Limit((!self.all).then_some(self.limit))
    }

    /// The row count, `usize::MAX` for `--all`.
    pub fn limit_or_all(&self) -> usize {
        self.limit().0.unwrap_or(usize::MAX)
    }

    /// Whether to print JSON.
    pub fn json(&self) -> bool {
        self.json
    }
}

/// A date (`2026-11-01`, midnight UTC) or an RFC 3339 instant (`2026-11-01T09:30:00Z`).
fn parse_time(field: &str, raw: &str) -> Result<jiff::Timestamp, IpcError> {
    let raw = raw.trim();
    if let Ok(at) = raw.parse::<jiff::Timestamp>() {
        return Ok(at);
    }
    raw.parse::<jiff::civil::Date>()
        .ok()
        .and_then(|d| d.to_zoned(jiff::tz::TimeZone::UTC).ok())
        .map(|z| z.timestamp())
        .ok_or_else(|| {
            invalid(format!(
                "{field}: {raw:?} is not a date (2026-11-01) or a time (2026-11-01T09:30:00Z)."
            ))
        })
}

// ---------------------------------------------------------------------------------------------
// Profiles

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
    secret: impl FnOnce() -> Result<switchboard::secret::Sensitive<String>, IpcError>,
) -> Result<(), IpcError> {
    match command {
        ProfilesCommand::List { json } => {
            let profiles = core.store().profiles().await?;
            let active = core.store().active_profile().await?.map(|p| p.name);
            if json {
                #[derive(serde::Serialize)]
                struct Row<'a> {
                    #[serde(flatten)]
                    profile: &'a switchboard::store::Profile,
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
            match core.store().active_profile().await? {
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

// ---------------------------------------------------------------------------------------------
// Numbers

#[derive(Debug, Subcommand)]
pub enum NumbersCommand {
    /// List the account's phone numbers.
    List {
        #[command(flatten)]
        list: ListArgs,
    },
    /// Search numbers for sale, with their monthly price.
    Search(SearchArgs),
    /// Buy a number (charged at once), after confirmation.
    Buy {
        /// The number to buy, as found by `numbers search`.
        #[arg(required_unless_present = "area_code", conflicts_with = "area_code")]
        number: Option<String>,
        /// Or: any number in this area code (US and Canada).
        #[arg(long)]
        area_code: Option<String>,
        /// A name for it.
        #[arg(long)]
        friendly_name: Option<String>,
        /// Where Twilio asks what to do with calls (instead of Switchboard's routing).
        #[arg(long, value_name = "URL", conflicts_with = "no_routing")]
        voice_url: Option<String>,
        /// Do not wire the number to Switchboard's call routing.
        #[arg(long)]
        no_routing: bool,
        /// Do not ask for confirmation.
        #[arg(long, short)]
        yes: bool,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Change a number's name or call handling.
    Update {
        /// The number (E.164) or its SID (PN…).
        number: String,
        #[command(flatten)]
        config: NumberConfigArgs,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Release a number: it leaves the account at once and cannot be taken back.
    Release {
        /// The number (E.164) or its SID (PN…).
        number: String,
        /// Do not ask for confirmation.
        #[arg(long, short)]
        yes: bool,
    },
}

#[derive(Debug, Args)]
pub struct SearchArgs {
    /// ISO country code.
    #[arg(long, default_value = "US")]
    country: String,
    /// local, toll-free or mobile.
    #[arg(long = "type", default_value = "local", value_name = "TYPE")]
    kind: String,
    /// Area code (US and Canada).
    #[arg(long)]
    area_code: Option<u32>,
    /// Digits or letters the number contains; * matches any digit.
    #[arg(long, value_name = "PATTERN")]
    contains: Option<String>,
    /// Only numbers that take SMS.
    #[arg(long)]
    sms: bool,
    /// Only numbers that take MMS.
    #[arg(long)]
    mms: bool,
    /// Only numbers that take calls.
    #[arg(long)]
    voice: bool,
    /// Only numbers that take faxes.
    #[arg(long)]
    fax: bool,
    /// Leave out numbers that need an address on file.
    #[arg(long)]
    exclude_address_required: bool,
    /// Numbers near this one.
    #[arg(long, value_name = "E164")]
    near_number: Option<String>,
    /// Numbers near LAT,LONG.
    #[arg(long, value_name = "LAT,LONG")]
    near_lat_long: Option<String>,
    /// Radius in miles for the near filters.
    #[arg(long)]
    distance: Option<u32>,
    /// In this postal code.
    #[arg(long)]
    in_postal_code: Option<String>,
    /// In this state or province.
    #[arg(long)]
    in_region: Option<String>,
    /// In this city.
    #[arg(long)]
    in_locality: Option<String>,
    /// In this rate center (needs --in-lata).
    #[arg(long)]
    in_rate_center: Option<String>,
    /// In this LATA.
    #[arg(long)]
    in_lata: Option<String>,
    #[command(flatten)]
    list: ListArgs,
}

#[derive(Debug, Args)]
pub struct NumberConfigArgs {
    /// A new name.
    #[arg(long)]
    friendly_name: Option<String>,
    /// Where Twilio asks what to do with calls.
    #[arg(long, value_name = "URL")]
    voice_url: Option<String>,
    /// GET or POST for --voice-url.
    #[arg(long, value_name = "METHOD")]
    voice_method: Option<String>,
    /// A TwiML App (AP…) that handles calls instead.
    #[arg(long, value_name = "AP…")]
    voice_application_sid: Option<String>,
    /// Where call status changes are posted.
    #[arg(long, value_name = "URL")]
    status_callback: Option<String>,
    /// Where Twilio asks what to do with SMS.
    #[arg(long, value_name = "URL")]
    sms_url: Option<String>,
}

fn number_row(n: &IncomingPhoneNumber) -> Vec<String> {
    let caps = [
        ("voice", n.capabilities.voice),
        ("sms", n.capabilities.sms),
        ("mms", n.capabilities.mms),
        ("fax", n.capabilities.fax),
    ]
    .iter()
    .filter(|(_, on)| *on)
    .map(|(name, _)| *name)
    .collect::<Vec<_>>()
    .join(",");
    let routing = match (&n.voice_application_sid, &n.voice_url) {
        (Some(app), _) => format!("app {app}"),
        (None, Some(url)) => format!("url {url}"),
        (None, None) => "none".into(),
    };
    vec![
        format_for_display(&n.phone_number, None),
        or_dash(n.friendly_name.as_deref()),
        caps,
        routing,
        n.sid.to_string(),
    ]
}

/// Finds a number's SID from a `PN…` SID or the number itself.
async fn resolve_number(client: &Client, raw: &str) -> Result<PhoneNumberSid, IpcError> {
    if raw.trim().starts_with("PN") {
        return sid("NUMBER", raw, PhoneNumberSid::parse);
    }
    let number = E164::parse("NUMBER", raw, None).map_err(|e| invalid(e.message))?;
    use futures_util::StreamExt;
    let mut found = client
        .incoming_numbers()
        .list()
        .phone_number(number.as_str())
        .stream();
    while let Some(row) = found.next().await {
        let row = row?;
        if row.phone_number == number.as_str() {
            return Ok(row.sid);
        }
    }
    Err(IpcError::new(
        Code::NotFound,
        format!(
            "{number} is not one of this account's numbers. `switchboard numbers list` shows them."
        ),
    ))
}

pub async fn numbers(client: &Client, command: NumbersCommand) -> Result<(), IpcError> {
    match command {
        NumbersCommand::List { list } => {
            output::list(
                client
                    .incoming_numbers()
                    .list()
                    .page_size(list.limit().0.map_or(1000, |l| l.clamp(1, 1000) as u32))
                    .stream(),
                list.limit(),
                list.json,
                number_row,
                &["NUMBER", "NAME", "CAPABILITIES", "CALLS GO TO", "SID"],
                "This account has no phone numbers. Find one with `switchboard numbers search`.",
            )
            .await
        }
        NumbersCommand::Search(args) => search(client, args).await,
        NumbersCommand::Buy {
            number,
            area_code,
            friendly_name,
            voice_url,
            no_routing,
            yes,
            json,
        } => {
            let mut buy = client.incoming_numbers().buy();
            let what = match (&number, &area_code) {
                (Some(n), _) => {
                    let n = E164::parse("NUMBER", n, None).map_err(|e| invalid(e.message))?;
                    buy = buy.phone_number(n.as_str());
                    n.to_string()
                }
                (None, Some(code)) => {
                    buy = buy.area_code(code);
                    format!("a number in area code {code}")
                }
                (None, None) => return Err(invalid("Give the number to buy, or --area-code.")),
            };
            if let Some(name) = &friendly_name {
                buy = buy.friendly_name(name);
            }
            // Wired in the purchase itself, so a bought number is never left half-configured.
            let wired = match (&voice_url, no_routing) {
                (Some(url), _) => Some(url.clone()),
                (None, true) => None,
                (None, false) => Some(
                    switchboard::routing::domain(client)
                        .await?
                        .as_deref()
                        .map(switchboard::routing::inbound_url)
                        .ok_or_else(|| {
                            let mut err = switchboard::routing::not_deployed();
                            err.message.push_str(" Or buy with --no-routing.");
                            err
                        })?,
                ),
            };
            if let Some(url) = &wired {
                buy = buy.voice_url(url).voice_method(WebhookMethod::Post);
            }
            let country = number
                .as_deref()
                .and_then(|n| phonenumber::parse(None, n).ok())
                .and_then(|n| n.country().id())
                .map(|c| format!("{c:?}"))
                .unwrap_or_else(|| "US".into());
            let price = client
                .pricing()
                .phone_number_country(&country)
                .await
                .ok()
                .and_then(|p| {
                    p.monthly_price("local").map(|v| {
                        format!(
                            "{v} {}/month (Twilio's price for local numbers in {country})",
                            p.price_unit.as_deref().unwrap_or("USD")
                        )
                    })
                })
                .unwrap_or_else(|| "the price shown in the Twilio Console".into());
            confirm(
                &format!("Buy {what} for {price}? Twilio charges the first month now."),
                yes,
            )?;
            let bought = buy.send().await?;
            if json {
                output::json(&bought);
            } else {
                println!("Bought {} ({}).", bought.phone_number, bought.sid);
            }
            Ok(())
        }
        NumbersCommand::Update {
            number,
            config,
            json,
        } => {
            let sid = resolve_number(client, &number).await?;
            let mut update = client.incoming_numbers().update(&sid);
            if let Some(v) = &config.friendly_name {
                update = update.friendly_name(v);
            }
            if let Some(v) = &config.voice_url {
                update = update.voice_url(v);
            }
            if let Some(v) = &config.voice_method {
                update = update.voice_method(WebhookMethod::parse("--voice-method", v)?);
            }
            if let Some(v) = &config.voice_application_sid {
                update = update.voice_application(&self::sid(
                    "--voice-application-sid",
                    v,
                    ApplicationSid::parse,
                )?);
            }
            if let Some(v) = &config.status_callback {
                update = update.status_callback(v);
            }
            if let Some(v) = &config.sms_url {
                update = update.sms_url(v);
            }
            let updated = update.send().await?;
            if json {
                output::json(&updated);
            } else {
                println!("Updated {} ({}).", updated.phone_number, updated.sid);
            }
            Ok(())
        }
        NumbersCommand::Release { number, yes } => {
            let sid = resolve_number(client, &number).await?;
            let shown = client.incoming_numbers().get(&sid).await?;
            confirm(
                &format!(
                    "Release {} ({})? It leaves the account at once and anyone may buy it.",
                    shown.phone_number,
                    or_dash(shown.friendly_name.as_deref())
                ),
                yes,
            )?;
            client.incoming_numbers().release(&sid).await?;
            println!("Released {}.", shown.phone_number);
            Ok(())
        }
    }
}

async fn search(client: &Client, args: SearchArgs) -> Result<(), IpcError> {
    let kind = NumberType::parse(&args.kind).ok_or_else(|| {
        invalid(format!(
            "--type: {:?} is not local, toll-free or mobile.",
            args.kind
        ))
    })?;
    let mut search = client.available_numbers(&args.country, kind);
    if let Some(v) = args.area_code {
        search = search.area_code(v);
    }
    if let Some(v) = &args.contains {
        search = search.contains(v);
    }
    if args.sms {
        search = search.sms_enabled(true);
    }
    if args.mms {
        search = search.mms_enabled(true);
    }
    if args.voice {
        search = search.voice_enabled(true);
    }
    if args.fax {
        search = search.fax_enabled(true);
    }
    if args.exclude_address_required {
        search = search.exclude_all_address_required(true);
    }
    if let Some(v) = &args.near_number {
        search = search.near_number(v);
    }
    if let Some(v) = &args.near_lat_long {
        let (lat, long) = v
            .split_once(',')
            .and_then(|(a, b)| Some((a.trim().parse().ok()?, b.trim().parse().ok()?)))
            .ok_or_else(|| {
                invalid(format!(
                    "--near-lat-long: {v:?} is not LAT,LONG such as 37.77,-122.42."
                ))
            })?;
        search = search.near_lat_long(lat, long);
    }
    if let Some(v) = args.distance {
        search = search.distance(v);
    }
    if let Some(v) = &args.in_postal_code {
        search = search.in_postal_code(v);
    }
    if let Some(v) = &args.in_region {
        search = search.in_region(v);
    }
    if let Some(v) = &args.in_locality {
        search = search.in_locality(v);
    }
    if let Some(v) = &args.in_rate_center {
        search = search.in_rate_center(v);
    }
    if let Some(v) = &args.in_lata {
        search = search.in_lata(v);
    }
    // The price is a nicety: a pricing failure must not hide the numbers.
    let price = match client.pricing().phone_number_country(&args.country).await {
        Ok(p) => p
            .monthly_price(kind.pricing_name())
            .map(|v| format!("{v} {}", p.price_unit.as_deref().unwrap_or("USD"))),
        Err(err @ TwilioError::Invalid(_)) => return Err(err.into()),
        Err(err) => {
            tracing::warn!(error = %err, "no price for the search");
            None
        }
    };
    let price_col = price.clone().unwrap_or_else(|| "?".into());
    output::list(
        search.stream(),
        args.list.limit(),
        args.list.json,
        |n| {
            vec![
                n.friendly_name
                    .clone()
                    .unwrap_or_else(|| n.phone_number.clone()),
                n.phone_number.clone(),
                [n.locality.as_deref(), n.region.as_deref()]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(", "),
                price_col.clone(),
            ]
        },
        &["NUMBER", "E.164", "WHERE", "PER MONTH"],
        "No numbers match; widen the search (another area code, fewer filters).",
    )
    .await
}

// ---------------------------------------------------------------------------------------------
// Calls

#[derive(Debug, Subcommand)]
pub enum CallsCommand {
    /// List calls, newest first.
    List {
        /// Only calls to this number.
        #[arg(long)]
        to: Option<String>,
        /// Only calls from this number.
        #[arg(long)]
        from: Option<String>,
        /// Only calls in this state (queued, ringing, in-progress, completed, busy, failed,
        /// no-answer, canceled).
        #[arg(long)]
        status: Option<String>,
        /// Only calls that started at or after this date or time.
        #[arg(long, value_name = "WHEN")]
        after: Option<String>,
        /// Only calls that started at or before this date or time.
        #[arg(long, value_name = "WHEN")]
        before: Option<String>,
        /// Read the local cache instead of Twilio (works offline; `switchboard sync` fills it).
        #[arg(long, conflicts_with_all = ["to", "from", "status", "after", "before"])]
        cached: bool,
        #[command(flatten)]
        list: ListArgs,
    },
    /// Show one call.
    Get {
        /// The call's SID (CA…).
        sid: String,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Place a call.
    Create {
        /// Who to call: a number, client:IDENTITY or sip:ADDRESS.
        #[arg(long)]
        to: String,
        /// The caller ID: one of the account's numbers.
        #[arg(long)]
        from: String,
        /// Fetch instructions from this URL when answered.
        #[arg(long, group = "source", value_name = "URL")]
        url: Option<String>,
        /// Run this TwiML when answered.
        #[arg(long, group = "source", value_name = "XML")]
        twiml: Option<String>,
        /// Run this TwiML App when answered.
        #[arg(long, group = "source", value_name = "AP…")]
        application_sid: Option<String>,
        /// Post status changes here.
        #[arg(long, value_name = "URL")]
        status_callback: Option<String>,
        /// Record the call.
        #[arg(long)]
        record: bool,
        /// Detect answering machines: enable or detect-message-end.
        #[arg(long, value_name = "MODE")]
        machine_detection: Option<String>,
        /// Seconds to ring before giving up (5-600).
        #[arg(long)]
        timeout: Option<u32>,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Change a live call.
    Update {
        /// The call's SID (CA…).
        sid: String,
        /// completed (hang up) or canceled (stop ringing).
        #[arg(long)]
        status: Option<String>,
        /// Fetch new instructions from this URL.
        #[arg(long, value_name = "URL")]
        url: Option<String>,
        /// Run this TwiML now.
        #[arg(long, value_name = "XML")]
        twiml: Option<String>,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Hang up (or cancel) a call.
    Hangup {
        /// The call's SID (CA…).
        sid: String,
    },
}

fn call_row(c: &switchboard::twilio::Call) -> Vec<String> {
    vec![
        c.start_time
            .as_deref()
            .and_then(switchboard::twilio::parse_twilio_date)
            .map_or("-".into(), |t| t.strftime("%Y-%m-%d %H:%M").to_string()),
        c.from
            .as_deref()
            .map_or("-".into(), |n| format_for_display(n, None)),
        c.to.as_deref()
            .map_or("-".into(), |n| format_for_display(n, None)),
        c.status.as_str().into(),
        c.duration
            .as_deref()
            .map_or("-".into(), |d| format!("{d}s")),
        c.sid.to_string(),
    ]
}

pub async fn calls(client: &Client, command: CallsCommand) -> Result<(), IpcError> {
    match command {
        CallsCommand::List { cached: true, .. } => Err(invalid(
            "calls list --cached is answered from the cache, not Twilio.",
        )),
        CallsCommand::List {
            to,
            from,
            status,
            after,
            before,
            list,
            ..
        } => {
            let mut q = client.calls().list();
            if let Some(v) = &to {
                q = q.to(v);
            }
            if let Some(v) = &from {
                q = q.from(v);
            }
            if let Some(v) = &status {
                q = q.status(CallStatus::parse(v).ok_or_else(|| invalid(format!("--status: {v:?} is not a call status (queued, ringing, in-progress, completed, busy, failed, no-answer, canceled).")))?);
            }
            if let Some(v) = &after {
                q = q.started_after(parse_time("--after", v)?);
            }
            if let Some(v) = &before {
                q = q.started_before(parse_time("--before", v)?);
            }
            output::list(
                q.stream(),
                list.limit(),
                list.json,
                call_row,
                &["STARTED (UTC)", "FROM", "TO", "STATUS", "LENGTH", "SID"],
                "No calls match.",
            )
            .await
        }
        CallsCommand::Get { sid: raw, json } => {
            let call = client
                .calls()
                .get(&sid("SID", &raw, CallSid::parse)?)
                .await?;
            print_call(&call, json);
            Ok(())
        }
        CallsCommand::Create {
            to,
            from,
            url,
            twiml,
            application_sid,
            status_callback,
            record,
            machine_detection,
            timeout,
            json,
        } => {
            let mut create = client.calls().create(&to, &from);
            match (url, twiml, application_sid) {
                (Some(u), None, None) => create = create.url(&u),
                (None, Some(t), None) => create = create.twiml_xml(&t),
                (None, None, Some(a)) => {
                    create =
                        create.application(&sid("--application-sid", &a, ApplicationSid::parse)?)
                }
                _ => {
                    return Err(invalid(
                        "Say what happens when the call is answered: --url, --twiml or --application-sid.",
                    ));
                }
            }
            if let Some(v) = &status_callback {
                create = create.status_callback(v);
            }
            if record {
                create = create.record(true);
            }
            if let Some(v) = &machine_detection {
                create = create.machine_detection(
                    match v.to_ascii_lowercase().replace('_', "-").as_str() {
                        "enable" => MachineDetection::Enable,
                        "detect-message-end" | "detectmessageend" => {
                            MachineDetection::DetectMessageEnd
                        }
                        _ => {
                            return Err(invalid(format!(
                                "--machine-detection: {v:?} is not enable or detect-message-end."
                            )));
                        }
                    },
                );
            }
            if let Some(v) = timeout {
                create = create.timeout(v);
            }
            let call = create.send().await?;
            print_call(&call, json);
            Ok(())
        }
        CallsCommand::Update {
            sid: raw,
            status,
            url,
            twiml,
            json,
        } => {
            let sid = sid("SID", &raw, CallSid::parse)?;
            let mut update = client.calls().update(&sid);
            if let Some(v) = &status {
                update = update.status(match v.to_ascii_lowercase().as_str() {
                    "completed" => EndStatus::Completed,
                    "canceled" | "cancelled" => EndStatus::Canceled,
                    _ => {
                        return Err(invalid(format!(
                            "--status: {v:?} is not completed or canceled."
                        )));
                    }
                });
            }
            if let Some(v) = &url {
                update = update.url(v);
            }
            if let Some(v) = &twiml {
                update = update.twiml_xml(v);
            }
            let call = update.send().await?;
            print_call(&call, json);
            Ok(())
        }
        CallsCommand::Hangup { sid: raw } => {
            let call = client
                .calls()
                .hangup(&sid("SID", &raw, CallSid::parse)?)
                .await?;
            println!("{} is {}.", call.sid, call.status.as_str());
            Ok(())
        }
    }
}

fn print_call(call: &switchboard::twilio::Call, json: bool) {
    if json {
        output::json(call);
        return;
    }
    println!("Call:      {}", call.sid);
    println!("Status:    {}", call.status.as_str());
    println!("From:      {}", or_dash(call.from.as_deref()));
    println!("To:        {}", or_dash(call.to.as_deref()));
    println!("Direction: {}", or_dash(call.direction.as_deref()));
    println!("Started:   {}", or_dash(call.start_time.as_deref()));
    println!(
        "Duration:  {}",
        call.duration
            .as_deref()
            .map_or("-".into(), |d| format!("{d} s"))
    );
    if let Some(price) = &call.price {
        println!(
            "Price:     {price} {}",
            call.price_unit.as_deref().unwrap_or("")
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Recordings and transcriptions

#[derive(Debug, Subcommand)]
pub enum RecordingsCommand {
    /// List recordings, newest first.
    List {
        /// Only this call's recordings.
        #[arg(long, value_name = "CA…")]
        call: Option<String>,
        /// Only recordings made at or after this date or time.
        #[arg(long, value_name = "WHEN")]
        after: Option<String>,
        /// Only recordings made at or before this date or time.
        #[arg(long, value_name = "WHEN")]
        before: Option<String>,
        #[command(flatten)]
        list: ListArgs,
    },
    /// Download a recording's audio.
    Download {
        /// The recording's SID (RE…).
        sid: String,
        /// mp3 or wav.
        #[arg(long, default_value = "mp3")]
        format: String,
        /// Where to save it (default: RE….mp3 in the current folder).
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
}

pub async fn recordings(client: &Client, command: RecordingsCommand) -> Result<(), IpcError> {
    match command {
        RecordingsCommand::List {
            call,
            after,
            before,
            list,
        } => {
            let mut q = client.recordings().list();
            if let Some(v) = &call {
                q = q.call(&sid("--call", v, CallSid::parse)?);
            }
            if let Some(v) = &after {
                q = q.created_after(parse_time("--after", v)?);
            }
            if let Some(v) = &before {
                q = q.created_before(parse_time("--before", v)?);
            }
            output::list(
                q.stream(),
                list.limit(),
                list.json,
                |r| {
                    vec![
                        r.date_created
                            .as_deref()
                            .and_then(switchboard::twilio::parse_twilio_date)
                            .map_or("-".into(), |t| t.strftime("%Y-%m-%d %H:%M").to_string()),
                        r.duration
                            .as_deref()
                            .map_or("-".into(), |d| format!("{d}s")),
                        or_dash(r.status.as_deref()),
                        or_dash(r.source.as_deref()),
                        r.call_sid.as_ref().map_or("-".into(), ToString::to_string),
                        r.sid.to_string(),
                    ]
                },
                &["CREATED (UTC)", "LENGTH", "STATUS", "SOURCE", "CALL", "SID"],
                "No recordings match.",
            )
            .await
        }
        RecordingsCommand::Download {
            sid: raw,
            format,
            output,
        } => {
            let sid = sid("SID", &raw, RecordingSid::parse)?;
            let format = AudioFormat::parse(&format)
                .ok_or_else(|| invalid(format!("--format: {format:?} is not mp3 or wav.")))?;
            let dest =
                output.unwrap_or_else(|| PathBuf::from(format!("{sid}.{}", format.extension())));
            let done = client.recordings().download(&sid, format, &dest).await?;
            println!("Saved {} ({} bytes).", done.path.display(), done.bytes);
            Ok(())
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum TranscriptionsCommand {
    /// List transcriptions, newest first.
    List {
        /// Only this recording's transcriptions.
        #[arg(long, value_name = "RE…")]
        recording: Option<String>,
        #[command(flatten)]
        list: ListArgs,
    },
}

pub async fn transcriptions(
    client: &Client,
    command: TranscriptionsCommand,
) -> Result<(), IpcError> {
    let TranscriptionsCommand::List { recording, list } = command;
    let rows = match &recording {
        Some(r) => client
            .recordings()
            .transcriptions(&sid("--recording", r, RecordingSid::parse)?)
            .list(),
        None => client.transcriptions().list(None),
    };
    output::list(
        rows,
        list.limit(),
        list.json,
        |t| {
            let text = t.transcription_text.as_deref().unwrap_or("");
            let first: String = text.chars().take(60).collect();
            vec![
                t.date_created
                    .as_deref()
                    .and_then(switchboard::twilio::parse_twilio_date)
                    .map_or("-".into(), |t| t.strftime("%Y-%m-%d %H:%M").to_string()),
                or_dash(t.status.as_deref()),
                t.recording_sid
                    .as_ref()
                    .map_or("-".into(), ToString::to_string),
                if text.chars().count() > 60 {
                    format!("{first}…")
                } else {
                    or_dash(Some(&first))
                },
            ]
        },
        &["CREATED (UTC)", "STATUS", "RECORDING", "TEXT"],
        "No transcriptions.",
    )
    .await
}
