//! Where Switchboard keeps its data and logs, the same for the app and the CLI.

use std::path::PathBuf;

/// Reverse-DNS identifier shared with the desktop shell's bundle identifier.
pub const APP_ID: &str = "app.switchboard.desktop";

/// Directories the core writes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paths {
    /// The database and caches.
    pub data_dir: PathBuf,
    /// Rotated JSON log files.
    pub log_dir: PathBuf,
}

impl Paths {
    /// Overrides the data directory (the log directory becomes its `logs/`), for tests and
    /// portable installs.
    pub const ENV: &'static str = "SWITCHBOARD_DATA_DIR";

    /// The platform's directories: on Linux `$XDG_DATA_HOME/app.switchboard.desktop` and its
    /// `logs/`; on macOS `~/Library/Application Support/…` and `~/Library/Logs/…`; on Windows
    /// `%APPDATA%\…` and `%LOCALAPPDATA%\…\logs`. [`Paths::ENV`] overrides both.
    ///
    /// # Errors
    /// When no home directory can be found.
    pub fn discover() -> anyhow::Result<Self> {
        if let Some(dir) = std::env::var_os(Self::ENV).filter(|d| !d.is_empty()) {
            return Ok(Self::under(PathBuf::from(dir)));
        }
        let base = directories::BaseDirs::new().ok_or_else(|| {
            anyhow::anyhow!(
                "no home directory found; set {} to choose a data directory",
                Self::ENV
            )
        })?;
        let data_dir = base.data_dir().join(APP_ID);
        let log_dir = if cfg!(target_os = "macos") {
            base.home_dir().join("Library/Logs").join(APP_ID)
        } else {
            base.data_local_dir().join(APP_ID).join("logs")
        };
        Ok(Self { data_dir, log_dir })
    }

    /// Data in `dir`, logs in `dir/logs`.
    pub fn under(dir: PathBuf) -> Self {
        Self {
            log_dir: dir.join("logs"),
            data_dir: dir,
        }
    }

    /// The application database.
    pub fn database(&self) -> PathBuf {
        self.data_dir.join("switchboard.db")
    }
}
