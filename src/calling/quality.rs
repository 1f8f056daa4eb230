//! A SIP call's live quality as the in-call screen shows it, and the E-model's MOS estimate.

use std::sync::atomic::Ordering;

use serde::Serialize;
use ts_rs::TS;

use crate::sip::devices::DeviceStats;
use crate::sip::media::Stats;

/// Live call quality of a SIP call, measured on this end.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct CallQuality {
    /// The codec, e.g. `PCMU`.
    pub codec: String,
    /// Whether the sound travels encrypted (SRTP) both ways.
    pub encrypted: bool,
    /// Interarrival jitter of what the far end sends (RFC 3550), milliseconds.
    pub jitter_ms: f64,
    /// Share of the far end's packets that never arrived, percent.
    pub loss_percent: f64,
    /// Round trip, milliseconds, once the far end's RTCP report about our stream came.
    pub rtt_ms: Option<f64>,
    /// Delay added on this end: the jitter buffer plus one packet, milliseconds.
    pub delay_ms: f64,
    /// E-model (ITU-T G.107) estimate from loss, codec and the one-way delay (this end's plus
    /// half the round trip), 1 to 4.5.
    pub mos: f64,
    /// Packets received.
    #[ts(type = "number")]
    pub received: u64,
    /// The far end's packets that never arrived.
    #[ts(type = "number")]
    pub lost: u64,
    /// Times the speaker found nothing of the far end's sound buffered (a gap).
    #[ts(type = "number")]
    pub underruns: u64,
    /// 20 ms frames made up for lost or late packets.
    #[ts(type = "number")]
    pub concealed: u64,
}

impl CallQuality {
    /// Reads the counters of a call's stream and devices.
    pub fn measure(codec: &str, media: &Stats, devices: &DeviceStats) -> Self {
        let received = media.received.load(Ordering::Relaxed);
        let lost = media.lost.load(Ordering::Relaxed);
        let loss_percent = if received + lost == 0 {
            0.0
        } else {
            100.0 * lost as f64 / (received + lost) as f64
        };
        // RFC 3550 jitter is in timestamp units: 8 kHz for G.711.
        let jitter_ms = f64::from(media.jitter.load(Ordering::Relaxed)) / 8.0;
        let delay_ms = 20.0 * (devices.delay_frames.load(Ordering::Relaxed) as f64 + 1.0);
        let rtt_ms = match media.rtt_micros.load(Ordering::Relaxed) {
            0 => None,
            micros => Some(micros as f64 / 1000.0),
        };
        Self {
            codec: codec.to_owned(),
            encrypted: media.encrypted.load(Ordering::Relaxed),
            jitter_ms,
            loss_percent,
            rtt_ms,
            delay_ms,
            mos: mos_estimate(loss_percent, delay_ms + rtt_ms.unwrap_or(0.0) / 2.0),
            received,
            lost,
            underruns: devices.underruns.load(Ordering::Relaxed),
            concealed: devices.concealed.load(Ordering::Relaxed),
        }
    }
}

/// The E-model's MOS (ITU-T G.107) for G.711 with random loss, at `delay_ms` one way. Loss
/// robustness is G.113's for G.711 without Appendix I concealment (Ie 0, Bpl 4.3): the jitter
/// buffer only fades the last frame, so the estimate errs low rather than flattering a lossy
/// call (with Appendix I's Bpl 25.1, 5% loss would read 3.9 instead of 2.1).
pub fn mos_estimate(loss_percent: f64, delay_ms: f64) -> f64 {
    let d = delay_ms.max(0.0);
    let id = 0.024 * d + if d > 177.3 { 0.11 * (d - 177.3) } else { 0.0 };
    let ie_eff = 95.0 * loss_percent / (loss_percent + 4.3);
    let r = (93.2 - id - ie_eff).clamp(0.0, 100.0);
    let mos = 1.0 + 0.035 * r + r * (r - 60.0) * (100.0 - r) * 7e-6;
    (mos.clamp(1.0, 4.5) * 100.0).round() / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mos_estimate_follows_the_e_model() {
        // A clean call with a 40 ms buffer: R ≈ 92, MOS ≈ 4.4.
        let clean = mos_estimate(0.0, 60.0);
        assert!((4.35..=4.45).contains(&clean), "{clean}");
        // 5% random loss without proper concealment costs over two points.
        let lossy = mos_estimate(5.0, 60.0);
        assert!((2.0..=2.3).contains(&lossy), "{lossy}");
        // 1% costs about half a point.
        let slight = mos_estimate(1.0, 60.0);
        assert!((3.6..=4.0).contains(&slight), "{slight}");
        // Long delay hurts even without loss.
        assert!(mos_estimate(0.0, 400.0) < 3.7);
        assert_eq!(mos_estimate(100.0, 1000.0), 1.0);
    }
}
