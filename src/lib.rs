//! Switchboard's core: everything the desktop app and the `switchboard` CLI do, with no
//! dependency on the desktop shell.

pub mod account;
pub mod app;
pub mod audio;
pub mod cache;
pub mod calling;
pub mod error;
pub mod greetings;
pub mod ipc;
pub mod keychain;
pub mod logging;
pub mod numbers;
pub mod paths;
pub mod phone;
pub mod playback;
pub mod routing;
pub mod secret;
pub mod sid;
pub mod storage;
pub mod store;
pub mod studio;
pub mod twilio;
pub mod twiml;

pub use app::{AppStatus, ConnectOptions, STALE_AFTER_SECONDS, Switchboard, SyncStatus};
pub use error::{Code, IpcError};
