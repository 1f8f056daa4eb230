//! `Recordings` and `Transcriptions`: list, fetch, delete, and download recording audio.

use std::path::{Path, PathBuf};

use futures_util::StreamExt;
use jiff::Timestamp;
use reqwest::Method;
use tokio::io::AsyncWriteExt;

use super::base::Domain;
use super::client::Client;
use super::error::TwilioError;
use super::form::Form;
use super::models::{Recording, Transcription};
use super::page;
use super::page::ListStream;
use super::page::list_api;
use crate::sid::{CallSid, RecordingSid, TranscriptionSid};

/// Audio formats Twilio serves recordings in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AudioFormat {
    /// MP3, about a tenth of the size of WAV: what Switchboard caches.
    Mp3,
    /// The original WAV.
    Wav,
}

impl AudioFormat {
    /// The file extension, which is also how Twilio is asked for the format.
    pub fn extension(self) -> &'static str {
        match self {
            Self::Mp3 => "mp3",
            Self::Wav => "wav",
        }
    }

    /// Parses `mp3` or `wav`.
    pub fn parse(raw: &str) -> Option<Self> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "mp3" => Some(Self::Mp3),
            "wav" => Some(Self::Wav),
            _ => None,
        }
    }

    fn content_types(self) -> &'static [&'static str] {
        match self {
            Self::Mp3 => &["audio/mpeg", "audio/mp3"],
            Self::Wav => &["audio/x-wav", "audio/wav", "audio/wave"],
        }
    }
}

/// A finished download.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Download {
    /// Where the audio is.
    pub path: PathBuf,
    /// Its size in bytes.
    pub bytes: u64,
}

/// Handler for the Recordings resource.
#[derive(Debug)]
pub struct Recordings<'c> {
    client: &'c Client,
}

impl<'c> Recordings<'c> {
    pub(super) fn new(client: &'c Client) -> Self {
        Self { client }
    }

    fn path(&self, rest: &str) -> String {
        format!(
            "/2010-04-01/Accounts/{}/Recordings{rest}",
            self.client.account_sid()
        )
    }

    /// Lists recordings, newest first.
    pub fn list(&self) -> ListRecordings<'c> {
        ListRecordings {
            client: self.client,
            path: self.path(".json"),
            form: Form::default(),
        }
    }

    /// Fetches a recording's details.
    ///
    /// # Errors
    /// [`TwilioError`] for an error answer (404 for an unknown recording) or a failed request.
    pub async fn get(&self, sid: &RecordingSid) -> Result<Recording, TwilioError> {
        self.client
            .get_json(&self.path(&format!("/{sid}.json")), "the recording")
            .await
    }

    /// Deletes a recording and its audio from Twilio for good.
    ///
    /// # Errors
    /// [`TwilioError`] for an error answer or a failed request.
    pub async fn delete(&self, sid: &RecordingSid) -> Result<(), TwilioError> {
        self.client
            .delete(&self.path(&format!("/{sid}.json")))
            .await
    }

    /// The transcriptions of one recording.
    pub fn transcriptions(&self, sid: &RecordingSid) -> RecordingTranscriptions<'c> {
        RecordingTranscriptions {
            client: self.client,
            base: self.path(&format!("/{sid}/Transcriptions")),
        }
    }

    /// Downloads a recording's audio to `dest` with the account's credentials, streamed to a
    /// temporary file beside it that is renamed into place only when complete, so `dest`
    /// never holds a partial file.
    ///
    /// # Errors
    /// Twilio's errors (404 before the recording is processed); [`TwilioError::Decode`] when
    /// the answer is not audio in the asked format or is empty; [`TwilioError::Save`] when the
    /// file cannot be written (a full disk, a missing folder).
    pub async fn download(
        &self,
        sid: &RecordingSid,
        format: AudioFormat,
        dest: &Path,
    ) -> Result<Download, TwilioError> {
        let response = self
            .client
            .request(
                Method::GET,
                Domain::Api,
                &self.path(&format!("/{sid}.{}", format.extension())),
            )
            .response()
            .await?;
        let content_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        if !format.content_types().contains(&content_type.as_str()) {
            return Err(TwilioError::Decode {
                what: format!("the audio of recording {sid}"),
                detail: format!(
                    "expected {} audio, got {:?}",
                    format.extension(),
                    if content_type.is_empty() {
                        "no content type"
                    } else {
                        &content_type
                    }
                ),
            });
        }
        let save_err = |e: std::io::Error| TwilioError::Save {
            path: dest.display().to_string(),
            detail: e.to_string(),
        };
        let announced = response.content_length();
        let partial = dest.with_extension(format!("{}.part", format.extension()));
        let result = async {
            let mut file = tokio::fs::File::create(&partial).await.map_err(save_err)?;
            let mut bytes = 0u64;
            let host = self.client.base().host();
            let mut body = response.bytes_stream();
            while let Some(chunk) = body.next().await {
                let chunk = chunk
                    .map_err(|e| TwilioError::from_reqwest(&e, &host, self.client.timeout()))?;
                file.write_all(&chunk).await.map_err(save_err)?;
                bytes += chunk.len() as u64;
            }
            file.sync_all().await.map_err(save_err)?;
            if let Some(announced) = announced
                && announced != bytes
            {
                return Err(TwilioError::Decode {
                    what: format!("the audio of recording {sid}"),
                    detail: format!("the download was cut short ({bytes} of {announced} bytes)"),
                });
            }
            if bytes == 0 {
                return Err(TwilioError::Decode {
                    what: format!("the audio of recording {sid}"),
                    detail: "the download was empty".into(),
                });
            }
            tokio::fs::rename(&partial, dest).await.map_err(save_err)?;
            Ok(bytes)
        }
        .await;
        match result {
            Ok(bytes) => Ok(Download {
                path: dest.to_path_buf(),
                bytes,
            }),
            Err(err) => {
                let _ = tokio::fs::remove_file(&partial).await;
                Err(err)
            }
        }
    }
}

/// Builder for listing recordings.
#[derive(Debug)]
#[must_use = "a builder does nothing until streamed"]
pub struct ListRecordings<'c> {
    client: &'c Client,
    path: String,
    form: Form,
}

impl<'c> ListRecordings<'c> {
    /// Only recordings of this call.
    pub fn call(mut self, sid: &CallSid) -> Self {
        self.form.sid("CallSid", sid);
        self
    }

    /// Only recordings created on or after `at` (`DateCreated>`).
    pub fn created_after(mut self, at: Timestamp) -> Self {
        self.form.time("DateCreated>", at);
        self
    }

    /// Only recordings created on or before `at` (`DateCreated<`).
    pub fn created_before(mut self, at: Timestamp) -> Self {
        self.form.time("DateCreated<", at);
        self
    }

    /// Rows per request (1 to 1000; default 50).
    pub fn page_size(mut self, size: u32) -> Self {
        self.form
            .int_in("PageSize", "PageSize", size, 1..=page::MAX_PAGE_SIZE);
        self
    }

    /// The recordings, newest first, one page in memory at a time.
    pub fn stream(self) -> ListStream<'c, Recording> {
        list_api(
            self.client,
            self.path,
            self.form,
            "recordings",
            "the recording list",
        )
    }
}

/// Handler for the account-wide Transcriptions resource.
#[derive(Debug)]
pub struct Transcriptions<'c> {
    client: &'c Client,
}

impl<'c> Transcriptions<'c> {
    pub(super) fn new(client: &'c Client) -> Self {
        Self { client }
    }

    fn path(&self, rest: &str) -> String {
        format!(
            "/2010-04-01/Accounts/{}/Transcriptions{rest}",
            self.client.account_sid()
        )
    }

    /// Every transcription of the account, newest first.
    pub fn list(&self, page_size: Option<u32>) -> ListStream<'c, Transcription> {
        let mut form = Form::default();
        if let Some(size) = page_size {
            form.int_in("PageSize", "PageSize", size, 1..=page::MAX_PAGE_SIZE);
        }
        list_api(
            self.client,
            self.path(".json"),
            form,
            "transcriptions",
            "the transcription list",
        )
    }

    /// Fetches a transcription with its text.
    ///
    /// # Errors
    /// [`TwilioError`] for an error answer or a failed request.
    pub async fn get(&self, sid: &TranscriptionSid) -> Result<Transcription, TwilioError> {
        self.client
            .get_json(&self.path(&format!("/{sid}.json")), "the transcription")
            .await
    }

    /// Deletes a transcription.
    ///
    /// # Errors
    /// [`TwilioError`] for an error answer or a failed request.
    pub async fn delete(&self, sid: &TranscriptionSid) -> Result<(), TwilioError> {
        self.client
            .delete(&self.path(&format!("/{sid}.json")))
            .await
    }
}

/// Handler for `Recordings/{RecordingSid}/Transcriptions`.
#[derive(Debug)]
pub struct RecordingTranscriptions<'c> {
    client: &'c Client,
    base: String,
}

impl<'c> RecordingTranscriptions<'c> {
    /// The recording's transcriptions.
    pub fn list(&self) -> ListStream<'c, Transcription> {
        list_api(
            self.client,
            format!("{}.json", self.base),
            Form::default(),
            "transcriptions",
            "the recording's transcriptions",
        )
    }

    /// Fetches one of the recording's transcriptions.
    ///
    /// # Errors
    /// [`TwilioError`] for an error answer or a failed request.
    pub async fn get(&self, sid: &TranscriptionSid) -> Result<Transcription, TwilioError> {
        self.client
            .get_json(&format!("{}/{sid}.json", self.base), "the transcription")
            .await
    }

    /// Deletes one of the recording's transcriptions.
    ///
    /// # Errors
    /// [`TwilioError`] for an error answer or a failed request.
    pub async fn delete(&self, sid: &TranscriptionSid) -> Result<(), TwilioError> {
        self.client
            .delete(&format!("{}/{sid}.json", self.base))
            .await
    }
}

impl Client {
    /// Recordings: list, fetch, delete, download audio; a recording's transcriptions.
    pub fn recordings(&self) -> Recordings<'_> {
        Recordings::new(self)
    }

    /// Transcriptions across the account.
    pub fn transcriptions(&self) -> Transcriptions<'_> {
        Transcriptions::new(self)
    }
}
