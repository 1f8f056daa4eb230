//! Voice access tokens, made exactly as Twilio's helper libraries make them.
//!
//! A token is an HS256 JWT signed with an API key secret, with the header
//! `{"alg":"HS256","cty":"twilio-fpa;v=1","typ":"JWT"}` and the claims `jti`
//! (`{key_sid}-{issued_at}`), `grants` (`voice`, then `identity`), `iss` (the key SID), `exp`,
//! optionally `nbf`, and `sub` (the account SID), in that order.

use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde::Serialize;
use serde::ser::SerializeMap;
use sha2::Sha256;

use crate::secret::Sensitive;
use crate::sid::{AccountSid, ApiKeySid, ApplicationSid, PushCredentialSid};

/// Why a token cannot be made. Each names the field at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// The identity is empty, too long or has characters Twilio refuses.
    #[error("identity {0}")]
    Identity(String),
    /// The time to live is zero or longer than Twilio allows.
    #[error("ttl: {0}")]
    Ttl(String),
    /// The system clock is before 1970.
    #[error("the system clock is not set")]
    Clock,
}

/// What an access token lets its holder do with Programmable Voice.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VoiceGrant {
    /// Whether the client may receive calls to its identity.
    pub incoming_allow: bool,
    /// The TwiML App that outgoing calls from the client run.
    pub outgoing_application_sid: Option<ApplicationSid>,
    /// Parameters passed to the outgoing application, in order.
    pub outgoing_application_params: Vec<(String, String)>,
    /// The push credential for mobile notifications.
    pub push_credential_sid: Option<PushCredentialSid>,
}

/// A Voice access token to be signed.
///
/// ```no_run
/// # use switchboard::{secret::Sensitive, sid::*, twilio::token::*};
/// # fn run(account: AccountSid, key: ApiKeySid, secret: Sensitive<String>) -> Result<(), TokenError> {
/// let jwt = AccessToken::new(account, key, "alice_desk")?
///     .voice(VoiceGrant { incoming_allow: true, ..Default::default() })
///     .ttl(3600)?
///     .to_jwt(&secret)?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct AccessToken {
    account_sid: AccountSid,
    key_sid: ApiKeySid,
    identity: String,
    ttl: u64,
    not_before: Option<u64>,
    issued_at: Option<u64>,
    voice: Option<VoiceGrant>,
}

impl AccessToken {
    /// Twilio's default lifetime, one hour.
    pub const DEFAULT_TTL: u64 = 3600;
    /// The longest lifetime Twilio accepts, 24 hours.
    pub const MAX_TTL: u64 = 86_400;
    /// The longest identity Twilio accepts.
    pub const MAX_IDENTITY: usize = 121;

    /// A token for `identity` on `account_sid`, signed with the API key `key_sid`.
    ///
    /// # Errors
    /// [`TokenError::Identity`] unless the identity is 1 to 121 letters, digits and underscores
    /// (what Twilio's Voice SDKs can register).
    pub fn new(
        account_sid: AccountSid,
        key_sid: ApiKeySid,
        identity: &str,
    ) -> Result<Self, TokenError> {
        validate_identity(identity)?;
        Ok(Self {
            account_sid,
            key_sid,
            identity: identity.to_owned(),
            ttl: Self::DEFAULT_TTL,
            not_before: None,
            issued_at: None,
            voice: None,
        })
    }

    /// Adds a Voice grant.
    #[must_use]
    pub fn voice(mut self, grant: VoiceGrant) -> Self {
        self.voice = Some(grant);
        self
    }

    /// Sets the lifetime in seconds (default one hour).
    ///
    /// # Errors
    /// [`TokenError::Ttl`] for zero or more than 86 400 s.
    pub fn ttl(mut self, seconds: u64) -> Result<Self, TokenError> {
        if seconds == 0 || seconds > Self::MAX_TTL {
            return Err(TokenError::Ttl(format!(
                "must be between 1 and {} seconds (24 hours); got {seconds}",
                Self::MAX_TTL
            )));
        }
        self.ttl = seconds;
        Ok(self)
    }

    /// Makes the token invalid before `unix_seconds` (the `nbf` claim).
    #[must_use]
    pub fn not_before(mut self, unix_seconds: u64) -> Self {
        self.not_before = Some(unix_seconds);
        self
    }

    /// Fixes the issue time (default: now), for reproducible tokens.
    #[must_use]
    pub fn issued_at(mut self, unix_seconds: u64) -> Self {
        self.issued_at = Some(unix_seconds);
        self
    }

    /// The signed JWT.
    ///
    /// # Errors
    /// [`TokenError::Clock`] when no issue time is set and the clock reads before 1970.
    pub fn to_jwt(&self, secret: &Sensitive<String>) -> Result<String, TokenError> {
        let now = match self.issued_at {
            Some(t) => t,
            None => SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_err(|_| TokenError::Clock)?
                .as_secs(),
        };
        let claims = Claims {
            jti: format!("{}-{now}", self.key_sid),
            grants: Grants {
                voice: self.voice.as_ref().map(VoicePayload::from),
                identity: &self.identity,
            },
            iss: self.key_sid.as_str(),
            exp: now + self.ttl,
            nbf: self.not_before,
            sub: self.account_sid.as_str(),
        };
        let header = r#"{"alg":"HS256","cty":"twilio-fpa;v=1","typ":"JWT"}"#;
        let payload = serde_json::to_vec(&claims).expect("claims are plain data");
        let signing_input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header),
            URL_SAFE_NO_PAD.encode(payload)
        );
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.expose().as_bytes())
            .expect("HMAC takes any key length");
        mac.update(signing_input.as_bytes());
        let signature = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
        Ok(format!("{signing_input}.{signature}"))
    }
}

fn validate_identity(identity: &str) -> Result<(), TokenError> {
    if identity.is_empty() {
        return Err(TokenError::Identity("is required".into()));
    }
    if identity.chars().count() > AccessToken::MAX_IDENTITY {
        return Err(TokenError::Identity(format!(
            "is at most {} characters; this one has {}",
            AccessToken::MAX_IDENTITY,
            identity.chars().count()
        )));
    }
    if let Some(bad) = identity
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '_'))
    {
        return Err(TokenError::Identity(format!(
            "may hold only letters, digits and underscores (Twilio's rule for Voice clients); {bad:?} is not allowed"
        )));
    }
    Ok(())
}

#[derive(Serialize)]
struct Claims<'a> {
    jti: String,
    grants: Grants<'a>,
    iss: &'a str,
    exp: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    nbf: Option<u64>,
    sub: &'a str,
}

#[derive(Serialize)]
struct Grants<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    voice: Option<VoicePayload<'a>>,
    identity: &'a str,
}

#[derive(Serialize)]
struct VoicePayload<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    incoming: Option<Incoming>,
    #[serde(skip_serializing_if = "Option::is_none")]
    outgoing: Option<Outgoing<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    push_credential_sid: Option<&'a str>,
}

#[derive(Serialize)]
struct Incoming {
    allow: bool,
}

#[derive(Serialize)]
struct Outgoing<'a> {
    application_sid: &'a str,
    #[serde(skip_serializing_if = "OrderedParams::is_empty")]
    params: OrderedParams<'a>,
}

struct OrderedParams<'a>(&'a [(String, String)]);

impl OrderedParams<'_> {
    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Serialize for OrderedParams<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

impl<'a> From<&'a VoiceGrant> for VoicePayload<'a> {
    fn from(g: &'a VoiceGrant) -> Self {
        Self {
            incoming: g.incoming_allow.then_some(Incoming { allow: true }),
            outgoing: g.outgoing_application_sid.as_ref().map(|sid| Outgoing {
                application_sid: sid.as_str(),
                params: OrderedParams(&g.outgoing_application_params),
            }),
            push_credential_sid: g
                .push_credential_sid
                .as_ref()
                .map(PushCredentialSid::as_str),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(identity: &str) -> Result<AccessToken, TokenError> {
        AccessToken::new(
            AccountSid::parse(&format!("AC{}", "a".repeat(32))).unwrap(),
            ApiKeySid::parse(&format!("SK{}", "b".repeat(32))).unwrap(),
            identity,
        )
    }

    #[test]
    fn identities_twilio_refuses_are_refused_here() {
        assert!(token("alice_desk_2").is_ok());
        for (bad, why) in [
            ("", "required"),
            ("alice smith", "' '"),
            ("bob@example.com", "'@'"),
        ] {
            let err = token(bad).unwrap_err().to_string();
            assert!(
                err.starts_with("identity") && err.contains(why),
                "{bad:?}: {err}"
            );
        }
        assert!(
            token(&"x".repeat(122))
                .unwrap_err()
                .to_string()
                .contains("at most 121")
        );
    }

    #[test]
    fn ttl_is_bounded_by_a_day() {
        assert!(token("a").unwrap().ttl(86_400).is_ok());
        assert!(
            token("a")
                .unwrap()
                .ttl(86_401)
                .unwrap_err()
                .to_string()
                .contains("ttl")
        );
        assert!(token("a").unwrap().ttl(0).is_err());
    }
}
