use std::time::Duration;

use serde::de::DeserializeOwned;
use url::Url;

use super::accounts::Accounts;
use super::error::TwilioError;
use super::retry::{RetryPolicy, parse_retry_after};
use crate::secret::Sensitive;
use crate::sid::{AccountSid, ApiKeySid};

/// Where Twilio's REST API is reached.
///
/// Twilio serves its API at `api.twilio.com`, or at `api.{edge}.{region}.twilio.com` for a
/// chosen region and edge. Tests and the CLI's `--api-base` replace it entirely.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiBase(Url);

impl ApiBase {
    /// The environment variable that overrides the base URL.
    pub const ENV: &'static str = "SWITCHBOARD_API_BASE";

    /// `https://api.twilio.com`, or the regional host when `region` (and optionally `edge`)
    /// are given, as Twilio's helper libraries build it.
    pub fn twilio(region: Option<&str>, edge: Option<&str>) -> Self {
        let host = match (edge, region) {
            (None, None) => "api.twilio.com".to_owned(),
            (Some(edge), region) => format!("api.{edge}.{}.twilio.com", region.unwrap_or("us1")),
            (None, Some(region)) => format!("api.{region}.twilio.com"),
        };
        Self(Url::parse(&format!("https://{host}")).expect("host names built from ASCII labels"))
    }

    /// A base URL given by the user or a test, such as `http://127.0.0.1:4010`.
    ///
    /// # Errors
    /// When `raw` is not an absolute http(s) URL.
    pub fn custom(raw: &str) -> Result<Self, String> {
        let url = Url::parse(raw.trim())
            .map_err(|e| format!("The API base URL {raw:?} is not a URL: {e}."))?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
            return Err(format!(
                "The API base URL {raw:?} must start with http:// or https:// and name a host."
            ));
        }
        Ok(Self(url))
    }

    /// The override in [`ApiBase::ENV`], when it is set and not blank.
    ///
    /// # Errors
    /// When the variable is set but is not a usable URL; the message names the variable.
    pub fn from_env() -> Result<Option<Self>, String> {
        match std::env::var(Self::ENV) {
            Ok(raw) if !raw.trim().is_empty() => Self::custom(&raw)
                .map(Some)
                .map_err(|e| format!("{}: {e}", Self::ENV)),
            _ => Ok(None),
        }
    }

    /// The host, for messages.
    pub fn host(&self) -> String {
        match self.0.port() {
            Some(port) => format!("{}:{port}", self.0.host_str().unwrap_or_default()),
            None => self.0.host_str().unwrap_or_default().to_owned(),
        }
    }

    /// `path` (starting with `/`) resolved against the base, keeping any path prefix.
    pub fn join(&self, path: &str) -> Url {
        let mut url = self.0.clone();
        let prefix = url.path().trim_end_matches('/').to_owned();
        url.set_path(&format!("{prefix}{path}"));
        url
    }
}

/// What a request authenticates with: an API key acting on an account.
#[derive(Debug, Clone)]
pub struct Credentials {
    /// The account requests act on.
    pub account_sid: AccountSid,
    /// The API key's SID, the basic-auth user name.
    pub api_key_sid: ApiKeySid,
    /// The API key's secret, the basic-auth password.
    pub api_key_secret: Sensitive<String>,
}

/// An authenticated client for Twilio's REST API.
///
/// Cheap to clone; clones share one connection pool.
///
/// ```no_run
/// # async fn run(creds: switchboard::twilio::Credentials) -> Result<(), switchboard::twilio::TwilioError> {
/// use switchboard::twilio::{ApiBase, Client};
/// let client = Client::new(ApiBase::twilio(None, None), creds)?;
/// let account = client.accounts().fetch(&client.account_sid().clone()).await?;
/// println!("{}", account.friendly_name);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Client {
    http: reqwest::Client,
    base: ApiBase,
    credentials: Credentials,
    timeout: Duration,
    retry: RetryPolicy,
}

impl Client {
    /// Time allowed to establish a connection.
    pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
    /// Time allowed for a whole request, from sending to the last byte of the answer.
    pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

    /// A client for `base` that authenticates with `credentials`.
    ///
    /// # Errors
    /// When the TLS stack cannot be initialised.
    pub fn new(base: ApiBase, credentials: Credentials) -> Result<Self, TwilioError> {
        Self::with_timeout(base, credentials, Self::REQUEST_TIMEOUT)
    }

    /// As [`Client::new`] with a different whole-request time limit.
    ///
    /// # Errors
    /// When the TLS stack cannot be initialised.
    pub fn with_timeout(
        base: ApiBase,
        credentials: Credentials,
        timeout: Duration,
    ) -> Result<Self, TwilioError> {
        let http = reqwest::Client::builder()
            .user_agent(concat!("switchboard/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(Self::CONNECT_TIMEOUT.min(timeout))
            .timeout(timeout)
            .build()
            .map_err(|e| TwilioError::Transport(e.to_string()))?;
        Ok(Self {
            http,
            base,
            credentials,
            timeout,
            retry: RetryPolicy::default(),
        })
    }

    /// Replaces the retry policy for 429 and 5xx answers (default [`RetryPolicy::default`]).
    #[must_use]
    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// The account this client acts on.
    pub fn account_sid(&self) -> &AccountSid {
        &self.credentials.account_sid
    }

    /// The base URL requests go to.
    pub fn base(&self) -> &ApiBase {
        &self.base
    }

    /// Accounts: fetch the account, list subaccounts.
    pub fn accounts(&self) -> Accounts<'_> {
        Accounts::new(self)
    }

    /// GETs `path` and decodes the JSON answer as `T`; `what` names it in errors.
    pub(crate) async fn get_json<T: DeserializeOwned>(
        &self,
        path: &str,
        what: &str,
    ) -> Result<T, TwilioError> {
        let url = self.base.join(path);
        let host = self.base.host();
        let mut waited = Duration::ZERO;
        let mut attempt = 1;
        let body = loop {
            tracing::debug!(%url, attempt, "GET");
            let response = self
                .http
                .get(url.clone())
                .basic_auth(
                    self.credentials.api_key_sid.as_str(),
                    Some(self.credentials.api_key_secret.expose()),
                )
                .send()
                .await
                .map_err(|e| TwilioError::from_reqwest(&e, &host, self.timeout))?;
            let status = response.status();
            let retry_after = response
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(parse_retry_after);
            let body = response
                .bytes()
                .await
                .map_err(|e| TwilioError::from_reqwest(&e, &host, self.timeout))?;
            if status.is_success() {
                break body;
            }
            let err = TwilioError::from_body(status, &body);
            let delay = RetryPolicy::retryable(status.as_u16())
                .then(|| self.retry.delay(attempt, retry_after, waited))
                .flatten();
            let Some(delay) = delay else {
                tracing::warn!(status = status.as_u16(), attempt, error = %err, "Twilio request failed");
                return Err(err);
            };
            tracing::info!(
                status = status.as_u16(),
                attempt,
                delay_ms = delay.as_millis() as u64,
                "retrying Twilio request"
            );
            tokio::time::sleep(delay).await;
            waited += delay;
            attempt += 1;
        };
        serde_json::from_slice(&body).map_err(|e| TwilioError::Decode {
            what: what.to_owned(),
            detail: e.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regional_hosts_follow_twilios_scheme() {
        assert_eq!(ApiBase::twilio(None, None).host(), "api.twilio.com");
        assert_eq!(
            ApiBase::twilio(Some("ie1"), None).host(),
            "api.ie1.twilio.com"
        );
        assert_eq!(
            ApiBase::twilio(Some("au1"), Some("sydney")).host(),
            "api.sydney.au1.twilio.com"
        );
        assert_eq!(
            ApiBase::twilio(None, Some("dublin")).host(),
            "api.dublin.us1.twilio.com"
        );
    }

    #[test]
    fn a_custom_base_keeps_its_path_prefix() {
        let base = ApiBase::custom("http://127.0.0.1:4010/mock/").unwrap();
        assert_eq!(
            base.join("/2010-04-01/Accounts/AC1.json").as_str(),
            "http://127.0.0.1:4010/mock/2010-04-01/Accounts/AC1.json"
        );
        assert!(ApiBase::custom("ftp://example.com").is_err());
        assert!(ApiBase::custom("not a url").is_err());
    }
}
