//! Shared fixtures for the integration tests: Stoplight Prism serving Twilio's spec, a scripted
//! local HTTP server, throwaway data directories and keychain namespaces.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

pub mod audio;
pub mod fake_serverless;
pub mod fake_twilio;
pub mod fake_voice;
pub mod moto;

use switchboard::keychain::Keychain;
use switchboard::paths::Paths;
use switchboard::twilio::ApiBase;

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A port on 127.0.0.1 that was free a moment ago.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Stoplight Prism serving one of Twilio's vendored OpenAPI specs in validating mode on a free
/// loopback port; stopped when dropped. A request that breaks the spec is answered 422 (or 401
/// without credentials) and logged as "Request terminated with error".
pub struct Prism {
    child: Child,
    port: u16,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

impl Prism {
    /// Starts Prism on `spec`, a file name in `tests/fixtures/twilio-oai/`, and waits until it
    /// answers.
    pub fn start(spec: &str) -> Self {
        let bin = root().join("tests/harness/node_modules/.bin/prism");
        assert!(
            bin.exists(),
            "Prism is not installed at {}: run `npm ci --prefix tests/harness` (scripts/test.sh does)",
            bin.display()
        );
        let spec = root().join("tests/fixtures/twilio-oai").join(spec);
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("prism.log");
        let port = free_port();
        let out = std::fs::File::create(&log).unwrap();
        let child = Command::new(bin)
            .args(["mock", "--host", "127.0.0.1", "--port", &port.to_string()])
            .arg(&spec)
            .stdout(out.try_clone().unwrap())
            .stderr(out)
            .stdin(Stdio::null())
            .spawn()
            .expect("start Prism");
        let mut prism = Self {
            child,
            port,
            log,
            _dir: dir,
        };
        prism.wait_ready();
        prism
    }

    fn wait_ready(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!(
                    "Prism exited with {status} before it was ready:\n{}",
                    self.log()
                );
            }
            if self.log().contains("Prism is listening")
                && TcpStream::connect(("127.0.0.1", self.port)).is_ok()
            {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("Prism did not start within 60 s:\n{}", self.log());
    }

    /// The base URL to give the client.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The base URL as an [`ApiBase`].
    pub fn api_base(&self) -> ApiBase {
        ApiBase::custom(&self.url()).unwrap()
    }

    /// Everything Prism has logged.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Waits (up to 10 s) until Prism has answered `requests` requests in all (its log trails
    /// its answers), then returns how many of them broke Twilio's spec: failed validation or
    /// matched no path or method of it.
    pub fn rejections_after(&self, requests: usize) -> usize {
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut log = self.log();
        while Self::answered(&log) < requests && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
            log = self.log();
        }
        assert!(
            Self::answered(&log) >= requests,
            "Prism answered fewer than {requests} requests:\n{log}"
        );
        Self::rejected(&log)
    }

    /// Waits until Prism has answered at least `at_least` requests and its log has stopped
    /// growing, then fails the test, showing the log, if any request broke Twilio's spec.
    pub fn assert_all_valid(&self, at_least: usize) {
        let rejected = self.rejections_after(at_least);
        let mut seen = Self::answered(&self.log());
        loop {
            std::thread::sleep(Duration::from_millis(300));
            let now = Self::answered(&self.log());
            if now == seen {
                break;
            }
            seen = now;
        }
        let log = self.log();
        assert!(
            rejected == 0 && Self::rejected(&log) == 0,
            "{} of {seen} requests broke Twilio's spec:\n{log}",
            Self::rejected(&log)
        );
    }

    fn answered(log: &str) -> usize {
        log.matches("> Responding with").count()
            + log.matches("Request terminated with error").count()
    }

    fn rejected(log: &str) -> usize {
        [
            "did not pass the validation rules",
            "NO_PATH_MATCHED_ERROR",
            "NO_METHOD_MATCHED_ERROR",
        ]
        .iter()
        .map(|needle| log.matches(needle).count())
        .sum()
    }
}

impl Drop for Prism {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One scripted answer of a [`ScriptedServer`].
#[derive(Clone)]
pub enum Reply {
    /// Answer with this status, extra headers and body.
    Http {
        status: u16,
        headers: Vec<(String, String)>,
        body: String,
    },
    /// Read the request and never answer (until the server is dropped).
    Hang,
}

impl Reply {
    /// A JSON answer.
    pub fn json(status: u16, body: serde_json::Value) -> Self {
        Self::Http {
            status,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: body.to_string(),
        }
    }
}

/// A local HTTP/1.1 server on a free loopback port that answers every request with the next
/// scripted [`Reply`] (repeating the last one) and counts requests.
pub struct ScriptedServer {
    port: u16,
    requests: Arc<AtomicUsize>,
    seen: Arc<std::sync::Mutex<Vec<String>>>,
}

impl ScriptedServer {
    pub fn start(replies: Vec<Reply>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let requests = Arc::new(AtomicUsize::new(0));
        let counter = requests.clone();
        let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
        let log = seen.clone();
        std::thread::spawn(move || {
            for (i, stream) in listener.incoming().enumerate() {
                let Ok(mut stream) = stream else { break };
                counter.fetch_add(1, Ordering::SeqCst);
                let reply = replies.get(i).or(replies.last()).cloned().unwrap();
                let log = log.clone();
                std::thread::spawn(move || {
                    let request = read_request(&mut stream);
                    log.lock().unwrap().push(request);
                    match reply {
                        Reply::Hang => std::thread::sleep(Duration::from_secs(120)),
                        Reply::Http {
                            status,
                            headers,
                            body,
                        } => {
                            let mut head = format!(
                                "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n",
                                body.len()
                            );
                            for (k, v) in headers {
                                head.push_str(&format!("{k}: {v}\r\n"));
                            }
                            head.push_str("\r\n");
                            let _ = stream.write_all(head.as_bytes());
                            let _ = stream.write_all(body.as_bytes());
                        }
                    }
                });
            }
        });
        Self {
            port,
            requests,
            seen,
        }
    }

    /// Every request received so far, as text (head and body), in arrival order.
    pub fn seen(&self) -> Vec<String> {
        self.seen.lock().unwrap().clone()
    }

    pub fn api_base(&self) -> ApiBase {
        ApiBase::custom(&format!("http://127.0.0.1:{}", self.port)).unwrap()
    }

    /// Requests received so far.
    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

/// Reads one request, head and (by Content-Length) body.
fn read_request(stream: &mut TcpStream) -> String {
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok();
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    while let Ok(n) = stream.read(&mut chunk) {
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
            let length = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse::<usize>().ok())
                .unwrap_or(0);
            if buf.len() >= end + 4 + length {
                break;
            }
        }
    }
    String::from_utf8_lossy(&buf).into_owned()
}

/// A keychain namespace of its own, emptied of the given entries when dropped.
pub fn test_keychain() -> Keychain {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    Keychain::with_service(format!("switchboard-test-{}-{nanos}", std::process::id()))
}

/// A throwaway data directory.
pub fn temp_paths() -> (tempfile::TempDir, Paths) {
    let dir = tempfile::tempdir().unwrap();
    let paths = Paths::under(dir.path().to_path_buf());
    (dir, paths)
}

/// Runs `tests/harness/SCRIPT` in the harness's Python virtualenv (Twilio's helper library)
/// with `input` as JSON on stdin, and returns what it printed and how it exited.
pub fn run_python_harness(script: &str, input: &serde_json::Value) -> std::process::Output {
    let python = root().join("tests/harness/venv/bin/python");
    assert!(
        python.exists(),
        "the Python test environment is missing: run scripts/test.sh (or create tests/harness/venv from requirements.txt)"
    );
    let mut child = Command::new(python)
        .arg(root().join("tests/harness").join(script))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start Python");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.to_string().as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

/// Every file under `dir`, read as text.
pub fn read_tree(dir: &Path) -> String {
    let mut all = String::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                all.push_str(&read_tree(&path));
            } else if let Ok(bytes) = std::fs::read(&path) {
                all.push_str(&String::from_utf8_lossy(&bytes));
            }
        }
    }
    all
}

pub const ACCOUNT_SID: &str = "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
pub const API_KEY_SID: &str = "SKbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

/// A loopback proxy in front of Prism that answers the requests `intercept` claims itself and
/// forwards the rest unchanged: for the few requests Prism cannot validate (arrays in form
/// bodies), which the interceptor checks instead.
pub struct InterceptingProxy {
    port: u16,
}

impl InterceptingProxy {
    pub fn start(target: String, intercept: fn(&str) -> Option<(u16, String)>) -> Self {
        Self::start_with_rewrite(target, intercept, str::to_owned)
    }

    /// As [`InterceptingProxy::start`], passing forwarded requests through `rewrite` first.
    pub fn start_with_rewrite(
        target: String,
        intercept: fn(&str) -> Option<(u16, String)>,
        rewrite: fn(&str) -> String,
    ) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let upstream = target.trim_start_matches("http://").to_owned();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut client) = stream else { break };
                let upstream = upstream.clone();
                std::thread::spawn(move || {
                    let request = read_request(&mut client);
                    if let Some((status, body)) = intercept(&request) {
                        let _ = write!(
                            client,
                            "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                            body.len()
                        );
                        return;
                    }
                    let request = rewrite(&request);
                    let (line, rest) = request.split_once("\r\n").unwrap_or((&request, ""));
                    let forwarded = format!("{line}\r\nConnection: close\r\n{rest}");
                    let mut server = TcpStream::connect(&upstream).unwrap();
                    server.write_all(forwarded.as_bytes()).unwrap();
                    let mut answer = Vec::new();
                    let _ = server.read_to_end(&mut answer);
                    let _ = client.write_all(&answer);
                });
            }
        });
        Self { port }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

/// A core on a throwaway data directory, its requests sent to `base`, with an active profile
/// on the fake account whose secret is in a keychain namespace of its own (removed on drop).
pub struct TestCore {
    pub core: switchboard::Switchboard,
    keychain: Keychain,
    _dir: tempfile::TempDir,
}

impl TestCore {
    pub async fn on(base: &str) -> Self {
        use switchboard::sid::{AccountSid, ApiKeySid};
        let (dir, paths) = temp_paths();
        let keychain = test_keychain();
        let account = AccountSid::parse(fake_twilio::ACCOUNT).unwrap();
        let key = ApiKeySid::parse(API_KEY_SID).unwrap();
        keychain
            .store_api_secret(
                &account,
                &key,
                &switchboard::secret::Sensitive::new("s".repeat(32)),
            )
            .unwrap();
        let core = switchboard::Switchboard::open(
            paths,
            keychain.clone(),
            Some(ApiBase::custom(base).unwrap()),
        )
        .await
        .unwrap();
        core.db()
            .save_active_profile(&switchboard::db::Profile {
                name: "test".into(),
                account_sid: account,
                account_name: None,
                api_key_sid: key,
                region: None,
                edge: None,
                subaccount_sid: None,
            })
            .await
            .unwrap();
        Self {
            core,
            keychain,
            _dir: dir,
        }
    }
}

impl Drop for TestCore {
    fn drop(&mut self) {
        use switchboard::sid::{AccountSid, ApiKeySid};
        let _ = self.keychain.delete_api_secret(
            &AccountSid::parse(fake_twilio::ACCOUNT).unwrap(),
            &ApiKeySid::parse(API_KEY_SID).unwrap(),
        );
    }
}
