//! SRTP and SRTCP (RFC 3711) with the suite every SIP peer has, `AES_CM_128_HMAC_SHA1_80`,
//! keyed by SDES (RFC 4568): each side picks a master key and salt, sends them in its SDP
//! (`a=crypto:`), and protects what it sends with its own key; what it receives is checked
//! and decrypted with the other side's.
//!
//! Session keys are derived once per key (key derivation rate 0). RTP payloads are encrypted
//! with AES in counter mode under an IV made of the session salt, the SSRC and the packet
//! index (rollover count and sequence number); header and payload are authenticated with an
//! 80-bit HMAC-SHA1 tag over them and the rollover count. SRTCP encrypts all but the first
//! eight bytes and carries its own 31-bit index. A packet whose tag does not match, or that
//! was already accepted, is refused (a replay window of 64 packets).

use aes::Aes128;
use aes::cipher::{BlockEncrypt, KeyInit};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha1::Sha1;

/// The crypto suite's name in SDP.
pub const SUITE: &str = "AES_CM_128_HMAC_SHA1_80";
const TAG: usize = 10;

/// A master key and salt, as SDES carries them.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct MasterKey {
    key: [u8; 16],
    salt: [u8; 14],
}

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print key material (logs, panics).
        f.write_str("MasterKey(…)")
    }
}

impl MasterKey {
    /// A fresh random key and salt from the OS.
    pub fn random() -> Self {
        let mut bytes = [0u8; 30];
        getrandom::fill(&mut bytes).expect("the OS random source");
        Self::from_bytes(&bytes)
    }

    fn from_bytes(bytes: &[u8; 30]) -> Self {
        let mut key = [0u8; 16];
        let mut salt = [0u8; 14];
        key.copy_from_slice(&bytes[..16]);
        salt.copy_from_slice(&bytes[16..]);
        Self { key, salt }
    }

    /// The `inline:` key parameter of an `a=crypto:` line.
    pub fn inline(&self) -> String {
        let mut bytes = [0u8; 30];
        bytes[..16].copy_from_slice(&self.key);
        bytes[16..].copy_from_slice(&self.salt);
        format!("inline:{}", STANDARD.encode(bytes))
    }

    /// Reads the key parameter of an `a=crypto:` line (`inline:BASE64[|lifetime][|MKI:len]`).
    ///
    /// # Errors
    /// A sentence when it is not 30 bytes of base64, or uses a master key identifier.
    pub fn from_inline(parameter: &str) -> Result<Self, String> {
        let value = parameter
            .strip_prefix("inline:")
            .ok_or_else(|| format!("key {parameter:?} is not inline"))?;
        let mut parts = value.split('|');
        let encoded = parts.next().unwrap_or_default();
        // A lifetime is fine (we rekey with every call); an MKI is not supported.
        if parts.any(|p| p.contains(':')) {
            return Err("keys with a master key identifier (MKI) are not supported".into());
        }
        let bytes = STANDARD
            .decode(encoded)
            .map_err(|_| format!("key {encoded:?} is not base64"))?;
        let bytes: [u8; 30] = bytes
            .try_into()
            .map_err(|b: Vec<u8>| format!("the key is {} bytes, not 30", b.len()))?;
        Ok(Self::from_bytes(&bytes))
    }
}

/// One direction's session keys (RFC 3711 §4.3), for RTP or RTCP.
struct Keys {
    cipher: Aes128,
    salt: [u8; 14],
    auth: Hmac<Sha1>,
}

impl Keys {
    /// Derives the session keys with labels `base`, `base + 1`, `base + 2` (0 for RTP, 3 for
    /// RTCP).
    fn derive(master: &MasterKey, base: u8) -> Self {
        let prf = Aes128::new(&master.key.into());
        let derive = |label: u8, out: &mut [u8]| {
            let mut iv = [0u8; 16];
            iv[..14].copy_from_slice(&master.salt);
            iv[7] ^= label;
            keystream(&prf, &iv, out);
        };
        let mut key = [0u8; 16];
        let mut auth = [0u8; 20];
        let mut salt = [0u8; 14];
        derive(base, &mut key);
        derive(base + 1, &mut auth);
        derive(base + 2, &mut salt);
        Self {
            cipher: Aes128::new(&key.into()),
            salt,
            auth: <Hmac<Sha1> as Mac>::new_from_slice(&auth).expect("HMAC takes any key length"),
        }
    }

    /// XORs `data` with the keystream for `ssrc` and `index`.
    fn apply(&self, ssrc: u32, index: u64, data: &mut [u8]) {
        let mut iv = [0u8; 16];
        iv[..14].copy_from_slice(&self.salt);
        for (i, b) in ssrc.to_be_bytes().iter().enumerate() {
            iv[4 + i] ^= b;
        }
        for (i, b) in index.to_be_bytes()[2..].iter().enumerate() {
            iv[8 + i] ^= b;
        }
        xor_keystream(&self.cipher, &iv, data);
    }

    fn tag(&self, parts: &[&[u8]]) -> [u8; TAG] {
        let mut mac = self.auth.clone();
        for part in parts {
            mac.update(part);
        }
        let full = mac.finalize().into_bytes();
        let mut tag = [0u8; TAG];
        tag.copy_from_slice(&full[..TAG]);
        tag
    }
}

/// AES-CM keystream from `iv` (the low 16 bits count blocks), into `out`.
fn keystream(cipher: &Aes128, iv: &[u8; 16], out: &mut [u8]) {
    out.fill(0);
    xor_keystream(cipher, iv, out);
}

/// XORs `data` with the AES-CM keystream from `iv`.
fn xor_keystream(cipher: &Aes128, iv: &[u8; 16], data: &mut [u8]) {
    let mut block = [0u8; 16];
    for (n, chunk) in data.chunks_mut(16).enumerate() {
        block.copy_from_slice(iv);
        let low = u16::from_be_bytes([iv[14], iv[15]]).wrapping_add(n as u16);
        block[14..].copy_from_slice(&low.to_be_bytes());
        cipher.encrypt_block((&mut block).into());
        for (d, k) in chunk.iter_mut().zip(block) {
            *d ^= k;
        }
    }
}

/// Why a protected packet was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    /// Too short to hold a header and a tag.
    #[error("too short for SRTP")]
    Short,
    /// The tag does not match: forged, corrupted, or keyed differently.
    #[error("authentication failed")]
    Forged,
    /// Accepted once already.
    #[error("a replayed packet")]
    Replayed,
}

/// Protects what we send (our key).
pub struct Sender {
    rtp: Keys,
    rtcp: Keys,
    /// Rollover count: wraps of the 16-bit sequence number.
    roc: u32,
    last_sequence: Option<u16>,
    rtcp_index: u32,
}

impl Sender {
    /// Protection with `key`.
    pub fn new(key: &MasterKey) -> Self {
        Self {
            rtp: Keys::derive(key, 0),
            rtcp: Keys::derive(key, 3),
            roc: 0,
            last_sequence: None,
            rtcp_index: 0,
        }
    }

    /// Encrypts the payload of the RTP packet in `packet` (a plain 12-byte header, as we send
    /// them) and appends its tag.
    pub fn protect_rtp(&mut self, packet: &mut Vec<u8>) {
        let sequence = u16::from_be_bytes([packet[2], packet[3]]);
        let ssrc = u32::from_be_bytes([packet[8], packet[9], packet[10], packet[11]]);
        if self
            .last_sequence
            .is_some_and(|last| sequence < last && last - sequence > 0x8000)
        {
            self.roc = self.roc.wrapping_add(1);
        }
        self.last_sequence = Some(sequence);
        let index = (u64::from(self.roc) << 16) | u64::from(sequence);
        let header = header_len(packet).min(packet.len());
        self.rtp.apply(ssrc, index, &mut packet[header..]);
        let tag = self.rtp.tag(&[packet, &self.roc.to_be_bytes()]);
        packet.extend_from_slice(&tag);
    }

    /// Encrypts a compound RTCP packet in `packet` and appends its index and tag.
    pub fn protect_rtcp(&mut self, packet: &mut Vec<u8>) {
        if packet.len() < 8 {
            return;
        }
        let ssrc = u32::from_be_bytes([packet[4], packet[5], packet[6], packet[7]]);
        let index = self.rtcp_index & 0x7FFF_FFFF;
        self.rtcp_index = self.rtcp_index.wrapping_add(1);
        self.rtcp.apply(ssrc, u64::from(index), &mut packet[8..]);
        packet.extend_from_slice(&(0x8000_0000 | index).to_be_bytes());
        let tag = self.rtcp.tag(&[packet]);
        packet.extend_from_slice(&tag);
    }
}

/// Checks and decrypts what we receive (the far end's key).
pub struct Receiver {
    rtp: Keys,
    rtcp: Keys,
    roc: u32,
    highest: Option<u16>,
    /// Packets accepted at and below the highest index (bit n: highest - n).
    window: u64,
    rtcp_highest: Option<u32>,
    rtcp_window: u64,
}

impl Receiver {
    /// Checking with `key`.
    pub fn new(key: &MasterKey) -> Self {
        Self {
            rtp: Keys::derive(key, 0),
            rtcp: Keys::derive(key, 3),
            roc: 0,
            highest: None,
            window: 0,
            rtcp_highest: None,
            rtcp_window: 0,
        }
    }

    /// Checks the tag of the SRTP packet in `packet`, decrypts its payload in place and
    /// strips the tag.
    ///
    /// # Errors
    /// [`Refused`] for a short, forged or replayed packet (`packet` is then unusable).
    pub fn unprotect_rtp(&mut self, packet: &mut Vec<u8>) -> Result<(), Refused> {
        if packet.len() < 12 + TAG {
            return Err(Refused::Short);
        }
        let sequence = u16::from_be_bytes([packet[2], packet[3]]);
        let ssrc = u32::from_be_bytes([packet[8], packet[9], packet[10], packet[11]]);
        // The rollover count this packet belongs to (RFC 3711 §3.3.1).
        let roc = match self.highest {
            None => self.roc,
            Some(s_l) if s_l < 0x8000 => {
                if sequence > s_l && sequence - s_l > 0x8000 {
                    self.roc.wrapping_sub(1)
                } else {
                    self.roc
                }
            }
            Some(s_l) => {
                if sequence < s_l && s_l - sequence > 0x8000 {
                    self.roc.wrapping_add(1)
                } else {
                    self.roc
                }
            }
        };
        let index = (u64::from(roc) << 16) | u64::from(sequence);
        let highest = self
            .highest
            .map(|h| (u64::from(self.roc) << 16) | u64::from(h));
        if let Some(top) = highest
            && index <= top
            && (top - index >= 64 || self.window & (1 << (top - index)) != 0)
        {
            return Err(Refused::Replayed);
        }
        let body = packet.len() - TAG;
        let expected = self.rtp.tag(&[&packet[..body], &roc.to_be_bytes()]);
        if !constant_time_eq(&expected, &packet[body..]) {
            return Err(Refused::Forged);
        }
        packet.truncate(body);
        let header = header_len(packet).min(packet.len());
        self.rtp.apply(ssrc, index, &mut packet[header..]);
        match highest {
            Some(top) if index <= top => self.window |= 1 << (top - index),
            Some(top) => {
                let shift = index - top;
                self.window = if shift >= 64 { 0 } else { self.window << shift } | 1;
                self.roc = roc;
                self.highest = Some(sequence);
            }
            None => {
                self.window = 1;
                self.roc = roc;
                self.highest = Some(sequence);
            }
        }
        Ok(())
    }

    /// Checks and decrypts the SRTCP packet in `packet`, stripping its index and tag.
    ///
    /// # Errors
    /// [`Refused`] for a short, forged or replayed packet.
    pub fn unprotect_rtcp(&mut self, packet: &mut Vec<u8>) -> Result<(), Refused> {
        if packet.len() < 8 + 4 + TAG {
            return Err(Refused::Short);
        }
        let body = packet.len() - TAG;
        let expected = self.rtcp.tag(&[&packet[..body]]);
        if !constant_time_eq(&expected, &packet[body..]) {
            return Err(Refused::Forged);
        }
        let word = u32::from_be_bytes(packet[body - 4..body].try_into().expect("4 bytes"));
        let (encrypted, index) = (word & 0x8000_0000 != 0, word & 0x7FFF_FFFF);
        if let Some(top) = self.rtcp_highest {
            if index <= top {
                let back = top - index;
                if back >= 64 || self.rtcp_window & (1 << back) != 0 {
                    return Err(Refused::Replayed);
                }
                self.rtcp_window |= 1 << back;
            } else {
                let shift = index - top;
                self.rtcp_window = if shift >= 64 {
                    0
                } else {
                    self.rtcp_window << shift
                } | 1;
                self.rtcp_highest = Some(index);
            }
        } else {
            self.rtcp_window = 1;
            self.rtcp_highest = Some(index);
        }
        packet.truncate(body - 4);
        if encrypted {
            let ssrc = u32::from_be_bytes([packet[4], packet[5], packet[6], packet[7]]);
            self.rtcp.apply(ssrc, u64::from(index), &mut packet[8..]);
        }
        Ok(())
    }
}

/// The length of an RTP packet's header: fixed part, CSRCs and extension.
fn header_len(packet: &[u8]) -> usize {
    let csrcs = usize::from(packet[0] & 0x0F);
    let mut len = 12 + 4 * csrcs;
    if packet[0] & 0x10 != 0
        && let Some(words) = packet.get(len + 2..len + 4)
    {
        len += 4 + 4 * usize::from(u16::from_be_bytes([words[0], words[1]]));
    }
    len
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(text: &str) -> Vec<u8> {
        (0..text.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
            .collect()
    }

    fn master(key: &str, salt: &str) -> MasterKey {
        let mut bytes = [0u8; 30];
        bytes[..16].copy_from_slice(&hex(key));
        bytes[16..].copy_from_slice(&hex(salt));
        MasterKey::from_bytes(&bytes)
    }

    /// RFC 3711 Appendix B.3: key derivation.
    #[test]
    fn derives_the_rfc_3711_session_keys() {
        let m = master(
            "E1F97A0D3E018BE0D64FA32C06DE4139",
            "0EC675AD498AFEEBB6960B3AABE6",
        );
        let prf = Aes128::new(&m.key.into());
        let derive = |label: u8, len: usize| {
            let mut iv = [0u8; 16];
            iv[..14].copy_from_slice(&m.salt);
            iv[7] ^= label;
            let mut out = vec![0u8; len];
            keystream(&prf, &iv, &mut out);
            out
        };
        assert_eq!(derive(0, 16), hex("C61E7A93744F39EE10734AFE3FF7A087"));
        assert_eq!(derive(2, 14), hex("30CBBC08863D8C85D49DB34A9AE1"));
        assert_eq!(
            derive(1, 20),
            hex("CEBE321F6FF7716B6FD4AB49AF256A156D38BAA4")
        );
    }

    /// RFC 3711 Appendix B.2: AES-CM keystream.
    #[test]
    fn makes_the_rfc_3711_keystream() {
        let cipher = Aes128::new_from_slice(&hex("2B7E151628AED2A6ABF7158809CF4F3C")).unwrap();
        let iv: [u8; 16] = hex("F0F1F2F3F4F5F6F7F8F9FAFBFCFD0000").try_into().unwrap();
        let mut out = vec![0u8; 48];
        keystream(&cipher, &iv, &mut out);
        assert_eq!(
            out,
            hex(
                "E03EAD0935C95E80E166B16DD92B4EB4D23513162B02D0F72A43A2FE4A5F97AB41E95B3BB0A2E8DD477901E4FCA894C0"
            )
        );
    }

    fn packet(sequence: u16, payload: &[u8]) -> Vec<u8> {
        let mut p = vec![0x80, 0, 0, 0, 0, 0, 0, 160, 0xCA, 0xFE, 0xBA, 0xBE];
        p[2..4].copy_from_slice(&sequence.to_be_bytes());
        p.extend_from_slice(payload);
        p
    }

    #[test]
    fn rtp_round_trips_and_forgeries_and_replays_are_refused() {
        let key = MasterKey::random();
        let (mut tx, mut rx) = (Sender::new(&key), Receiver::new(&key));
        let plain = packet(65_534, b"hello, far end");
        let mut sent = plain.clone();
        tx.protect_rtp(&mut sent);
        assert_eq!(sent.len(), plain.len() + TAG);
        assert_eq!(&sent[..12], &plain[..12], "the header stays readable");
        assert_ne!(
            &sent[12..plain.len()],
            &plain[12..],
            "the payload is encrypted"
        );
        let mut got = sent.clone();
        rx.unprotect_rtp(&mut got).unwrap();
        assert_eq!(got, plain);
        // The same packet again is a replay.
        let mut again = sent.clone();
        assert_eq!(rx.unprotect_rtp(&mut again), Err(Refused::Replayed));
        // One flipped bit anywhere is a forgery (and leaves no trace: the real one still
        // gets in below).
        let mut forged = packet(65_535, &[0xFF; 20]);
        Sender::new(&key).protect_rtp(&mut forged);
        forged[14] ^= 1;
        assert_eq!(rx.unprotect_rtp(&mut forged), Err(Refused::Forged));
        // Across the sequence number's wrap, and a late packet from before it.
        let mut later = Vec::new();
        for sequence in [65_535u16, 0, 1] {
            let mut p = packet(sequence, &[sequence as u8; 20]);
            tx.protect_rtp(&mut p);
            later.push(p);
        }
        for mut p in [later[1].clone(), later[0].clone(), later[2].clone()] {
            rx.unprotect_rtp(&mut p).unwrap();
        }
        // Another key cannot read it.
        let mut stranger = Receiver::new(&MasterKey::random());
        let mut p = packet(5, b"x");
        tx.protect_rtp(&mut p);
        assert_eq!(stranger.unprotect_rtp(&mut p), Err(Refused::Forged));
    }

    #[test]
    fn rtcp_round_trips_with_its_index() {
        let key = MasterKey::random();
        let (mut tx, mut rx) = (Sender::new(&key), Receiver::new(&key));
        let mut report = Vec::new();
        crate::sip::rtcp::write_report(&mut report, 0xCAFE_BABE, None, None, "me");
        let mut sent = report.clone();
        tx.protect_rtcp(&mut sent);
        assert_eq!(sent.len(), report.len() + 4 + TAG);
        let mut got = sent.clone();
        rx.unprotect_rtcp(&mut got).unwrap();
        assert_eq!(got, report);
        assert_eq!(rx.unprotect_rtcp(&mut sent.clone()), Err(Refused::Replayed));
    }

    #[test]
    fn sdes_keys_read_back_and_bad_ones_are_refused() {
        let key = MasterKey::random();
        let inline = key.inline();
        assert_eq!(inline.len(), "inline:".len() + 40);
        assert_eq!(MasterKey::from_inline(&inline).unwrap(), key);
        assert_eq!(
            MasterKey::from_inline(&format!("{inline}|2^31")).unwrap(),
            key
        );
        assert!(MasterKey::from_inline(&format!("{inline}|2^31|1:4")).is_err());
        assert!(MasterKey::from_inline("inline:c2hvcnQ=").is_err());
        assert!(MasterKey::from_inline("uri:https://x").is_err());
        assert_eq!(format!("{key:?}"), "MasterKey(…)");
    }
}
