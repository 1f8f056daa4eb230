//! The SDP offer/answer (RFC 3264) for one audio stream: what we offer, and what we make of
//! the far end's description. Only the lines that matter for a G.711 call are read; anything
//! malformed in them is an error, never a guess.

use std::net::{IpAddr, SocketAddr};

use super::g711::Law;
use super::srtp::{self, MasterKey};

/// Which way media flows, from the describing side's point of view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Both ways (the default).
    SendRecv,
    /// Only sends: it put the other side on hold.
    SendOnly,
    /// Only receives.
    RecvOnly,
    /// Neither.
    Inactive,
}

impl Direction {
    fn attribute(self) -> &'static str {
        match self {
            Self::SendRecv => "sendrecv",
            Self::SendOnly => "sendonly",
            Self::RecvOnly => "recvonly",
            Self::Inactive => "inactive",
        }
    }

    /// The direction the answerer takes for an offer in this direction (RFC 3264 §6.1).
    pub fn answer(self) -> Self {
        match self {
            Self::SendOnly => Self::RecvOnly,
            Self::RecvOnly => Self::SendOnly,
            other => other,
        }
    }
}

/// Our side of the media: where we receive, and which way we want it to flow.
#[derive(Debug, Clone, Copy)]
pub struct Local {
    /// The address and port our RTP socket receives on.
    pub rtp: SocketAddr,
    /// Session id for the `o=` line.
    pub session: u64,
    /// Incremented with every new description in a session.
    pub version: u64,
    /// Which way media flows.
    pub direction: Direction,
    /// SRTP: the `a=crypto` tag and our master key (what we send is protected with it).
    pub crypto: Option<(u32, MasterKey)>,
}

impl Local {
    /// A new session's first description, receiving on `socket`.
    ///
    /// # Errors
    /// [`crate::Code::Network`] when the socket has no local address.
    pub fn on(socket: &tokio::net::UdpSocket, direction: Direction) -> Result<Self, crate::Error> {
        Ok(Self {
            rtp: socket
                .local_addr()
                .map_err(|e| super::agent::sip_error("RTP socket", e))?,
            session: u64::from(super::rand_u32()),
            version: 1,
            direction,
            crypto: None,
        })
    }

    /// The same, sending SRTP keyed with a fresh master key under `tag`.
    #[must_use]
    pub fn encrypted(mut self, tag: u32) -> Self {
        self.crypto = Some((tag, MasterKey::random()));
        self
    }
}

/// The payload type we offer for RFC 4733 telephone events.
pub const TELEPHONE_EVENT: u8 = 101;

/// The negotiated media of the far end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Remote {
    /// Where to send RTP.
    pub rtp: SocketAddr,
    /// Where to send RTCP: the RTP port + 1, or what `a=rtcp:` says (RFC 3605).
    pub rtcp: SocketAddr,
    /// The codec both sides use.
    pub law: Law,
    /// The far end's payload type for telephone events, if it takes them.
    pub telephone_event: Option<u8>,
    /// Which way the far end wants media to flow.
    pub direction: Direction,
    /// SRTP: the tag of the `a=crypto` line chosen and the far end's master key (what it
    /// sends is protected with it). `None` for plain RTP.
    pub crypto: Option<(u32, MasterKey)>,
}

/// Why a description cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SdpError {
    /// A required line is missing or malformed.
    #[error("malformed SDP: {0}")]
    Malformed(String),
    /// The far end offers no codec we have (answer with 488).
    #[error("no common codec: the far end offers {0}, Switchboard speaks PCMU and PCMA")]
    NoCommonCodec(String),
    /// The far end wants encrypted media in a way we do not speak (answer with 488).
    #[error("no common encryption: {0}")]
    NoCommonCrypto(String),
}

/// Our description: PCMU and PCMA (in that order of preference, or `only` when the far end
/// already chose), plus telephone events.
pub fn describe(local: &Local, only: Option<(Law, Option<u8>)>) -> String {
    let ip = local.rtp.ip();
    let family = if ip.is_ipv4() { "IP4" } else { "IP6" };
    let (laws, event): (Vec<Law>, Option<u8>) = match only {
        Some((law, event)) => (vec![law], event),
        None => (vec![Law::Mu, Law::A], Some(TELEPHONE_EVENT)),
    };
    let mut formats: Vec<String> = laws.iter().map(|l| l.payload_type().to_string()).collect();
    if let Some(pt) = event {
        formats.push(pt.to_string());
    }
    let profile = if local.crypto.is_some() {
        "RTP/SAVP"
    } else {
        "RTP/AVP"
    };
    let mut sdp = format!(
        "v=0\r\no=switchboard {session} {version} IN {family} {ip}\r\ns=Switchboard\r\nc=IN {family} {ip}\r\nt=0 0\r\nm=audio {port} {profile} {formats}\r\n",
        session = local.session,
        version = local.version,
        port = local.rtp.port(),
        formats = formats.join(" "),
    );
    if let Some((tag, key)) = &local.crypto {
        sdp.push_str(&format!(
            "a=crypto:{tag} {} {}\r\n",
            srtp::SUITE,
            key.inline()
        ));
    }
    for law in &laws {
        sdp.push_str(&format!(
            "a=rtpmap:{} {}/8000\r\n",
            law.payload_type(),
            law.name()
        ));
    }
    if let Some(pt) = event {
        sdp.push_str(&format!(
            "a=rtpmap:{pt} telephone-event/8000\r\na=fmtp:{pt} 0-16\r\n"
        ));
    }
    sdp.push_str(&format!(
        "a=ptime:20\r\na={}\r\n",
        local.direction.attribute()
    ));
    sdp
}

/// Reads the far end's description (an offer or an answer) and picks the codec: the first of
/// its formats that is G.711, in its order of preference.
///
/// # Errors
/// [`SdpError::Malformed`] for a description without a usable connection address or audio
/// stream; [`SdpError::NoCommonCodec`] when it has no G.711.
pub fn negotiate(sdp: &str) -> Result<Remote, SdpError> {
    let malformed = |what: &str| SdpError::Malformed(what.to_owned());
    let mut session_ip: Option<IpAddr> = None;
    let mut media: Option<(u16, Vec<u8>)> = None;
    let mut media_ip: Option<IpAddr> = None;
    let mut rtpmap: Vec<(u8, String)> = Vec::new();
    let mut direction = Direction::SendRecv;
    let mut rtcp: Option<(u16, Option<IpAddr>)> = None;
    let mut secure = false;
    let mut cryptos: Vec<(u32, String, String)> = Vec::new();
    let mut seen_version = false;
    // Lines of media sections other than the first audio one are skipped.
    let mut in_audio = false;
    for line in sdp.lines().map(str::trim_end) {
        if line.is_empty() {
            continue;
        }
        let (kind, value) = line
            .split_once('=')
            .filter(|(k, _)| k.len() == 1)
            .ok_or_else(|| malformed(&format!("line {line:?} is not `x=value`")))?;
        match kind {
            "v" => seen_version = value == "0",
            "c" => {
                let ip = parse_connection(value)
                    .ok_or_else(|| malformed(&format!("connection line {value:?}")))?;
                if media.is_none() {
                    session_ip = Some(ip);
                } else if in_audio {
                    media_ip = Some(ip);
                }
            }
            "m" => {
                if media.is_some() {
                    in_audio = false;
                    continue;
                }
                let mut parts = value.split_whitespace();
                if parts.next() != Some("audio") {
                    continue;
                }
                let port: u16 = parts
                    .next()
                    .and_then(|p| p.split('/').next()?.parse().ok())
                    .ok_or_else(|| malformed(&format!("media line {value:?}")))?;
                let profile = parts.next().unwrap_or_default();
                if !profile.starts_with("RTP/") {
                    return Err(malformed(&format!("media line {value:?} is not RTP")));
                }
                let this_secure = match profile {
                    "RTP/AVP" => false,
                    "RTP/SAVP" => true,
                    other => {
                        return Err(SdpError::NoCommonCrypto(format!(
                            "the far end uses the {other} profile; Switchboard speaks RTP/AVP and RTP/SAVP with SDES keys"
                        )));
                    }
                };
                let formats = parts
                    .map(|f| f.parse::<u8>().ok().filter(|pt| *pt < 128))
                    .collect::<Option<Vec<u8>>>()
                    .ok_or_else(|| malformed(&format!("payload types in {value:?}")))?;
                if port == 0 || formats.is_empty() {
                    continue; // a rejected or empty stream
                }
                media = Some((port, formats));
                secure = this_secure;
                in_audio = true;
            }
            "a" if media.is_none() || in_audio => {
                if let Some(map) = value.strip_prefix("rtpmap:") {
                    if let Some((pt, name)) = map.split_once(' ')
                        && let Ok(pt) = pt.parse::<u8>()
                    {
                        rtpmap.push((pt, name.to_ascii_lowercase()));
                    }
                } else if let Some(attribute) = value.strip_prefix("crypto:") {
                    let mut fields = attribute.split_whitespace();
                    let (Some(tag), Some(suite), Some(key)) =
                        (fields.next(), fields.next(), fields.next())
                    else {
                        return Err(malformed(&format!("crypto attribute {value:?}")));
                    };
                    let tag = tag
                        .parse::<u32>()
                        .map_err(|_| malformed(&format!("crypto attribute {value:?}")))?;
                    cryptos.push((tag, suite.to_owned(), key.to_owned()));
                } else if let Some(attribute) = value.strip_prefix("rtcp:") {
                    let (port, address) = attribute.split_once(' ').unwrap_or((attribute, ""));
                    let port = port
                        .trim()
                        .parse::<u16>()
                        .ok()
                        .filter(|p| *p != 0)
                        .ok_or_else(|| malformed(&format!("RTCP attribute {value:?}")))?;
                    let address = if address.trim().is_empty() {
                        None
                    } else {
                        Some(
                            parse_connection(address)
                                .ok_or_else(|| malformed(&format!("RTCP attribute {value:?}")))?,
                        )
                    };
                    rtcp = Some((port, address));
                } else {
                    direction = match value {
                        "sendrecv" => Direction::SendRecv,
                        "sendonly" => Direction::SendOnly,
                        "recvonly" => Direction::RecvOnly,
                        "inactive" => Direction::Inactive,
                        _ => direction,
                    };
                }
            }
            _ => {}
        }
    }
    if !seen_version {
        return Err(malformed("no `v=0` line"));
    }
    let (port, formats) = media.ok_or_else(|| malformed("no audio stream"))?;
    let ip = media_ip
        .or(session_ip)
        .ok_or_else(|| malformed("no connection address"))?;
    let name_of = |pt: u8| {
        rtpmap
            .iter()
            .find(|(p, _)| *p == pt)
            .map(|(_, n)| n.clone())
    };
    let law = formats
        .iter()
        .find_map(|&pt| match (pt, name_of(pt).as_deref()) {
            (0, None) => Some(Law::Mu),
            (8, None) => Some(Law::A),
            (_, Some(n)) if n.starts_with("pcmu/8000") => Some(Law::Mu),
            (_, Some(n)) if n.starts_with("pcma/8000") => Some(Law::A),
            _ => None,
        })
        .ok_or_else(|| {
            let offered: Vec<String> = formats
                .iter()
                .map(|&pt| name_of(pt).unwrap_or_else(|| format!("payload type {pt}")))
                .collect();
            SdpError::NoCommonCodec(offered.join(", "))
        })?;
    let telephone_event = formats
        .iter()
        .copied()
        .find(|&pt| name_of(pt).is_some_and(|n| n.starts_with("telephone-event/8000")));
    let rtcp = match rtcp {
        Some((port, address)) => SocketAddr::new(address.unwrap_or(ip), port),
        None => SocketAddr::new(ip, port.saturating_add(1)),
    };
    // Keys only count on the secure profile (RFC 4568 §5); there, one of ours must be there.
    let crypto = if secure {
        let mut reasons = Vec::new();
        let chosen = cryptos.iter().find_map(|(tag, suite, key)| {
            if suite != srtp::SUITE {
                reasons.push(suite.clone());
                return None;
            }
            match MasterKey::from_inline(key) {
                Ok(key) => Some((*tag, key)),
                Err(why) => {
                    reasons.push(why);
                    None
                }
            }
        });
        Some(chosen.ok_or_else(|| {
            SdpError::NoCommonCrypto(if reasons.is_empty() {
                "the far end asks for SRTP but gives no key".to_owned()
            } else {
                format!(
                    "the far end offers {}; Switchboard speaks {}",
                    reasons.join(", "),
                    srtp::SUITE
                )
            })
        })?)
    } else {
        None
    };
    Ok(Remote {
        rtp: SocketAddr::new(ip, port),
        rtcp,
        crypto,
        law,
        telephone_event,
        direction,
    })
}

fn parse_connection(value: &str) -> Option<IpAddr> {
    let mut parts = value.split_whitespace();
    if parts.next()? != "IN" {
        return None;
    }
    let family = parts.next()?;
    let address = parts.next()?.split('/').next()?;
    let ip: IpAddr = address.parse().ok()?;
    match (family, ip) {
        ("IP4", IpAddr::V4(_)) | ("IP6", IpAddr::V6(_)) => Some(ip),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn local() -> Local {
        Local {
            rtp: "10.0.0.5:40000".parse().unwrap(),
            session: 7,
            version: 1,
            direction: Direction::SendRecv,
            crypto: None,
        }
    }

    #[test]
    fn our_offer_negotiates_with_itself() {
        let offer = describe(&local(), None);
        assert!(
            offer.contains("m=audio 40000 RTP/AVP 0 8 101\r\n"),
            "{offer}"
        );
        let remote = negotiate(&offer).unwrap();
        assert_eq!(remote.rtp, "10.0.0.5:40000".parse().unwrap());
        assert_eq!(remote.rtcp, "10.0.0.5:40001".parse().unwrap());
        assert_eq!(remote.law, Law::Mu);
        assert_eq!(remote.telephone_event, Some(TELEPHONE_EVENT));
        assert_eq!(remote.direction, Direction::SendRecv);
    }

    /// An answer as baresip sends it: A-law preferred, media-level address, dynamic event type.
    #[test]
    fn reads_a_real_answer() {
        let answer = "v=0\r\no=- 1 2 IN IP4 10.99.0.1\r\ns=-\r\nc=IN IP4 10.99.0.1\r\nt=0 0\r\n\
            m=audio 10002 RTP/AVP 8 0 96\r\nc=IN IP4 10.99.0.2\r\na=rtpmap:8 PCMA/8000\r\n\
            a=rtpmap:96 telephone-event/8000\r\na=fmtp:96 0-15\r\na=sendonly\r\n\
            m=video 0 RTP/AVP 31\r\na=recvonly\r\n";
        let remote = negotiate(answer).unwrap();
        assert_eq!(remote.rtp, "10.99.0.2:10002".parse().unwrap());
        assert_eq!(remote.rtcp, "10.99.0.2:10003".parse().unwrap());
        assert_eq!(remote.law, Law::A);
        assert_eq!(remote.telephone_event, Some(96));
        assert_eq!(remote.direction, Direction::SendOnly);
        assert_eq!(remote.direction.answer(), Direction::RecvOnly);
    }

    #[test]
    fn an_rtcp_attribute_moves_rtcp_elsewhere() {
        let base = "v=0\r\nc=IN IP4 10.0.0.9\r\nm=audio 5000 RTP/AVP 0\r\n";
        let port_only = negotiate(&format!("{base}a=rtcp:6001\r\n")).unwrap();
        assert_eq!(port_only.rtcp, "10.0.0.9:6001".parse().unwrap());
        let with_address = negotiate(&format!("{base}a=rtcp:6001 IN IP4 10.0.0.10\r\n")).unwrap();
        assert_eq!(with_address.rtcp, "10.0.0.10:6001".parse().unwrap());
        for bad in ["a=rtcp:x", "a=rtcp:0", "a=rtcp:6001 IN IP4 nowhere"] {
            assert!(
                matches!(
                    negotiate(&format!("{base}{bad}\r\n")),
                    Err(SdpError::Malformed(_))
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn an_encrypted_offer_carries_our_key_and_reads_back() {
        let local = local().encrypted(1);
        let offer = describe(&local, None);
        assert!(
            offer.contains("m=audio 40000 RTP/SAVP 0 8 101\r\n"),
            "{offer}"
        );
        assert!(
            offer.contains("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:"),
            "{offer}"
        );
        let remote = negotiate(&offer).unwrap();
        assert_eq!(remote.crypto, local.crypto);
        // Plain RTP ignores keys (they only count on the secure profile).
        let plain = offer.replace("RTP/SAVP", "RTP/AVP");
        assert_eq!(negotiate(&plain).unwrap().crypto, None);
    }

    #[test]
    fn encryption_we_do_not_speak_is_refused_in_words() {
        let base = "v=0\r\nc=IN IP4 10.0.0.9\r\nm=audio 5000 RTP/SAVP 0\r\n";
        let suites = format!(
            "{base}a=crypto:1 AES_256_CM_HMAC_SHA1_80 inline:{}\r\n",
            "A".repeat(60)
        );
        for (sdp, says) in [
            (base.to_owned(), "gives no key"),
            (suites, "offers AES_256_CM_HMAC_SHA1_80"),
            (
                format!("{base}a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:c2hvcnQ=\r\n"),
                "not 30",
            ),
            (
                "v=0\r\nc=IN IP4 10.0.0.9\r\nm=audio 5000 UDP/TLS/RTP/SAVPF 0\r\n".to_owned(),
                "UDP/TLS",
            ),
        ] {
            match negotiate(&sdp) {
                Err(SdpError::NoCommonCrypto(why)) => assert!(why.contains(says), "{why}"),
                Err(SdpError::Malformed(why)) if says == "UDP/TLS" => {
                    assert!(why.contains("not RTP"), "{why}")
                }
                other => panic!("{sdp}: {other:?}"),
            }
        }
        // A second key line we can use is chosen over one we cannot.
        let key = MasterKey::random();
        let mixed = format!(
            "{base}a=crypto:1 AES_256_CM_HMAC_SHA1_80 inline:{}\r\na=crypto:2 AES_CM_128_HMAC_SHA1_80 {}\r\n",
            "A".repeat(60),
            key.inline()
        );
        assert_eq!(negotiate(&mixed).unwrap().crypto, Some((2, key)));
    }

    #[test]
    fn no_g711_is_no_common_codec() {
        let offer =
            "v=0\r\nc=IN IP4 1.2.3.4\r\nm=audio 5000 RTP/AVP 96\r\na=rtpmap:96 opus/48000/2\r\n";
        assert_eq!(
            negotiate(offer),
            Err(SdpError::NoCommonCodec("opus/48000/2".into()))
        );
    }

    #[test]
    fn malformed_descriptions_are_refused() {
        for bad in [
            "",
            "garbage",
            "v=0\r\nm=audio 5000 RTP/AVP 0\r\n",
            "v=0\r\nc=IN IP4 not-an-ip\r\nm=audio 5000 RTP/AVP 0\r\n",
            "v=0\r\nc=IN IP4 1.2.3.4\r\nm=audio port RTP/AVP 0\r\n",
            "v=0\r\nc=IN IP4 1.2.3.4\r\nm=audio 5000 RTP/AVP 300\r\n",
            "v=0\r\nc=IN IP6 1.2.3.4\r\nm=audio 5000 RTP/AVP 0\r\n",
            "v=0\r\nc=IN IP4 1.2.3.4\r\n",
        ] {
            assert!(
                matches!(negotiate(bad), Err(SdpError::Malformed(_))),
                "{bad:?} gave {:?}",
                negotiate(bad)
            );
        }
    }
}
