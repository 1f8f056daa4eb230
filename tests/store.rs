//! The SQLite database: WAL, migrations at open, profiles that survive a restart.

mod support;

use switchboard::db::{Db, Profile};
use switchboard::sid::{AccountSid, ApiKeySid};

fn profile(name: &str) -> Profile {
    Profile {
        name: name.into(),
        account_sid: AccountSid::parse(support::ACCOUNT_SID).unwrap(),
        account_name: Some("Acme".into()),
        api_key_sid: ApiKeySid::parse(support::API_KEY_SID).unwrap(),
        region: None,
        edge: None,
        subaccount_sid: None,
    }
}

#[tokio::test]
async fn opens_in_wal_mode_with_every_migration_applied() {
    let dir = tempfile::tempdir().unwrap();
    let store = Db::open(&dir.path().join("nested/switchboard.db"))
        .await
        .unwrap();
    assert_eq!(store.journal_mode().await.unwrap(), "wal");
    let applied: i64 = sqlx::query_scalar("SELECT count(*) FROM _sqlx_migrations WHERE success")
        .fetch_one(store.pool())
        .await
        .unwrap();
    let files = std::fs::read_dir(support::root().join("migrations"))
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "sql")
        })
        .count();
    assert_eq!(
        applied as usize, files,
        "every file in migrations/ is applied at open"
    );
    let fk: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(fk, 1);
}

#[tokio::test]
async fn the_active_profile_survives_a_restart_and_is_updated_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("switchboard.db");
    {
        let store = Db::open(&path).await.unwrap();
        assert_eq!(store.active_profile().await.unwrap(), None);
        store.save_active_profile(&profile("work")).await.unwrap();
        store.close().await;
    }
    let store = Db::open(&path).await.unwrap();
    assert_eq!(store.active_profile().await.unwrap(), Some(profile("work")));

    let mut renamed = profile("work");
    renamed.account_name = Some("Acme Ltd".into());
    store.save_active_profile(&renamed).await.unwrap();
    store.save_active_profile(&profile("home")).await.unwrap();
    let names: Vec<_> = store
        .profiles()
        .await
        .unwrap()
        .into_iter()
        .map(|p| (p.name, p.account_name))
        .collect();
    assert_eq!(
        names,
        vec![
            ("home".into(), Some("Acme".into())),
            ("work".into(), Some("Acme Ltd".into()))
        ],
        "saving an existing name updates it rather than adding a second row"
    );
    assert_eq!(store.active_profile().await.unwrap().unwrap().name, "home");
}

#[tokio::test]
async fn the_schema_refuses_malformed_sids() {
    let store = Db::open_in_memory().await.unwrap();
    let result = sqlx::query(
        "INSERT INTO profiles (name, account_sid, api_key_sid) VALUES ('x', 'AC1', 'SK1')",
    )
    .execute(store.pool())
    .await;
    assert!(
        result.is_err(),
        "CHECK constraints keep malformed SIDs out even from raw SQL"
    );
}

#[tokio::test]
async fn a_file_that_is_not_a_database_gives_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("switchboard.db");
    std::fs::write(
        &path,
        b"this is not an SQLite database, it is a text file of some length....",
    )
    .unwrap();
    let err = Db::open(&path).await.expect_err("not a database");
    let ipc: switchboard::Error = err.into();
    assert_eq!(ipc.code, switchboard::Code::Storage);
    assert!(
        std::fs::read(&path).unwrap().starts_with(b"this is not"),
        "the file is never wiped"
    );
}
