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
use crate::error::{Code, Error};
use crate::sid::RecordingSid;

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
            .map_err(|e| plain(Error::new(Code::InvalidInput, e.message)))?;
        let record = self.audio_record(&cache, sid.as_str()).await?;
        // Retention prunes the audio played least recently first.
        if let Err(err) = cache.touch_played(sid.as_str()).await {
            tracing::warn!(error = %err, "could not note when the voicemail was played");
        }
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
            .map_err(|e| plain(Error::internal(&anyhow::Error::new(e))))?
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
            return Err(plain(Error::new(
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
                plain(Error::new(
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
                plain(Error::new(
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
        let archive = self.bucket().await.map_err(plain)?.ok_or_else(|| {
            plain(Error::new(
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
            plain(Error::new(
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
    ) -> Result<PathBuf, Error> {
        let (track, _) = self
            .prepare_voicemail(recording_sid)
            .await
            .map_err(|e| Error::new(e.code, e.message))?;
        let cache = self.active_cache().await?;
        let voicemail = cache.voicemail(recording_sid).await?;
        let dir = match dir {
            Some(dir) => dir,
            None => directories::UserDirs::new()
                .and_then(|u| u.download_dir().map(Path::to_path_buf))
                .or_else(|| directories::UserDirs::new().map(|u| u.home_dir().to_path_buf()))
                .ok_or_else(|| {
                    Error::new(Code::Storage, "No Downloads folder was found to save into.")
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
    pub async fn output_device(&self) -> Result<Option<String>, Error> {
        Ok(self.db().setting(OUTPUT_SETTING).await?)
    }

    /// Remembers the output device `id` (`None`: the system default).
    ///
    /// # Errors
    /// Storage errors.
    pub async fn set_output_device(&self, id: Option<&str>) -> Result<(), Error> {
        match id {
            Some(id) => self.db().set_setting(OUTPUT_SETTING, id).await?,
            None => self.db().clear_setting(OUTPUT_SETTING).await?,
        }
        Ok(())
    }

    /// Counts a voicemail as read once most of it has played.
    ///
    /// # Errors
    /// As [`Cache::apply`].
    pub async fn mark_heard(&self, recording_sid: &str) -> Result<(), Error> {
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
    pub async fn new_voicemails(&self) -> Result<Vec<crate::cache::Voicemail>, Error> {
        let profile = self.profile(None).await?;
        let key = format!("notified.{}", profile.acting_account());
        let cache = self.active_cache().await?;
        let newest = cache.newest_voicemail_at().await?;
        let seen = self
            .db()
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
            self.db().set_setting(&key, &newest.to_string()).await?;
        } else if seen.is_none() {
            self.db().set_setting(&key, "0").await?;
        }
        Ok(fresh)
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

fn plain(err: Error) -> PlaybackError {
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

fn disk_error(path: &Path, err: &std::io::Error) -> Error {
    let hint = if err.kind() == std::io::ErrorKind::StorageFull || err.raw_os_error() == Some(28) {
        " The disk is full: free some space and try again."
    } else {
        ""
    };
    Error::new(
        Code::Storage,
        format!("Could not write {} ({err}).{hint}", path.display()),
    )
}
