//! Structured logs: JSON lines in a daily-rotated file in the OS log directory.
//!
//! Nothing secret is ever logged: secrets are [`crate::secret::Sensitive`], whose `Debug` and
//! `Display` print `<redacted>`, and requests are logged by URL, which never holds a secret.
//!
//! A panic (a bug) leaves a crash report beside the logs, `crash-{unix seconds}-{pid}.txt`, with
//! the version, the message, where, and the backtrace; it is written at once, before the
//! release build aborts, and logged as well.

use std::path::Path;

use tracing_appender::non_blocking::WorkerGuard;
use tracing_appender::rolling::{RollingFileAppender, Rotation};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::Layer as _;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// Log files kept before the oldest is deleted (one per day).
pub const KEEP_FILES: usize = 14;

/// Environment variable with an `EnvFilter` directive, e.g. `debug` or `switchboard=trace`.
pub const ENV: &str = "SWITCHBOARD_LOG";

/// Installs the global subscriber writing JSON lines to `switchboard.YYYY-MM-DD.log` in
/// `log_dir`, plus human-readable lines on stderr when `stderr` is set (the CLI's `-v`).
/// Keep the guard alive for as long as logs should be written; dropping it flushes them.
///
/// # Errors
/// When the directory cannot be created or a subscriber is already installed.
pub fn init(log_dir: &Path, stderr: bool) -> anyhow::Result<WorkerGuard> {
    std::fs::create_dir_all(log_dir).map_err(|e| {
        anyhow::anyhow!("cannot create the log directory {}: {e}", log_dir.display())
    })?;
    let appender = RollingFileAppender::builder()
        .rotation(Rotation::DAILY)
        .filename_prefix("switchboard")
        .filename_suffix("log")
        .max_log_files(KEEP_FILES)
        .build(log_dir)?;
    let (writer, guard) = tracing_appender::non_blocking(appender);
    // rsipstack logs every SIP message whole at info (digest answers included): warnings only.
    let filter =
        || EnvFilter::try_from_env(ENV).unwrap_or_else(|_| EnvFilter::new("info,rsipstack=warn"));
    let file_layer = tracing_subscriber::fmt::layer()
        .json()
        .with_current_span(false)
        .with_writer(writer)
        .with_filter(filter());
    let stderr_layer = stderr.then(|| {
        tracing_subscriber::fmt::layer()
            .with_writer(std::io::stderr)
            .with_filter(filter())
    });
    tracing_subscriber::registry()
        .with(file_layer)
        .with(stderr_layer)
        .try_init()?;
    report_crashes(log_dir.to_path_buf());
    Ok(guard)
}

/// Writes a crash report into `log_dir` on every panic, then runs the previous hook.
fn report_crashes(log_dir: std::path::PathBuf) {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let backtrace = std::backtrace::Backtrace::force_capture();
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let thread = std::thread::current();
        let report = format!(
            "Switchboard {} crashed (a bug: please send this file with a report).\nthread: {}\n{info}\n\nbacktrace:\n{backtrace}\n",
            env!("CARGO_PKG_VERSION"),
            thread.name().unwrap_or("unnamed"),
        );
        let path = log_dir.join(format!("crash-{now}-{}.txt", std::process::id()));
        let written = std::fs::write(&path, report);
        tracing::error!(crash_report = %path.display(), written = written.is_ok(), "panic: {info}");
        previous(info);
    }));
}
