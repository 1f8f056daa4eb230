//! Call routing, provisioned into the user's own Twilio account as a Serverless service.
//!
//! A desktop is behind NAT and often closed, so calls are routed by functions Twilio hosts
//! (`functions/*.js`, embedded here): ring the desktop clients, then the active greeting and a
//! voicemail. Deploying is idempotent: the service is found by its unique name and updated,
//! never duplicated; removing it deletes everything the app created. Configuration (who to
//! ring, greetings, schedules) lives in environment variables, which Twilio applies on the next
//! call without a new build, whether or not the app is running.

use futures_util::TryStreamExt;
use serde::Serialize;
use sha2::{Digest, Sha256};
use ts_rs::TS;

mod deploy;
pub mod sip;

pub use deploy::{BuildWait, deploy, remove, update_config, wire_number, write_config};

use crate::Switchboard;
use crate::error::{Code, Error};
use crate::sid::ApplicationSid;
use crate::twilio::{Client, Environment, TwilioError, Visibility, WebhookMethod};

/// The unique name of the routing service in every account.
pub const SERVICE_NAME: &str = "switchboard-routing";
/// The environment the routing is deployed to.
pub const ENVIRONMENT: &str = "production";
/// The TwiML App the Voice SDK places outgoing calls through.
pub const APPLICATION_NAME: &str = "Switchboard outbound";
/// The Functions runtime.
pub const RUNTIME: &str = "node22";
/// npm dependencies of the build: the `Twilio` global and the Functions handler.
pub const DEPENDENCIES: &str = r#"{"twilio":"5.13.1","@twilio/runtime-handler":"1.3.0"}"#;
/// The variable holding a hash of the deployed code, to tell whether it is current.
pub const CODE_VERSION_VAR: &str = "SWITCHBOARD_CODE_VERSION";
/// The prefix of the chunked configuration variables (`SWITCHBOARD_CONFIG_0`, …).
pub const CONFIG_VAR: &str = "SWITCHBOARD_CONFIG";
/// Twilio's limit on one variable's value is larger; the functions are written for this.
pub const CHUNK_BYTES: usize = 400;

/// One function: its name, URL path, visibility and code.
struct FunctionSource {
    name: &'static str,
    visibility: Visibility,
    code: &'static str,
}

const FUNCTIONS: [FunctionSource; 5] = [
    FunctionSource {
        name: "schedule",
        visibility: Visibility::Private,
        code: include_str!("functions/schedule.js"),
    },
    FunctionSource {
        name: "inbound",
        visibility: Visibility::Protected,
        code: include_str!("functions/inbound.js"),
    },
    FunctionSource {
        name: "inbound-status",
        visibility: Visibility::Protected,
        code: include_str!("functions/inbound-status.js"),
    },
    FunctionSource {
        name: "voicemail-done",
        visibility: Visibility::Protected,
        code: include_str!("functions/voicemail-done.js"),
    },
    FunctionSource {
        name: "outbound",
        visibility: Visibility::Protected,
        code: include_str!("functions/outbound.js"),
    },
];

/// The Voice SDK client identity of a profile's desktop: `desk_` and the profile name with
/// anything but letters, digits and underscores replaced (Twilio's identity alphabet).
pub fn client_identity(profile_name: &str) -> String {
    let name: String = profile_name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .take(100)
        .collect();
    format!("desk_{name}")
}

/// A short hash of the function code this build embeds.
pub fn code_version() -> String {
    let mut hasher = Sha256::new();
    for f in &FUNCTIONS {
        hasher.update(f.name.as_bytes());
        hasher.update([0]);
        hasher.update(f.code.as_bytes());
        hasher.update([0]);
    }
    hasher.update(DEPENDENCIES.as_bytes());
    hasher.update(RUNTIME.as_bytes());
    hasher.finalize()[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The configuration the functions read (contract v1, see `functions/README.md`).
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RoutingConfig {
    /// Always 1.
    pub v: u32,
    /// IANA time zone for schedules and holidays.
    pub tz: String,
    /// Voice SDK client identities to ring.
    pub identities: Vec<String>,
    /// E.164 numbers rung in parallel.
    pub forward: Vec<String>,
    /// Registered SIP desktops rung in parallel (`sip:user@name.sip.twilio.com`).
    pub sip: Vec<String>,
    /// Seconds to ring (5-60).
    pub ring: u32,
    /// Owned numbers allowed as caller ID for outbound calls.
    pub caller_ids: Vec<String>,
    /// Longest voicemail in seconds.
    pub max_record: u32,
    /// The active greetings with their schedules, in order.
    pub greetings: Vec<crate::greetings::schedule::Greeting>,
}

impl RoutingConfig {
    /// A configuration ringing `identities`, with the machine's time zone and no greetings.
    pub fn new(identities: Vec<String>, caller_ids: Vec<String>) -> Self {
        Self {
            v: 1,
            tz: jiff::tz::TimeZone::system()
                .iana_name()
                .unwrap_or("UTC")
                .to_owned(),
            identities,
            forward: Vec::new(),
            sip: Vec::new(),
            ring: 25,
            caller_ids,
            max_record: 120,
            greetings: Vec::new(),
        }
    }
}

/// The routing configuration for `identity`, with the account's voice numbers as caller IDs.
///
/// # Errors
/// Twilio's errors.
pub async fn config_for(client: &Client, identity: String) -> Result<RoutingConfig, Error> {
    let numbers = client.incoming_numbers().all().await?;
    let caller_ids = numbers
        .into_iter()
        .filter(|n| n.capabilities.voice)
        .map(|n| n.phone_number)
        .collect();
    Ok(RoutingConfig::new(vec![identity], caller_ids))
}

/// Splits `text` into pieces of at most `max` bytes, never inside a character.
pub fn chunk(text: &str, max: usize) -> Vec<String> {
    let mut chunks = Vec::new();
    let mut current = String::new();
    for c in text.chars() {
        if current.len() + c.len_utf8() > max {
            chunks.push(std::mem::take(&mut current));
        }
        current.push(c);
    }
    if !current.is_empty() {
        chunks.push(current);
    }
    chunks
}

/// Where routing stands in an account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct RoutingStatus {
    /// The service (`ZS…`).
    pub service_sid: String,
    /// The environment's domain, such as `switchboard-routing-1234-prod.twil.io`.
    pub domain: Option<String>,
    /// The voice URL routed numbers use.
    pub inbound_url: Option<String>,
    /// The TwiML App for outgoing calls.
    pub application_sid: Option<String>,
    /// The build serving now.
    pub build_sid: Option<String>,
    /// Whether the deployed code is this app's (else `switchboard routing deploy` updates it).
    pub code_current: bool,
}

async fn find_service(client: &Client) -> Result<Option<crate::twilio::Service>, TwilioError> {
    let mut services = client.serverless().services();
    while let Some(service) = services.try_next().await? {
        if service.unique_name == SERVICE_NAME {
            return Ok(Some(service));
        }
    }
    Ok(None)
}

async fn find_environment(
    client: &Client,
    service: &str,
) -> Result<Option<Environment>, TwilioError> {
    let mut environments = client.serverless().environments(service);
    while let Some(env) = environments.try_next().await? {
        if env.unique_name == ENVIRONMENT {
            return Ok(Some(env));
        }
    }
    Ok(None)
}

/// The routing's TwiML App for outgoing calls, when deployed.
///
/// # Errors
/// Twilio's errors.
pub async fn find_application(
    client: &Client,
) -> Result<Option<crate::twilio::Application>, TwilioError> {
    let mut apps = client.applications().list(Some(APPLICATION_NAME));
    while let Some(app) = apps.try_next().await? {
        if app.friendly_name.as_deref() == Some(APPLICATION_NAME) {
            return Ok(Some(app));
        }
    }
    Ok(None)
}

/// The domain the deployed routing answers on, if any: two look-ups (service, environment),
/// for callers that only need where calls go, not the full [`status`].
///
/// # Errors
/// Twilio's errors.
pub async fn domain(client: &Client) -> Result<Option<String>, Error> {
    let Some(service) = find_service(client).await? else {
        return Ok(None);
    };
    Ok(find_environment(client, &service.sid)
        .await?
        .and_then(|e| e.domain_name))
}

/// The voice URL numbers routed through `domain` use.
pub fn inbound_url(domain: &str) -> String {
    format!("https://{domain}/inbound")
}

/// The routing in `client`'s account, if deployed.
///
/// # Errors
/// Twilio's errors.
pub async fn status(client: &Client) -> Result<Option<RoutingStatus>, Error> {
    let Some(service) = find_service(client).await? else {
        return Ok(None);
    };
    let env = find_environment(client, &service.sid).await?;
    let mut code_current = false;
    if let Some(env) = &env {
        let mut vars = client.serverless().variables(&service.sid, &env.sid);
        while let Some(var) = vars.try_next().await? {
            if var.key == CODE_VERSION_VAR {
                code_current = var.value == code_version();
            }
        }
    }
    let domain = env.as_ref().and_then(|e| e.domain_name.clone());
    Ok(Some(RoutingStatus {
        service_sid: service.sid,
        inbound_url: domain.as_deref().map(inbound_url),
        domain,
        application_sid: find_application(client).await?.map(|a| a.sid.to_string()),
        build_sid: env.and_then(|e| e.build_sid),
        code_current,
    }))
}

/// The error for "routing is not deployed".
pub fn not_deployed() -> Error {
    Error::new(
        Code::NotConfigured,
        "Call routing is not deployed in this Twilio account yet. Deploy it first (Settings, or `switchboard routing deploy`).",
    )
}

impl Switchboard {
    /// The routing configuration of profile `name` (the active one when `None`): its desktop
    /// identity, the account's voice numbers as caller IDs, and its active greetings in its
    /// time zone.
    ///
    /// # Errors
    /// Twilio and storage errors.
    pub async fn routing_config(
        &self,
        name: Option<&str>,
        client: &Client,
    ) -> Result<crate::routing::RoutingConfig, Error> {
        let identity = match self.profile(name).await {
            Ok(profile) => crate::routing::client_identity(&profile.name),
            Err(_) => crate::routing::client_identity("default"),
        };
        let mut config = crate::routing::config_for(client, identity).await?;
        let calls = self.call_settings().await?;
        if calls.ring_bridge_phone
            && let Some(phone) = calls.bridge_phone
        {
            config.forward = vec![phone];
        }
        // An account whose SIP resources answer 404 has no domain to ring.
        let sip_domain = match sip::domain(client).await {
            Ok(domain) => domain,
            Err(err) if err.code == Code::NotFound => None,
            Err(err) => return Err(err),
        };
        if let Some(domain) = sip_domain {
            config.sip = vec![format!("sip:{}@{domain}", self.sip_username(name).await)];
        }
        let account = client.account_sid();
        config.tz = self.db.greeting_time_zone(account).await?;
        let pronunciations = self.db.pronunciations(account).await?;
        config.greetings = self
            .db
            .greetings(account)
            .await?
            .into_iter()
            .filter(|g| g.active)
            .map(|g| {
                let mut greeting = g.greeting;
                if let Some(say) = &mut greeting.say {
                    say.text = crate::greetings::schedule::pronounce(&say.text, &pronunciations);
                }
                greeting
            })
            .collect();
        Ok(config)
    }

    /// Deploys (or updates) call routing for the active profile: its desktop identity rung,
    /// the account's voice numbers allowed as caller IDs.
    ///
    /// # Errors
    /// As [`crate::routing::deploy`].
    pub async fn deploy_routing(&self) -> Result<crate::routing::RoutingStatus, Error> {
        let client = self.client().await?;
        let config = self.routing_config(None, &client).await?;
        let status =
            crate::routing::deploy(&client, &config, crate::routing::BuildWait::default()).await?;
        self.finish_sip(None, &client, &status, config).await?;
        Ok(status)
    }

    /// This desktop's SIP username for profile `name` (the active one when `None`).
    async fn sip_username(&self, name: Option<&str>) -> String {
        let profile = match self.profile(name).await {
            Ok(profile) => profile.name,
            Err(_) => "default".to_owned(),
        };
        sip::sip_username(&profile, &machine_name())
    }

    /// Provisions the SIP Domain for the deployed routing `status`, with this desktop's
    /// credential: its password made once and kept only in the keychain.
    ///
    /// # Errors
    /// [`Code::NotConfigured`] when `status` has no domain; keychain and Twilio errors.
    pub async fn provision_sip(
        &self,
        name: Option<&str>,
        client: &Client,
        status: &RoutingStatus,
    ) -> Result<sip::SipProvisioned, Error> {
        let routing = status.domain.as_deref().ok_or_else(not_deployed)?;
        let username = self.sip_username(name).await;
        let account = client.account_sid();
        let (password, fresh) = match self.keychain.sip_password(account, &username) {
            Ok(password) => (password, false),
            Err(crate::keychain::KeychainError::Missing(_)) => {
                let password = sip::new_sip_password();
                self.keychain
                    .store_sip_password(account, &username, &password)?;
                (password, true)
            }
            Err(err) => return Err(err.into()),
        };
        sip::provision(
            client,
            &format!("https://{routing}/outbound"),
            &username,
            &password,
            fresh,
        )
        .await
    }

    /// Provisions the SIP Domain after a deploy and, on the first one (when the config did not
    /// know the domain yet), writes the config again so the routing rings this desktop's SIP
    /// address.
    ///
    /// # Errors
    /// As [`Switchboard::provision_sip`].
    pub async fn finish_sip(
        &self,
        name: Option<&str>,
        client: &Client,
        status: &RoutingStatus,
        mut config: RoutingConfig,
    ) -> Result<sip::SipProvisioned, Error> {
        let provisioned = self.provision_sip(name, client, status).await?;
        let address = format!("sip:{}@{}", provisioned.username, provisioned.domain);
        if !config.sip.contains(&address) {
            config.sip = vec![address];
            update_config(client, &config).await?;
        }
        Ok(provisioned)
    }

    /// The SIP account this desktop registers with on profile `name`'s Twilio SIP Domain.
    ///
    /// # Errors
    /// [`Code::NotConfigured`] when the domain or this desktop's password is missing (run
    /// `switchboard routing deploy`); Twilio and keychain errors.
    pub async fn sip_account(
        &self,
        name: Option<&str>,
        client: &Client,
    ) -> Result<crate::sip::SipAccount, Error> {
        let missing = || {
            Error::new(
                Code::NotConfigured,
                "This desktop has no SIP account on the Twilio SIP Domain yet. Run `switchboard routing deploy` (or deploy routing in Settings) to make one.",
            )
        };
        let username = self.sip_username(name).await;
        if let Some(registrar) = std::env::var(SIP_REGISTRAR_ENV)
            .ok()
            .filter(|r| !r.trim().is_empty())
        {
            // Another SIP server (a PBX, or the tests' registrar): no Twilio SIP Domain.
            let password = std::env::var("SWITCHBOARD_SIP_PASSWORD").map_err(|_| {
                Error::new(
                    Code::NotConfigured,
                    format!("{SIP_REGISTRAR_ENV} is set: set SWITCHBOARD_SIP_PASSWORD to the password of SIP user {username:?} too."),
                )
            })?;
            return Ok(crate::sip::SipAccount {
                registrar,
                domain: std::env::var("SWITCHBOARD_SIP_DOMAIN")
                    .ok()
                    .filter(|d| !d.is_empty()),
                user: username,
                password: password.into(),
                srtp: std::env::var("SWITCHBOARD_SIP_SRTP").is_ok_and(|v| v == "1"),
            });
        }
        let domain = sip::domain(client).await?.ok_or_else(missing)?;
        let password = match self.keychain.sip_password(client.account_sid(), &username) {
            Ok(password) => password,
            Err(crate::keychain::KeychainError::Missing(_)) => return Err(missing()),
            Err(err) => return Err(err.into()),
        };
        Ok(crate::sip::SipAccount {
            registrar: domain.clone(),
            domain: Some(domain),
            user: username,
            password,
            // Twilio's SIP Domains take SRTP only with TLS signalling (`Secure`), which the
            // line does not speak yet; an incoming SRTP offer is still accepted.
            srtp: false,
        })
    }
}

/// Registers the desktop's SIP line with this server (`host:port`) instead of the account's
/// Twilio SIP Domain, with the password in `SWITCHBOARD_SIP_PASSWORD` and the address's domain
/// in `SWITCHBOARD_SIP_DOMAIN` (the registrar's host when unset).
pub const SIP_REGISTRAR_ENV: &str = "SWITCHBOARD_SIP_REGISTRAR";

/// This computer's name, for the SIP username.
fn machine_name() -> String {
    std::env::var("COMPUTERNAME")
        .ok()
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
        .or_else(|| {
            std::process::Command::new("hostname")
                .output()
                .ok()
                .and_then(|o| String::from_utf8(o.stdout).ok())
        })
        .map(|n| n.trim().to_owned())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "desktop".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_fit_and_never_split_a_character() {
        let text = format!("{}é{}", "a".repeat(399), "b".repeat(500));
        let chunks = chunk(&text, 400);
        assert!(chunks.iter().all(|c| c.len() <= 400));
        assert_eq!(chunks.concat(), text);
        assert_eq!(
            chunks[0].len(),
            399,
            "the two-byte character moves to the next chunk"
        );
        assert_eq!(chunk("", 400), Vec::<String>::new());
    }

    #[test]
    fn the_config_uses_the_functions_field_names() {
        let config = RoutingConfig::new(vec!["desk_main".into()], vec!["+14155550123".into()]);
        let json = serde_json::to_value(&config).unwrap();
        assert_eq!(json["v"], 1);
        assert_eq!(json["callerIds"][0], "+14155550123");
        assert_eq!(json["maxRecord"], 120);
        assert!(json["identities"].is_array() && json["greetings"].is_array());
    }
}
