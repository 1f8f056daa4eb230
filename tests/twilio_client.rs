//! The REST client's handling of Twilio's failure answers: retries for 429 and 5xx with
//! backoff and `Retry-After`, bounded; no retry for other 4xx.

mod support;

use std::time::{Duration, Instant};

use support::{ACCOUNT_SID, API_KEY_SID, Reply, ScriptedServer};
use switchboard::secret::Sensitive;
use switchboard::sid::{AccountSid, ApiKeySid};
use switchboard::twilio::{Client, Credentials, RetryPolicy, TwilioError};

fn client(server: &ScriptedServer) -> Client {
    Client::new(
        server.api_base(),
        Credentials {
            account_sid: AccountSid::parse(ACCOUNT_SID).unwrap(),
            api_key_sid: ApiKeySid::parse(API_KEY_SID).unwrap(),
            api_key_secret: Sensitive::new("x".repeat(32)),
        },
    )
    .unwrap()
    .with_retry(RetryPolicy {
        max_attempts: 3,
        base_delay: Duration::from_millis(40),
        max_delay: Duration::from_secs(2),
        max_total_wait: Duration::from_secs(5),
    })
}

fn account() -> Reply {
    Reply::json(
        200,
        serde_json::json!({"sid": ACCOUNT_SID, "friendly_name": "Acme", "status": "active"}),
    )
}

fn twilio_error(status: u16, code: u32) -> Reply {
    Reply::json(
        status,
        serde_json::json!({"code": code, "message": "Service unavailable", "more_info": format!("https://www.twilio.com/docs/errors/{code}"), "status": status}),
    )
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
    let limited = Reply::Http {
        status: 429,
        headers: vec![
            ("Retry-After".into(), "1".into()),
            ("Content-Type".into(), "application/json".into()),
        ],
        body: r#"{"code": 20429, "message": "Too Many Requests", "status": 429}"#.into(),
    };
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
    let limited = Reply::Http {
        status: 429,
        headers: vec![("Retry-After".into(), "3600".into())],
        body: r#"{"code": 20429, "message": "Too Many Requests", "status": 429}"#.into(),
    };
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
