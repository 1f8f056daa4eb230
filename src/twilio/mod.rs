//! Twilio's REST APIs: an authenticated client with one handler per resource, in the shape of
//! octocrab (`client.calls().create(to, from).url(u).send().await`), wire models apart, lists
//! as streams, and typed errors.

mod accounts;
mod applications;
mod base;
mod calls;
mod client;
mod conferences;
mod error;
mod form;
mod models;
mod numbers;
mod page;
mod pricing;
mod recordings;
mod retry;
mod serverless;
mod sip;
pub mod token;

pub use accounts::{Account, AccountStatus, Accounts};
pub use applications::{Applications, Keys, SaveApplication};
pub use base::{ApiBase, Domain, validate_location};
pub use calls::{
    CallRecordings, Calls, CreateCall, EndStatus, ListCalls, MAX_TWIML_LEN, MachineDetection,
    RecordingControl, UpdateCall,
};
pub use client::{Client, Credentials};
pub use conferences::{AddParticipant, Participant, Participants, UpdateParticipant};
pub use error::TwilioError;
pub use form::{WebhookMethod, check_url};
pub use models::*;
pub use numbers::{
    BuyNumber, IncomingNumbers, ListNumbers, NumberType, SearchNumbers, UpdateNumber, check_country,
};
pub use page::{ListStream, MAX_PAGE_SIZE, Page};
pub use pricing::Pricing;
pub use recordings::{
    AudioFormat, Download, ListRecordings, RecordingTranscriptions, Recordings, Transcriptions,
};
pub use retry::RetryPolicy;
pub use serverless::{
    Build, Deployment, Environment, Function, FunctionVersion, Serverless, Service, Variable,
    Visibility,
};
pub use sip::{CredentialList, CredentialListMapping, MappingFor, Sip, SipCredential, SipDomain};
