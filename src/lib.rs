//! Switchboard's core: everything the desktop app and the `switchboard` CLI do, with no
//! dependency on the desktop shell.
//!
//! [`Switchboard`] is the one surface both of them call: each feature is a module here that
//! owns its data, its Twilio calls and its `impl Switchboard` methods (`numbers`,
//! `voicemail`, `greetings`, `routing`, `calling`, `cache`). `ARCHITECTURE.md` at the root of
//! the repository says where each thing lives.
//!
//! # Words
//! - **account**: a Twilio account or subaccount; its SID starts `AC`. A **profile** is an
//!   account connected on this machine: its key's SID, region and edge in [`db`], the key's
//!   secret in the [`keychain`].
//! - **db**: the app's own SQLite database (profiles, settings, greetings). **cache**: the
//!   per-account copy of Twilio's data (calls, recordings, transcriptions, voicemails), one
//!   file per account, rebuilt from Twilio at will. **s3**: the user's bucket (voicemail
//!   archive, published greeting audio).
//! - **voicemail**: a recording Twilio made after an unanswered call, with its transcript.
//! - **greeting**: what a caller hears before leaving a voicemail: text-to-speech or a
//!   recorded **take** (audio captured from the microphone, trimmed and normalized).
//! - **routing**: the small Twilio Functions service the app deploys into the user's account:
//!   it rings the desktop and records voicemail when nobody answers.
//! - **call**: a live call placed or taken in the app. Every call is a two-party conference;
//!   each party's connection to it is a **leg** ("you" and "them").
//! - **engine**: how your leg joins a call: *bridge* (Twilio rings your own phone), *webview*
//!   (the Voice JS SDK in the window), later *sip*. See [`calling`].
//! - **outbox**: local changes (deletes) waiting in the cache to reach Twilio, replayed in
//!   order by every sync.
//! - **E.164**: a phone number as `+` and digits ([`e164`]).

pub mod account;
pub mod app;
pub mod audio;
pub mod cache;
pub mod calling;
pub mod db;
pub mod e164;
pub mod error;
pub mod greetings;
pub mod ipc;
pub mod keychain;
pub mod logging;
pub mod numbers;
pub mod paths;
pub mod retention;
pub mod routing;
pub mod s3;
pub mod secret;
pub mod sid;
pub mod sip;
pub mod twilio;
pub mod twiml;
pub mod voicemail;

pub use account::ConnectOptions;
pub use app::{AppStatus, Switchboard};
pub use cache::{STALE_AFTER_SECONDS, SyncStatus};
pub use error::{Code, Error};
