//! The cache's speed targets, on data shaped like a busy account: `cargo bench --bench cache`.
//!
//! 1. First sync: the real `Syncer` reads 100,000 calls, 50,000 recordings and 50,000
//!    transcriptions from a local Twilio-shaped server in pages of 1000. Every other call is an
//!    inbound call that left a voicemail (a `<Record>` recording with its transcript); the
//!    rest are answered inbound and outbound calls, interleaved as a real log is. Rows carry
//!    every field Twilio sends (URIs, subresources, nulls), so parsing costs what it costs
//!    against Twilio. Target: above 40,000 records/s end to end.
//! 2. Inbox first page (50 rows), newest first. Target: p95 under 5 ms.
//! 3. Transcript search as the user types. Target: p95 under 20 ms.
//! 4. The database's size on disk.
//! 5. `switchboard voicemail list --limit 1` as a whole process on that cache. Target: p95
//!    under 50 ms (opening reads the whole file only after an unclean exit).
//! 6. `switchboard sync` of the unchanged account as a whole process: one request per
//!    resource, p95 under 300 ms.
//! 7. A retention run over every recording (`switchboard retention apply --yes --no-wait` as a
//!    whole process: preview, confirm, queue): target above 5,000 deletions queued per second.
//!    Then a pass that sends 2,000 of them to the local server, four in flight.
//!
//! `SWITCHBOARD_BENCH_SCALE=0.1` runs a tenth of the data for a quick look.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
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

/// Row `i` of `resource`, newest first. Calls `2k` left voicemail `k` (recording `RE..k`,
/// transcription `TR..k`); odd calls are answered inbound calls and outbound calls.
fn row(resource: &str, i: usize) -> String {
    let base = format!("/2010-04-01/Accounts/{ACCOUNT}");
    match resource {
        "calls" => {
            let at = BASE - (i as i64) * 97;
            let sid = format!("CA{i:032x}");
            let (from, to, direction, duration, answered) = match i % 4 {
                0 | 2 => (
                    format!("+1415{:07}", (i * 7919) % 10_000_000),
                    "+14158675309".to_owned(),
                    "inbound",
                    41,
                    "null",
                ),
                1 => (
                    format!("+1650{:07}", (i * 104_729) % 10_000_000),
                    "+14158675309".to_owned(),
                    "inbound",
                    187,
                    "null",
                ),
                _ => (
                    "+14158675309".to_owned(),
                    format!("+1212{:07}", (i * 15_485_863) % 10_000_000),
                    "outbound-api",
                    95,
                    r#""human""#,
                ),
            };
            format!(
                r#"{{"sid":"{sid}","date_created":"{}","date_updated":"{}","parent_call_sid":null,"account_sid":"{ACCOUNT}","to":"{to}","to_formatted":"(415) 867-5309","from":"{from}","from_formatted":"{from}","phone_number_sid":"PN{:032x}","status":"completed","start_time":"{}","end_time":"{}","duration":"{duration}","price":"-0.00850","price_unit":"USD","direction":"{direction}","answered_by":{answered},"api_version":"2010-04-01","forwarded_from":null,"group_sid":null,"caller_name":null,"queue_time":"0","trunk_sid":null,"uri":"{base}/Calls/{sid}.json","subresource_uris":{{"feedback":"{base}/Calls/{sid}/Feedback.json","notifications":"{base}/Calls/{sid}/Notifications.json","recordings":"{base}/Calls/{sid}/Recordings.json","streams":"{base}/Calls/{sid}/Streams.json","payments":"{base}/Calls/{sid}/Payments.json","siprec":"{base}/Calls/{sid}/Siprec.json","events":"{base}/Calls/{sid}/Events.json","feedback_summaries":"{base}/Calls/FeedbackSummary.json","user_defined_message_subscriptions":"{base}/Calls/{sid}/UserDefinedMessageSubscriptions.json","user_defined_messages":"{base}/Calls/{sid}/UserDefinedMessages.json"}}}}"#,
                date(at),
                date(at + duration),
                i % 7,
                date(at),
                date(at + duration),
            )
        }
        "recordings" => {
            let at = BASE - (2 * i as i64) * 97 + 12;
            let sid = format!("RE{i:032x}");
            let call = format!("CA{:032x}", 2 * i);
            format!(
                r#"{{"account_sid":"{ACCOUNT}","api_version":"2010-04-01","call_sid":"{call}","conference_sid":null,"date_created":"{}","date_updated":"{}","start_time":"{}","duration":"{}","sid":"{sid}","price":"-0.00250","price_unit":"USD","status":"completed","channels":1,"source":"RecordVerb","error_code":null,"encryption_details":null,"media_url":"https://api.twilio.com{base}/Recordings/{sid}","uri":"{base}/Recordings/{sid}.json","subresource_uris":{{"add_on_results":"{base}/Recordings/{sid}/AddOnResults.json","transcriptions":"{base}/Recordings/{sid}/Transcriptions.json"}}}}"#,
                date(at + 29),
                date(at + 31),
                date(at),
                18 + i % 40,
            )
        }
        _ => {
            let at = BASE - (2 * i as i64) * 97 + 12;
            let sid = format!("TR{i:032x}");
            format!(
                r#"{{"account_sid":"{ACCOUNT}","api_version":"2008-08-01","date_created":"{}","date_updated":"{}","duration":"{}","price":"-0.05000","price_unit":"USD","recording_sid":"RE{i:032x}","sid":"{sid}","status":"completed","transcription_text":"Hi, it's about the {} and the {} for {}. Please call me back on the {} number, thanks.","type":"fax","uri":"{base}/Transcriptions/{sid}.json"}}"#,
                date(at + 40),
                date(at + 52),
                18 + i % 40,
                WORDS[i % WORDS.len()],
                WORDS[(i / 7) % WORDS.len()],
                WORDS[(i / 31) % WORDS.len()],
                i % 1000,
            )
        }
    }
}

/// The body of the page of `key` starting at row `start`.
fn page(path: &str, key: &str, start: usize, size: usize, total: usize) -> String {
    let end = (start + size).min(total);
    let rows: Vec<String> = (start..end).map(|i| row(key, i)).collect();
    let next = if end < total {
        format!(r#""{path}?PageSize={size}&PageToken={end}""#)
    } else {
        "null".into()
    };
    format!(r#"{{"{key}":[{}],"next_page_uri":{next}}}"#, rows.join(","))
}

/// Serves pages, `PageToken` being the index of the page's first row. The pages of 1000 the
/// sync asks for are rendered before it starts, as Twilio's would be on Twilio's computers:
/// the time measured is the client's (reading, parsing and storing), not the bench's making
/// of JSON. Other page sizes are rendered on demand.
fn serve(calls: usize, voicemails: usize) -> (u16, Arc<AtomicUsize>) {
    use std::collections::HashMap;
    let base = format!("/2010-04-01/Accounts/{ACCOUNT}");
    let resources = [
        ("calls", "Calls.json", calls),
        ("recordings", "Recordings.json", voicemails),
        ("transcriptions", "Transcriptions.json", voicemails),
    ];
    let mut rendered = HashMap::new();
    for (key, file, total) in resources {
        let path = format!("{base}/{file}");
        for start in (0..total.max(1)).step_by(1000) {
            rendered.insert((file, start), page(&path, key, start, 1000, total));
        }
    }
    let rendered = Arc::new(rendered);
    let requests = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&requests);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { break };
            let rendered = Arc::clone(&rendered);
            counted.fetch_add(1, Ordering::Relaxed);
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
                let file = path.rsplit('/').next().unwrap_or_default();
                let (key, file, total) = resources
                    .into_iter()
                    .find(|(_, f, _)| *f == file)
                    .unwrap_or(resources[2]);
                let on_demand;
                let body = match rendered.get(&(file, start)).filter(|_| size == 1000) {
                    Some(body) => body,
                    None => {
                        on_demand = page(path, key, start, size, total);
                        &on_demand
                    }
                };
                let _ = write!(
                    stream,
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
            });
        }
    });
    (port, requests)
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
    let calls = (100_000.0 * scale) as usize;
    let voicemails = calls / 2;
    let (port, requests) = serve(calls, voicemails);
    // SWITCHBOARD_BENCH_DIR keeps the data directory for a look afterwards.
    let kept = std::env::var_os("SWITCHBOARD_BENCH_DIR");
    let temp = tempfile::tempdir().unwrap();
    let dir = kept.as_ref().map_or(temp.path(), std::path::Path::new);
    let account = AccountSid::parse(ACCOUNT).unwrap();
    let cache = Cache::open(&Cache::path_for(dir, &account)).await.unwrap();
    let client = Client::new(
        ApiBase::custom(&format!("http://127.0.0.1:{port}")).unwrap(),
        Credentials {
            account_sid: AccountSid::parse(ACCOUNT).unwrap(),
            api_key_sid: ApiKeySid::parse("SKbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb").unwrap(),
            api_key_secret: Sensitive::new("s".repeat(32)),
        },
    )
    .unwrap();

    println!(
        "Generated data: {calls} calls, {voicemails} voicemails (a recording and a transcription each)."
    );
    let started = Instant::now();
    // When each resource's last page was stored, to show where the time goes.
    let mut finished: Vec<(String, Instant)> = Vec::new();
    let synced = Syncer::new(&cache, &client)
        .sync_all(|p| match finished.last_mut() {
            Some((resource, at)) if *resource == p.resource => *at = Instant::now(),
            _ => finished.push((p.resource, Instant::now())),
        })
        .await
        .unwrap();
    let elapsed = started.elapsed();
    let records: u32 = synced.resources.iter().map(|r| r.stored).sum();
    let rate = f64::from(records) / elapsed.as_secs_f64();
    println!(
        "{:<38} {records} records in {:.1} s = {:.0} records/s ({} the 40000/s target)",
        "first sync (pages of 1000)",
        elapsed.as_secs_f64(),
        rate,
        if rate > 40_000.0 { "meets" } else { "MISSES" }
    );

    let mut from = started;
    for ((resource, at), report) in finished.iter().zip(&synced.resources) {
        println!(
            "  {resource:<36} {} in {:.1} s = {:.0}/s",
            report.stored,
            (*at - from).as_secs_f64(),
            f64::from(report.stored) / (*at - from).as_secs_f64()
        );
        from = *at;
    }

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
                Some((BASE - (calls as i64 / 2) * 97, String::new())),
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
        "4150",
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
    drop(cache);
    let size: u64 = std::fs::read_dir(dir.join("cache"))
        .unwrap()
        .filter_map(|e| e.ok()?.metadata().ok())
        .map(|m| m.len())
        .sum();
    println!(
        "{:<38} {:.1} MB",
        "database size on disk",
        size as f64 / 1e6
    );

    // The first page as a whole process, as a user or a script runs it: start, open the
    // cache, read, print, exit.
    let cli = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_switchboard"))
            .args(args)
            .env("SWITCHBOARD_DATA_DIR", dir)
            .env("SWITCHBOARD_API_BASE", format!("http://127.0.0.1:{port}"))
            .env("TWILIO_ACCOUNT_SID", ACCOUNT)
            .env("TWILIO_API_KEY", "SKbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb")
            .env("TWILIO_API_SECRET", "s".repeat(32))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    };
    let list = ["voicemail", "list", "--limit", "1"];
    assert!(String::from_utf8_lossy(&cli(&list)).contains("RE"));
    let mut samples = Vec::new();
    for _ in 0..30 {
        let t = Instant::now();
        cli(&list);
        samples.push(t.elapsed());
    }
    report(
        "`voicemail list --limit 1` (process)",
        &mut samples,
        Duration::from_millis(50),
    );
    // A background sync of the unchanged account, as a whole process.
    let resync = ["sync", "--json"];
    let before = requests.load(Ordering::Relaxed);
    cli(&resync);
    let made = requests.load(Ordering::Relaxed) - before;
    let mut samples = Vec::new();
    for _ in 0..20 {
        let t = Instant::now();
        cli(&resync);
        samples.push(t.elapsed());
    }
    report(
        "resync, unchanged (process)",
        &mut samples,
        Duration::from_millis(300),
    );
    println!(
        "{:<38} {made} requests for 3 resources (target: 1 each)",
        "  requests per resync"
    );

    // Retention over every recording: all are older than a day (BASE is in the past).
    cli(&[
        "retention",
        "set",
        "--recordings-days",
        "1",
        "--only-archived",
        "false",
    ]);
    let t = Instant::now();
    let preview = cli(&["retention", "preview", "--limit", "50", "--json"]);
    let preview_ms = t.elapsed().as_secs_f64() * 1e3;
    let preview: serde_json::Value = serde_json::from_slice(&preview).unwrap();
    let t = Instant::now();
    let applied = cli(&["retention", "apply", "--yes", "--no-wait", "--json"]);
    let elapsed = t.elapsed();
    let applied: serde_json::Value = serde_json::from_slice(&applied).unwrap();
    let queued = applied["waiting"].as_u64().unwrap();
    assert_eq!(
        queued,
        preview["recordings_total"].as_u64().unwrap()
            + preview["transcriptions_total"].as_u64().unwrap(),
        "the run queued what the preview listed"
    );
    let rate = queued as f64 / elapsed.as_secs_f64();
    println!(
        "{:<38} {:.0} ms for {} recordings",
        "retention preview (process)", preview_ms, preview["recordings_total"]
    );
    println!(
        "{:<38} {queued} deletions in {:.0} ms = {rate:.0}/s ({} the 5000/s target)",
        "retention run queues (process)",
        elapsed.as_secs_f64() * 1e3,
        if rate > 5_000.0 { "meets" } else { "MISSES" }
    );
    let cache = Cache::open(&Cache::path_for(dir, &account)).await.unwrap();
    let t = Instant::now();
    let sent = cache.replay_retention(&client, 2000, |_| {}).await.unwrap();
    println!(
        "{:<38} {} in {:.2} s = {:.0}/s ({} in flight, loopback)",
        "  deletions sent",
        sent.done,
        t.elapsed().as_secs_f64(),
        f64::from(sent.done) / t.elapsed().as_secs_f64(),
        switchboard::cache::IN_FLIGHT
    );
    cache.close().await;
    drop(cache);

    // After a crash the open reads the whole file first (see src/cache/health.rs).
    std::fs::write(
        Cache::path_for(dir, &account).with_extension("db.in-use-4000000-0"),
        b"",
    )
    .unwrap();
    let t = Instant::now();
    cli(&list);
    println!(
        "{:<38} {:.0} ms (reads the whole file once)",
        "  the same after an unclean exit",
        t.elapsed().as_secs_f64() * 1e3
    );
}
