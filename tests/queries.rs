//! The compile-time checked queries' offline metadata (`.sqlx/`, which builds use instead of a
//! database) still matches the schemas the migrations build: every query prepares against a
//! fresh database with both migration sets, with the same parameters and columns. A migration
//! that changes what a query sees fails here until `scripts/sqlx-prepare.sh` is run again.

mod support;

use sqlx::Executor;
use sqlx::migrate::Migrator;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};

#[tokio::test]
async fn offline_query_metadata_matches_the_migrations() {
    let dir = tempfile::tempdir().unwrap();
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(
            SqliteConnectOptions::new()
                .filename(dir.path().join("check.db"))
                .create_if_missing(true),
        )
        .await
        .unwrap();
    let mut app = Migrator::new(support::root().join("migrations"))
        .await
        .unwrap();
    app.set_ignore_missing(true);
    app.run(&pool).await.unwrap();
    let mut cache = Migrator::new(support::root().join("migrations/cache"))
        .await
        .unwrap();
    cache.set_ignore_missing(true);
    cache.run(&pool).await.unwrap();

    let files: Vec<_> = std::fs::read_dir(support::root().join(".sqlx"))
        .expect(".sqlx/ is committed")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    assert!(
        files.len() >= 40,
        "every query of the store, cache and outbox is checked ({})",
        files.len()
    );
    let mut conn = pool.acquire().await.unwrap();
    for file in files {
        let saved: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
        let sql = saved["query"].as_str().unwrap();
        let described = (&mut *conn)
            .describe(sql)
            .await
            .unwrap_or_else(|e| panic!("{} no longer prepares: {e}\n{sql}", file.display()));
        let names: Vec<String> = described
            .columns()
            .iter()
            .map(|c| sqlx::Column::name(c).to_owned())
            .collect();
        let saved_names: Vec<String> = saved["describe"]["columns"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(
            names,
            saved_names,
            "{}: columns changed; run scripts/sqlx-prepare.sh",
            file.display()
        );
        let params = match described.parameters() {
            Some(sqlx::Either::Right(n)) => n,
            Some(sqlx::Either::Left(types)) => types.len(),
            None => 0,
        };
        assert_eq!(
            serde_json::json!({"Right": params}),
            saved["describe"]["parameters"],
            "{}: parameters changed; run scripts/sqlx-prepare.sh",
            file.display()
        );
    }
}
