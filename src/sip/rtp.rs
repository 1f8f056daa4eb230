//! RTP packets (RFC 3550): the fixed 12-byte header, CSRCs and header extensions skipped on
//! receipt, padding removed. No allocation: a packet borrows the datagram it came in.

/// A parsed RTP packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Packet<'a> {
    /// The payload type (0 PCMU, 8 PCMA, or a dynamic one from the SDP).
    pub payload_type: u8,
    /// The marker bit (first packet of a talkspurt; end of a DTMF event).
    pub marker: bool,
    /// Sequence number; wraps at 65,536.
    pub sequence: u16,
    /// Sampling instant of the first sample, in the payload's clock.
    pub timestamp: u32,
    /// The sender's synchronization source.
    pub ssrc: u32,
    /// The media.
    pub payload: &'a [u8],
}

/// Why a datagram is not an RTP packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// Shorter than its headers say.
    #[error("truncated RTP packet")]
    Truncated,
    /// Not RTP version 2.
    #[error("not RTP version 2")]
    Version,
}

impl<'a> Packet<'a> {
    /// Parses `data`.
    ///
    /// # Errors
    /// [`ParseError`] for a datagram that is not a well-formed RTP v2 packet.
    pub fn parse(data: &'a [u8]) -> Result<Self, ParseError> {
        if data.len() < 12 {
            return Err(ParseError::Truncated);
        }
        if data[0] >> 6 != 2 {
            return Err(ParseError::Version);
        }
        let padding = data[0] & 0x20 != 0;
        let extension = data[0] & 0x10 != 0;
        let csrc_count = usize::from(data[0] & 0x0F);
        let mut start = 12 + 4 * csrc_count;
        if extension {
            let words = data
                .get(start + 2..start + 4)
                .ok_or(ParseError::Truncated)?;
            start += 4 + 4 * usize::from(u16::from_be_bytes([words[0], words[1]]));
        }
        let mut end = data.len();
        if padding {
            let pad = usize::from(*data.last().ok_or(ParseError::Truncated)?);
            end = end.checked_sub(pad).ok_or(ParseError::Truncated)?;
        }
        if start > end {
            return Err(ParseError::Truncated);
        }
        Ok(Self {
            payload_type: data[1] & 0x7F,
            marker: data[1] & 0x80 != 0,
            sequence: u16::from_be_bytes([data[2], data[3]]),
            timestamp: u32::from_be_bytes([data[4], data[5], data[6], data[7]]),
            ssrc: u32::from_be_bytes([data[8], data[9], data[10], data[11]]),
            payload: &data[start..end],
        })
    }

    /// Writes the packet into `out` (cleared first).
    pub fn write(&self, out: &mut Vec<u8>) {
        out.clear();
        out.push(0x80);
        out.push(self.payload_type & 0x7F | if self.marker { 0x80 } else { 0 });
        out.extend_from_slice(&self.sequence.to_be_bytes());
        out.extend_from_slice(&self.timestamp.to_be_bytes());
        out.extend_from_slice(&self.ssrc.to_be_bytes());
        out.extend_from_slice(self.payload);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_and_parses_back() {
        let packet = Packet {
            payload_type: 8,
            marker: true,
            sequence: 65_535,
            timestamp: 0xDEAD_BEEF,
            ssrc: 42,
            payload: &[1, 2, 3],
        };
        let mut bytes = Vec::new();
        packet.write(&mut bytes);
        assert_eq!(bytes.len(), 15);
        assert_eq!(Packet::parse(&bytes), Ok(packet));
    }

    #[test]
    fn skips_csrcs_extension_and_padding() {
        let mut bytes = vec![0x80 | 0x20 | 0x10 | 1, 0, 0, 1, 0, 0, 0, 160, 0, 0, 0, 7];
        bytes.extend_from_slice(&[0, 0, 0, 9]); // one CSRC
        bytes.extend_from_slice(&[0xBE, 0xDE, 0, 1, 1, 2, 3, 4]); // extension, one word
        bytes.extend_from_slice(&[10, 11]); // payload
        bytes.extend_from_slice(&[0, 0, 3]); // three bytes of padding
        let packet = Packet::parse(&bytes).unwrap();
        assert_eq!(packet.payload, &[10, 11]);
        assert_eq!(packet.timestamp, 160);
    }

    #[test]
    fn refuses_what_is_not_rtp() {
        assert_eq!(Packet::parse(&[0x80; 11]), Err(ParseError::Truncated));
        assert_eq!(Packet::parse(&[0x40; 12]), Err(ParseError::Version));
        // A padding count larger than the packet.
        let mut bytes = vec![0xA0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 200];
        assert_eq!(Packet::parse(&bytes), Err(ParseError::Truncated));
        // An extension running off the end.
        bytes = vec![0x90, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0xBE, 0xDE, 0, 9];
        assert_eq!(Packet::parse(&bytes), Err(ParseError::Truncated));
    }
}
