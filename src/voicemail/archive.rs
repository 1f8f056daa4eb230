//! The voicemail archive in the user's S3 bucket.
//!
//! A voicemail is copied to `voicemail/{account}/{recording_sid}.mp3` with a JSON sidecar
//! (`….json`: caller, time, length, transcript) and the essentials as object metadata. The copy
//! counts only once S3 reports the same size and SHA-256 as the local file; only then may the
//! recording be deleted from Twilio.

use std::path::Path;

use aws_sdk_s3::primitives::ByteStream;
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::Switchboard;
use crate::cache::VoicemailAction;
use crate::error::{Code, Error};
use crate::s3::{Bucket, ascii_only, hex_to_bytes, s3_error};

/// What archiving one voicemail did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ArchiveOutcome {
    /// The voicemail.
    pub recording_sid: String,
    /// The S3 key of the verified copy; `null` when no archive is configured (archived
    /// locally only).
    pub key: Option<String>,
    /// The size verified.
    #[ts(type = "number | null")]
    pub bytes: Option<u64>,
    /// The SHA-256 verified, hex.
    pub sha256: Option<String>,
    /// A delete from Twilio was queued (only after verification, and only when set).
    pub delete_queued: bool,
}

/// What goes beside the audio.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Sidecar {
    /// The recording.
    pub recording_sid: String,
    /// The call it was left on.
    pub call_sid: Option<String>,
    /// Who called.
    pub caller: Option<String>,
    /// Caller ID name.
    pub caller_name: Option<String>,
    /// The number called.
    pub called: Option<String>,
    /// When, Unix seconds.
    pub created_at: i64,
    /// Seconds.
    pub duration: Option<i64>,
    /// The transcript.
    pub transcript: Option<String>,
    /// The transcription's state.
    pub transcription_status: Option<String>,
    /// SHA-256 of the audio, hex.
    pub audio_sha256: String,
}

impl Bucket {
    /// The key of a voicemail's audio.
    pub fn voicemail_key(&self, recording_sid: &str) -> String {
        format!("voicemail/{}/{recording_sid}.mp3", self.account)
    }

    /// Uploads the audio at `path` (whose SHA-256 is `sha256`, hex) and its sidecar, then
    /// checks the stored object's size and checksum.
    ///
    /// # Errors
    /// An error when the upload fails or the stored copy does not match; nothing is recorded
    /// as archived then.
    pub async fn put_voicemail(
        &self,
        path: &Path,
        sha256: &str,
        sidecar: &Sidecar,
    ) -> Result<(String, u64), Error> {
        let key = self.voicemail_key(&sidecar.recording_sid);
        let body = tokio::fs::read(path).await.map_err(|e| {
            Error::new(
                Code::Storage,
                format!("Cannot read the cached audio {} ({e}).", path.display()),
            )
        })?;
        let bytes = body.len() as u64;
        let digest = hex_to_bytes(sha256).ok_or_else(|| {
            Error::new(Code::Internal, "The cached audio's checksum is malformed.")
        })?;
        let checksum = base64::engine::general_purpose::STANDARD.encode(digest);
        let mut put = self
            .client
            .put_object()
            .bucket(&self.bucket)
            .key(&key)
            .content_type("audio/mpeg")
            .checksum_sha256(&checksum)
            .metadata("recording-sid", &sidecar.recording_sid)
            .metadata("sha256", sha256)
            .metadata("created-at", sidecar.created_at.to_string())
            .body(ByteStream::from(body));
        if let Some(caller) = &sidecar.caller {
            put = put.metadata("caller", ascii_only(caller));
        }
        put.send()
            .await
            .map_err(|e| s3_error(&e, &format!("uploading {key}")))?;
        let json = serde_json::to_vec_pretty(sidecar)
            .map_err(|e| Error::internal(&anyhow::Error::new(e)))?;
        let sidecar_key = key.replace(".mp3", ".json");
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(&sidecar_key)
            .content_type("application/json")
            .body(ByteStream::from(json))
            .send()
            .await
            .map_err(|e| s3_error(&e, &format!("uploading {sidecar_key}")))?;
        self.verify(&key, bytes, sha256).await?;
        tracing::info!(key = %key, bytes, "voicemail archived and verified");
        Ok((key, bytes))
    }
}

impl Bucket {
    /// Removes a voicemail's audio and sidecar (absent objects are no error).
    ///
    /// # Errors
    /// S3's answer when it refuses.
    pub async fn remove_voicemail(&self, key: &str) -> Result<(), Error> {
        for key in [key.to_owned(), key.replace(".mp3", ".json")] {
            self.client
                .delete_object()
                .bucket(&self.bucket)
                .key(&key)
                .send()
                .await
                .map_err(|e| s3_error(&e, &format!("removing {key}")))?;
        }
        Ok(())
    }
}

/// What archiving many voicemails did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ArchiveReport {
    /// Voicemails archived now (copies verified).
    pub archived: u32,
    /// Of them, those whose deletion from Twilio was queued.
    pub delete_queued: u32,
    /// Uploads a killed run had left unfinished: finished now, or their objects removed.
    pub resumed: u32,
    /// Voicemails that could not be archived, with why.
    pub failed: Vec<(String, String)>,
}

impl Switchboard {
    /// Finishes the uploads an interrupted run left (each is archived again, or, when that
    /// fails, its partial object is removed), then archives `sids`, or every voicemail without
    /// a copy when `sids` is empty, calling `progress` after each.
    ///
    /// # Errors
    /// [`Code::NotConfigured`] without an S3 archive; storage errors. A voicemail that fails
    /// is reported, and the others go on.
    pub async fn archive_voicemails(
        &self,
        sids: &[String],
        mut progress: impl FnMut(&ArchiveReport),
    ) -> Result<ArchiveReport, Error> {
        let cache = self.active_cache().await?;
        let archive = self.bucket().await?.ok_or_else(|| {
            Error::new(
                Code::NotConfigured,
                "The S3 archive is not set up: run `switchboard archive setup` or use Settings.",
            )
        })?;
        let mut report = ArchiveReport::default();
        for (sid, key) in cache.unfinished_archives().await? {
            if let Err(err) = self.archive_voicemail(&sid).await {
                tracing::warn!(recording = %sid, error = %err.message, "unfinished upload cannot be finished; removing it");
                archive.remove_voicemail(&key).await?;
                cache.clear_archiving(&sid).await?;
            }
            report.resumed += 1;
        }
        let todo = if sids.is_empty() {
            cache.unarchived_voicemails().await?
        } else {
            sids.to_vec()
        };
        for sid in todo {
            match self.archive_voicemail(&sid).await {
                Ok(outcome) => {
                    report.archived += 1;
                    report.delete_queued += u32::from(outcome.delete_queued);
                }
                Err(err) => report.failed.push((sid, err.message)),
            }
            progress(&report);
        }
        Ok(report)
    }

    /// Archives a voicemail: locally at once, and when S3 is set up, a copy uploaded and
    /// verified; with "delete from Twilio after archiving", its deletion from Twilio is queued
    /// only after that verification.
    ///
    /// # Errors
    /// Download, S3 and storage errors; the voicemail stays as it was on Twilio then.
    pub async fn archive_voicemail(&self, recording_sid: &str) -> Result<ArchiveOutcome, Error> {
        let sid = recording_sid.trim();
        let cache = self.active_cache().await?;
        let Some(voicemail) = cache.voicemail(sid).await? else {
            return Err(Error::new(
                Code::NotFound,
                format!("No voicemail {sid} in the local copy. Sync, then try again."),
            ));
        };
        let Some(settings) = self.archive_settings().await? else {
            cache.apply(sid, VoicemailAction::Archive).await?;
            return Ok(ArchiveOutcome {
                recording_sid: sid.to_owned(),
                key: None,
                bytes: None,
                sha256: None,
                delete_queued: false,
            });
        };
        let archive = self
            .bucket()
            .await?
            .ok_or_else(|| Error::new(Code::NotConfigured, "The S3 archive is not set up."))?;
        let (track, _) = self
            .prepare_voicemail(sid)
            .await
            .map_err(|e| Error::new(e.code, e.message))?;
        let record = cache.audio_record(sid).await?.ok_or_else(|| {
            Error::new(
                Code::NotFound,
                "The voicemail vanished from the local copy.",
            )
        })?;
        let sha256 = record.sha256.ok_or_else(|| {
            Error::new(
                Code::Storage,
                "The cached audio has no checksum; download it again.",
            )
        })?;
        let sidecar = Sidecar {
            recording_sid: sid.to_owned(),
            call_sid: voicemail.call_sid.clone(),
            caller: voicemail.caller.clone(),
            caller_name: voicemail.caller_name.clone(),
            called: voicemail.called.clone(),
            created_at: voicemail.created_at,
            duration: voicemail.duration,
            transcript: voicemail.transcript.clone(),
            transcription_status: voicemail.transcription_status.clone(),
            audio_sha256: sha256.clone(),
        };
        // The key is noted before the upload: a run killed mid-way leaves no copy unknown.
        cache
            .mark_archiving(sid, &archive.voicemail_key(sid))
            .await?;
        let (key, bytes) = archive
            .put_voicemail(&track.path, &sha256, &sidecar)
            .await?;
        cache.mark_archived(sid, &key).await?;
        let delete_queued = settings.delete_from_twilio && !record.gone_from_twilio;
        if delete_queued {
            cache.queue_twilio_delete(sid).await?;
        }
        Ok(ArchiveOutcome {
            recording_sid: sid.to_owned(),
            key: Some(key),
            bytes: Some(bytes),
            sha256: Some(sha256),
            delete_queued,
        })
    }
}
