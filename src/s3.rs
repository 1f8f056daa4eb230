//! The user's S3 bucket: the client, its settings, and the checks every upload goes through.
//!
//! Two features keep objects here: the voicemail archive (`voicemail/`, private; see
//! [`crate::voicemail::archive`]) and published greeting audio (`greetings/`, public read; see
//! [`crate::greetings::hosting`]). Endpoint, region, bucket and path-style addressing are
//! settings (any S3-compatible service works); the secret key lives in the keychain.

use std::time::Duration;

use aws_sdk_s3::config::http::HttpResponse;
use aws_sdk_s3::config::{BehaviorVersion, Credentials, Region, timeout::TimeoutConfig};
use aws_sdk_s3::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_s3::presigning::PresigningConfig;
use aws_sdk_s3::types::ChecksumMode;
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::Switchboard;
use crate::error::{Code, Error};
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

impl ArchiveSettingsInput {
    /// Checks the form of every field.
    ///
    /// # Errors
    /// [`Code::InvalidInput`] naming the field.
    pub fn validate(&self) -> Result<(), Error> {
        let bad = |m: &str| Err(Error::new(Code::InvalidInput, m));
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
pub struct Bucket {
    pub(crate) client: aws_sdk_s3::Client,
    pub(crate) bucket: String,
    pub(crate) account: AccountSid,
    pub(crate) settings: ArchiveSettings,
}

/// How long S3 gets for one request.
const S3_TIMEOUT: Duration = Duration::from_secs(60);

impl Bucket {
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

    /// Checks that the bucket is there and these keys may use it.
    ///
    /// # Errors
    /// An error saying what S3 answered.
    pub async fn check(&self) -> Result<(), Error> {
        self.client
            .head_bucket()
            .bucket(&self.bucket)
            .send()
            .await
            .map_err(|e| s3_error(&e, &format!("the bucket {}", self.bucket)))?;
        Ok(())
    }

    /// Checks that `key` holds `bytes` bytes with SHA-256 `sha256`: S3's own checksum when it
    /// reports one, else the object read back and hashed.
    ///
    /// # Errors
    /// [`Code::Storage`] on a mismatch; S3 errors.
    pub async fn verify(&self, key: &str, bytes: u64, sha256: &str) -> Result<(), Error> {
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
                Error::new(
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
    pub async fn presigned_url(&self, key: &str, ttl: Duration) -> Result<String, Error> {
        let config = PresigningConfig::expires_in(ttl)
            .map_err(|e| Error::new(Code::Internal, format!("Cannot sign an S3 address ({e}).")))?;
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

impl Bucket {
    /// Deletes `key`.
    ///
    /// # Errors
    /// S3 errors.
    pub async fn delete(&self, key: &str) -> Result<(), Error> {
        self.client
            .delete_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
            .map_err(|e| s3_error(&e, &format!("deleting {key}")))?;
        Ok(())
    }
}

pub(crate) fn mismatch(key: &str, detail: &str) -> Error {
    Error::new(
        Code::Storage,
        format!(
            "The archived copy {key} does not match the local audio ({detail}). Nothing was deleted from Twilio; archive it again."
        ),
    )
}

/// S3 failures as messages a person can act on.
pub(crate) fn s3_error<E: ProvideErrorMetadata + std::error::Error + 'static>(
    err: &SdkError<E, HttpResponse>,
    what: &str,
) -> Error {
    tracing::warn!(error = %DisplayErrorContext(err), what, "S3 request failed");
    match err {
        SdkError::TimeoutError(_) => Error::new(
            Code::Timeout,
            format!("S3 did not answer in time while {what}. Try again."),
        ),
        SdkError::DispatchFailure(_) => Error::new(
            Code::Network,
            format!(
                "S3 could not be reached while {what}. Check the endpoint in Settings and your connection."
            ),
        ),
        SdkError::ServiceError(service) => {
            let code = service.err().code().unwrap_or("");
            let status = service.raw().status().as_u16();
            match (code, status) {
                ("InvalidAccessKeyId" | "SignatureDoesNotMatch", _) | (_, 401) => Error::new(
                    Code::Unauthorized,
                    format!(
                        "S3 refused the access key while {what}: check the key id and secret in Settings."
                    ),
                ),
                ("AccessDenied", _) | (_, 403) => Error::new(
                    Code::Forbidden,
                    format!(
                        "S3 denied access while {what}: the key needs s3:PutObject, s3:GetObject and s3:ListBucket on the bucket."
                    ),
                ),
                ("NoSuchBucket", _) | (_, 404) => Error::new(
                    Code::NotFound,
                    format!(
                        "S3 has no such bucket or object while {what}: check the bucket name and region."
                    ),
                ),
                _ => Error::new(
                    Code::Storage,
                    format!(
                        "S3 answered {status} {} while {what}.",
                        service.err().message().unwrap_or(code)
                    ),
                ),
            }
        }
        _ => Error::new(
            Code::Storage,
            format!("S3 failed while {what}: {}.", DisplayErrorContext(err)),
        ),
    }
}

pub(crate) fn ascii_only(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_ascii_graphic() || *c == ' ')
        .collect()
}

pub(crate) fn hex_to_bytes(hex: &str) -> Option<Vec<u8>> {
    if !hex.len().is_multiple_of(2) {
        return None;
    }
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
        .collect()
}

impl Switchboard {
    fn archive_key_name(&self, account: &crate::sid::AccountSid) -> String {
        format!("archive.{account}")
    }

    /// The active profile's S3 archive settings, when set.
    ///
    /// # Errors
    /// Storage errors; [`Code::NotConfigured`] without a profile.
    pub async fn archive_settings(&self) -> Result<Option<ArchiveSettings>, Error> {
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
    ) -> Result<Option<ArchiveSettings>, Error> {
        let raw = self.db().setting(&self.archive_key_name(account)).await?;
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
    ) -> Result<ArchiveSettings, Error> {
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
                    Error::new(
                        Code::InvalidInput,
                        "Enter the S3 secret access key: none is stored for this access key id.",
                    )
                })?,
        };
        Bucket::new(&settings, &secret, account.clone())
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
            .map_err(|e| Error::internal(&anyhow::Error::new(e)))?;
        self.db()
            .set_setting(&self.archive_key_name(&account), &json)
            .await?;
        tracing::info!(bucket = %settings.bucket, "S3 archive set up");
        Ok(settings)
    }

    /// Forgets the S3 archive settings and their secret. Archived copies stay in the bucket.
    ///
    /// # Errors
    /// Storage and keychain errors.
    pub async fn clear_archive_settings(&self) -> Result<(), Error> {
        let profile = self.profile(None).await?;
        let account = profile.acting_account().clone();
        if let Some(old) = self.archive_settings().await? {
            self.keychain()
                .delete_s3_secret(&account, &old.access_key_id)?;
        }
        self.db()
            .clear_setting(&self.archive_key_name(&account))
            .await?;
        Ok(())
    }

    /// The archive of the active profile, when set up.
    ///
    /// # Errors
    /// Storage and keychain errors.
    pub async fn bucket(&self) -> Result<Option<Bucket>, Error> {
        let profile = self.profile(None).await?;
        self.bucket_for(profile.acting_account()).await
    }

    /// The S3 bucket of `account`, when set up.
    ///
    /// # Errors
    /// Storage and keychain errors.
    pub async fn bucket_for(
        &self,
        account: &crate::sid::AccountSid,
    ) -> Result<Option<Bucket>, Error> {
        let Some(settings) = self.archive_settings_for(account).await? else {
            return Ok(None);
        };
        let secret = self
            .keychain()
            .s3_secret(account, &settings.access_key_id)?;
        Ok(Some(Bucket::new(&settings, &secret, account.clone())))
    }
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
