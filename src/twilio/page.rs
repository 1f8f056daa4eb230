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
    let body = client
        .request(Method::GET, domain, &path_and_query(path))
        .query(query)
        .bytes()
        .await?;
    Page::from_body(&body, key, what)
}

impl<T: DeserializeOwned> Page<T> {
    /// Reads the page Twilio answered with `body`: the rows under `key`, and the next page's
    /// path and query (from a 2010 API link or a newer API's absolute URL). A missing or `null`
    /// list on the last page is an empty page.
    ///
    /// # Errors
    /// [`TwilioError::Decode`], naming `what`, for a body that is not a JSON object, or that
    /// has no list under `key` although it links to a next page.
    pub fn from_body(body: &[u8], key: &str, what: &str) -> Result<Self, TwilioError> {
        // A page whose rows all decode (nearly every page) is read in one pass into typed rows;
        // building a JSON tree first cost more than the rest of a sync's client side together.
        if let Ok(Fast { rows, next }) = Fast::<T>::read(body, key)
            && (rows.is_some() || next.is_none())
        {
            return Ok(Page {
                rows: rows.unwrap_or_default().into_iter().map(Ok).collect(),
                next: next.map(|link| path_and_query(&link)),
            });
        }
        // Some row does not decode (or the page is not what it should be): read it as a tree,
        // so each row stands or falls on its own and the error names what is wrong.
        let page: Value = serde_json::from_slice(body).map_err(|e| TwilioError::Decode {
            what: what.to_owned(),
            detail: e.to_string(),
        })?;
        // JSON that is not an object (`null`, `[]`, `"OK"` from a proxy) is no page, not an
        // empty one.
        if !page.is_object() {
            return Err(TwilioError::Decode {
                what: what.to_owned(),
                detail: "the answer is not a JSON object".to_owned(),
            });
        }
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
}

/// A page read in one pass: the rows under `key`, and the next page's link in either shape.
struct Fast<T> {
    rows: Option<Vec<T>>,
    next: Option<String>,
}

impl<T: DeserializeOwned> Fast<T> {
    fn read(body: &[u8], key: &str) -> Result<Self, serde_json::Error> {
        use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};

        struct Seed<'k, T>(&'k str, std::marker::PhantomData<T>);

        impl<'de, T: DeserializeOwned> Visitor<'de> for Seed<'_, T> {
            type Value = Fast<T>;

            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a page of a Twilio list")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Fast<T>, A::Error> {
                let mut rows = None;
                let (mut uri, mut url) = (None, None);
                while let Some(name) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                    match name.as_ref() {
                        k if k == self.0 => rows = map.next_value()?,
                        "next_page_uri" => uri = map.next_value::<Option<String>>()?,
                        "meta" => {
                            // As a tree, as next_link reads it: a derived struct would also
                            // take `["…"]` as a link.
                            let meta = map.next_value::<Value>()?;
                            url = meta
                                .get("next_page_url")
                                .and_then(Value::as_str)
                                .map(str::to_owned);
                        }
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                // As next_link: the 2010 API's link first, an empty one meaning none.
                let next = uri.or(url).filter(|s| !s.is_empty());
                Ok(Fast { rows, next })
            }
        }

        impl<'de, T: DeserializeOwned> DeserializeSeed<'de> for Seed<'_, T> {
            type Value = Fast<T>;

            fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Fast<T>, D::Error> {
                d.deserialize_map(self)
            }
        }

        let mut de = serde_json::Deserializer::from_slice(body);
        let page = Seed(key, std::marker::PhantomData).deserialize(&mut de)?;
        de.end()?;
        Ok(page)
    }
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

        // The one-pass reader finds the same links, and the same rows.
        for page in [
            v2010,
            v1,
            last,
            serde_json::json!({"calls": [], "next_page_uri": ""}),
        ] {
            let body = serde_json::to_vec(&page).unwrap();
            let key = if page.get("countries").is_some() {
                "countries"
            } else {
                "calls"
            };
            let fast = Fast::<serde_json::Value>::read(&body, key).unwrap();
            assert_eq!(fast.next, next_link(&page), "{page}");
            assert_eq!(fast.rows, Some(Vec::new()));
        }
    }

    #[test]
    fn a_page_with_a_row_that_does_not_decode_is_left_to_the_row_by_row_reader() {
        #[derive(Debug, serde::Deserialize, PartialEq)]
        struct Row {
            sid: String,
        }
        let good = br#"{"calls": [{"sid": "CA1", "extra": {"a": [1, 2]}}, {"sid": "CA2"}], "page": 0, "next_page_uri": "/next"}"#;
        let fast = Fast::<Row>::read(good, "calls").unwrap();
        assert_eq!(fast.rows.unwrap().len(), 2);
        assert_eq!(fast.next.as_deref(), Some("/next"));
        let bad = br#"{"calls": [{"sid": "CA1"}, {"sid": 7}], "next_page_uri": null}"#;
        assert!(Fast::<Row>::read(bad, "calls").is_err());
        assert!(Fast::<Row>::read(b"{\"calls\": []} trailing", "calls").is_err());
    }
}
