//! The REST client's handling of Twilio's failure answers: retries for 429 and 5xx with
//! backoff and `Retry-After`, bounded; no retry for other 4xx.

mod support;

use std::time::{Duration, Instant};

use support::{ACCOUNT_SID, API_KEY_SID, Response, ScriptedServer};
use switchboard::sid::AccountSid;
use switchboard::twilio::{Client, RetryPolicy, TwilioError};

fn client(server: &ScriptedServer) -> Client {
    support::client(server.api_base()).with_retry(RetryPolicy {
        max_attempts: 3,
        base_delay: Duration::from_millis(40),
        max_delay: Duration::from_secs(2),
        max_total_wait: Duration::from_secs(5),
    })
}

fn account() -> Response {
    Response::json(
        200,
        serde_json::json!({"sid": ACCOUNT_SID, "friendly_name": "Acme", "status": "active"}),
    )
}

fn twilio_error(status: u16, code: u32) -> Response {
    support::http::error(status, code, "Service unavailable")
}

fn sid() -> AccountSid {
    AccountSid::parse(ACCOUNT_SID).unwrap()
}

#[tokio::test]
async fn server_errors_are_retried_until_success() {
    let server = ScriptedServer::start(vec![
        twilio_error(503, 20503),
        twilio_error(500, 20500),
        account(),
    ]);
    let account = client(&server)
        .accounts()
        .fetch(&sid())
        .await
        .expect("third attempt succeeds");
    assert_eq!(account.friendly_name, "Acme");
    assert_eq!(server.requests(), 3);
}

#[tokio::test]
async fn retries_stop_at_the_attempt_limit_with_twilios_error() {
    let server = ScriptedServer::start(vec![twilio_error(503, 20503)]);
    let err = client(&server).accounts().fetch(&sid()).await.unwrap_err();
    assert_eq!(server.requests(), 3, "max_attempts bounds the requests");
    match err {
        TwilioError::Api {
            status,
            code,
            more_info,
            ..
        } => {
            assert_eq!((status, code), (503, Some(20503)));
            assert_eq!(
                more_info.as_deref(),
                Some("https://www.twilio.com/docs/errors/20503")
            );
        }
        other => panic!("expected Twilio's error, got {other:?}"),
    }
}

#[tokio::test]
async fn retry_after_is_waited_for() {
    let limited = Response::new(
        429,
        r#"{"code": 20429, "message": "Too Many Requests", "status": 429}"#,
    )
    .header("Retry-After", "1")
    .header("Content-Type", "application/json");
    let server = ScriptedServer::start(vec![limited, account()]);
    let started = Instant::now();
    client(&server)
        .accounts()
        .fetch(&sid())
        .await
        .expect("succeeds after waiting");
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After: 1 must be honoured"
    );
    assert_eq!(server.requests(), 2);
}

#[tokio::test]
async fn a_retry_after_beyond_the_limit_gives_up_at_once() {
    let limited = Response::new(
        429,
        r#"{"code": 20429, "message": "Too Many Requests", "status": 429}"#,
    )
    .header("Retry-After", "3600");
    let server = ScriptedServer::start(vec![limited, account()]);
    let err = client(&server).accounts().fetch(&sid()).await.unwrap_err();
    assert!(
        matches!(err, TwilioError::Api { status: 429, .. }),
        "{err:?}"
    );
    assert_eq!(
        server.requests(),
        1,
        "an hour's wait is not silently sat out"
    );
}

#[tokio::test]
async fn other_client_errors_are_not_retried() {
    for status in [400, 401, 403, 404] {
        let server = ScriptedServer::start(vec![twilio_error(status, 20001), account()]);
        let err = client(&server).accounts().fetch(&sid()).await.unwrap_err();
        assert!(
            matches!(err, TwilioError::Api { status: s, .. } if s == status),
            "{err:?}"
        );
        assert_eq!(server.requests(), 1, "{status} is final");
    }
}

fn call_row(n: usize) -> serde_json::Value {
    serde_json::json!({"sid": format!("CA{n:032x}"), "account_sid": ACCOUNT_SID, "status": "completed", "to": "+14158675309"})
}

fn calls_page(rows: std::ops::Range<usize>, next: Option<&str>) -> Response {
    Response::json(
        200,
        serde_json::json!({"calls": rows.map(call_row).collect::<Vec<_>>(), "next_page_uri": next, "page_size": 2}),
    )
}

#[tokio::test]
async fn lists_follow_next_page_uri_lazily_one_page_at_a_time() {
    use futures_util::{StreamExt, TryStreamExt};
    let pages = vec![
        calls_page(
            0..2,
            Some("/2010-04-01/Accounts/X/Calls.json?PageSize=2&Page=1&PageToken=PA1"),
        ),
        calls_page(
            2..4,
            Some("/2010-04-01/Accounts/X/Calls.json?PageSize=2&Page=2&PageToken=PA2"),
        ),
        calls_page(4..5, None),
    ];
    let server = ScriptedServer::start(pages.clone());
    let all: Vec<_> = client(&server)
        .calls()
        .list()
        .page_size(2)
        .stream()
        .try_collect()
        .await
        .unwrap();
    let sids: Vec<_> = all.iter().map(|c| c.sid.to_string()).collect();
    assert_eq!(
        sids,
        (0..5).map(|n| format!("CA{n:032x}")).collect::<Vec<_>>()
    );
    assert_eq!(server.requests(), 3, "one request per page");
    let seen = server.seen();
    assert!(
        seen[0].starts_with(&format!(
            "GET /2010-04-01/Accounts/{ACCOUNT_SID}/Calls.json?PageSize=2 "
        )),
        "{}",
        seen[0]
    );
    assert!(
        seen[1]
            .starts_with("GET /2010-04-01/Accounts/X/Calls.json?PageSize=2&Page=1&PageToken=PA1 "),
        "the link is followed as given: {}",
        seen[1]
    );

    let lazy = ScriptedServer::start(pages);
    let first: Vec<_> = client(&lazy)
        .calls()
        .list()
        .stream()
        .take(2)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(first.len(), 2);
    assert_eq!(
        lazy.requests(),
        1,
        "rows already on the first page need no second request"
    );
}

#[tokio::test]
async fn a_malformed_row_is_reported_and_the_list_goes_on() {
    use futures_util::StreamExt;
    let server = ScriptedServer::start(vec![Response::json(
        200,
        serde_json::json!({"calls": [call_row(1), {"sid": "CAnope", "status": 3}, call_row(2)], "next_page_uri": null}),
    )]);
    let items: Vec<_> = client(&server).calls().list().stream().collect().await;
    assert_eq!(items.len(), 3);
    assert!(items[0].is_ok() && items[2].is_ok());
    match &items[1] {
        Err(TwilioError::Decode { what, detail }) => {
            assert!(what.contains("a row of the call list"), "{what}");
            assert!(detail.contains("Call SID"), "{detail}");
        }
        other => panic!("expected a decode error for the bad row, got {other:?}"),
    }
}

#[tokio::test]
async fn a_page_linking_to_itself_ends_the_list_instead_of_looping() {
    use futures_util::TryStreamExt;
    let looping = "/2010-04-01/Accounts/X/Calls.json?Page=1";
    let server = ScriptedServer::start(vec![
        calls_page(0..1, Some(looping)),
        calls_page(1..2, Some(looping)),
    ]);
    let all: Vec<_> = client(&server)
        .calls()
        .list()
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(server.requests(), 2);
}

#[tokio::test]
async fn a_body_that_is_not_json_is_a_decode_error_with_context() {
    let server = ScriptedServer::start(vec![
        Response::new(200, "<html>captive portal</html>").header("Content-Type", "text/html"),
    ]);
    let err = client(&server).accounts().fetch(&sid()).await.unwrap_err();
    match err {
        TwilioError::Decode { what, .. } => assert_eq!(what, "the account"),
        other => panic!("expected Decode, got {other:?}"),
    }
}

#[tokio::test]
async fn recording_audio_is_downloaded_with_auth_and_streamed_into_place() {
    use switchboard::sid::RecordingSid;
    use switchboard::twilio::AudioFormat;
    let audio = format!("ID3\u{3}\u{0}{}", "frame ".repeat(20_000));
    let server = ScriptedServer::start(vec![
        Response::new(200, audio.clone()).header("Content-Type", "audio/mpeg"),
        Response::new(200, "<html>login</html>").header("Content-Type", "text/html"),
        twilio_error(404, 20404),
    ]);
    let client = client(&server);
    let dir = tempfile::tempdir().unwrap();
    let rec = RecordingSid::parse(&format!("RE{}", "1".repeat(32))).unwrap();
    let dest = dir.path().join("voicemail.mp3");

    let done = client
        .recordings()
        .download(&rec, AudioFormat::Mp3, &dest)
        .await
        .unwrap();
    assert_eq!(done.bytes, audio.len() as u64);
    assert_eq!(std::fs::read(&dest).unwrap(), audio.as_bytes());
    let request = &server.seen()[0];
    assert!(
        request.starts_with(&format!(
            "GET /2010-04-01/Accounts/{ACCOUNT_SID}/Recordings/{rec}.mp3 "
        )),
        "{request}"
    );
    let auth = request
        .lines()
        .find_map(|l| l.strip_prefix("authorization: Basic "))
        .expect("the media request is authenticated");
    use base64::Engine;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(auth.trim())
        .unwrap();
    assert!(
        String::from_utf8(decoded)
            .unwrap()
            .starts_with(&format!("{API_KEY_SID}:"))
    );

    let other = dir.path().join("wrong.wav");
    let err = client
        .recordings()
        .download(&rec, AudioFormat::Wav, &other)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, TwilioError::Decode { detail, .. } if detail.contains("text/html")),
        "{err:?}"
    );
    let err = client
        .recordings()
        .download(&rec, AudioFormat::Mp3, &other)
        .await
        .unwrap_err();
    assert!(matches!(err, TwilioError::Api { status: 404, .. }));
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        left,
        vec![std::ffi::OsString::from("voicemail.mp3")],
        "no partial files are left behind"
    );
}

#[tokio::test]
async fn a_download_into_a_missing_folder_says_where_and_keeps_nothing() {
    use switchboard::sid::RecordingSid;
    use switchboard::twilio::AudioFormat;
    let server = ScriptedServer::start(vec![
        Response::new(200, "RIFF....WAVE").header("Content-Type", "audio/x-wav"),
    ]);
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("missing/voicemail.wav");
    let rec = RecordingSid::parse(&format!("RE{}", "2".repeat(32))).unwrap();
    let err = client(&server)
        .recordings()
        .download(&rec, AudioFormat::Wav, &dest)
        .await
        .unwrap_err();
    let shown = switchboard::Error::from(err);
    assert_eq!(shown.code, switchboard::Code::Storage);
    assert!(
        shown.message.contains("missing/voicemail.wav") && shown.message.contains("writable"),
        "{}",
        shown.message
    );
}
