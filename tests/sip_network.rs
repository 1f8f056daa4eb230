//! The SIP engine against far ends written in the test, on loopback, for what the real peers of
//! `tests/sip.rs` cannot do:
//! - a bad network: two RTP streams of the core with a small UDP relay between them that drops
//!   5% of the packets and delays each by 0 to 40 ms (so some also arrive out of order). The
//!   listening end's jitter buffer is pulled every 20 ms, as the speaker would; what it plays
//!   must never fall silent for longer than 60 ms;
//! - early media: a far end that answers 183 Session Progress with a description and plays a
//!   ringback before it answers.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use switchboard::sip::devices::DeviceStats;
use switchboard::sip::g711::Law;
use switchboard::sip::media::{FRAME, Media, Silence, Sink, Source};
use switchboard::sip::playout;
use switchboard::sip::rtcp::Ports;
use switchboard::sip::rtp::Packet;
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
        crypto: None,
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
    relay(
        middle,
        listener_rtp,
        0.05,
        Duration::from_millis(40),
        0x5eed_1234_abcd,
    );

    let stats = Arc::new(DeviceStats::default());
    let (arrivals, mut jitter) = playout::jitter(stats.clone(), 20);
    let listening = Media::start(
        listener,
        &remote(talker_rtp, talker_rtcp),
        Direction::SendRecv,
        Box::new(Silence),
        Box::new(arrivals),
        None,
    );
    let talking = Media::start(
        talker,
        &remote(through, listener_rtcp),
        Direction::SendRecv,
        Box::new(Tone(0)),
        Box::new(Nowhere),
        None,
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
    assert!(
        (0.03..0.08).contains(&loss),
        "{lost} lost of {}",
        received + lost
    );
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

/// Collects what a call receives, by offset, with the time each frame came.
#[derive(Clone, Default)]
struct Heard(Arc<std::sync::Mutex<Vec<Frame>>>);

/// A frame received, and when.
type Frame = (std::time::Instant, Vec<i16>);

impl Sink for Heard {
    fn write(&mut self, _: u64, pcm: &[i16]) {
        self.0
            .lock()
            .unwrap()
            .push((std::time::Instant::now(), pcm.to_vec()));
    }
    fn finish(&mut self) -> Result<(), String> {
        Ok(())
    }
}

/// The strongest of `tones` in 8 kHz `samples` (Goertzel).
fn strongest(samples: &[i16], tones: &[f32]) -> f32 {
    let power = |hz: f32| {
        let k = 2.0 * (2.0 * std::f32::consts::PI * hz / 8_000.0).cos();
        let (mut a, mut b) = (0f32, 0f32);
        for &s in samples {
            let c = f32::from(s) + k * a - b;
            b = a;
            a = c;
        }
        a * a + b * b - k * a * b
    };
    tones
        .iter()
        .copied()
        .max_by(|x, y| power(*x).total_cmp(&power(*y)))
        .unwrap()
}

/// The headers of a request that a response copies, and its body.
struct Request {
    method: String,
    vias: Vec<String>,
    from: String,
    to: String,
    call_id: String,
    cseq: String,
    contact: Option<String>,
    body: String,
}

fn parse_request(text: &str) -> Option<Request> {
    let (head, body) = text.split_once("\r\n\r\n")?;
    let mut lines = head.split("\r\n");
    let method = lines.next()?.split(' ').next()?.to_owned();
    let mut request = Request {
        method,
        vias: Vec::new(),
        from: String::new(),
        to: String::new(),
        call_id: String::new(),
        cseq: String::new(),
        contact: None,
        body: body.to_owned(),
    };
    for line in lines {
        let (name, value) = line.split_once(':')?;
        let value = value.trim().to_owned();
        match name.trim().to_ascii_lowercase().as_str() {
            "via" | "v" => request.vias.push(value),
            "from" | "f" => request.from = value,
            "to" | "t" => request.to = value,
            "call-id" | "i" => request.call_id = value,
            "cseq" => request.cseq = value,
            "contact" | "m" => request.contact = Some(value),
            _ => {}
        }
    }
    Some(request)
}

fn response(request: &Request, status: &str, me: SocketAddr, body: &str) -> String {
    let mut out = format!("SIP/2.0 {status}\r\n");
    for via in &request.vias {
        out.push_str(&format!("Via: {via}\r\n"));
    }
    let to = if request.to.contains("tag=") {
        request.to.clone()
    } else {
        format!("{};tag=carol1", request.to)
    };
    out.push_str(&format!(
        "From: {}\r\nTo: {to}\r\nCall-ID: {}\r\nCSeq: {}\r\n",
        request.from, request.call_id, request.cseq
    ));
    if request.method == "REGISTER" {
        let contact = request.contact.clone().unwrap_or_default();
        out.push_str(&format!("Contact: {contact};expires=60\r\nExpires: 60\r\n"));
    } else {
        out.push_str(&format!("Contact: <sip:carol@{me}>\r\n"));
    }
    if !body.is_empty() {
        out.push_str("Content-Type: application/sdp\r\n");
    }
    out.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
    out
}

/// Sends `hz` as PCMU from `socket` to `to` every 20 ms until `until`, counting on from `seq`.
async fn tone_to(
    socket: &UdpSocket,
    to: SocketAddr,
    hz: f32,
    until: tokio::time::Instant,
    seq: &mut u16,
) {
    let mut tick = tokio::time::interval(Duration::from_millis(20));
    let (mut payload, mut datagram) = (Vec::new(), Vec::new());
    while tokio::time::Instant::now() < until {
        tick.tick().await;
        let frame: Vec<i16> = (0..FRAME)
            .map(|i| {
                let t = (u32::from(*seq) as usize * FRAME + i) as f32 / 8_000.0;
                (12_000.0 * (2.0 * std::f32::consts::PI * hz * t).sin()) as i16
            })
            .collect();
        Law::Mu.encode(&frame, &mut payload);
        Packet {
            payload_type: 0,
            marker: false,
            sequence: *seq,
            timestamp: u32::from(*seq) * FRAME as u32,
            ssrc: 0xCA501,
            payload: &payload,
        }
        .write(&mut datagram);
        let _ = socket.send_to(&datagram, to).await;
        *seq = seq.wrapping_add(1);
    }
}

/// A far end that accepts registration, answers an INVITE with 183 and 1.5 s of a 425 Hz
/// ringback as early media, then 200 OK with the same description and a 1 kHz voice; it
/// answers BYE. Counts the RTP packets it receives before and after its 200.
async fn early_media_far_end(
    sip: UdpSocket,
    rtp: UdpSocket,
    counts: Arc<[std::sync::atomic::AtomicU64; 2]>,
) {
    let me = sip.local_addr().unwrap();
    let media = rtp.local_addr().unwrap();
    let rtp = Arc::new(rtp);
    {
        let (rtp, counts) = (rtp.clone(), counts.clone());
        tokio::spawn(async move {
            let mut buf = vec![0u8; 2048];
            while rtp.recv_from(&mut buf).await.is_ok() {
                let answered = usize::from(ANSWERED.load(Ordering::Relaxed));
                counts[answered].fetch_add(1, Ordering::Relaxed);
            }
        });
    }
    let description = format!(
        "v=0\r\no=carol 1 1 IN IP4 {ip}\r\ns=-\r\nc=IN IP4 {ip}\r\nt=0 0\r\nm=audio {port} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=sendrecv\r\n",
        ip = media.ip(),
        port = media.port()
    );
    let mut buf = vec![0u8; 8192];
    loop {
        let Ok((len, from)) = sip.recv_from(&mut buf).await else {
            return;
        };
        let text = String::from_utf8_lossy(&buf[..len]).into_owned();
        let Some(request) = parse_request(&text) else {
            continue;
        };
        match request.method.as_str() {
            "REGISTER" | "BYE" | "CANCEL" | "OPTIONS" => {
                let _ = sip
                    .send_to(response(&request, "200 OK", me, "").as_bytes(), from)
                    .await;
            }
            "INVITE" => {
                let alice = switchboard::sip::sdp::negotiate(&request.body).unwrap().rtp;
                let progress = response(&request, "183 Session Progress", me, &description);
                sip.send_to(progress.as_bytes(), from).await.unwrap();
                let mut seq = 0u16;
                let ring_until = tokio::time::Instant::now() + Duration::from_millis(1_500);
                tone_to(&rtp, alice, 425.0, ring_until, &mut seq).await;
                ANSWERED.store(true, Ordering::Relaxed);
                let ok = response(&request, "200 OK", me, &description);
                sip.send_to(ok.as_bytes(), from).await.unwrap();
                let talk_until = tokio::time::Instant::now() + Duration::from_millis(1_500);
                tone_to(&rtp, alice, 1_000.0, talk_until, &mut seq).await;
            }
            _ => {}
        }
    }
}

static ANSWERED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// A 183 with a description: its ringback plays before the answer (we send nothing until
/// then), and the same stream carries the call after the 200.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn early_media_plays_the_ringback_before_the_answer() {
    let sip = UdpSocket::bind((LOOPBACK, 0)).await.unwrap();
    let rtp = UdpSocket::bind((LOOPBACK, 0)).await.unwrap();
    let registrar = sip.local_addr().unwrap();
    let counts: Arc<[std::sync::atomic::AtomicU64; 2]> = Arc::default();
    tokio::spawn(early_media_far_end(sip, rtp, counts.clone()));
    let agent = switchboard::sip::UserAgent::start(switchboard::sip::SipAccount {
        registrar: registrar.to_string(),
        domain: None,
        user: "alice".into(),
        password: switchboard::secret::Sensitive::new("unused".into()),
        srtp: false,
    })
    .await
    .unwrap();
    agent.register().await.unwrap();
    let heard = Heard::default();
    let dialled = std::time::Instant::now();
    let call = agent
        .call(
            "carol",
            &[],
            Duration::from_secs(10),
            Box::new(Tone(0)),
            Box::new(heard.clone()),
        )
        .await
        .unwrap();
    let answered = std::time::Instant::now();
    assert!(
        answered - dialled >= Duration::from_millis(1_400),
        "answered after {:?}",
        answered - dialled
    );
    tokio::time::sleep(Duration::from_millis(1_200)).await;
    call.hang_up().await.unwrap();

    let frames = heard.0.lock().unwrap().clone();
    let before: Vec<i16> = frames
        .iter()
        .filter(|(at, _)| *at < answered)
        .flat_map(|(_, f)| f.clone())
        .collect();
    let after: Vec<i16> = frames
        .iter()
        .filter(|(at, _)| *at > answered)
        .flat_map(|(_, f)| f.clone())
        .collect();
    assert!(
        before.len() >= 8_000,
        "over a second of ringback before the answer: {}",
        before.len()
    );
    assert_eq!(strongest(&before, &[425.0, 1_000.0]), 425.0);
    assert!(after.len() >= 4_000, "{}", after.len());
    assert_eq!(strongest(&after, &[425.0, 1_000.0]), 1_000.0);
    // We listened only while it rang, then talked.
    assert_eq!(
        counts[0].load(Ordering::Relaxed),
        0,
        "nothing sent before the answer"
    );
    assert!(counts[1].load(Ordering::Relaxed) > 20);
}
