//! One call's RTP stream: 20 ms G.711 packets sent on a steady clock from a [`Source`], and
//! packets received written to a [`Sink`] by their RTP timestamps (a gap or a late packet
//! lands where it belongs, silence where nothing came). RFC 4733 digits go out in place of
//! the sound while they play. Mute sends no packets of sound; hold follows the direction.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::time::Duration;

use rsipstack::platform::CancellationToken;
use tokio::net::UdpSocket;
use tokio::sync::{mpsc, watch};

use super::g711::Law;
use super::rand_u32;
use super::rtcp::{self, Ports};
use super::rtp::Packet;
use super::sdp::{Direction, Remote};
use super::srtp::{self, MasterKey};

/// Samples per second of G.711.
pub const RATE: u32 = 8_000;
/// Samples in one 20 ms packet.
pub const FRAME: usize = 160;

/// Where the sound we send comes from: 8 kHz mono, one 20 ms frame at a time.
pub trait Source: Send + 'static {
    /// Fills `frame` with the next 20 ms. Returns false when there is nothing more to send
    /// (the frame is then silence).
    fn fill(&mut self, frame: &mut [i16; FRAME]) -> bool;
}

/// Where the sound we receive goes: 8 kHz mono, placed by its offset from the first sample.
pub trait Sink: Send + 'static {
    /// `pcm` starts `offset` samples after the first sample of the call.
    fn write(&mut self, offset: u64, pcm: &[i16]);
    /// The call is over: flush what is held.
    ///
    /// # Errors
    /// A sink that writes a file reports why it could not.
    fn finish(&mut self) -> Result<(), String>;
}

/// Silence forever: a call that only listens.
#[derive(Debug, Default)]
pub struct Silence;

impl Source for Silence {
    fn fill(&mut self, frame: &mut [i16; FRAME]) -> bool {
        frame.fill(0);
        true
    }
}

/// Counters of one stream, read while the call goes on.
#[derive(Debug, Default)]
pub struct Stats {
    /// RTP packets sent (sound and digits).
    pub sent: AtomicU64,
    /// RTP packets received and accepted.
    pub received: AtomicU64,
    /// Packets the far end sent that never arrived, from the sequence numbers.
    pub lost: AtomicU64,
    /// Interarrival jitter (RFC 3550 §6.4.1), in samples.
    pub jitter: AtomicU32,
    /// Datagrams thrown away: not RTP (or RTCP), another payload type, or from elsewhere.
    pub discarded: AtomicU64,
    /// Payload octets sent (for RTCP sender reports).
    pub sent_octets: AtomicU64,
    /// Our stream's SSRC.
    pub ssrc: AtomicU32,
    /// The timestamp of the last packet we sent.
    pub last_timestamp: AtomicU32,
    /// The far end's SSRC, once it has sent.
    pub remote_ssrc: AtomicU32,
    /// The highest sequence number received, with the count of its wraps in the high half.
    pub highest_sequence: AtomicU32,
    /// RTCP datagrams received from the far end.
    pub rtcp_received: AtomicU64,
    /// The round trip from the far end's last RTCP report about our stream, in microseconds
    /// (0 until one has come).
    pub rtt_micros: AtomicU64,
    /// Whether both directions are SRTP.
    pub encrypted: AtomicBool,
}

/// The running stream; dropping it stops both directions.
#[derive(Debug)]
pub struct Media {
    stop: CancellationToken,
    muted: Arc<AtomicBool>,
    direction: Arc<AtomicU32>,
    digits: mpsc::UnboundedSender<u8>,
    /// Counters, updated as packets come and go.
    pub stats: Arc<Stats>,
    remote: watch::Sender<Remote>,
    receiver: tokio::task::JoinHandle<Result<(), String>>,
    sender: tokio::task::JoinHandle<()>,
    reports: tokio::task::JoinHandle<()>,
}

impl Media {
    /// Starts sending `source` to and receiving into `sink` from `remote`, on `ports` (RTP,
    /// and RTCP beside it). With `ours` (our SRTP master key) and the far end's in `remote`,
    /// both ways are SRTP; otherwise plain RTP.
    pub fn start(
        ports: Ports,
        remote: &Remote,
        direction: Direction,
        source: Box<dyn Source>,
        sink: Box<dyn Sink>,
        ours: Option<MasterKey>,
    ) -> Self {
        let keys = ours.zip(remote.crypto.map(|(_, theirs)| theirs));
        let socket = Arc::new(ports.rtp);
        let stop = CancellationToken::new();
        let muted = Arc::new(AtomicBool::new(false));
        let direction = Arc::new(AtomicU32::new(direction as u32));
        let stats = Arc::new(Stats::default());
        stats.ssrc.store(rand_u32(), Ordering::Relaxed);
        stats.encrypted.store(keys.is_some(), Ordering::Relaxed);
        let (digits, digit_rx) = mpsc::unbounded_channel();
        let shared = || SendShared {
            stop: stop.clone(),
            muted: muted.clone(),
            direction: direction.clone(),
            stats: stats.clone(),
        };
        let (remote_tx, remote_rx) = watch::channel(*remote);
        let sender = tokio::spawn(send_loop(
            socket.clone(),
            remote_rx.clone(),
            source,
            digit_rx,
            shared(),
            keys.map(|(ours, _)| srtp::Sender::new(&ours)),
        ));
        let receiver = tokio::spawn(receive_loop(
            socket,
            remote_rx.clone(),
            sink,
            shared(),
            keys.map(|(_, theirs)| srtp::Receiver::new(&theirs)),
        ));
        let reports = tokio::spawn(rtcp::run(
            ports.rtcp,
            remote_rx,
            stats.clone(),
            stop.clone(),
            keys.map(|(ours, theirs)| (srtp::Sender::new(&ours), srtp::Receiver::new(&theirs))),
        ));
        Self {
            stop,
            muted,
            direction,
            digits,
            stats,
            remote: remote_tx,
            receiver,
            sender,
            reports,
        }
    }

    /// The codec in use.
    pub fn law(&self) -> Law {
        self.remote.borrow().law
    }

    /// Moves the stream to the far end's final answer (a call whose early media came from
    /// a provisional answer's description): address, codec and events.
    pub fn update_remote(&self, remote: &Remote) {
        self.remote.send_replace(*remote);
    }

    /// Mutes or unmutes: while muted no sound packets leave this machine.
    pub fn set_muted(&self, muted: bool) {
        self.muted.store(muted, Ordering::Relaxed);
    }

    /// Changes which way media flows (hold is `SendOnly` from the holder, `RecvOnly` for the
    /// one held).
    pub fn set_direction(&self, direction: Direction) {
        self.direction.store(direction as u32, Ordering::Relaxed);
    }

    /// Queues a keypad digit (`0-9`, `*`, `#`, `A-D`) as an RFC 4733 event.
    ///
    /// # Errors
    /// A message naming the character that is not a keypad key.
    pub fn send_digit(&self, key: char) -> Result<(), String> {
        let event = match key {
            '0'..='9' => key as u8 - b'0',
            '*' => 10,
            '#' => 11,
            'A'..='D' => key as u8 - b'A' + 12,
            _ => return Err(format!("{key:?} is not a keypad key (0-9, *, #, A-D)")),
        };
        self.digits
            .send(event)
            .map_err(|_| "the call's media has stopped".to_owned())
    }

    /// Stops both directions and flushes the sink.
    ///
    /// # Errors
    /// The sink's error (for example a file that could not be written).
    pub async fn stop(self) -> Result<(), String> {
        self.stop.cancel();
        let _ = self.sender.await;
        // The RTCP task says BYE on its way out.
        let _ = self.reports.await;
        self.receiver
            .await
            .map_err(|e| format!("the receiving task failed: {e}"))?
    }
}

/// What the two loops share with the handle.
struct SendShared {
    stop: CancellationToken,
    muted: Arc<AtomicBool>,
    direction: Arc<AtomicU32>,
    stats: Arc<Stats>,
}

fn sends(direction: u32) -> bool {
    direction == Direction::SendRecv as u32 || direction == Direction::SendOnly as u32
}

fn receives(direction: u32) -> bool {
    direction == Direction::SendRecv as u32 || direction == Direction::RecvOnly as u32
}

/// A digit is sent for 100 ms, then its end packet three times (RFC 4733 §2.5.1.4).
const DIGIT_SAMPLES: u16 = 800;

async fn send_loop(
    socket: Arc<UdpSocket>,
    mut remote_rx: watch::Receiver<Remote>,
    mut source: Box<dyn Source>,
    mut digits: mpsc::UnboundedReceiver<u8>,
    shared: SendShared,
    mut protect: Option<srtp::Sender>,
) {
    let ssrc = shared.stats.ssrc.load(Ordering::Relaxed);
    let mut sequence = rand_u32() as u16;
    let mut timestamp = rand_u32();
    let mut frame = [0i16; FRAME];
    let mut payload = Vec::with_capacity(FRAME);
    let mut datagram = Vec::with_capacity(12 + FRAME);
    let mut tick = tokio::time::interval(Duration::from_millis(20));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let mut talkspurt = true;
    // (event, start timestamp, samples so far, end packets sent)
    let mut digit: Option<(u8, u32, u16, u8)> = None;
    let mut remote = *remote_rx.borrow_and_update();
    loop {
        tokio::select! {
            _ = shared.stop.cancelled() => return,
            _ = tick.tick() => {}
        }
        if remote_rx.has_changed().unwrap_or(false) {
            remote = *remote_rx.borrow_and_update();
        }
        source.fill(&mut frame);
        let direction = shared.direction.load(Ordering::Relaxed);
        if digit.is_none()
            && let Ok(event) = digits.try_recv()
            && remote.telephone_event.is_some()
        {
            digit = Some((event, timestamp, 0, 0));
        }
        let packet = if let (Some((event, start, samples, ends)), Some(pt)) =
            (digit.as_mut(), remote.telephone_event)
        {
            *samples = (*samples + FRAME as u16).min(DIGIT_SAMPLES);
            let end = *samples >= DIGIT_SAMPLES;
            if end {
                *ends += 1;
            }
            payload.clear();
            payload.extend_from_slice(&[*event, if end { 0x80 | 10 } else { 10 }]);
            payload.extend_from_slice(&samples.to_be_bytes());
            let marker = *samples == FRAME as u16;
            let start = *start;
            if *ends >= 3 {
                digit = None;
                talkspurt = true;
            }
            Some(Packet {
                payload_type: pt,
                marker,
                sequence,
                timestamp: start,
                ssrc,
                payload: &payload,
            })
        } else if sends(direction) && !shared.muted.load(Ordering::Relaxed) {
            remote.law.encode(&frame, &mut payload);
            let marker = std::mem::take(&mut talkspurt);
            Some(Packet {
                payload_type: remote.law.payload_type(),
                marker,
                sequence,
                timestamp,
                ssrc,
                payload: &payload,
            })
        } else {
            talkspurt = true;
            None
        };
        if let Some(packet) = packet {
            packet.write(&mut datagram);
            let octets = packet.payload.len() as u64;
            if let Some(protect) = protect.as_mut() {
                protect.protect_rtp(&mut datagram);
            }
            sequence = sequence.wrapping_add(1);
            if socket.send_to(&datagram, remote.rtp).await.is_ok() {
                let stats = &shared.stats;
                stats.sent.fetch_add(1, Ordering::Relaxed);
                stats.sent_octets.fetch_add(octets, Ordering::Relaxed);
                stats.last_timestamp.store(timestamp, Ordering::Relaxed);
            }
        }
        timestamp = timestamp.wrapping_add(FRAME as u32);
    }
}

async fn receive_loop(
    socket: Arc<UdpSocket>,
    mut remote_rx: watch::Receiver<Remote>,
    mut sink: Box<dyn Sink>,
    shared: SendShared,
    mut unprotect: Option<srtp::Receiver>,
) -> Result<(), String> {
    let SendShared {
        stop,
        direction,
        stats,
        ..
    } = shared;
    let mut buf = vec![0u8; 2048];
    let mut plain: Vec<u8> = Vec::with_capacity(2048);
    let mut pcm = Vec::with_capacity(FRAME * 2);
    // The stream's first packet fixes the origin of timestamps and sequence numbers.
    let mut origin: Option<(u32, u32)> = None; // (ssrc, first timestamp)
    let mut highest: Option<u16> = None;
    let mut cycles: u32 = 0;
    let mut expected_gap_total: u64 = 0;
    let mut transit_prev: Option<i64> = None;
    let mut jitter: f64 = 0.0;
    let started = tokio::time::Instant::now();
    loop {
        let (len, from): (usize, SocketAddr) = tokio::select! {
            _ = stop.cancelled() => break,
            got = socket.recv_from(&mut buf) => match got {
                Ok(got) => got,
                // ICMP port unreachable from a far end that went away shows up here on Linux.
                Err(_) => continue,
            },
        };
        let remote = *remote_rx.borrow_and_update();
        let data: &[u8] = match unprotect.as_mut() {
            Some(unprotect) => {
                plain.clear();
                plain.extend_from_slice(&buf[..len]);
                if unprotect.unprotect_rtp(&mut plain).is_err() {
                    // Forged, replayed, or not SRTP at all.
                    stats.discarded.fetch_add(1, Ordering::Relaxed);
                    continue;
                }
                &plain
            }
            None => &buf[..len],
        };
        let Ok(packet) = Packet::parse(data) else {
            stats.discarded.fetch_add(1, Ordering::Relaxed);
            continue;
        };
        if packet.payload_type != remote.law.payload_type() || from.ip() != remote.rtp.ip() {
            // Telephone events and comfort noise are not sound to write.
            stats.discarded.fetch_add(1, Ordering::Relaxed);
            continue;
        }
        let (ssrc, first) = *origin.get_or_insert_with(|| {
            stats.remote_ssrc.store(packet.ssrc, Ordering::Relaxed);
            (packet.ssrc, packet.timestamp)
        });
        if packet.ssrc != ssrc {
            stats.discarded.fetch_add(1, Ordering::Relaxed);
            continue;
        }
        stats.received.fetch_add(1, Ordering::Relaxed);
        // Loss from sequence numbers: count the holes when the highest number moves on.
        match highest {
            None => highest = Some(packet.sequence),
            Some(h) => {
                let ahead = packet.sequence.wrapping_sub(h);
                if ahead != 0 && ahead < 0x8000 {
                    expected_gap_total += u64::from(ahead - 1);
                    if packet.sequence < h {
                        cycles = cycles.wrapping_add(1 << 16);
                    }
                    highest = Some(packet.sequence);
                } else if ahead != 0 {
                    // A late packet fills one of the holes counted before.
                    expected_gap_total = expected_gap_total.saturating_sub(1);
                }
            }
        }
        stats.lost.store(expected_gap_total, Ordering::Relaxed);
        if let Some(h) = highest {
            stats
                .highest_sequence
                .store(cycles | u32::from(h), Ordering::Relaxed);
        }
        // RFC 3550 jitter, in samples.
        let arrival = (started.elapsed().as_micros() as i64) * i64::from(RATE) / 1_000_000;
        let transit = arrival - i64::from(packet.timestamp);
        if let Some(prev) = transit_prev {
            let d = (transit - prev).abs() as f64;
            jitter += (d - jitter) / 16.0;
            stats.jitter.store(jitter as u32, Ordering::Relaxed);
        }
        transit_prev = Some(transit);
        if !receives(direction.load(Ordering::Relaxed)) {
            continue;
        }
        pcm.clear();
        remote.law.decode(packet.payload, &mut pcm);
        let offset = u64::from(packet.timestamp.wrapping_sub(first));
        // A timestamp from before the first packet (reordered start) wraps to a huge offset:
        // drop it rather than write hours of silence.
        if offset < u64::from(RATE) * 60 * 60 * 24 {
            sink.write(offset, &pcm);
        }
    }
    sink.finish()
}
