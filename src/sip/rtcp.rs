//! RTCP (RFC 3550 §6) beside a call's RTP: sender and receiver reports every few seconds, and
//! the round trip measured from the far end's reports about our stream.
//!
//! We send a compound packet (an SR while we send sound, an RR while we do not, then an SDES
//! with our CNAME) about every 5 s, randomized by half either way as §6.3 asks, and a BYE
//! when the call's media stops. A report block about the far end's stream carries what the
//! receiver already counts: loss, the highest sequence number and the interarrival jitter.
//! When the far end's report about our stream echoes our last SR (LSR) with the time it held
//! it (DLSR), the round trip is the time since we sent that SR less that hold (§6.4.1).
//!
//! The RTP socket's port is even and RTCP uses the next one (§11), unless the far end's SDP
//! names another with `a=rtcp:` (RFC 3605).

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rsipstack::platform::CancellationToken;
use tokio::net::UdpSocket;
use tokio::time::Instant;

use super::media::Stats;
use super::sdp::Remote;
use crate::Error;

/// The RTP and RTCP sockets of one call: an even port and the one above it.
#[derive(Debug)]
pub struct Ports {
    /// RTP, on an even port.
    pub rtp: UdpSocket,
    /// RTCP, on the RTP port + 1.
    pub rtcp: UdpSocket,
}

/// Where RTP ports are picked from: the range softphones and Twilio's own edges use.
const PORTS: std::ops::Range<u16> = 16_384..32_768;

impl Ports {
    /// Binds an even port and the next one on `ip`.
    ///
    /// # Errors
    /// [`crate::Code::Network`] when no pair is free after many tries.
    pub async fn bind(ip: IpAddr) -> Result<Self, Error> {
        let mut last = None;
        for _ in 0..64 {
            let span = u32::from(PORTS.end - PORTS.start) / 2;
            let port = PORTS.start + 2 * (super::rand_u32() % span) as u16;
            let rtp = match UdpSocket::bind(SocketAddr::new(ip, port)).await {
                Ok(socket) => socket,
                Err(e) => {
                    last = Some(e);
                    continue;
                }
            };
            match UdpSocket::bind(SocketAddr::new(ip, port + 1)).await {
                Ok(rtcp) => return Ok(Self { rtp, rtcp }),
                Err(e) => last = Some(e),
            }
        }
        Err(super::agent::sip_error(
            "Cannot open a pair of UDP ports for the call's audio",
            last.map_or_else(|| "none free".to_owned(), |e| e.to_string()),
        ))
    }
}

/// A wall-clock instant as NTP's 64-bit fixed point (seconds since 1900 in the high half).
fn ntp_now() -> u64 {
    let since = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let seconds = since.as_secs() + 2_208_988_800;
    let fraction = (u64::from(since.subsec_nanos()) << 32) / 1_000_000_000;
    (seconds << 32) | fraction
}

/// The middle 32 bits of an NTP timestamp: what LSR echoes, in 1/65,536 s.
fn middle(ntp: u64) -> u32 {
    (ntp >> 16) as u32
}

/// One report block (§6.4.1): what a receiver says about one sender's stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ReportBlock {
    /// The stream reported on.
    pub ssrc: u32,
    /// Share of packets lost since the last report, in 1/256.
    pub fraction_lost: u8,
    /// Packets lost in all (24 bits, signed).
    pub cumulative_lost: i32,
    /// Highest sequence number received, with the count of wraps above it.
    pub highest_sequence: u32,
    /// Interarrival jitter, in timestamp units.
    pub jitter: u32,
    /// The middle of the NTP timestamp of the last SR from the reported stream, or 0.
    pub last_sr: u32,
    /// Time between receiving that SR and sending this report, in 1/65,536 s.
    pub delay_since_last_sr: u32,
}

impl ReportBlock {
    fn write(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.ssrc.to_be_bytes());
        let lost = (self.cumulative_lost.clamp(-0x80_0000, 0x7F_FFFF) as u32) & 0x00FF_FFFF;
        out.extend_from_slice(&((u32::from(self.fraction_lost) << 24) | lost).to_be_bytes());
        out.extend_from_slice(&self.highest_sequence.to_be_bytes());
        out.extend_from_slice(&self.jitter.to_be_bytes());
        out.extend_from_slice(&self.last_sr.to_be_bytes());
        out.extend_from_slice(&self.delay_since_last_sr.to_be_bytes());
    }

    fn read(bytes: &[u8]) -> Self {
        let word =
            |i: usize| u32::from_be_bytes([bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]]);
        let lost = word(4) & 0x00FF_FFFF;
        Self {
            ssrc: word(0),
            fraction_lost: bytes[4],
            // Sign-extend the 24-bit count.
            cumulative_lost: ((lost << 8) as i32) >> 8,
            highest_sequence: word(8),
            jitter: word(12),
            last_sr: word(16),
            delay_since_last_sr: word(20),
        }
    }
}

/// What a sender report says about its sender.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SenderInfo {
    /// When it was sent, NTP.
    pub ntp: u64,
    /// The same instant on the sender's RTP clock (ours: the last packet's timestamp, so
    /// within 20 ms, which only a video stream's lip sync would notice).
    pub rtp_timestamp: u32,
    /// Packets sent so far.
    pub packets: u32,
    /// Payload octets sent so far.
    pub octets: u32,
}

/// One RTCP packet of a compound datagram, as far as we use it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Report {
    /// A sender report (PT 200).
    Sender {
        /// Who sent it.
        ssrc: u32,
        /// Its sender information.
        info: SenderInfo,
        /// What it says about the streams it receives.
        blocks: Vec<ReportBlock>,
    },
    /// A receiver report (PT 201).
    Receiver {
        /// Who sent it.
        ssrc: u32,
        /// What it says about the streams it receives.
        blocks: Vec<ReportBlock>,
    },
    /// The sender is leaving (PT 203).
    Bye,
    /// SDES, APP or a type we do not read.
    Other(u8),
}

/// Why a datagram is not RTCP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// Shorter than its headers say.
    #[error("truncated RTCP packet")]
    Truncated,
    /// Not version 2.
    #[error("not RTCP version 2")]
    Version,
}

/// Reads a compound RTCP datagram.
///
/// # Errors
/// [`ParseError`] when any packet in it is malformed (the whole datagram is then ignored).
pub fn parse(mut data: &[u8]) -> Result<Vec<Report>, ParseError> {
    let mut reports = Vec::new();
    if data.is_empty() {
        return Err(ParseError::Truncated);
    }
    while !data.is_empty() {
        if data.len() < 4 {
            return Err(ParseError::Truncated);
        }
        if data[0] >> 6 != 2 {
            return Err(ParseError::Version);
        }
        let count = usize::from(data[0] & 0x1F);
        let kind = data[1];
        let length = 4 * (usize::from(u16::from_be_bytes([data[2], data[3]])) + 1);
        let packet = data.get(..length).ok_or(ParseError::Truncated)?;
        data = &data[length..];
        let ssrc = || u32::from_be_bytes([packet[4], packet[5], packet[6], packet[7]]);
        let blocks = |from: usize| -> Result<Vec<ReportBlock>, ParseError> {
            let end = from + 24 * count;
            let bytes = packet.get(from..end).ok_or(ParseError::Truncated)?;
            Ok(bytes.chunks_exact(24).map(ReportBlock::read).collect())
        };
        reports.push(match kind {
            200 => {
                if packet.len() < 28 {
                    return Err(ParseError::Truncated);
                }
                let word = |i: usize| {
                    u32::from_be_bytes([packet[i], packet[i + 1], packet[i + 2], packet[i + 3]])
                };
                Report::Sender {
                    ssrc: ssrc(),
                    info: SenderInfo {
                        ntp: (u64::from(word(8)) << 32) | u64::from(word(12)),
                        rtp_timestamp: word(16),
                        packets: word(20),
                        octets: word(24),
                    },
                    blocks: blocks(28)?,
                }
            }
            201 => {
                if packet.len() < 8 {
                    return Err(ParseError::Truncated);
                }
                Report::Receiver {
                    ssrc: ssrc(),
                    blocks: blocks(8)?,
                }
            }
            203 => Report::Bye,
            other => Report::Other(other),
        });
    }
    Ok(reports)
}

/// Appends a packet header for `kind` with `count`, and returns where its length goes.
fn header(out: &mut Vec<u8>, count: usize, kind: u8) -> usize {
    let at = out.len();
    out.extend_from_slice(&[0x80 | count as u8, kind, 0, 0]);
    at
}

/// Fills in the length of the packet that starts at `at`, padding it to a 32-bit boundary.
fn close(out: &mut Vec<u8>, at: usize) {
    while !(out.len() - at).is_multiple_of(4) {
        out.push(0);
    }
    let words = ((out.len() - at) / 4 - 1) as u16;
    out[at + 2..at + 4].copy_from_slice(&words.to_be_bytes());
}

/// Writes a compound report: an SR when `info` is given (else an RR), with `block` if any,
/// then an SDES naming `cname`.
pub fn write_report(
    out: &mut Vec<u8>,
    ssrc: u32,
    info: Option<SenderInfo>,
    block: Option<ReportBlock>,
    cname: &str,
) {
    out.clear();
    let count = usize::from(block.is_some());
    let at = header(out, count, if info.is_some() { 200 } else { 201 });
    out.extend_from_slice(&ssrc.to_be_bytes());
    if let Some(info) = info {
        out.extend_from_slice(&info.ntp.to_be_bytes());
        out.extend_from_slice(&info.rtp_timestamp.to_be_bytes());
        out.extend_from_slice(&info.packets.to_be_bytes());
        out.extend_from_slice(&info.octets.to_be_bytes());
    }
    if let Some(block) = block {
        block.write(out);
    }
    close(out, at);
    let at = header(out, 1, 202);
    out.extend_from_slice(&ssrc.to_be_bytes());
    let name = &cname.as_bytes()[..cname.len().min(255)];
    out.extend_from_slice(&[1, name.len() as u8]);
    out.extend_from_slice(name);
    // The item list ends with a null octet, then padding to the word.
    out.push(0);
    close(out, at);
}

/// Appends a BYE for `ssrc`.
pub fn write_bye(out: &mut Vec<u8>, ssrc: u32) {
    let at = header(out, 1, 203);
    out.extend_from_slice(&ssrc.to_be_bytes());
    close(out, at);
}

/// What the receiving side learnt from the far end's last SR.
#[derive(Clone, Copy)]
struct LastSr {
    middle: u32,
    at: Instant,
}

/// How far below zero a round trip may come out from both ends' rounding: 1 ms.
const ROUNDING: i32 = 66;

/// The round trip from a report block about our stream that echoes one of our SRs, in
/// microseconds; `now` is the middle of the NTP time it arrived.
pub fn round_trip(block: &ReportBlock, now: u32) -> Option<u64> {
    if block.last_sr == 0 {
        return None;
    }
    let units = now
        .wrapping_sub(block.last_sr)
        .wrapping_sub(block.delay_since_last_sr) as i32;
    // Both ends round to 1/65,536 s, so a path of microseconds (loopback) can come out a few
    // units below zero: that is a round trip of about nothing. Far below zero (clocks, or a
    // forged report) is not a round trip at all.
    match units {
        u if u >= 0 => Some(u64::from(u.unsigned_abs()) * 1_000_000 / 65_536),
        u if u > -ROUNDING => Some(0),
        _ => None,
    }
}

/// Sends our reports to `remote` and reads the far end's, until `stop`; then says BYE.
pub(super) async fn run(
    socket: UdpSocket,
    remote: tokio::sync::watch::Receiver<Remote>,
    stats: Arc<Stats>,
    stop: CancellationToken,
    mut srtcp: Option<(super::srtp::Sender, super::srtp::Receiver)>,
) {
    let ssrc = stats.ssrc.load(Ordering::Relaxed);
    let cname = format!("{ssrc:08x}@switchboard");
    let mut buf = vec![0u8; 1500];
    let mut out = Vec::with_capacity(128);
    let mut last_sr: Option<LastSr> = None;
    // (highest sequence, received) at the last report, for the fraction lost since.
    let mut previous = (None::<u32>, 0u64);
    let mut sent_before = 0u64;
    let jittered = |base: f64| {
        Duration::from_secs_f64(base * (0.5 + f64::from(super::rand_u32() % 1000) / 1000.0))
    };
    // The first report after about a second (§6.2 asks for half the interval, which is for
    // sessions of many members; a call has two, and the round trip is wanted early).
    let mut next = Instant::now() + jittered(1.0);
    loop {
        tokio::select! {
            _ = stop.cancelled() => break,
            _ = tokio::time::sleep_until(next) => {
                next = Instant::now() + jittered(5.0);
                let sent = stats.sent.load(Ordering::Relaxed);
                let info = (sent > sent_before).then(|| SenderInfo {
                    ntp: ntp_now(),
                    rtp_timestamp: stats.last_timestamp.load(Ordering::Relaxed),
                    packets: sent as u32,
                    octets: stats.sent_octets.load(Ordering::Relaxed) as u32,
                });
                sent_before = sent;
                let block = receiver_block(&stats, &mut previous, last_sr);
                write_report(&mut out, ssrc, info, block, &cname);
                if let Some((protect, _)) = srtcp.as_mut() {
                    protect.protect_rtcp(&mut out);
                }
                let to = remote.borrow().rtcp;
                let _ = socket.send_to(&out, to).await;
            }
            got = socket.recv_from(&mut buf) => {
                let Ok((len, from)) = got else { continue };
                let now = middle(ntp_now());
                let expected = remote.borrow().rtcp.ip();
                let mut data = buf[..len].to_vec();
                if let Some((_, unprotect)) = srtcp.as_mut()
                    && unprotect.unprotect_rtcp(&mut data).is_err()
                {
                    stats.discarded.fetch_add(1, Ordering::Relaxed);
                    continue;
                }
                let reports = match parse(&data) {
                    Ok(reports) if from.ip() == expected => reports,
                    _ => {
                        stats.discarded.fetch_add(1, Ordering::Relaxed);
                        continue;
                    }
                };
                stats.rtcp_received.fetch_add(1, Ordering::Relaxed);
                for report in reports {
                    let blocks = match report {
                        Report::Sender { info, blocks, .. } => {
                            last_sr = Some(LastSr { middle: middle(info.ntp), at: Instant::now() });
                            blocks
                        }
                        Report::Receiver { blocks, .. } => blocks,
                        Report::Bye | Report::Other(_) => continue,
                    };
                    for block in blocks.iter().filter(|b| b.ssrc == ssrc) {
                        if let Some(rtt) = round_trip(block, now) {
                            // 0 means "not measured yet": a measured nothing is 1 µs.
                            stats.rtt_micros.store(rtt.max(1), Ordering::Relaxed);
                        }
                    }
                }
            }
        }
    }
    out.clear();
    let info = SenderInfo {
        ntp: ntp_now(),
        rtp_timestamp: stats.last_timestamp.load(Ordering::Relaxed),
        packets: stats.sent.load(Ordering::Relaxed) as u32,
        octets: stats.sent_octets.load(Ordering::Relaxed) as u32,
    };
    let block = receiver_block(&stats, &mut previous, last_sr);
    write_report(&mut out, ssrc, Some(info), block, &cname);
    write_bye(&mut out, ssrc);
    if let Some((protect, _)) = srtcp.as_mut() {
        protect.protect_rtcp(&mut out);
    }
    let to = remote.borrow().rtcp;
    let _ = socket.send_to(&out, to).await;
}

/// Our report about the far end's stream, once it has sent anything.
fn receiver_block(
    stats: &Stats,
    previous: &mut (Option<u32>, u64),
    last_sr: Option<LastSr>,
) -> Option<ReportBlock> {
    let received = stats.received.load(Ordering::Relaxed);
    if received == 0 {
        return None;
    }
    let highest = stats.highest_sequence.load(Ordering::Relaxed);
    let fraction_lost = match previous.0 {
        Some(before) => {
            let expected = u64::from(highest.wrapping_sub(before));
            let got = received - previous.1;
            if expected > got {
                ((expected - got) * 256 / expected).min(255) as u8
            } else {
                0
            }
        }
        None => 0,
    };
    *previous = (Some(highest), received);
    Some(ReportBlock {
        ssrc: stats.remote_ssrc.load(Ordering::Relaxed),
        fraction_lost,
        cumulative_lost: stats.lost.load(Ordering::Relaxed).min(0x7F_FFFF) as i32,
        highest_sequence: highest,
        jitter: stats.jitter.load(Ordering::Relaxed),
        last_sr: last_sr.map_or(0, |sr| sr.middle),
        delay_since_last_sr: last_sr.map_or(0, |sr| {
            (sr.at.elapsed().as_micros() * 65_536 / 1_000_000).min(u128::from(u32::MAX)) as u32
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block() -> ReportBlock {
        ReportBlock {
            ssrc: 0xDEAD_BEEF,
            fraction_lost: 25,
            cumulative_lost: -3,
            highest_sequence: 0x0001_0005,
            jitter: 42,
            last_sr: 0x1234_5678,
            delay_since_last_sr: 65_536,
        }
    }

    #[test]
    fn a_sender_report_reads_back_with_its_block_after_the_sdes() {
        let info = SenderInfo {
            ntp: 0xE000_0000_8000_0000,
            rtp_timestamp: 160,
            packets: 50,
            octets: 8_000,
        };
        let mut out = Vec::new();
        write_report(&mut out, 7, Some(info), Some(block()), "7@switchboard");
        write_bye(&mut out, 7);
        assert_eq!(out.len() % 4, 0);
        // SR: 4 header + 4 SSRC + 20 info + 24 block.
        assert_eq!(&out[..4], &[0x81, 200, 0, 12]);
        let reports = parse(&out).unwrap();
        assert_eq!(
            reports,
            vec![
                Report::Sender {
                    ssrc: 7,
                    info,
                    blocks: vec![block()]
                },
                Report::Other(202),
                Report::Bye,
            ]
        );
    }

    #[test]
    fn a_receiver_report_without_blocks_is_eight_bytes_and_an_sdes() {
        let mut out = Vec::new();
        write_report(&mut out, 9, None, None, "x");
        assert_eq!(&out[..8], &[0x80, 201, 0, 1, 0, 0, 0, 9]);
        // SDES: header, SSRC, CNAME item (1, 1, 'x'), end, one byte of padding.
        assert_eq!(&out[8..], &[0x81, 202, 0, 2, 0, 0, 0, 9, 1, 1, b'x', 0]);
        assert_eq!(
            parse(&out).unwrap(),
            vec![
                Report::Receiver {
                    ssrc: 9,
                    blocks: vec![]
                },
                Report::Other(202)
            ]
        );
    }

    /// A receiver report laid out as libre (baresip's stack) sends one, byte by byte.
    #[test]
    fn reads_a_report_from_another_stack() {
        let datagram: [u8; 32] = [
            0x81, 0xC9, 0x00, 0x07, 0x3A, 0x1F, 0x11, 0x02, // RR from 0x3a1f1102
            0x00, 0x00, 0x00, 0x07, 0x00, 0x00, 0x00, 0x00, // about SSRC 7: none lost
            0x00, 0x00, 0x12, 0x34, 0x00, 0x00, 0x00, 0x03, // highest 0x1234, jitter 3
            0xAB, 0xCD, 0x00, 0x01, 0x00, 0x00, 0x80, 0x00, // LSR, DLSR half a second
        ];
        let reports = parse(&datagram).unwrap();
        let Report::Receiver { ssrc, blocks } = &reports[0] else {
            panic!("{reports:?}")
        };
        assert_eq!(*ssrc, 0x3A1F_1102);
        assert_eq!(blocks[0].highest_sequence, 0x1234);
        assert_eq!(blocks[0].jitter, 3);
        // It arrived 0.6 s after that SR was sent and was held 0.5 s: 100 ms there and back.
        let now = 0xABCD_0001u32.wrapping_add(0x0000_999A);
        let rtt = round_trip(&blocks[0], now).unwrap();
        assert!((99_000..101_000).contains(&rtt), "{rtt}");
    }

    #[test]
    fn no_round_trip_without_an_echoed_sr_or_from_a_report_from_the_future() {
        let mut b = block();
        b.last_sr = 0;
        assert_eq!(round_trip(&b, 0x2000_0000), None);
        let b = block();
        assert_eq!(
            round_trip(&b, b.last_sr),
            None,
            "held a second longer than it took"
        );
        // A few units below zero is rounding on a path of microseconds.
        let now = b
            .last_sr
            .wrapping_add(b.delay_since_last_sr)
            .wrapping_sub(3);
        assert_eq!(round_trip(&b, now), Some(0));
    }

    #[test]
    fn malformed_datagrams_are_refused() {
        let mut out = Vec::new();
        write_report(&mut out, 7, None, Some(block()), "7");
        for bad in [&[][..], &out[..3], &out[..20], &[0x40, 201, 0, 0][..]] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
        // A length that claims more than the datagram holds.
        let mut long = out.clone();
        long[3] = 200;
        assert_eq!(parse(&long), Err(ParseError::Truncated));
        // A report count with no room for the blocks.
        let mut counted = out;
        counted[0] = 0x80 | 5;
        assert_eq!(parse(&counted), Err(ParseError::Truncated));
    }

    #[tokio::test]
    async fn ports_are_an_even_one_and_the_next() {
        let ports = Ports::bind("127.0.0.1".parse().unwrap()).await.unwrap();
        let rtp = ports.rtp.local_addr().unwrap().port();
        assert_eq!(rtp % 2, 0);
        assert_eq!(ports.rtcp.local_addr().unwrap().port(), rtp + 1);
    }
}
