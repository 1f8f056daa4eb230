//! The loopback HTTP/1.1 server under every fake: one request a connection, each read whole and
//! answered by a handler on a thread of its own, and the Twilio-shaped JSON the fakes share.

use std::fmt;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use switchboard::twilio::ApiBase;

/// A server on a free 127.0.0.1 port; it answers until the test process ends.
pub struct Server {
    port: u16,
}

impl Server {
    /// Answers each request with what `handler` returns, after the answer's delay.
    pub fn start(handler: impl Fn(&Request) -> Response + Send + Sync + 'static) -> Self {
        Self::start_verbatim(move |request| {
            let response = handler(request);
            std::thread::sleep(response.delay);
            response.to_bytes()
        })
    }

    /// Answers each request with `handler`, which gets `state` locked; returns the state too, for
    /// the test to read and change.
    pub fn with_state<T: Send + 'static>(
        state: T,
        handler: fn(&mut T, &Request) -> Response,
    ) -> (Self, Arc<Mutex<T>>) {
        let state = Arc::new(Mutex::new(state));
        let shared = state.clone();
        let server = Self::start(move |request| handler(&mut shared.lock().unwrap(), request));
        (server, state)
    }

    /// Answers each request with the bytes `handler` returns, written as they are.
    pub fn start_verbatim(handler: impl Fn(&Request) -> Vec<u8> + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let handler = Arc::new(handler);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { break };
                let handler = handler.clone();
                std::thread::spawn(move || {
                    let request = Request::read(&mut stream);
                    let _ = stream.write_all(&handler(&request));
                });
            }
        });
        Self { port }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn api_base(&self) -> ApiBase {
        ApiBase::custom(&self.url()).unwrap()
    }
}

/// One request as it came in. Header names keep the case they were sent in (lower case from
/// the app's client).
#[derive(Clone, Debug, Default)]
pub struct Request {
    pub method: String,
    /// The path, without the query.
    pub path: String,
    /// The query string, without its `?`; empty when there is none.
    pub query: String,
    pub headers: Vec<(String, String)>,
    /// The body, read by `Content-Length`.
    pub body: String,
}

/// One part of a multipart/form-data body.
#[derive(Clone, Debug, Default)]
pub struct Part {
    pub name: String,
    pub content_type: String,
    pub value: String,
}

impl Request {
    /// Reads one request, head and (by Content-Length) body; a read that stalls for 5 s ends it.
    fn read(stream: &mut TcpStream) -> Self {
        stream.set_read_timeout(Some(Duration::from_secs(5))).ok();
        let mut buf = Vec::new();
        let mut chunk = [0u8; 4096];
        while let Ok(n) = stream.read(&mut chunk) {
            if n == 0 {
                break;
            }
            buf.extend_from_slice(&chunk[..n]);
            if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = Self::parse(&String::from_utf8_lossy(&buf[..end]));
                let length = head
                    .header("content-length")
                    .and_then(|v| v.parse::<usize>().ok())
                    .unwrap_or(0);
                if buf.len() >= end + 4 + length {
                    break;
                }
            }
        }
        Self::parse(&String::from_utf8_lossy(&buf))
    }

    /// Parses a request's text: head, blank line, body.
    fn parse(text: &str) -> Self {
        let (head, body) = text.split_once("\r\n\r\n").unwrap_or((text, ""));
        let mut lines = head.split("\r\n");
        let mut words = lines.next().unwrap_or("").split_whitespace();
        let method = words.next().unwrap_or("GET").to_owned();
        let target = words.next().unwrap_or("/");
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        let headers = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.to_owned(), v.trim().to_owned()))
            .collect();
        Self {
            method,
            path: path.to_owned(),
            query: query.to_owned(),
            headers,
            body: body.to_owned(),
        }
    }

    /// The path and, when there is one, `?` and the query.
    pub fn target(&self) -> String {
        if self.query.is_empty() {
            self.path.clone()
        } else {
            format!("{}?{}", self.path, self.query)
        }
    }

    /// The path's segments, without the leading and trailing `/`.
    pub fn segments(&self) -> Vec<&str> {
        self.path.trim_matches('/').split('/').collect()
    }

    /// The first header called `name`, in any case.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body decoded as an `application/x-www-form-urlencoded` form, fields in order.
    pub fn form(&self) -> Form {
        Form::parse(&self.body)
    }

    /// The query string decoded, parameters in order.
    pub fn query_params(&self) -> Form {
        Form::parse(&self.query)
    }

    /// The parts of a multipart/form-data body; panics if the body is not one.
    pub fn multipart(&self) -> Vec<Part> {
        let boundary = self
            .header("content-type")
            .filter(|t| t.to_ascii_lowercase().starts_with("multipart/form-data"))
            .and_then(|t| t.split("boundary=").nth(1))
            .map(str::trim)
            .expect("the upload is multipart/form-data");
        self.body
            .split(&format!("--{boundary}"))
            .filter_map(|part| {
                let (headers, value) = part.split_once("\r\n\r\n")?;
                let name = headers.split("name=\"").nth(1)?.split('"').next()?;
                let content_type = headers
                    .lines()
                    .find_map(|l| {
                        l.to_ascii_lowercase()
                            .strip_prefix("content-type:")
                            .map(|v| v.trim().to_owned())
                    })
                    .unwrap_or_default();
                Some(Part {
                    name: name.to_owned(),
                    content_type,
                    value: value.trim_end_matches("\r\n").to_owned(),
                })
            })
            .collect()
    }
}

/// The request as text on the wire: request line, headers as received, blank line, body.
impl fmt::Display for Request {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} HTTP/1.1\r\n", self.method, self.target())?;
        for (k, v) in &self.headers {
            write!(f, "{k}: {v}\r\n")?;
        }
        write!(f, "\r\n{}", self.body)
    }
}

/// Decoded `name=value` pairs (a form body or a query string), in order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Form(pub Vec<(String, String)>);

impl Form {
    fn parse(encoded: &str) -> Self {
        Self(
            url::form_urlencoded::parse(encoded.as_bytes())
                .into_owned()
                .collect(),
        )
    }

    /// The first value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of `name` (Twilio repeats a name for a list).
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

/// An answer: written with `Content-Length` and `Connection: close`, after `delay`.
#[derive(Clone, Debug)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub delay: Duration,
}

impl Response {
    pub fn new(status: u16, body: impl Into<Vec<u8>>) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: body.into(),
            delay: Duration::ZERO,
        }
    }

    /// A JSON answer.
    pub fn json(status: u16, body: impl serde::Serialize) -> Self {
        Self::new(status, serde_json::to_vec(&body).unwrap())
            .header("Content-Type", "application/json")
    }

    /// No answer for two minutes, past every client timeout.
    pub fn hang() -> Self {
        Self::new(200, "").after(Duration::from_secs(120))
    }

    /// A JSON answer with an empty body, as Twilio's 204 to a DELETE.
    pub fn no_content() -> Self {
        Self::new(204, "").header("Content-Type", "application/json")
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    pub fn after(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }

    /// The answer as written on the wire.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = format!(
            "HTTP/1.1 {} X\r\nContent-Length: {}\r\nConnection: close\r\n",
            self.status,
            self.body.len()
        );
        for (k, v) in &self.headers {
            out.push_str(&format!("{k}: {v}\r\n"));
        }
        out.push_str("\r\n");
        let mut bytes = out.into_bytes();
        bytes.extend_from_slice(&self.body);
        bytes
    }
}

/// Twilio's error body, `{code, message, more_info, status}`.
pub fn twilio_error(status: u16, code: u32, message: &str) -> Value {
    json!({"code": code, "message": message, "more_info": format!("https://www.twilio.com/docs/errors/{code}"), "status": status})
}

/// [`twilio_error`] as an answer.
pub fn error(status: u16, code: u32, message: &str) -> Response {
    Response::json(status, twilio_error(status, code, message))
}

/// Twilio's 404, `20404`.
pub fn not_found() -> Response {
    error(404, 20404, "The requested resource was not found")
}

/// The only page of a list of `rows` under `key`, in both of Twilio's page shapes: 2010-04-01's
/// (`next_page_uri` and page counters) and the newer APIs' (`meta`).
pub fn page(key: &str, rows: Vec<Value>) -> Value {
    json!({key: rows, "meta": {"next_page_url": null, "key": key},
           "next_page_uri": null, "page": 0, "page_size": 1000, "start": 0, "end": 0,
           "uri": "/", "first_page_uri": "/", "previous_page_uri": null})
}
