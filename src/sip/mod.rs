//! The native SIP engine: a SIP user agent registered to a SIP domain (Twilio's, or any
//! registrar), with the call's audio carried by RTP in this process.
//!
//! - [`agent`]: registration, placing and taking calls, on rsipstack's transactions and dialogs.
//! - [`call`]: a call ringing in or in progress.
//! - [`sdp`]: the offer/answer for one audio stream.
//! - [`devices`]: the microphone and speaker.
//! - [`playout`]: the jitter buffer, pulled by the speaker's clock.
//! - [`media`]: the RTP stream of one call, paced at 20 ms, with RFC 4733 digits.
//! - [`rtp`], [`g711`]: packets and the G.711 codecs.
//! - [`rtcp`]: reports both ways, and the round trip.
//! - [`srtp`]: SRTP and SRTCP with SDES keys.
//! - [`resample`]: rate conversion between the devices (or files) and 8 kHz.
//! - [`wav`]: files instead of devices, for scripts and tests.

pub mod agent;
pub mod call;
pub mod devices;
pub mod g711;
pub mod media;
pub mod playout;
pub mod resample;
pub mod rtcp;
pub mod rtp;
pub mod sdp;
pub mod srtp;
pub mod wav;

pub use agent::{Ended, Registered, SipAccount, UserAgent};
pub use call::{IncomingCall, SipCall};

/// A random 32-bit number from the OS (RTP SSRC, sequence and timestamp origins, SDP ids).
pub(crate) fn rand_u32() -> u32 {
    let mut bytes = [0u8; 4];
    getrandom::fill(&mut bytes).expect("the OS random source");
    u32::from_ne_bytes(bytes)
}
