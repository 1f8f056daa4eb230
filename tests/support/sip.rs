//! SIP peers for the native engine's tests, all inside a network namespace the test process
//! makes for itself: kamailio as registrar and proxy, baresip as the far end (auto-answer,
//! sound from a WAV file, what it hears written to WAV). Nothing leaves this machine: the only
//! addresses are loopback and a veth pair with no route out.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::{Duration, Instant};

/// The address the peers and the app use inside the namespace.
pub const HOST: &str = "10.99.0.1";
/// kamailio's port.
pub const REGISTRAR: &str = "10.99.0.1:5070";
/// Every user's password at the registrar.
/// A canary: `tests/sip.rs` checks it reaches no file, log line or output.
pub const PASSWORD: &str = "SipCanary7Qz2Plural9Vw";

/// Moves this test process into a network namespace of its own, with `lo` up and a veth pair
/// addressed [`HOST`]/24 (baresip advertises its first non-loopback address). Call it first in
/// the test, before any thread starts: nextest runs each test in its own process.
pub fn private_network() {
    // SAFETY: unshare(2) with CLONE_NEWNET only changes this thread's network namespace.
    let rc = unsafe { libc::unshare(libc::CLONE_NEWNET) };
    assert_eq!(
        rc,
        0,
        "unshare(CLONE_NEWNET) failed ({}): the SIP tests need root or CAP_SYS_ADMIN",
        std::io::Error::last_os_error()
    );
    for args in [
        "link set lo up",
        "link add sb0 type veth peer name sb1",
        &format!("addr add {HOST}/24 dev sb0"),
        "link set sb0 up",
        "link set sb1 up",
    ] {
        let status = Command::new("ip")
            .args(args.split(' '))
            .status()
            .expect("run ip (iproute2)");
        assert!(status.success(), "ip {args}");
    }
}

/// A process started in a process group of its own (see [`own_group`]), killed with all its
/// children when dropped: kamailio forks workers, and a worker outliving its main process
/// would keep the namespace, its port and any pipe to the test alive.
struct Owned(Child);

impl Drop for Owned {
    fn drop(&mut self) {
        let group = -(self.0.id() as i32);
        // SAFETY: kill(2) on the process group we made for a child we spawned.
        unsafe { libc::kill(group, libc::SIGTERM) };
        let deadline = Instant::now() + Duration::from_secs(3);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.0.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        // Whatever of the group is left (workers that outlived the main process).
        // SAFETY: as above.
        unsafe { libc::kill(group, libc::SIGKILL) };
        let _ = self.0.wait();
    }
}

/// Starts `command` in a new process group, so [`Owned`] can stop it with its children.
fn own_group(command: &mut Command) -> &mut Command {
    use std::os::unix::process::CommandExt;
    command.process_group(0)
}

/// Waits until `file` contains `needle`, or panics with the file's end after `limit`.
pub fn wait_for_log(file: &Path, needle: &str, limit: Duration) -> String {
    let deadline = Instant::now() + limit;
    loop {
        let text = std::fs::read_to_string(file).unwrap_or_default();
        if text.contains(needle) {
            return text;
        }
        if Instant::now() > deadline {
            let tail: String = text
                .chars()
                .rev()
                .take(3000)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            panic!("{} never said {needle:?}; it ends:\n{tail}", file.display());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// kamailio as registrar and proxy on [`REGISTRAR`] (UDP and TCP), every user with
/// [`PASSWORD`]; REGISTERs are logged as `REGISTER from USER`, relayed answers as
/// `REPLY STATUS METHOD to CALLER from CALLEE`.
pub struct Registrar {
    _process: Owned,
    /// Its log.
    pub log: PathBuf,
}

impl Registrar {
    /// Starts it, with its config and log in `dir`, and waits until it serves.
    pub fn start(dir: &Path) -> Self {
        let config = dir.join("kamailio.cfg");
        std::fs::write(&config, kamailio_config()).unwrap();
        let log = dir.join("kamailio.log");
        let process = own_group(&mut Command::new("kamailio"))
            .args(["-DD", "-E", "-f"])
            .arg(&config)
            .args(["-P", &dir.join("kamailio.pid").to_string_lossy()])
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .expect("start kamailio (Debian package kamailio)");
        let registrar = Self {
            _process: Owned(process),
            log,
        };
        wait_for_log(&registrar.log, "tcp_main", Duration::from_secs(10));
        // Ready once it answers: an OPTIONS to nobody gets a 404.
        let socket = std::net::UdpSocket::bind((HOST, 0)).unwrap();
        socket
            .set_read_timeout(Some(Duration::from_millis(200)))
            .unwrap();
        let local = socket.local_addr().unwrap();
        let options = format!(
            "OPTIONS sip:probe@{HOST} SIP/2.0\r\nVia: SIP/2.0/UDP {local};branch=z9hG4bKprobe\r\nMax-Forwards: 5\r\nFrom: <sip:probe@{HOST}>;tag=1\r\nTo: <sip:probe@{HOST}>\r\nCall-ID: probe@{HOST}\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n"
        );
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut buf = [0u8; 2048];
        loop {
            socket.send_to(options.as_bytes(), REGISTRAR).unwrap();
            if socket.recv(&mut buf).is_ok() {
                return registrar;
            }
            assert!(Instant::now() < deadline, "kamailio never answered");
        }
    }

    /// Whether the proxy relayed a final or provisional answer `status` from `callee`.
    pub fn relayed(&self, status: u16, callee: &str) -> bool {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .any(|l| {
                l.contains(&format!("REPLY {status} ")) && l.contains(&format!(" from {callee} "))
            })
    }

    /// Its log so far.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// How many REGISTERs `user` sent so far.
    pub fn registers_from(&self, user: &str) -> usize {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .matches(&format!("REGISTER from {user} "))
            .count()
    }
}

fn kamailio_config() -> String {
    include_str!("../fixtures/sip/kamailio.cfg")
        .replace("{REGISTRAR}", REGISTRAR)
        .replace("{PASSWORD}", PASSWORD)
}

/// How a baresip peer answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// Answers at once.
    Auto,
    /// Lets it ring.
    Manual,
}

/// baresip registered as `user`, sending `source` (a WAV at 8 kHz) in calls and recording
/// both directions under its directory.
pub struct Phone {
    process: Owned,
    stdin: ChildStdin,
    dir: PathBuf,
    /// Its console output.
    pub log: PathBuf,
}

impl Phone {
    /// Starts it with `codecs` (baresip modules, e.g. `["g711"]`; with `"srtp"` its media
    /// must be encrypted), listening on `port`, and waits until it is registered.
    pub fn start(
        dir: &Path,
        user: &str,
        port: u16,
        source: &Path,
        answer: Answer,
        codecs: &[&str],
    ) -> Self {
        let dir = dir.join(user);
        std::fs::create_dir_all(&dir).unwrap();
        let mut config = format!(
            "poll_method epoll\nsip_listen {HOST}:{port}\naudio_source aufile,{source}\naudio_player aubridge,nil\naudio_alert aubridge,nil\naudio_srate 8000\naudio_channels 1\nmodule_path /usr/lib/baresip/modules\nmodule stdio.so\nmodule aufile.so\nmodule aubridge.so\nmodule sndfile.so\nmodule_app account.so\nmodule_app menu.so\nsnd_path {dir}\nrtp_ports {rtp}-{rtp_end}\n",
            source = source.display(),
            dir = dir.display(),
            rtp = port + 1000,
            rtp_end = port + 1100,
        );
        for codec in codecs {
            config.push_str(&format!("module {codec}.so\n"));
        }
        std::fs::write(dir.join("config"), config).unwrap();
        let mode = match answer {
            Answer::Auto => "auto",
            Answer::Manual => "manual",
        };
        std::fs::write(
            dir.join("accounts"),
            format!(
                "<sip:{user}@{REGISTRAR};transport=udp>;auth_pass={PASSWORD};answermode={mode};regint=60{media}\n",
                // With the srtp module, media must be encrypted (RTP/SAVP, SDES keys).
                media = if codecs.contains(&"srtp") { ";mediaenc=srtp-mand" } else { "" },
            ),
        )
        .unwrap();
        let log = dir.join("baresip.log");
        let mut child = own_group(&mut Command::new("baresip"))
            .arg("-f")
            .arg(&dir)
            .stdin(Stdio::piped())
            .stdout(std::fs::File::create(&log).unwrap())
            .stderr(Stdio::null())
            .spawn()
            .expect("start baresip (Debian package baresip)");
        let stdin = child.stdin.take().unwrap();
        let phone = Self {
            process: Owned(child),
            stdin,
            dir,
            log,
        };
        wait_for_log(&phone.log, "200 OK", Duration::from_secs(10));
        phone
    }

    /// Types a console command (`d URI` dials, `b` hangs up).
    pub fn command(&mut self, line: &str) {
        writeln!(self.stdin, "{line}").unwrap();
        self.stdin.flush().unwrap();
    }

    /// What it heard in its last call (8 kHz mono samples in [-1, 1]), once the file is written.
    pub fn heard(&self) -> Vec<f32> {
        self.recording("-dec.wav")
    }

    /// What it sent in its last call.
    pub fn said(&self) -> Vec<f32> {
        self.recording("-enc.wav")
    }

    fn recording(&self, suffix: &str) -> Vec<f32> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(&self.dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.to_string_lossy().ends_with(suffix))
            .collect();
        files.sort();
        let file = files
            .pop()
            .unwrap_or_else(|| panic!("baresip wrote no *{suffix} in {}", self.dir.display()));
        read_wav(&file)
    }

    /// Stops it, so its recordings are complete.
    pub fn quit(mut self) -> Self {
        // It may have gone already; what it wrote is what it wrote.
        let _ = writeln!(self.stdin, "q").and_then(|()| self.stdin.flush());
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline && !matches!(self.process.0.try_wait(), Ok(Some(_))) {
            std::thread::sleep(Duration::from_millis(20));
        }
        self
    }
}

/// A WAV file's samples, mono, in [-1, 1].
pub fn read_wav(path: &Path) -> Vec<f32> {
    let mut reader =
        hound::WavReader::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let channels = usize::from(reader.spec().channels);
    let samples: Vec<i16> = reader.samples::<i16>().map(Result::unwrap).collect();
    samples
        .chunks(channels)
        .map(|c| f32::from(c[0]) / 32_768.0)
        .collect()
}

/// Writes `seconds` of a `hz` tone at half scale, 8 kHz mono.
pub fn tone_wav(path: &Path, hz: f32, seconds: f32) {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: 8_000,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut writer = hound::WavWriter::create(path, spec).unwrap();
    for i in 0..(seconds * 8_000.0) as usize {
        let s = 0.5 * (2.0 * std::f32::consts::PI * hz * i as f32 / 8_000.0).sin();
        writer.write_sample((s * 32_767.0) as i16).unwrap();
    }
    writer.finalize().unwrap();
}

/// The `switchboard` CLI with a data directory in `dir` and the SIP password set.
pub fn cli(dir: &Path, password: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_switchboard"));
    command
        .arg("--data-dir")
        .arg(dir.join("data"))
        .env("SWITCHBOARD_SIP_PASSWORD", password)
        .env_remove("TWILIO_ACCOUNT_SID")
        .env_remove("TWILIO_API_KEY")
        .env_remove("TWILIO_API_SECRET");
    command
}

/// A CLI process whose stderr is followed line by line.
pub struct Running {
    child: Child,
    lines: std::sync::mpsc::Receiver<String>,
    /// Everything it wrote to stderr so far.
    pub stderr: Vec<String>,
}

impl Running {
    /// Spawns `command` with stdout and stderr piped.
    pub fn spawn(mut command: Command) -> Self {
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let (tx, lines) = std::sync::mpsc::channel();
        let stderr = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Self {
            child,
            lines,
            stderr: Vec::new(),
        }
    }

    /// Waits for a stderr line containing `needle`.
    pub fn wait_for(&mut self, needle: &str, limit: Duration) {
        let deadline = Instant::now() + limit;
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    let hit = line.contains(needle);
                    self.stderr.push(line);
                    if hit {
                        return;
                    }
                }
                Err(_) => break,
            }
        }
        panic!(
            "never said {needle:?}; stderr so far:\n{}",
            self.stderr.join("\n")
        );
    }

    /// Waits for it to exit: (success, stdout, all of stderr).
    pub fn finish(mut self, limit: Duration) -> (bool, String, String) {
        let deadline = Instant::now() + limit;
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!(
                    "still running after {limit:?}; stderr:\n{}",
                    self.stderr.join("\n")
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let mut stdout = String::new();
        std::io::Read::read_to_string(self.child.stdout.as_mut().unwrap(), &mut stdout).unwrap();
        // The reader thread ends (and the channel closes) at the end of stderr.
        while let Ok(line) = self.lines.recv_timeout(Duration::from_secs(5)) {
            self.stderr.push(line);
        }
        (status.success(), stdout, self.stderr.join("\n"))
    }
}
