//! TwiML from the builder compared with Twilio's own Python helper library for a table of
//! inputs, including text that must be escaped.

mod support;

use serde_json::{Value, json};
use switchboard::twiml::{
    Dial, DialNoun, Gather, Pause, Play, Record, RejectReason, Response, Say,
};

fn verb(name: &str, text: Option<&str>, kwargs: Value) -> Value {
    json!({"verb": name, "text": text, "kwargs": kwargs, "children": []})
}

fn with_children(mut v: Value, children: Vec<Value>) -> Value {
    v["children"] = Value::Array(children);
    v
}

/// Each case: a name, what the builder makes, and the same document for the Python library.
fn cases() -> Vec<(&'static str, Response, Value)> {
    let hostile = r#"Tom & Jerry's <Play>"quote"</Play> café
line"#;
    vec![
        ("empty", Response::new(), json!([])),
        (
            "say with voice, language and loop",
            Response::new().say(
                Say::new("Hello there")
                    .voice("Polly.Joanna")
                    .language("en-US")
                    .repeat(2),
            ),
            json!([verb(
                "say",
                Some("Hello there"),
                json!({"voice": "Polly.Joanna", "language": "en-US", "loop": 2})
            )]),
        ),
        (
            "escaping in text and attributes",
            Response::new()
                .say(Say::new(hostile).voice(hostile))
                .redirect("https://x.test/a?b=1&c=<2>", Some("GET")),
            json!([
                verb("say", Some(hostile), json!({"voice": hostile})),
                verb(
                    "redirect",
                    Some("https://x.test/a?b=1&c=<2>"),
                    json!({"method": "GET"})
                ),
            ]),
        ),
        (
            "inbound ring then voicemail",
            Response::new()
                .dial(
                    Dial::new()
                        .answer_on_bridge(true)
                        .timeout(25)
                        .action("/inbound-status")
                        .method("POST")
                        .caller_id("+15005550006")
                        .record("record-from-answer")
                        .noun(DialNoun::Client("alice_desk".into()))
                        .noun(DialNoun::Number("+15005550001".into()))
                        .noun(DialNoun::Sip("sip:bob@example.sip.twilio.com".into())),
                )
                .play(Play::url("https://cdn.test/greetings/a.wav"))
                .record(
                    Record::new()
                        .max_length(120)
                        .play_beep(true)
                        .timeout(5)
                        .finish_on_key("#")
                        .transcribe(true)
                        .transcribe_callback("/transcription")
                        .recording_status_callback("/recording")
                        .action("/after-record"),
                )
                .hangup(),
            json!([
                with_children(
                    verb(
                        "dial",
                        None,
                        json!({"answer_on_bridge": true, "timeout": 25, "action": "/inbound-status", "method": "POST", "caller_id": "+15005550006", "record": "record-from-answer"})
                    ),
                    vec![
                        verb("client", Some("alice_desk"), json!({})),
                        verb("number", Some("+15005550001"), json!({})),
                        verb("sip", Some("sip:bob@example.sip.twilio.com"), json!({})),
                    ],
                ),
                verb("play", Some("https://cdn.test/greetings/a.wav"), json!({})),
                verb(
                    "record",
                    None,
                    json!({"max_length": 120, "play_beep": true, "timeout": 5, "finish_on_key": "#", "transcribe": true, "transcribe_callback": "/transcription", "recording_status_callback": "/recording", "action": "/after-record"})
                ),
                verb("hangup", None, json!({})),
            ]),
        ),
        (
            "outbound dial to a number, conference hold",
            Response::new()
                .dial(Dial::number("+15005550009").caller_id("+15005550006"))
                .dial(Dial::new().noun(DialNoun::Conference("hold-CA123".into()))),
            json!([
                verb(
                    "dial",
                    Some("+15005550009"),
                    json!({"caller_id": "+15005550006"})
                ),
                with_children(
                    verb("dial", None, json!({})),
                    vec![verb("conference", Some("hold-CA123"), json!({}))]
                ),
            ]),
        ),
        (
            "gather with prompts, digits, pause",
            Response::new()
                .gather(
                    Gather::new()
                        .input("dtmf speech")
                        .action("/menu")
                        .method("POST")
                        .timeout(4)
                        .num_digits(1)
                        .finish_on_key("*")
                        .say(Say::new("Press 1"))
                        .pause(Pause::seconds(1))
                        .play(Play::url("https://cdn.test/m.mp3").repeat(0)),
                )
                .play(Play::digits("ww1234#")),
            json!([
                with_children(
                    verb(
                        "gather",
                        None,
                        json!({"input": "dtmf speech", "action": "/menu", "method": "POST", "timeout": 4, "num_digits": 1, "finish_on_key": "*"})
                    ),
                    vec![
                        verb("say", Some("Press 1"), json!({})),
                        verb("pause", None, json!({"length": 1})),
                        verb("play", Some("https://cdn.test/m.mp3"), json!({"loop": 0})),
                    ],
                ),
                verb("play", None, json!({"digits": "ww1234#"})),
            ]),
        ),
        (
            "reject and bare verbs",
            Response::new()
                .reject(Some(RejectReason::Busy))
                .reject(None)
                .pause(Pause::seconds(2))
                .hangup(),
            json!([
                verb("reject", None, json!({"reason": "busy"})),
                verb("reject", None, json!({})),
                verb("pause", None, json!({"length": 2})),
                verb("hangup", None, json!({})),
            ]),
        ),
    ]
}

#[test]
fn twiml_matches_twilios_python_library() {
    let cases = cases();
    let docs: Vec<&Value> = cases.iter().map(|(_, _, doc)| doc).collect();
    let out = support::run_python_harness("twilio_twiml.py", &json!(docs));
    assert!(out.status.success(), "twilio_twiml.py failed");
    let reference: Vec<String> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(reference.len(), cases.len());
    for ((name, response, _), expected) in cases.iter().zip(&reference) {
        assert_eq!(
            &response.to_xml(),
            expected,
            "{name}: must equal the twilio library's TwiML"
        );
    }
    assert!(
        reference[2].contains("Tom &amp; Jerry's &lt;Play&gt;"),
        "the table really exercises escaping"
    );
}
