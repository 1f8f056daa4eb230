//! `switchboard numbers`: the account's phone numbers, through the same
//! [`switchboard::numbers::Numbers`] the Numbers view uses.

use clap::{Args, Subcommand};
use switchboard::numbers::{
    MoreFilters, NumberChange, NumberSearch, Numbers, OwnedNumber, Purchase, Routing, Wanted,
    Wiring,
};
use switchboard::twilio::{NumberType, WebhookMethod};
use switchboard::{Code, Error};

use super::output::{self, confirm, or_dash};
use super::{ListArgs, invalid, sid};

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

fn number_row(n: &OwnedNumber) -> Vec<String> {
    let caps = [("voice", n.voice), ("sms", n.sms), ("mms", n.mms)]
        .iter()
        .filter(|(_, on)| *on)
        .map(|(name, _)| *name)
        .collect::<Vec<_>>()
        .join(",");
    let routing = match &n.routing {
        Routing::Switchboard => "switchboard".to_owned(),
        Routing::Webhook { url, .. } => format!("url {url}"),
        Routing::Forward { to } => format!("forward {to}"),
        Routing::Application { sid } => format!("app {sid}"),
        Routing::None => "none".into(),
    };
    vec![
        n.display.clone(),
        or_dash(n.friendly_name.as_deref()),
        caps,
        routing,
        n.sid.clone(),
    ]
}

pub async fn numbers(numbers: &Numbers, command: NumbersCommand) -> Result<(), Error> {
    match command {
        NumbersCommand::List { list } => {
            let mut owned = numbers.list().await?;
            owned.truncate(list.limit_or_all());
            output::rows(
                &owned,
                list.json(),
                number_row,
                &["NUMBER", "NAME", "CAPABILITIES", "CALLS GO TO", "SID"],
                "This account has no phone numbers. Find one with `switchboard numbers search`.",
            );
            Ok(())
        }
        NumbersCommand::Search(args) => search(numbers, args).await,
        NumbersCommand::Buy {
            number,
            area_code,
            friendly_name,
            voice_url,
            no_routing,
            yes,
            json,
        } => {
            let wanted = Wanted::from_input("NUMBER", number.as_deref(), area_code.as_deref())?;
            let wiring = match (voice_url, no_routing) {
                (Some(url), _) => Wiring::Url(url),
                (None, true) => Wiring::None,
                (None, false) => Wiring::Switchboard,
            };
            let country = number
                .as_deref()
                .and_then(|n| phonenumber::parse(None, n).ok())
                .and_then(|n| n.country().id())
                .map(|c| format!("{c:?}"))
                .unwrap_or_else(|| "US".into());
            let price = numbers
                .monthly_price(&country, NumberType::Local)
                .await
                .map(|p| {
                    format!(
                        "{} {}/month (Twilio's price for local numbers in {country})",
                        p.amount, p.unit
                    )
                })
                .unwrap_or_else(|| "the price shown in the Twilio Console".into());
            confirm(
                &format!("Buy {wanted} for {price}? Twilio charges the first month now."),
                yes,
            )?;
            let purchase = Purchase {
                wanted,
                friendly_name,
                wiring,
            };
            let bought = numbers.buy(&purchase).await.map_err(|mut err| {
                if err.code == Code::NotConfigured {
                    err.message.push_str(" Or buy with --no-routing.");
                }
                err
            })?;
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
            let change = config.change()?;
            let sid = numbers.resolve("NUMBER", &number).await?;
            let updated = numbers.update(&sid, &change).await?;
            if json {
                output::json(&updated);
            } else {
                println!("Updated {} ({}).", updated.phone_number, updated.sid);
            }
            Ok(())
        }
        NumbersCommand::Release { number, yes } => {
            let sid = numbers.resolve("NUMBER", &number).await?;
            let shown = numbers.get(&sid).await?;
            confirm(
                &format!(
                    "Release {} ({})? It leaves the account at once and anyone may buy it.",
                    shown.phone_number,
                    or_dash(shown.friendly_name.as_deref())
                ),
                yes,
            )?;
            numbers.release(&sid, &shown.phone_number).await?;
            println!("Released {}.", shown.phone_number);
            Ok(())
        }
    }
}

impl NumberConfigArgs {
    /// The change these flags ask for; checked before anything is sent.
    fn change(&self) -> Result<NumberChange, Error> {
        let method = self
            .voice_method
            .as_deref()
            .map(|m| WebhookMethod::parse("--voice-method", m))
            .transpose()?;
        let routing = match (&self.voice_url, &self.voice_application_sid) {
            (Some(url), _) => Some(Routing::Webhook {
                url: url.clone(),
                method: method.unwrap_or(WebhookMethod::Post).as_str().to_owned(),
            }),
            (None, Some(app)) => Some(Routing::Application {
                sid: sid(
                    "--voice-application-sid",
                    app,
                    switchboard::sid::ApplicationSid::parse,
                )?
                .to_string(),
            }),
            (None, None) if method.is_some() => {
                return Err(invalid("--voice-method: give --voice-url with it."));
            }
            (None, None) => None,
        };
        Ok(NumberChange {
            friendly_name: self.friendly_name.clone(),
            routing,
            status_callback: self.status_callback.clone(),
            sms_url: self.sms_url.clone(),
        })
    }
}

async fn search(numbers: &Numbers, args: SearchArgs) -> Result<(), Error> {
    let kind = NumberType::parse(&args.kind).ok_or_else(|| {
        invalid(format!(
            "--type: {:?} is not local, toll-free or mobile.",
            args.kind
        ))
    })?;
    let near_lat_long = args
        .near_lat_long
        .as_deref()
        .map(|v| {
            v.split_once(',')
                .and_then(|(a, b)| Some((a.trim().parse().ok()?, b.trim().parse().ok()?)))
                .ok_or_else(|| {
                    invalid(format!(
                        "--near-lat-long: {v:?} is not LAT,LONG such as 37.77,-122.42."
                    ))
                })
        })
        .transpose()?;
    let search = NumberSearch {
        country: args.country,
        kind,
        area_code: args.area_code,
        contains: args.contains,
        sms: args.sms,
        mms: args.mms,
    };
    let more = MoreFilters {
        fax: args.fax,
        exclude_address_required: args.exclude_address_required,
        near_number: args.near_number,
        near_lat_long,
        distance: args.distance,
        in_postal_code: args.in_postal_code,
        in_region: args.in_region,
        in_locality: args.in_locality,
        in_rate_center: args.in_rate_center,
        in_lata: args.in_lata,
        limit: Some(args.list.limit_or_all()),
    };
    let found = numbers.search(&search, &more).await?;
    let price = found.monthly_price.as_deref().map_or_else(
        || "?".to_owned(),
        |p| format!("{p} {}", found.price_unit.as_deref().unwrap_or("USD")),
    );
    output::rows(
        &found.numbers,
        args.list.json(),
        |n| {
            vec![
                n.display.clone(),
                n.phone_number.clone(),
                n.place.clone().unwrap_or_default(),
                price.clone(),
            ]
        },
        &["NUMBER", "E.164", "WHERE", "PER MONTH"],
        "No numbers match; widen the search (another area code, fewer filters).",
    );
    Ok(())
}
