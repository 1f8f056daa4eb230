//! Provisioning call routing: the whole sequence against Prism serving Twilio's Serverless and
//! REST specs (with the upload host, which is not in the spec, played by a server that checks
//! the multipart body), and against a stateful stand-in for idempotence, removal and failed
//! builds.
//!
//! Longer than most files on purpose: the provisioning sequence and its stand-ins read
//! together.

mod support;

use std::time::Duration;

use support::fake_serverless::FakeServerless;
use support::{ACCOUNT_SID, API_KEY_SID, Prism, Request, Response, client};
use switchboard::routing::{self, BuildWait, RoutingConfig};
use switchboard::twilio::{ApiBase, Domain};

const FAST: BuildWait = BuildWait {
    timeout: Duration::from_secs(5),
    poll: Duration::from_millis(20),
};

/// Runs the CLI against `fake` with the Twilio CLI's credential variables: (success, stdout,
/// stderr).
fn cli(fake: &FakeServerless, data: &std::path::Path, args: &[&str]) -> (bool, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args([
            "--data-dir",
            data.to_str().unwrap(),
            "--api-base",
            &fake.url(),
        ])
        .args(args)
        .env("TWILIO_ACCOUNT_SID", ACCOUNT_SID)
        .env("TWILIO_API_KEY", API_KEY_SID)
        .env("TWILIO_API_SECRET", "s".repeat(32))
        .output()
        .unwrap();
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    (out.status.success(), text(&out.stdout), text(&out.stderr))
}

fn config() -> RoutingConfig {
    let mut config = RoutingConfig::new(vec!["desk_main".into()], vec!["+14155550123".into()]);
    config.greetings = vec![
        serde_json::from_value(serde_json::json!({"id": "g1", "kind": "default", "say": {"text": "Leave a message. ".repeat(40)}}))
            .unwrap(),
    ];
    config
}

/// Prism cannot validate arrays in form bodies ("FunctionVersions must be array" whatever is
/// sent), so the build request is checked here, against the spec's rules, and answered as
/// Twilio would; every other request goes through to Prism.
fn check_build(request: &Request) -> Option<Response> {
    if !(request.method == "POST" && request.path.ends_with("/Builds")) {
        return None;
    }
    let fields = request.form();
    let versions = fields.all("FunctionVersions");
    let valid = versions.len() == 5
        && versions
            .iter()
            .all(|v| v.len() == 34 && v.starts_with("ZN"))
        && matches!(fields.get("Runtime"), Some("node20" | "node22"))
        && fields.get("Dependencies").is_some_and(|d| {
            serde_json::from_str::<serde_json::Value>(d).is_ok_and(|v| v.is_object())
        });
    Some(if valid {
        Response::json(
            201,
            serde_json::json!({"sid": format!("ZB{}", "0".repeat(32)), "status": "building"}),
        )
    } else {
        Response::new(422, format!("invalid build request: {}", request.body))
    })
}

#[tokio::test]
async fn the_provisioning_sequence_follows_twilios_specs() {
    let api = Prism::start("twilio_api_v2010.json");
    let serverless = Prism::start("twilio_serverless_v1.json");
    let builds = support::InterceptingProxy::start(serverless.url(), check_build);
    let upload = FakeServerless::start();
    let base = ApiBase::custom(&api.url())
        .unwrap()
        .with_domain(Domain::Serverless, &builds.url())
        .unwrap()
        .with_domain(Domain::ServerlessUpload, &upload.url())
        .unwrap();
    let client = client(base);
    let status = routing::deploy(&client, &config(), FAST)
        .await
        .unwrap_or_else(|e| {
            panic!(
                "{e:?}\nServerless:\n{}\nREST:\n{}",
                serverless.log(),
                api.log()
            )
        });
    assert!(status.inbound_url.as_deref().unwrap().ends_with("/inbound"));
    serverless.assert_all_valid(10);
    api.assert_all_valid(2);

    let uploads = upload.world.lock().unwrap().uploads.clone();
    let paths: Vec<(&str, &str)> = uploads
        .iter()
        .map(|(p, v, _, _)| (p.as_str(), v.as_str()))
        .collect();
    assert_eq!(
        paths,
        vec![
            ("/schedule", "private"),
            ("/inbound", "protected"),
            ("/inbound-status", "protected"),
            ("/voicemail-done", "protected"),
            ("/outbound", "protected")
        ]
    );
    assert!(
        uploads
            .iter()
            .all(|(_, _, kind, code)| kind == "application/javascript" && code.contains("exports"))
    );
    let log = serverless.log();
    assert!(log.contains("post /v1/Services/"), "{log}");
    assert!(
        log.matches("/Variables").count() >= 3,
        "the config is written in chunks and the code version beside it"
    );
}

#[tokio::test]
async fn deploying_twice_keeps_one_service_and_updates_the_config_in_place() {
    let fake = FakeServerless::start();
    let client = client(ApiBase::custom(&fake.url()).unwrap());
    let first = routing::deploy(&client, &config(), FAST).await.unwrap();
    let mut changed = config();
    changed.ring = 40;
    changed.greetings.clear(); // a shorter config: its leftover chunks must go
    let second = routing::deploy(&client, &changed, FAST).await.unwrap();

    {
        let w = fake.world.lock().unwrap();
        assert_eq!(w.services.len(), 1, "never a second service");
        assert_eq!(w.functions.len(), 5, "functions are reused, not duplicated");
        assert_eq!(w.environments.len(), 1);
        assert_eq!(w.applications.len(), 1, "one TwiML App");
        assert_eq!(first.service_sid, second.service_sid);
        assert_eq!(w.deployments.len(), 2);
        let mut vars: Vec<(String, String)> = w
            .variables
            .values()
            .map(|v| {
                (
                    v["key"].as_str().unwrap().to_owned(),
                    v["value"].as_str().unwrap_or("").to_owned(),
                )
            })
            .collect();
        vars.sort();
        let chunks: Vec<&(String, String)> = vars
            .iter()
            .filter(|(k, _)| k.starts_with("SWITCHBOARD_CONFIG_"))
            .collect();
        assert_eq!(
            chunks.len(),
            1,
            "the shorter config fits one chunk and the old chunks are gone: {vars:?}"
        );
        let json: serde_json::Value = serde_json::from_str(&chunks[0].1).unwrap();
        assert_eq!(json["ring"], 40);
        assert!(
            vars.iter()
                .any(|(k, v)| k == "SWITCHBOARD_CODE_VERSION" && *v == routing::code_version())
        );
    }

    let status = routing::status(&client).await.unwrap().unwrap();
    assert!(status.code_current);
    assert_eq!(status.application_sid, second.application_sid);
}

#[tokio::test]
async fn a_failed_build_leaves_the_previous_deployment_serving_and_no_orphan() {
    let fake = FakeServerless::start();
    let client = client(ApiBase::custom(&fake.url()).unwrap());

    // The very first deploy fails: the service it made is removed again.
    fake.world.lock().unwrap().build_outcome = "failed".into();
    let err = routing::deploy(&client, &config(), FAST).await.unwrap_err();
    assert_eq!(err.code, switchboard::Code::Twilio);
    assert!(err.message.contains("could not build"), "{}", err.message);
    assert!(
        fake.world.lock().unwrap().services.is_empty(),
        "no orphaned service"
    );

    fake.world.lock().unwrap().build_outcome = "completed".into();
    let good = routing::deploy(&client, &config(), FAST).await.unwrap();
    fake.world.lock().unwrap().build_outcome = "failed".into();
    routing::deploy(&client, &config(), FAST).await.unwrap_err();
    {
        let w = fake.world.lock().unwrap();
        assert_eq!(w.services.len(), 1, "an existing service is kept");
        let env = w.environments.values().next().unwrap();
        assert_eq!(
            env["build_sid"].as_str(),
            good.build_sid.as_deref(),
            "the previous build still serves"
        );
    }

    fake.world.lock().unwrap().build_outcome = "building".into();
    let slow = BuildWait {
        timeout: Duration::from_millis(100),
        poll: Duration::from_millis(20),
    };
    let err = routing::deploy(&client, &config(), slow).await.unwrap_err();
    assert_eq!(err.code, switchboard::Code::Timeout);
}

#[tokio::test]
async fn removing_leaves_nothing_and_unwires_numbers() {
    let fake = FakeServerless::start();
    let client = client(ApiBase::custom(&fake.url()).unwrap());
    let status = routing::deploy(&client, &config(), FAST).await.unwrap();
    let routed = fake.add_number("+14155550123", status.inbound_url.as_deref().unwrap());
    let custom = fake.add_number("+14155550124", "https://example.com/mine");

    assert!(routing::remove(&client).await.unwrap());
    {
        let w = fake.world.lock().unwrap();
        assert!(
            w.services.is_empty()
                && w.functions.is_empty()
                && w.environments.is_empty()
                && w.variables.is_empty()
                && w.builds.is_empty()
        );
        assert!(w.applications.is_empty(), "the TwiML App goes too");
        assert_eq!(
            w.numbers[&routed]["voice_url"], "",
            "a routed number no longer points at a dead URL"
        );
        assert_eq!(
            w.numbers[&custom]["voice_url"], "https://example.com/mine",
            "other numbers are untouched"
        );
    }
    assert!(
        !routing::remove(&client).await.unwrap(),
        "removing again is a no-op"
    );
    assert!(routing::status(&client).await.unwrap().is_none());
}

#[tokio::test]
async fn numbers_are_wired_to_routing_only_once_it_is_deployed() {
    let fake = FakeServerless::start();
    let client = client(ApiBase::custom(&fake.url()).unwrap());
    let number = fake.add_number("+14155550125", "");
    let sid = switchboard::sid::PhoneNumberSid::parse(&number).unwrap();
    let err = routing::wire_number(&client, &sid).await.unwrap_err();
    assert_eq!(err.code, switchboard::Code::NotConfigured);
    let status = routing::deploy(&client, &config(), FAST).await.unwrap();
    routing::wire_number(&client, &sid).await.unwrap();
    assert_eq!(
        fake.world.lock().unwrap().numbers[&number]["voice_url"].as_str(),
        status.inbound_url.as_deref()
    );
}

#[test]
fn the_cli_deploys_reports_wires_bought_numbers_and_removes() {
    let fake = FakeServerless::start();
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| cli(&fake, dir.path(), args);

    let (ok, stdout, _) = run(&["routing", "status", "--json"]);
    assert!(ok);
    assert_eq!(stdout.trim(), "null", "not deployed yet");
    let (ok, _, stderr) = run(&["numbers", "buy", "+14158675309", "--yes"]);
    assert!(!ok);
    assert!(
        stderr.contains("error[not_configured]: Call routing is not deployed")
            && stderr.contains("--no-routing"),
        "{stderr}"
    );
    assert!(
        fake.world.lock().unwrap().numbers.is_empty(),
        "nothing was bought"
    );

    let (ok, stdout, stderr) = run(&["routing", "deploy", "--json", "--build-poll-ms", "10"]);
    assert!(ok, "{stderr}");
    let deployed: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let inbound = deployed["inbound_url"].as_str().unwrap().to_owned();
    {
        let w = fake.world.lock().unwrap();
        assert_eq!(
            w.sip_domains.len(),
            1,
            "the SIP domain comes with the routing"
        );
        assert_eq!(w.credentials.len(), 1, "with this desktop's credential");
    }
    assert!(inbound.starts_with("https://switchboard-routing-") && inbound.ends_with("/inbound"));

    let (ok, stdout, stderr) = run(&["numbers", "buy", "+14158675309", "--yes", "--json"]);
    assert!(ok, "{stderr}");
    let bought: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(
        bought["voice_url"].as_str(),
        Some(inbound.as_str()),
        "wired in the purchase itself"
    );

    let (ok, stdout, _) = run(&["routing", "status"]);
    assert!(ok && stdout.contains("Code:         current"), "{stdout}");
    let (ok, stdout, stderr) = run(&["routing", "remove", "--json"]);
    assert!(ok, "{stderr}");
    assert_eq!(
        stdout.trim().replace([' ', '\n'], ""),
        r#"{"removed":true}"#
    );
    let w = fake.world.lock().unwrap();
    assert!(w.services.is_empty() && w.applications.is_empty());
    assert!(w.sip_domains.is_empty() && w.credential_lists.is_empty());
    assert_eq!(w.numbers.values().next().unwrap()["voice_url"], "");
}

const OUTBOUND: &str = "https://switchboard-routing-1234-prod.twil.io/outbound";

/// Every SIP request the provisioning can make, checked against Twilio's spec: the first
/// deploy (domain, list, both mappings, credential), the updates a later deploy makes, and the
/// removal.
#[tokio::test]
async fn sip_provisioning_follows_twilios_specs() {
    let api = Prism::start("twilio_api_v2010.json");
    let client = client(ApiBase::custom(&api.url()).unwrap());
    let password = routing::sip::new_sip_password();
    routing::sip::provision(&client, OUTBOUND, "default-desk", &password, true)
        .await
        .unwrap_or_else(|e| panic!("{e:?}\n{}", api.log()));
    let (domain, list, credential) = (
        format!("SD{}", "a".repeat(32)),
        format!("CL{}", "b".repeat(32)),
        format!("CR{}", "c".repeat(32)),
    );
    let sip = client.sip();
    sip.update_domain(&domain, OUTBOUND).await.unwrap();
    sip.set_password(&list, &credential, password.expose())
        .await
        .unwrap();
    sip.delete_domain(&domain).await.unwrap();
    sip.delete_credential_list(&list).await.unwrap();
    routing::sip::remove(&client).await.unwrap();
    api.assert_all_valid(16);
    // A password Twilio would refuse is caught before anything is sent.
    let err = sip
        .create_credential(&list, "desk", "short1A")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("at least 12 characters"), "{err}");
}

#[tokio::test]
async fn sip_provisioning_is_idempotent_and_removal_leaves_nothing() {
    let fake = FakeServerless::start();
    let client = client(ApiBase::custom(&fake.url()).unwrap());
    let first_password = routing::sip::new_sip_password();
    let first = routing::sip::provision(&client, OUTBOUND, "default-desk", &first_password, true)
        .await
        .unwrap();
    assert!(
        first.domain.starts_with("switchboard-") && first.domain.ends_with(".sip.twilio.com"),
        "{}",
        first.domain
    );
    let moved = "https://switchboard-routing-9999-prod.twil.io/outbound";
    let again = routing::sip::provision(&client, moved, "default-desk", &first_password, false)
        .await
        .unwrap();
    assert_eq!(again, first);
    {
        let w = fake.world.lock().unwrap();
        assert_eq!(w.sip_domains.len(), 1, "never a second domain");
        let domain = w.sip_domains.values().next().unwrap();
        assert_eq!(domain["voice_url"], moved, "the domain follows the routing");
        assert_eq!(domain["sip_registration"], true);
        assert_eq!(w.credential_lists.len(), 1, "never a second list");
        let mut kinds: Vec<&str> = w.mappings.iter().map(|(_, k, _)| k.as_str()).collect();
        kinds.sort_unstable();
        assert_eq!(kinds, ["Calls", "Registrations"], "mapped once for each");
        assert_eq!(w.credentials.len(), 1);
        let credential = w.credentials.values().next().unwrap();
        assert_eq!(credential["username"], "default-desk");
        assert_eq!(credential["password"], first_password.expose().as_str());
    }

    // A desktop whose keychain lost its password gets a new one on Twilio too.
    let second_password = routing::sip::new_sip_password();
    routing::sip::provision(&client, moved, "default-desk", &second_password, true)
        .await
        .unwrap();
    // Another desktop gets its own username in the same list.
    routing::sip::provision(&client, moved, "default-laptop", &second_password, true)
        .await
        .unwrap();
    {
        let w = fake.world.lock().unwrap();
        assert_eq!(w.credentials.len(), 2);
        assert!(
            w.credentials
                .values()
                .any(|c| c["username"] == "default-desk"
                    && c["password"] == second_password.expose().as_str())
        );
    }

    routing::remove(&client).await.unwrap();
    let w = fake.world.lock().unwrap();
    assert!(w.sip_domains.is_empty() && w.credential_lists.is_empty());
    assert!(w.credentials.is_empty() && w.mappings.is_empty());
}

/// Twilio clears a number's TwiML App or voice URL when `VoiceApplicationSid` or `VoiceUrl` is
/// sent empty, which its spec's SID pattern and URI format cannot express: those empty fields
/// are dropped here, and the rest of the request goes on to Prism to be checked.
fn drop_clearing_fields(request: &mut Request) {
    let clearing =
        |k: &str, v: &str| v.is_empty() && matches!(k, "VoiceApplicationSid" | "VoiceUrl");
    let fields = request.form();
    if fields.0.iter().any(|(k, v)| clearing(k, v)) {
        request.body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields.0.iter().filter(|(k, v)| !clearing(k, v)))
            .finish();
    }
}

#[tokio::test]
async fn the_numbers_view_searches_buys_configures_and_releases_within_the_specs() {
    use switchboard::e164::E164;
    use switchboard::numbers::{
        MoreFilters, NumberChange, NumberSearch, Numbers, Purchase, Routing, Wanted, Wiring,
    };
    use switchboard::sid::PhoneNumberSid;
    let api = Prism::start("twilio_api_v2010.json");
    let proxy =
        support::InterceptingProxy::start_with_rewrite(api.url(), |_| None, drop_clearing_fields);
    let serverless = Prism::start("twilio_serverless_v1.json");
    let pricing = Prism::start("twilio_pricing_v1.json");
    let base = ApiBase::custom(&proxy.url())
        .unwrap()
        .with_domain(Domain::Serverless, &serverless.url())
        .unwrap()
        .with_domain(Domain::Pricing, &pricing.url())
        .unwrap();
    let numbers = Numbers::new(client(base));

    let owned = numbers.list().await.unwrap();
    assert!(!owned.is_empty());
    let search = NumberSearch {
        country: "US".into(),
        kind: switchboard::twilio::NumberType::Local,
        area_code: Some(808),
        contains: Some("925".into()),
        sms: true,
        mms: false,
    };
    let found = numbers
        .search(&search, &MoreFilters::default())
        .await
        .unwrap();
    assert!(!found.numbers.is_empty() && found.monthly_price.is_some());

    let wanted =
        Wanted::Number(E164::parse("Number", &found.numbers[0].phone_number, None).unwrap());
    let err = numbers
        .buy(&Purchase {
            wanted: wanted.clone(),
            friendly_name: None,
            wiring: Wiring::Switchboard,
        })
        .await
        .unwrap_err();
    assert_eq!(
        err.code,
        switchboard::Code::NotConfigured,
        "no routing to wire to: nothing is bought"
    );
    numbers
        .buy(&Purchase {
            wanted,
            friendly_name: Some("Front desk".into()),
            wiring: Wiring::None,
        })
        .await
        .unwrap();

    let sid = &PhoneNumberSid::parse(&owned[0].sid).unwrap();
    for routing in [
        Routing::Forward {
            to: "+14155550199".into(),
        },
        Routing::Webhook {
            url: "https://example.com/voice".into(),
            method: "GET".into(),
        },
        Routing::None,
    ] {
        numbers
            .update(
                sid,
                &NumberChange {
                    friendly_name: Some("Main".into()),
                    routing: Some(routing),
                    ..NumberChange::default()
                },
            )
            .await
            .unwrap_or_else(|e| panic!("{e:?}\n{}", api.log()));
    }
    let bad = NumberChange {
        friendly_name: None,
        routing: Some(Routing::Forward { to: "555".into() }),
        ..NumberChange::default()
    };
    assert_eq!(
        numbers.update(sid, &bad).await.unwrap_err().code,
        switchboard::Code::InvalidInput
    );

    let refused = numbers.release(sid, "+1 555 000 0000").await.unwrap_err();
    assert!(refused.message.contains("exactly"), "{}", refused.message);
    let number = owned[0].phone_number.clone();
    numbers.release(sid, &number).await.unwrap();
    assert!(
        api.log().contains("delete /2010-04-01/Accounts/"),
        "released after the typed number matched"
    );

    api.assert_all_valid(8);
    serverless.assert_all_valid(1);
    pricing.assert_all_valid(1);
}

#[test]
fn greeting_changes_reach_the_deployed_routing_without_a_build() {
    let fake = FakeServerless::start();
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| cli(&fake, dir.path(), args);
    let config = || {
        let w = fake.world.lock().unwrap();
        let mut chunks: Vec<(String, String)> = w
            .variables
            .values()
            .filter_map(|v| {
                let key = v["key"].as_str()?;
                key.strip_prefix("SWITCHBOARD_CONFIG_").map(|i| {
                    (
                        format!("{i:0>4}"),
                        v["value"].as_str().unwrap_or("").to_owned(),
                    )
                })
            })
            .collect();
        chunks.sort();
        serde_json::from_str::<serde_json::Value>(
            &chunks.into_iter().map(|(_, v)| v).collect::<String>(),
        )
        .unwrap()
    };

    let (ok, stdout, stderr) = run(&[
        "greetings",
        "add-tts",
        "--name",
        "Main",
        "--text",
        "Thanks for calling Acme. Leave a message.",
    ]);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("not deployed yet"), "{stdout}");
    assert!(run(&["greetings", "timezone", "America/New_York"]).0);
    let (ok, _, stderr) = run(&["routing", "deploy", "--build-poll-ms", "10"]);
    assert!(ok, "{stderr}");
    assert_eq!(
        config()["greetings"][0]["say"]["text"],
        "Thanks for calling Acme. Leave a message."
    );
    assert_eq!(config()["tz"], "America/New_York");
    let builds = fake.world.lock().unwrap().builds.len();

    let (ok, stdout, stderr) = run(&[
        "greetings",
        "add-tts",
        "--name",
        "Closed",
        "--kind",
        "after-hours",
        "--open",
        "mon-fri 09:00-17:30",
        "--text",
        "We are closed. Leave a message.",
        "--voice",
        "Polly.Joanna-Neural",
        "--language",
        "en-US",
    ]);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("from the next call"), "{stdout}");
    let greetings = config()["greetings"].as_array().unwrap().clone();
    assert_eq!(greetings.len(), 2);
    assert_eq!(
        greetings[1]["open"][0]["days"],
        serde_json::json!([1, 2, 3, 4, 5])
    );
    assert_eq!(
        fake.world.lock().unwrap().builds.len(),
        builds,
        "no new build: variables apply on the next call"
    );

    let (_, stdout, _) = run(&["greetings", "preview", "--at", "2026-11-25T23:30:00Z"]);
    assert!(
        stdout.contains("hears \"Closed\""),
        "Wednesday 18:30 in New York: {stdout}"
    );
    let (_, stdout, _) = run(&["greetings", "preview", "--at", "2026-11-25T15:00:00Z"]);
    assert!(stdout.contains("hears \"Main\""), "{stdout}");
    assert!(run(&["greetings", "pronounce", "Acme", "Ack Me"]).0);
    assert_eq!(
        config()["greetings"][0]["say"]["text"],
        "Thanks for calling Ack Me. Leave a message.",
        "pronunciations are applied before the text reaches the routing"
    );
    let (_, stdout, _) = run(&["greetings", "list", "--json"]);
    assert!(
        stdout.contains("Thanks for calling Acme."),
        "the stored text keeps the spelling"
    );
    assert!(run(&["greetings", "remove", "Closed"]).0);
    assert_eq!(config()["greetings"].as_array().unwrap().len(), 1);
    let (ok, _, stderr) = run(&[
        "greetings",
        "add-tts",
        "--name",
        "X",
        "--text",
        "Hi",
        "--kind",
        "after-hours",
    ]);
    assert!(
        !ok && stderr.contains("error[invalid_input]: --open"),
        "{stderr}"
    );
}
