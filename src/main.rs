//! `switchboard`: the core from the command line, for scripting and headless use.

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod cli;
use switchboard::account::CredentialsInput;
use switchboard::keychain::Keychain;
use switchboard::paths::Paths;
use switchboard::secret::{Sensitive, validate_api_key_secret};
use switchboard::sid::{AccountSid, ApiKeySid, ApplicationSid};
use switchboard::twilio::token::{AccessToken, VoiceGrant};
use switchboard::twilio::{ApiBase, Credentials};
use switchboard::{Code, Error, Switchboard};

/// Switchboard: a desktop softphone and phone-system admin for teams on Twilio.
///
/// Shares its data (profiles, cache) with the desktop app; secrets stay in the OS keychain.
#[derive(Debug, Parser)]
#[command(name = "switchboard", version, propagate_version = true)]
struct Cli {
    /// Send Twilio REST requests here instead of Twilio's API (e.g. a local mock).
    #[arg(long, global = true, env = "SWITCHBOARD_API_BASE", value_name = "URL")]
    api_base: Option<String>,
    /// Send Pricing requests here (overrides --api-base for Pricing only).
    #[arg(
        long,
        global = true,
        env = "SWITCHBOARD_PRICING_BASE",
        value_name = "URL",
        hide = true
    )]
    pricing_base: Option<String>,
    /// Keep data in DIR instead of the platform's application data directory.
    #[arg(long, global = true, env = "SWITCHBOARD_DATA_DIR", value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// Use this profile instead of the active one (see `switchboard profiles`).
    #[arg(long, global = true, env = "SWITCHBOARD_PROFILE", value_name = "NAME")]
    profile: Option<String>,
    /// Also print logs to stderr.
    #[arg(short, long, global = true)]
    verbose: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Manage profiles: Twilio accounts and subaccounts, each with its own API key.
    #[command(subcommand)]
    Profiles(cli::ProfilesCommand),
    /// List, search, buy, configure and release phone numbers.
    #[command(subcommand)]
    Numbers(cli::NumbersCommand),
    /// Place a call: by default a bridge call (Twilio rings your phone, then connects TO with
    /// your caller ID); with `--engine sip` through the native SIP engine.
    ///
    /// A bridge call prints each leg's SID and returns once the call is connected (it goes on in Twilio;
    /// end it with `switchboard calls hangup SID`), or fails saying why (busy, no answer).
    Call(cli::call::CallArgs),
    /// List, inspect, place and control calls.
    #[command(subcommand)]
    Calls(cli::CallsCommand),
    /// The native SIP engine: check registration, answer a call (see also `call --engine sip`).
    #[command(subcommand)]
    Sip(cli::sip::SipCommand),
    /// List recordings and download their audio.
    #[command(subcommand)]
    Recordings(cli::RecordingsCommand),
    /// List transcriptions of recordings.
    #[command(subcommand)]
    Transcriptions(cli::TranscriptionsCommand),
    /// Bring the local cache up to date with Twilio: calls, recordings, transcriptions.
    ///
    /// Reads newest first and stops at what is already stored, re-reading rows not final yet
    /// (calls in progress, transcriptions not done); an interrupted sync resumes where it
    /// stopped. Once a day a sync reads everything to find rows deleted on Twilio.
    Sync {
        /// Print per-resource counts as JSON.
        #[arg(long)]
        json: bool,
        /// Move a damaged cache aside and fill a new one from Twilio.
        #[arg(long)]
        rebuild: bool,
        /// Read everything now, removing what was deleted on Twilio.
        #[arg(long)]
        full: bool,
        /// Rows per request (1-1000).
        #[arg(long, default_value_t = 1000, hide = true)]
        page_size: u32,
    },
    /// What callers hear when nobody answers: add, list, activate, remove, preview.
    #[command(subcommand)]
    Greetings(cli::greetings::GreetingsCommand),
    /// Deploy, inspect or remove call routing in the Twilio account.
    #[command(subcommand)]
    Routing(cli::routing::RoutingCommand),
    /// The S3 voicemail archive: set up, show, remove, archive voicemails.
    #[command(subcommand)]
    Archive(cli::archive::ArchiveCommand),
    /// What the account keeps and for how long: show, set, preview, apply, stop, log.
    ///
    /// Deletes recordings and transcriptions from Twilio after N days (optionally only those
    /// archived to S3), prunes cached audio to a budget, keeps the call log N days. Nothing is
    /// deleted before the policy is confirmed once.
    #[command(subcommand)]
    Retention(cli::retention::RetentionCommand),
    /// Voicemails from the local cache: list, search transcripts, show one.
    #[command(subcommand)]
    Voicemail(cli::cache::VoicemailCommand),
    /// Show the connected account and where data and logs are kept.
    Status {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Print a Voice access token (a JWT) for a client identity.
    ///
    /// Signed with the active profile's API key, or with TWILIO_ACCOUNT_SID, TWILIO_API_KEY and
    /// TWILIO_API_SECRET when all three are set.
    Token {
        /// The client identity: letters, digits and underscores, at most 121.
        #[arg(long)]
        identity: String,
        /// Lifetime in seconds, at most 86400.
        #[arg(long, default_value_t = AccessToken::DEFAULT_TTL)]
        ttl: u64,
        /// The TwiML App (AP…) outgoing calls from the client run.
        #[arg(long, value_name = "AP…")]
        outgoing_application_sid: Option<String>,
        /// Let the client receive calls to its identity.
        #[arg(long)]
        incoming: bool,
    },
    /// Connect a Twilio account with a Standard API key, after checking it with Twilio.
    ///
    /// The secret is read from TWILIO_API_SECRET, or from the first line of standard input.
    Connect {
        /// The account's SID (AC…).
        #[arg(long, env = "TWILIO_ACCOUNT_SID", value_name = "AC…")]
        account_sid: String,
        /// The API key's SID (SK…).
        #[arg(long, env = "TWILIO_API_KEY", value_name = "SK…")]
        api_key: String,
        /// The name to keep the account under.
        #[arg(long, default_value = "default")]
        profile: String,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            let code = serde_json::to_value(err.code).ok();
            let code = code.as_ref().and_then(|c| c.as_str()).unwrap_or("internal");
            eprintln!("error[{code}]: {}", err.message);
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<(), Error> {
    let paths = match cli.data_dir {
        Some(dir) => Paths::under(dir),
        None => Paths::discover().map_err(|e| Error::new(Code::Storage, format!("{e:#}")))?,
    };
    let _guard = switchboard::logging::init(&paths.log_dir, cli.verbose)
        .map_err(|e| Error::new(Code::Storage, format!("cannot write logs: {e:#}")))?;
    let api_base = cli
        .api_base
        .filter(|b| !b.trim().is_empty())
        .map(|raw| ApiBase::custom(&raw))
        .transpose()
        .map_err(|e| Error::new(Code::InvalidInput, format!("--api-base: {e}")))?;
    // A keychain service of its own (for tests, or two isolated installations side by side).
    let keychain = std::env::var("SWITCHBOARD_KEYCHAIN_SERVICE")
        .map_or_else(|_| Keychain::system(), Keychain::with_service);
    let mut core = Switchboard::open(paths, keychain, api_base).await?;
    if let Some(raw) = cli.pricing_base.filter(|b| !b.trim().is_empty()) {
        core = core
            .with_domain_base(switchboard::twilio::Domain::Pricing, &raw)
            .map_err(|e| {
                Error::new(Code::InvalidInput, format!("--pricing-base: {}", e.message))
            })?;
    }
    let result = dispatch(&core, cli.command, cli.profile.as_deref()).await;
    core.close().await;
    result
}

/// A client for `--profile`, else the Twilio CLI's variables when all are set, else the active
/// profile.
async fn client(
    core: &Switchboard,
    profile: Option<&str>,
) -> Result<switchboard::twilio::Client, Error> {
    if profile.is_none()
        && let Some(credentials) =
            env_credentials().map_err(|e| Error::new(Code::InvalidInput, e))?
    {
        return Ok(switchboard::twilio::Client::new(
            core.api_base(None, None),
            credentials,
        )?);
    }
    core.client_for(profile).await
}

async fn dispatch(
    core: &Switchboard,
    command: Command,
    profile: Option<&str>,
) -> Result<(), Error> {
    match command {
        Command::Profiles(command) => cli::profiles(core, command, read_secret).await?,
        Command::Numbers(command) => {
            let numbers = switchboard::numbers::Numbers::new(client(core, profile).await?);
            cli::numbers(&numbers, command).await?;
        }
        Command::Calls(cli::CallsCommand::List {
            cached: true, list, ..
        }) => {
            let client = client(core, profile).await?;
            cli::cache::cached_calls(core, &client, list.limit_or_all(), list.json()).await?;
        }
        Command::Calls(command) => cli::calls(&client(core, profile).await?, command).await?,
        Command::Call(args) if args.engine == cli::call::CliEngine::Sip => {
            let caller_id = args
                .from
                .as_deref()
                .map(|raw| {
                    switchboard::e164::E164::parse("--from", raw, None)
                        .map(|n| n.as_str().to_owned())
                        .map_err(|e| Error::new(Code::InvalidInput, e.message))
                })
                .transpose()?;
            cli::sip::call(
                core,
                profile,
                &args.to,
                caller_id.as_deref(),
                &args.sip_header,
                &args.sip,
                &args.media,
            )
            .await?;
        }
        Command::Call(args) => cli::call::call(core, client(core, profile).await?, args).await?,
        Command::Sip(command) => cli::sip::sip(core, profile, command).await?,
        Command::Sync {
            json,
            rebuild,
            full,
            page_size,
        } => {
            cli::cache::sync(
                core,
                &client(core, profile).await?,
                json,
                rebuild,
                full,
                page_size,
            )
            .await?;
        }
        Command::Greetings(command) => {
            cli::greetings::run(core, profile, &client(core, profile).await?, command).await?;
        }
        Command::Routing(command) => {
            cli::routing::run(core, profile, &client(core, profile).await?, command).await?;
        }
        Command::Archive(command) => {
            if profile.is_some() {
                return Err(Error::new(
                    Code::InvalidInput,
                    "The archive follows the active profile: run `switchboard profiles use NAME` first.",
                ));
            }
            cli::archive::run(core, command).await?;
        }
        Command::Retention(command) => {
            cli::retention::run(core, &client(core, profile).await?, command).await?;
        }
        Command::Voicemail(command) => {
            cli::cache::voicemail(core, &client(core, profile).await?, command).await?;
        }
        Command::Recordings(command) => {
            cli::recordings(&client(core, profile).await?, command).await?
        }
        Command::Transcriptions(command) => {
            cli::transcriptions(&client(core, profile).await?, command).await?;
        }
        Command::Status { json } => {
            let mut status = core.status().await?;
            if let Some(name) = profile {
                status.profile = Some(core.profile(Some(name)).await?);
            }
            if json {
                print_json(&status);
            } else {
                match &status.profile {
                    Some(p) => println!(
                        "Account:  {} ({})\nProfile:  {}\nAPI key:  {}",
                        p.account_name.as_deref().unwrap_or("unnamed"),
                        p.account_sid,
                        p.name,
                        p.api_key_sid
                    ),
                    None => println!("No Twilio account connected. Run `switchboard connect`."),
                }
                println!(
                    "Data:     {}\nLogs:     {}",
                    status.data_dir, status.log_dir
                );
            }
        }
        Command::Token {
            identity,
            ttl,
            outgoing_application_sid,
            incoming,
        } => {
            let invalid = |e: String| Error::new(Code::InvalidInput, e);
            let application = outgoing_application_sid
                .map(|s| {
                    ApplicationSid::parse(&s)
                        .map_err(|e| invalid(format!("--outgoing-application-sid: {e}")))
                })
                .transpose()?;
            let credentials = match (profile, env_credentials().map_err(invalid)?) {
                (None, Some(credentials)) => credentials,
                (profile, _) => core.credentials_for(profile).await?.1,
            };
            let jwt = AccessToken::new(credentials.account_sid, credentials.api_key_sid, &identity)
                .and_then(|t| t.ttl(ttl))
                .map_err(|e| invalid(format!("--{e}")))?
                .voice(VoiceGrant {
                    incoming_allow: incoming,
                    outgoing_application_sid: application,
                    ..VoiceGrant::default()
                })
                .to_jwt(&credentials.api_key_secret)
                .map_err(|e| Error::new(Code::Internal, e.to_string()))?;
            println!("{jwt}");
        }
        Command::Connect {
            account_sid,
            api_key,
            profile,
            json,
        } => {
            let input = CredentialsInput {
                account_sid,
                api_key_sid: api_key,
                api_key_secret: read_secret()?,
                profile_name: Some(profile),
            };
            let profile = core.connect(&input).await?;
            if json {
                print_json(&profile);
            } else {
                println!(
                    "Connected {} ({}) as profile \"{}\".",
                    profile.account_name.as_deref().unwrap_or("unnamed account"),
                    profile.account_sid,
                    profile.name
                );
            }
        }
    }
    Ok(())
}

/// Credentials from the Twilio CLI's variables, when all three are set.
fn env_credentials() -> Result<Option<Credentials>, String> {
    let var = |name| {
        std::env::var(name)
            .ok()
            .filter(|v: &String| !v.trim().is_empty())
    };
    let (Some(account), Some(key), Some(secret)) = (
        var("TWILIO_ACCOUNT_SID"),
        var("TWILIO_API_KEY"),
        var("TWILIO_API_SECRET"),
    ) else {
        return Ok(None);
    };
    validate_api_key_secret(secret.trim()).map_err(|e| format!("TWILIO_API_SECRET: {e}"))?;
    Ok(Some(Credentials {
        account_sid: AccountSid::parse(&account).map_err(|e| format!("TWILIO_ACCOUNT_SID: {e}"))?,
        api_key_sid: ApiKeySid::parse(&key).map_err(|e| format!("TWILIO_API_KEY: {e}"))?,
        api_key_secret: Sensitive::new(secret.trim().to_owned()),
    }))
}

fn read_secret() -> Result<Sensitive<String>, Error> {
    if let Ok(secret) = std::env::var("TWILIO_API_SECRET") {
        return Ok(Sensitive::new(secret));
    }
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprint!("API key secret: ");
        std::io::stderr().flush().ok();
    }
    let mut line = String::new();
    stdin.lock().read_line(&mut line).map_err(|e| {
        Error::new(
            Code::InvalidInput,
            format!("could not read the API key secret: {e}"),
        )
    })?;
    Ok(Sensitive::new(line.trim().to_owned()))
}

fn print_json<T: serde::Serialize>(value: &T) {
    println!(
        "{}",
        serde_json::to_string_pretty(value).expect("IPC types serialize")
    );
}
