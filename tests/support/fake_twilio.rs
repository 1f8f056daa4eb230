//! A Twilio-shaped server for sync tests: calls, recordings and transcriptions served newest
//! first in pages linked by `next_page_uri` with cursor tokens (stable while rows are added or
//! removed, as Twilio's `PageToken` is), with data the test changes between syncs, injected
//! 429s and a per-request delay.

use std::io::Write;
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};

pub const ACCOUNT: &str = "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

/// When rows are dated: `BASE` minus a number of minutes.
pub const BASE: i64 = 1_795_000_000;

#[derive(Default)]
struct State {
    calls: Vec<Value>,
    recordings: Vec<Value>,
    transcriptions: Vec<Value>,
    requests: usize,
    /// Request numbers (1-based) answered 429 instead.
    throttle: Vec<usize>,
    delay: Duration,
    /// Answer media downloads with 500.
    media_fails: bool,
    /// What media downloads answer (a real MP3), instead of a few bytes that only look like one.
    media: Option<Vec<u8>>,
    /// Answer Serverless requests (the routing) with 403.
    routing_fails: bool,
    /// Every request line, in order.
    log: Vec<String>,
}

pub struct FakeTwilio {
    port: u16,
    state: Arc<Mutex<State>>,
}

pub fn rfc2822(seconds: i64) -> String {
    let zoned = jiff::Timestamp::from_second(seconds)
        .unwrap()
        .to_zoned(jiff::tz::TimeZone::UTC);
    jiff::fmt::rfc2822::to_string(&zoned).unwrap()
}

pub fn sid(prefix: &str, n: usize) -> String {
    format!("{prefix}{n:032x}")
}

fn created(row: &Value) -> i64 {
    row["date_created"]
        .as_str()
        .and_then(|d| jiff::fmt::rfc2822::parse(d).ok())
        .map_or(0, |z| z.timestamp().as_second())
}

impl FakeTwilio {
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let state = Arc::new(Mutex::new(State::default()));
        let shared = state.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { break };
                let shared = shared.clone();
                std::thread::spawn(move || {
                    let request = super::read_request(&mut stream);
                    let (status, body, delay) = answer(&shared, &request);
                    std::thread::sleep(delay);
                    let media = shared.lock().unwrap().media.clone();
                    let is_media = body.starts_with("ID3");
                    let body = match media {
                        Some(media) if is_media => media,
                        _ => body.into_bytes(),
                    };
                    let kind = if is_media {
                        "audio/mpeg"
                    } else {
                        "application/json"
                    };
                    let head = format!(
                        "HTTP/1.1 {status} X\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nConnection: close\r\n{}\r\n",
                        body.len(),
                        if status == 429 {
                            "Retry-After: 0\r\n"
                        } else {
                            ""
                        }
                    );
                    let _ = stream.write_all(head.as_bytes());
                    let _ = stream.write_all(&body);
                });
            }
        });
        Self { port, state }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Adds `n` voicemails (an inbound call, its `<Record>` recording and a completed
    /// transcription), numbered from `first`, the newest `first`; each is `spacing` minutes
    /// older than the one before, starting `BASE`.
    pub fn add_voicemails(&self, first: usize, n: usize, spacing_minutes: i64) {
        let mut s = self.state.lock().unwrap();
        for i in first..first + n {
            let at = BASE - (i as i64) * spacing_minutes * 60;
            let call = sid("CA", i);
            let rec = sid("RE", i);
            s.calls.push(json!({
                "sid": call, "account_sid": ACCOUNT, "from": format!("+1415555{:04}", i % 10_000), "to": "+14158675309",
                "status": "completed", "direction": "inbound", "date_created": rfc2822(at), "start_time": rfc2822(at),
                "end_time": rfc2822(at + 60), "duration": "60", "price": "-0.0085", "price_unit": "USD"
            }));
            s.recordings.push(json!({
                "sid": rec, "account_sid": ACCOUNT, "call_sid": call, "duration": "30", "status": "completed",
                "source": "RecordVerb", "channels": 1, "date_created": rfc2822(at + 30), "price": "-0.0025", "price_unit": "USD"
            }));
            s.transcriptions.push(json!({
                "sid": sid("TR", i), "account_sid": ACCOUNT, "recording_sid": rec, "status": "completed",
                "transcription_text": format!("Hello this is caller number {i} please call me back about invoice {}", i * 7),
                "duration": "30", "date_created": rfc2822(at + 40)
            }));
        }
        drop(s);
        self.sort();
    }

    /// Adds plain outbound calls (no voicemail), numbered from `first`.
    pub fn add_calls(&self, first: usize, n: usize, spacing_minutes: i64) {
        let mut s = self.state.lock().unwrap();
        for i in first..first + n {
            let at = BASE - (i as i64) * spacing_minutes * 60 - 7;
            s.calls.push(json!({
                "sid": sid("CA", i), "account_sid": ACCOUNT, "from": "+14158675309", "to": format!("+1212555{:04}", i % 10_000),
                "status": "completed", "direction": "outbound-api", "date_created": rfc2822(at), "start_time": rfc2822(at),
                "duration": "12"
            }));
        }
        drop(s);
        self.sort();
    }

    /// Adds a row as given to `resource` (for malformed rows).
    pub fn push_raw(&self, resource: &str, row: Value) {
        let mut s = self.state.lock().unwrap();
        match resource {
            "calls" => s.calls.push(row),
            "recordings" => s.recordings.push(row),
            _ => s.transcriptions.push(row),
        }
        drop(s);
        self.sort();
    }

    fn sort(&self) {
        let mut guard = self.state.lock().unwrap();
        let s = &mut *guard;
        for rows in [&mut s.calls, &mut s.recordings, &mut s.transcriptions] {
            rows.sort_by(|a, b| {
                (created(b), b["sid"].as_str().unwrap_or(""))
                    .cmp(&(created(a), a["sid"].as_str().unwrap_or("")))
            });
        }
    }

    /// Changes the transcription of recording `n`.
    pub fn set_transcription(&self, n: usize, status: &str, text: Option<&str>) {
        let mut s = self.state.lock().unwrap();
        let rec = sid("RE", n);
        for t in &mut s.transcriptions {
            if t["recording_sid"] == rec.as_str() {
                t["status"] = json!(status);
                t["transcription_text"] = json!(text);
            }
        }
    }

    /// Removes the row `sid` from whichever resource has it.
    pub fn delete(&self, sid: &str) {
        let mut guard = self.state.lock().unwrap();
        let s = &mut *guard;
        for rows in [&mut s.calls, &mut s.recordings, &mut s.transcriptions] {
            rows.retain(|r| r["sid"] != sid);
        }
    }

    /// The SIDs of `resource`, newest first.
    pub fn sids(&self, resource: &str) -> Vec<String> {
        let s = self.state.lock().unwrap();
        let rows = match resource {
            "calls" => &s.calls,
            "recordings" => &s.recordings,
            _ => &s.transcriptions,
        };
        rows.iter()
            .filter_map(|r| r["sid"].as_str().map(str::to_owned))
            .collect()
    }

    /// Answers these request numbers (counted from now, 1-based) with 429.
    pub fn throttle_next(&self, which: &[usize]) {
        let mut s = self.state.lock().unwrap();
        let base = s.requests;
        s.throttle = which.iter().map(|n| base + n).collect();
    }

    pub fn set_delay(&self, delay: Duration) {
        self.state.lock().unwrap().delay = delay;
    }

    /// Sets how long recording `n` lasts, in seconds, as Twilio reports it.
    pub fn set_recording_duration(&self, n: usize, seconds: u64) {
        let rec = sid("RE", n);
        let mut s = self.state.lock().unwrap();
        for r in s.recordings.iter_mut().filter(|r| r["sid"] == rec.as_str()) {
            r["duration"] = json!(seconds.to_string());
        }
    }

    pub fn fail_routing(&self, fail: bool) {
        self.state.lock().unwrap().routing_fails = fail;
    }

    pub fn set_media(&self, bytes: Vec<u8>) {
        self.state.lock().unwrap().media = Some(bytes);
    }

    pub fn fail_media(&self, fail: bool) {
        self.state.lock().unwrap().media_fails = fail;
    }

    /// Request lines (`GET /2010-04-01/…`) in arrival order.
    pub fn log(&self) -> Vec<String> {
        self.state.lock().unwrap().log.clone()
    }

    pub fn requests(&self) -> usize {
        self.state.lock().unwrap().requests
    }
}

fn query_param(query: &str, name: &str) -> Option<String> {
    query.split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=')?;
        (k == name).then(|| v.to_owned())
    })
}

fn answer(state: &Arc<Mutex<State>>, request: &str) -> (u16, String, Duration) {
    let mut s = state.lock().unwrap();
    s.requests += 1;
    let line = request.lines().next().unwrap_or("").to_owned();
    s.log.push(
        line.rsplit_once(' ')
            .map_or(line.clone(), |(l, _)| l.to_owned()),
    );
    let method = request.split_whitespace().next().unwrap_or("GET");
    let delay = s.delay;
    if s.throttle.contains(&s.requests) {
        return (
            429,
            json!({"code": 20429, "message": "Too Many Requests", "status": 429}).to_string(),
            delay,
        );
    }
    let target = request.split_whitespace().nth(1).unwrap_or("/");
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let last = path.rsplit('/').next().unwrap_or("");
    if let Some(rec) = last.strip_suffix(".mp3") {
        if s.media_fails {
            return (
                500,
                json!({"code": 20500, "message": "Internal error", "status": 500}).to_string(),
                delay,
            );
        }
        if !s.recordings.iter().any(|r| r["sid"] == rec) {
            return (
                404,
                json!({"code": 20404, "message": "not found", "status": 404}).to_string(),
                delay,
            );
        }
        return (200, format!("ID3\u{4}fake mp3 audio of {rec}"), delay);
    }
    if method == "DELETE" {
        let target = last.trim_end_matches(".json").to_owned();
        let before = s.recordings.len();
        s.recordings.retain(|r| r["sid"] != target.as_str());
        return if s.recordings.len() < before {
            (204, String::new(), delay)
        } else {
            (
                404,
                json!({"code": 20404, "message": "not found", "status": 404}).to_string(),
                delay,
            )
        };
    }
    if last == "IncomingPhoneNumbers.json" {
        return (
            200,
            json!({"incoming_phone_numbers": [], "next_page_uri": null, "page": 0, "page_size": 1000,
                   "uri": path, "first_page_uri": path, "previous_page_uri": null, "start": 0, "end": 0})
            .to_string(),
            delay,
        );
    }
    if last == "Services" {
        if s.routing_fails {
            return (
                403,
                json!({"code": 20403, "message": "Forbidden", "status": 403}).to_string(),
                delay,
            );
        }
        // No routing deployed.
        return (
            200,
            json!({"services": [], "meta": {"next_page_url": null, "key": "services"}}).to_string(),
            delay,
        );
    }
    let key = match last {
        "Calls.json" => "calls",
        "Recordings.json" => "recordings",
        "Transcriptions.json" => "transcriptions",
        _ => {
            return (
                404,
                json!({"code": 20404, "message": "not found", "status": 404}).to_string(),
                delay,
            );
        }
    };
    let rows = match key {
        "calls" => &s.calls,
        "recordings" => &s.recordings,
        _ => &s.transcriptions,
    };
    let size: usize = query_param(query, "PageSize")
        .and_then(|v| v.parse().ok())
        .unwrap_or(50);
    // The token names the last row of the previous page: the next page starts strictly after
    // it in (date, sid) order, whatever was added or removed meanwhile.
    let start = match query_param(query, "PageToken") {
        Some(token) => {
            let (at, after_sid) = token.trim_start_matches("PT").split_once('_').unwrap();
            let at: i64 = at.parse().unwrap();
            rows.iter()
                .position(|r| (created(r), r["sid"].as_str().unwrap_or("")) < (at, after_sid))
                .unwrap_or(rows.len())
        }
        None => 0,
    };
    let page: Vec<Value> = rows.iter().skip(start).take(size).cloned().collect();
    let next = (start + size < rows.len()).then(|| {
        let last = page.last().unwrap();
        format!(
            "{path}?PageSize={size}&PageToken=PT{}_{}",
            created(last),
            last["sid"].as_str().unwrap_or("")
        )
    });
    (
        200,
        json!({key: page, "next_page_uri": next, "page_size": size}).to_string(),
        delay,
    )
}
