//! A small telephone network behind Twilio's REST shape, for call-flow tests: conference
//! participants dialed by number, calls whose status moves on as they are polled (each number
//! answers, is busy or never answers, as the test says), hold, mute, redirects and recordings,
//! every request kept with its form, and outages on demand.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};

use super::fake_twilio::ACCOUNT;
use super::http::{self, Form, Request, Response, Server, error};

/// What a dialed number does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pickup {
    /// Rings for this many status polls, then answers.
    AnswerAfter(u32),
    /// Busy at once.
    Busy,
    /// Rings for this many polls, then gives up unanswered.
    NoAnswerAfter(u32),
}

#[derive(Debug, Clone, Default)]
pub struct FakeCall {
    pub sid: String,
    pub to: String,
    pub from: String,
    pub label: Option<String>,
    pub status: String,
    pub polls: u32,
    pub hold: bool,
    pub muted: bool,
    pub twiml: Vec<String>,
    pub parent: Option<String>,
}

impl FakeCall {
    fn new(sid: String, to: &str, from: &str, status: &str) -> Self {
        Self {
            sid,
            to: to.to_owned(),
            from: from.to_owned(),
            status: status.to_owned(),
            ..Self::default()
        }
    }
}

#[derive(Default)]
struct State {
    numbers: Vec<String>,
    pickup: HashMap<String, Pickup>,
    calls: Vec<FakeCall>,
    /// `METHOD path` and the decoded form of every request, in order.
    log: Vec<(String, Form)>,
    /// While set, every request is answered 503 (Twilio unreachable behind a proxy).
    down: bool,
    /// Answer the next participant update with this Twilio error.
    fail_update: Option<(u16, u32, String)>,
    recordings: usize,
    /// Call routing is deployed (its TwiML App exists).
    routed: bool,
}

pub struct FakeVoice {
    server: Server,
    state: Arc<Mutex<State>>,
}

impl FakeVoice {
    /// A network where `numbers` are the account's own (voice) numbers.
    pub fn start(numbers: &[&str]) -> Self {
        let state = State {
            numbers: numbers.iter().map(|n| (*n).to_owned()).collect(),
            ..State::default()
        };
        let (server, state) = Server::with_state(state, answer);
        Self { server, state }
    }

    pub fn url(&self) -> String {
        self.server.url()
    }

    /// Says what `number` does when dialed (default: answers after two polls).
    pub fn pickup(&self, number: &str, pickup: Pickup) {
        self.state
            .lock()
            .unwrap()
            .pickup
            .insert(number.to_owned(), pickup);
    }

    /// Makes Twilio unreachable (every request 503) or reachable again.
    pub fn set_down(&self, down: bool) {
        self.state.lock().unwrap().down = down;
    }

    /// The next participant update fails with this Twilio error.
    pub fn fail_next_update(&self, status: u16, code: u32, message: &str) {
        self.state.lock().unwrap().fail_update = Some((status, code, message.to_owned()));
    }

    /// The other end hangs up the call to `number`.
    pub fn hang_up(&self, number: &str) {
        let mut s = self.state.lock().unwrap();
        for call in s.calls.iter_mut().filter(|c| c.to == number) {
            call.status = "completed".into();
        }
    }

    /// Adds an incoming call from `from` to the app's client leg; returns the client leg's SID.
    pub fn ring_client(&self, from: &str, to: &str) -> String {
        let mut s = self.state.lock().unwrap();
        let n = s.calls.len();
        let parent = format!("CA{:032x}", 0xfeed_0000 + n);
        let child = format!("CA{:032x}", 0xc11e_0000 + n);
        s.calls
            .push(FakeCall::new(parent.clone(), to, from, "in-progress"));
        let mut leg = FakeCall::new(child.clone(), "client:desk_test", from, "ringing");
        leg.parent = Some(parent);
        s.calls.push(leg);
        child
    }

    /// Deploys (or removes) call routing: its outgoing TwiML App.
    pub fn set_routed(&self, routed: bool) {
        self.state.lock().unwrap().routed = routed;
    }

    /// The window's SDK joined a conference: its leg, connected; returns its SID.
    pub fn client_leg(&self) -> String {
        let mut s = self.state.lock().unwrap();
        let sid = format!("CA{:032x}", 0x5d4_0000 + s.calls.len());
        s.calls.push(FakeCall::new(
            sid.clone(),
            "+15005550006",
            "client:desk_test",
            "in-progress",
        ));
        sid
    }

    /// Answers the app's client leg `sid` (the SDK accepted it).
    pub fn answer(&self, sid: &str) {
        let mut s = self.state.lock().unwrap();
        if let Some(call) = s.calls.iter_mut().find(|c| c.sid == sid) {
            call.status = "in-progress".into();
        }
    }

    pub fn calls(&self) -> Vec<FakeCall> {
        self.state.lock().unwrap().calls.clone()
    }

    pub fn call_to(&self, number: &str) -> Option<FakeCall> {
        self.calls().into_iter().find(|c| c.to == number)
    }

    /// The requests whose `METHOD path` contains `needle`, with their forms.
    pub fn requests(&self, needle: &str) -> Vec<(String, Form)> {
        self.state
            .lock()
            .unwrap()
            .log
            .iter()
            .filter(|(line, _)| line.contains(needle))
            .cloned()
            .collect()
    }

    /// The value of `key` in each request matching `needle`.
    pub fn sent(&self, needle: &str, key: &str) -> Vec<String> {
        self.requests(needle)
            .iter()
            .filter_map(|(_, form)| form.get(key).map(str::to_owned))
            .collect()
    }
}

fn call_json(call: &FakeCall) -> Value {
    json!({
        "sid": call.sid, "account_sid": ACCOUNT, "to": call.to, "from": call.from,
        "status": call.status, "direction": if call.parent.is_some() { "outbound-dial" } else { "outbound-api" },
        "parent_call_sid": call.parent, "date_created": "Tue, 01 Dec 2026 10:00:00 +0000",
    })
}

fn participant_json(call: &FakeCall) -> Value {
    json!({
        "account_sid": ACCOUNT, "call_sid": call.sid, "conference_sid": "CFaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "label": call.label, "status": if call.status == "in-progress" { "connected" } else { "queued" },
        "hold": call.hold, "muted": call.muted,
    })
}

/// The `n`th call recording started over the API.
fn recording_json(n: usize, status: &str) -> Value {
    json!({"sid": format!("RE{n:032x}"), "account_sid": ACCOUNT, "status": status, "source": "StartCallRecordingAPI"})
}

/// Moves a call on by one poll, as its number's pickup says.
fn advance(call: &mut FakeCall, pickup: Pickup) {
    if !matches!(call.status.as_str(), "queued" | "ringing") {
        return;
    }
    call.polls += 1;
    call.status = match pickup {
        Pickup::Busy => "busy".into(),
        Pickup::AnswerAfter(n) if call.polls > n => "in-progress".into(),
        Pickup::NoAnswerAfter(n) if call.polls > n => "no-answer".into(),
        _ => "ringing".into(),
    };
}

fn answer(s: &mut State, request: &Request) -> Response {
    let form = request.form();
    let get = |name: &str| form.get(name);
    s.log
        .push((format!("{} {}", request.method, request.path), form.clone()));
    if s.down {
        return error(503, 20503, "Service unavailable");
    }
    if request.path.ends_with("/Services") {
        // Serverless: no routing service.
        return Response::json(200, http::page("services", Vec::new()));
    }
    let parts = request.segments();
    // /2010-04-01/Accounts/AC…/<resource…>
    let rest = parts.get(3..).unwrap_or(&[]);
    match (request.method.as_str(), rest) {
        ("GET", ["IncomingPhoneNumbers.json"]) => {
            let rows = s
                .numbers
                .iter()
                .enumerate()
                .map(|(i, n)| {
                    json!({"sid": format!("PN{i:032x}"), "account_sid": ACCOUNT, "phone_number": n,
                           "friendly_name": n, "capabilities": {"voice": true, "sms": true, "mms": false, "fax": false}})
                })
                .collect();
            Response::json(200, http::page("incoming_phone_numbers", rows))
        }
        ("GET", ["Applications.json"]) if s.routed => {
            let app = json!({"sid": "AP0123456789abcdef0123456789abcdef", "account_sid": ACCOUNT,
                             "friendly_name": "Switchboard outbound"});
            Response::json(200, http::page("applications", vec![app]))
        }
        ("GET", ["Applications.json"]) => {
            Response::json(200, http::page("applications", Vec::new()))
        }
        ("POST", ["Conferences", _room, "Participants.json"]) => {
            let to = get("To").unwrap_or("").to_owned();
            let n = s.calls.len();
            let mut call = FakeCall::new(
                format!("CA{:032x}", 0xca11_0000 + n),
                &to,
                get("From").unwrap_or(""),
                "queued",
            );
            call.label = get("Label").map(str::to_owned);
            let json = participant_json(&call);
            s.calls.push(call);
            Response::json(201, json)
        }
        ("POST", ["Conferences", _conf, "Participants", who]) => {
            if let Some((status, code, message)) = s.fail_update.take() {
                return error(status, code, &message);
            }
            let sid = who.trim_end_matches(".json");
            let Some(call) = s.calls.iter_mut().find(|c| c.sid == sid) else {
                return http::not_found();
            };
            if let Some(hold) = get("Hold") {
                call.hold = hold == "true";
            }
            if let Some(muted) = get("Muted") {
                call.muted = muted == "true";
            }
            Response::json(200, participant_json(call))
        }
        ("GET", ["Calls", file]) => {
            let sid = file.trim_end_matches(".json").to_owned();
            let pickups = s.pickup.clone();
            let Some(call) = s.calls.iter_mut().find(|c| c.sid == sid) else {
                return http::not_found();
            };
            let pickup = pickups
                .get(&call.to)
                .copied()
                .unwrap_or(Pickup::AnswerAfter(2));
            if !call.to.starts_with("client:") {
                advance(call, pickup);
            }
            Response::json(200, call_json(call))
        }
        ("POST", ["Calls", file]) => {
            let sid = file.trim_end_matches(".json").to_owned();
            let Some(call) = s.calls.iter_mut().find(|c| c.sid == sid) else {
                return http::not_found();
            };
            if let Some(status) = get("Status") {
                if matches!(
                    call.status.as_str(),
                    "completed" | "busy" | "no-answer" | "failed" | "canceled"
                ) {
                    return error(400, 21220, "Call is not in-progress. Cannot redirect.");
                }
                let live = call.status == "in-progress";
                call.status = match (status, live) {
                    ("completed", true) => "completed".into(),
                    ("canceled", false) => "canceled".into(),
                    _ => call.status.clone(),
                };
            }
            if let Some(twiml) = get("Twiml") {
                call.twiml.push(twiml.to_owned());
            }
            Response::json(200, call_json(call))
        }
        ("POST", ["Calls", _call, "Recordings.json"]) => {
            s.recordings += 1;
            Response::json(201, recording_json(s.recordings, "in-progress"))
        }
        ("POST", ["Calls", _call, "Recordings", _which]) => {
            let status = get("Status").unwrap_or("in-progress");
            Response::json(200, recording_json(s.recordings, status))
        }
        _ => http::not_found(),
    }
}
