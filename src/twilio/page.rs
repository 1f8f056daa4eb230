//! Lists as streams: one page in memory at a time, following Twilio's next-page links.
//!
//! The 2010 API puts the rows of a page under a resource-specific key (`calls`, `recordings`,
//! …) beside `next_page_uri`, a path relative to the API host; the newer APIs (Pricing,
//! Serverless) put them under their own key with `meta.next_page_url`, an absolute URL. Both
//! are followed on the client's own base, so a test server or a regional host stays in use.
//!
//! A row that does not decode is yielded as an error and the stream goes on with the next
//! row: a caller decides whether to skip it (sync counts and logs it) or stop. A failed
//! request ends the stream after yielding its error.

use std::collections::{HashSet, VecDeque};

use reqwest::Method;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::base::Domain;
use super::client::{Client, Params};
use super::error::TwilioError;
use super::form::Form;

/// The rows of a list, fetched a page at a time as they are polled.
pub type ListStream<'c, T> = futures_util::stream::BoxStream<'c, Result<T, TwilioError>>;

/// The largest page Twilio serves.
pub const MAX_PAGE_SIZE: u32 = 1000;

/// Where the next page of a list is, if any.
fn next_link(page: &Value) -> Option<String> {
    let text = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_owned);
    text(page.get("next_page_uri"))
        .or_else(|| text(page.get("meta").and_then(|m| m.get("next_page_url"))))
        .filter(|s| !s.is_empty())
}

/// The path and query of `link`, whether it is absolute (`https://host/path?q`) or already a
/// path.
fn path_and_query(link: &str) -> String {
    match url::Url::parse(link) {
        Ok(url) => match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_owned(),
        },
        Err(_) => link.to_owned(),
    }
}

/// One page of a list, for callers that keep their place between pages (sync).
#[derive(Debug)]
pub struct Page<T> {
    /// The rows, each decoded on its own: a malformed row is an error, the others stand.
    pub rows: Vec<Result<T, TwilioError>>,
    /// The next page's path and query, when there is one.
    pub next: Option<String>,
}

/// Fetches the page at `path` (a first-page path with `query`, or a next-page link).
pub(crate) async fn fetch_page<T: DeserializeOwned>(
    client: &Client,
    domain: Domain,
    path: &str,
    query: Params,
    key: &str,
    what: &str,
) -> Result<Page<T>, TwilioError> {
    let page: Value = client
        .request(Method::GET, domain, &path_and_query(path))
        .query(query)
        .json(what)
        .await?;
    let next = next_link(&page).map(|link| path_and_query(&link));
    let rows = match page.get(key) {
        Some(Value::Array(rows)) => rows
            .iter()
            .map(|row| {
                T::deserialize(row).map_err(|e| TwilioError::Decode {
                    what: format!("a row of {what}"),
                    detail: e.to_string(),
                })
            })
            .collect(),
        Some(Value::Null) | None if next.is_none() => Vec::new(),
        _ => {
            return Err(TwilioError::Decode {
                what: what.to_owned(),
                detail: format!("the page has no \"{key}\" list"),
            });
        }
    };
    Ok(Page { rows, next })
}

struct State<'c, T> {
    client: &'c Client,
    domain: Domain,
    key: &'static str,
    what: &'static str,
    /// The next request: its path, and the filters of the first page (later pages carry
    /// theirs in the link).
    next: Option<(String, Params)>,
    rows: VecDeque<Result<T, TwilioError>>,
    fetched: HashSet<String>,
}

/// Streams the rows under `key` of the list at `path` on `domain`, filtered by `query`, a
/// page ([`fetch_page`]) at a time.
pub(crate) fn list<'c, T: DeserializeOwned + Send + 'c>(
    client: &'c Client,
    domain: Domain,
    path: String,
    query: Params,
    key: &'static str,
    what: &'static str,
) -> ListStream<'c, T> {
    let state = State {
        client,
        domain,
        key,
        what,
        next: Some((path, query)),
        rows: VecDeque::new(),
        fetched: HashSet::new(),
    };
    Box::pin(futures_util::stream::unfold(
        state,
        |mut state| async move {
            loop {
                if let Some(row) = state.rows.pop_front() {
                    return Some((row, state));
                }
                let (path, query) = state.next.take()?;
                // Twilio never links a page to itself; a server that does (or a loop of links)
                // would otherwise be followed forever.
                if !state.fetched.insert(path.clone()) {
                    tracing::warn!(%path, "list links back to a page already read; stopping");
                    return None;
                }
                match fetch_page(
                    state.client,
                    state.domain,
                    &path,
                    query,
                    state.key,
                    state.what,
                )
                .await
                {
                    Ok(Page { rows, next }) => {
                        state.rows.extend(rows);
                        state.next = next.map(|link| (link, Params::default()));
                    }
                    Err(err) => return Some((Err(err), state)),
                }
            }
        },
    ))
}

/// Streams a 2010 API list filtered by `form`, or yields the parameter error alone (nothing
/// is sent then).
pub(crate) fn list_api<'c, T: DeserializeOwned + Send + 'c>(
    client: &'c Client,
    path: String,
    form: Form,
    key: &'static str,
    what: &'static str,
) -> ListStream<'c, T> {
    match form.finish() {
        Ok(query) => list(client, Domain::Api, path, query, key, what),
        Err(err) => Box::pin(futures_util::stream::once(async move { Err(err) })),
    }
}

impl Client {
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_links_of_both_page_shapes_are_found() {
        let v2010 = serde_json::json!({"calls": [], "next_page_uri": "/2010-04-01/Accounts/AC1/Calls.json?Page=1&PageToken=PA1"});
        assert_eq!(
            next_link(&v2010).map(|l| path_and_query(&l)).as_deref(),
            Some("/2010-04-01/Accounts/AC1/Calls.json?Page=1&PageToken=PA1")
        );
        let v1 = serde_json::json!({"countries": [], "meta": {"next_page_url": "https://pricing.twilio.com/v1/PhoneNumbers/Countries?PageSize=50&Page=1"}});
        assert_eq!(
            next_link(&v1).map(|l| path_and_query(&l)).as_deref(),
            Some("/v1/PhoneNumbers/Countries?PageSize=50&Page=1")
        );
        let last = serde_json::json!({"calls": [], "next_page_uri": null});
        assert_eq!(next_link(&last), None);
    }
}
