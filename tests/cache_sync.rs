//! Over 600 lines: every scenario runs the same sync against the same paginated server and
//! reads side by side; the cache health tests could move to a file of their own (not done).
//!
//! Incremental sync into the local cache against a paginated Twilio-shaped server: paging,
//! stopping at what is stored, rows not final yet, late transcriptions, deletions on Twilio
//! (nearby and by the daily full run), 429s mid-sync, malformed rows, resuming after a kill -9
//! at random points, a disk that fills up, and the cache's health (unclean exits, damage).
//!
//! Over 600 lines (about 1,000): every test drives the same fake server and checks the cache
//! with the same `assert_mirrors`, and each integration-test binary links the whole core
//! (about half a minute on two cores). The health tests (unclean exit, damage, full disk) are
//! the part to move out next, with `client` and `assert_mirrors` into `tests/support/`.

mod support;

use std::collections::BTreeSet;
use std::process::{Command, Stdio};
use std::time::Duration;

use support::fake_twilio::{ACCOUNT, FakeTwilio, sid};
use switchboard::cache::{Cache, SyncReport, Syncer, VoicemailFilter};
use switchboard::sid::AccountSid;
use switchboard::twilio::{ApiBase, Client, RetryPolicy};

fn client(server: &FakeTwilio) -> Client {
    support::client(ApiBase::custom(&server.url()).unwrap()).with_retry(RetryPolicy {
        max_attempts: 3,
        base_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(50),
        max_total_wait: Duration::from_secs(1),
    })
}

async fn cached_sids(cache: &Cache, table: &str) -> BTreeSet<String> {
    sqlx::query_scalar::<_, String>(&format!("SELECT sid FROM {table}"))
        .fetch_all(cache.pool())
        .await
        .unwrap()
        .into_iter()
        .collect()
}

async fn assert_mirrors(cache: &Cache, server: &FakeTwilio) {
    for table in ["calls", "recordings", "transcriptions"] {
        let expected: BTreeSet<String> = server
            .sids(table)
            .into_iter()
            .filter(|s| s.len() == 34)
            .collect();
        assert_eq!(
            cached_sids(cache, table).await,
            expected,
            "{table} in the cache are exactly Twilio's"
        );
    }
}

fn pages(report: &SyncReport) -> Vec<u32> {
    report.resources.iter().map(|r| r.pages).collect()
}

#[tokio::test]
async fn a_first_sync_pages_through_everything_and_a_second_reads_one_page_per_resource() {
    let server = FakeTwilio::start();
    server.add_voicemails(0, 45, 360); // six hours apart: a page of 10 spans 60 hours
    server.add_calls(1000, 12, 400);
    server.price_calls();
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::open(&dir.path().join("c.db")).await.unwrap();
    let client = client(&server);
    let syncer = Syncer::new(&cache, &client).page_size(10);

    let mut progress = Vec::new();
    let first = syncer
        .sync_all(|p| progress.push((p.resource, p.done)))
        .await
        .unwrap();
    assert_eq!(
        pages(&first),
        vec![6, 5, 5],
        "57 calls, 45 recordings, 45 transcriptions in pages of 10"
    );
    assert!(
        first
            .resources
            .iter()
            .all(|r| r.full && !r.resumed && r.skipped == 0)
    );
    assert_eq!(first.resources[0].stored, 57);
    assert_eq!(progress.first(), Some(&("calls".to_owned(), 10)));
    assert_mirrors(&cache, &server).await;
    let newest = &cache.cached_calls(1).await.unwrap()[0];
    assert_eq!(
        (newest.from_display.as_deref(), newest.to_display.as_deref()),
        (Some("+1 415-555-0000"), Some("+1 415-867-5309")),
        "the call list shows numbers as people read them"
    );

    let before = server.requests();
    let second = syncer.sync_all(|_| {}).await.unwrap();
    assert_eq!(
        pages(&second),
        vec![1, 1, 1],
        "an unchanged account costs one page per resource"
    );
    assert_eq!(server.requests() - before, 3);
    assert!(second.resources.iter().all(|r| !r.full && r.removed == 0));
    assert_mirrors(&cache, &server).await;

    let inbox = cache
        .voicemails(VoicemailFilter::All, 50, None)
        .await
        .unwrap();
    assert_eq!(inbox.len(), 45);
    assert_eq!(inbox[0].recording_sid, sid("RE", 0), "newest first");
    assert_eq!(inbox[0].caller.as_deref(), Some("+14155550000"));
    assert!(
        inbox[0]
            .transcript
            .as_deref()
            .unwrap()
            .contains("caller number 0")
    );
    let page2 = cache
        .voicemails(
            VoicemailFilter::All,
            20,
            Some((inbox[19].created_at, inbox[19].recording_sid.clone())),
        )
        .await
        .unwrap();
    assert_eq!(
        page2[0].recording_sid, inbox[20].recording_sid,
        "keyset paging continues where the page ended"
    );
}

#[tokio::test]
async fn late_transcriptions_new_voicemails_and_deletions_on_twilio_are_picked_up() {
    let server = FakeTwilio::start();
    server.add_voicemails(5, 30, 360);
    server.set_transcription(5, "in-progress", None);
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::open(&dir.path().join("c.db")).await.unwrap();
    let client = client(&server);
    let syncer = Syncer::new(&cache, &client).page_size(10);
    syncer.sync_all(|_| {}).await.unwrap();
    let pending = cache.voicemail(&sid("RE", 5)).await.unwrap().unwrap();
    assert_eq!(pending.transcription_status.as_deref(), Some("in-progress"));
    assert!(
        cache
            .search_voicemails("pineapple", 10)
            .await
            .unwrap()
            .is_empty()
    );

    // Twilio finishes the transcription, a new voicemail arrives, and one is deleted.
    server.set_transcription(
        5,
        "completed",
        Some("Pineapple delivery is at the back door"),
    );
    server.add_voicemails(0, 2, 360);
    server.delete(&sid("RE", 6));
    server.delete(&sid("TR", 6));
    let report = syncer.sync_all(|_| {}).await.unwrap();
    assert_eq!(
        report.resources[1].removed, 1,
        "the deleted recording is gone"
    );
    assert_mirrors(&cache, &server).await;
    let found = cache.search_voicemails("pineapp", 10).await.unwrap();
    assert_eq!(
        found.len(),
        1,
        "the late transcript is searchable, by prefix"
    );
    assert_eq!(found[0].recording_sid, sid("RE", 5));
    let by_caller = cache.search_voicemails("5550001", 10).await.unwrap();
    assert_eq!(
        by_caller[0].recording_sid,
        sid("RE", 1),
        "callers are found by the last seven digits"
    );
    assert_eq!(
        cache
            .search_voicemails("4155550001", 10)
            .await
            .unwrap()
            .len(),
        1,
        "and by the national number"
    );
}

#[tokio::test]
async fn an_unchanged_account_costs_one_small_request_per_resource_and_new_rows_about_k_per_page() {
    let server = FakeTwilio::start();
    server.add_voicemails(0, 300, 30);
    server.add_calls(5000, 1500, 7);
    server.price_calls();
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::open(&dir.path().join("c.db")).await.unwrap();
    let client = client(&server);
    let syncer = Syncer::new(&cache, &client);
    syncer.sync_all(|_| {}).await.unwrap();

    let before = server.requests();
    let again = syncer.sync_all(|_| {}).await.unwrap();
    assert_eq!(server.requests() - before, 3, "{:?}", server.log());
    assert_eq!(pages(&again), vec![1, 1, 1]);
    assert!(
        server.log()[before..]
            .iter()
            .all(|line| line.contains(&format!("PageSize={}", switchboard::cache::PROBE_SIZE))),
        "each a small page: {:?}",
        &server.log()[before..]
    );
    assert!(again.resources.iter().all(|r| !r.full && r.removed == 0));

    // 1200 new calls: the small page, then two pages of 1000.
    let newest = support::fake_twilio::BASE + 3600;
    server.push_raws(
        "calls",
        (0..1200).map(|i| serde_json::json!({
            "sid": sid("CA", 200_000 + i), "account_sid": ACCOUNT, "from": "+14158675309", "to": "+12125550100",
            "status": "completed", "direction": "outbound-api", "price": "-0.0140", "price_unit": "USD",
            "date_created": support::fake_twilio::rfc2822(newest - i as i64), "duration": "5"
        })),
    );
    let before = server.requests();
    let report = syncer.sync_all(|_| {}).await.unwrap();
    assert_eq!(
        pages(&report),
        vec![3, 1, 1],
        "{:?}",
        &server.log()[before..]
    );
    assert_eq!(
        report.resources[0].stored, 2000,
        "two full pages, the second reaching what was stored"
    );
    assert_mirrors(&cache, &server).await;
}

#[tokio::test]
async fn rows_not_final_yet_are_re_read_by_sid_or_by_walking_down_to_them() {
    let server = FakeTwilio::start();
    server.add_voicemails(0, 30, 60);
    for n in [20, 21] {
        server.set_field(&sid("TR", n), "status", "in-progress".into());
        server.set_field(&sid("TR", n), "transcription_text", serde_json::Value::Null);
    }
    // A call centre's worth of calls in progress: more than are worth fetching one by one.
    for n in 15..27 {
        server.set_field(&sid("CA", n), "status", "in-progress".into());
    }
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::open(&dir.path().join("c.db")).await.unwrap();
    let client = client(&server);
    let syncer = Syncer::new(&cache, &client).page_size(10);
    syncer.sync_all(|_| {}).await.unwrap();

    server.set_field(&sid("TR", 20), "status", "completed".into());
    server.set_field(
        &sid("TR", 20),
        "transcription_text",
        "Pineapple delivery is at the back door".into(),
    );
    server.delete(&sid("TR", 21));
    for n in 15..27 {
        server.set_field(&sid("CA", n), "status", "completed".into());
    }
    let before = server.requests();
    let report = syncer.sync_all(|_| {}).await.unwrap();
    let log = &server.log()[before..];
    assert_eq!(
        report.resources[0].pages, 3,
        "the walk goes down to the oldest call in progress (CA26, on the third page): {log:?}"
    );
    assert_eq!(
        report.resources[2].pages, 3,
        "one page, then the two transcriptions in progress by SID: {log:?}"
    );
    assert!(
        log.iter()
            .any(|l| l.ends_with(&format!("/Transcriptions/{}.json", sid("TR", 20))))
    );
    assert_eq!(report.resources[2].removed, 1, "TR21 is gone on Twilio");
    assert_eq!(report.resources[1].pages, 1);
    let statuses: Vec<String> = sqlx::query_scalar("SELECT DISTINCT status FROM calls")
        .fetch_all(cache.pool())
        .await
        .unwrap();
    assert_eq!(statuses, vec!["completed".to_owned()]);
    assert_mirrors(&cache, &server).await;
    let found = cache.search_voicemails("pineapple", 10).await.unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].recording_sid, sid("RE", 20));

    let before = server.requests();
    syncer.sync_all(|_| {}).await.unwrap();
    assert_eq!(
        server.requests() - before,
        3,
        "settled rows are not read again"
    );
}

#[tokio::test]
async fn deletions_below_the_newest_rows_are_found_by_the_daily_or_asked_for_full_run() {
    let server = FakeTwilio::start();
    server.add_voicemails(0, 40, 60);
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::open(&dir.path().join("c.db")).await.unwrap();
    let client = client(&server);
    let syncer = Syncer::new(&cache, &client).page_size(10);
    syncer.sync_all(|_| {}).await.unwrap();

    for n in [30, 31] {
        server.delete(&sid("CA", n));
        server.delete(&sid("RE", n));
        server.delete(&sid("TR", n));
    }
    let report = syncer.sync_all(|_| {}).await.unwrap();
    assert!(report.resources.iter().all(|r| !r.full && r.removed == 0));
    assert_eq!(
        cached_sids(&cache, "calls").await.len(),
        40,
        "not looked for yet"
    );

    let report = Syncer::new(&cache, &client)
        .page_size(10)
        .reconcile(true)
        .sync_all(|_| {})
        .await
        .unwrap();
    assert!(
        report.resources.iter().all(|r| r.full && r.removed == 2),
        "{report:?}"
    );
    assert_mirrors(&cache, &server).await;
    let searchable: i64 = sqlx::query_scalar("SELECT count(*) FROM voicemail_search")
        .fetch_one(cache.pool())
        .await
        .unwrap();
    assert_eq!(
        searchable, 38,
        "the deleted voicemails leave the search index"
    );

    // A day later, a sync is a full one by itself.
    server.delete(&sid("CA", 35));
    sqlx::query("UPDATE sync_state SET reconciled_at = reconciled_at - 86400")
        .execute(cache.pool())
        .await
        .unwrap();
    let report = syncer.sync_all(|_| {}).await.unwrap();
    assert!(report.resources[0].full && report.resources[0].removed == 1);
    let report = syncer.sync_all(|_| {}).await.unwrap();
    assert!(
        report.resources.iter().all(|r| !r.full),
        "then incremental again"
    );
    assert_mirrors(&cache, &server).await;
}

#[tokio::test]
async fn a_disk_that_fills_up_mid_sync_gives_a_clear_error_and_an_intact_cache() {
    let server = FakeTwilio::start();
    server.add_voicemails(0, 400, 10);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.db");
    let cache = Cache::open(&path).await.unwrap();
    // The disk holds only a few more pages: each of the pool's connections is capped.
    let pages: i64 = sqlx::query_scalar("PRAGMA page_count")
        .fetch_one(cache.pool())
        .await
        .unwrap();
    let mut connections = Vec::new();
    for _ in 0..4 {
        connections.push(cache.pool().acquire().await.unwrap());
    }
    for connection in &mut connections {
        sqlx::query(&format!("PRAGMA max_page_count = {}", pages + 25))
            .execute(&mut **connection)
            .await
            .unwrap();
    }
    drop(connections);
    let client = client(&server);
    let err = Syncer::new(&cache, &client)
        .page_size(50)
        .sync_all(|_| {})
        .await
        .unwrap_err();
    assert_eq!(err.code, switchboard::Code::Storage);
    assert!(
        err.message.contains("The disk is full") && err.message.contains("nothing was lost"),
        "{}",
        err.message
    );
    // Intact, and what was stored before the disk filled stays.
    cache.verify_if_due(Duration::ZERO).await.unwrap();
    let mut kept = 0;
    for table in ["calls", "recordings", "transcriptions"] {
        kept += cached_sids(&cache, table).await.len();
    }
    assert!(
        kept > 0 && kept < 1200,
        "{kept} rows stored before the disk filled"
    );
    cache.close().await;
    drop(cache);

    // Space freed: the next sync resumes and completes.
    let cache = Cache::open(&path).await.unwrap();
    assert!(
        !cache.checked_at_open(),
        "a failed write is not an unclean exit"
    );
    Syncer::new(&cache, &client)
        .page_size(50)
        .sync_all(|_| {})
        .await
        .unwrap();
    assert_mirrors(&cache, &server).await;
}

#[tokio::test]
async fn a_429_mid_sync_is_retried_and_an_exhausted_retry_resumes_next_time() {
    let server = FakeTwilio::start();
    server.add_voicemails(0, 40, 360);
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::open(&dir.path().join("c.db")).await.unwrap();
    let client = client(&server);
    let syncer = Syncer::new(&cache, &client).page_size(10);

    server.throttle_next(&[2]);
    syncer.sync_all(|_| {}).await.expect("one 429 is retried");
    assert_mirrors(&cache, &server).await;

    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::open(&dir.path().join("c.db")).await.unwrap();
    let syncer = Syncer::new(&cache, &client).page_size(10);
    server.throttle_next(&[3, 4, 5]);
    let err = syncer.sync_all(|_| {}).await.unwrap_err();
    assert_eq!(err.code, switchboard::Code::RateLimited);
    assert_eq!(
        cached_sids(&cache, "calls").await.len(),
        20,
        "the pages stored before the failure stay"
    );
    let report = syncer.sync_all(|_| {}).await.unwrap();
    assert!(
        report.resources[0].resumed,
        "the calls sync resumed from its saved place"
    );
    assert_eq!(
        report.resources[0].pages, 2,
        "only the remaining pages were fetched"
    );
    assert_mirrors(&cache, &server).await;
}

#[tokio::test]
async fn malformed_rows_are_skipped_and_counted_without_stopping_the_sync() {
    let server = FakeTwilio::start();
    server.add_voicemails(0, 8, 60);
    server.push_raw("recordings", serde_json::json!({"sid": "REnot-a-sid", "date_created": support::fake_twilio::rfc2822(support::fake_twilio::BASE)}));
    server.push_raw("calls", serde_json::json!({"sid": sid("CA", 77), "account_sid": ACCOUNT, "status": "completed", "date_created": "the other day"}));
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::open(&dir.path().join("c.db")).await.unwrap();
    let client = client(&server);
    let report = Syncer::new(&cache, &client)
        .page_size(5)
        .sync_all(|_| {})
        .await
        .unwrap();
    assert_eq!(
        report.resources[0].skipped, 1,
        "the call with an unreadable date"
    );
    assert_eq!(
        report.resources[1].skipped, 1,
        "the recording with a malformed SID"
    );
    assert_eq!(cached_sids(&cache, "recordings").await.len(), 8);
    assert_eq!(cached_sids(&cache, "calls").await.len(), 8);
}

/// A tiny deterministic generator, so a failing run can be repeated from its seed.
#[tokio::test]
async fn a_sync_killed_at_random_points_resumes_to_exactly_twilios_set() {
    let server = FakeTwilio::start();
    server.add_voicemails(0, 120, 30);
    server.add_calls(5000, 60, 45);
    server.set_delay(Duration::from_millis(4));
    let dir = tempfile::tempdir().unwrap();
    let (seed, mut rng) = support::Lcg::seeded();
    // Every other run is a full one (the daily reconcile, which also removes rows), so each
    // round has a whole read to cut short, whether or not the first sync has finished.
    let sync = |full: bool| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_switchboard"));
        cmd.args([
            "--data-dir",
            dir.path().to_str().unwrap(),
            "--api-base",
            &server.url(),
            "sync",
            "--page-size",
            "7",
            "--json",
        ])
        .args(full.then_some("--full"))
        .env("TWILIO_ACCOUNT_SID", ACCOUNT)
        .env("TWILIO_API_KEY", support::API_KEY_SID)
        .env("TWILIO_API_SECRET", "s".repeat(32))
        .stdout(Stdio::null())
        .stderr(Stdio::null());
        cmd
    };
    let mut killed = 0;
    let rounds = 12;
    for round in 0..rounds {
        if round == rounds / 2 {
            // Twilio changes between interrupted runs too.
            // (An incremental run reads what is newer than what is stored; a deletion further
            // down waits for the daily full run, tested on its own below.)
            server.add_new_voicemails(200, 5);
            server.delete(&sid("RE", 0));
        }
        let mut child = sync(round % 2 == 1).spawn().unwrap();
        std::thread::sleep(Duration::from_millis(20 + rng.next(250)));
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap(); // SIGKILL: no cleanup runs
            killed += 1;
        }
        child.wait().unwrap();
    }
    eprintln!("sync: killed {killed} of {rounds} runs (seed {seed})");
    assert!(
        killed >= 4,
        "rounds must be cut off mid-sync: {killed} of {rounds} were (seed {seed})"
    );
    let status = sync(false).status().unwrap();
    assert!(status.success(), "the final sync completes (seed {seed})");
    let cache = Cache::open(&Cache::path_for(
        dir.path(),
        &AccountSid::parse(ACCOUNT).unwrap(),
    ))
    .await
    .unwrap();
    assert_mirrors(&cache, &server).await;
    let fts_rows: i64 = sqlx::query_scalar("SELECT count(*) FROM voicemail_search")
        .fetch_one(cache.pool())
        .await
        .unwrap();
    assert_eq!(
        fts_rows as usize,
        server.sids("recordings").len(),
        "one search row per voicemail (seed {seed})"
    );
}

#[tokio::test]
async fn a_damaged_cache_is_detected_at_open_kept_and_rebuilt_on_request() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.db");
    std::fs::write(
        &path,
        b"this is not a database, but it is the user's file ".repeat(100),
    )
    .unwrap();
    let err = Cache::open(&path).await.unwrap_err();
    assert!(
        matches!(err, switchboard::cache::CacheError::Corrupt { .. }),
        "{err:?}"
    );
    let shown = switchboard::Error::from(err);
    assert!(
        shown.message.contains("Nothing was deleted") && shown.message.contains("--rebuild"),
        "{}",
        shown.message
    );
    assert!(
        std::fs::read(&path)
            .unwrap()
            .starts_with(b"this is not a database"),
        "the file is untouched"
    );

    let server = FakeTwilio::start();
    server.add_voicemails(0, 3, 60);
    let cache = Cache::rebuild(&path).await.unwrap();
    let client = client(&server);
    Syncer::new(&cache, &client).sync_all(|_| {}).await.unwrap();
    assert_mirrors(&cache, &server).await;
    let kept = std::fs::read_dir(dir.path())
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .contains(".damaged-")
        })
        .count();
    assert_eq!(kept, 1, "the damaged file is kept beside the new one");
}

/// What a process killed with the cache open leaves beside it: its marker, no longer locked.
fn leave_marker_of_a_dead_process(db: &std::path::Path) -> std::path::PathBuf {
    let marker = db.with_file_name(format!(
        "{}.in-use-4000000-0",
        db.file_name().unwrap().to_string_lossy()
    ));
    std::fs::write(&marker, b"").unwrap();
    marker
}

/// Overwrites the root page of the calls table with garbage, as a bad sector would.
async fn damage_the_calls_table(path: &std::path::Path) {
    let cache = Cache::open(path).await.unwrap();
    let root: i64 = sqlx::query_scalar("SELECT rootpage FROM sqlite_master WHERE name = 'calls'")
        .fetch_one(cache.pool())
        .await
        .unwrap();
    let page: i64 = sqlx::query_scalar("PRAGMA page_size")
        .fetch_one(cache.pool())
        .await
        .unwrap();
    // Every page into the main file first: closing checkpoints only when no other connection
    // (a pool still closing) has the file open, and the page may still be in the WAL.
    for _ in 0..100 {
        let (busy, _, _): (i64, i64, i64) = sqlx::query_as("PRAGMA wal_checkpoint(TRUNCATE)")
            .fetch_one(cache.pool())
            .await
            .unwrap();
        if busy == 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    cache.close().await;
    drop(cache);
    let mut bytes = std::fs::read(path).unwrap();
    assert!(
        bytes.len() >= usize::try_from(root * page).unwrap(),
        "the calls table's root page is in the file"
    );
    let at = usize::try_from((root - 1) * page).unwrap();
    bytes[at..at + usize::try_from(page).unwrap()].fill(0xA5);
    std::fs::write(path, bytes).unwrap();
}

#[tokio::test]
async fn opening_reads_the_whole_file_only_after_an_unclean_exit() {
    let server = FakeTwilio::start();
    server.add_voicemails(0, 40, 60);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.db");
    let client = client(&server);
    let cache = Cache::open(&path).await.unwrap();
    assert!(!cache.checked_at_open(), "a new file needs no check");
    let created = cache.last_checked().await.unwrap();
    assert!(created.is_some(), "a new file counts as checked");
    Syncer::new(&cache, &client).sync_all(|_| {}).await.unwrap();
    let markers = |dir: &std::path::Path| {
        std::fs::read_dir(dir)
            .unwrap()
            .filter(|e| {
                let name = e.as_ref().unwrap().file_name();
                name.to_string_lossy().contains(".in-use-")
            })
            .count()
    };
    assert_eq!(markers(dir.path()), 1, "the open cache is marked in use");
    let second = Cache::open(&path).await.unwrap();
    assert!(
        !second.checked_at_open(),
        "a file open elsewhere in good health is not an unclean exit"
    );
    second.close().await;
    drop(second);
    cache.close().await;
    drop(cache);
    assert_eq!(markers(dir.path()), 0, "a clean close removes the marker");

    let cache = Cache::open(&path).await.unwrap();
    assert!(!cache.checked_at_open(), "after a clean close");
    cache.close().await;
    drop(cache);

    let left = leave_marker_of_a_dead_process(&path);
    let cache = Cache::open(&path).await.unwrap();
    assert!(cache.checked_at_open(), "after a process died with it open");
    assert!(
        !left.exists(),
        "the dead process's marker goes once the file is found intact"
    );
    assert!(cache.last_checked().await.unwrap() >= created);
    assert_mirrors(&cache, &server).await;
}

#[tokio::test]
async fn damage_met_after_a_clean_open_offers_the_rebuild_and_the_daily_check_finds_it() {
    let server = FakeTwilio::start();
    server.add_voicemails(0, 200, 60);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.db");
    {
        let cache = Cache::open(&path).await.unwrap();
        Syncer::new(&cache, &client(&server))
            .sync_all(|_| {})
            .await
            .unwrap();
        cache.close().await;
    }
    damage_the_calls_table(&path).await;
    let untouched = std::fs::read(&path).unwrap();

    // The open does not read the damaged page; the query that does says so.
    let cache = Cache::open(&path).await.unwrap();
    let err = cache
        .call_log(&switchboard::cache::CallLogFilter::default())
        .await
        .unwrap_err();
    let shown = switchboard::Error::from(err);
    assert!(
        shown.message.contains("damaged") && shown.message.contains("Rebuild"),
        "{}",
        shown.message
    );
    let err = cache.verify_if_due(Duration::ZERO).await.unwrap_err();
    assert!(
        matches!(err, switchboard::cache::CacheError::Corrupt { .. }),
        "{err:?}"
    );
    // A sync, which runs the day's check, refuses too rather than writing into it.
    let err = Syncer::new(&cache, &client(&server))
        .sync_all(|_| {})
        .await
        .unwrap_err();
    assert!(err.message.contains("Rebuild"), "{}", err.message);
    cache.close().await;
    drop(cache);

    // After an unclean exit the open itself refuses it, and still changes nothing.
    leave_marker_of_a_dead_process(&path);
    let err = Cache::open(&path).await.unwrap_err();
    assert!(
        matches!(err, switchboard::cache::CacheError::Corrupt { .. }),
        "{err:?}"
    );
    let err = Cache::open(&path).await.unwrap_err();
    assert!(
        matches!(err, switchboard::cache::CacheError::Corrupt { .. }),
        "refused again until rebuilt: {err:?}"
    );
    assert_eq!(
        std::fs::read(&path).unwrap()[100..],
        untouched[100..],
        "the damaged file is left as it was"
    );
    let cache = Cache::rebuild(&path).await.unwrap();
    Syncer::new(&cache, &client(&server))
        .sync_all(|_| {})
        .await
        .unwrap();
    assert_mirrors(&cache, &server).await;
}

#[tokio::test]
async fn a_delete_survives_a_restart_and_reaches_twilio_only_after_the_audio_is_cached() {
    use switchboard::cache::VoicemailAction;
    let server = FakeTwilio::start();
    server.add_voicemails(0, 4, 60);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.db");
    let audio = dir.path().join("audio");
    let client = client(&server);
    {
        let cache = Cache::open(&path).await.unwrap();
        Syncer::new(&cache, &client).sync_all(|_| {}).await.unwrap();
        cache
            .apply(&sid("RE", 1), VoicemailAction::Read)
            .await
            .unwrap();
        cache
            .apply(&sid("RE", 2), VoicemailAction::Archive)
            .await
            .unwrap();
        cache
            .apply(&sid("RE", 3), VoicemailAction::Delete)
            .await
            .unwrap();
        cache
            .apply(&sid("RE", 3), VoicemailAction::Delete)
            .await
            .unwrap();
        let inbox = cache
            .voicemails(VoicemailFilter::All, 50, None)
            .await
            .unwrap();
        assert_eq!(
            inbox.len(),
            2,
            "archived and deleted voicemails leave the inbox at once"
        );
        assert_eq!(cache.unread_count().await.unwrap(), 1);
        assert_eq!(
            cache.pending_changes().await.unwrap(),
            1,
            "deleting twice queues one change"
        );
        cache.close().await; // the app quits before Twilio hears of it
    }

    let cache = Cache::open(&path).await.unwrap();
    assert_eq!(
        cache.pending_changes().await.unwrap(),
        1,
        "the queued delete survived the restart"
    );

    server.fail_media(true);
    let report = cache.replay_outbox(&client, &audio, true).await.unwrap();
    assert_eq!((report.done, report.failed, report.pending), (0, 1, 1));
    assert!(
        !server.log().iter().any(|l| l.starts_with("DELETE")),
        "no delete reaches Twilio while the audio cannot be saved: {:?}",
        server.log()
    );
    assert!(server.sids("recordings").contains(&sid("RE", 3)));

    server.fail_media(false);
    let report = cache.replay_outbox(&client, &audio, true).await.unwrap();
    assert_eq!((report.done, report.failed, report.pending), (1, 0, 0));
    let log = server.log();
    let download = log
        .iter()
        .rposition(|l| l.ends_with(&format!("{}.mp3", sid("RE", 3))))
        .unwrap();
    let delete = log.iter().position(|l| l.starts_with("DELETE")).unwrap();
    assert!(
        download < delete,
        "the audio is fetched before the delete: {log:?}"
    );
    assert!(
        !server.sids("recordings").contains(&sid("RE", 3)),
        "deleted on Twilio"
    );
    let kept = std::fs::read(audio.join(format!("{}.mp3", sid("RE", 3)))).unwrap();
    assert!(
        kept.starts_with(b"ID3"),
        "the audio stays in the local cache"
    );

    let before = server.requests();
    let again = cache.replay_outbox(&client, &audio, true).await.unwrap();
    assert_eq!(
        again,
        Default::default(),
        "a replayed change is not sent twice"
    );
    assert_eq!(server.requests(), before);

    // A delete can be undone until it reaches Twilio, and not after.
    cache
        .apply(&sid("RE", 0), VoicemailAction::Delete)
        .await
        .unwrap();
    cache
        .apply(&sid("RE", 0), VoicemailAction::Restore)
        .await
        .unwrap();
    assert_eq!(cache.pending_changes().await.unwrap(), 0);
    assert_eq!(
        cache
            .voicemails(VoicemailFilter::All, 50, None)
            .await
            .unwrap()
            .len(),
        2
    );
    let err = cache
        .apply(&sid("RE", 3), VoicemailAction::Restore)
        .await
        .unwrap_err();
    assert!(
        err.message.contains("already deleted on Twilio"),
        "{}",
        err.message
    );
}

/// Every schema a user can have is upgraded in place: each migration directory is applied up
/// to each earlier version, with data, then opened as the app opens it.
#[tokio::test]
async fn caches_migrate_from_empty_and_from_every_earlier_schema() {
    use sqlx::migrate::Migrator;
    let migrator = Migrator::new(support::root().join("migrations/cache"))
        .await
        .unwrap();
    let all = migrator.migrations.to_vec();
    assert!(
        all.len() >= 2,
        "the cache has an earlier schema to upgrade from"
    );

    let dir = tempfile::tempdir().unwrap();
    let fresh = Cache::open(&dir.path().join("fresh.db")).await.unwrap();
    let schema = |pool: sqlx::SqlitePool| async move {
        sqlx::query_scalar::<_, String>("SELECT name || ':' || coalesce(sql, '') FROM sqlite_master WHERE name NOT LIKE '_sqlx%' ORDER BY name")
            .fetch_all(&pool)
            .await
            .unwrap()
    };
    let expected = schema(fresh.pool().clone()).await;

    for applied in 1..all.len() {
        let path = dir.path().join(format!("v{applied}.db"));
        let pool = sqlx::SqlitePool::connect_with(
            sqlx::sqlite::SqliteConnectOptions::new()
                .filename(&path)
                .create_if_missing(true),
        )
        .await
        .unwrap();
        let mut older = Migrator::new(support::root().join("migrations/cache"))
            .await
            .unwrap();
        older.migrations = std::borrow::Cow::Owned(all[..applied].to_vec());
        older.run(&pool).await.unwrap();
        sqlx::query(
            "INSERT INTO recordings (sid, created_at, source) VALUES (?1, 1, 'RecordVerb')",
        )
        .bind(sid("RE", 9))
        .execute(&pool)
        .await
        .unwrap();
        pool.close().await;

        let upgraded = Cache::open(&path).await.unwrap();
        assert_eq!(
            schema(upgraded.pool().clone()).await,
            expected,
            "from version {applied}"
        );
        assert_eq!(
            cached_sids(&upgraded, "recordings").await.len(),
            1,
            "data survives the upgrade"
        );
    }
}

#[tokio::test]
async fn a_rebuild_keeps_what_only_this_computer_knows() {
    use switchboard::cache::VoicemailAction;
    let server = FakeTwilio::start();
    server.add_voicemails(0, 5, 60);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.db");
    let client = client(&server);
    let cache = Cache::open(&path).await.unwrap();
    Syncer::new(&cache, &client).sync_all(|_| {}).await.unwrap();
    cache
        .apply(&sid("RE", 0), VoicemailAction::Read)
        .await
        .unwrap();
    cache
        .apply(&sid("RE", 1), VoicemailAction::Archive)
        .await
        .unwrap();
    cache
        .apply(&sid("RE", 2), VoicemailAction::Delete)
        .await
        .unwrap();
    cache.close().await;

    let rebuilt = Cache::rebuild(&path).await.unwrap();
    Syncer::new(&rebuilt, &client)
        .sync_all(|_| {})
        .await
        .unwrap();
    assert_mirrors(&rebuilt, &server).await;
    let state = |n| {
        let rebuilt = rebuilt.clone();
        async move {
            rebuilt
                .voicemail(&sid("RE", n))
                .await
                .unwrap()
                .unwrap()
                .state
        }
    };
    assert_eq!(
        (
            state(0).await,
            state(1).await,
            state(2).await,
            state(3).await
        ),
        (
            "read".into(),
            "archived".into(),
            "deleted".into(),
            "unread".into()
        )
    );
    assert_eq!(
        rebuilt.pending_changes().await.unwrap(),
        1,
        "the delete still waits for Twilio"
    );
}
