//! The cache's speed targets, on generated data: `cargo bench --bench cache`.
//!
//! 1. Sync ingest: the real `Syncer` reads 100,000 voicemails (a call, a `<Record>` recording
//!    and a transcription each) and 900,000 more calls from a local Twilio-shaped server in
//!    pages of 1000. Target: above 20,000 records/s.
//! 2. Inbox first page (50 rows), newest first. Target: p95 under 5 ms.
//! 3. Transcript search as the user types. Target: p95 under 20 ms.
//! 4. The database's size on disk.
//!
//! `SWITCHBOARD_BENCH_SCALE=0.1` runs a tenth of the data for a quick look.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::time::{Duration, Instant};

use switchboard::cache::{Cache, Syncer, VoicemailFilter};
use switchboard::secret::Sensitive;
use switchboard::sid::{AccountSid, ApiKeySid};
use switchboard::twilio::{ApiBase, Client, Credentials};

const ACCOUNT: &str = "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const BASE: i64 = 1_795_000_000;
const WORDS: &[&str] = &[
    "invoice",
    "delivery",
    "appointment",
    "refund",
    "plumbing",
    "urgent",
    "tomorrow",
    "morning",
    "contract",
    "estimate",
    "warranty",
    "basement",
    "kitchen",
    "schedule",
    "payment",
    "callback",
];

fn date(seconds: i64) -> String {
    let zoned = jiff::Timestamp::from_second(seconds)
        .unwrap()
        .to_zoned(jiff::tz::TimeZone::UTC);
    jiff::fmt::rfc2822::to_string(&zoned).unwrap()
}

/// Row `i` of `resource`, newest first. Voicemails are calls 0..vm; calls vm.. are outbound.
fn row(resource: &str, i: usize, voicemails: usize) -> String {
    let at = BASE - (i as i64) * 97;
    match resource {
        "calls" if i < voicemails => format!(
            r#"{{"sid":"CA{i:032x}","account_sid":"{ACCOUNT}","from":"+1415{:07}","to":"+14158675309","status":"completed","direction":"inbound","date_created":"{}","start_time":"{}","duration":"61","price":"-0.0085","price_unit":"USD"}}"#,
            i % 10_000_000,
            date(at),
            date(at)
        ),
        "calls" => format!(
            r#"{{"sid":"CA{i:032x}","account_sid":"{ACCOUNT}","from":"+14158675309","to":"+1212{:07}","status":"completed","direction":"outbound-api","date_created":"{}","start_time":"{}","duration":"33"}}"#,
            i % 10_000_000,
            date(at - 13),
            date(at - 13)
        ),
        "recordings" => format!(
            r#"{{"sid":"RE{i:032x}","account_sid":"{ACCOUNT}","call_sid":"CA{i:032x}","duration":"30","status":"completed","source":"RecordVerb","channels":1,"date_created":"{}"}}"#,
            date(at + 30)
        ),
        _ => format!(
            r#"{{"sid":"TR{i:032x}","account_sid":"{ACCOUNT}","recording_sid":"RE{i:032x}","status":"completed","transcription_text":"Hi it's about the {} and the {} for {}, please call me back on the {} number thanks","date_created":"{}"}}"#,
            WORDS[i % WORDS.len()],
            WORDS[(i / 7) % WORDS.len()],
            WORDS[(i / 31) % WORDS.len()],
            i % 1000,
            date(at + 40)
        ),
    }
}

/// Serves pages rendered on demand, `PageToken` being the index of the page's first row.
fn serve(calls: usize, voicemails: usize) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { break };
            std::thread::spawn(move || {
                let mut buf = [0u8; 4096];
                let n = stream.read(&mut buf).unwrap_or(0);
                let head = String::from_utf8_lossy(&buf[..n]);
                let target = head.split_whitespace().nth(1).unwrap_or("/").to_owned();
                let (path, query) = target.split_once('?').unwrap_or((&target, ""));
                let param = |name: &str| {
                    query.split('&').find_map(|kv| {
                        kv.split_once('=')
                            .filter(|(k, _)| *k == name)
                            .map(|(_, v)| v.to_owned())
                    })
                };
                let size: usize = param("PageSize").and_then(|v| v.parse().ok()).unwrap_or(50);
                let start: usize = param("PageToken").and_then(|v| v.parse().ok()).unwrap_or(0);
                let (key, total) = match path.rsplit('/').next() {
                    Some("Calls.json") => ("calls", calls),
                    Some("Recordings.json") => ("recordings", voicemails),
                    _ => ("transcriptions", voicemails),
                };
                let end = (start + size).min(total);
                let rows: Vec<String> = (start..end).map(|i| row(key, i, voicemails)).collect();
                let next = if end < total {
                    format!(r#""{path}?PageSize={size}&PageToken={end}""#)
                } else {
                    "null".into()
                };
                let body = format!(r#"{{"{key}":[{}],"next_page_uri":{next}}}"#, rows.join(","));
                let _ = write!(
                    stream,
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
            });
        }
    });
    port
}

fn percentile(samples: &mut [Duration], p: f64) -> Duration {
    samples.sort();
    samples[((samples.len() as f64 - 1.0) * p).round() as usize]
}

fn report(name: &str, samples: &mut [Duration], target: Duration) {
    let p50 = percentile(samples, 0.50);
    let p95 = percentile(samples, 0.95);
    let verdict = if p95 < target { "meets" } else { "MISSES" };
    println!(
        "{name:<38} p50 {:>8.3} ms   p95 {:>8.3} ms   ({verdict} the {} ms target, {} runs)",
        p50.as_secs_f64() * 1e3,
        p95.as_secs_f64() * 1e3,
        target.as_millis(),
        samples.len()
    );
}

#[tokio::main]
async fn main() {
    let scale: f64 = std::env::var("SWITCHBOARD_BENCH_SCALE")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1.0);
    let voicemails = (100_000.0 * scale) as usize;
    let calls = (1_000_000.0 * scale) as usize;
    let port = serve(calls, voicemails);
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::open(&dir.path().join("bench.db")).await.unwrap();
    let client = Client::new(
        ApiBase::custom(&format!("http://127.0.0.1:{port}")).unwrap(),
        Credentials {
            account_sid: AccountSid::parse(ACCOUNT).unwrap(),
            api_key_sid: ApiKeySid::parse("SKbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb").unwrap(),
            api_key_secret: Sensitive::new("s".repeat(32)),
        },
    )
    .unwrap();

    println!("Generated data: {voicemails} voicemails with transcripts, {calls} calls in all.");
    let started = Instant::now();
    let synced = Syncer::new(&cache, &client).sync_all(|_| {}).await.unwrap();
    let elapsed = started.elapsed();
    let records: u32 = synced.resources.iter().map(|r| r.stored).sum();
    let rate = f64::from(records) / elapsed.as_secs_f64();
    println!(
        "{:<38} {records} records in {:.1} s = {:.0} records/s ({} the 20000/s target)",
        "sync ingest (pages of 1000)",
        elapsed.as_secs_f64(),
        rate,
        if rate > 20_000.0 { "meets" } else { "MISSES" }
    );

    let mut samples = Vec::new();
    for _ in 0..300 {
        let t = Instant::now();
        let page = cache
            .voicemails(VoicemailFilter::All, 50, None)
            .await
            .unwrap();
        samples.push(t.elapsed());
        assert_eq!(page.len(), 50);
    }
    report(
        "inbox first page (50 rows)",
        &mut samples,
        Duration::from_millis(5),
    );

    let mut samples = Vec::new();
    for _ in 0..300 {
        let t = Instant::now();
        let page = cache
            .voicemails(
                VoicemailFilter::Unread,
                50,
                Some((BASE - (voicemails as i64 / 2) * 97, String::new())),
            )
            .await
            .unwrap();
        samples.push(t.elapsed());
        assert!(!page.is_empty());
    }
    report(
        "inbox deep page (unread, keyset)",
        &mut samples,
        Duration::from_millis(5),
    );

    let queries = [
        "invoice",
        "deliv",
        "urgent tomorrow",
        "plumbing kitchen",
        "refund",
        "call me back",
        "warranty basement",
        "415000",
        "schedule paym",
        "estimate",
    ];
    let mut samples = Vec::new();
    for round in 0..30 {
        for q in queries {
            let t = Instant::now();
            let hits = cache.search_voicemails(q, 50).await.unwrap();
            samples.push(t.elapsed());
            if round == 0 {
                assert!(!hits.is_empty(), "{q} finds something");
            }
        }
    }
    report(
        "transcript search (50 best)",
        &mut samples,
        Duration::from_millis(20),
    );

    cache.close().await;
    let size: u64 = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok()?.metadata().ok())
        .map(|m| m.len())
        .sum();
    println!(
        "{:<38} {:.1} MB",
        "database size on disk",
        size as f64 / 1e6
    );
}
