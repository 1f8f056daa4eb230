//! The user's S3 bucket: a private archive of voicemails.
//!
//! A voicemail is copied to `voicemail/{account}/{recording_sid}.mp3` with a JSON sidecar
//! (`….json`: caller, time, length, transcript) and the essentials as object metadata. The copy
//! counts only once S3 reports the same size and SHA-256 as the local file; only then may the
//! recording be deleted from Twilio. Endpoint, region, bucket and path-style addressing are
//! settings (any S3-compatible service works); the secret key lives in the keychain.

use std::path::Path;
use std::time::Duration;

use aws_sdk_s3::config::http::HttpResponse;
use aws_sdk_s3::config::{BehaviorVersion, Credentials, Region, timeout::TimeoutConfig};
use aws_sdk_s3::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_s3::presigning::PresigningConfig;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::ChecksumMode;
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::error::{Code, IpcError};
use crate::secret::Sensitive;
use crate::sid::AccountSid;

/// S3 archive settings as kept (no secret) and shown.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, TS)]
pub struct ArchiveSettings {
    /// A custom endpoint (MinIO, R2, a local server); `null` for AWS.
    pub endpoint: Option<String>,
    /// The bucket's region.
    pub region: String,
    /// The bucket.
    pub bucket: String,
    /// Path-style addressing (`endpoint/bucket/key`), which most S3-compatible servers need.
    pub path_style: bool,
    /// The access key id; its secret is in the keychain.
    pub access_key_id: String,
    /// Delete a voicemail from Twilio once its archived copy is verified.
    pub delete_from_twilio: bool,
}

/// What Settings sends.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, TS)]
pub struct ArchiveSettingsInput {
    /// As [`ArchiveSettings::endpoint`].
    pub endpoint: Option<String>,
    /// As [`ArchiveSettings::region`].
    pub region: String,
    /// As [`ArchiveSettings::bucket`].
    pub bucket: String,
    /// As [`ArchiveSettings::path_style`].
    pub path_style: bool,
    /// As [`ArchiveSettings::access_key_id`].
    pub access_key_id: String,
    /// The secret access key; `null` keeps the one stored.
    pub secret_access_key: Option<String>,
    /// As [`ArchiveSettings::delete_from_twilio`].
    pub delete_from_twilio: bool,
}

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

impl ArchiveSettingsInput {
    /// Checks the form of every field.
    ///
    /// # Errors
    /// [`Code::InvalidInput`] naming the field.
    pub fn validate(&self) -> Result<(), IpcError> {
        let bad = |m: &str| Err(IpcError::new(Code::InvalidInput, m));
        if let Some(endpoint) = self
            .endpoint
            .as_deref()
            .map(str::trim)
            .filter(|e| !e.is_empty())
        {
            match url::Url::parse(endpoint) {
                Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => {}
                _ => {
                    return bad(
                        "The S3 endpoint must be an http(s) address such as https://s3.example.com or http://127.0.0.1:9000.",
                    );
                }
            }
        }
        let region = self.region.trim();
        if region.is_empty()
            || !region
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-')
        {
            return bad("The S3 region is required, such as us-east-1.");
        }
        let bucket = self.bucket.trim();
        if bucket.len() < 3
            || bucket.len() > 63
            || !bucket
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.')
        {
            return bad(
                "The bucket name must be 3 to 63 lowercase letters, digits, dots or hyphens.",
            );
        }
        if self.access_key_id.trim().is_empty() {
            return bad("The S3 access key id is required.");
        }
        if self
            .secret_access_key
            .as_deref()
            .is_some_and(|s| s.trim().is_empty())
        {
            return bad("The S3 secret access key is empty.");
        }
        Ok(())
    }

    /// The settings to keep, trimmed.
    pub fn settings(&self) -> ArchiveSettings {
        ArchiveSettings {
            endpoint: self
                .endpoint
                .as_deref()
                .map(|e| e.trim().trim_end_matches('/').to_owned())
                .filter(|e| !e.is_empty()),
            region: self.region.trim().to_owned(),
            bucket: self.bucket.trim().to_owned(),
            path_style: self.path_style,
            access_key_id: self.access_key_id.trim().to_owned(),
            delete_from_twilio: self.delete_from_twilio,
        }
    }
}

/// The archive of one account in one bucket.
#[derive(Debug, Clone)]
pub struct Archive {
    client: aws_sdk_s3::Client,
    bucket: String,
    account: AccountSid,
    settings: ArchiveSettings,
}

/// How long S3 gets for one request.
const S3_TIMEOUT: Duration = Duration::from_secs(60);

impl Archive {
    /// A client for `settings` with `secret`.
    pub fn new(
        settings: &ArchiveSettings,
        secret: &Sensitive<String>,
        account: AccountSid,
    ) -> Self {
        let credentials = Credentials::new(
            settings.access_key_id.clone(),
            secret.expose().clone(),
            None,
            None,
            "switchboard-keychain",
        );
        let mut config = aws_sdk_s3::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(settings.region.clone()))
            .credentials_provider(credentials)
            .force_path_style(settings.path_style)
            .timeout_config(
                TimeoutConfig::builder()
                    .connect_timeout(Duration::from_secs(10))
                    .operation_attempt_timeout(S3_TIMEOUT)
                    .build(),
            );
        if let Some(endpoint) = &settings.endpoint {
            config = config.endpoint_url(endpoint.clone());
        }
        Self {
            client: aws_sdk_s3::Client::from_conf(config.build()),
            bucket: settings.bucket.clone(),
            account,
            settings: settings.clone(),
        }
    }

    /// The key of a voicemail's audio.
    pub fn voicemail_key(&self, recording_sid: &str) -> String {
        format!("voicemail/{}/{recording_sid}.mp3", self.account)
    }

    /// Checks that the bucket is there and these keys may use it.
    ///
    /// # Errors
    /// An error saying what S3 answered.
    pub async fn check(&self) -> Result<(), IpcError> {
        self.client
            .head_bucket()
            .bucket(&self.bucket)
            .send()
            .await
            .map_err(|e| s3_error(&e, &format!("the bucket {}", self.bucket)))?;
        Ok(())
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
    ) -> Result<(String, u64), IpcError> {
        let key = self.voicemail_key(&sidecar.recording_sid);
        let body = tokio::fs::read(path).await.map_err(|e| {
            IpcError::new(
                Code::Storage,
                format!("Cannot read the cached audio {} ({e}).", path.display()),
            )
        })?;
        let bytes = body.len() as u64;
        let digest = hex_to_bytes(sha256).ok_or_else(|| {
            IpcError::new(Code::Internal, "The cached audio's checksum is malformed.")
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
            .map_err(|e| IpcError::internal(&anyhow::Error::new(e)))?;
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

    /// Checks that `key` holds `bytes` bytes with SHA-256 `sha256`: S3's own checksum when it
    /// reports one, else the object read back and hashed.
    ///
    /// # Errors
    /// [`Code::Storage`] on a mismatch; S3 errors.
    pub async fn verify(&self, key: &str, bytes: u64, sha256: &str) -> Result<(), IpcError> {
        let head = self
            .client
            .head_object()
            .bucket(&self.bucket)
            .key(key)
            .checksum_mode(ChecksumMode::Enabled)
            .send()
            .await
            .map_err(|e| s3_error(&e, &format!("checking {key}")))?;
        let stored = head.content_length().and_then(|n| u64::try_from(n).ok());
        if stored != Some(bytes) {
            return Err(mismatch(
                key,
                &format!("{stored:?} bytes stored, {bytes} sent"),
            ));
        }
        let expected = hex_to_bytes(sha256).unwrap_or_default();
        if let Some(sum) = head.checksum_sha256()
            && let Some(sum) = sum.split('-').next()
            && let Ok(decoded) = base64::engine::general_purpose::STANDARD.decode(sum)
        {
            return if decoded == expected {
                Ok(())
            } else {
                Err(mismatch(key, "S3's SHA-256 differs"))
            };
        }
        let object = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
            .map_err(|e| s3_error(&e, &format!("reading back {key}")))?;
        let data = object
            .body
            .collect()
            .await
            .map_err(|e| {
                IpcError::new(
                    Code::Network,
                    format!("Reading back {key} from S3 failed ({e})."),
                )
            })?
            .into_bytes();
        use sha2::Digest;
        if sha2::Sha256::digest(&data).as_slice() == expected.as_slice() {
            Ok(())
        } else {
            Err(mismatch(key, "the copy read back differs"))
        }
    }

    /// A short-lived address from which `key` can be fetched without credentials.
    ///
    /// # Errors
    /// When the address cannot be signed.
    pub async fn presigned_url(&self, key: &str, ttl: Duration) -> Result<String, IpcError> {
        let config = PresigningConfig::expires_in(ttl).map_err(|e| {
            IpcError::new(Code::Internal, format!("Cannot sign an S3 address ({e})."))
        })?;
        let request = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .presigned(config)
            .await
            .map_err(|e| s3_error(&e, &format!("signing {key}")))?;
        Ok(request.uri().to_owned())
    }
}

impl Archive {
    /// The prefix recorded greetings of this account are published under.
    pub fn greetings_prefix(&self) -> String {
        format!("greetings/{}/", self.account)
    }

    /// The address anyone can fetch `key` from, once the greetings policy is applied.
    pub fn public_url(&self, key: &str) -> String {
        match &self.settings.endpoint {
            Some(endpoint) if self.settings.path_style => {
                format!("{endpoint}/{}/{key}", self.bucket)
            }
            Some(endpoint) => match url::Url::parse(endpoint) {
                Ok(u) => format!(
                    "{}://{}.{}{}/{key}",
                    u.scheme(),
                    self.bucket,
                    u.host_str().unwrap_or_default(),
                    u.port().map(|p| format!(":{p}")).unwrap_or_default()
                ),
                Err(_) => format!("{endpoint}/{}/{key}", self.bucket),
            },
            None => format!(
                "https://{}.s3.{}.amazonaws.com/{key}",
                self.bucket, self.settings.region
            ),
        }
    }

    /// The bucket policy that makes objects under `greetings/` (and nothing else) readable by
    /// anyone: callers' phones fetch greetings through Twilio without credentials.
    pub fn greetings_policy(&self) -> String {
        serde_json::to_string_pretty(&serde_json::json!({
            "Version": "2012-10-17",
            "Statement": [{
                "Sid": "SwitchboardPublicGreetings",
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": format!("arn:aws:s3:::{}/greetings/*", self.bucket),
            }]
        }))
        .expect("the policy serializes")
    }

    /// Whether the bucket's policy holds the greetings statement, exactly; `None` when the
    /// policy cannot be read (a key without s3:GetBucketPolicy, or a server without policies).
    pub async fn greetings_policy_applied(&self) -> Option<bool> {
        match self
            .client
            .get_bucket_policy()
            .bucket(&self.bucket)
            .send()
            .await
        {
            Ok(out) => {
                let current: serde_json::Value =
                    serde_json::from_str(out.policy().unwrap_or("{}")).ok()?;
                let wanted: serde_json::Value =
                    serde_json::from_str(&self.greetings_policy()).ok()?;
                let statement = &wanted["Statement"][0];
                Some(current["Statement"].as_array().is_some_and(|all| {
                    all.iter().any(|s| {
                        s["Sid"] == statement["Sid"] && s["Resource"] == statement["Resource"]
                    })
                }))
            }
            Err(SdkError::ServiceError(e)) if e.err().code() == Some("NoSuchBucketPolicy") => {
                Some(false)
            }
            Err(err) => {
                tracing::info!(error = %DisplayErrorContext(&err), "the bucket policy cannot be read");
                None
            }
        }
    }

    /// Sets the bucket policy to [`Archive::greetings_policy`]. Any other policy of the bucket
    /// is replaced: Switchboard's bucket should be its own.
    ///
    /// # Errors
    /// S3's answer, such as access denied or Block Public Access being on.
    pub async fn apply_greetings_policy(&self) -> Result<(), IpcError> {
        self.client
            .put_bucket_policy()
            .bucket(&self.bucket)
            .policy(self.greetings_policy())
            .send()
            .await
            .map_err(|e| s3_error(&e, "applying the greetings policy (turn off Block Public Access for this bucket if S3 refuses)"))?;
        Ok(())
    }

    /// Uploads a greeting's WAV under a name made of its id and content hash, so a published
    /// address never changes under a caller. Returns the key.
    ///
    /// # Errors
    /// S3 errors.
    pub async fn put_greeting(&self, greeting_id: &str, wav: Vec<u8>) -> Result<String, IpcError> {
        use sha2::Digest;
        let digest = sha2::Sha256::digest(&wav);
        let hash = crate::cache::hex(&digest[..8]);
        let key = format!("{}{greeting_id}-{hash}.wav", self.greetings_prefix());
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(&key)
            .content_type("audio/wav")
            .cache_control("public, max-age=31536000, immutable")
            .checksum_sha256(base64::engine::general_purpose::STANDARD.encode(digest))
            .body(ByteStream::from(wav))
            .send()
            .await
            .map_err(|e| s3_error(&e, &format!("uploading {key}")))?;
        Ok(key)
    }

    /// Deletes `key`.
    ///
    /// # Errors
    /// S3 errors.
    pub async fn delete(&self, key: &str) -> Result<(), IpcError> {
        self.client
            .delete_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
            .map_err(|e| s3_error(&e, &format!("deleting {key}")))?;
        Ok(())
    }

    /// The key of a public URL of this bucket's greetings, if it is one.
    pub fn key_of(&self, url: &str) -> Option<String> {
        let at = url.find(&self.greetings_prefix())?;
        Some(url[at..].to_owned())
    }
}

/// Checks that `url` answers without credentials with WAV audio, as Twilio will fetch it.
///
/// # Errors
/// [`Code::Forbidden`] when it is not public, [`Code::Network`] when it cannot be reached.
pub async fn check_public(url: &str) -> Result<(), IpcError> {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .map_err(|e| IpcError::new(Code::Internal, format!("No HTTP client ({e}).")))?;
    let response = client.get(url).send().await.map_err(|e| {
        IpcError::new(
            Code::Network,
            format!("The greeting's public address {url} cannot be reached ({e})."),
        )
    })?;
    match response.status().as_u16() {
        200 => {
            let kind = response
                .headers()
                .get(reqwest::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned();
            if kind.starts_with("audio/wav")
                || kind.starts_with("audio/x-wav")
                || kind.starts_with("audio/wave")
            {
                Ok(())
            } else {
                Err(IpcError::new(
                    Code::Storage,
                    format!("The greeting's public address answers {kind:?}, not WAV audio."),
                ))
            }
        }
        401 | 403 => Err(IpcError::new(
            Code::Forbidden,
            "The greeting uploaded, but callers could not fetch it: the bucket does not let anyone read greetings/. Apply the greetings policy in Greetings (it makes only greetings/ public), then publish again.",
        )),
        status => Err(IpcError::new(
            Code::Storage,
            format!("The greeting's public address answered HTTP {status}."),
        )),
    }
}

fn mismatch(key: &str, detail: &str) -> IpcError {
    IpcError::new(
        Code::Storage,
        format!(
            "The archived copy {key} does not match the local audio ({detail}). Nothing was deleted from Twilio; archive it again."
        ),
    )
}

/// S3 failures as messages a person can act on.
fn s3_error<E: ProvideErrorMetadata + std::error::Error + 'static>(
    err: &SdkError<E, HttpResponse>,
    what: &str,
) -> IpcError {
    tracing::warn!(error = %DisplayErrorContext(err), what, "S3 request failed");
    match err {
        SdkError::TimeoutError(_) => IpcError::new(
            Code::Timeout,
            format!("S3 did not answer in time while {what}. Try again."),
        ),
        SdkError::DispatchFailure(_) => IpcError::new(
            Code::Network,
            format!(
                "S3 could not be reached while {what}. Check the endpoint in Settings and your connection."
            ),
        ),
        SdkError::ServiceError(service) => {
            let code = service.err().code().unwrap_or("");
            let status = service.raw().status().as_u16();
            match (code, status) {
                ("InvalidAccessKeyId" | "SignatureDoesNotMatch", _) | (_, 401) => IpcError::new(
                    Code::Unauthorized,
                    format!(
                        "S3 refused the access key while {what}: check the key id and secret in Settings."
                    ),
                ),
                ("AccessDenied", _) | (_, 403) => IpcError::new(
                    Code::Forbidden,
                    format!(
                        "S3 denied access while {what}: the key needs s3:PutObject, s3:GetObject and s3:ListBucket on the bucket."
                    ),
                ),
                ("NoSuchBucket", _) | (_, 404) => IpcError::new(
                    Code::NotFound,
                    format!(
                        "S3 has no such bucket or object while {what}: check the bucket name and region."
                    ),
                ),
                _ => IpcError::new(
                    Code::Storage,
                    format!(
                        "S3 answered {status} {} while {what}.",
                        service.err().message().unwrap_or(code)
                    ),
                ),
            }
        }
        _ => IpcError::new(
            Code::Storage,
            format!("S3 failed while {what}: {}.", DisplayErrorContext(err)),
        ),
    }
}

fn ascii_only(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_ascii_graphic() || *c == ' ')
        .collect()
}

fn hex_to_bytes(hex: &str) -> Option<Vec<u8>> {
    if !hex.len().is_multiple_of(2) {
        return None;
    }
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> ArchiveSettingsInput {
        ArchiveSettingsInput {
            endpoint: Some(" http://127.0.0.1:9000/ ".into()),
            region: "us-east-1".into(),
            bucket: "acme-voicemail".into(),
            path_style: true,
            access_key_id: "AKIAEXAMPLE".into(),
            secret_access_key: Some("s3cr3t".into()),
            delete_from_twilio: false,
        }
    }

    #[test]
    fn settings_are_checked_and_trimmed() {
        assert!(input().validate().is_ok());
        assert_eq!(
            input().settings().endpoint.as_deref(),
            Some("http://127.0.0.1:9000")
        );
        let bad_bucket = ArchiveSettingsInput {
            bucket: "Acme_Voicemail".into(),
            ..input()
        };
        assert!(
            bad_bucket
                .validate()
                .unwrap_err()
                .message
                .contains("bucket name")
        );
        let bad_endpoint = ArchiveSettingsInput {
            endpoint: Some("ftp://x".into()),
            ..input()
        };
        assert!(
            bad_endpoint
                .validate()
                .unwrap_err()
                .message
                .contains("endpoint")
        );
        let no_key = ArchiveSettingsInput {
            access_key_id: " ".into(),
            ..input()
        };
        assert!(no_key.validate().is_err());
        let keep_secret = ArchiveSettingsInput {
            secret_access_key: None,
            ..input()
        };
        assert!(keep_secret.validate().is_ok());
    }

    #[test]
    fn hex_digests_decode() {
        assert_eq!(hex_to_bytes("00ff10"), Some(vec![0, 255, 16]));
        assert_eq!(hex_to_bytes("0"), None);
        assert_eq!(hex_to_bytes("zz"), None);
    }
}
