//! The Calls view's log from a synced cache: top-level calls only, the bridge phone's legs
//! left out, filters by direction, outcome, dates and number, and a summary over every match.

mod support;

use serde_json::json;
use support::fake_twilio::{ACCOUNT, BASE, FakeTwilio, rfc2822, sid};
use switchboard::cache::{CallLogDirection, CallLogFilter, CallLogOutcome};
use switchboard::calling::CallSettings;

const OURS: &str = "+14158675309";
const MINE: &str = "+14155550111";

fn call(
    n: usize,
    at: i64,
    from: &str,
    to: &str,
    status: &str,
    direction: &str,
) -> serde_json::Value {
    json!({"sid": sid("CA", n), "account_sid": ACCOUNT, "from": from, "to": to, "status": status,
           "direction": direction, "date_created": rfc2822(at), "start_time": rfc2822(at)})
}

#[tokio::test]
async fn the_log_filters_searches_and_sums_up_the_synced_calls() {
    let twilio = FakeTwilio::start();
    // Three voicemails: incoming calls nobody answered (60 s each, $0.0085 each).
    twilio.add_voicemails(0, 3, 10);
    // Four outgoing calls answered, 12 s each, not yet priced.
    twilio.add_calls(10, 4, 10);
    let hour = 3600;
    let mut answered = call(
        20,
        BASE - 5 * hour,
        "+442079460958",
        OURS,
        "completed",
        "inbound",
    );
    answered["duration"] = json!("120");
    answered["price"] = json!("-0.0100");
    answered["price_unit"] = json!("USD");
    answered["caller_name"] = json!("ACME LTD");
    twilio.push_raw("calls", answered);
    twilio.push_raw(
        "calls",
        call(
            21,
            BASE - 6 * hour,
            OURS,
            "+13105550100",
            "busy",
            "outbound-api",
        ),
    );
    twilio.push_raw(
        "calls",
        call(
            22,
            BASE - 7 * hour,
            "+13105550199",
            OURS,
            "no-answer",
            "inbound",
        ),
    );
    // A <Dial> leg of call 20: part of its parent, not a call of its own.
    let mut leg = call(
        23,
        BASE - 5 * hour,
        OURS,
        "client:desk_test",
        "completed",
        "outbound-dial",
    );
    leg["parent_call_sid"] = json!(sid("CA", 20));
    twilio.push_raw("calls", leg);
    // The leg that rang the user's own phone for a bridge call.
    twilio.push_raw(
        "calls",
        call(24, BASE - 8 * hour, OURS, MINE, "completed", "outbound-api"),
    );

    let fixture = support::TestCore::on(&twilio.url()).await;
    let core = &fixture.core;
    core.sync(|_| {}).await.unwrap();
    core.save_call_settings(&CallSettings {
        bridge_phone: Some(MINE.into()),
        ..CallSettings::default()
    })
    .await
    .unwrap();

    let all = core.call_log(&CallLogFilter::default()).await.unwrap();
    let sids: Vec<&str> = all.calls.iter().map(|c| c.sid.as_str()).collect();
    assert_eq!(all.calls.len(), 10, "{sids:?}");
    assert!(
        !sids.contains(&sid("CA", 23).as_str()),
        "a dial leg is not listed"
    );
    assert!(
        !sids.contains(&sid("CA", 24).as_str()),
        "the bridge phone's leg is not listed"
    );
    assert!(
        all.calls
            .windows(2)
            .all(|w| w[0].created_at >= w[1].created_at),
        "newest first"
    );
    let s = &all.summary;
    assert_eq!((s.total, s.inbound, s.outbound, s.missed), (10, 5, 5, 4));
    // Answered with a length: four of 12 s and one of 120 s.
    assert!((s.average_duration.unwrap() - (4.0 * 12.0 + 120.0) / 5.0).abs() < 1e-9);
    assert!((s.total_cost.unwrap() - (3.0 * 0.0085 + 0.0100)).abs() < 1e-9);
    assert_eq!(s.cost_unit.as_deref(), Some("USD"));

    let acme = all.calls.iter().find(|c| c.sid == sid("CA", 20)).unwrap();
    assert_eq!(acme.direction, CallLogDirection::Inbound);
    assert_eq!(acme.outcome, CallLogOutcome::Answered);
    assert_eq!(acme.remote.as_deref(), Some("+442079460958"));
    assert_eq!(acme.remote_display.as_deref(), Some("+44 20 7946 0958"));
    assert_eq!(acme.caller_name.as_deref(), Some("ACME LTD"));
    let voicemail = all.calls.iter().find(|c| c.sid == sid("CA", 0)).unwrap();
    assert_eq!(voicemail.outcome, CallLogOutcome::Missed);
    assert!(voicemail.voicemail);
    assert_eq!(
        voicemail.recording_sid.as_deref(),
        Some(sid("RE", 0).as_str())
    );
    assert_eq!(
        voicemail.remote_display.as_deref(),
        Some("(415) 555-0000"),
        "national beside a US number"
    );

    let missed = core
        .call_log(&CallLogFilter {
            outcome: Some(CallLogOutcome::Missed),
            ..CallLogFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(missed.calls.len(), 4);
    assert_eq!(missed.summary.total, 4);
    assert_eq!(
        missed.summary.average_duration, None,
        "no missed call connected"
    );

    let out = core
        .call_log(&CallLogFilter {
            direction: Some(CallLogDirection::Outbound),
            ..CallLogFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(out.summary.outbound, 5);
    assert_eq!(out.summary.inbound, 0);
    let busy = out.calls.iter().find(|c| c.sid == sid("CA", 21)).unwrap();
    assert_eq!(busy.outcome, CallLogOutcome::Unanswered);
    assert_eq!(out.summary.total_cost, None, "nothing outbound was priced");

    // Search by the other party's number, however it is typed.
    for typed in ["(212) 555", "+1 212-555", "1212555"] {
        let found = core
            .call_log(&CallLogFilter {
                number: Some(typed.into()),
                ..CallLogFilter::default()
            })
            .await
            .unwrap();
        assert_eq!(found.calls.len(), 4, "{typed}");
        assert!(
            found
                .calls
                .iter()
                .all(|c| c.to_number.as_deref().unwrap().starts_with("+1212555"))
        );
    }
    let ours = core
        .call_log(&CallLogFilter {
            number: Some("8675309".into()),
            ..CallLogFilter::default()
        })
        .await
        .unwrap();
    assert!(
        ours.calls.is_empty(),
        "our own number is not the other party of any call"
    );

    // A date range: the 25 minutes up to BASE hold the three voicemails; `until` is exclusive.
    let recent = core
        .call_log(&CallLogFilter {
            since: Some(BASE - 25 * 60),
            until: Some(BASE + 1),
            ..CallLogFilter::default()
        })
        .await
        .unwrap();
    let got: Vec<String> = recent.calls.iter().map(|c| c.sid.clone()).collect();
    assert_eq!(got, [sid("CA", 0), sid("CA", 1), sid("CA", 2)]);
    let before = core
        .call_log(&CallLogFilter {
            since: Some(BASE - 25 * 60),
            until: Some(BASE - 600),
            ..CallLogFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(
        before
            .calls
            .iter()
            .map(|c| c.sid.clone())
            .collect::<Vec<_>>(),
        [sid("CA", 2)]
    );
    let page = core
        .call_log(&CallLogFilter {
            limit: Some(2),
            ..CallLogFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(page.calls.len(), 2);
    assert_eq!(
        page.summary.total, 10,
        "the summary covers every match, not the page"
    );
}
