//! Where Twilio's REST APIs are reached: each product's host, in a region and through an
//! edge, or one base URL for tests.

use url::Url;

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
