//! Where published greeting audio lives: the public `greetings/` prefix of the user's S3
//! bucket, the bucket policy that makes only that prefix public, and the check that a
//! published address answers without credentials.

use std::time::Duration;

use aws_sdk_s3::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_s3::primitives::ByteStream;
use base64::Engine as _;
use serde::Serialize;
use ts_rs::TS;

use crate::Switchboard;
use crate::error::{Code, Error};
use crate::s3::{Bucket, s3_error};

/// Where recorded greetings are hosted, for the Greetings view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct GreetingsHosting {
    /// Whether an S3 bucket is set up (Settings); without one only text-to-speech works.
    pub configured: bool,
    /// The public address greetings are served from.
    pub public_base: Option<String>,
    /// The bucket policy that makes only `greetings/` publicly readable.
    pub policy: Option<String>,
    /// Whether the bucket has that policy now (`null`: it cannot be read).
    pub policy_applied: Option<bool>,
}

impl Bucket {
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
    pub async fn apply_greetings_policy(&self) -> Result<(), Error> {
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
    pub async fn put_greeting(&self, greeting_id: &str, wav: Vec<u8>) -> Result<String, Error> {
        use sha2::Digest;
        let digest = sha2::Sha256::digest(&wav);
        let key = self.greeting_key(greeting_id, &wav);
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

    /// Where `wav` of the greeting `greeting_id` is stored: named by its content, so an
    /// address never changes under a caller.
    pub fn greeting_key(&self, greeting_id: &str, wav: &[u8]) -> String {
        use sha2::Digest;
        let hash = crate::cache::hex(&sha2::Sha256::digest(wav)[..8]);
        format!("{}{greeting_id}-{hash}.wav", self.greetings_prefix())
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
pub async fn check_public(url: &str) -> Result<(), Error> {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .map_err(|e| Error::new(Code::Internal, format!("No HTTP client ({e}).")))?;
    let response = client.get(url).send().await.map_err(|e| {
        Error::new(
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
                Err(Error::new(
                    Code::Storage,
                    format!("The greeting's public address answers {kind:?}, not WAV audio."),
                ))
            }
        }
        401 | 403 => Err(Error::new(
            Code::Forbidden,
            "The greeting uploaded, but callers could not fetch it: the bucket does not let anyone read greetings/. Apply the greetings policy in Greetings (it makes only greetings/ public), then publish again.",
        )),
        status => Err(Error::new(
            Code::Storage,
            format!("The greeting's public address answered HTTP {status}."),
        )),
    }
}

impl Switchboard {
    /// Where recorded greetings of the active profile are hosted.
    ///
    /// # Errors
    /// Storage and keychain errors.
    pub async fn greetings_hosting(&self) -> Result<GreetingsHosting, Error> {
        let Some(bucket) = self.bucket().await? else {
            return Ok(GreetingsHosting {
                configured: false,
                public_base: None,
                policy: None,
                policy_applied: None,
            });
        };
        Ok(GreetingsHosting {
            configured: true,
            public_base: Some(bucket.public_url(&bucket.greetings_prefix())),
            policy: Some(bucket.greetings_policy()),
            policy_applied: bucket.greetings_policy_applied().await,
        })
    }

    /// Applies the policy that makes only `greetings/` of the bucket publicly readable.
    ///
    /// # Errors
    /// [`Code::NotConfigured`] without a bucket; S3's answer.
    pub async fn apply_greetings_policy(&self) -> Result<GreetingsHosting, Error> {
        let bucket = self.bucket().await?.ok_or_else(no_bucket)?;
        bucket.apply_greetings_policy().await?;
        self.greetings_hosting().await
    }
}

pub(crate) fn no_bucket() -> Error {
    Error::new(
        Code::NotConfigured,
        "Recorded greetings are served to callers from your own S3 bucket: set one up in Settings (S3). Text-to-speech greetings work without it.",
    )
}
