//! Recorded greetings: the take being recorded or edited, and publishing audio so callers
//! hear it.
//!
//! Publishing uploads the WAV to the user's S3 bucket under
//! `greetings/{account}/{greeting_id}-{hash}.wav` (content-addressed: a published address
//! never changes under a caller), checks that the address answers without credentials, saves
//! the greeting, and sends the greetings to the routing. The object the greeting played
//! before is deleted only after the routing points at the new one; until then callers keep
//! hearing the previous greeting.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::Switchboard;
use crate::audio::take::{TakeSummary, Trim, find_trim, greeting_wav};
use crate::audio::{Level, MAX_RECORDING, PEAK_BUCKETS, Recorder, Recording, Track};
use crate::error::{Code, Error};
use crate::greetings::hosting::{check_public, no_bucket};
use crate::greetings::{GreetingKind, GreetingsPublished, NewGreeting, Say, Window};
use crate::sid::AccountSid;
use crate::twilio::Client;

/// A recorded greeting to publish: where and when it plays; the audio comes from the take or
/// a file.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, TS)]
pub struct RecordedGreetingInput {
    /// Its name; an existing greeting of that name gets the new audio.
    pub name: String,
    /// When it plays (for a new greeting).
    pub kind: GreetingKind,
    /// Opening hours, for after-hours greetings.
    #[ts(optional)]
    pub open: Option<Vec<Window>>,
    /// First local date, for holidays.
    #[ts(optional)]
    pub from: Option<String>,
    /// Last local date, for holidays.
    #[ts(optional)]
    pub to: Option<String>,
    /// The part of the take to keep.
    pub trim: Trim,
}

/// The take being recorded or edited. One per app.
#[derive(Clone, Default)]
pub struct Studio {
    inner: Arc<Mutex<Take>>,
}

#[derive(Default)]
struct Take {
    recorder: Option<Recorder>,
    recording: Option<Recording>,
}

impl std::fmt::Debug for Studio {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Studio").finish_non_exhaustive()
    }
}

impl Studio {
    /// Starts recording from `device` (`None`: the default). `on_level` gets the level about 30
    /// times a second; `on_limit` the take when the length limit ends it.
    ///
    /// # Errors
    /// When already recording, or the microphone cannot be opened.
    pub fn start(
        &self,
        device: Option<&str>,
        on_level: impl Fn(Level) + Send + 'static,
        on_limit: impl FnOnce(TakeSummary) + Send + 'static,
    ) -> Result<(), Error> {
        self.start_for(device, MAX_RECORDING, on_level, on_limit)
    }

    /// As [`Studio::start`] with another length limit.
    ///
    /// # Errors
    /// As [`Studio::start`].
    pub fn start_for(
        &self,
        device: Option<&str>,
        max: Duration,
        on_level: impl Fn(Level) + Send + 'static,
        on_limit: impl FnOnce(TakeSummary) + Send + 'static,
    ) -> Result<(), Error> {
        let mut take = self.lock()?;
        if take.recorder.is_some() {
            return Err(Error::new(
                Code::InvalidInput,
                "Already recording: stop first.",
            ));
        }
        take.recorder = Some(Recorder::start(device, max, on_level)?);
        take.recording = None;
        drop(take);
        // Noticing the limit: the recorder ends by itself then, and the take is kept.
        let studio = self.clone();
        std::thread::spawn(move || {
            loop {
                std::thread::sleep(Duration::from_millis(100));
                let Ok(take) = studio.inner.lock() else {
                    return;
                };
                match &take.recorder {
                    None => return,
                    Some(r) if r.finished() => break,
                    Some(_) => {}
                }
            }
            if let Ok(summary) = studio.stop() {
                on_limit(summary);
            }
        });
        Ok(())
    }

    /// Stops recording and keeps the take.
    ///
    /// # Errors
    /// When nothing is being recorded, or the microphone failed.
    pub fn stop(&self) -> Result<TakeSummary, Error> {
        let mut take = self.lock()?;
        let recorder = take
            .recorder
            .take()
            .ok_or_else(|| Error::new(Code::InvalidInput, "Nothing is being recorded."))?;
        let recording = recorder.stop()?;
        let summary = summarize(&recording);
        take.recording = Some(recording);
        Ok(summary)
    }

    /// Drops the take (and stops a recording in progress).
    pub fn discard(&self) {
        if let Ok(mut take) = self.lock() {
            take.recorder = None;
            take.recording = None;
        }
    }

    /// The take with `trim` applied, normalized and converted, as WAV.
    ///
    /// # Errors
    /// Without a take; [`Code::InvalidInput`] for a bad trim, a too-short or silent result.
    pub fn wav(&self, trim: Trim) -> Result<Vec<u8>, Error> {
        let take = self.lock()?;
        let recording = take.recording.as_ref().ok_or_else(no_take)?;
        greeting_wav(&recording.samples, recording.rate, trim)
    }

    /// The take as it would be published, written to `dir` for the player.
    ///
    /// # Errors
    /// As [`Studio::wav`]; [`Code::Storage`] when the file cannot be written.
    pub fn preview(&self, trim: Trim, dir: &std::path::Path) -> Result<Track, Error> {
        let wav = self.wav(trim)?;
        let audio = crate::audio::take::read_wav(&wav)?;
        std::fs::create_dir_all(dir)
            .map_err(|e| Error::new(Code::Storage, format!("Cannot write the preview ({e}).")))?;
        let path: PathBuf = dir.join("take-preview.wav");
        std::fs::write(&path, &wav)
            .map_err(|e| Error::new(Code::Storage, format!("Cannot write the preview ({e}).")))?;
        Ok(Track {
            recording_sid: "take".into(),
            path,
            duration: Duration::from_millis(
                audio.samples.len() as u64 * 1000 / u64::from(audio.rate),
            ),
        })
    }

    fn lock(&self) -> Result<std::sync::MutexGuard<'_, Take>, Error> {
        self.inner
            .lock()
            .map_err(|_| Error::new(Code::Internal, "The recorder failed; restart Switchboard."))
    }
}

fn no_take() -> Error {
    Error::new(
        Code::InvalidInput,
        "There is no recording yet: record a greeting first.",
    )
}

/// A take's length, automatic trim and peaks.
pub fn summarize(recording: &Recording) -> TakeSummary {
    let rate = recording.rate.max(1);
    let duration_ms = recording.samples.len() as u64 * 1000 / u64::from(rate);
    let trim = find_trim(&recording.samples, rate).unwrap_or(Trim {
        start_ms: 0,
        end_ms: duration_ms,
    });
    let loudness: Vec<f32> = recording.samples.iter().map(|s| s.abs()).collect();
    let peaks = crate::audio::fold_peaks(&loudness, PEAK_BUCKETS);
    TakeSummary {
        duration_ms,
        trim,
        peaks,
        device: recording.device.clone(),
    }
}

/// The setting that remembers the microphone.
const INPUT_SETTING: &str = "audio.input_device";

impl Switchboard {
    /// The remembered microphone (cpal id); `None` follows the system default.
    ///
    /// # Errors
    /// Storage errors.
    pub async fn input_device(&self) -> Result<Option<String>, Error> {
        Ok(self.db().setting(INPUT_SETTING).await?)
    }

    /// Remembers the microphone `id` (`None`: the system default).
    ///
    /// # Errors
    /// Storage errors.
    pub async fn set_input_device(&self, id: Option<&str>) -> Result<(), Error> {
        match id {
            Some(id) => self.db().set_setting(INPUT_SETTING, id).await?,
            None => self.db().clear_setting(INPUT_SETTING).await?,
        }
        Ok(())
    }

    /// Publishes `wav` (checked and converted already) as the greeting `input.name` of the
    /// account `client` acts on, and updates the routing.
    ///
    /// # Errors
    /// [`Code::NotConfigured`] without a bucket; S3 errors and a greeting address that is not
    /// public (the upload is removed then, and nothing changes for callers); storage errors.
    pub async fn publish_greeting_audio(
        &self,
        client: &Client,
        input: &RecordedGreetingInput,
        wav: Vec<u8>,
    ) -> Result<GreetingsPublished, Error> {
        let account: AccountSid = client.account_sid().clone();
        let bucket = self.bucket_for(&account).await?.ok_or_else(no_bucket)?;
        let name = input.name.trim();
        if name.is_empty() {
            return Err(Error::new(
                Code::InvalidInput,
                "Name: a recorded greeting needs a name.",
            ));
        }
        let existing = self.db().greeting(&account, name).await?;
        let id = existing
            .as_ref()
            .map(|g| g.greeting.id.clone())
            .unwrap_or_else(|| crate::greetings::greeting_id(name));
        // The new key and the one it replaces are noted as leftovers before anything moves: a
        // publish killed at any point leaves no object the app does not know about (the next
        // publish removes whichever no greeting points at).
        let key = bucket.greeting_key(&id, &wav);
        let current = existing
            .as_ref()
            .and_then(|g| g.greeting.url.as_deref())
            .and_then(|url| bucket.key_of(url));
        let mut pending = self.greeting_leftovers(&account).await?;
        let before = pending.len();
        for noted in [Some(key.clone()), current].into_iter().flatten() {
            if !pending.contains(&noted) {
                pending.push(noted);
            }
        }
        if pending.len() > before {
            self.set_greeting_leftovers(&account, &pending).await?;
        }
        let key = bucket.put_greeting(&id, wav).await?;
        let url = bucket.public_url(&key);
        if let Err(err) = check_public(&url).await {
            let _ = bucket.delete(&key).await;
            return Err(err);
        }
        let old = match existing {
            Some(_) => self.db().set_greeting_audio(&account, name, &url).await?,
            None => {
                let dates = match (&input.from, &input.to) {
                    (Some(from), Some(to)) => Some((from.clone(), to.clone())),
                    _ => None,
                };
                let added = self
                    .db()
                    .add_greeting(
                        &account,
                        &NewGreeting {
                            name: name.to_owned(),
                            kind: input.kind,
                            say: Say {
                                text: String::new(),
                                voice: None,
                                language: None,
                            },
                            open: input.open.clone(),
                            dates,
                            url: Some(url.clone()),
                            id: Some(id),
                        },
                    )
                    .await;
                if let Err(err) = added {
                    let _ = bucket.delete(&key).await;
                    return Err(err);
                }
                None
            }
        };
        tracing::info!(greeting = name, key = %key, "recorded greeting published");
        let routed = self.publish_greetings(None, client).await;
        // The old audio goes only once nothing points at it: the routing took the new address,
        // or there is no routing to point anywhere. Until then it is remembered, and removed
        // after the next routing update that works.
        let released = routed.is_ok();
        let mut outcome = crate::greetings::published(routed);
        // Leftovers are what no greeting points at: never the audio just published, nor any
        // other greeting's (a publish killed after its greeting moved left its key noted).
        let in_use: Vec<String> = self
            .db()
            .greetings(&account)
            .await?
            .iter()
            .filter_map(|g| g.greeting.url.as_deref().and_then(|u| bucket.key_of(u)))
            .collect();
        let mut leftovers = self.greeting_leftovers(&account).await?;
        leftovers.retain(|k| !in_use.contains(k));
        if let Some(old_url) = old.filter(|o| *o != url)
            && let Some(old_key) = bucket.key_of(&old_url)
            && !leftovers.contains(&old_key)
        {
            leftovers.push(old_key);
        }
        if released {
            let mut kept = Vec::new();
            for key in leftovers {
                if let Err(err) = bucket.delete(&key).await {
                    tracing::warn!(key = %key, error = %err.message, "previous greeting audio could not be deleted; trying again next time");
                    kept.push(key);
                }
            }
            leftovers = kept;
        } else if !leftovers.is_empty() {
            tracing::info!(
                count = leftovers.len(),
                "previous greeting audio kept: the routing may still play it"
            );
            outcome.note = Some(format!(
                "{} Callers keep hearing the previous recording until then.",
                outcome.note.unwrap_or_default()
            ));
        }
        self.set_greeting_leftovers(&account, &leftovers).await?;
        Ok(outcome)
    }
}

impl Switchboard {
    async fn greeting_leftovers(&self, account: &AccountSid) -> Result<Vec<String>, Error> {
        Ok(self
            .db()
            .setting(&format!("greetings.leftovers.{account}"))
            .await?
            .and_then(|raw| serde_json::from_str(&raw).ok())
            .unwrap_or_default())
    }

    async fn set_greeting_leftovers(
        &self,
        account: &AccountSid,
        keys: &[String],
    ) -> Result<(), Error> {
        let name = format!("greetings.leftovers.{account}");
        if keys.is_empty() {
            self.db().clear_setting(&name).await?;
        } else {
            let raw = serde_json::to_string(keys).unwrap_or_else(|_| "[]".into());
            self.db().set_setting(&name, &raw).await?;
        }
        Ok(())
    }
}
