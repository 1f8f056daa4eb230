//! The SIP engine's media over a bad network: two RTP streams of the core on loopback, with a
//! small UDP relay between them that drops 5% of the packets and delays each by 0 to 40 ms
//! (so some also arrive out of order). The listening end's jitter buffer is pulled every
//! 20 ms, as the speaker would; what it plays must never fall silent for longer than 60 ms.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use switchboard::sip::devices::DeviceStats;
use switchboard::sip::g711::Law;
use switchboard::sip::media::{FRAME, Media, Silence, Sink, Source};
use switchboard::sip::playout;
use switchboard::sip::rtcp::Ports;
use switchboard::sip::sdp::{Direction, Remote};
use tokio::net::UdpSocket;

const LOOPBACK: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

/// A 1 kHz tone at half scale, for ever.
struct Tone(u64);

impl Source for Tone {
    fn fill(&mut self, frame: &mut [i16; FRAME]) -> bool {
        for s in frame.iter_mut() {
            let t = self.0 as f32 / 8_000.0;
            *s = (16_384.0 * (2.0 * std::f32::consts::PI * 1_000.0 * t).sin()) as i16;
            self.0 += 1;
        }
        true
    }
}

/// Nothing is kept of what the talking end receives.
struct Nowhere;

impl Sink for Nowhere {
    fn write(&mut self, _: u64, _: &[i16]) {}
    fn finish(&mut self) -> Result<(), String> {
        Ok(())
    }
}

/// A deterministic random stream (xorshift), so a failure can be run again as it was.
struct Dice(u64);

impl Dice {
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Forwards what reaches `relay` to `to`, dropping `loss` of it and delaying the rest by a
/// uniform 0 to `jitter`. Stops with the runtime.
fn relay(relay: UdpSocket, to: SocketAddr, loss: f64, jitter: Duration, seed: u64) {
    let relay = Arc::new(relay);
    tokio::spawn(async move {
        let mut dice = Dice(seed);
        let mut buf = vec![0u8; 2048];
        while let Ok((len, _)) = relay.recv_from(&mut buf).await {
            if dice.next() < loss {
                continue;
            }
            let delay = jitter.mul_f64(dice.next());
            let (relay, datagram) = (relay.clone(), buf[..len].to_vec());
            tokio::spawn(async move {
                tokio::time::sleep(delay).await;
                let _ = relay.send_to(&datagram, to).await;
            });
        }
    });
}

fn remote(rtp: SocketAddr, rtcp: SocketAddr) -> Remote {
    Remote {
        rtp,
        rtcp,
        law: Law::Mu,
        telephone_event: None,
        direction: Direction::SendRecv,
    }
}

/// The longest run of 5 ms windows quieter than a tenth of the tone's level, in ms.
fn longest_gap(samples: &[f32]) -> usize {
    let (mut longest, mut run) = (0, 0);
    for window in samples.chunks_exact(40) {
        let rms = (window.iter().map(|s| s * s).sum::<f32>() / 40.0).sqrt();
        if rms < 0.035 {
            run += 5;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    longest
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_percent_loss_and_40_ms_of_jitter_leave_no_gap_over_60_ms() {
    let talker = Ports::bind(LOOPBACK).await.unwrap();
    let listener = Ports::bind(LOOPBACK).await.unwrap();
    let middle = UdpSocket::bind((LOOPBACK, 0)).await.unwrap();
    let (talker_rtp, talker_rtcp) = (
        talker.rtp.local_addr().unwrap(),
        talker.rtcp.local_addr().unwrap(),
    );
    let (listener_rtp, listener_rtcp) = (
        listener.rtp.local_addr().unwrap(),
        listener.rtcp.local_addr().unwrap(),
    );
    let through = middle.local_addr().unwrap();
    relay(middle, listener_rtp, 0.05, Duration::from_millis(40), 0x5eed_1234_abcd);

    let stats = Arc::new(DeviceStats::default());
    let (arrivals, mut jitter) = playout::jitter(stats.clone(), 20);
    let listening = Media::start(
        listener,
        &remote(talker_rtp, talker_rtcp),
        Direction::SendRecv,
        Box::new(Silence),
        Box::new(arrivals),
    );
    let talking = Media::start(
        talker,
        &remote(through, listener_rtcp),
        Direction::SendRecv,
        Box::new(Tone(0)),
        Box::new(Nowhere),
    );

    // The speaker: a frame every 20 ms for 15 s.
    let mut played = Vec::with_capacity(8_000 * 15);
    let mut tick = tokio::time::interval(Duration::from_millis(20));
    let mut frame = [0f32; FRAME];
    for _ in 0..750 {
        tick.tick().await;
        jitter.next_frame(&mut frame);
        played.extend_from_slice(&frame);
    }
    let received = listening.stats.received.load(Ordering::Relaxed);
    let lost = listening.stats.lost.load(Ordering::Relaxed);
    talking.stop().await.unwrap();
    listening.stop().await.unwrap();

    // The relay really was bad: about 5% never came, and what came was uneven.
    let loss = lost as f64 / (received + lost) as f64;
    assert!((0.03..0.08).contains(&loss), "{lost} lost of {}", received + lost);
    assert!(stats.concealed.load(Ordering::Relaxed) > 10);
    // Playing starts once the first frames are buffered; from then on no gap over 60 ms.
    let start = played
        .iter()
        .position(|s| s.abs() > 0.1)
        .expect("the tone was played");
    assert!(start < 8_000 / 2, "playing started after {start} samples");
    let gap = longest_gap(&played[start..]);
    assert!(
        gap <= 60,
        "a gap of {gap} ms (underruns {}, concealed {}, late {}, delay {} frames)",
        stats.underruns.load(Ordering::Relaxed),
        stats.concealed.load(Ordering::Relaxed),
        stats.late.load(Ordering::Relaxed),
        stats.delay_frames.load(Ordering::Relaxed),
    );
}
