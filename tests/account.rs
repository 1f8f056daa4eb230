//! Connecting an account end to end: form checks, the check against Twilio (Prism serving
//! Twilio's spec, or a scripted server for Twilio's error answers), and what is kept.

mod support;

use std::time::Duration;

use support::{
    ACCOUNT_SID, API_KEY_SID, Prism, Response, ScriptedServer, temp_paths, test_keychain,
};
use switchboard::account::CredentialsInput;
use switchboard::secret::Sensitive;
use switchboard::sid::{AccountSid, ApiKeySid};
use switchboard::twilio::ApiBase;
use switchboard::{Code, Switchboard};

fn input(account: &str, key: &str, secret: &str) -> CredentialsInput {
    CredentialsInput {
        account_sid: account.into(),
        api_key_sid: key.into(),
        api_key_secret: Sensitive::new(secret.into()),
        profile_name: Some("work".into()),
    }
}

async fn core_at(base: ApiBase) -> (tempfile::TempDir, Switchboard) {
    let (dir, paths) = temp_paths();
    let core = Switchboard::open(paths, test_keychain(), Some(base))
        .await
        .unwrap();
    (dir, core)
}

fn sids() -> (AccountSid, ApiKeySid) {
    (
        AccountSid::parse(ACCOUNT_SID).unwrap(),
        ApiKeySid::parse(API_KEY_SID).unwrap(),
    )
}

#[tokio::test]
async fn account_check_passes_against_twilios_spec_and_keeps_the_profile() {
    let prism = Prism::start("twilio_api_v2010.json");
    let (_dir, core) = core_at(prism.api_base()).await;
    let secret = "s3cr3tS3CR3Ts3cr3tS3CR3Ts3cr3tAB";

    let profile = core
        .connect(&input(ACCOUNT_SID, API_KEY_SID, secret))
        .await
        .expect("connect");

    assert_eq!(
        prism.rejections_after(1),
        0,
        "the account check must match Twilio's spec:\n{}",
        prism.log()
    );
    assert!(
        prism
            .log()
            .contains(&format!("get /2010-04-01/Accounts/{ACCOUNT_SID}.json"))
    );
    assert_eq!(profile.name, "work");
    assert_eq!(
        profile.account_name.as_deref(),
        Some("friendly_name"),
        "name comes from Twilio's answer"
    );
    let status = core.status().await.unwrap();
    assert_eq!(
        status.profile.as_ref(),
        Some(&profile),
        "the connected profile becomes the active one"
    );
    let (account, key) = sids();
    let stored = core
        .keychain()
        .api_secret(&account, &key)
        .expect("secret in the keychain");
    assert_eq!(stored.expose(), secret);
    assert!(
        !support::read_tree(&std::path::PathBuf::from(&status.data_dir)).contains(secret),
        "the secret must never be written to the data directory"
    );
    core.keychain().delete_api_secret(&account, &key).unwrap();
}

#[tokio::test]
async fn prism_rejects_a_request_that_breaks_twilios_spec() {
    let prism = Prism::start("twilio_api_v2010.json");
    let response = reqwest::Client::new()
        .get(format!(
            "{}/2010-04-01/Accounts/ACnot-a-sid.json",
            prism.url()
        ))
        .basic_auth(API_KEY_SID, Some("secret"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        422,
        "a malformed Account SID in the path breaks the spec"
    );
    assert_eq!(prism.rejections_after(1), 1, "Prism logs the refusal");

    let unauthenticated = reqwest::get(format!(
        "{}/2010-04-01/Accounts/{ACCOUNT_SID}.json",
        prism.url()
    ))
    .await
    .unwrap();
    assert_eq!(
        unauthenticated.status(),
        401,
        "Twilio's spec requires basic auth"
    );
}

#[tokio::test]
async fn malformed_input_is_refused_before_any_request() {
    let server = ScriptedServer::start(vec![Response::json(500, serde_json::json!({}))]);
    let (_dir, core) = core_at(server.api_base()).await;

    let err = core
        .connect(&input("AC123", API_KEY_SID, "x".repeat(32).as_str()))
        .await
        .expect_err("malformed SID");

    assert_eq!(err.code, Code::InvalidInput);
    assert!(err.message.contains("Account SID"), "{}", err.message);
    assert_eq!(
        server.requests(),
        0,
        "nothing may be sent for a malformed form"
    );
    assert_eq!(core.status().await.unwrap().profile, None);
}

async fn assert_failed_check_keeps_nothing(core: &Switchboard) {
    assert_eq!(
        core.status().await.unwrap().profile,
        None,
        "no profile after a failed check"
    );
    let (account, key) = sids();
    assert!(
        core.keychain().api_secret(&account, &key).is_err(),
        "no secret may be stored after a failed check"
    );
}

#[tokio::test]
async fn a_wrong_key_is_unauthorized_and_nothing_is_kept() {
    let server = ScriptedServer::start(vec![Response::json(
        401,
        serde_json::json!({"code": 20003, "message": "Authenticate", "more_info": "https://www.twilio.com/docs/errors/20003", "status": 401}),
    )]);
    let (_dir, core) = core_at(server.api_base()).await;

    let err = core
        .connect(&input(ACCOUNT_SID, API_KEY_SID, &"w".repeat(32)))
        .await
        .unwrap_err();

    assert_eq!(err.code, Code::Unauthorized);
    assert!(
        err.message.contains("API key SID and secret"),
        "{}",
        err.message
    );
    assert_eq!(server.requests(), 1, "a 4xx is final: no retry");
    assert_failed_check_keeps_nothing(&core).await;
}

#[tokio::test]
async fn twilio_errors_keep_their_code_and_link() {
    let server = ScriptedServer::start(vec![Response::json(
        400,
        serde_json::json!({"code": 20001, "message": "Invalid parameter", "more_info": "https://www.twilio.com/docs/errors/20001", "status": 400}),
    )]);
    let (_dir, core) = core_at(server.api_base()).await;
    let err = core
        .connect(&input(ACCOUNT_SID, API_KEY_SID, &"w".repeat(32)))
        .await
        .unwrap_err();
    assert_eq!(err.code, Code::Twilio);
    assert!(
        err.message.contains("error 20001") && err.message.contains("docs/errors/20001"),
        "{}",
        err.message
    );
}

#[tokio::test]
async fn no_network_is_a_network_error() {
    let port = support::free_port();
    let (_dir, core) = core_at(ApiBase::custom(&format!("http://127.0.0.1:{port}")).unwrap()).await;

    let err = core
        .connect(&input(ACCOUNT_SID, API_KEY_SID, &"n".repeat(32)))
        .await
        .unwrap_err();

    assert_eq!(err.code, Code::Network);
    assert!(
        err.message.contains("Could not reach Twilio"),
        "{}",
        err.message
    );
    assert_failed_check_keeps_nothing(&core).await;
}

#[tokio::test]
async fn a_silent_server_is_a_timeout() {
    let server = ScriptedServer::start(vec![Response::hang()]);
    let (dir, paths) = temp_paths();
    let core = Switchboard::open(paths, test_keychain(), Some(server.api_base()))
        .await
        .unwrap()
        .with_request_timeout(Duration::from_millis(500));

    let err = core
        .connect(&input(ACCOUNT_SID, API_KEY_SID, &"t".repeat(32)))
        .await
        .unwrap_err();

    assert_eq!(err.code, Code::Timeout, "{}", err.message);
    assert!(err.message.contains("did not answer"), "{}", err.message);
    assert_failed_check_keeps_nothing(&core).await;
    drop(dir);
}

#[tokio::test]
async fn a_suspended_account_is_refused() {
    let server = ScriptedServer::start(vec![Response::json(
        200,
        serde_json::json!({"sid": ACCOUNT_SID, "friendly_name": "Acme", "status": "suspended"}),
    )]);
    let (_dir, core) = core_at(server.api_base()).await;
    let err = core
        .connect(&input(ACCOUNT_SID, API_KEY_SID, &"s".repeat(32)))
        .await
        .unwrap_err();
    assert_eq!(err.code, Code::Forbidden);
    assert!(err.message.contains("suspended"));
    assert_failed_check_keeps_nothing(&core).await;
}

#[tokio::test]
async fn a_garbled_answer_is_an_error_not_a_panic() {
    let server = ScriptedServer::start(vec![Response::new(200, "<html>captive portal</html>")]);
    let (_dir, core) = core_at(server.api_base()).await;
    let err = core
        .connect(&input(ACCOUNT_SID, API_KEY_SID, &"g".repeat(32)))
        .await
        .unwrap_err();
    assert_eq!(err.code, Code::Network);
    assert!(
        err.message
            .contains("unexpected answer from Twilio for the account"),
        "{}",
        err.message
    );
    assert_failed_check_keeps_nothing(&core).await;
}

/// A canary secret goes through every path (success, 401, no network) with logging at its most
/// verbose; it must appear in no log line, error message or serialized output.
#[tokio::test]
async fn the_secret_never_reaches_logs_errors_or_output() {
    const CANARY: &str = "CanarySecretZZ9PluralZAlpha00042";
    let (dir, paths) = temp_paths();
    // SAFETY: set before any other thread of this test process reads the environment.
    unsafe { std::env::set_var(switchboard::logging::ENV, "trace") };
    let guard = switchboard::logging::init(&paths.log_dir, false).unwrap();

    let prism = Prism::start("twilio_api_v2010.json");
    let core = Switchboard::open(paths.clone(), test_keychain(), Some(prism.api_base()))
        .await
        .unwrap();
    let profile = core
        .connect(&input(ACCOUNT_SID, API_KEY_SID, CANARY))
        .await
        .unwrap();
    let mut outputs = vec![
        serde_json::to_string(&profile).unwrap(),
        serde_json::to_string(&core.status().await.unwrap()).unwrap(),
        format!("{:?}", input(ACCOUNT_SID, API_KEY_SID, CANARY)),
        format!("{:?}", core.client().await.unwrap()),
    ];
    let (account, key) = sids();
    core.keychain().delete_api_secret(&account, &key).unwrap();

    let unauthorized = ScriptedServer::start(vec![Response::json(
        401,
        serde_json::json!({"code": 20003, "message": "Authenticate"}),
    )]);
    let offline = ApiBase::custom(&format!("http://127.0.0.1:{}", support::free_port())).unwrap();
    for base in [unauthorized.api_base(), offline] {
        let core = Switchboard::open(paths.clone(), test_keychain(), Some(base))
            .await
            .unwrap();
        let err = core
            .connect(&input(ACCOUNT_SID, API_KEY_SID, CANARY))
            .await
            .unwrap_err();
        outputs.push(serde_json::to_string(&err).unwrap());
        outputs.push(format!("{err:?} {err}"));
    }
    drop(guard);

    let logs = support::read_tree(&paths.log_dir);
    assert!(
        logs.contains("checking credentials with Twilio"),
        "trace logging was on: {logs}"
    );
    assert!(
        !logs.contains(CANARY),
        "the secret leaked into the log files"
    );
    for out in outputs {
        assert!(!out.contains(CANARY), "the secret leaked into {out}");
    }
    assert!(
        !support::read_tree(dir.path()).contains(CANARY),
        "the secret leaked into the data directory"
    );
}
