//! A typed TwiML builder for Voice.
//!
//! The output matches what Twilio's helper libraries produce for the same input: attributes in
//! alphabetical order, booleans as `true`/`false`, empty elements as `<Hangup />`, and text and
//! attribute values escaped, so user text (a greeting, a caller's name) can never break out of
//! its element. Characters XML cannot carry at all (most control characters) are left out, so
//! the document is always well-formed.
//!
//! ```
//! use switchboard::twiml::{Dial, DialNoun, Response, Say};
//! let xml = Response::new()
//!     .dial(Dial::new().answer_on_bridge(true).timeout(20).noun(DialNoun::Client("alice".into())))
//!     .say(Say::new("Please leave a message.").voice("Polly.Joanna"))
//!     .to_xml();
//! assert!(xml.starts_with(r#"<?xml version="1.0" encoding="UTF-8"?><Response><Dial answerOnBridge="true""#));
//! ```

use std::fmt::Write as _;

/// An XML element: name, attributes (sorted when written), text and children.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Element {
    name: &'static str,
    attrs: Vec<(&'static str, String)>,
    text: Option<String>,
    children: Vec<Element>,
}

impl Element {
    fn new(name: &'static str) -> Self {
        Self {
            name,
            attrs: Vec::new(),
            text: None,
            children: Vec::new(),
        }
    }

    fn attr(&mut self, name: &'static str, value: impl ToString) {
        self.attrs.retain(|(n, _)| *n != name);
        self.attrs.push((name, value.to_string()));
    }

    fn write(&self, out: &mut String) {
        let mut attrs: Vec<_> = self.attrs.iter().collect();
        attrs.sort_by_key(|(n, _)| *n);
        out.push('<');
        out.push_str(self.name);
        for (name, value) in attrs {
            let _ = write!(out, " {name}=\"{}\"", escape_attr(value));
        }
        let text = self.text.as_deref().filter(|t| !t.is_empty());
        if text.is_none() && self.children.is_empty() {
            out.push_str(" />");
            return;
        }
        out.push('>');
        if let Some(text) = text {
            out.push_str(&escape_text(text));
        }
        for child in &self.children {
            child.write(out);
        }
        let _ = write!(out, "</{}>", self.name);
    }
}

/// Whether XML 1.0 can carry `c` at all, even as a reference: not the C0 controls other than
/// tab and line ends, nor U+FFFE or U+FFFF.
fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// `s` as character data: markup escaped, and characters XML cannot carry left out (a single
/// one would make Twilio refuse the whole document).
fn escape_text(s: &str) -> String {
    s.chars()
        .filter(|c| is_xml_char(*c))
        .collect::<String>()
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn escape_attr(s: &str) -> String {
    escape_text(s)
        .replace('"', "&quot;")
        .replace('\r', "&#13;")
        .replace('\n', "&#10;")
        .replace('\t', "&#09;")
}

macro_rules! attr_setters {
    ($($(#[$doc:meta])* $method:ident($ty:ty) => $attr:literal;)*) => {
        $(
            $(#[$doc])*
            #[must_use]
            pub fn $method(mut self, value: $ty) -> Self {
                self.0.attr($attr, value);
                self
            }
        )*
    };
}

/// `<Say>`: text read to the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Say(Element);

impl Say {
    /// Says `text`.
    pub fn new(text: impl Into<String>) -> Self {
        let mut el = Element::new("Say");
        el.text = Some(text.into());
        Self(el)
    }
    attr_setters! {
        /// The voice, e.g. `Polly.Joanna` or `Polly.Matthew-Neural`.
        voice(&str) => "voice";
        /// The language, e.g. `en-US`.
        language(&str) => "language";
        /// How many times to say it (0: until the call ends).
        repeat(u32) => "loop";
    }
}

/// `<Play>`: audio at a URL, or DTMF digits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Play(Element);

impl Play {
    /// Plays the audio at `url`.
    pub fn url(url: impl Into<String>) -> Self {
        let mut el = Element::new("Play");
        el.text = Some(url.into());
        Self(el)
    }
    /// Plays DTMF `digits` (`w` waits half a second).
    pub fn digits(digits: &str) -> Self {
        let mut el = Element::new("Play");
        el.attr("digits", digits);
        Self(el)
    }
    attr_setters! {
        /// How many times to play it (0: until the call ends).
        repeat(u32) => "loop";
    }
}

/// `<Pause>`: silence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pause(Element);

impl Pause {
    /// Pauses for `seconds`.
    pub fn seconds(seconds: u32) -> Self {
        let mut el = Element::new("Pause");
        el.attr("length", seconds);
        Self(el)
    }
}

/// What `<Dial>` connects to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DialNoun {
    /// A phone number in E.164.
    Number(String),
    /// A Voice SDK client identity.
    Client(String),
    /// A SIP URI.
    Sip(String),
    /// A named conference room.
    Conference(String),
}

/// `<Dial>`: connects the caller to another party.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dial(Element);

impl Default for Dial {
    fn default() -> Self {
        Self::new()
    }
}

impl Dial {
    /// A dial with no party yet; add them with [`Dial::noun`].
    pub fn new() -> Self {
        Self(Element::new("Dial"))
    }
    /// Dials `number` directly (`<Dial>+1…</Dial>`).
    pub fn number(number: impl Into<String>) -> Self {
        let mut el = Element::new("Dial");
        el.text = Some(number.into());
        Self(el)
    }
    /// Adds a party; several ring at once.
    #[must_use]
    pub fn noun(mut self, noun: DialNoun) -> Self {
        let (name, value) = match noun {
            DialNoun::Number(v) => ("Number", v),
            DialNoun::Client(v) => ("Client", v),
            DialNoun::Sip(v) => ("Sip", v),
            DialNoun::Conference(v) => ("Conference", v),
        };
        let mut el = Element::new(name);
        el.text = Some(value);
        self.0.children.push(el);
        self
    }
    /// Joins the conference `name` as a party of a two-person call: no beeps, the conference
    /// starts on entry, and ends when this party leaves if `ends_on_exit`.
    #[must_use]
    pub fn room(mut self, name: &str, ends_on_exit: bool) -> Self {
        let mut el = Element::new("Conference");
        el.attr("beep", "false");
        el.attr("startConferenceOnEnter", true);
        el.attr("endConferenceOnExit", ends_on_exit);
        el.text = Some(name.to_owned());
        self.0.children.push(el);
        self
    }
    attr_setters! {
        /// The caller ID shown to the called party.
        caller_id(&str) => "callerId";
        /// Seconds to ring before giving up.
        timeout(u32) => "timeout";
        /// Where Twilio posts the outcome (`DialCallStatus`) when the dial ends.
        action(&str) => "action";
        /// `GET` or `POST` for `action`.
        method(&str) => "method";
        /// Keep the caller hearing ringing until the called party answers.
        answer_on_bridge(bool) => "answerOnBridge";
        /// Record the call, e.g. `record-from-answer`.
        record(&str) => "record";
    }
}

/// `<Record>`: records the caller, e.g. a voicemail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record(Element);

impl Default for Record {
    fn default() -> Self {
        Self::new()
    }
}

impl Record {
    /// A recording with Twilio's defaults.
    pub fn new() -> Self {
        Self(Element::new("Record"))
    }
    attr_setters! {
        /// Longest recording in seconds.
        max_length(u32) => "maxLength";
        /// Beep before recording.
        play_beep(bool) => "playBeep";
        /// Seconds of silence that end the recording.
        timeout(u32) => "timeout";
        /// Keys that end the recording.
        finish_on_key(&str) => "finishOnKey";
        /// Transcribe the recording.
        transcribe(bool) => "transcribe";
        /// Where Twilio posts the transcription.
        transcribe_callback(&str) => "transcribeCallback";
        /// Where Twilio posts the recording's status.
        recording_status_callback(&str) => "recordingStatusCallback";
        /// Where Twilio goes when the recording ends.
        action(&str) => "action";
    }
}

/// `<Gather>`: collects digits or speech while prompting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gather(Element);

impl Default for Gather {
    fn default() -> Self {
        Self::new()
    }
}

impl Gather {
    /// A gather with Twilio's defaults.
    pub fn new() -> Self {
        Self(Element::new("Gather"))
    }
    /// Prompts with `<Say>`.
    #[must_use]
    pub fn say(mut self, say: Say) -> Self {
        self.0.children.push(say.0);
        self
    }
    /// Prompts with `<Play>`.
    #[must_use]
    pub fn play(mut self, play: Play) -> Self {
        self.0.children.push(play.0);
        self
    }
    /// Pauses within the prompt.
    #[must_use]
    pub fn pause(mut self, pause: Pause) -> Self {
        self.0.children.push(pause.0);
        self
    }
    attr_setters! {
        /// `dtmf`, `speech` or `dtmf speech`.
        input(&str) => "input";
        /// Where Twilio posts what was gathered.
        action(&str) => "action";
        /// `GET` or `POST` for `action`.
        method(&str) => "method";
        /// Seconds to wait for input.
        timeout(u32) => "timeout";
        /// How many digits to collect.
        num_digits(u32) => "numDigits";
        /// The key that ends input.
        finish_on_key(&str) => "finishOnKey";
    }
}

/// `<Reject>`'s reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RejectReason {
    /// The caller hears a busy signal.
    Busy,
    /// The caller hears "the number is not in service".
    Rejected,
}

/// A TwiML document for Voice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response(Element);

impl Default for Response {
    fn default() -> Self {
        Self::new()
    }
}

impl Response {
    /// An empty `<Response />`.
    pub fn new() -> Self {
        Self(Element::new("Response"))
    }
    fn push(mut self, el: Element) -> Self {
        self.0.children.push(el);
        self
    }
    /// Appends `<Say>`.
    #[must_use]
    pub fn say(self, say: Say) -> Self {
        self.push(say.0)
    }
    /// Appends `<Play>`.
    #[must_use]
    pub fn play(self, play: Play) -> Self {
        self.push(play.0)
    }
    /// Appends `<Pause>`.
    #[must_use]
    pub fn pause(self, pause: Pause) -> Self {
        self.push(pause.0)
    }
    /// Appends `<Dial>`.
    #[must_use]
    pub fn dial(self, dial: Dial) -> Self {
        self.push(dial.0)
    }
    /// Appends `<Record>`.
    #[must_use]
    pub fn record(self, record: Record) -> Self {
        self.push(record.0)
    }
    /// Appends `<Gather>`.
    #[must_use]
    pub fn gather(self, gather: Gather) -> Self {
        self.push(gather.0)
    }
    /// Appends `<Redirect>` to `url`, with `method` when given.
    #[must_use]
    pub fn redirect(self, url: &str, method: Option<&str>) -> Self {
        let mut el = Element::new("Redirect");
        el.text = Some(url.to_owned());
        if let Some(m) = method {
            el.attr("method", m);
        }
        self.push(el)
    }
    /// Appends `<Hangup />`.
    #[must_use]
    pub fn hangup(self) -> Self {
        self.push(Element::new("Hangup"))
    }
    /// Appends `<Reject>`, with `reason` when given.
    #[must_use]
    pub fn reject(self, reason: Option<RejectReason>) -> Self {
        let mut el = Element::new("Reject");
        if let Some(r) = reason {
            el.attr(
                "reason",
                if r == RejectReason::Busy {
                    "busy"
                } else {
                    "rejected"
                },
            );
        }
        self.push(el)
    }
    /// The document, with its XML declaration.
    pub fn to_xml(&self) -> String {
        let mut out = String::from(r#"<?xml version="1.0" encoding="UTF-8"?>"#);
        self.0.write(&mut out);
        out
    }
}
