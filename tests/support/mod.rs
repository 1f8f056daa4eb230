//! Shared fixtures for the integration tests: Stoplight Prism serving Twilio's spec, a scripted
//! local HTTP server, throwaway data directories and keychain namespaces.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub mod audio;
pub mod fake_serverless;
pub mod fake_twilio;
pub mod fake_voice;
pub mod http;
pub mod moto;
pub mod sip;

use switchboard::keychain::Keychain;
use switchboard::paths::Paths;
use switchboard::twilio::ApiBase;

pub use http::{Request, Response, Server};

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

/// A local server that answers every request with the next scripted [`Response`] (repeating
/// the last one) and keeps the requests.
pub struct ScriptedServer {
    server: Server,
    seen: Arc<Mutex<Vec<String>>>,
}

impl ScriptedServer {
    pub fn start(replies: Vec<Response>) -> Self {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        let server = Server::start(move |request| {
            let mut log = log.lock().unwrap();
            let reply = replies.get(log.len()).or(replies.last()).cloned().unwrap();
            log.push(request.to_string());
            reply
        });
        Self { server, seen }
    }

    /// Every request received so far, as text (head and body), in arrival order.
    pub fn seen(&self) -> Vec<String> {
        self.seen.lock().unwrap().clone()
    }

    pub fn url(&self) -> String {
        self.server.url()
    }

    pub fn api_base(&self) -> ApiBase {
        self.server.api_base()
    }

    /// Requests received so far.
    pub fn requests(&self) -> usize {
        self.seen.lock().unwrap().len()
    }
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

/// A REST client for `base` with the fake account's API key.
pub fn client(base: ApiBase) -> switchboard::twilio::Client {
    use switchboard::sid::{AccountSid, ApiKeySid};
    switchboard::twilio::Client::new(
        base,
        switchboard::twilio::Credentials {
            account_sid: AccountSid::parse(ACCOUNT_SID).unwrap(),
            api_key_sid: ApiKeySid::parse(API_KEY_SID).unwrap(),
            api_key_secret: switchboard::secret::Sensitive::new("s".repeat(32)),
        },
    )
    .unwrap()
}

/// A loopback proxy in front of Prism that answers the requests `intercept` claims itself and
/// forwards the rest: for the few requests Prism cannot validate (arrays in form bodies), which
/// the interceptor checks instead.
pub struct InterceptingProxy {
    server: Server,
}

impl InterceptingProxy {
    pub fn start(target: String, intercept: fn(&Request) -> Option<Response>) -> Self {
        Self::start_with_rewrite(target, intercept, |_| {})
    }

    /// As [`InterceptingProxy::start`], passing forwarded requests through `rewrite` first; the
    /// forwarded `Content-Length` is the rewritten body's.
    pub fn start_with_rewrite(
        target: String,
        intercept: fn(&Request) -> Option<Response>,
        rewrite: fn(&mut Request),
    ) -> Self {
        let upstream = target.trim_start_matches("http://").to_owned();
        let server = Server::start_verbatim(move |request| {
            if let Some(response) = intercept(request) {
                return response.to_bytes();
            }
            let mut request = request.clone();
            rewrite(&mut request);
            request.headers.retain(|(k, _)| {
                !k.eq_ignore_ascii_case("content-length") && !k.eq_ignore_ascii_case("connection")
            });
            request
                .headers
                .insert(0, ("Connection".into(), "close".into()));
            request
                .headers
                .push(("content-length".into(), request.body.len().to_string()));
            let mut upstream = TcpStream::connect(&upstream).unwrap();
            upstream.write_all(request.to_string().as_bytes()).unwrap();
            let mut answer = Vec::new();
            let _ = upstream.read_to_end(&mut answer);
            answer
        });
        Self { server }
    }

    pub fn url(&self) -> String {
        self.server.url()
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

impl std::ops::Deref for TestCore {
    type Target = switchboard::Switchboard;

    fn deref(&self) -> &Self::Target {
        &self.core
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

/// A small random sequence for tests that kill a process at random points; the seed is
/// printed in their failure messages, to replay a run.
pub struct Lcg(pub u64);

impl Lcg {
    /// A sequence seeded from the clock, with its seed.
    pub fn seeded() -> (u64, Self) {
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos() as u64;
        (seed, Self(seed))
    }

    /// The next number below `below`.
    pub fn next(&mut self, below: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % below
    }
}

/// Lowercase hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The first column of `sql` over `cache`, as a set.
pub async fn column(
    cache: &switchboard::cache::Cache,
    sql: &str,
) -> std::collections::BTreeSet<String> {
    sqlx::query_scalar::<_, String>(sql)
        .fetch_all(cache.pool())
        .await
        .unwrap()
        .into_iter()
        .collect()
}
