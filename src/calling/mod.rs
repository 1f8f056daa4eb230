//! Calling: the engines that bring the user into a call, the live calls and their controls,
//! the Settings that steer them, and Voice SDK access tokens.

mod call;
mod control;
mod engine;
mod quality;
mod session;
mod sip;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

pub use call::{
    CallControl, CallDirection, CallPhase, CallView, DialRequest, MAX_DIGITS, RecordingState,
    check_digits, is_room_name, room_name,
};
pub use engine::{
    AnyEngine, BridgeEngine, CallEngine, Capabilities, EngineChoice, EngineKind, EnginePreference,
    SipEngine, WebviewEngine, choose,
};
pub use quality::{CallQuality, mos_estimate};
pub use session::{Calling, Timing};
pub use sip::{CALL_HEADER, CALLED_HEADER, LineState, LineStatus, ROOM_HEADER, SipDevices};

use crate::app::Switchboard;
use crate::cache::{CallLog, CallLogFilter};
use crate::e164::E164;
use crate::error::{Code, Error};
use crate::twilio::Client;
use crate::twilio::token::{AccessToken, VoiceGrant};

const ENGINE: &str = "calls.engine";
const BRIDGE_PHONE: &str = "calls.bridge_phone";
const CALLER_ID: &str = "calls.caller_id";
const RINGTONE_DEVICE: &str = "calls.ringtone_device";
const MICROPHONE: &str = "calls.microphone";
const SPEAKER: &str = "calls.speaker";
const CALL_INPUT: &str = "calls.sip_microphone";
const CALL_OUTPUT: &str = "calls.sip_speaker";
const RING_BRIDGE_PHONE: &str = "calls.ring_bridge_phone";

/// How long a Voice SDK token lives; the window asks for a new one before it runs out
/// (`tokenWillExpire`, ten seconds ahead by default).
pub const TOKEN_TTL_SECONDS: u64 = 3600;

/// The calling part of Settings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, TS)]
pub struct CallSettings {
    /// Which engine to use.
    pub engine: EnginePreference,
    /// The user's own phone, E.164, which the bridge engine rings first.
    pub bridge_phone: Option<String>,
    /// Incoming calls ring that phone too, alongside the app (the routing forwards to it).
    #[serde(default)]
    pub ring_bridge_phone: bool,
    /// The caller ID calls are placed with by default.
    pub caller_id: Option<String>,
    /// The output device (as listed by the core) the ringtone plays on; the default when
    /// absent.
    pub ringtone_device: Option<String>,
    /// The window's microphone (a browser `deviceId`) for the webview engine.
    pub microphone: Option<String>,
    /// The window's speaker (a browser `deviceId`) for the webview engine.
    pub speaker: Option<String>,
    /// The microphone (as listed by the core) of the SIP engine; the default when absent.
    #[serde(default)]
    pub sip_microphone: Option<String>,
    /// The speaker (as listed by the core) of the SIP engine; the default when absent.
    #[serde(default)]
    pub sip_speaker: Option<String>,
}

/// A number the account may show as caller ID.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct CallerId {
    /// E.164.
    pub number: String,
    /// Formatted for people.
    pub display: String,
    /// The user's name for it.
    pub friendly_name: Option<String>,
}

/// Everything the dialer needs to start.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct CallSetup {
    /// The engine and why.
    pub choice: EngineChoice,
    /// The calling settings.
    pub settings: CallSettings,
    /// The account's voice numbers.
    pub caller_ids: Vec<CallerId>,
    /// Why `caller_ids` could not be read, if it could not.
    pub caller_ids_error: Option<String>,
    /// The caller ID to preselect: the Settings default while the account still owns it,
    /// else the first voice number.
    pub caller_id: Option<String>,
    /// The country of that caller ID (ISO alpha-2), for reading numbers typed without `+`.
    pub country: Option<String>,
    /// The Voice SDK identity of this profile's desktop.
    pub identity: String,
    /// Calls in progress.
    pub active: Vec<CallView>,
}

/// A Voice SDK access token for the window. Its `Debug` hides the token.
#[derive(Clone, PartialEq, Eq, Serialize, TS)]
pub struct VoiceToken {
    /// The signed JWT.
    pub token: String,
    /// The client identity it registers.
    pub identity: String,
    /// When it expires, Unix seconds.
    #[ts(type = "number")]
    pub expires_at: i64,
}

impl std::fmt::Debug for VoiceToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VoiceToken")
            .field("token", &"[redacted]")
            .field("identity", &self.identity)
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// A call checked and ready to place.
#[derive(Debug)]
pub struct PreparedCall {
    /// The client of the active profile.
    pub client: Client,
    /// The engine that brings the user in.
    pub engine: AnyEngine,
    /// The other party.
    pub to: E164,
    /// The caller ID, one of the account's numbers.
    pub from: E164,
}

fn invalid(message: impl Into<String>) -> Error {
    Error::new(Code::InvalidInput, message)
}

fn phone(field: &str, raw: &str, country: Option<&str>) -> Result<E164, Error> {
    E164::parse(field, raw, country).map_err(|e| invalid(e.message))
}

/// The ISO country of an E.164 number, when known.
pub fn country_of(number: &str) -> Option<String> {
    let parsed = phonenumber::parse(None, number).ok()?;
    parsed.country().id().map(|id| id.as_ref().to_owned())
}

impl Switchboard {
    /// The calling settings.
    ///
    /// # Errors
    /// Storage errors.
    pub async fn call_settings(&self) -> Result<CallSettings, Error> {
        let store = self.db();
        Ok(CallSettings {
            engine: store
                .setting(ENGINE)
                .await?
                .map_or_else(EnginePreference::default, |raw| {
                    EnginePreference::parse(&raw)
                }),
            bridge_phone: store.setting(BRIDGE_PHONE).await?,
            ring_bridge_phone: store.setting(RING_BRIDGE_PHONE).await?.as_deref() == Some("true"),
            caller_id: store.setting(CALLER_ID).await?,
            ringtone_device: store.setting(RINGTONE_DEVICE).await?,
            microphone: store.setting(MICROPHONE).await?,
            speaker: store.setting(SPEAKER).await?,
            sip_microphone: store.setting(CALL_INPUT).await?,
            sip_speaker: store.setting(CALL_OUTPUT).await?,
        })
    }

    /// Checks and saves the calling settings; numbers are stored in E.164. When who incoming
    /// calls ring changed and routing is deployed, the routing is told at once.
    ///
    /// # Errors
    /// [`Code::InvalidInput`] for a malformed phone or caller ID (nothing is saved then);
    /// storage errors; a routing update that failed (the settings are saved, and saving again
    /// retries it).
    pub async fn save_call_settings(&self, input: &CallSettings) -> Result<CallSettings, Error> {
        let before = self.call_settings().await?;
        let saved = self.store_call_settings(input).await?;
        let rang = |s: &CallSettings| {
            s.ring_bridge_phone
                .then(|| s.bridge_phone.clone())
                .flatten()
        };
        if rang(&before) != rang(&saved) || (saved.ring_bridge_phone && input.ring_bridge_phone) {
            let client = self.client().await?;
            if let Err(err) = self.publish_greetings(None, &client).await {
                return Err(Error::new(
                    err.code,
                    format!(
                        "Your settings are saved, but the routing could not be told which phones incoming calls ring: {} Saving again retries.",
                        err.message
                    ),
                ));
            }
        }
        Ok(saved)
    }

    async fn store_call_settings(&self, input: &CallSettings) -> Result<CallSettings, Error> {
        let blank = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        let bridge_phone = blank(&input.bridge_phone)
            .map(|raw| phone("Your phone", &raw, None))
            .transpose()?;
        let caller_id = blank(&input.caller_id)
            .map(|raw| phone("Caller ID", &raw, None))
            .transpose()?;
        let store = self.db();
        store.set_setting(ENGINE, input.engine.as_str()).await?;
        store
            .set_setting(
                RING_BRIDGE_PHONE,
                if input.ring_bridge_phone {
                    "true"
                } else {
                    "false"
                },
            )
            .await?;
        for (key, value) in [
            (BRIDGE_PHONE, bridge_phone.map(|p| p.as_str().to_owned())),
            (CALLER_ID, caller_id.map(|p| p.as_str().to_owned())),
            (RINGTONE_DEVICE, blank(&input.ringtone_device)),
            (MICROPHONE, blank(&input.microphone)),
            (SPEAKER, blank(&input.speaker)),
            (CALL_INPUT, blank(&input.sip_microphone)),
            (CALL_OUTPUT, blank(&input.sip_speaker)),
        ] {
            match value {
                Some(v) => store.set_setting(key, &v).await?,
                None => store.clear_setting(key).await?,
            }
        }
        self.call_settings().await
    }

    /// The account's voice numbers, as caller IDs.
    ///
    /// # Errors
    /// Twilio's errors.
    pub async fn caller_ids(&self, client: &Client) -> Result<Vec<CallerId>, Error> {
        Ok(crate::numbers::Numbers::new(client.clone())
            .list()
            .await?
            .into_iter()
            .filter(|n| n.voice)
            .map(|n| {
                // Twilio names a number after itself until someone renames it.
                let digits = |s: &str| s.chars().filter(char::is_ascii_digit).collect::<String>();
                let friendly_name = n
                    .friendly_name
                    .filter(|f| digits(f) != digits(&n.phone_number));
                CallerId {
                    number: n.phone_number,
                    display: n.display,
                    friendly_name,
                }
            })
            .collect())
    }

    /// What the dialer shows: the engine for a window with `caps` and why, the caller IDs,
    /// and the settings. A failure to list the numbers is reported, not fatal.
    ///
    /// # Errors
    /// [`Code::NotConfigured`] without a profile; storage errors.
    pub async fn call_setup(
        &self,
        caps: &Capabilities,
        active: Vec<CallView>,
    ) -> Result<CallSetup, Error> {
        let profile = self.profile(None).await?;
        let settings = self.call_settings().await?;
        let client = self.client().await;
        let sip = match &client {
            Ok(client) => self.sip_account(None, client).await.map(|_| ()),
            Err(err) => Err(err.clone()),
        };
        let no_sip = sip.as_ref().err().map(sip_missing);
        let choice = choose(
            settings.engine,
            caps,
            settings.bridge_phone.is_some(),
            no_sip.as_deref().map_or(Ok(()), Err),
        );
        let (caller_ids, caller_ids_error) = match client {
            Ok(client) => match self.caller_ids(&client).await {
                Ok(ids) => (ids, None),
                Err(err) => (Vec::new(), Some(err.message)),
            },
            Err(err) => (Vec::new(), Some(err.message)),
        };
        let caller_id = settings
            .caller_id
            .clone()
            .filter(|c| caller_ids.iter().any(|id| &id.number == c))
            .or_else(|| caller_ids.first().map(|c| c.number.clone()));
        let country = caller_id.as_deref().and_then(country_of);
        Ok(CallSetup {
            choice,
            settings,
            caller_ids,
            caller_ids_error,
            caller_id,
            country,
            identity: crate::routing::client_identity(&profile.name),
            active,
        })
    }

    /// Checks a call before it is placed: the number, the caller ID (one of the account's
    /// voice numbers) and, for the bridge engine, the user's phone from Settings.
    ///
    /// # Errors
    /// As [`Switchboard::prepare_call_on`].
    pub async fn prepare_call(&self, request: &DialRequest) -> Result<PreparedCall, Error> {
        self.prepare_call_on(self.client().await?, request, None)
            .await
    }

    /// Checks a call placed through `client`, ringing `bridge_phone` (else the one in
    /// Settings) for the bridge engine. A number without `+` is read in the request's
    /// country, else in the caller ID's.
    ///
    /// # Errors
    /// [`Code::InvalidInput`] naming what is wrong; [`Code::NotConfigured`] without a bridge
    /// phone or caller ID; Twilio's errors listing the numbers.
    pub async fn prepare_call_on(
        &self,
        client: Client,
        request: &DialRequest,
        bridge_phone: Option<&str>,
    ) -> Result<PreparedCall, Error> {
        let settings = self.call_settings().await?;
        if request.to.trim().is_empty() {
            return Err(invalid("Number: enter the number to call."));
        }
        let owned = self.caller_ids(&client).await?;
        let from = match request
            .from
            .as_deref()
            .map(str::trim)
            .filter(|f| !f.is_empty())
        {
            Some(raw) => phone("Caller ID", raw, None)?,
            None => {
                let default = settings
                    .caller_id
                    .filter(|c| owned.iter().any(|o| &o.number == c))
                    .or_else(|| owned.first().map(|o| o.number.clone()))
                    .ok_or_else(|| {
                        Error::new(
                            Code::NotConfigured,
                            "This account has no voice number to call from. Buy one under Numbers.",
                        )
                    })?;
                phone("Caller ID", &default, None)?
            }
        };
        let country = request
            .country
            .clone()
            .or_else(|| country_of(from.as_str()));
        let to = phone("Number", &request.to, country.as_deref())?;
        if !owned.iter().any(|o| o.number == from.as_str()) {
            return Err(invalid(format!(
                "Caller ID: {} is not one of this account's voice numbers; choose one of them.",
                from.display(None)
            )));
        }
        if owned.iter().any(|o| o.number == to.as_str()) {
            return Err(invalid(format!(
                "Number: {} is one of this account's own numbers; dial someone else.",
                to.display(None)
            )));
        }
        let engine = match request.engine {
            EngineKind::Webview => AnyEngine::Webview(WebviewEngine),
            EngineKind::Sip => AnyEngine::Sip(SipEngine::default()),
            EngineKind::Bridge => {
                let raw = bridge_phone
                    .map(str::to_owned)
                    .or(settings.bridge_phone)
                    .ok_or_else(|| {
                        Error::new(
                            Code::NotConfigured,
                            "Set your own phone number in Settings, under Calling: Twilio rings it first, then connects the call.",
                        )
                    })?;
                let mine = phone("Your phone", &raw, country.as_deref())?;
                if mine == to {
                    return Err(invalid(
                        "Number: that is your own phone, which the call rings first; dial someone else.",
                    ));
                }
                AnyEngine::Bridge(BridgeEngine { phone: mine })
            }
        };
        Ok(PreparedCall {
            client,
            engine,
            to,
            from,
        })
    }

    /// A Voice SDK token for this profile's desktop: its identity, the routing's outgoing
    /// TwiML App, incoming calls allowed, valid for [`TOKEN_TTL_SECONDS`].
    ///
    /// # Errors
    /// [`Code::NotConfigured`] while call routing is not deployed; keychain and Twilio errors.
    pub async fn voice_token(&self) -> Result<VoiceToken, Error> {
        let (profile, credentials) = self.credentials().await?;
        let client = self.client_with(&profile, credentials.clone())?;
        let app = crate::routing::find_application(&client)
            .await?
            .ok_or_else(|| {
                Error::new(
                    Code::NotConfigured,
                    "Calling in the app needs call routing: deploy it in Settings, under Call routing.",
                )
            })?;
        let identity = crate::routing::client_identity(&profile.name);
        let now = jiff::Timestamp::now().as_second();
        let issued = u64::try_from(now).map_err(|_| invalid("The system clock is before 1970."))?;
        let token = AccessToken::new(
            profile.acting_account().clone(),
            credentials.api_key_sid.clone(),
            &identity,
        )
        .map_err(|e| invalid(e.to_string()))?
        .voice(VoiceGrant {
            incoming_allow: true,
            outgoing_application_sid: Some(app.sid),
            ..VoiceGrant::default()
        })
        .ttl(TOKEN_TTL_SECONDS)
        .map_err(|e| invalid(e.to_string()))?
        .issued_at(issued)
        .to_jwt(&credentials.api_key_secret)
        .map_err(|e| Error::new(Code::Internal, e.to_string()))?;
        Ok(VoiceToken {
            token,
            identity,
            expires_at: now + i64::try_from(TOKEN_TTL_SECONDS).unwrap_or(3600),
        })
    }

    /// What the SIP line of this desktop needs: its account, the Twilio client for its
    /// incoming calls' transfers and recordings, and the devices chosen in Settings.
    ///
    /// # Errors
    /// As [`Switchboard::sip_account`].
    pub async fn line_setup(&self) -> Result<(crate::sip::SipAccount, Client, SipDevices), Error> {
        let client = self.client().await?;
        let account = self.sip_account(None, &client).await?;
        let settings = self.call_settings().await?;
        Ok((
            account,
            client,
            SipDevices {
                input: settings.sip_microphone,
                output: settings.sip_speaker,
            },
        ))
    }

    /// The call log of the active profile, without the legs that rang the bridge phone.
    ///
    /// # Errors
    /// Storage errors; [`Code::NotConfigured`] without a profile.
    pub async fn call_log(&self, filter: &CallLogFilter) -> Result<CallLog, Error> {
        let mut filter = filter.clone();
        if filter.hide_to.is_none() {
            filter.hide_to = self.call_settings().await?.bridge_phone;
        }
        Ok(self.active_cache().await?.call_log(&filter).await?)
    }
}

/// Why the SIP engine cannot run, as the end of a sentence.
fn sip_missing(err: &Error) -> String {
    match err.code {
        Code::NotConfigured => {
            "this desktop has no SIP account yet (deploy call routing in Settings)".to_owned()
        }
        _ => format!(
            "its SIP account could not be read ({})",
            err.message.trim_end_matches('.')
        ),
    }
}
