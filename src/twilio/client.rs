//! The REST client: credentials, one reqwest client with timeouts and retries, and the
//! resource handlers reached from it (`client.calls(..)`, `client.incoming_numbers()`, …).

use std::time::Duration;

use reqwest::Method;
use serde::de::DeserializeOwned;
use url::Url;

use super::error::TwilioError;
use super::retry::{RetryPolicy, parse_retry_after};
use crate::secret::Sensitive;
use crate::sid::{AccountSid, ApiKeySid};

use super::base::{ApiBase, Domain, host_of};

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
    account: AccountSid,
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
            account: credentials.account_sid.clone(),
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

    /// The account this client acts on: the key's account, or a subaccount.
    pub fn account_sid(&self) -> &AccountSid {
        &self.account
    }

    /// The base URL requests go to.
    pub fn base(&self) -> &ApiBase {
        &self.base
    }

    /// The whole-request time limit.
    pub(crate) fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Acts on `subaccount` (a subaccount of the key's account) from now on: resource paths
    /// name it, while requests still authenticate with the parent's key.
    #[must_use]
    pub fn on_subaccount(mut self, subaccount: AccountSid) -> Self {
        self.account = subaccount;
        self
    }

    /// A request to `path` on `domain`, with query `query` and, for POST, form `form`;
    /// answers 429 and 5xx are retried under the client's [`RetryPolicy`].
    pub(crate) fn request<'a>(&'a self, method: Method, domain: Domain, path: &str) -> Request<'a> {
        Request {
            client: self,
            method,
            url: self.base.url(domain, path),
            query: Vec::new(),
            form: Vec::new(),
            multipart: None,
        }
    }

    /// GETs `path` on the REST API and decodes the JSON answer as `T`; `what` names it in
    /// errors.
    pub(crate) async fn get_json<T: DeserializeOwned>(
        &self,
        path: &str,
        what: &str,
    ) -> Result<T, TwilioError> {
        self.request(Method::GET, Domain::Api, path)
            .json(what)
            .await
    }

    /// DELETEs `path` on the REST API (Twilio answers 204).
    pub(crate) async fn delete(&self, path: &str) -> Result<(), TwilioError> {
        self.request(Method::DELETE, Domain::Api, path)
            .empty()
            .await
    }

    /// Sends `request` until it succeeds, fails for good, or the retry budget is spent, and
    /// returns the successful response with its body unread.
    async fn execute(&self, request: &Request<'_>) -> Result<reqwest::Response, TwilioError> {
        let host = host_of(&request.url);
        let mut waited = Duration::ZERO;
        let mut attempt = 1;
        loop {
            tracing::debug!(method = %request.method, url = %request.url, attempt, "Twilio request");
            let mut builder = self
                .http
                .request(request.method.clone(), request.url.clone())
                .basic_auth(
                    self.credentials.api_key_sid.as_str(),
                    Some(self.credentials.api_key_secret.expose()),
                );
            if !request.query.is_empty() {
                builder = builder.query(&request.query);
            }
            if let Some(body) = &request.multipart {
                builder = builder.multipart(body.to_form());
            } else if request.method == Method::POST {
                builder = builder.form(&request.form);
            }
            let response = builder
                .send()
                .await
                .map_err(|e| TwilioError::from_reqwest(&e, &host, self.timeout))?;
            let status = response.status();
            if status.is_success() {
                return Ok(response);
            }
            let retry_after = response
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(parse_retry_after);
            let body = response
                .bytes()
                .await
                .map_err(|e| TwilioError::from_reqwest(&e, &host, self.timeout))?;
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
        }
    }
}

/// One request being built: query and form parameters, then sent with [`Request::json`],
/// [`Request::empty`] or [`Request::response`].
#[derive(Debug)]
pub(crate) struct Request<'a> {
    client: &'a Client,
    method: Method,
    url: Url,
    query: Vec<(String, String)>,
    form: Vec<(String, String)>,
    /// A multipart body (built afresh for each attempt: parts cannot be cloned).
    multipart: Option<MultipartBody>,
}

/// A file upload: text fields and one file part.
#[derive(Debug, Clone)]
pub(crate) struct MultipartBody {
    pub fields: Vec<(String, String)>,
    pub file_field: String,
    pub file_name: String,
    pub content_type: String,
    pub content: Vec<u8>,
}

impl MultipartBody {
    fn to_form(&self) -> reqwest::multipart::Form {
        let mut form = reqwest::multipart::Form::new();
        for (k, v) in &self.fields {
            form = form.text(k.clone(), v.clone());
        }
        let part = reqwest::multipart::Part::bytes(self.content.clone())
            .file_name(self.file_name.clone())
            .mime_str(&self.content_type)
            .expect("content types are constants");
        form.part(self.file_field.clone(), part)
    }
}

impl Request<'_> {
    /// Sends a multipart body instead of a form (uploads).
    pub(crate) fn multipart(mut self, body: MultipartBody) -> Self {
        self.multipart = Some(body);
        self
    }

    /// Adds query parameters (GET filters).
    pub(crate) fn query(mut self, params: Params) -> Self {
        self.query.extend(params.0);
        self
    }

    /// Adds form parameters (POST bodies).
    pub(crate) fn form(mut self, params: Params) -> Self {
        self.form.extend(params.0);
        self
    }

    /// Sends the request and decodes the JSON answer as `T`; `what` names it in errors.
    pub(crate) async fn json<T: DeserializeOwned>(self, what: &str) -> Result<T, TwilioError> {
        let body = self.bytes().await?;
        serde_json::from_slice(&body).map_err(|e| TwilioError::Decode {
            what: what.to_owned(),
            detail: e.to_string(),
        })
    }

    /// Sends the request and hands back the successful answer's body.
    pub(crate) async fn bytes(self) -> Result<impl std::ops::Deref<Target = [u8]>, TwilioError> {
        let host = host_of(&self.url);
        let response = self.client.execute(&self).await?;
        response
            .bytes()
            .await
            .map_err(|e| TwilioError::from_reqwest(&e, &host, self.client.timeout))
    }

    /// Sends the request and discards the answer (DELETE's 204).
    pub(crate) async fn empty(self) -> Result<(), TwilioError> {
        self.client.execute(&self).await.map(drop)
    }

    /// Sends the request and hands back the successful response with its body unread, for
    /// streaming downloads.
    pub(crate) async fn response(self) -> Result<reqwest::Response, TwilioError> {
        self.client.execute(&self).await
    }
}

/// Form or query parameters under Twilio's names, in order.
#[derive(Debug, Clone, Default)]
pub(crate) struct Params(pub(crate) Vec<(String, String)>);

impl Params {
    pub(crate) fn set(&mut self, name: &str, value: impl ToString) {
        self.0.retain(|(k, _)| k != name);
        self.0.push((name.to_owned(), value.to_string()));
    }

    pub(crate) fn push(&mut self, name: &str, value: impl ToString) {
        self.0.push((name.to_owned(), value.to_string()));
    }

    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
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
