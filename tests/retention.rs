//! Retention policies against a Twilio-shaped server: a policy deletes nothing until confirmed;
//! a run deletes exactly what its preview listed (recordings and their transcriptions on
//! Twilio, old calls from the local call log, cached audio over the budget); archived
//! voicemails stay listed; the only copy of a voicemail is never pruned; changing a policy
//! cancels what was waiting; and a sync does not read back the calls the policy removed.

mod support;

use std::collections::BTreeSet;
use std::time::Duration;

use support::column;
use support::fake_twilio::{BASE, FakeTwilio, sid, sids};
use switchboard::Code;
use switchboard::cache::{Cache, RetentionPolicy, Syncer, VoicemailFilter};
use switchboard::twilio::{ApiBase, Client, RetryPolicy};

const DAY: i64 = 24 * 60 * 60;

fn client(server: &FakeTwilio) -> Client {
    support::client(ApiBase::custom(&server.url()).unwrap()).with_retry(RetryPolicy {
        max_attempts: 2,
        base_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(20),
        max_total_wait: Duration::from_secs(1),
    })
}

async fn synced(server: &FakeTwilio) -> (tempfile::TempDir, Cache) {
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::open(&dir.path().join("c.db")).await.unwrap();
    Syncer::new(&cache, &client(server))
        .sync_all(|_| {})
        .await
        .unwrap();
    (dir, cache)
}

#[tokio::test]
async fn a_policy_deletes_nothing_until_confirmed_then_exactly_what_its_preview_listed() {
    let server = FakeTwilio::start();
    server.add_voicemails(0, 30, 24 * 60); // one a day, the newest at BASE
    server.add_calls(1000, 10, 30); // plain calls about three weeks before BASE
    server.price_calls();
    // An old recording Twilio is still finishing is not deleted.
    server.set_field(&sid("RE", 29), "status", serde_json::json!("stopped"));
    let (dir, cache) = synced(&server).await;
    let audio = dir.path().join("audio");
    let policy = RetentionPolicy {
        recordings_days: Some(10),
        only_archived: false,
        audio_budget_bytes: None,
        call_log_days: Some(15),
    };
    let stored = cache.set_retention_policy(&policy).await.unwrap();
    assert!(!stored.confirmed(), "a new policy waits for confirmation");
    let as_of = BASE + 3600;

    let refused = cache.run_retention(as_of, &audio).await.unwrap_err();
    assert_eq!(refused.code, Code::InvalidInput);
    assert!(
        refused.message.contains("not confirmed"),
        "{}",
        refused.message
    );
    let queued: i64 = sqlx::query_scalar("SELECT count(*) FROM outbox")
        .fetch_one(cache.pool())
        .await
        .unwrap();
    assert_eq!(queued, 0, "an unconfirmed policy queues nothing");

    let preview = cache.retention_preview(as_of, 1000).await.unwrap();
    let listed: BTreeSet<String> = preview
        .recordings
        .iter()
        .map(|r| r.recording_sid.clone())
        .collect();
    assert_eq!(
        listed,
        sids("RE", 10..29),
        "recordings older than ten days, but the one still being finished"
    );
    assert_eq!(
        (preview.recordings_total, preview.voicemails_total),
        (19, 19)
    );
    assert_eq!(preview.transcriptions_total, 19);
    assert_eq!(
        preview.calls_total, 10,
        "plain calls older than 15 days; calls that left a voicemail stay with it"
    );
    assert!(
        preview
            .recordings
            .windows(2)
            .all(|w| w[0].created_at <= w[1].created_at)
    );
    assert!(
        preview.recordings[0]
            .caller
            .as_deref()
            .is_some_and(|c| c.contains("415")),
        "the preview says who called: {:?}",
        preview.recordings[0]
    );
    let short = cache.retention_preview(as_of, 5).await.unwrap();
    assert_eq!(
        short.recordings.len(),
        5,
        "the list is limited, the totals are not"
    );
    assert_eq!(short.recordings_total, 19);

    cache
        .confirm_retention(preview.policy.updated_at.unwrap())
        .await
        .unwrap();
    let run = cache.run_retention(as_of, &audio).await.unwrap();
    assert_eq!(
        (run.recordings, run.transcriptions, run.calls),
        (19, 19, 10)
    );
    let queued = column(
        &cache,
        "SELECT target FROM outbox WHERE op = 'expire_recording'",
    )
    .await;
    assert_eq!(
        queued, listed,
        "the run queued exactly what the preview listed"
    );
    assert_eq!(
        column(&cache, "SELECT sid FROM calls").await,
        sids("CA", 0..30),
        "the old plain calls left the local call log"
    );
    assert_eq!(
        server.sids("recordings").len(),
        30,
        "nothing reached Twilio before the outbox is replayed"
    );

    let mut seen = Vec::new();
    let report = cache
        .replay_retention(&client(&server), 1000, |r| seen.push(r.done))
        .await
        .unwrap();
    assert_eq!((report.done, report.failed, report.waiting), (38, 0, 0));
    assert_eq!(seen.len(), 38, "progress after each deletion");
    let kept = |prefix: &str| {
        let mut kept = sids(prefix, 0..10);
        kept.insert(sid(prefix, 29));
        kept
    };
    let left: BTreeSet<String> = server.sids("recordings").into_iter().collect();
    assert_eq!(left, kept("RE"), "exactly the old recordings left Twilio");
    let left: BTreeSet<String> = server.sids("transcriptions").into_iter().collect();
    assert_eq!(left, kept("TR"), "with their transcriptions");
    assert_eq!(
        column(&cache, "SELECT sid FROM recordings").await,
        kept("RE")
    );
    assert_eq!(
        column(&cache, "SELECT sid FROM transcriptions").await,
        kept("TR")
    );
    let inbox = cache
        .voicemails(VoicemailFilter::All, 100, None)
        .await
        .unwrap();
    assert_eq!(inbox.len(), 11);
    let found = cache.search_voicemails("invoice", 100).await.unwrap();
    assert_eq!(found.len(), 11, "deleted voicemails left the search index");

    let run = cache.retention_run(None).await.unwrap().unwrap();
    assert_eq!((run.done, run.waiting), (38, 0));
    let log = cache.retention_log(run.id, 1000).await.unwrap();
    assert_eq!(log.len(), 39, "each deletion and the call log's pruning");
    assert!(log.iter().all(|l| l.at.is_some() && l.error.is_none()));
    assert!(
        log.iter()
            .any(|l| l.kind == "recording" && l.detail.starts_with("Voicemail from")),
        "{log:?}"
    );
    assert!(
        log.iter()
            .any(|l| l.kind == "calls" && l.detail.starts_with("10 calls"))
    );

    let before = server.requests();
    let again = cache
        .replay_retention(&client(&server), 1000, |_| {})
        .await
        .unwrap();
    assert_eq!((again.done, again.waiting), (0, 0));
    assert_eq!(server.requests(), before, "a deletion is sent once");
}

#[tokio::test]
async fn only_archived_keeps_recordings_without_a_verified_copy_and_archived_ones_stay_listed() {
    let server = FakeTwilio::start();
    server.add_voicemails(0, 12, 24 * 60);
    server.price_calls();
    let (dir, cache) = synced(&server).await;
    for i in 5..8 {
        cache
            .mark_archived(&sid("RE", i), &format!("voicemail/AC/{}.mp3", sid("RE", i)))
            .await
            .unwrap();
    }
    let stored = cache
        .set_retention_policy(&RetentionPolicy {
            recordings_days: Some(3),
            ..RetentionPolicy::default()
        })
        .await
        .unwrap();
    assert!(
        stored.policy.only_archived,
        "only archived copies by default"
    );
    let as_of = BASE + 60;
    let preview = cache.retention_preview(as_of, 100).await.unwrap();
    let listed: BTreeSet<String> = preview
        .recordings
        .iter()
        .map(|r| r.recording_sid.clone())
        .collect();
    assert_eq!(listed, sids("RE", 5..8));
    assert!(preview.recordings.iter().all(|r| r.archived));
    assert_eq!(
        preview.kept_unarchived, 6,
        "RE3, RE4 and RE8 to RE11 have no copy"
    );

    cache
        .confirm_retention(stored.updated_at.unwrap())
        .await
        .unwrap();
    cache
        .run_retention(as_of, &dir.path().join("audio"))
        .await
        .unwrap();
    let report = cache
        .replay_retention(&client(&server), 100, |_| {})
        .await
        .unwrap();
    assert_eq!(report.done, 6);
    let on_twilio: BTreeSet<String> = server.sids("recordings").into_iter().collect();
    assert!(on_twilio.is_disjoint(&listed));
    assert_eq!(on_twilio.len(), 9);
    let inbox = cache
        .voicemails(VoicemailFilter::All, 100, None)
        .await
        .unwrap();
    assert_eq!(inbox.len(), 9, "the voicemails kept on Twilio");
    let archived = cache
        .voicemails(VoicemailFilter::Archived, 100, None)
        .await
        .unwrap();
    assert_eq!(archived.len(), 3, "archived voicemails stay listed");
    let kept = archived
        .iter()
        .find(|v| v.recording_sid == sid("RE", 6))
        .unwrap();
    assert!(
        kept.transcript
            .as_deref()
            .is_some_and(|t| t.contains("caller number 6")),
        "with their transcript"
    );
    let record = cache.audio_record(&sid("RE", 6)).await.unwrap().unwrap();
    assert!(
        record.gone_from_twilio,
        "played from the archive from now on"
    );

    // A full sync does not remove them, nor does it bring the deleted back.
    Syncer::new(&cache, &client(&server))
        .reconcile(true)
        .sync_all(|_| {})
        .await
        .unwrap();
    assert_eq!(
        cache
            .voicemails(VoicemailFilter::Archived, 100, None)
            .await
            .unwrap()
            .len(),
        3
    );
    assert_eq!(
        cache
            .voicemails(VoicemailFilter::All, 100, None)
            .await
            .unwrap()
            .len(),
        9
    );
}

#[tokio::test]
async fn the_audio_budget_prunes_the_least_recently_played_and_never_the_only_copy() {
    let server = FakeTwilio::start();
    server.add_voicemails(0, 5, 60);
    server.price_calls();
    let (dir, cache) = synced(&server).await;
    let audio = dir.path().join("audio");
    std::fs::create_dir_all(&audio).unwrap();
    // Five cached files; RE4 was deleted on Twilio by the user and has no archived copy.
    for (i, played) in [(0, 100), (1, 500), (2, 300), (3, 200), (4, 50)] {
        let path = audio.join(format!("{}.mp3", sid("RE", i)));
        std::fs::write(&path, vec![b'a'; 1000]).unwrap();
        cache
            .record_audio(&sid("RE", i), &path, &"0".repeat(64), 1000)
            .await
            .unwrap();
        sqlx::query("UPDATE voicemail_state SET played_at = ?2 WHERE recording_sid = ?1")
            .bind(sid("RE", i))
            .bind(played)
            .execute(cache.pool())
            .await
            .unwrap();
    }
    sqlx::query("INSERT INTO outbox (op, target, done_at) VALUES ('delete_recording', ?1, 1)")
        .bind(sid("RE", 4))
        .execute(cache.pool())
        .await
        .unwrap();
    let stored = cache
        .set_retention_policy(&RetentionPolicy {
            audio_budget_bytes: Some(2500),
            ..RetentionPolicy::default()
        })
        .await
        .unwrap();
    let preview = cache.retention_preview(BASE, 100).await.unwrap();
    let order: Vec<String> = preview
        .audio
        .iter()
        .map(|a| a.recording_sid.clone())
        .collect();
    assert_eq!(
        order,
        vec![sid("RE", 0), sid("RE", 3), sid("RE", 2)],
        "least recently played first; RE1 fits beside the only copy"
    );
    assert_eq!(
        (preview.audio_bytes_total, preview.audio_bytes_cached),
        (3000, 5000)
    );

    cache
        .confirm_retention(stored.updated_at.unwrap())
        .await
        .unwrap();
    let run = cache.run_retention(BASE, &audio).await.unwrap();
    assert_eq!((run.audio_files, run.audio_bytes), (3, 3000));
    for i in [0, 2, 3] {
        assert!(!audio.join(format!("{}.mp3", sid("RE", i))).exists());
        let record = cache.audio_record(&sid("RE", i)).await.unwrap().unwrap();
        assert!(
            record.path.is_none(),
            "forgotten, so the next play downloads it"
        );
    }
    for i in [1, 4] {
        assert!(audio.join(format!("{}.mp3", sid("RE", i))).exists());
    }
    let log = cache.retention_log(run.id, 10).await.unwrap();
    assert_eq!(log.iter().filter(|l| l.kind == "audio").count(), 3);
}

#[tokio::test]
async fn changing_a_policy_clears_its_confirmation_and_cancels_what_was_waiting() {
    let server = FakeTwilio::start();
    server.add_voicemails(0, 6, 24 * 60);
    server.price_calls();
    let (dir, cache) = synced(&server).await;
    let audio = dir.path().join("audio");
    let mut policy = RetentionPolicy {
        recordings_days: Some(2),
        only_archived: false,
        ..RetentionPolicy::default()
    };
    let stored = cache.set_retention_policy(&policy).await.unwrap();
    cache
        .confirm_retention(stored.updated_at.unwrap())
        .await
        .unwrap();
    let same = cache.set_retention_policy(&policy).await.unwrap();
    assert!(
        same.confirmed(),
        "saving the same policy keeps its confirmation"
    );
    let run = cache.run_retention(BASE + 60, &audio).await.unwrap();
    assert_eq!(run.recordings, 4);
    assert_eq!(cache.retention_waiting().await.unwrap(), 8);

    policy.recordings_days = Some(30);
    let changed = cache.set_retention_policy(&policy).await.unwrap();
    assert!(!changed.confirmed());
    assert_eq!(
        cache.retention_waiting().await.unwrap(),
        0,
        "deletions the old policy queued are cancelled"
    );
    let stale = cache
        .confirm_retention(stored.updated_at.unwrap())
        .await
        .unwrap_err();
    assert!(
        stale.message.contains("changed since this preview"),
        "{}",
        stale.message
    );
    assert!(cache.run_retention(BASE, &audio).await.is_err());
    assert_eq!(server.sids("recordings").len(), 6, "nothing was deleted");

    let bad = cache
        .set_retention_policy(&RetentionPolicy {
            call_log_days: Some(0),
            ..RetentionPolicy::default()
        })
        .await
        .unwrap_err();
    assert_eq!(bad.code, Code::InvalidInput);
    assert!(bad.message.contains("between 1 and"), "{}", bad.message);
}

#[tokio::test]
async fn a_sync_does_not_read_back_calls_the_policy_removed_from_the_call_log() {
    let server = FakeTwilio::start();
    server.add_voicemails(0, 3, 60);
    server.add_calls(2000, 40, 30); // about six weeks before BASE
    server.price_calls();
    let (dir, cache) = synced(&server).await;
    assert_eq!(column(&cache, "SELECT sid FROM calls").await.len(), 43);
    // BASE is in the past: keep the calls since a little before it.
    let now = jiff::Timestamp::now().as_second();
    let days = u32::try_from((now - BASE) / DAY + 2).unwrap();
    let stored = cache
        .set_retention_policy(&RetentionPolicy {
            call_log_days: Some(days),
            ..RetentionPolicy::default()
        })
        .await
        .unwrap();
    cache
        .confirm_retention(stored.updated_at.unwrap())
        .await
        .unwrap();
    let run = cache
        .run_retention(now, &dir.path().join("audio"))
        .await
        .unwrap();
    assert_eq!(run.calls, 40);
    let full = Syncer::new(&cache, &client(&server))
        .page_size(10)
        .reconcile(true)
        .sync_all(|_| {})
        .await
        .unwrap();
    assert_eq!(
        column(&cache, "SELECT sid FROM calls").await,
        sids("CA", 0..3),
        "the daily full sync stops at the policy's floor"
    );
    assert_eq!(
        full.resources[0].pages, 1,
        "it read one page of calls, not five"
    );
}
