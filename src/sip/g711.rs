//! G.711 (ITU-T): μ-law (PCMU, payload type 0) and A-law (PCMA, payload type 8), 8 kHz mono,
//! one byte per sample. Encoding follows the reference segment algorithm; decoding is a table
//! built once.

use std::sync::LazyLock;

/// A G.711 variant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Law {
    /// μ-law: North America and Japan; Twilio's default.
    Mu,
    /// A-law: the rest of the world.
    A,
}

impl Law {
    /// The static RTP payload type (RFC 3551).
    pub fn payload_type(self) -> u8 {
        match self {
            Self::Mu => 0,
            Self::A => 8,
        }
    }

    /// The SDP encoding name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Mu => "PCMU",
            Self::A => "PCMA",
        }
    }

    /// Encodes `pcm` into `out` (cleared first), one byte per sample.
    pub fn encode(self, pcm: &[i16], out: &mut Vec<u8>) {
        out.clear();
        out.extend(pcm.iter().map(|&s| match self {
            Self::Mu => encode_mu(s),
            Self::A => encode_a(s),
        }));
    }

    /// Decodes `bytes` onto the end of `out`.
    pub fn decode(self, bytes: &[u8], out: &mut Vec<i16>) {
        let table = match self {
            Self::Mu => &*MU_TABLE,
            Self::A => &*A_TABLE,
        };
        out.extend(bytes.iter().map(|&b| table[usize::from(b)]));
    }
}

static MU_TABLE: LazyLock<[i16; 256]> =
    LazyLock::new(|| std::array::from_fn(|i| decode_mu(i as u8)));
static A_TABLE: LazyLock<[i16; 256]> = LazyLock::new(|| std::array::from_fn(|i| decode_a(i as u8)));

const MU_BIAS: i32 = 0x84;
const MU_CLIP: i32 = 32_635;

fn encode_mu(sample: i16) -> u8 {
    let mut s = i32::from(sample);
    let sign = if s < 0 {
        s = -s;
        0x80
    } else {
        0
    };
    s = s.min(MU_CLIP) + MU_BIAS;
    let exponent = (7 - (s.leading_zeros() as i32 - 17)).clamp(0, 7);
    let mantissa = (s >> (exponent + 3)) & 0x0F;
    !(sign | (exponent << 4) as u8 | mantissa as u8)
}

fn decode_mu(byte: u8) -> i16 {
    let b = !byte;
    let exponent = i32::from((b >> 4) & 0x07);
    let mantissa = i32::from(b & 0x0F);
    let magnitude = (((mantissa << 3) + MU_BIAS) << exponent) - MU_BIAS;
    (if b & 0x80 != 0 { -magnitude } else { magnitude }) as i16
}

fn encode_a(sample: i16) -> u8 {
    let mut s = i32::from(sample) >> 3; // 13-bit
    let sign = if s >= 0 {
        0x80
    } else {
        s = -s - 1;
        0
    };
    let s = s.min(0x0FFF);
    let byte = if s < 32 {
        (s >> 1) as u8
    } else {
        let exponent = 31 - s.leading_zeros() as i32 - 4; // 1..=7
        let mantissa = (s >> exponent) & 0x0F;
        ((exponent << 4) | mantissa) as u8
    };
    (byte | sign) ^ 0x55
}

fn decode_a(byte: u8) -> i16 {
    let b = byte ^ 0x55;
    let exponent = i32::from((b >> 4) & 0x07);
    let mantissa = i32::from(b & 0x0F);
    let magnitude = if exponent == 0 {
        (mantissa << 4) + 8
    } else {
        ((mantissa << 4) + 0x108) << (exponent - 1)
    };
    (if b & 0x80 != 0 { magnitude } else { -magnitude }) as i16
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every code decodes to a value that encodes back to the same code (the tables and the
    /// encoders agree), for both laws.
    #[test]
    fn every_code_round_trips() {
        for law in [Law::Mu, Law::A] {
            for code in 0..=255u8 {
                let mut pcm = Vec::new();
                law.decode(&[code], &mut pcm);
                let mut back = Vec::new();
                law.encode(&pcm, &mut back);
                // μ-law has two codes for zero (0x7F and 0xFF); both decode to 0.
                if law == Law::Mu && pcm[0] == 0 {
                    assert!(back[0] == 0xFF || back[0] == 0x7F);
                } else {
                    assert_eq!(
                        back[0], code,
                        "{law:?} code {code:#04x} -> {} -> {:#04x}",
                        pcm[0], back[0]
                    );
                }
            }
        }
    }

    /// Reference points from G.711's tables: silence and full scale.
    #[test]
    fn known_values() {
        let mut out = Vec::new();
        Law::Mu.encode(&[0, 32_767, -32_768, 1_000], &mut out);
        assert_eq!(out, [0xFF, 0x80, 0x00, 0xCE]);
        Law::A.encode(&[0, 32_767, -32_768], &mut out);
        assert_eq!(out, [0xD5, 0xAA, 0x2A]);
    }

    /// Quantization error stays within the law's step for the sample's segment: about 3%
    /// of the value above the smallest segments.
    #[test]
    fn error_is_within_a_segment_step() {
        for law in [Law::Mu, Law::A] {
            for s in (-32_000i32..32_000).step_by(97) {
                let mut bytes = Vec::new();
                law.encode(&[s as i16], &mut bytes);
                let mut pcm = Vec::new();
                law.decode(&bytes, &mut pcm);
                let err = (i32::from(pcm[0]) - s).abs();
                assert!(
                    err <= s.abs() / 16 + 40,
                    "{law:?} {s} -> {} (err {err})",
                    pcm[0]
                );
            }
        }
    }
}
