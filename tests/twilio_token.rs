//! Voice access tokens compared with Twilio's own Python helper library for the same inputs:
//! byte for byte, and claim by claim after PyJWT (an independent JWT library) verifies the
//! signature.

mod support;

use serde_json::{Value, json};
use switchboard::secret::Sensitive;
use switchboard::sid::{AccountSid, ApiKeySid, ApplicationSid, PushCredentialSid};
use switchboard::twilio::token::{AccessToken, VoiceGrant};

struct Case {
    name: &'static str,
    identity: &'static str,
    ttl: u64,
    nbf: Option<u64>,
    incoming: bool,
    application: Option<&'static str>,
    params: Vec<(&'static str, &'static str)>,
    push: Option<&'static str>,
}

const ACCOUNT: &str = "AC0123456789abcdef0123456789abcdef";
const KEY: &str = "SKfedcba9876543210fedcba9876543210";
const SECRET: &str = "vXbq2JYl8DCnQ0x6pQkT3hZrWm5aEoNs";
const ISSUED_AT: u64 = 1_795_000_000;

fn cases() -> Vec<Case> {
    let base = || Case {
        name: "",
        identity: "alice_desk",
        ttl: 3600,
        nbf: None,
        incoming: false,
        application: None,
        params: vec![],
        push: None,
    };
    vec![
        Case {
            name: "identity only",
            ..base()
        },
        Case {
            name: "incoming",
            incoming: true,
            ..base()
        },
        Case {
            name: "outgoing app with params, incoming, nbf, long ttl",
            incoming: true,
            application: Some("AP00000000000000000000000000000001"),
            params: vec![
                ("profile", "work"),
                ("caller_id", "+15005550006"),
                ("a&b", "<x>"),
            ],
            nbf: Some(ISSUED_AT - 30),
            ttl: 86_400,
            ..base()
        },
        Case {
            name: "push credential, short ttl",
            push: Some("CR00000000000000000000000000000002"),
            ttl: 60,
            identity: "Bob_2",
            ..base()
        },
    ]
}

fn ours(case: &Case) -> String {
    let mut token = AccessToken::new(
        AccountSid::parse(ACCOUNT).unwrap(),
        ApiKeySid::parse(KEY).unwrap(),
        case.identity,
    )
    .unwrap()
    .voice(VoiceGrant {
        incoming_allow: case.incoming,
        outgoing_application_sid: case.application.map(|s| ApplicationSid::parse(s).unwrap()),
        outgoing_application_params: case
            .params
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        push_credential_sid: case.push.map(|s| PushCredentialSid::parse(s).unwrap()),
    })
    .ttl(case.ttl)
    .unwrap()
    .issued_at(ISSUED_AT);
    if let Some(nbf) = case.nbf {
        token = token.not_before(nbf);
    }
    token.to_jwt(&Sensitive::new(SECRET.to_owned())).unwrap()
}

/// Runs the reference script on `case` with `candidate` as the token to verify.
fn run_reference(case: &Case, candidate: &str) -> std::process::Output {
    let input = json!({
        "account_sid": ACCOUNT, "key_sid": KEY, "secret": SECRET, "identity": case.identity,
        "ttl": case.ttl, "issued_at": ISSUED_AT, "nbf": case.nbf, "incoming": case.incoming,
        "outgoing_application_sid": case.application, "params": case.params,
        "push_credential_sid": case.push, "candidate": candidate,
    });
    support::run_python_harness("twilio_token.py", &input)
}

fn reference(case: &Case, candidate: &str) -> Value {
    let out = run_reference(case, candidate);
    assert!(
        out.status.success(),
        "twilio_token.py failed for {}: {}",
        case.name,
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn tokens_match_twilios_python_library() {
    for case in cases() {
        let token = ours(&case);
        let py = reference(&case, &token);
        assert_eq!(
            py["candidate_decoded"], py["reference_decoded"],
            "{}: header and claims must equal the twilio library's, and PyJWT must verify our signature",
            case.name
        );
        assert_eq!(
            token,
            py["reference"].as_str().unwrap(),
            "{}: the same JWT, byte for byte",
            case.name
        );
        let claims = &py["candidate_decoded"]["claims"];
        assert_eq!(claims["jti"], format!("{KEY}-{ISSUED_AT}"));
        assert_eq!(claims["exp"], ISSUED_AT + case.ttl);
        assert_eq!(claims["iss"], KEY);
        assert_eq!(claims["sub"], ACCOUNT);
        assert_eq!(claims["grants"]["identity"], case.identity);
        assert_eq!(py["candidate_decoded"]["header"]["cty"], "twilio-fpa;v=1");
    }
}

#[test]
fn a_token_signed_with_another_secret_does_not_verify() {
    let case = &cases()[1];
    let token = ours(case);
    let (input, _) = token.rsplit_once('.').unwrap();
    let forged = format!("{input}.{}", "A".repeat(43));
    let out = run_reference(case, &forged);
    assert!(
        !out.status.success(),
        "PyJWT must reject a bad signature, so the comparison above is meaningful"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("Signature verification failed"));
}
