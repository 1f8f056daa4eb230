//! A Twilio-shaped server for sync tests: calls, recordings and transcriptions served newest
//! first in pages linked by `next_page_uri` with cursor tokens (stable while rows are added or
//! removed, as Twilio's `PageToken` is), with data the test changes between syncs, injected
//! 429s and a per-request delay.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};

use super::http::{self, Request, Response, Server};

pub const ACCOUNT: &str = super::ACCOUNT_SID;

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
    /// The `Authorization` headers of account fetches (a connect's check of the key).
    authorizations: Vec<String>,
}

impl State {
    /// The rows of `resource`: "calls", "recordings" or (anything else) "transcriptions".
    fn rows(&mut self, resource: &str) -> &mut Vec<Value> {
        match resource {
            "calls" => &mut self.calls,
            "recordings" => &mut self.recordings,
            _ => &mut self.transcriptions,
        }
    }
}

pub struct FakeTwilio {
    server: Server,
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

/// The SIDs `sid(prefix, n)` for each `n` of `range`.
pub fn sids(prefix: &str, range: std::ops::Range<usize>) -> std::collections::BTreeSet<String> {
    range.map(|n| sid(prefix, n)).collect()
}

fn created(row: &Value) -> i64 {
    row["date_created"]
        .as_str()
        .and_then(|d| jiff::fmt::rfc2822::parse(d).ok())
        .map_or(0, |z| z.timestamp().as_second())
}

impl FakeTwilio {
    pub fn start() -> Self {
        let (server, state) = Server::with_state(State::default(), answer);
        Self { server, state }
    }

    pub fn url(&self) -> String {
        self.server.url()
    }

    /// Adds `n` voicemails (an inbound call, its `<Record>` recording and a completed
    /// transcription), numbered from `first`, the newest `first`; each is `spacing` minutes
    /// older than the one before, starting `BASE`.
    pub fn add_voicemails(&self, first: usize, n: usize, spacing_minutes: i64) {
        self.add_voicemails_at(first, n, |i| BASE - (i as i64) * spacing_minutes * 60);
    }

    /// Adds `n` voicemails newer than any `add_voicemails` makes (left after `BASE`, a minute
    /// apart, the newest `first`), as a sync finds them on a later day.
    pub fn add_new_voicemails(&self, first: usize, n: usize) {
        self.add_voicemails_at(first, n, |i| BASE + ((first + n - i) as i64) * 60);
    }

    fn add_voicemails_at(&self, first: usize, n: usize, at: impl Fn(usize) -> i64) {
        let mut s = self.state.lock().unwrap();
        for i in first..first + n {
            let at = at(i);
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
        self.state.lock().unwrap().rows(resource).push(row);
        self.sort();
    }

    /// Adds rows as given to `resource`.
    pub fn push_raws(&self, resource: &str, rows: impl IntoIterator<Item = Value>) {
        self.state.lock().unwrap().rows(resource).extend(rows);
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

    /// Prices every call that has no price yet, as Twilio does a little after a call ends.
    pub fn price_calls(&self) {
        for call in &mut self.state.lock().unwrap().calls {
            if call["price"].is_null() {
                call["price"] = json!("-0.0140");
                call["price_unit"] = json!("USD");
            }
        }
    }

    /// Sets `field` of the row `sid`, in whichever resource has it.
    pub fn set_field(&self, sid: &str, field: &str, value: Value) {
        let mut guard = self.state.lock().unwrap();
        let s = &mut *guard;
        for rows in [&mut s.calls, &mut s.recordings, &mut s.transcriptions] {
            for row in rows.iter_mut().filter(|r| r["sid"] == sid) {
                row[field] = value.clone();
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
        let mut s = self.state.lock().unwrap();
        s.rows(resource)
            .iter()
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
    /// The `Authorization` headers the account fetches carried.
    pub fn authorizations(&self) -> Vec<String> {
        self.state.lock().unwrap().authorizations.clone()
    }

    pub fn log(&self) -> Vec<String> {
        self.state.lock().unwrap().log.clone()
    }

    pub fn requests(&self) -> usize {
        self.state.lock().unwrap().requests
    }
}

fn answer(s: &mut State, request: &Request) -> Response {
    let delay = s.delay;
    reply(s, request).after(delay)
}

fn reply(s: &mut State, request: &Request) -> Response {
    s.requests += 1;
    s.log
        .push(format!("{} {}", request.method, request.target()));
    if s.throttle.contains(&s.requests) {
        return http::error(429, 20429, "Too Many Requests").header("Retry-After", "0");
    }
    let path = request.path.as_str();
    let last = path.rsplit('/').next().unwrap_or("");
    if let Some(rec) = last.strip_suffix(".mp3") {
        if s.media_fails {
            return http::error(500, 20500, "Internal error");
        }
        if !s.recordings.iter().any(|r| r["sid"] == rec) {
            return http::not_found();
        }
        let media = s
            .media
            .clone()
            .unwrap_or_else(|| format!("ID3\u{4}fake mp3 audio of {rec}").into_bytes());
        return Response::new(200, media).header("Content-Type", "audio/mpeg");
    }
    if request.method == "DELETE" {
        let target = last.trim_end_matches(".json");
        let before = s.recordings.len() + s.transcriptions.len();
        s.recordings.retain(|r| r["sid"] != target);
        s.transcriptions.retain(|r| r["sid"] != target);
        return if s.recordings.len() + s.transcriptions.len() < before {
            Response::no_content()
        } else {
            http::not_found()
        };
    }
    if last == "IncomingPhoneNumbers.json" {
        return Response::json(200, http::page("incoming_phone_numbers", Vec::new()));
    }
    if last == "Services" {
        if s.routing_fails {
            return http::error(403, 20403, "Forbidden");
        }
        // No routing deployed.
        return Response::json(200, http::page("services", Vec::new()));
    }
    // One row by SID (`…/Calls/CA….json`).
    let parent = path.rsplit('/').nth(1).unwrap_or("");
    if parent == "Accounts" && last == format!("{ACCOUNT}.json") {
        s.authorizations
            .extend(request.header("authorization").map(str::to_owned));
        return Response::json(
            200,
            json!({"sid": ACCOUNT, "friendly_name": "Acme Plumbing", "status": "active", "type": "Full"}),
        );
    }
    if let (Some(target), Some(key)) = (
        last.strip_suffix(".json"),
        match parent {
            "Calls" => Some("calls"),
            "Recordings" => Some("recordings"),
            "Transcriptions" => Some("transcriptions"),
            _ => None,
        },
    ) {
        return match s.rows(key).iter().find(|r| r["sid"] == target) {
            Some(row) => Response::json(200, row.clone()),
            None => http::not_found(),
        };
    }
    let key = match last {
        "Calls.json" => "calls",
        "Recordings.json" => "recordings",
        "Transcriptions.json" => "transcriptions",
        _ => return http::not_found(),
    };
    let rows = s.rows(key);
    let query = request.query_params();
    let size: usize = query
        .get("PageSize")
        .and_then(|v| v.parse().ok())
        .unwrap_or(50);
    // The token names the last row of the previous page: the next page starts strictly after
    // it in (date, sid) order, whatever was added or removed meanwhile.
    let start = match query.get("PageToken") {
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
    let mut body = http::page(key, page);
    body["next_page_uri"] = json!(next);
    body["page_size"] = json!(size);
    Response::json(200, body)
}
