//! Which greeting a caller hears: the Rust rule against the same vectors the routing function
//! is tested with (time zones, daylight saving, holidays and their overlaps), and greetings kept
//! per account in the app database.

mod support;

use switchboard::db::Db;
use switchboard::greetings::{
    Greeting, GreetingKind, NewGreeting, Say, Window, active_greeting, zone,
};
use switchboard::sid::AccountSid;

#[test]
fn the_rule_agrees_with_every_shared_vector() {
    let cases: Vec<serde_json::Value> = serde_json::from_str(
        &std::fs::read_to_string(
            support::root().join("tests/fixtures/greeting-schedule-cases.json"),
        )
        .unwrap(),
    )
    .unwrap();
    assert!(
        cases.len() >= 100,
        "the vectors shared with the routing function"
    );
    let mut failures = Vec::new();
    for case in &cases {
        let config = &case["config"];
        let greetings: Vec<Greeting> = config["greetings"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|g| serde_json::from_value(g.clone()).ok())
            .collect();
        let tz = zone(config["tz"].as_str().unwrap_or("UTC"));
        let at: jiff::Timestamp = case["at"].as_str().unwrap().parse().unwrap();
        let got = active_greeting(&greetings, &tz, at).map(|g| g.id.clone());
        let expected = case["expect"].as_str().map(str::to_owned);
        if got != expected {
            failures.push(format!(
                "{}: expected {expected:?}, got {got:?}",
                case["name"]
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} vectors disagree:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[tokio::test]
async fn greetings_are_kept_per_account_and_one_default_is_active() {
    let store = Db::open_in_memory().await.unwrap();
    let acme = AccountSid::parse(support::ACCOUNT_SID).unwrap();
    let other = AccountSid::parse(&format!("AC{}", "c".repeat(32))).unwrap();
    let say = |text: &str| Say {
        text: text.into(),
        voice: Some("Polly.Joanna-Neural".into()),
        language: Some("en-US".into()),
    };
    let add = |name: &str, kind, open, dates| NewGreeting {
        name: name.into(),
        kind,
        say: say("Hello"),
        open,
        dates,
        url: None,
        id: None,
    };

    store
        .add_greeting(&acme, &add("Main", GreetingKind::Default, None, None))
        .await
        .unwrap();
    store
        .add_greeting(&acme, &add("Summer", GreetingKind::Default, None, None))
        .await
        .unwrap();
    let hours = vec![Window {
        days: vec![1, 2, 3, 4, 5],
        from: "09:00".into(),
        to: "17:30".into(),
    }];
    store
        .add_greeting(
            &acme,
            &add("Closed", GreetingKind::AfterHours, Some(hours), None),
        )
        .await
        .unwrap();
    store
        .add_greeting(
            &acme,
            &add(
                "Xmas",
                GreetingKind::Holiday,
                None,
                Some(("2026-12-24".into(), "2026-12-26".into())),
            ),
        )
        .await
        .unwrap();
    store
        .add_greeting(&other, &add("Main", GreetingKind::Default, None, None))
        .await
        .unwrap();

    let rows = store.greetings(&acme).await.unwrap();
    let active: Vec<(&str, bool)> = rows.iter().map(|r| (r.name.as_str(), r.active)).collect();
    assert_eq!(
        active,
        vec![
            ("Main", false),
            ("Summer", true),
            ("Closed", true),
            ("Xmas", true)
        ],
        "a new default replaces the old one"
    );
    store.activate_greeting(&acme, "Main").await.unwrap();
    let rows = store.greetings(&acme).await.unwrap();
    assert!(rows[0].active && !rows[1].active);
    assert_eq!(
        store.greetings(&other).await.unwrap().len(),
        1,
        "accounts are apart"
    );

    let tz = zone("America/New_York");
    let playing = |at: &str| {
        let greetings: Vec<Greeting> = rows
            .iter()
            .filter(|r| r.active)
            .map(|r| r.greeting.clone())
            .collect();
        let at: jiff::Timestamp = at.parse().unwrap();
        active_greeting(&greetings, &tz, at).map(|g| {
            rows.iter()
                .find(|r| r.greeting.id == g.id)
                .unwrap()
                .name
                .clone()
        })
    };
    assert_eq!(
        playing("2026-11-25T15:00:00Z").as_deref(),
        Some("Main"),
        "Wednesday 10:00 in New York"
    );
    assert_eq!(
        playing("2026-11-25T23:00:00Z").as_deref(),
        Some("Closed"),
        "Wednesday 18:00"
    );
    assert_eq!(playing("2026-12-25T15:00:00Z").as_deref(), Some("Xmas"));

    let dup = store
        .add_greeting(&acme, &add("Main", GreetingKind::Default, None, None))
        .await
        .unwrap_err();
    assert!(dup.message.contains("already exists"), "{}", dup.message);
    let mut bad_voice = add("Robot", GreetingKind::Default, None, None);
    bad_voice.say.voice = Some("Robot 9000".into());
    assert!(
        store
            .add_greeting(&acme, &bad_voice)
            .await
            .unwrap_err()
            .message
            .starts_with("Voice:")
    );
    let bad_hours = add(
        "Late",
        GreetingKind::AfterHours,
        Some(vec![Window {
            days: vec![1],
            from: "18:00".into(),
            to: "09:00".into(),
        }]),
        None,
    );
    assert!(
        store
            .add_greeting(&acme, &bad_hours)
            .await
            .unwrap_err()
            .message
            .contains("18:00-09:00")
    );
    assert!(
        store
            .set_greeting_time_zone(&acme, "Mars/Olympus")
            .await
            .is_err()
    );
    store
        .set_greeting_time_zone(&acme, "Europe/Berlin")
        .await
        .unwrap();
    assert_eq!(
        store.greeting_time_zone(&acme).await.unwrap(),
        "Europe/Berlin"
    );
    store.remove_greeting(&acme, "Xmas").await.unwrap();
    assert_eq!(
        store.remove_greeting(&acme, "Xmas").await.unwrap_err().code,
        switchboard::Code::NotFound
    );
}
