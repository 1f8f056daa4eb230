//! The app and the CLI buy numbers through one code path, `switchboard::numbers::Numbers`:
//! both can buy any number in an area code, both send Twilio the same request, and both say
//! the same words when the number was taken meanwhile (Twilio's 21422) or the area code has
//! none left (21452). The app's side is `Switchboard::numbers()`, which the shell's
//! `buy_number` command calls; the CLI's is the `switchboard numbers buy` binary.

mod support;

use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};

use serde_json::json;
use support::fake_twilio::ACCOUNT;
use support::http::{Request, Response, Server, error};
use switchboard::Code;
use switchboard::e164::E164;
use switchboard::numbers::{Purchase, Wanted, Wiring};

/// A number bought from area code 415.
const BOUGHT: &str = "+14155550199";
/// A number someone else bought between the search and the purchase.
const TAKEN: &str = "+14155550123";

/// The form fields of every purchase request, in order.
type Purchases = Arc<Mutex<Vec<Vec<(String, String)>>>>;

/// Twilio's IncomingPhoneNumbers purchase, for three cases: area code 415 has a number,
/// area code 808 has none left, and [`TAKEN`] is gone. Every purchase request is kept.
fn twilio() -> (Server, Purchases) {
    let purchases = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&purchases);
    let server = Server::start(move |request: &Request| {
        let path = format!("/2010-04-01/Accounts/{ACCOUNT}/IncomingPhoneNumbers.json");
        if request.method != "POST" || request.path != path {
            return error(404, 20404, "The requested resource was not found");
        }
        let form = request.form();
        seen.lock().unwrap().push(form.0.clone());
        match (form.get("AreaCode"), form.get("PhoneNumber")) {
            (Some("415"), None) => Response::json(
                201,
                json!({
                    "sid": "PN0123456789abcdef0123456789abcdef", "account_sid": ACCOUNT,
                    "phone_number": BOUGHT, "friendly_name": form.get("FriendlyName"),
                    "voice_url": form.get("VoiceUrl"), "voice_method": "POST",
                    "capabilities": {"voice": true, "sms": true, "mms": false, "fax": false}
                }),
            ),
            (Some("808"), None) => error(400, 21452, "No phone numbers found in area code 808"),
            (None, Some(TAKEN)) => error(400, 21422, "PhoneNumber is not available"),
            _ => error(400, 21421, "PhoneNumber is invalid"),
        }
    });
    (server, purchases)
}

fn cli(server: &Server, args: &[&str]) -> (bool, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args(["--data-dir", dir.path().to_str().unwrap()])
        .args(["--api-base", &server.url()])
        .args(args)
        .env_remove("SWITCHBOARD_PROFILE")
        .env("TWILIO_ACCOUNT_SID", ACCOUNT)
        .env("TWILIO_API_KEY", support::API_KEY_SID)
        .env("TWILIO_API_SECRET", "s".repeat(32))
        .stdin(Stdio::null())
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn purchase(wanted: Wanted) -> Purchase {
    Purchase {
        wanted,
        friendly_name: Some("Front desk".into()),
        wiring: Wiring::None,
    }
}

#[tokio::test]
async fn the_app_and_the_cli_buy_by_area_code_and_explain_refusals_in_the_same_words() {
    let (server, purchases) = twilio();
    let core = support::TestCore::on(&server.url()).await;
    let numbers = core.numbers().await.unwrap();

    // The app buys any number in an area code, as the CLI always could.
    let bought = numbers
        .buy(&purchase(Wanted::AreaCode("415".into())))
        .await
        .unwrap();
    assert_eq!(bought.phone_number, BOUGHT);
    let app_request = purchases.lock().unwrap().pop().unwrap();
    let (ok, stdout, stderr) = cli(
        &server,
        &[
            "numbers",
            "buy",
            "--area-code",
            "415",
            "--friendly-name",
            "Front desk",
            "--no-routing",
            "--yes",
            "--json",
        ],
    );
    assert!(ok, "{stderr}");
    let printed: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(
        printed,
        serde_json::to_value(&bought).unwrap(),
        "the CLI prints what the app gets"
    );
    let cli_request = purchases.lock().unwrap().pop().unwrap();
    assert_eq!(
        app_request, cli_request,
        "one code path: the same request to Twilio"
    );

    // Taken between search and purchase: the same sentence from both.
    let taken = E164::parse("Number", TAKEN, None).unwrap();
    let err = numbers
        .buy(&purchase(Wanted::Number(taken)))
        .await
        .unwrap_err();
    assert_eq!(err.code, Code::Twilio);
    assert!(
        err.message.contains("+14155550123 is no longer available")
            && err.message.contains("nothing was bought"),
        "{}",
        err.message
    );
    let (ok, _, stderr) = cli(&server, &["numbers", "buy", TAKEN, "--no-routing", "--yes"]);
    assert!(!ok);
    assert!(
        stderr.contains(&format!("error[twilio]: {}", err.message)),
        "the CLI says what the app says: {stderr}"
    );

    // No number left in the area code: the same sentence from both.
    let err = numbers
        .buy(&purchase(Wanted::AreaCode("808".into())))
        .await
        .unwrap_err();
    assert!(
        err.message
            .contains("No number is available in area code 808"),
        "{}",
        err.message
    );
    let (ok, _, stderr) = cli(
        &server,
        &[
            "numbers",
            "buy",
            "--area-code",
            "808",
            "--no-routing",
            "--yes",
        ],
    );
    assert!(!ok);
    assert!(
        stderr.contains(&format!("error[twilio]: {}", err.message)),
        "{stderr}"
    );
}

#[tokio::test]
async fn a_malformed_area_code_is_refused_before_anything_is_sent() {
    let (server, purchases) = twilio();
    let core = support::TestCore::on(&server.url()).await;
    let err = core
        .numbers()
        .await
        .unwrap()
        .buy(&purchase(Wanted::AreaCode("41".into())))
        .await
        .unwrap_err();
    assert_eq!(err.code, Code::InvalidInput, "{}", err.message);
    let (ok, _, stderr) = cli(
        &server,
        &[
            "numbers",
            "buy",
            "--area-code",
            "41",
            "--no-routing",
            "--yes",
        ],
    );
    assert!(!ok && stderr.contains("error[invalid_input]"), "{stderr}");
    assert!(
        purchases.lock().unwrap().is_empty(),
        "nothing reached Twilio"
    );
}
