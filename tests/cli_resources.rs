//! The `switchboard` resource commands as an admin's script runs them: against Prism serving
//! Twilio's spec, with profiles in a real (headless) keychain, and with a canary secret that
//! must never appear in any output, log or file.

mod support;

use std::path::Path;
use std::process::{Command, Output, Stdio};

use support::{ACCOUNT_SID, API_KEY_SID, Prism, Response, ScriptedServer};

const CANARY: &str = "CanaryZ9secretQ7neverX5shownW3aa";

struct Run {
    ok: bool,
    stdout: String,
    stderr: String,
}

fn run(data: &Path, base: &str, env_creds: bool, args: &[&str], stdin: Option<&str>) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_switchboard"));
    cmd.args([
        "--data-dir",
        data.to_str().unwrap(),
        "--api-base",
        base,
        "-v",
    ])
    .args(args)
    .env_remove("SWITCHBOARD_PROFILE")
    .env("SWITCHBOARD_LOG", "debug")
    .stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    })
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    if env_creds {
        cmd.env("TWILIO_ACCOUNT_SID", ACCOUNT_SID)
            .env("TWILIO_API_KEY", API_KEY_SID)
            .env("TWILIO_API_SECRET", CANARY);
    } else {
        cmd.env_remove("TWILIO_ACCOUNT_SID")
            .env_remove("TWILIO_API_KEY")
            .env_remove("TWILIO_API_SECRET");
    }
    let mut child = cmd.spawn().unwrap();
    if let Some(input) = stdin {
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
    }
    let Output {
        status,
        stdout,
        stderr,
    } = child.wait_with_output().unwrap();
    let run = Run {
        ok: status.success(),
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    };
    assert!(
        !run.stdout.contains(CANARY) && !run.stderr.contains(CANARY),
        "{args:?} leaked the secret:\n{}\n{}",
        run.stdout,
        run.stderr
    );
    run
}

/// The `error[code]: message` line (logs come first with `-v`).
fn error_line(run: &Run) -> String {
    run.stderr
        .lines()
        .find(|l| l.starts_with("error["))
        .unwrap_or_default()
        .to_owned()
}

fn json(run: &Run) -> serde_json::Value {
    assert!(run.ok, "command failed: {}", run.stderr);
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("not JSON ({e}):\n{}", run.stdout))
}

#[test]
fn every_resource_command_works_against_twilios_spec_with_json_output() {
    let prism = Prism::start("twilio_api_v2010.json");
    let pricing = Prism::start("twilio_pricing_v1.json");
    let dir = tempfile::tempdir().unwrap();
    let pricing_base = pricing.url();
    let go = |args: &[&str]| {
        let mut all = vec!["--pricing-base", pricing_base.as_str()];
        all.extend_from_slice(args);
        run(dir.path(), &prism.url(), true, &all, None)
    };

    let numbers = json(&go(&["numbers", "list", "--json"]));
    assert_eq!(numbers[0]["sid"].as_str().unwrap().len(), 34);
    let found = json(&go(&[
        "numbers",
        "search",
        "--country",
        "US",
        "--type",
        "toll-free",
        "--contains",
        "800***",
        "--voice",
        "--limit",
        "5",
        "--json",
    ]));
    assert!(
        found
            .as_array()
            .unwrap()
            .iter()
            .all(|n| n["phone_number"].as_str().unwrap().starts_with('+'))
    );
    json(&go(&[
        "numbers",
        "buy",
        "+14158675309",
        "--friendly-name",
        "Support",
        "--no-routing",
        "--yes",
        "--json",
    ]));
    json(&go(&[
        "numbers",
        "buy",
        "--area-code",
        "415",
        "--voice-url",
        "https://example.com/voice",
        "--yes",
        "--json",
    ]));
    let pn = "PNaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    json(&go(&[
        "numbers",
        "update",
        pn,
        "--friendly-name",
        "Sales",
        "--voice-url",
        "https://example.com/v",
        "--voice-method",
        "POST",
        "--json",
    ]));
    let released = go(&["numbers", "release", pn, "--yes"]);
    assert!(
        released.ok && released.stdout.starts_with("Released "),
        "{}",
        released.stderr
    );

    let calls = json(&go(&[
        "calls",
        "list",
        "--status",
        "completed",
        "--after",
        "2026-11-01",
        "--before",
        "2026-11-22T12:00:00Z",
        "--limit",
        "1",
        "--json",
    ]));
    assert_eq!(calls.as_array().unwrap().len(), 1);
    let call = "CAaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    assert_eq!(json(&go(&["calls", "get", call, "--json"]))["sid"], call);
    json(&go(&[
        "calls",
        "create",
        "--to",
        "+442079460958",
        "--from",
        "+14155550123",
        "--url",
        "https://example.com/a",
        "--record",
        "--machine-detection",
        "enable",
        "--timeout",
        "30",
        "--json",
    ]));
    json(&go(&[
        "calls",
        "create",
        "--to",
        "client:alice",
        "--from",
        "+14155550123",
        "--twiml",
        "<Response><Say>Hi</Say></Response>",
        "--json",
    ]));
    json(&go(&[
        "calls",
        "update",
        call,
        "--twiml",
        "<Response><Hangup/></Response>",
        "--json",
    ]));
    let hung = go(&["calls", "hangup", call]);
    assert!(hung.ok, "{}", hung.stderr);

    let recs = json(&go(&[
        "recordings",
        "list",
        "--call",
        call,
        "--after",
        "2026-01-01",
        "--json",
    ]));
    assert_eq!(recs[0]["sid"], "REaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
    let trs = json(&go(&["transcriptions", "list", "--json"]));
    assert_eq!(trs[0]["status"], "completed");
    json(&go(&[
        "transcriptions",
        "list",
        "--recording",
        "REaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "--json",
    ]));

    let table = go(&["numbers", "list"]);
    assert!(
        table.stdout.starts_with("NUMBER ") && table.stdout.contains("PNaaaa"),
        "{}",
        table.stdout
    );
    let priced = go(&["numbers", "search", "--area-code", "808", "--limit", "1"]);
    assert!(
        priced
            .stdout
            .lines()
            .nth(1)
            .is_some_and(|l| l.ends_with(" USD")),
        "the monthly price is shown:\n{}",
        priced.stdout
    );

    prism.assert_all_valid(18);
    pricing.assert_all_valid(4);
    assert!(
        !support::read_tree(dir.path()).contains(CANARY),
        "the secret reached the data directory or logs"
    );
}

#[test]
fn bad_input_is_refused_naming_the_field_before_any_request() {
    // Nothing listens at this base: a request would be a network error, not invalid_input.
    let dead = format!("http://127.0.0.1:{}", support::free_port());
    let dir = tempfile::tempdir().unwrap();
    let cases: &[(&[&str], &str)] = &[
        (
            &[
                "calls",
                "create",
                "--to",
                "555 1234",
                "--from",
                "+14155550123",
                "--url",
                "https://e.com",
            ],
            "To: ",
        ),
        (
            &[
                "calls",
                "create",
                "--to",
                "+14158675309",
                "--from",
                "+1415",
                "--url",
                "https://e.com",
            ],
            "From: ",
        ),
        (
            &[
                "calls",
                "create",
                "--to",
                "+14158675309",
                "--from",
                "+14155550123",
                "--url",
                "e.com/x",
            ],
            "Url: ",
        ),
        (
            &[
                "calls",
                "create",
                "--to",
                "+14158675309",
                "--from",
                "+14155550123",
                "--twiml",
                "Say hi",
            ],
            "Twiml: ",
        ),
        (
            &[
                "calls",
                "create",
                "--to",
                "+14158675309",
                "--from",
                "+14155550123",
                "--url",
                "https://e.com",
                "--timeout",
                "2",
            ],
            "Timeout: ",
        ),
        (&["calls", "get", "CA123"], "SID: A Call SID"),
        (&["calls", "list", "--status", "ringing-ish"], "--status: "),
        (&["calls", "list", "--after", "last tuesday"], "--after: "),
        (
            &[
                "recordings",
                "download",
                "CAaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            ],
            "SID: A Recording SID",
        ),
        (
            &[
                "recordings",
                "download",
                "REaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                "--format",
                "ogg",
            ],
            "--format: ",
        ),
        (&["numbers", "search", "--country", "XX"], "Country: "),
        (&["numbers", "search", "--contains", "4-1"], "Contains: "),
        (&["numbers", "search", "--type", "landline"], "--type: "),
        (&["numbers", "buy", "12"], "NUMBER: "),
        (
            &["numbers", "update", "PN1", "--friendly-name", "x"],
            "NUMBER: A phone number SID",
        ),
        (
            &[
                "numbers",
                "update",
                "PNaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                "--voice-url",
                "nope",
            ],
            "VoiceUrl: ",
        ),
        (
            &[
                "numbers",
                "update",
                "PNaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                "--voice-method",
                "PUT",
            ],
            "--voice-method: ",
        ),
    ];
    for (args, field) in cases {
        let out = run(dir.path(), &dead, true, args, None);
        assert!(!out.ok, "{args:?} must fail");
        assert!(
            out.stderr
                .lines()
                .any(|l| l.starts_with("error[invalid_input]: ") && l.contains(field)),
            "{args:?} should be refused naming {field:?}:\n{}",
            out.stderr
        );
    }
}

#[test]
fn twilio_errors_reach_stderr_with_code_and_link_and_a_nonzero_exit() {
    let server = ScriptedServer::start(vec![
        Response::json(
            404,
            serde_json::json!({"code": 20404, "message": "The requested resource was not found", "more_info": "https://www.twilio.com/docs/errors/20404", "status": 404}),
        ),
        Response::json(
            400,
            serde_json::json!({"code": 21210, "message": "'From' phone number not verified", "more_info": "https://www.twilio.com/docs/errors/21210", "status": 400}),
        ),
    ]);
    let dir = tempfile::tempdir().unwrap();
    let base = server.url();
    let missing = run(
        dir.path(),
        &base,
        true,
        &["calls", "get", "CAaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"],
        None,
    );
    assert!(!missing.ok);
    assert!(
        missing
            .stderr
            .contains("error[not_found]: Twilio has no such resource (404)"),
        "{}",
        missing.stderr
    );
    let refused = run(
        dir.path(),
        &base,
        true,
        &[
            "calls",
            "create",
            "--to",
            "+14158675309",
            "--from",
            "+14155550123",
            "--url",
            "https://e.com/a",
        ],
        None,
    );
    assert!(!refused.ok);
    let line = refused
        .stderr
        .lines()
        .find(|l| l.starts_with("error["))
        .unwrap();
    assert_eq!(
        line,
        "error[twilio]: Twilio answered 400 (error 21210): 'From' phone number not verified. See https://www.twilio.com/docs/errors/21210"
    );
    assert!(!support::read_tree(dir.path()).contains(CANARY));
}

/// Profiles kept in SQLite with their secrets in the Secret Service (scripts/test.sh runs the
/// tests inside a private D-Bus session with a throwaway unlocked keyring).
#[test]
fn profiles_are_added_listed_switched_and_removed_with_secrets_only_in_the_keychain() {
    let prism = Prism::start("twilio_api_v2010.json");
    let dir = tempfile::tempdir().unwrap();
    let go = |args: &[&str], stdin: Option<&str>| run(dir.path(), &prism.url(), false, args, stdin);
    let secret_line = format!("{CANARY}\n");

    let none = go(&["calls", "list"], None);
    assert!(
        !none.ok && error_line(&none).starts_with("error[not_configured]: "),
        "{}",
        none.stderr
    );

    let added = go(
        &[
            "profiles",
            "add",
            "acme",
            "--account-sid",
            ACCOUNT_SID,
            "--api-key",
            API_KEY_SID,
            "--json",
        ],
        Some(&secret_line),
    );
    let profile = json(&added);
    assert_eq!(profile["name"], "acme");
    assert!(profile.get("api_key_secret").is_none());
    // A subaccount profile: the key belongs to the parent (ACbbbb…), requests act on the
    // subaccount (Prism's example account, ACaaaa…).
    let parent = format!("AC{}", "b".repeat(32));
    let sub = ACCOUNT_SID;
    let second = go(
        &[
            "profiles",
            "add",
            "acme-eu",
            "--account-sid",
            &parent,
            "--api-key",
            API_KEY_SID,
            "--region",
            "ie1",
            "--edge",
            "dublin",
            "--subaccount",
            sub,
            "--no-activate",
        ],
        Some(&secret_line),
    );
    assert!(second.ok, "{}", second.stderr);
    let bad_region = go(
        &[
            "profiles",
            "add",
            "x",
            "--account-sid",
            ACCOUNT_SID,
            "--api-key",
            API_KEY_SID,
            "--region",
            "IE 1",
        ],
        Some(&secret_line),
    );
    assert!(
        error_line(&bad_region).starts_with("error[invalid_input]: The region"),
        "{}",
        bad_region.stderr
    );

    let listed = json(&go(&["profiles", "list", "--json"], None));
    let names: Vec<_> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["name"].as_str().unwrap(), p["active"].as_bool().unwrap()))
        .collect();
    assert_eq!(names, vec![("acme", true), ("acme-eu", false)]);
    assert_eq!(listed[1]["region"], "ie1");
    assert_eq!(listed[1]["edge"], "dublin");

    // The secret comes back out of the keychain for requests, through the active profile and
    // through --profile.
    assert!(go(&["calls", "list", "--limit", "1"], None).ok);
    assert!(
        go(
            &["--profile", "acme-eu", "numbers", "list", "--limit", "1"],
            None
        )
        .ok
    );
    let unknown = go(&["--profile", "nope", "calls", "list"], None);
    assert!(
        error_line(&unknown).starts_with("error[not_found]: There is no profile called \"nope\""),
        "{}",
        unknown.stderr
    );

    let switched = go(&["profiles", "use", "acme-eu"], None);
    assert!(
        switched.ok && switched.stdout.contains("acme-eu"),
        "{}",
        switched.stderr
    );
    let status = json(&go(&["status", "--json"], None));
    assert_eq!(status["profile"]["name"], "acme-eu");

    assert!(go(&["profiles", "remove", "acme-eu"], None).ok);
    let status = json(&go(&["status", "--json"], None));
    assert_eq!(
        status["profile"]["name"], "acme",
        "the remaining profile becomes active"
    );
    // acme still uses the key, so its secret is still there.
    assert!(go(&["calls", "list", "--limit", "1"], None).ok);
    assert!(go(&["profiles", "remove", "acme"], None).ok);
    let gone = go(&["profiles", "list"], None);
    assert!(gone.stdout.contains("No profiles"), "{}", gone.stdout);

    prism.assert_all_valid(5);
    assert!(
        !prism.log().contains(&format!("/Accounts/{parent}")),
        "the subaccount profile acts on the subaccount, never the parent"
    );
    assert!(
        !support::read_tree(dir.path()).contains(CANARY),
        "secrets stay out of the database and logs"
    );
}
