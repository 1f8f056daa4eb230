//! Over 600 lines: one scenario per engine and control against the same fake phone network and
//! Prism; the network itself is apart (`support::fake_voice`).
//!
//! Calls end to end against a small phone network in Twilio's REST shape: the bridge engine
//! rings your phone and only then the other party, the webview engine waits for the SDK's
//! leg, hold, mute, digits, transfer and recording go out as Twilio takes them, endings say
//! what happened, a refused control leaves the call as it was, and lost contact with Twilio
//! shows and then ends the call. The same requests are checked against Twilio's own spec with
//! Prism, and the core's checks before a call (number, caller ID, bridge phone, token) run
//! through `Switchboard` with a real keychain.
//!
//! Longer than most files on purpose: every test drives the same small phone network, so the
//! call lifecycle reads in one place.

mod support;

use std::sync::mpsc;
use std::time::{Duration, Instant};

use support::fake_twilio::ACCOUNT;
use support::fake_voice::{FakeVoice, Pickup};
use support::{API_KEY_SID, Prism};
use switchboard::Code;
use switchboard::calling::{
    AnyEngine, BridgeEngine, CallControl, CallPhase, CallSettings, CallView, Calling, Capabilities,
    DialRequest, EngineKind, EnginePreference, RecordingState, Timing, WebviewEngine,
};
use switchboard::e164::E164;
use switchboard::sid::CallSid;
use switchboard::twilio::{ApiBase, Client, RecordingControl};
use switchboard::twiml::{Dial, Play, Response};

const OURS: &str = "+14155550123";
const MINE: &str = "+14155550111";
const THEIRS: &str = "+442079460958";

fn client(base: &str) -> Client {
    support::client(ApiBase::custom(base).unwrap())
}

fn fast() -> Timing {
    Timing {
        poll: Duration::from_millis(20),
        attach: Duration::from_millis(600),
        lost_after: Duration::from_millis(800),
    }
}

fn e164(raw: &str) -> E164 {
    E164::parse("test", raw, None).unwrap()
}

fn bridge() -> AnyEngine {
    AnyEngine::Bridge(BridgeEngine { phone: e164(MINE) })
}

/// Live calls whose every change is collected.
fn live_calls() -> (Calling, mpsc::Receiver<CallView>) {
    let (tx, rx) = mpsc::channel();
    let calling = Calling::new(move |v: &CallView| {
        let _ = tx.send(v.clone());
    })
    .with_timing(fast());
    (calling, rx)
}

/// Waits (up to 5 s) for a change matching `want`; returns it and the phases seen on the way.
fn until(
    rx: &mpsc::Receiver<CallView>,
    want: impl Fn(&CallView) -> bool,
) -> (CallView, Vec<CallPhase>) {
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut phases = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let view = rx.recv_timeout(left).unwrap_or_else(|_| {
            panic!("no matching call state within 5 s; phases seen: {phases:?}")
        });
        if phases.last() != Some(&view.phase) {
            phases.push(view.phase);
        }
        if want(&view) {
            return (view, phases);
        }
    }
}

/// Waits (up to 3 s) until `cond` holds: a leg is released just after the call shows ended.
fn eventually(what: &str, cond: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(3);
    while !cond() {
        assert!(Instant::now() < deadline, "{what}: not within 3 s");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn ended(rx: &mpsc::Receiver<CallView>) -> (CallView, Vec<CallPhase>) {
    until(rx, |v| v.phase == CallPhase::Ended)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bridge_call_rings_your_phone_first_and_every_control_goes_out_as_twilio_takes_it() {
    let net = FakeVoice::start(&[OURS]);
    net.pickup(MINE, Pickup::AnswerAfter(2));
    net.pickup(THEIRS, Pickup::AnswerAfter(3));
    let (calling, rx) = live_calls();

    let placed = calling.place(client(&net.url()), bridge(), &e164(THEIRS), &e164(OURS));
    assert_eq!(placed.phase, CallPhase::Placing);
    assert_eq!(placed.engine, EngineKind::Bridge);
    let (live, phases) = until(&rx, |v| v.phase == CallPhase::InProgress);
    assert_eq!(
        phases,
        [
            CallPhase::Placing,
            CallPhase::CallingYou,
            CallPhase::Ringing,
            CallPhase::InProgress
        ]
    );
    assert!(live.answered_at.is_some());

    // Your phone first, from the account's number, into the call's own conference.
    let dials = net.requests("/Participants.json");
    assert_eq!(dials.len(), 2);
    let room = format!("/Conferences/{}/Participants.json", placed.id);
    assert!(dials[0].0.ends_with(&room), "{}", dials[0].0);
    assert_eq!(net.sent("/Participants.json", "To"), [MINE, THEIRS]);
    assert_eq!(net.sent("/Participants.json", "From"), [OURS, OURS]);
    assert_eq!(net.sent("/Participants.json", "Label"), ["you", "them"]);
    assert_eq!(
        net.sent("/Participants.json", "EndConferenceOnExit"),
        ["true", "true"]
    );
    assert_eq!(net.sent("/Participants.json", "EarlyMedia"), ["true"]);
    // The other party was dialed only once your phone had answered.
    let you = net.call_to(MINE).unwrap();
    assert_eq!(you.polls, 3, "rang twice, then answered");
    assert_eq!(live.you_sid.as_deref(), Some(you.sid.as_str()));
    let them = net.call_to(THEIRS).unwrap();
    assert_eq!(live.them_sid.as_deref(), Some(them.sid.as_str()));

    // Hold parks them with music, resume brings them back.
    let held = calling.control(&live.id, CallControl::Hold).await.unwrap();
    assert!(held.on_hold);
    assert!(net.call_to(THEIRS).unwrap().hold);
    let digits = calling
        .control(&live.id, CallControl::Digits { digits: "1".into() })
        .await
        .unwrap_err();
    assert!(digits.message.contains("on hold"), "{}", digits.message);
    let back = calling
        .control(&live.id, CallControl::Resume)
        .await
        .unwrap();
    assert!(!back.on_hold);
    assert!(!net.call_to(THEIRS).unwrap().hold);
    let holds = net.requests(&format!("/Participants/{}.json", them.sid));
    assert_eq!(holds.len(), 2);

    // Mute is your phone's participant, over REST.
    let muted = calling
        .control(&live.id, CallControl::Mute { on: true })
        .await
        .unwrap();
    assert!(muted.muted);
    assert!(net.call_to(MINE).unwrap().muted);

    // Digits: they step out to hear the tones and come back to the same room.
    calling
        .control(
            &live.id,
            CallControl::Digits {
                digits: "12#".into(),
            },
        )
        .await
        .unwrap();
    assert_eq!(
        net.sent(
            &format!("/Participants/{}.json", them.sid),
            "EndConferenceOnExit"
        ),
        ["false"]
    );
    let twiml = net.call_to(THEIRS).unwrap().twiml;
    let expected = Response::new()
        .play(Play::digits("12#"))
        .dial(Dial::new().room(&live.id, true))
        .to_xml();
    assert_eq!(twiml, [expected]);

    // Recording: start, pause, resume, stop on your leg.
    for (control, state) in [
        (CallControl::StartRecording, RecordingState::On),
        (CallControl::PauseRecording, RecordingState::Paused),
        (CallControl::ResumeRecording, RecordingState::On),
        (CallControl::StopRecording, RecordingState::Off),
    ] {
        let view = calling.control(&live.id, control).await.unwrap();
        assert_eq!(view.recording, state);
    }
    assert_eq!(
        net.requests(&format!("/Calls/{}/Recordings.json", you.sid))
            .len(),
        1
    );
    assert_eq!(
        net.sent("/Recordings/Twilio.CURRENT.json", "Status"),
        ["paused", "in-progress", "stopped"]
    );

    // They hang up: the call ends, says so, and your phone is hung up too.
    net.hang_up(THEIRS);
    let (over, _) = ended(&rx);
    assert_eq!(over.end_reason.as_deref(), Some("They hung up."));
    eventually("your phone is hung up", || {
        net.call_to(MINE).unwrap().status == "completed"
    });
    assert!(calling.active().is_empty());
    let late = calling
        .control(&over.id, CallControl::Hold)
        .await
        .unwrap_err();
    assert_eq!(late.code, Code::NotFound);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn busy_unanswered_and_hung_up_calls_end_saying_what_happened() {
    let net = FakeVoice::start(&[OURS]);
    net.pickup(THEIRS, Pickup::Busy);
    let (calling, rx) = live_calls();
    calling.place(client(&net.url()), bridge(), &e164(THEIRS), &e164(OURS));
    let (over, _) = ended(&rx);
    assert_eq!(over.end_reason.as_deref(), Some("Busy."));
    assert_eq!(over.answered_at, None);
    eventually("your phone is released", || {
        net.call_to(MINE).unwrap().status == "completed"
    });

    let net = FakeVoice::start(&[OURS]);
    net.pickup(MINE, Pickup::NoAnswerAfter(2));
    let (calling, rx) = live_calls();
    calling.place(client(&net.url()), bridge(), &e164(THEIRS), &e164(OURS));
    let (over, _) = ended(&rx);
    assert_eq!(
        over.end_reason.as_deref(),
        Some("Your phone did not answer.")
    );
    assert!(
        net.call_to(THEIRS).is_none(),
        "the other party is never dialed"
    );

    // You hang up while it rings: cancelled, both legs released.
    let net = FakeVoice::start(&[OURS]);
    net.pickup(THEIRS, Pickup::NoAnswerAfter(1000));
    let (calling, rx) = live_calls();
    let placed = calling.place(client(&net.url()), bridge(), &e164(THEIRS), &e164(OURS));
    until(&rx, |v| v.phase == CallPhase::Ringing);
    let view = calling
        .control(&placed.id, CallControl::Hangup)
        .await
        .unwrap();
    assert_eq!(view.phase, CallPhase::Ended);
    assert_eq!(view.end_reason.as_deref(), Some("Cancelled."));
    assert_eq!(net.call_to(THEIRS).unwrap().status, "canceled");
    assert_eq!(net.call_to(MINE).unwrap().status, "completed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transfer_hands_them_to_the_new_number_and_ends_your_leg() {
    let net = FakeVoice::start(&[OURS]);
    let (calling, rx) = live_calls();
    let placed = calling.place(client(&net.url()), bridge(), &e164(THEIRS), &e164(OURS));
    until(&rx, |v| v.phase == CallPhase::InProgress);

    let bad = calling
        .control(
            &placed.id,
            CallControl::Transfer {
                to: "12".into(),
                country: Some("US".into()),
            },
        )
        .await
        .unwrap_err();
    assert_eq!(bad.code, Code::InvalidInput);
    assert!(bad.message.starts_with("Transfer to:"), "{}", bad.message);
    assert!(
        net.call_to(THEIRS).unwrap().twiml.is_empty(),
        "nothing sent"
    );

    let view = calling
        .control(
            &placed.id,
            CallControl::Transfer {
                to: "(415) 555-0199".into(),
                country: Some("US".into()),
            },
        )
        .await
        .unwrap();
    assert_eq!(view.phase, CallPhase::Ended);
    assert_eq!(
        view.end_reason.as_deref(),
        Some("Transferred to (415) 555-0199."),
        "national: same country as the caller ID"
    );
    let them = net.call_to(THEIRS).unwrap();
    let expected = Response::new()
        .dial(Dial::number("+14155550199").caller_id(OURS))
        .to_xml();
    assert_eq!(them.twiml, [expected]);
    assert_eq!(
        them.status, "in-progress",
        "they stay on the line, ringing the new number"
    );
    assert_eq!(net.call_to(MINE).unwrap().status, "completed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_control_leaves_the_call_as_it_was() {
    let net = FakeVoice::start(&[OURS]);
    net.pickup(THEIRS, Pickup::AnswerAfter(1000));
    let (calling, rx) = live_calls();
    let placed = calling.place(client(&net.url()), bridge(), &e164(THEIRS), &e164(OURS));
    until(&rx, |v| v.phase == CallPhase::Ringing);
    let early = calling
        .control(&placed.id, CallControl::Hold)
        .await
        .unwrap_err();
    assert_eq!(early.code, Code::InvalidInput);
    assert!(early.message.contains("once the other party has answered"));
    let early = calling
        .control(&placed.id, CallControl::StartRecording)
        .await
        .unwrap_err();
    assert!(early.message.contains("once the call is connected"));
    calling
        .control(&placed.id, CallControl::Hangup)
        .await
        .unwrap();

    let net = FakeVoice::start(&[OURS]);
    let (calling, rx) = live_calls();
    let placed = calling.place(client(&net.url()), bridge(), &e164(THEIRS), &e164(OURS));
    until(&rx, |v| v.phase == CallPhase::InProgress);
    net.fail_next_update(400, 21220, "Call is not in-progress. Cannot redirect.");
    let refused = calling
        .control(&placed.id, CallControl::Hold)
        .await
        .unwrap_err();
    assert_eq!(refused.code, Code::Twilio);
    assert!(
        refused.message.contains("21220") || refused.message.contains("not in-progress"),
        "{}",
        refused.message
    );
    let view = calling.get(&placed.id).unwrap();
    assert_eq!(view.phase, CallPhase::InProgress);
    assert!(!view.on_hold, "still off hold: the change did not happen");
    let stop = calling
        .control(&placed.id, CallControl::StopRecording)
        .await
        .unwrap_err();
    assert!(stop.message.contains("not being recorded"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn losing_twilio_mid_call_is_shown_cleared_and_finally_ends_the_call() {
    let net = FakeVoice::start(&[OURS]);
    let (calling, rx) = live_calls();
    let placed = calling.place(client(&net.url()), bridge(), &e164(THEIRS), &e164(OURS));
    until(&rx, |v| v.phase == CallPhase::InProgress);

    net.set_down(true);
    let (lost, _) = until(&rx, |v| v.notice.is_some());
    assert!(lost.notice.unwrap().starts_with("Lost contact with Twilio"));
    assert_eq!(
        lost.phase,
        CallPhase::InProgress,
        "the call is not given up at once"
    );
    net.set_down(false);
    let (back, _) = until(&rx, |v| v.notice.is_none());
    assert_eq!(back.phase, CallPhase::InProgress);

    net.set_down(true);
    let (over, _) = ended(&rx);
    assert!(
        over.end_reason
            .as_deref()
            .unwrap()
            .starts_with("Lost contact with Twilio"),
        "{over:?}"
    );
    assert!(calling.get(&placed.id).unwrap().phase == CallPhase::Ended);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_webview_call_waits_for_the_sdk_leg_then_dials_them() {
    let net = FakeVoice::start(&[OURS]);
    let (calling, rx) = live_calls();
    let placed = calling.place(
        client(&net.url()),
        AnyEngine::Webview(WebviewEngine),
        &e164(THEIRS),
        &e164(OURS),
    );
    std::thread::sleep(Duration::from_millis(100));
    assert!(
        net.requests("/Participants.json").is_empty(),
        "nothing dialed before the SDK leg"
    );
    let sdk = net.client_leg();
    let muted_before = calling
        .attach(&placed.id, &CallSid::parse(&sdk).unwrap())
        .unwrap();
    assert_eq!(muted_before.you_sid.as_deref(), Some(sdk.as_str()));
    let (live, _) = until(&rx, |v| v.phase == CallPhase::InProgress);
    assert_eq!(net.sent("/Participants.json", "To"), [THEIRS]);
    // Mute is the window's own microphone: nothing goes to Twilio.
    let muted = calling
        .control(&live.id, CallControl::Mute { on: true })
        .await
        .unwrap();
    assert!(muted.muted);
    assert!(
        net.requests(&format!("/Participants/{sdk}.json"))
            .is_empty()
    );
    let other = CallSid::parse(&net.client_leg()).unwrap();
    assert_eq!(
        calling.attach(&live.id, &other).unwrap_err().code,
        Code::InvalidInput
    );
    calling
        .control(&live.id, CallControl::Hangup)
        .await
        .unwrap();
    assert_eq!(net.call_to(THEIRS).unwrap().status, "completed");

    // Without the SDK's leg the call gives up and says why.
    let placed = calling.place(
        client(&net.url()),
        AnyEngine::Webview(WebviewEngine),
        &e164(THEIRS),
        &e164(OURS),
    );
    let (over, _) = until(&rx, |v| v.id == placed.id && v.phase == CallPhase::Ended);
    assert!(over.end_reason.unwrap().contains("never arrived"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_incoming_call_follows_the_app_leg_and_a_transfer_redirects_the_caller() {
    let net = FakeVoice::start(&[OURS]);
    let (calling, rx) = live_calls();
    let leg = net.ring_client(THEIRS, OURS);
    let view = calling.incoming(
        client(&net.url()),
        CallSid::parse(&leg).unwrap(),
        THEIRS,
        OURS,
    );
    assert_eq!(view.phase, CallPhase::Ringing);
    assert_eq!(view.remote_display, "+44 20 7946 0958");
    let hold = calling
        .control(&view.id, CallControl::Hold)
        .await
        .unwrap_err();
    assert!(
        hold.message.contains("placed from Switchboard"),
        "{}",
        hold.message
    );
    net.answer(&leg);
    until(&rx, |v| v.phase == CallPhase::InProgress);
    let done = calling
        .control(
            &view.id,
            CallControl::Transfer {
                to: "+14155550199".into(),
                country: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(done.phase, CallPhase::Ended);
    let caller = net.calls().into_iter().find(|c| c.to == OURS).unwrap();
    assert_eq!(
        caller.twiml,
        [Response::new()
            .dial(Dial::number("+14155550199").caller_id(OURS))
            .to_xml()]
    );

    // Rung and never answered: missed.
    let leg = net.ring_client(THEIRS, OURS);
    let view = calling.incoming(
        client(&net.url()),
        CallSid::parse(&leg).unwrap(),
        THEIRS,
        OURS,
    );
    net.hang_up("client:desk_test");
    let (over, _) = until(&rx, |v| v.id == view.id && v.phase == CallPhase::Ended);
    assert!(over.end_reason.unwrap().starts_with("Missed"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_requests_of_a_call_match_twilios_spec() {
    let prism = Prism::start("twilio_api_v2010.json");
    let client = client(&prism.url());
    let room = switchboard::calling::room_name();
    let call = CallSid::parse("CAaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa").unwrap();

    let you = client
        .participants(&room)
        .add(MINE, OURS)
        .label("you")
        .beep(false)
        .start_conference_on_enter(true)
        .end_conference_on_exit(true)
        .timeout(30)
        .send()
        .await
        .expect("dial your phone into the room");
    assert_eq!(you.call_sid.as_str().len(), 34);
    client
        .participants(&room)
        .add(THEIRS, OURS)
        .label("them")
        .early_media(true)
        .beep(false)
        .end_conference_on_exit(true)
        .timeout(60)
        .send()
        .await
        .expect("dial them in");
    // The SIP engine's leg: the desktop's SIP address, with the room in a header.
    client
        .participants(&room)
        .add(
            &format!(
                "sip:default-desk@switchboard-0a1b2c3d4e.sip.twilio.com?X-Switchboard-Room={room}"
            ),
            OURS,
        )
        .label("you")
        .beep(false)
        .start_conference_on_enter(true)
        .end_conference_on_exit(true)
        .timeout(30)
        .send()
        .await
        .expect("dial the SIP line into the room");
    let conference = "CFaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    for update in [
        client
            .participants(conference)
            .update(call.as_str())
            .hold(true),
        client
            .participants(conference)
            .update(call.as_str())
            .hold(false),
        client
            .participants(conference)
            .update(call.as_str())
            .muted(true),
        client
            .participants(conference)
            .update(call.as_str())
            .end_conference_on_exit(false),
    ] {
        update.send().await.expect("participant update");
    }
    let calls = client.calls();
    calls
        .update(&call)
        .twiml(
            &Response::new()
                .play(Play::digits("12#"))
                .dial(Dial::new().room(&room, true)),
        )
        .send()
        .await
        .expect("digits");
    calls
        .update(&call)
        .twiml(&Response::new().dial(Dial::number("+14155550199").caller_id(OURS)))
        .send()
        .await
        .expect("transfer");
    calls.recordings(&call).start().await.expect("record");
    for action in [
        RecordingControl::Pause,
        RecordingControl::Resume,
        RecordingControl::Stop,
    ] {
        calls
            .recordings(&call)
            .control(None, action)
            .await
            .expect("recording control");
    }
    calls.hangup(&call).await.expect("hang up");

    // The call driver itself, end to end, sends only what the spec allows.
    let (calling, rx) = live_calls();
    calling.place(client.clone(), bridge(), &e164(THEIRS), &e164(OURS));
    let (over, _) = ended(&rx);
    assert!(over.end_reason.is_some());
    prism.assert_all_valid(15);
}

fn request(to: &str, from: Option<&str>, engine: EngineKind) -> DialRequest {
    DialRequest {
        to: to.into(),
        country: Some("US".into()),
        from: from.map(Into::into),
        engine,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_is_checked_before_anything_is_dialed() {
    let net = FakeVoice::start(&[OURS]);
    let fixture = support::TestCore::on(&net.url()).await;
    let core = &fixture.core;
    let linux = Capabilities {
        webrtc: false,
        microphone: true,
    };

    // No bridge phone yet: the dialer says what to set, and placing a bridge call refuses.
    let setup = core.call_setup(&linux, Vec::new()).await.unwrap();
    assert_eq!(setup.choice.engine, EngineKind::Bridge);
    assert!(
        setup
            .choice
            .blocker
            .as_deref()
            .unwrap()
            .contains("Settings")
    );
    assert_eq!(setup.caller_ids_error, None);
    assert_eq!(
        setup.caller_ids[0].friendly_name, None,
        "a number named after itself has no name"
    );
    assert_eq!(setup.caller_id.as_deref(), Some(OURS));
    assert_eq!(setup.country.as_deref(), Some("US"));
    assert_eq!(setup.identity, "desk_test");
    let err = core
        .prepare_call(&request("4155550100", None, EngineKind::Bridge))
        .await
        .unwrap_err();
    assert_eq!(err.code, Code::NotConfigured);

    // Settings: a malformed phone is refused and nothing is saved.
    let bad = core
        .save_call_settings(&CallSettings {
            bridge_phone: Some("555".into()),
            ..CallSettings::default()
        })
        .await
        .unwrap_err();
    assert!(bad.message.starts_with("Your phone:"), "{}", bad.message);
    assert_eq!(core.call_settings().await.unwrap().bridge_phone, None);
    let saved = core
        .save_call_settings(&CallSettings {
            engine: EnginePreference::Bridge,
            bridge_phone: Some("+1 (415) 555-0111".into()),
            caller_id: Some(OURS.into()),
            ..CallSettings::default()
        })
        .await
        .unwrap();
    assert_eq!(saved.bridge_phone.as_deref(), Some(MINE), "kept in E.164");
    let client = core.client().await.unwrap();
    assert!(
        core.routing_config(None, &client)
            .await
            .unwrap()
            .forward
            .is_empty()
    );
    let ringing = core
        .save_call_settings(&CallSettings {
            ring_bridge_phone: true,
            ..saved.clone()
        })
        .await
        .unwrap();
    assert!(ringing.ring_bridge_phone);
    assert_eq!(
        core.routing_config(None, &client).await.unwrap().forward,
        [MINE],
        "incoming calls ring your phone too"
    );
    let setup = core
        .call_setup(
            &Capabilities {
                webrtc: true,
                microphone: true,
            },
            Vec::new(),
        )
        .await
        .unwrap();
    assert_eq!(
        setup.choice.engine,
        EngineKind::Bridge,
        "Settings chose the bridge"
    );
    assert_eq!(setup.choice.blocker, None);

    for (to, from, says) in [
        ("41555", None, "Number:"),
        ("call me", None, "Number:"),
        (
            "4155550100",
            Some("+14155550999"),
            "is not one of this account's voice numbers",
        ),
        ("4155550111", None, "your own phone"),
        ("4155550123", None, "one of this account's own numbers"),
    ] {
        let err = core
            .prepare_call(&request(to, from, EngineKind::Bridge))
            .await
            .unwrap_err();
        assert_eq!(err.code, Code::InvalidInput, "{to}");
        assert!(err.message.contains(says), "{to}: {}", err.message);
    }
    assert!(
        net.requests("/Participants").is_empty(),
        "nothing was dialed"
    );

    let ready = core
        .prepare_call(&request("(415) 555-0100", None, EngineKind::Bridge))
        .await
        .unwrap();
    assert_eq!(ready.to.as_str(), "+14155550100");
    assert_eq!(ready.from.as_str(), OURS);
    assert!(
        matches!(ready.engine, AnyEngine::Bridge(BridgeEngine { ref phone }) if phone.as_str() == MINE)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_voice_token_needs_routing_and_grants_this_desktop_its_calls() {
    let net = FakeVoice::start(&[OURS]);
    let fixture = support::TestCore::on(&net.url()).await;
    let core = &fixture.core;
    let err = core.voice_token().await.unwrap_err();
    assert_eq!(err.code, Code::NotConfigured);
    assert!(err.message.contains("deploy it in Settings"));

    net.set_routed(true);
    let token = core.voice_token().await.unwrap();
    assert!(
        !format!("{token:?}").contains(&token.token),
        "Debug never shows the token"
    );
    assert_eq!(token.identity, "desk_test");
    let now = jiff::Timestamp::now().as_second();
    assert!((token.expires_at - now - 3600).abs() <= 2);
    let payload = token.token.split('.').nth(1).unwrap();
    use base64::Engine as _;
    let claims: serde_json::Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap(),
    )
    .unwrap();
    let voice = &claims["grants"]["voice"];
    assert_eq!(claims["grants"]["identity"], "desk_test");
    assert_eq!(voice["incoming"]["allow"], true);
    assert_eq!(
        voice["outgoing"]["application_sid"],
        "AP0123456789abcdef0123456789abcdef"
    );
    assert_eq!(claims["sub"], ACCOUNT);
    assert_eq!(claims["exp"].as_i64().unwrap(), token.expires_at);
}

fn cli(net: &FakeVoice, args: &[&str]) -> (bool, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args([
            "--data-dir",
            dir.path().to_str().unwrap(),
            "--api-base",
            &net.url(),
        ])
        .args(args)
        .env("TWILIO_ACCOUNT_SID", ACCOUNT)
        .env("TWILIO_API_KEY", API_KEY_SID)
        .env("TWILIO_API_SECRET", "s".repeat(32))
        .output()
        .unwrap();
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    (out.status.success(), text(&out.stdout), text(&out.stderr))
}

#[test]
fn the_cli_places_a_bridge_call_prints_both_legs_and_says_why_one_failed() {
    let net = FakeVoice::start(&[OURS]);
    let (ok, stdout, stderr) = cli(&net, &["call", "(415) 555-0100", "--bridge-to", MINE]);
    assert!(ok, "{stderr}");
    let you = net.call_to(MINE).unwrap().sid;
    let them = net.call_to("+14155550100").unwrap().sid;
    assert!(
        stdout.contains(&format!("your phone  {you}  ringing (415) 555-0111")),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("them        {them}  ringing (415) 555-0100")),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("switchboard calls hangup {you}")),
        "{stdout}"
    );
    assert_eq!(net.sent("/Participants.json", "From"), [OURS, OURS]);

    net.pickup("+14155550100", Pickup::Busy);
    let (ok, _, stderr) = cli(
        &net,
        &["call", "+14155550100", "--bridge-to", MINE, "--json"],
    );
    assert!(!ok);
    assert_eq!(stderr.trim(), "error[twilio]: Busy.");

    let (ok, _, stderr) = cli(&net, &["call", "+14155550100"]);
    assert!(!ok);
    assert!(
        stderr.contains("error[not_configured]: Set your own phone number"),
        "{stderr}"
    );
    let (ok, _, stderr) = cli(
        &net,
        &[
            "call",
            "+14155550100",
            "--from",
            "+14155550999",
            "--bridge-to",
            MINE,
        ],
    );
    assert!(!ok);
    assert!(
        stderr.contains("is not one of this account's voice numbers"),
        "{stderr}"
    );
}
