//! Voicemail audio for the player and the archive: the verified local copy (downloaded once,
//! with auth, checked, kept per profile), its waveform, saving a copy, the output device
//! setting, and archiving to S3 with the delete-after-archive rule.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Serialize;
use ts_rs::TS;

use crate::Switchboard;
use crate::audio::{self, AudioProblem, PlaybackError, Track};
use crate::cache::{AudioRecord, Cache, VoicemailAction};
use crate::error::{Code, IpcError};
use crate::secret::Sensitive;
use crate::sid::RecordingSid;
use crate::storage::{Archive, ArchiveOutcome, ArchiveSettings, ArchiveSettingsInput, Sidecar};

/// Peaks for drawing a voicemail's waveform.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct Waveform {
    /// The voicemail.
    pub recording_sid: String,
    /// [`audio::PEAK_BUCKETS`] values in 0..=1 over the whole message.
    pub peaks: Vec<f32>,
    /// The message's decoded length.
    #[ts(type = "number")]
    pub duration_ms: u64,
}

/// The setting that remembers the output device.
const OUTPUT_SETTING: &str = "audio.output_device";

/// How long a presigned address to an archived voicemail lasts.
const PRESIGNED_TTL: Duration = Duration::from_secs(300);

impl Switchboard {
    /// The verified local audio of a voicemail and its waveform, downloading (from Twilio, or
    /// from the S3 archive once Twilio no longer has it) and checking it when needed.
    ///
    /// # Errors
    /// A [`PlaybackError`] the player shows, saying whether downloading again may help.
    pub async fn prepare_voicemail(
        &self,
        recording_sid: &str,
    ) -> Result<(Track, Waveform), PlaybackError> {
        let cache = self.active_cache().await.map_err(plain)?;
        let sid = RecordingSid::parse(recording_sid.trim())
            .map_err(|e| plain(IpcError::new(Code::InvalidInput, e.message)))?;
        let record = self.audio_record(&cache, sid.as_str()).await?;
        // A verified local copy needs no network (nor the keychain); its waveform, once
        // computed, no decoding either.
        let path = match &record.path {
            Some(path) if verified(path, record.sha256.as_deref()).await => {
                if let (Some(peaks), Some(ms)) = (&record.peaks, record.audio_ms) {
                    return Ok(ready(
                        sid.as_str(),
                        path.clone(),
                        audio::peaks_from_bytes(peaks),
                        ms,
                    ));
                }
                path.clone()
            }
            _ => self.fetch_audio(&cache, &sid, &record).await?,
        };
        let expected = record
            .twilio_seconds
            .and_then(|s| u64::try_from(s).ok())
            .map(Duration::from_secs);
        let checked = path.clone();
        let analysis = tokio::task::spawn_blocking(move || audio::analyse_file(&checked, expected))
            .await
            .map_err(|e| plain(IpcError::internal(&anyhow::Error::new(e))))?
            .map_err(|problem| unplayable(&problem))?;
        let ms = i64::try_from(analysis.duration.as_millis()).unwrap_or(i64::MAX);
        cache
            .save_analysis(sid.as_str(), &audio::peaks_to_bytes(&analysis.peaks), ms)
            .await
            .map_err(|e| plain(e.into()))?;
        Ok(ready(sid.as_str(), path, analysis.peaks, ms))
    }

    /// Drops the cached audio of a voicemail and downloads and checks it again.
    ///
    /// # Errors
    /// As [`Switchboard::prepare_voicemail`]; [`Code::InvalidInput`] when Twilio no longer has
    /// the recording and there is no archived copy to fetch instead.
    pub async fn redownload_voicemail(
        &self,
        recording_sid: &str,
    ) -> Result<(Track, Waveform), PlaybackError> {
        let cache = self.active_cache().await.map_err(plain)?;
        let sid = recording_sid.trim();
        let record = self.audio_record(&cache, sid).await?;
        if record.gone_from_twilio && record.archive_key.is_none() {
            return Err(plain(IpcError::new(
                Code::InvalidInput,
                "Twilio no longer has this recording and it was not archived to S3, so it cannot be downloaded again. The local copy was kept.",
            )));
        }
        if let Some(path) = &record.path {
            // Moved aside, not deleted, until the new copy is verified.
            let aside = path.with_extension("mp3.old");
            let _ = tokio::fs::rename(path, &aside).await;
            cache.forget_audio(sid).await.map_err(|e| plain(e.into()))?;
            let result = self.prepare_voicemail(sid).await;
            if result.is_ok() {
                let _ = tokio::fs::remove_file(&aside).await;
            }
            return result;
        }
        self.prepare_voicemail(sid).await
    }

    async fn audio_record(&self, cache: &Cache, sid: &str) -> Result<AudioRecord, PlaybackError> {
        cache
            .audio_record(sid)
            .await
            .map_err(|e| plain(e.into()))?
            .ok_or_else(|| {
                plain(IpcError::new(
                    Code::NotFound,
                    format!("No voicemail {sid} in the local copy. Sync, then try again."),
                ))
            })
    }

    async fn fetch_audio(
        &self,
        cache: &Cache,
        sid: &RecordingSid,
        record: &AudioRecord,
    ) -> Result<PathBuf, PlaybackError> {
        let profile = self.profile(None).await.map_err(plain)?;
        let dir = self.audio_dir(profile.acting_account());
        if record.gone_from_twilio {
            let key = record.archive_key.as_deref().ok_or_else(|| {
                plain(IpcError::new(
                    Code::NotFound,
                    "The local copy of this voicemail is missing, Twilio no longer has it, and it was never archived.",
                ))
            })?;
            return self
                .fetch_archived(cache, sid, key, record.sha256.as_deref(), &dir)
                .await;
        }
        let client = self.client().await.map_err(plain)?;
        cache
            .ensure_audio(&client, &dir, sid)
            .await
            .map_err(|e| PlaybackError {
                redownload: !matches!(
                    e.code,
                    Code::NotFound | Code::Unauthorized | Code::Forbidden | Code::NotConfigured
                ),
                message: format!("The audio could not be downloaded: {}", e.message),
                code: e.code,
            })
    }

    /// Fetches an archived voicemail through a short-lived presigned address and checks it
    /// against the checksum recorded when it was archived.
    async fn fetch_archived(
        &self,
        cache: &Cache,
        sid: &RecordingSid,
        key: &str,
        sha256: Option<&str>,
        dir: &Path,
    ) -> Result<PathBuf, PlaybackError> {
        let archive = self.archive().await.map_err(plain)?.ok_or_else(|| {
            plain(IpcError::new(
                Code::NotConfigured,
                "This voicemail is only in the S3 archive, which is no longer set up. Set it up again in Settings to play it.",
            ))
        })?;
        let url = archive
            .presigned_url(key, PRESIGNED_TTL)
            .await
            .map_err(plain)?;
        let dest = dir.join(format!("{sid}.mp3"));
        tokio::fs::create_dir_all(dir).await.map_err(|e| {
            plain(IpcError::new(
                Code::Storage,
                format!("Cannot create {} ({e}).", dir.display()),
            ))
        })?;
        let response = reqwest::get(&url)
            .await
            .and_then(reqwest::Response::error_for_status)
            .map_err(|e| PlaybackError {
                code: Code::Network,
                message: format!("The archived audio could not be fetched from S3 ({e})."),
                redownload: true,
            })?;
        let body = response.bytes().await.map_err(|e| PlaybackError {
            code: Code::Network,
            message: format!("The archived audio was cut off while downloading ({e})."),
            redownload: true,
        })?;
        use sha2::Digest;
        let sum = crate::cache::hex(&sha2::Sha256::digest(&body));
        if sha256.is_some_and(|expected| expected != sum) {
            return Err(PlaybackError {
                code: Code::Storage,
                message: "The archived copy in S3 does not match the checksum taken when it was archived.".into(),
                redownload: true,
            });
        }
        let partial = dest.with_extension("mp3.part");
        tokio::fs::write(&partial, &body)
            .await
            .and(tokio::fs::rename(&partial, &dest).await)
            .map_err(|e| plain(disk_error(&dest, &e)))?;
        cache
            .record_audio(sid.as_str(), &dest, &sum, body.len())
            .await
            .map_err(|e| plain(e.into()))?;
        Ok(dest)
    }

    /// Copies a voicemail's verified audio into `dir` (the user's Downloads folder when
    /// `None`) under a readable name, and returns the file written.
    ///
    /// # Errors
    /// As [`Switchboard::prepare_voicemail`]; [`Code::Storage`] when the copy fails.
    pub async fn save_voicemail_audio(
        &self,
        recording_sid: &str,
        dir: Option<PathBuf>,
    ) -> Result<PathBuf, IpcError> {
        let (track, _) = self
            .prepare_voicemail(recording_sid)
            .await
            .map_err(|e| IpcError::new(e.code, e.message))?;
        let cache = self.active_cache().await?;
        let voicemail = cache.voicemail(recording_sid).await?;
        let dir = match dir {
            Some(dir) => dir,
            None => directories::UserDirs::new()
                .and_then(|u| u.download_dir().map(Path::to_path_buf))
                .or_else(|| directories::UserDirs::new().map(|u| u.home_dir().to_path_buf()))
                .ok_or_else(|| {
                    IpcError::new(Code::Storage, "No Downloads folder was found to save into.")
                })?,
        };
        let who = voicemail
            .as_ref()
            .and_then(|v| v.caller.clone())
            .unwrap_or_else(|| "unknown caller".into());
        let when = voicemail
            .as_ref()
            .and_then(|v| jiff::Timestamp::from_second(v.created_at).ok())
            .map(|t| t.strftime("%Y-%m-%d %H%M").to_string())
            .unwrap_or_default();
        let stem: String = format!("Voicemail from {who} {when}")
            .chars()
            .map(|c| {
                if c.is_alphanumeric() || " +-_.".contains(c) {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let mut dest = dir.join(format!("{}.mp3", stem.trim()));
        let mut n = 2;
        while tokio::fs::try_exists(&dest).await.unwrap_or(false) {
            dest = dir.join(format!("{} ({n}).mp3", stem.trim()));
            n += 1;
        }
        tokio::fs::copy(&track.path, &dest)
            .await
            .map_err(|e| disk_error(&dest, &e))?;
        tracing::info!(path = %dest.display(), "voicemail audio saved");
        Ok(dest)
    }

    /// The remembered output device (cpal id); `None` follows the system default.
    ///
    /// # Errors
    /// Storage errors.
    pub async fn output_device(&self) -> Result<Option<String>, IpcError> {
        Ok(self.store().setting(OUTPUT_SETTING).await?)
    }

    /// Remembers the output device `id` (`None`: the system default).
    ///
    /// # Errors
    /// Storage errors.
    pub async fn set_output_device(&self, id: Option<&str>) -> Result<(), IpcError> {
        match id {
            Some(id) => self.store().set_setting(OUTPUT_SETTING, id).await?,
            None => self.store().clear_setting(OUTPUT_SETTING).await?,
        }
        Ok(())
    }

    /// Counts a voicemail as read once most of it has played.
    ///
    /// # Errors
    /// As [`Cache::apply`].
    pub async fn mark_heard(&self, recording_sid: &str) -> Result<(), IpcError> {
        let cache = self.active_cache().await?;
        if cache
            .voicemail(recording_sid)
            .await?
            .is_some_and(|v| v.state == "unread")
        {
            cache.apply(recording_sid, VoicemailAction::Read).await?;
        }
        Ok(())
    }

    /// Voicemails that arrived since the last call (for notifications), newest first. The
    /// first call for an account only notes where the inbox stands, so a first sync of a
    /// full mailbox announces nothing.
    ///
    /// # Errors
    /// Storage errors; [`Code::NotConfigured`] without a profile.
    pub async fn new_voicemails(&self) -> Result<Vec<crate::cache::Voicemail>, IpcError> {
        let profile = self.profile(None).await?;
        let key = format!("notified.{}", profile.acting_account());
        let cache = self.active_cache().await?;
        let newest = cache.newest_voicemail_at().await?;
        let seen = self
            .store()
            .setting(&key)
            .await?
            .and_then(|v| v.parse::<i64>().ok());
        let fresh = match seen {
            None => Vec::new(),
            Some(after) => cache.unread_since(after, 20).await?,
        };
        if let Some(newest) = newest
            && seen.is_none_or(|s| newest > s)
        {
            self.store().set_setting(&key, &newest.to_string()).await?;
        } else if seen.is_none() {
            self.store().set_setting(&key, "0").await?;
        }
        Ok(fresh)
    }

    fn archive_key_name(&self, account: &crate::sid::AccountSid) -> String {
        format!("archive.{account}")
    }

    /// The active profile's S3 archive settings, when set.
    ///
    /// # Errors
    /// Storage errors; [`Code::NotConfigured`] without a profile.
    pub async fn archive_settings(&self) -> Result<Option<ArchiveSettings>, IpcError> {
        let profile = self.profile(None).await?;
        self.archive_settings_for(profile.acting_account()).await
    }

    /// The S3 settings of `account`, when set.
    ///
    /// # Errors
    /// Storage errors.
    pub async fn archive_settings_for(
        &self,
        account: &crate::sid::AccountSid,
    ) -> Result<Option<ArchiveSettings>, IpcError> {
        let raw = self
            .store()
            .setting(&self.archive_key_name(account))
            .await?;
        Ok(raw.and_then(|r| serde_json::from_str(&r).ok()))
    }

    /// Checks `input` against the bucket and keeps it (the secret in the keychain).
    ///
    /// # Errors
    /// [`Code::InvalidInput`] for a malformed field or a missing secret; S3's answer when the
    /// bucket cannot be used with these keys (nothing is saved then).
    pub async fn save_archive_settings(
        &self,
        input: &ArchiveSettingsInput,
    ) -> Result<ArchiveSettings, IpcError> {
        input.validate()?;
        let profile = self.profile(None).await?;
        let account = profile.acting_account().clone();
        let settings = input.settings();
        let secret = match &input.secret_access_key {
            Some(secret) => Sensitive::new(secret.trim().to_owned()),
            None => self
                .keychain()
                .s3_secret(&account, &settings.access_key_id)
                .map_err(|_| {
                    IpcError::new(
                        Code::InvalidInput,
                        "Enter the S3 secret access key: none is stored for this access key id.",
                    )
                })?,
        };
        Archive::new(&settings, &secret, account.clone())
            .check()
            .await?;
        self.keychain()
            .store_s3_secret(&account, &settings.access_key_id, &secret)?;
        if let Some(old) = self.archive_settings().await?
            && old.access_key_id != settings.access_key_id
        {
            let _ = self
                .keychain()
                .delete_s3_secret(&account, &old.access_key_id);
        }
        let json = serde_json::to_string(&settings)
            .map_err(|e| IpcError::internal(&anyhow::Error::new(e)))?;
        self.store()
            .set_setting(&self.archive_key_name(&account), &json)
            .await?;
        tracing::info!(bucket = %settings.bucket, "S3 archive set up");
        Ok(settings)
    }

    /// Forgets the S3 archive settings and their secret. Archived copies stay in the bucket.
    ///
    /// # Errors
    /// Storage and keychain errors.
    pub async fn clear_archive_settings(&self) -> Result<(), IpcError> {
        let profile = self.profile(None).await?;
        let account = profile.acting_account().clone();
        if let Some(old) = self.archive_settings().await? {
            self.keychain()
                .delete_s3_secret(&account, &old.access_key_id)?;
        }
        self.store()
            .clear_setting(&self.archive_key_name(&account))
            .await?;
        Ok(())
    }

    /// The archive of the active profile, when set up.
    ///
    /// # Errors
    /// Storage and keychain errors.
    pub async fn archive(&self) -> Result<Option<Archive>, IpcError> {
        let profile = self.profile(None).await?;
        self.archive_for(profile.acting_account()).await
    }

    /// The S3 bucket of `account`, when set up.
    ///
    /// # Errors
    /// Storage and keychain errors.
    pub async fn archive_for(
        &self,
        account: &crate::sid::AccountSid,
    ) -> Result<Option<Archive>, IpcError> {
        let Some(settings) = self.archive_settings_for(account).await? else {
            return Ok(None);
        };
        let secret = self
            .keychain()
            .s3_secret(account, &settings.access_key_id)?;
        Ok(Some(Archive::new(&settings, &secret, account.clone())))
    }

    /// Archives a voicemail: locally at once, and when S3 is set up, a copy uploaded and
    /// verified; with "delete from Twilio after archiving", its deletion from Twilio is queued
    /// only after that verification.
    ///
    /// # Errors
    /// Download, S3 and storage errors; the voicemail stays as it was on Twilio then.
    pub async fn archive_voicemail(&self, recording_sid: &str) -> Result<ArchiveOutcome, IpcError> {
        let sid = recording_sid.trim();
        let cache = self.active_cache().await?;
        let Some(voicemail) = cache.voicemail(sid).await? else {
            return Err(IpcError::new(
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
            .archive()
            .await?
            .ok_or_else(|| IpcError::new(Code::NotConfigured, "The S3 archive is not set up."))?;
        let (track, _) = self
            .prepare_voicemail(sid)
            .await
            .map_err(|e| IpcError::new(e.code, e.message))?;
        let record = cache.audio_record(sid).await?.ok_or_else(|| {
            IpcError::new(
                Code::NotFound,
                "The voicemail vanished from the local copy.",
            )
        })?;
        let sha256 = record.sha256.ok_or_else(|| {
            IpcError::new(
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

fn ready(sid: &str, path: PathBuf, peaks: Vec<f32>, ms: i64) -> (Track, Waveform) {
    let ms = u64::try_from(ms).unwrap_or(0);
    (
        Track {
            recording_sid: sid.to_owned(),
            path,
            duration: Duration::from_millis(ms),
        },
        Waveform {
            recording_sid: sid.to_owned(),
            peaks,
            duration_ms: ms,
        },
    )
}

async fn verified(path: &Path, sha256: Option<&str>) -> bool {
    let Some(expected) = sha256 else { return false };
    crate::cache::sha256_file(path)
        .await
        .is_ok_and(|(actual, _)| actual == expected)
}

fn plain(err: IpcError) -> PlaybackError {
    PlaybackError {
        code: err.code,
        message: err.message,
        redownload: false,
    }
}

fn unplayable(problem: &AudioProblem) -> PlaybackError {
    PlaybackError {
        code: Code::Storage,
        message: if problem.redownload_helps() {
            format!(
                "This voicemail cannot be played: {problem}. Download it again; nothing was deleted."
            )
        } else {
            format!("This voicemail cannot be played: {problem}.")
        },
        redownload: problem.redownload_helps(),
    }
}

fn disk_error(path: &Path, err: &std::io::Error) -> IpcError {
    let hint = if err.kind() == std::io::ErrorKind::StorageFull || err.raw_os_error() == Some(28) {
        " The disk is full: free some space and try again."
    } else {
        ""
    };
    IpcError::new(
        Code::Storage,
        format!("Could not write {} ({err}).{hint}", path.display()),
    )
}
