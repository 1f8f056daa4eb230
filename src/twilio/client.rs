use std::time::Duration;

use reqwest::Method;
use serde::de::DeserializeOwned;
use url::Url;

use super::accounts::Accounts;
use super::applications::{Applications, Keys};
use super::calls::Calls;
use super::error::TwilioError;
use super::numbers::{IncomingNumbers, NumberType, SearchNumbers};
use super::pricing::Pricing;
use super::recordings::{Recordings, Transcriptions};
use super::retry::{RetryPolicy, parse_retry_after};
use crate::secret::Sensitive;
use crate::sid::{AccountSid, ApiKeySid};

/// Where Twilio's REST APIs are reached.
///
/// Twilio serves each product from its own host: `api.twilio.com` for the 2010 REST API,
/// `pricing.twilio.com`, `serverless.twilio.com` and so on, or
/// `{domain}.{edge}.{region}.twilio.com` for a chosen region and edge. Tests and the CLI's
/// `--api-base` replace every host with one base URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiBase {
    location: Location,
    /// Per-product replacements, such as a second mock serving Pricing.
    overrides: Vec<(Domain, Url)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Location {
    /// Twilio's own hosts, optionally in a region and through an edge.
    Twilio {
        region: Option<String>,
        edge: Option<String>,
    },
    /// One base URL for every product, such as `http://127.0.0.1:4010`.
    Custom(Url),
}

/// A Twilio product, which decides the host of its requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Domain {
    /// The 2010-04-01 REST API: accounts, calls, recordings, numbers.
    Api,
    /// Pricing v1.
    Pricing,
    /// Serverless (Functions and Assets).
    Serverless,
    /// Serverless's upload host for function and asset content.
    ServerlessUpload,
}

impl Domain {
    fn host_label(self) -> &'static str {
        match self {
            Self::Api => "api",
            Self::Pricing => "pricing",
            Self::Serverless => "serverless",
            Self::ServerlessUpload => "serverless-upload",
        }
    }
}

impl ApiBase {
    /// The environment variable that overrides the base URL.
    pub const ENV: &'static str = "SWITCHBOARD_API_BASE";

    /// Twilio's hosts, in `region` (and through `edge`) when given, as Twilio's helper
    /// libraries build them.
    pub fn twilio(region: Option<&str>, edge: Option<&str>) -> Self {
        // Only DNS labels are kept, so a host built from them always parses; profiles validate
        // these values with [`validate_location`] before they are stored.
        let clean = |v: Option<&str>| {
            v.map(str::trim)
                .filter(|v| validate_location("region", v).is_ok())
                .map(str::to_owned)
        };
        Self {
            location: Location::Twilio {
                region: clean(region),
                edge: clean(edge),
            },
            overrides: Vec::new(),
        }
    }

    /// A base URL given by the user or a test, such as `http://127.0.0.1:4010`.
    ///
    /// # Errors
    /// When `raw` is not an absolute http(s) URL.
    pub fn custom(raw: &str) -> Result<Self, String> {
        Ok(Self {
            location: Location::Custom(parse_base(raw)?),
            overrides: Vec::new(),
        })
    }

    /// Sends `domain`'s requests to `raw` instead, whatever the other products use.
    ///
    /// # Errors
    /// When `raw` is not an absolute http(s) URL.
    pub fn with_domain(mut self, domain: Domain, raw: &str) -> Result<Self, String> {
        let url = parse_base(raw)?;
        self.overrides.retain(|(d, _)| *d != domain);
        self.overrides.push((domain, url));
        Ok(self)
    }

    /// Whether requests go to a base given by the user rather than Twilio's hosts.
    pub fn is_custom(&self) -> bool {
        matches!(self.location, Location::Custom(_))
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

    /// The base URL of `domain`'s requests.
    pub fn origin(&self, domain: Domain) -> Url {
        if let Some((_, url)) = self.overrides.iter().find(|(d, _)| *d == domain) {
            return url.clone();
        }
        match &self.location {
            Location::Custom(url) => url.clone(),
            Location::Twilio { region, edge } => {
                let label = domain.host_label();
                let host = match (edge, region) {
                    (None, None) => format!("{label}.twilio.com"),
                    (Some(edge), region) => format!(
                        "{label}.{edge}.{}.twilio.com",
                        region.as_deref().unwrap_or("us1")
                    ),
                    (None, Some(region)) => format!("{label}.{region}.twilio.com"),
                };
                Url::parse(&format!("https://{host}"))
                    .expect("host names built from validated labels")
            }
        }
    }

    /// The host of the REST API, for messages.
    pub fn host(&self) -> String {
        host_of(&self.origin(Domain::Api))
    }

    /// `path` (starting with `/`, optionally with a `?query`) on `domain`'s host, keeping any
    /// path prefix of a custom base.
    pub fn url(&self, domain: Domain, path: &str) -> Url {
        let mut url = self.origin(domain);
        let prefix = url.path().trim_end_matches('/').to_owned();
        let (path, query) = match path.split_once('?') {
            Some((path, query)) => (path, Some(query)),
            None => (path, None),
        };
        url.set_path(&format!("{prefix}{path}"));
        url.set_query(query);
        url
    }

    /// `path` on the REST API's host.
    pub fn join(&self, path: &str) -> Url {
        self.url(Domain::Api, path)
    }
}

fn parse_base(raw: &str) -> Result<Url, String> {
    let url = Url::parse(raw.trim())
        .map_err(|e| format!("The API base URL {raw:?} is not a URL: {e}."))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(format!(
            "The API base URL {raw:?} must start with http:// or https:// and name a host."
        ));
    }
    Ok(url)
}

/// Checks a region (`ie1`) or edge (`dublin`) name: a lowercase DNS label.
///
/// # Errors
/// A sentence naming `what` and the problem.
pub fn validate_location(what: &str, value: &str) -> Result<(), String> {
    let ok = !value.is_empty()
        && value.len() <= 32
        && value
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !value.starts_with('-')
        && !value.ends_with('-');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "The {what} {value:?} is not a Twilio {what} name: use lowercase letters, digits and hyphens, such as \"ie1\" or \"dublin\"."
        ))
    }
}

/// `host[:port]` of `url`.
pub(crate) fn host_of(url: &Url) -> String {
    match url.port() {
        Some(port) => format!("{}:{port}", url.host_str().unwrap_or_default()),
        None => url.host_str().unwrap_or_default().to_owned(),
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

    /// Accounts: fetch the account, list subaccounts.
    pub fn accounts(&self) -> Accounts<'_> {
        Accounts::new(self)
    }

    /// Calls: place, fetch, update, hang up, list; live recording control.
    pub fn calls(&self) -> Calls<'_> {
        Calls::new(self)
    }

    /// The participants of a conference, by `CF…` SID or friendly name.
    pub fn participants(&self, conference: &str) -> super::conferences::Participants<'_> {
        super::conferences::Participants::new(self, conference)
    }

    /// Recordings: list, fetch, delete, download audio; a recording's transcriptions.
    pub fn recordings(&self) -> Recordings<'_> {
        Recordings::new(self)
    }

    /// Transcriptions across the account.
    pub fn transcriptions(&self) -> Transcriptions<'_> {
        Transcriptions::new(self)
    }

    /// The account's phone numbers: list, fetch, buy, update, release.
    pub fn incoming_numbers(&self) -> IncomingNumbers<'_> {
        IncomingNumbers::new(self)
    }

    /// A search for numbers to buy of `kind` in `country` (ISO alpha-2).
    pub fn available_numbers(&self, country: &str, kind: NumberType) -> SearchNumbers<'_> {
        SearchNumbers::new(self, country, kind)
    }

    /// TwiML Apps.
    pub fn applications(&self) -> Applications<'_> {
        Applications::new(self)
    }

    /// API keys.
    pub fn keys(&self) -> Keys<'_> {
        Keys::new(self)
    }

    /// One page of the 2010 API list at `path` (a first-page path, or a next-page link from
    /// an earlier page), with rows under `key`.
    ///
    /// # Errors
    /// [`TwilioError`] for a failed request or a page without its list.
    pub async fn list_page<T: DeserializeOwned>(
        &self,
        path: &str,
        page_size: u32,
        key: &str,
        what: &str,
    ) -> Result<super::page::Page<T>, TwilioError> {
        let mut query = Params::default();
        if !path.contains('?') {
            query.set("PageSize", page_size.clamp(1, super::page::MAX_PAGE_SIZE));
        }
        super::page::fetch_page(self, Domain::Api, path, query, key, what).await
    }

    /// Serverless v1: the services call routing is deployed as.
    pub fn serverless(&self) -> super::serverless::Serverless<'_> {
        super::serverless::Serverless::new(self)
    }

    /// Pricing v1.
    pub fn pricing(&self) -> Pricing<'_> {
        Pricing::new(self)
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
        let host = host_of(&self.url);
        let response = self.client.execute(&self).await?;
        let body = response
            .bytes()
            .await
            .map_err(|e| TwilioError::from_reqwest(&e, &host, self.client.timeout))?;
        serde_json::from_slice(&body).map_err(|e| TwilioError::Decode {
            what: what.to_owned(),
            detail: e.to_string(),
        })
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
