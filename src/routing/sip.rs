//! The SIP side of the routing, provisioned into the user's Twilio account with it: one SIP
//! Domain (registration on, its calls sent to the routing's outbound function) and one
//! credential list mapped to it for calls and registrations, holding one username per desktop.
//! Found again by their labels, so deploying twice changes nothing and removing finds them.

use futures_util::TryStreamExt;
use serde::Serialize;
use ts_rs::TS;

use crate::error::Error;
use crate::secret::Sensitive;
use crate::twilio::{Client, MappingFor, SipDomain};

/// The label of the app's SIP Domain.
pub const SIP_DOMAIN_LABEL: &str = "Switchboard";
/// The label of the app's credential list.
pub const CREDENTIAL_LIST_LABEL: &str = "Switchboard desktops";

/// What a desktop registers with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct SipProvisioned {
    /// The domain phones register to, `switchboard-….sip.twilio.com`.
    pub domain: String,
    /// This desktop's SIP username.
    pub username: String,
}

/// The SIP username of profile `profile` on machine `machine`: lower case letters, digits and
/// dashes, at most 32 characters (Twilio's limit).
pub fn sip_username(profile: &str, machine: &str) -> String {
    let clean = |s: &str| -> String {
        let mapped: String = s
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '-'
                }
            })
            .collect();
        mapped
            .split('-')
            .filter(|p| !p.is_empty())
            .collect::<Vec<_>>()
            .join("-")
    };
    let (profile, machine) = (clean(profile), clean(machine));
    let mut name = match (profile.is_empty(), machine.is_empty()) {
        (false, false) => format!("{profile}-{machine}"),
        (false, true) => profile,
        (true, false) => machine,
        (true, true) => "desktop".to_owned(),
    };
    name.truncate(32);
    name.trim_end_matches('-').to_owned()
}

/// A new SIP password: 24 characters from letters and digits, with at least one digit and
/// both cases (Twilio's rule), from the OS's random source.
pub fn new_sip_password() -> Sensitive<String> {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    loop {
        let mut bytes = [0u8; 24];
        getrandom::fill(&mut bytes).expect("the OS random source");
        let password: String = bytes
            .iter()
            .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
            .collect();
        if password.chars().any(|c| c.is_ascii_digit())
            && password.chars().any(|c| c.is_ascii_lowercase())
            && password.chars().any(|c| c.is_ascii_uppercase())
        {
            return Sensitive::new(password);
        }
    }
}

async fn find_domain(client: &Client) -> Result<Option<SipDomain>, Error> {
    let domains: Vec<SipDomain> = client.sip().domains().try_collect().await?;
    Ok(domains
        .into_iter()
        .find(|d| d.friendly_name.as_deref() == Some(SIP_DOMAIN_LABEL)))
}

async fn find_list(client: &Client) -> Result<Option<String>, Error> {
    let lists: Vec<crate::twilio::CredentialList> =
        client.sip().credential_lists().try_collect().await?;
    Ok(lists
        .into_iter()
        .find(|l| l.friendly_name == CREDENTIAL_LIST_LABEL)
        .map(|l| l.sid))
}

/// Provisions the SIP Domain, its credential list and `username` in it, idempotently. The
/// domain's calls go to `voice_url`. `password` is set on the credential when it is created,
/// and also on an existing one when `fresh` (the keychain had none, so Twilio's cannot be
/// known).
///
/// # Errors
/// Twilio's errors; an invalid-input error for a password Twilio would refuse.
pub async fn provision(
    client: &Client,
    voice_url: &str,
    username: &str,
    password: &Sensitive<String>,
    fresh: bool,
) -> Result<SipProvisioned, Error> {
    let sip = client.sip();
    let domain = match find_domain(client).await? {
        Some(d)
            if d.voice_url.as_deref() == Some(voice_url) && d.sip_registration == Some(true) =>
        {
            d
        }
        Some(d) => sip.update_domain(&d.sid, voice_url).await?,
        None => {
            let mut suffix = [0u8; 5];
            getrandom::fill(&mut suffix).expect("the OS random source");
            let hex: String = suffix.iter().map(|b| format!("{b:02x}")).collect();
            sip.create_domain(
                &format!("switchboard-{hex}.sip.twilio.com"),
                SIP_DOMAIN_LABEL,
                voice_url,
            )
            .await?
        }
    };
    let list = match find_list(client).await? {
        Some(sid) => sid,
        None => sip.create_credential_list(CREDENTIAL_LIST_LABEL).await?.sid,
    };
    for what in [MappingFor::Calls, MappingFor::Registrations] {
        let mapped: Vec<crate::twilio::CredentialListMapping> =
            sip.mappings(&domain.sid, what).try_collect().await?;
        if !mapped.iter().any(|m| m.sid == list) {
            sip.map(&domain.sid, what, &list).await?;
        }
    }
    let credentials: Vec<crate::twilio::SipCredential> =
        sip.credentials(&list).try_collect().await?;
    match credentials.iter().find(|c| c.username == username) {
        Some(existing) if fresh => {
            sip.set_password(&list, &existing.sid, password.expose())
                .await?;
        }
        Some(_) => {}
        None => {
            sip.create_credential(&list, username, password.expose())
                .await?;
        }
    }
    tracing::info!(domain = %domain.domain_name, username, "SIP domain provisioned");
    Ok(SipProvisioned {
        domain: domain.domain_name,
        username: username.to_owned(),
    })
}

/// Removes the SIP Domain and the credential list; absent ones are fine.
///
/// # Errors
/// Twilio's errors; what was removed stays removed.
pub async fn remove(client: &Client) -> Result<(), Error> {
    if let Some(domain) = find_domain(client).await? {
        client.sip().delete_domain(&domain.sid).await?;
    }
    if let Some(list) = find_list(client).await? {
        client.sip().delete_credential_list(&list).await?;
    }
    Ok(())
}

/// The SIP domain of the account, when provisioned.
///
/// # Errors
/// Twilio's errors.
pub async fn domain(client: &Client) -> Result<Option<String>, Error> {
    Ok(find_domain(client).await?.map(|d| d.domain_name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_clean_and_short() {
        assert_eq!(
            sip_username("Default", "Ana's MacBook Pro"),
            "default-ana-s-macbook-pro"
        );
        assert_eq!(sip_username("", ""), "desktop");
        let long = sip_username("a-very-long-profile-name", "and-a-long-machine-name");
        assert!(long.len() <= 32 && !long.ends_with('-'), "{long}");
    }

    #[test]
    fn passwords_meet_twilios_rule() {
        for _ in 0..50 {
            let p = new_sip_password();
            let p = p.expose();
            assert_eq!(p.len(), 24);
            assert!(p.chars().any(|c| c.is_ascii_digit()));
            assert!(p.chars().any(|c| c.is_ascii_uppercase()));
            assert!(p.chars().any(|c| c.is_ascii_lowercase()));
        }
    }
}
