//! Over 600 lines: one property test per parser of outside input, each with its own
//! generator; together they are the inventory of what the core reads from outside.
//!
//! Untrusted input never panics (issue 18): property tests over every parser in the core that
//! reads outside input.
//!
//! Covered: phone numbers (`E164::parse`, `format_for_display`, `format_beside`), Twilio SIDs,
//! Twilio's RFC 2822 dates, Twilio's list pages (`Page::from_body`: the one-pass reader, its
//! row-by-row fallback and the wire models) and failure answers (through `Client::list_page`
//! against a local server, with `Retry-After`), WAV files (a greeting given to publish; the SIP
//! engine's WAV source), voicemail MP3s (`analyse_file`), RTP packets and SDP from the far end
//! of a SIP call, the S3 archive settings and the other fields users type (URLs, countries,
//! regions, methods, key secrets), and the escaping of user text into TwiML, read back with an
//! XML parser.
//!
//! Each property asserts more than "no panic": malformed input gets the function's documented
//! error, and well-formed input parses to what it was built from (or round-trips). The
//! generators build valid input and then break it (wrong JSON types, out-of-range header
//! fields, lying lengths, truncation), so the parsers are driven deep rather than refused at
//! the first byte; counters check that a fair share of cases does get deep.
//!
//! Each property runs [`CASES`] cases, as the issue asks. `PROPTEST_CASES` overrides the count,
//! e.g. a million each in release:
//! `PROPTEST_CASES=1000000 cargo nextest run --release --test untrusted_input`.
//! A failure is shrunk to a small input and printed; nothing is written into the repository.
//!
//! One file of over 600 lines, on purpose: one test binary links once (on two cores each extra
//! binary costs a link of the whole core), and the sections, one per parser, share generators
//! and the case counter. Split it into `tests/untrusted_input/*.rs` modules if it grows more.

use std::cell::Cell;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::{Index, select};
use proptest::test_runner::{Config as ProptestConfig, TestCaseError, TestRunner};
use serde_json::{Value, json};

use switchboard::audio::take::{GREETING_RATE, TARGET_PEAK, prepare_wav_file, read_wav};
use switchboard::audio::{AudioProblem, PEAK_BUCKETS, analyse_file, looks_like_mp3};
use switchboard::e164::{E164, format_beside};
use switchboard::error::Code;
use switchboard::s3::ArchiveSettingsInput;
use switchboard::secret::{Sensitive, validate_api_key_secret};
use switchboard::sid::{
    AccountSid, ApiKeySid, ApplicationSid, CallSid, PhoneNumberSid, PushCredentialSid,
    RecordingSid, SidError, TranscriptionSid,
};
use switchboard::sip::g711::Law;
use switchboard::sip::media::{FRAME, RATE, Source};
use switchboard::sip::rtp::{Packet, ParseError};
use switchboard::sip::sdp::{
    Direction, Local, Remote, SdpError, TELEPHONE_EVENT, describe, negotiate,
};
use switchboard::sip::wav::WavSource;
use switchboard::twilio::{
    ApiBase, Call, CallStatus, Client, Credentials, Page, RetryPolicy, TwilioError, WebhookMethod,
    check_country, check_url, parse_twilio_date, validate_location,
};
use switchboard::twiml::{Dial, DialNoun, Gather, Response, Say};

/// Cases per property, as issue 18 asks.
const CASES: u32 = 100_000;

/// The cases to run: [`CASES`], or `PROPTEST_CASES` when it is set.
fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(CASES)
}

/// Runs `test` on [`cases`] inputs from `strategy`. A panic inside `test` fails the property
/// like a failed assertion, and either is shrunk to the smallest input that still fails.
fn check<S: Strategy>(strategy: S, test: impl Fn(S::Value) -> Result<(), TestCaseError>) {
    let config = ProptestConfig {
        cases: cases(),
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    if let Err(failure) = TestRunner::new(config).run(&strategy, test) {
        panic!("{failure}");
    }
}

/// Counts cases that reached a given depth, to assert after a run that the generator is not
/// stopped at the first check of the parser.
#[derive(Default)]
struct Reached(Cell<u64>);

impl Reached {
    fn hit(&self) {
        self.0.set(self.0.get() + 1);
    }

    /// Asserts that at least one case in `one_in` reached it.
    fn at_least(&self, one_in: u64, what: &str) {
        let wanted = u64::from(cases()) / one_in;
        assert!(
            self.0.get() >= wanted,
            "only {} of {} cases {what}; the generator should reach it in 1 of {one_in}",
            self.0.get(),
            cases()
        );
    }
}

/// Pieces that mean something to some parser: markup, quotes, entities, line ends, control
/// characters, characters XML forbids, and characters outside ASCII.
#[rustfmt::skip]
const TRICKY: &[&str] = &[
    "<", ">", "&", "\"", "'", ";", "#", "\r", "\n", "\r\n", "\t", " ", "\0", "\u{1}", "\u{8}",
    "\u{b}", "\u{c}", "\u{1b}", "\u{7f}", "\u{85}", "\u{a0}", "\u{2028}", "\u{d7ff}", "\u{e000}",
    "\u{fffd}", "\u{fffe}", "\u{ffff}", "\u{10000}", "\u{10ffff}", "\u{feff}", "]]>", "<![CDATA[",
    "&amp;", "&#0;", "&#x1F;", "&lt", "<!--", "-->", "<?", "?>", "é", "💬", "+", "-", ":", ",",
    "=", "/", "0", "9", "a", "Z",
];

/// Text as users type or paste it, and as far ends send it: any characters, with the
/// [`TRICKY`] ones far more often than chance would give them.
fn text(max: usize) -> BoxedStrategy<String> {
    let piece = prop_oneof![
        2 => any::<char>().prop_map(String::from),
        3 => select(TRICKY).prop_map(String::from),
    ];
    vec(piece, 0..max)
        .prop_map(|pieces| pieces.concat())
        .boxed()
}

/// A directory for the files cases write: in memory where the system has one, since 100,000
/// writes to disk cost more than the parsing they feed.
fn scratch_dir() -> tempfile::TempDir {
    let shared_memory = std::path::Path::new("/dev/shm");
    if shared_memory.is_dir()
        && let Ok(dir) = tempfile::tempdir_in(shared_memory)
    {
        return dir;
    }
    tempfile::tempdir().expect("a temporary directory")
}

/// Strings matching `pattern`, parsed once: a pattern given as `&str` is parsed again for
/// every case, which costs more than many of the parsers under test.
fn re(pattern: &str) -> proptest::string::RegexGeneratorStrategy<String> {
    proptest::string::string_regex(pattern).expect("a valid pattern")
}

/// Arbitrary bytes, short enough that a debug build runs 100,000 of them quickly.
fn bytes(max: usize) -> impl Strategy<Value = Vec<u8>> {
    vec(any::<u8>(), 0..max)
}

// ---------------------------------------------------------------------------------------------
// Phone numbers

/// Calling codes, and one that no country has.
#[rustfmt::skip]
const CALLING_CODES: &[&str] = &[
    "1", "44", "49", "33", "61", "81", "91", "55", "7", "39", "34", "52", "353", "86", "27", "999",
];

/// Number plans that libphonenumber counts as valid, as E.164 digits: `#` is any digit, `N`
/// one of 2 to 9. Only the countries of [`HOMES`], so its cache of compiled patterns (a
/// hundred) stays warm: a case that misses it costs milliseconds in a debug build.
#[rustfmt::skip]
const VALID_NUMBERS: &[&str] = &[
    "1415N######", "1212N######", "44207#######", "447911######", "4930########",
];

/// Where the people who read numbers live, for the national form.
const HOMES: &[&str] = &["US", "GB", "DE"];

/// What users type in a phone number field: valid numbers written every way, near misses,
/// and anything at all.
fn phone_input() -> BoxedStrategy<String> {
    let separator = || select(&["", "", "", " ", "-", ".", "(", ")", "/"][..]);
    let valid =
        (select(VALID_NUMBERS), vec((0u8..10, separator()), 15)).prop_map(|(plan, digits)| {
            let mut s = String::from("+");
            for (c, (digit, sep)) in plan.chars().zip(digits) {
                s.push_str(sep);
                s.push(match c {
                    '#' => char::from(b'0' + digit),
                    'N' => char::from(b'2' + digit % 8),
                    fixed => fixed,
                });
            }
            s
        });
    let any_code = (
        select(CALLING_CODES),
        any::<bool>(),
        vec((0u8..10, separator()), 3..15),
    )
        .prop_map(|(code, plus, digits)| {
            let mut s = if plus {
                format!("+{code}")
            } else {
                code.to_owned()
            };
            for (digit, sep) in digits {
                s.push_str(sep);
                s.push(char::from(b'0' + digit));
            }
            s
        });
    prop_oneof![
        30 => valid,
        // Random digits land in random countries, whose patterns libphonenumber compiles
        // afresh (its cache holds a hundred): milliseconds each in a debug build, so few.
        1 => any_code,
        1 => re("[0-9 ().+/-]{0,20}"),
        1 => re("[ ]{0,2}[+]?[0-9]{1,18}[a-zA-Z#*,;x]{0,2}[ ]{0,2}"),
        4 => text(20),
    ]
    .boxed()
}

/// A default country as callers pass it: a real code in any case, a near miss, or garbage.
fn country_input() -> BoxedStrategy<Option<String>> {
    prop::option::weighted(
        0.7,
        prop_oneof![
            3 => select(HOMES).prop_map(String::from),
            1 => select(&["gb", " us ", "FR", "XX", "", "USA", "u"][..]).prop_map(String::from),
            1 => re("[A-Za-z]{2}"),
            1 => text(4),
        ],
    )
    .boxed()
}

/// E.164 as its standard defines it: `+`, a calling code that does not start with 0, and at
/// most 15 digits in all.
fn is_e164(s: &str) -> bool {
    let Some(digits) = s.strip_prefix('+') else {
        return false;
    };
    (2..=15).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !digits.starts_with('0')
}

/// `E164::parse` either gives a number in E.164 that reads back as itself from the form shown
/// to people (national at home, international abroad), or a [`PhoneError`] that starts with the
/// field's name. Input with letters or other symbols, and blank input, is always refused.
///
/// [`PhoneError`]: switchboard::e164::PhoneError
#[test]
fn phone_numbers_parse_to_e164_that_reads_back_or_name_the_field() {
    let valid = Reached::default();
    let homes = select(HOMES);
    check(
        (re("[A-Za-z]{1,8}"), phone_input(), country_input(), homes),
        |(field, input, country, home)| {
            let parsed = E164::parse(&field, &input, country.as_deref());
            let raw = input.trim();
            if raw.is_empty()
                || raw
                    .chars()
                    .any(|c| !(c.is_ascii_digit() || " +-.()/".contains(c)))
            {
                prop_assert!(parsed.is_err(), "{input:?} has no business parsing");
            }
            match parsed {
                Ok(number) => {
                    valid.hit();
                    let e164 = number.as_str();
                    prop_assert!(is_e164(e164), "{e164:?} is not E.164");
                    // National for a number of `home`, international for any other.
                    let shown = number.display(Some(home));
                    prop_assert_eq!(
                        E164::parse(&field, &shown, Some(home)),
                        Ok(number.clone()),
                        "the form shown to someone in {} ({:?}) reads back",
                        home,
                        shown
                    );
                }
                Err(err) => {
                    let prefix = format!("{field}: ");
                    prop_assert!(err.message.starts_with(&prefix), "{:?}", err.message);
                }
            }
            Ok(())
        },
    );
    valid.at_least(3, "parsed as a valid number");
}

/// Numbers as Twilio reports them (E.164, `client:alice`, `sip:…`, `anonymous`, or anything)
/// are formatted beside the number of ours they reached (or none) without panicking; text
/// without a digit is shown as it is.
#[test]
fn any_reported_number_formats_for_display() {
    let ours = prop::option::of(prop_oneof![
        3 => select(&["+14155550101", "+442079460958", "+493012345678"][..]).prop_map(String::from),
        1 => phone_input(),
    ]);
    check((phone_input(), ours), |(number, ours)| {
        let shown = format_beside(&number, ours.as_deref());
        if !number.chars().any(|c| c.is_ascii_digit()) {
            prop_assert_eq!(&shown, &number, "nothing to format");
        }
        Ok(())
    });
}

// ---------------------------------------------------------------------------------------------
// SIDs

/// The prefix of every kind of SID.
#[rustfmt::skip]
const SID_PREFIXES: &[&str] = &[
    AccountSid::PREFIX, ApiKeySid::PREFIX, ApplicationSid::PREFIX, CallSid::PREFIX,
    RecordingSid::PREFIX, TranscriptionSid::PREFIX, PhoneNumberSid::PREFIX,
    PushCredentialSid::PREFIX,
];

/// What is pasted into a SID field: SIDs of every kind, with paste whitespace, a wrong length,
/// a stray character; and anything at all.
fn sid_input() -> BoxedStrategy<String> {
    let prefix = prop_oneof![
        4 => select(SID_PREFIXES).prop_map(String::from),
        1 => re("[A-Za-z]{0,3}"),
        1 => text(2),
    ];
    let body = prop_oneof![re("[0-9a-fA-F]{32}"), re("[0-9a-fA-F]{0,40}")];
    let stray = prop::option::weighted(0.3, (any::<Index>(), text(2)));
    let pad = || re("[ \t\r\n]{0,2}");
    let spoiled =
        (pad(), prefix, body, stray, pad()).prop_map(|(before, prefix, mut body, stray, after)| {
            if let Some((at, piece)) = stray {
                body.insert_str(at.index(body.len() + 1), &piece);
            }
            format!("{before}{prefix}{body}{after}")
        });
    prop_oneof![4 => spoiled, 1 => text(40)].boxed()
}

/// Whether `value` is a SID starting `prefix`, as Twilio defines one.
fn is_sid(value: &str, prefix: &str) -> bool {
    value.len() == 34
        && value.starts_with(prefix)
        && value.bytes().skip(2).all(|b| b.is_ascii_hexdigit())
}

/// Parses `input` as the SID type `T` with `prefix`, directly and through serde, and checks
/// both against the definition of a SID.
fn sid_reads_as<T>(input: &str, prefix: &str, what: &str) -> Result<bool, TestCaseError>
where
    T: std::str::FromStr<Err = SidError> + AsRef<str> + serde::de::DeserializeOwned,
{
    let trimmed = input.trim();
    let parsed = input.parse::<T>();
    match &parsed {
        Ok(sid) => {
            prop_assert!(is_sid(trimmed, prefix), "{input:?} parsed as {what}");
            prop_assert_eq!(sid.as_ref(), trimmed, "stored without the paste whitespace");
        }
        Err(err) => {
            prop_assert!(
                !is_sid(trimmed, prefix),
                "{input:?} refused: {}",
                err.message
            );
            prop_assert!(err.message.starts_with(what), "{:?}", err.message);
        }
    }
    let from_json = serde_json::from_value::<T>(Value::String(input.to_owned()));
    prop_assert_eq!(from_json.is_ok(), parsed.is_ok(), "serde agrees with parse");
    Ok(parsed.is_ok())
}

/// Every SID type accepts exactly its prefix and 32 hexadecimal digits (around paste
/// whitespace), and refuses anything else with a [`SidError`] naming the field.
#[test]
fn sids_are_exactly_a_prefix_and_32_hex_digits() {
    let valid = Reached::default();
    check(sid_input(), |input| {
        let results = [
            sid_reads_as::<AccountSid>(&input, AccountSid::PREFIX, AccountSid::WHAT)?,
            sid_reads_as::<ApiKeySid>(&input, ApiKeySid::PREFIX, ApiKeySid::WHAT)?,
            sid_reads_as::<ApplicationSid>(&input, ApplicationSid::PREFIX, ApplicationSid::WHAT)?,
            sid_reads_as::<CallSid>(&input, CallSid::PREFIX, CallSid::WHAT)?,
            sid_reads_as::<RecordingSid>(&input, RecordingSid::PREFIX, RecordingSid::WHAT)?,
            sid_reads_as::<TranscriptionSid>(
                &input,
                TranscriptionSid::PREFIX,
                TranscriptionSid::WHAT,
            )?,
            sid_reads_as::<PhoneNumberSid>(&input, PhoneNumberSid::PREFIX, PhoneNumberSid::WHAT)?,
            sid_reads_as::<PushCredentialSid>(
                &input,
                PushCredentialSid::PREFIX,
                PushCredentialSid::WHAT,
            )?,
        ];
        if results.contains(&true) {
            valid.hit();
        }
        Ok(())
    });
    valid.at_least(10, "were a valid SID of some kind");
}

// ---------------------------------------------------------------------------------------------
// Twilio's dates

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const WEEKDAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];

/// Days from 1970-01-01 to a date of the proleptic Gregorian calendar (Howard Hinnant's
/// `days_from_civil`), so the expected instant does not come from the parser's own library.
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn days_in_month(year: i64, month: i64) -> i64 {
    days_from_civil(year + i64::from(month == 12), month % 12 + 1, 1)
        - days_from_civil(year, month, 1)
}

/// One of Twilio's dates, as its fields.
#[derive(Debug, Clone)]
struct Rfc2822 {
    year: i64,
    month: i64,
    day: i64,
    hour: i64,
    minute: i64,
    second: i64,
    /// Offset east of UTC, in minutes.
    offset: i64,
    weekday: bool,
}

impl Rfc2822 {
    fn days(&self) -> i64 {
        days_from_civil(self.year, self.month, self.day)
    }

    /// The instant, in seconds since the Unix epoch.
    fn unix(&self) -> i64 {
        self.days() * 86_400 + self.hour * 3600 + self.minute * 60 + self.second - self.offset * 60
    }

    /// Written as Twilio writes it, `Fri, 18 Oct 2019 17:00:00 +0000`, with the field `spoil`
    /// names made impossible.
    fn write(&self, spoil: &Spoil) -> String {
        let weekday = match spoil {
            Spoil::Weekday(w) => format!("{w}, "),
            Spoil::OtherWeekday(k) => {
                format!(
                    "{}, ",
                    WEEKDAYS[(self.days() + i64::from(*k)).rem_euclid(7) as usize]
                )
            }
            _ if self.weekday => format!("{}, ", WEEKDAYS[self.days().rem_euclid(7) as usize]),
            _ => String::new(),
        };
        let day = match spoil {
            Spoil::Day(d) => d.to_string(),
            _ => self.day.to_string(),
        };
        let month = match spoil {
            Spoil::Month(m) => m.clone(),
            _ => MONTHS[self.month as usize - 1].to_owned(),
        };
        let hour = match spoil {
            Spoil::Hour(h) => format!("{h:02}"),
            _ => format!("{:02}", self.hour),
        };
        let minute = match spoil {
            Spoil::Minute(m) => format!("{m:02}"),
            _ => format!("{:02}", self.minute),
        };
        let sign = if self.offset < 0 { '-' } else { '+' };
        let offset = self.offset.abs();
        format!(
            "{weekday}{day} {month} {} {hour}:{minute}:{:02} {sign}{:02}{:02}",
            self.year,
            self.second,
            offset / 60,
            offset % 60
        )
    }
}

/// One field made impossible, or none.
#[derive(Debug, Clone)]
enum Spoil {
    Intact,
    Day(u8),
    Month(String),
    Hour(u8),
    Minute(u8),
    /// Not a weekday.
    Weekday(&'static str),
    /// A weekday this many days after the real one.
    OtherWeekday(u8),
    /// The text cut after this many characters.
    Cut(Index),
}

fn rfc2822() -> BoxedStrategy<Rfc2822> {
    // Up to 9998: a date late on the last day of 9999 is past jiff's range once in UTC.
    (1970i64..=9998, 1i64..=12, any::<Index>())
        .prop_flat_map(|(year, month, day)| {
            let day = day.index(days_in_month(year, month) as usize) as i64 + 1;
            (
                Just((year, month, day)),
                0i64..24,
                0i64..60,
                0i64..60,
                -(23 * 60 + 59)..=(23 * 60 + 59i64),
                any::<bool>(),
            )
        })
        .prop_map(
            |((year, month, day), hour, minute, second, offset, weekday)| Rfc2822 {
                year,
                month,
                day,
                hour,
                minute,
                second,
                offset,
                weekday,
            },
        )
        .boxed()
}

fn date_spoil() -> BoxedStrategy<Spoil> {
    prop_oneof![
        3 => Just(Spoil::Intact),
        1 => prop_oneof![Just(0u8), 32u8..=99].prop_map(Spoil::Day),
        1 => prop_oneof![
            select(&["Foo", "", "J", "Sept", "13", "Janu", "Ja"][..]).prop_map(String::from),
            re("[A-Za-z]{4,6}"),
        ]
        .prop_map(Spoil::Month),
        1 => (24u8..=99).prop_map(Spoil::Hour),
        1 => (60u8..=99).prop_map(Spoil::Minute),
        1 => select(&["Xyz", "Fr", "1"][..]).prop_map(Spoil::Weekday),
        1 => (1u8..7).prop_map(Spoil::OtherWeekday),
        1 => any::<Index>().prop_map(Spoil::Cut),
    ]
    .boxed()
}

/// `parse_twilio_date` reads Twilio's dates (any weekday, offset, and year up to 9998) as the
/// instant they name, and gives `None` (its documented failure) for a date with an impossible
/// field, a wrong weekday, a cut-off end, or any other text.
#[test]
fn twilio_dates_parse_to_their_instant_or_none() {
    let strategy = prop_oneof![
        4 => (rfc2822(), date_spoil()).prop_map(|(date, spoil)| {
            let mut written = date.write(&spoil);
            if let Spoil::Cut(at) = &spoil {
                let cut = at.index(written.len());
                written.truncate(cut);
            }
            (written, Some((date, spoil)))
        }),
        1 => text(40).prop_map(|t| (t, None)),
    ];
    check(strategy, |(written, built)| {
        let parsed = parse_twilio_date(&written);
        match built {
            Some((date, Spoil::Intact)) => {
                let parsed = parsed.map(|t| t.as_second());
                prop_assert_eq!(parsed, Some(date.unix()), "{:?}", written);
            }
            Some(_) => prop_assert_eq!(parsed, None, "{:?} is no date", written),
            None => {}
        }
        Ok(())
    });
}

// ---------------------------------------------------------------------------------------------
// Twilio's answers: list pages and error bodies

/// What the fake API answers every request with until told otherwise.
#[derive(Debug, Clone, Default)]
struct Answer {
    status: u16,
    retry_after: Option<String>,
    body: Vec<u8>,
}

/// A local HTTP/1.1 server standing in for Twilio's API: every request gets the [`Answer`]
/// set last. A thread per connection; they end with the test process.
struct FakeApi {
    addr: SocketAddr,
    answer: Arc<Mutex<Answer>>,
}

impl FakeApi {
    fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
        let addr = listener.local_addr().expect("the port bound");
        let answer = Arc::new(Mutex::new(Answer::default()));
        let shared = Arc::clone(&answer);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let answer = Arc::clone(&shared);
                std::thread::spawn(move || Self::serve(stream, &answer));
            }
        });
        Self { addr, answer }
    }

    /// Answers the requests of one keep-alive connection until the client closes it.
    fn serve(stream: TcpStream, answer: &Mutex<Answer>) {
        let Ok(mut out) = stream.try_clone() else {
            return;
        };
        let _ = out.set_nodelay(true);
        let mut lines = BufReader::new(stream);
        let mut line = String::new();
        loop {
            // A GET has no body: the request ends at its blank line.
            loop {
                line.clear();
                match lines.read_line(&mut line) {
                    Ok(0) | Err(_) => return,
                    Ok(_) if line == "\r\n" => break,
                    Ok(_) => {}
                }
            }
            let Answer {
                status,
                retry_after,
                body,
            } = answer.lock().expect("answer lock").clone();
            let mut reply = format!(
                "HTTP/1.1 {status} Answer\r\nContent-Type: application/json\r\nContent-Length: {}\r\n",
                body.len()
            );
            if let Some(value) = retry_after {
                reply.push_str(&format!("Retry-After: {value}\r\n"));
            }
            reply.push_str("\r\n");
            let mut reply = reply.into_bytes();
            reply.extend(body);
            // One write, sent at once: a head and body written apart wait out delayed ACKs.
            if out.write_all(&reply).is_err() {
                return;
            }
        }
    }

    fn answer(&self, answer: Answer) {
        *self.answer.lock().expect("answer lock") = answer;
    }

    /// A client of this server that never retries (a retry would only repeat the answer).
    fn client(&self) -> Client {
        let credentials = Credentials {
            account_sid: AccountSid::parse(&format!("AC{}", "a".repeat(32))).unwrap(),
            api_key_sid: ApiKeySid::parse(&format!("SK{}", "b".repeat(32))).unwrap(),
            api_key_secret: Sensitive::new("c".repeat(32)),
        };
        let base = ApiBase::custom(&format!("http://{}", self.addr)).expect("a loopback URL");
        Client::new(base, credentials)
            .expect("a client")
            .with_retry(RetryPolicy::NONE)
    }
}

/// JSON of any shape: scalars of every type (huge and negative numbers, floats, tricky
/// strings), and arrays and objects of them two levels deep. (Not `prop_recursive`, which
/// builds its strategy again for every value: most of this file's time went there.)
fn json_value() -> BoxedStrategy<Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        text(8).prop_map(Value::String),
    ]
    .boxed();
    let nest = |inner: BoxedStrategy<Value>| {
        prop_oneof![
            4 => inner.clone(),
            1 => vec(inner.clone(), 0..4).prop_map(Value::Array),
            1 => vec((re("[a-z_]{1,8}"), inner), 0..4)
                .prop_map(|fields| Value::Object(fields.into_iter().collect())),
        ]
        .boxed()
    };
    nest(nest(leaf))
}

/// JSON text that is valid by RFC 8259 but that a reader may choke on: numbers past `f64` or
/// `u64`, lone surrogates, deep nesting.
fn odd_json() -> BoxedStrategy<String> {
    prop_oneof![
        select(
            &[
                "1e400",
                "-1e400",
                "123456789012345678901234567890",
                "-0",
                "1E-400",
                "\"\\ud800\"",
                "\"\\u0000\"",
                "\"\\udfff\\ud800\"",
                "[[], {}, [{}]]",
                "{\"a\": 1, \"a\": 2}",
            ][..]
        )
        .prop_map(String::from),
        (1usize..300).prop_map(|depth| format!("{}{}", "[".repeat(depth), "]".repeat(depth))),
        (1usize..200).prop_map(|depth| format!(
            "{}1{}",
            "{\"a\":".repeat(depth),
            "}".repeat(depth)
        )),
    ]
    .boxed()
}

/// A SID of `prefix` with random digits.
fn sid_of(prefix: &'static str) -> impl Strategy<Value = String> {
    re("[0-9a-f]{32}").prop_map(move |digits| format!("{prefix}{digits}"))
}

/// A SID field of a row as sent: right, or spoiled so the row no longer decodes.
fn sid_field(prefix: &'static str) -> BoxedStrategy<(Option<Value>, bool)> {
    prop_oneof![
        6 => sid_of(prefix).prop_map(|sid| (Some(Value::String(sid)), true)),
        1 => Just((None, false)),
        1 => sid_input().prop_filter("not a valid SID", move |s| !is_sid(s.trim(), prefix))
            .prop_map(|s| (Some(Value::String(s)), false)),
        1 => json_value().prop_filter("not a string", |v| !v.is_string())
            .prop_map(|v| (Some(v), false)),
    ]
    .boxed()
}

/// An optional SID field (`parent_call_sid`): absent, null or blank are no SID; a valid SID
/// decodes; anything else spoils the row.
fn optional_sid_field(prefix: &'static str) -> BoxedStrategy<(Option<Value>, bool)> {
    prop_oneof![
        2 => Just((None, true)),
        1 => select(&["", " ", "\t"][..]).prop_map(|s| (Some(json!(s)), true)),
        1 => Just((Some(Value::Null), true)),
        2 => sid_of(prefix).prop_map(|sid| (Some(Value::String(sid)), true)),
        1 => sid_input().prop_filter("neither blank nor a SID", move |s| {
            !s.trim().is_empty() && !is_sid(s.trim(), prefix)
        })
        .prop_map(|s| (Some(Value::String(s)), false)),
        1 => json_value().prop_filter("neither string nor null", |v| !v.is_string() && !v.is_null())
            .prop_map(|v| (Some(v), false)),
    ]
    .boxed()
}

/// A call's status: Twilio's words, new words (read as `Unknown`), or other JSON, which spoils
/// the row unless serde reads it as an enum too (an object of one name with `null`).
fn status_field() -> BoxedStrategy<(Option<Value>, bool)> {
    #[rustfmt::skip]
    const STATUSES: &[&str] = &[
        "queued", "ringing", "in-progress", "completed", "busy", "failed", "no-answer", "canceled",
    ];
    let enum_like = |v: &Value| {
        v.as_object()
            .is_some_and(|fields| fields.len() == 1 && fields.values().all(Value::is_null))
    };
    prop_oneof![
        4 => select(STATUSES).prop_map(|s| (Some(json!(s)), true)),
        1 => text(10).prop_map(|s| (Some(Value::String(s)), true)),
        1 => Just((None, false)),
        1 => json_value().prop_filter("not a string", |v| !v.is_string())
            .prop_map(move |v| { let ok = enum_like(&v); (Some(v), ok) }),
    ]
    .boxed()
}

/// The fields a [`Call`] reads leniently: any JSON at all is fine in them.
#[rustfmt::skip]
const LENIENT_CALL_FIELDS: &[&str] = &[
    "from", "to", "direction", "start_time", "end_time", "duration", "price", "price_unit",
    "caller_name", "answered_by", "date_created",
];

/// One row of a calls page.
#[derive(Debug, Clone)]
struct CallRow {
    json: Value,
    /// Whether it decodes as a [`Call`].
    decodes: bool,
    /// The `sid` it decodes with.
    sid: Option<String>,
}

fn call_row() -> BoxedStrategy<CallRow> {
    (
        sid_field("CA"),
        sid_field("AC"),
        status_field(),
        optional_sid_field("CA"),
        vec((select(LENIENT_CALL_FIELDS), json_value()), 0..3),
        vec((re("[a-z_]{1,12}"), json_value()), 0..2),
    )
        .prop_map(|(sid, account, status, parent, lenient, extra)| {
            let mut row = serde_json::Map::new();
            // Unknown fields first, so the known ones written after them win.
            for (name, value) in extra {
                row.insert(format!("x_{name}"), value);
            }
            for (name, value) in lenient {
                row.insert(name.to_owned(), value);
            }
            let mut decodes = true;
            for (name, (value, ok)) in [
                ("sid", sid.clone()),
                ("account_sid", account),
                ("status", status),
                ("parent_call_sid", parent),
            ] {
                decodes &= ok;
                if let Some(value) = value {
                    row.insert(name.to_owned(), value);
                }
            }
            CallRow {
                json: Value::Object(row),
                decodes,
                sid: sid.0.and_then(|v| v.as_str().map(str::to_owned)),
            }
        })
        .boxed()
}

/// A next-page link as a page carries it.
#[derive(Debug, Clone)]
enum Link {
    Absent,
    Null,
    Text(String),
    /// Not a string.
    Other(Value),
}

impl Link {
    fn member(&self, name: &str) -> Option<String> {
        match self {
            Self::Absent => None,
            Self::Null => Some(format!("\"{name}\": null")),
            Self::Text(s) => Some(format!("\"{name}\": {}", Value::String(s.clone()))),
            Self::Other(v) => Some(format!("\"{name}\": {v}")),
        }
    }

    fn text(&self) -> Option<&str> {
        match self {
            Self::Text(s) => Some(s),
            _ => None,
        }
    }
}

/// The newer APIs' `meta` object, which carries `next_page_url`.
#[derive(Debug, Clone)]
enum Meta {
    Absent,
    Null,
    Object(Link),
    /// Not an object.
    Other(Value),
}

/// The rows of a page.
#[derive(Debug, Clone)]
enum Rows {
    List(Vec<CallRow>),
    Null,
    Absent,
    /// Not a list.
    Other(Value),
}

/// A calls page as Twilio (or something in its place) might send it.
#[derive(Debug, Clone)]
struct PageBody {
    rows: Rows,
    uri: Link,
    meta: Meta,
    /// Other members, as JSON text; `odd` when some is [`odd_json`].
    extra: Vec<(String, String)>,
    odd: bool,
    /// Where the member list is rotated to, so `calls` is not always first.
    rotate: Index,
}

/// Where the next page is, as `list_page` hands it back: links are followed on the client's
/// own host, so an absolute URL becomes its path and query.
#[derive(Debug, Clone, PartialEq)]
enum NextExpected {
    None,
    Exactly(String),
    /// A link of text the test does not predict the path of.
    Some,
}

fn link() -> BoxedStrategy<Link> {
    let token = || re("[A-Za-z0-9]{2,34}");
    prop_oneof![
        2 => Just(Link::Absent),
        2 => Just(Link::Null),
        1 => Just(Link::Text(String::new())),
        3 => token().prop_map(|t| Link::Text(format!("/2010-04-01/Accounts/AC{}/Calls.json?PageSize=50&Page=1&PageToken=PA{t}", "a".repeat(32)))),
        2 => token().prop_map(|t| Link::Text(format!("https://api.twilio.com/v1/Calls?PageSize=50&Page=2&PageToken=PA{t}"))),
        1 => text(20).prop_filter("not empty", |t| !t.is_empty()).prop_map(Link::Text),
        1 => json_value().prop_filter("not a string or null", |v| !v.is_string() && !v.is_null()).prop_map(Link::Other),
    ]
    .boxed()
}

impl Link {
    /// What `list_page` should return for this link alone.
    fn expected(&self) -> NextExpected {
        let Some(link) = self.text() else {
            return NextExpected::None;
        };
        if link.is_empty() {
            NextExpected::None
        } else if link.starts_with("/2010-04-01/") {
            NextExpected::Exactly(link.to_owned())
        } else if let Some(path) = link.strip_prefix("https://api.twilio.com") {
            NextExpected::Exactly(path.to_owned())
        } else {
            NextExpected::Some
        }
    }
}

fn page_body() -> BoxedStrategy<PageBody> {
    let rows = prop_oneof![
        6 => vec(call_row(), 0..4).prop_map(Rows::List),
        1 => Just(Rows::Null),
        1 => Just(Rows::Absent),
        1 => json_value().prop_filter("not a list or null", |v| !v.is_array() && !v.is_null()).prop_map(Rows::Other),
    ];
    let meta = prop_oneof![
        3 => Just(Meta::Absent),
        1 => Just(Meta::Null),
        2 => link().prop_map(Meta::Object),
        1 => json_value().prop_filter("not an object or null", |v| !v.is_object() && !v.is_null()).prop_map(Meta::Other),
    ];
    let extra = vec(
        (
            re("[a-z_]{1,10}"),
            prop_oneof![
                4 => json_value().prop_map(|v| (v.to_string(), false)),
                1 => odd_json().prop_map(|t| (t, true)),
            ],
        ),
        0..3,
    );
    (rows, link(), meta, extra, any::<Index>())
        .prop_map(|(rows, uri, meta, extra, rotate)| {
            let odd = extra.iter().any(|(_, (_, odd))| *odd);
            PageBody {
                rows,
                uri,
                meta,
                extra: extra
                    .into_iter()
                    .map(|(name, (value, _))| (format!("x_{name}"), value))
                    .collect(),
                odd,
                rotate,
            }
        })
        .boxed()
}

impl PageBody {
    fn to_json(&self) -> String {
        let mut members: Vec<String> = Vec::new();
        match &self.rows {
            Rows::List(rows) => {
                let rows: Vec<Value> = rows.iter().map(|r| r.json.clone()).collect();
                members.push(format!("\"calls\": {}", Value::Array(rows)));
            }
            Rows::Null => members.push("\"calls\": null".into()),
            Rows::Absent => {}
            Rows::Other(v) => members.push(format!("\"calls\": {v}")),
        }
        members.extend(self.uri.member("next_page_uri"));
        match &self.meta {
            Meta::Absent => {}
            Meta::Null => members.push("\"meta\": null".into()),
            Meta::Object(link) => {
                let inner = link.member("next_page_url").unwrap_or_default();
                members.push(format!("\"meta\": {{\"page\": 0, {inner}}}").replace(", }", "}"));
            }
            Meta::Other(v) => members.push(format!("\"meta\": {v}")),
        }
        for (name, value) in &self.extra {
            members.push(format!("\"{name}\": {value}"));
        }
        if !members.is_empty() {
            let at = self.rotate.index(members.len());
            members.rotate_left(at);
        }
        format!("{{{}}}", members.join(", "))
    }

    /// The next link as both readers find it: `next_page_uri` when it is a string, else
    /// `meta.next_page_url`, and none when that is empty.
    fn next(&self) -> NextExpected {
        if self.uri.text().is_some() {
            return self.uri.expected();
        }
        match &self.meta {
            Meta::Object(link) => link.expected(),
            _ => NextExpected::None,
        }
    }

    /// What `list_page` returns: each row decoded on its own, or a `Decode` error (`None`)
    /// when there is no list to decode, or no list on a page that says more follow.
    fn expected(&self) -> Option<(Vec<Option<String>>, NextExpected)> {
        let next = self.next();
        let rows = match &self.rows {
            Rows::List(rows) => rows
                .iter()
                .map(|r| if r.decodes { r.sid.clone() } else { None })
                .collect(),
            Rows::Null | Rows::Absent if next == NextExpected::None => Vec::new(),
            _ => return None,
        };
        Some((rows, next))
    }
}

/// What a Twilio error body reads as: its code and its message (`None` when it has none).
type ErrorFields = (Option<u64>, Option<String>);

/// A Twilio error body, possibly with fields of the wrong type, and what it reads as when it
/// is still a well-formed error body (`None` when it is not).
fn error_body() -> BoxedStrategy<(Vec<u8>, Option<ErrorFields>)> {
    // Each field with what it reads as, or `None` when its type spoils the body.
    let code = prop_oneof![
        3 => (0u64..100_000).prop_map(|c| (Some(json!(c)), Some(Some(c)))),
        1 => Just((None, Some(None))),
        1 => json_value().prop_map(|v| {
            let reads_as = match v.as_u64() {
                Some(c) if u32::try_from(c).is_ok() => Some(Some(c)),
                _ if v.is_null() => Some(None),
                _ => None,
            };
            (Some(v), reads_as)
        }),
    ];
    let message = prop_oneof![
        3 => text(20).prop_map(|m| (Some(Value::String(m.clone())), Some(Some(m)))),
        1 => Just((None, Some(None))),
        1 => json_value().prop_map(|v| {
            let reads_as = match &v {
                Value::Null => Some(None),
                Value::String(s) => Some(Some(s.clone())),
                _ => None,
            };
            (Some(v), reads_as)
        }),
    ];
    let structured = (code, message).prop_map(|((code, code_is), (message, message_is))| {
        let mut body = serde_json::Map::new();
        body.insert("status".into(), json!(400));
        body.insert(
            "more_info".into(),
            json!("https://www.twilio.com/docs/errors/20404"),
        );
        if let Some(code) = code {
            body.insert("code".into(), code);
        }
        if let Some(message) = message {
            body.insert("message".into(), message);
        }
        let reads_as = code_is.zip(message_is);
        (Value::Object(body).to_string().into_bytes(), reads_as)
    });
    prop_oneof![
        3 => structured,
        1 => bytes(64).prop_map(|b| (b, None)),
    ]
    .boxed()
}

/// What the fake API answers with in one case.
#[derive(Debug, Clone)]
enum Reply {
    Page(PageBody),
    /// Anything at all, with a 200.
    Bytes(Vec<u8>),
    /// Valid JSON that is not an object.
    NotAnObject(Value),
    /// A failure status with an error body; what the body should read as, when it is a
    /// well-formed Twilio error body: its code, and its message when it has one.
    Error {
        status: u16,
        retry_after: Option<String>,
        body: Vec<u8>,
        expected: Option<ErrorFields>,
    },
}

fn reply() -> BoxedStrategy<Reply> {
    let failure = (
        select(&[400u16, 401, 403, 404, 409, 429, 500, 503][..]),
        prop::option::of(prop_oneof![
            re("[0-9]{1,25}"),
            re(" [0-9]{1,3} "),
            Just("-1".to_owned()),
            re("[ -~]{0,16}"),
        ]),
        error_body(),
    )
        .prop_map(|(status, retry_after, (body, expected))| Reply::Error {
            status,
            retry_after,
            body,
            expected,
        });
    // Failures only come over HTTP, at half a millisecond a request in a debug build: few.
    prop_oneof![
        120 => page_body().prop_map(Reply::Page),
        20 => bytes(128).prop_map(Reply::Bytes),
        20 => json_value().prop_filter("not an object", |v| !v.is_object()).prop_map(Reply::NotAnObject),
        3 => failure,
    ]
    .boxed()
}

/// A page of calls is exactly what it holds: every row that is a valid call decodes (whatever
/// the lenient fields hold, whatever unknown fields come along), every other row is a `Decode`
/// error of its own, and the next link is found in either shape. A body that is not a page
/// (not JSON, not an object, no list where one is needed) is a `Decode` error. Never a panic,
/// whatever the bytes.
///
/// Each body is read with `Page::from_body`; one in fifty is also fetched with
/// `Client::list_page` from a local server, which must read it the same way. Failure answers
/// always go over HTTP: they are an `Api` error with the status, and Twilio's code and message
/// when the body has them (whatever `Retry-After` says).
#[test]
fn twilio_pages_decode_row_by_row_or_fail_as_documented() {
    let api = FakeApi::start();
    let client = api.client();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let path = format!("/2010-04-01/Accounts/AC{}/Calls.json", "a".repeat(32));
    let fetch = |answer: Answer| {
        api.answer(answer);
        runtime.block_on(client.list_page::<Call>(&path, 50, "calls", "calls"))
    };
    let rows_read = Reached::default();
    check(
        (reply(), prop::bool::weighted(0.02)),
        |(reply, over_http)| {
            let body = match &reply {
                Reply::Page(page) => page.to_json().into_bytes(),
                Reply::Bytes(body) => body.clone(),
                Reply::NotAnObject(value) => value.to_string().into_bytes(),
                Reply::Error {
                    status,
                    retry_after,
                    body,
                    expected,
                } => {
                    let answer = Answer {
                        status: *status,
                        retry_after: retry_after.clone(),
                        body: body.clone(),
                    };
                    match fetch(answer) {
                        Err(TwilioError::Api {
                            status: got,
                            code,
                            message,
                            ..
                        }) => {
                            prop_assert_eq!(got, *status);
                            if let Some((expected_code, expected_message)) = expected {
                                prop_assert_eq!(code.map(u64::from), *expected_code);
                                if let Some(expected_message) = expected_message {
                                    prop_assert_eq!(&message, expected_message);
                                }
                            }
                        }
                        other => prop_assert!(false, "{:?} for {:?}", other, reply),
                    }
                    return Ok(());
                }
            };
            let read = Page::<Call>::from_body(&body, "calls", "calls");
            if over_http {
                let fetched = fetch(Answer {
                    status: 200,
                    retry_after: None,
                    body: body.clone(),
                });
                prop_assert_eq!(format!("{fetched:?}"), format!("{read:?}"), "over HTTP");
            }
            let shown = String::from_utf8_lossy(&body);
            match (&reply, read) {
                (Reply::Page(page), read) => match (page.expected(), read) {
                    (Some((rows, next)), Ok(got)) => {
                        prop_assert_eq!(got.rows.len(), rows.len(), "{}", shown);
                        for (row, expected) in got.rows.iter().zip(&rows) {
                            match (row, expected) {
                                (Ok(call), Some(sid)) => {
                                    rows_read.hit();
                                    prop_assert_eq!(call.sid.as_str(), sid.as_str());
                                }
                                (Err(TwilioError::Decode { .. }), None) => {}
                                (row, expected) => prop_assert!(
                                    false,
                                    "row {:?} where {:?} was expected in {}",
                                    row,
                                    expected,
                                    shown
                                ),
                            }
                        }
                        match next {
                            NextExpected::Some => prop_assert!(got.next.is_some(), "{}", shown),
                            NextExpected::None => prop_assert_eq!(got.next, None, "{}", shown),
                            NextExpected::Exactly(link) => {
                                prop_assert_eq!(got.next, Some(link), "{}", shown)
                            }
                        }
                    }
                    // Numbers past f64 or nesting past the limit in a member nobody reads may or
                    // may not stop a reader; either way it is a decode error, nothing else.
                    (Some(_), Err(TwilioError::Decode { .. })) if page.odd => {}
                    (None, Err(TwilioError::Decode { .. })) => {}
                    (expected, got) => prop_assert!(
                        false,
                        "{:?} where {:?} was expected from {}",
                        got,
                        expected,
                        shown
                    ),
                },
                (Reply::Bytes(_), Ok(_) | Err(TwilioError::Decode { .. })) => {}
                (Reply::NotAnObject(_), Err(TwilioError::Decode { .. })) => {}
                (reply, got) => prop_assert!(false, "{:?} for {:?}", got, reply),
            }
            Ok(())
        },
    );
    rows_read.at_least(10, "decoded a row");
}

// ---------------------------------------------------------------------------------------------
// WAV files

/// `KSDATAFORMAT_SUBTYPE_PCM` and `…_IEEE_FLOAT`, the sub-formats of `WAVE_FORMAT_EXTENSIBLE`.
const SUBTYPE_PCM: [u8; 16] = [
    1, 0, 0, 0, 0, 0, 0x10, 0, 0x80, 0, 0, 0xAA, 0, 0x38, 0x9B, 0x71,
];
const SUBTYPE_FLOAT: [u8; 16] = [
    3, 0, 0, 0, 0, 0, 0x10, 0, 0x80, 0, 0, 0xAA, 0, 0x38, 0x9B, 0x71,
];

/// How the `fmt ` chunk is laid out.
#[derive(Debug, Clone)]
enum FmtShape {
    /// `PCMWAVEFORMAT`: 16 bytes.
    Plain,
    /// `WAVEFORMATEX`: 18 bytes, ending with `cbSize`.
    Ex { cb_size: u16 },
    /// `WAVEFORMATEXTENSIBLE`: 40 bytes.
    Extensible {
        valid_bits: u16,
        subformat: [u8; 16],
    },
}

/// A WAV file as its header fields, each either consistent with the rest or overridden.
#[derive(Debug, Clone)]
struct WavPlan {
    format_tag: u16,
    channels: u16,
    sample_rate: u32,
    bits: u16,
    shape: FmtShape,
    /// Overrides of what the other fields imply.
    block_align: Option<u16>,
    byte_rate: Option<u32>,
    fmt_len: Option<u32>,
    data_len: Option<u32>,
    riff_len: Option<u32>,
    /// A chunk the reader must skip, before `data`.
    extra: Option<([u8; 4], Vec<u8>)>,
    data: Vec<u8>,
    /// The file cut short after this share of its bytes.
    cut: Option<Index>,
}

impl WavPlan {
    fn block_align(&self) -> u16 {
        self.block_align
            .unwrap_or_else(|| self.channels.wrapping_mul(self.bits / 8))
    }

    fn bytes(&self) -> Vec<u8> {
        let mut fmt = Vec::new();
        fmt.extend(self.format_tag.to_le_bytes());
        fmt.extend(self.channels.to_le_bytes());
        fmt.extend(self.sample_rate.to_le_bytes());
        let byte_rate = self
            .byte_rate
            .unwrap_or_else(|| u32::from(self.block_align()).wrapping_mul(self.sample_rate));
        fmt.extend(byte_rate.to_le_bytes());
        fmt.extend(self.block_align().to_le_bytes());
        fmt.extend(self.bits.to_le_bytes());
        match &self.shape {
            FmtShape::Plain => {}
            FmtShape::Ex { cb_size } => fmt.extend(cb_size.to_le_bytes()),
            FmtShape::Extensible {
                valid_bits,
                subformat,
            } => {
                fmt.extend(22u16.to_le_bytes());
                fmt.extend(valid_bits.to_le_bytes());
                fmt.extend(0u32.to_le_bytes());
                fmt.extend(subformat);
            }
        }
        let mut chunks = Vec::new();
        chunks.extend(b"fmt ");
        chunks.extend(self.fmt_len.unwrap_or(fmt.len() as u32).to_le_bytes());
        chunks.extend(&fmt);
        if let Some((id, body)) = &self.extra {
            chunks.extend(id);
            chunks.extend((body.len() as u32).to_le_bytes());
            chunks.extend(body);
        }
        chunks.extend(b"data");
        chunks.extend(
            self.data_len
                .unwrap_or(self.data.len() as u32)
                .to_le_bytes(),
        );
        chunks.extend(&self.data);
        let mut file = b"RIFF".to_vec();
        file.extend(
            self.riff_len
                .unwrap_or(4 + chunks.len() as u32)
                .to_le_bytes(),
        );
        file.extend(b"WAVE");
        file.extend(chunks);
        if let Some(cut) = self.cut {
            file.truncate(cut.index(file.len()));
        }
        file
    }

    /// Whether every field agrees with the others and the format is one the greeting reader
    /// documents (PCM of 8 to 32 bits, or 32-bit float), so reading must succeed.
    fn is_consistent(&self) -> bool {
        let format_ok = match (&self.shape, self.format_tag) {
            (FmtShape::Plain, 1) => matches!(self.bits, 8 | 16 | 24 | 32),
            (FmtShape::Ex { .. }, 1) => matches!(self.bits, 8 | 16 | 24),
            (FmtShape::Plain, 3) | (FmtShape::Ex { cb_size: 0 }, 3) => self.bits == 32,
            (
                FmtShape::Extensible {
                    valid_bits,
                    subformat,
                },
                0xFFFE,
            ) => {
                *valid_bits == self.bits
                    && ((*subformat == SUBTYPE_PCM && matches!(self.bits, 8 | 16 | 24 | 32))
                        || (*subformat == SUBTYPE_FLOAT && self.bits == 32))
            }
            _ => false,
        };
        // A frame's bytes, and a second's, must fit their fields.
        let align = u64::from(self.channels) * u64::from(self.bits / 8);
        format_ok
            && (1..=u64::from(u16::MAX)).contains(&align)
            && align * u64::from(self.sample_rate) <= u64::from(u32::MAX)
            && self.block_align.is_none()
            && self.byte_rate.is_none()
            && self.fmt_len.is_none()
            && self.data_len.is_none()
            && self.riff_len.is_none()
            && self.cut.is_none()
            && self.extra.as_ref().is_none_or(|(id, body)| {
                body.len().is_multiple_of(2) && ![b"fmt ", b"data", b"fact"].contains(&id)
            })
            && (self.data.len() as u64).is_multiple_of(align)
    }

    /// Frames (one sample of every channel) in the data.
    fn frames(&self) -> usize {
        self.data.len() / usize::from(self.block_align().max(1))
    }
}

/// Sample rates: the usual ones, the edges of what the readers take, anything, and rarely a
/// low one that makes a second of sound out of a few hundred bytes.
fn sample_rate() -> impl Strategy<Value = u32> {
    prop_oneof![
        120 => select(&[8_000u32, 8_000, 16_000, 16_000, 11_025, 22_050, 44_100, 48_000][..]),
        20 => select(&[0u32, 999, 1_000, 768_000, 768_001, u32::MAX][..]),
        20 => any::<u32>(),
        1 => 100u32..=200,
    ]
}

/// A WAV file: often consistent, else with fields overridden, the format or sizes wrong, or
/// the file cut short.
fn wav_plan() -> BoxedStrategy<WavPlan> {
    let format = prop_oneof![
        6 => (select(&[8u16, 16, 24, 32][..]), any::<bool>()).prop_map(|(bits, ex)| {
            (1u16, bits, if ex && bits != 32 { FmtShape::Ex { cb_size: 0 } } else { FmtShape::Plain })
        }),
        2 => Just((3u16, 32u16, FmtShape::Plain)),
        2 => (select(&[8u16, 16, 24, 32][..]), any::<bool>()).prop_map(|(bits, float)| {
            let subformat = if float { SUBTYPE_FLOAT } else { SUBTYPE_PCM };
            let bits = if float { 32 } else { bits };
            (0xFFFEu16, bits, FmtShape::Extensible { valid_bits: bits, subformat })
        }),
        1 => (select(&[8u16, 16, 24, 32][..]), prop_oneof![select(&[0u16, 1, 7, 33, 64, 65, 65_535][..]), any::<u16>()])
            .prop_map(|(bits, valid_bits)| {
                (0xFFFEu16, bits, FmtShape::Extensible { valid_bits, subformat: SUBTYPE_PCM })
            }),
        3 => (
            prop_oneof![select(&[0u16, 1, 2, 3, 0xFFFE, 0x55][..]), any::<u16>()],
            prop_oneof![select(&[0u16, 1, 4, 8, 12, 16, 24, 32, 64, 65_535][..]), any::<u16>()],
            prop_oneof![
                Just(FmtShape::Plain),
                any::<u16>().prop_map(|cb_size| FmtShape::Ex { cb_size }),
                (
                    prop_oneof![select(&[0u16, 1, 4, 7, 8, 12, 16, 24, 32, 33, 64, 65_535][..]), any::<u16>()],
                    prop_oneof![Just(SUBTYPE_PCM), Just(SUBTYPE_FLOAT), any::<[u8; 16]>()],
                )
                    .prop_map(|(valid_bits, subformat)| FmtShape::Extensible { valid_bits, subformat }),
            ],
        ),
    ];
    let channels = prop_oneof![4 => 1u16..=2, 1 => 0u16..=8, 1 => any::<u16>()];
    let rarely = |p: f64| move |s: BoxedStrategy<u32>| prop::option::weighted(p, s);
    let sizes = (
        prop::option::weighted(0.1, any::<u16>()),
        rarely(0.1)(any::<u32>().boxed()),
        rarely(0.1)(prop_oneof![select(&[0u32, 14, 16, 17, 18, 40, 41][..]), any::<u32>()].boxed()),
        rarely(0.15)(prop_oneof![select(&[0u32, 1, 3, u32::MAX][..]), any::<u32>()].boxed()),
        rarely(0.1)(any::<u32>().boxed()),
    );
    let extra = prop::option::weighted(
        0.15,
        (
            prop_oneof![
                Just(*b"LIST"),
                Just(*b"fact"),
                Just(*b"data"),
                any::<[u8; 4]>()
            ],
            bytes(16),
        ),
    );
    (
        format,
        channels,
        sample_rate(),
        sizes,
        extra,
        bytes(256),
        prop::option::weighted(0.15, any::<Index>()),
    )
        .prop_map(
            |(
                (format_tag, bits, shape),
                channels,
                sample_rate,
                (block_align, byte_rate, fmt_len, data_len, riff_len),
                extra,
                data,
                cut,
            )| {
                let mut plan = WavPlan {
                    format_tag,
                    channels,
                    sample_rate,
                    bits,
                    shape,
                    block_align,
                    byte_rate,
                    fmt_len,
                    data_len,
                    riff_len,
                    extra,
                    data,
                    cut,
                };
                // Whole frames, so a plan with nothing overridden is a valid file.
                let align = usize::from(plan.block_align().max(1));
                plan.data.truncate(plan.data.len() / align * align);
                plan
            },
        )
        .boxed()
}

/// WAV files as given: built field by field, any bytes, any bytes after a RIFF header, and a
/// few that make a greeting (few: each costs tens of milliseconds of resampling in a debug
/// build).
fn wav_file() -> BoxedStrategy<(Vec<u8>, Option<WavPlan>)> {
    prop_oneof![
        360 => wav_plan().prop_map(|plan| (plan.bytes(), Some(plan))),
        60 => bytes(256).prop_map(|b| (b, None)),
        60 => bytes(64).prop_map(|b| ([b"RIFF\x24\x00\x00\x00WAVEfmt ".as_slice(), &b].concat(), None)),
        1 => greeting_plan().prop_map(|plan| (plan.bytes(), Some(plan))),
    ]
    .boxed()
}

/// A valid mono file of a second or so of noise, 8-bit or float, at a rate low enough that its
/// few hundred bytes make one: it passes every check a greeting goes through.
fn greeting_plan() -> BoxedStrategy<WavPlan> {
    (100u32..=200, any::<bool>())
        .prop_flat_map(|(rate, float)| {
            let width = if float { 4 } else { 1 };
            let frames = rate as usize..=rate as usize * 13 / 10;
            (
                Just((rate, float)),
                vec(any::<u8>(), frames.start() * width..=frames.end() * width),
            )
        })
        .prop_map(|((sample_rate, float), data)| WavPlan {
            format_tag: if float { 3 } else { 1 },
            channels: 1,
            sample_rate,
            bits: if float { 32 } else { 8 },
            shape: FmtShape::Plain,
            block_align: None,
            byte_rate: None,
            fmt_len: None,
            data_len: None,
            riff_len: None,
            extra: None,
            data,
            cut: None,
        })
        .boxed()
}

/// `read_wav` reads every consistent file (all its frames, at its rate) and anything else it
/// accepts as mono samples in -1..=1, and refuses the rest with `InvalidInput`;
/// `prepare_wav_file` turns what it accepts into a 16 kHz WAV of one to 120 seconds normalized
/// to the target peak, and refuses the rest with `InvalidInput`. Never a panic, whatever the
/// header says.
#[test]
fn greeting_wav_files_read_or_are_refused_as_invalid_input() {
    let read = Reached::default();
    let prepared = Reached::default();
    check(wav_file(), |(file, plan)| {
        match read_wav(&file) {
            Ok(audio) => {
                read.hit();
                if let Some(plan) = &plan {
                    prop_assert_eq!(audio.rate, plan.sample_rate);
                    if plan.is_consistent() {
                        prop_assert_eq!(audio.samples.len(), plan.frames());
                    }
                }
                prop_assert!(
                    audio.samples.iter().all(|s| (-1.0..=1.0).contains(s)),
                    "samples are -1..=1, as documented"
                );
            }
            Err(err) => {
                prop_assert_eq!(err.code, Code::InvalidInput, "{}", err.message);
                if let Some(plan) = &plan {
                    prop_assert!(
                        !plan.is_consistent() || plan.sample_rate == 0,
                        "a consistent file was refused: {}",
                        err.message
                    );
                }
            }
        }
        match prepare_wav_file(&file) {
            Ok(greeting) => {
                prepared.hit();
                let audio = read_wav(&greeting).expect("the prepared greeting reads back");
                prop_assert_eq!(audio.rate, GREETING_RATE);
                let ms = audio.samples.len() as u64 * 1000 / u64::from(GREETING_RATE);
                prop_assert!((900..=121_000).contains(&ms), "{ms} ms");
                let peak = audio.samples.iter().fold(0f32, |m, s| m.max(s.abs()));
                prop_assert!((peak - TARGET_PEAK).abs() < 0.01, "peak {peak}");
            }
            Err(err) => prop_assert_eq!(err.code, Code::InvalidInput, "{}", err.message),
        }
        Ok(())
    });
    read.at_least(5, "read as WAV");
    prepared.at_least(2_000, "became a greeting");
}

/// The SIP engine's WAV source reads every consistent file at a supported rate (and plays it
/// for as long as it lasts at 8 kHz), and refuses anything else with a message naming the
/// file. Never a panic, whatever the header says.
#[test]
fn sip_wav_sources_open_or_are_refused_naming_the_file() {
    let dir = scratch_dir();
    let path = dir.path().join("given.wav");
    let opened = Reached::default();
    check(wav_file(), |(file, plan)| {
        std::fs::write(&path, &file).expect("write the file");
        match WavSource::open(&path) {
            Ok(mut source) => {
                opened.hit();
                if let Some(plan) = plan.as_ref().filter(|p| p.is_consistent()) {
                    let step = f64::from(plan.sample_rate) / f64::from(RATE);
                    let samples = (plan.frames() as f64 / step).floor() as usize;
                    let mut frame = [0i16; FRAME];
                    let mut frames = 0;
                    while source.fill(&mut frame) {
                        frames += 1;
                        prop_assert!(frames <= samples.div_ceil(FRAME), "plays past its end");
                    }
                    prop_assert_eq!(frames, samples.div_ceil(FRAME));
                }
            }
            Err(message) => {
                prop_assert!(message.contains("given.wav"), "{message}");
                if let Some(plan) = plan.as_ref().filter(|p| p.is_consistent()) {
                    prop_assert!(
                        plan.frames() == 0 || !(1_000..=768_000).contains(&plan.sample_rate),
                        "a consistent file was refused: {message}"
                    );
                }
            }
        }
        Ok(())
    });
    opened.at_least(10, "opened");
}

// ---------------------------------------------------------------------------------------------
// Voicemail MP3s

/// An MPEG audio frame header, field by field (values outside the standard's tables too).
#[derive(Debug, Clone, Copy)]
struct FrameHeader {
    /// 0 MPEG 2.5, 1 reserved, 2 MPEG 2, 3 MPEG 1.
    version: u8,
    /// 1 Layer III, 2 Layer II, 3 Layer I, 0 reserved.
    layer: u8,
    bitrate: u8,
    rate: u8,
    padding: bool,
    /// 3 mono, else two channels.
    mode: u8,
}

impl FrameHeader {
    fn bytes(self) -> [u8; 4] {
        [
            0xFF,
            0xE0 | (self.version & 3) << 3 | (self.layer & 3) << 1 | 1,
            (self.bitrate & 15) << 4 | (self.rate & 3) << 2 | u8::from(self.padding) << 1,
            (self.mode & 3) << 6,
        ]
    }

    /// Samples per second, for a valid rate field.
    fn sample_rate(self) -> Option<u32> {
        let base = [44_100, 48_000, 32_000].get(usize::from(self.rate))?;
        match self.version {
            3 => Some(*base),
            2 => Some(base / 2),
            0 => Some(base / 4),
            _ => None,
        }
    }

    /// Bytes in a Layer III frame with this header, header included.
    fn frame_len(self) -> Option<usize> {
        const MPEG1: [u32; 15] = [
            0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320,
        ];
        const MPEG2: [u32; 15] = [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160];
        let kbps = if self.version == 3 { MPEG1 } else { MPEG2 }
            .get(usize::from(self.bitrate))
            .copied()
            .filter(|k| *k > 0)?;
        let per_frame = if self.version == 3 { 144 } else { 72 };
        Some((per_frame * kbps * 1000 / self.sample_rate()?) as usize + usize::from(self.padding))
    }

    /// Samples per channel in one Layer III frame.
    fn samples(self) -> u32 {
        if self.version == 3 { 1152 } else { 576 }
    }
}

/// Silent Layer III streams the decoder must accept: MPEG 1 at 44.1 kHz, MPEG 2 at 16 kHz,
/// MPEG 2.5 at 8 kHz (as Twilio records), mono or stereo.
fn silent_header() -> impl Strategy<Value = FrameHeader> {
    (
        select(&[(3u8, 9u8, 0u8), (2, 4, 2), (0, 2, 2), (0, 4, 2)][..]),
        select(&[0u8, 3][..]),
    )
        .prop_map(|((version, bitrate, rate), mode)| FrameHeader {
            version,
            layer: 1,
            bitrate,
            rate,
            padding: false,
            mode,
        })
}

/// A voicemail file as downloaded: silent frames (so it decodes), frames with random headers
/// and bodies, an ID3 tag in front, bytes flipped, a cut-off end, or any bytes; with the
/// length Twilio reported, or none.
#[derive(Debug, Clone)]
struct Mp3Plan {
    file: Vec<u8>,
    /// The silent stream it was built from, untouched: its header and frame count.
    silent: Option<(FrameHeader, u32)>,
    expected: Option<Duration>,
}

fn mp3_plan() -> BoxedStrategy<Mp3Plan> {
    let silent = (silent_header(), 1u32..=8).prop_map(|(header, count)| {
        let len = header.frame_len().expect("a valid header");
        let mut frame = header.bytes().to_vec();
        frame.resize(len, 0);
        (frame.repeat(count as usize), Some((header, count)))
    });
    let random_frames = vec(
        (
            (0u8..4, 0u8..4, 0u8..16, 0u8..4, any::<bool>(), 0u8..4),
            prop_oneof![
                4 => Just(None),
                1 => bytes(64).prop_map(Some),
            ],
        ),
        1..6,
    )
    .prop_map(|frames| {
        let mut file = Vec::new();
        for ((version, layer, bitrate, rate, padding, mode), body) in frames {
            let header = FrameHeader {
                version,
                layer,
                bitrate,
                rate,
                padding,
                mode,
            };
            file.extend(header.bytes());
            match (body, header.frame_len()) {
                (Some(body), _) => file.extend(body),
                (None, Some(len)) => file.extend((0..len - 4).map(|i| (i * 37 % 251) as u8)),
                (None, None) => file.extend([0u8; 32]),
            }
        }
        (file, None)
    });
    let id3 = prop::option::weighted(
        0.2,
        (any::<[u8; 4]>(), bytes(32)).prop_map(|(size, body)| {
            let mut tag = b"ID3\x04\x00\x00".to_vec();
            tag.extend(size.map(|b| b & 0x7F));
            tag.extend(body);
            tag
        }),
    );
    let damage = (
        vec((any::<Index>(), any::<u8>()), 0..4),
        prop::option::weighted(0.2, any::<Index>()),
    );
    let built = (
        prop_oneof![2 => silent, 2 => random_frames],
        id3,
        prop::option::weighted(0.3, damage),
    )
        .prop_map(|((mut file, silent), id3, damage)| {
            let untouched = id3.is_none() && damage.is_none();
            if let Some(tag) = id3 {
                file.splice(0..0, tag);
            }
            if let Some((flips, cut)) = damage {
                for (at, byte) in flips {
                    let i = at.index(file.len());
                    file[i] ^= byte;
                }
                if let Some(cut) = cut {
                    file.truncate(cut.index(file.len()));
                }
            }
            (file, silent.filter(|_| untouched))
        });
    let expected = prop::option::weighted(0.5, (0u64..600_000).prop_map(Duration::from_millis));
    (
        prop_oneof![
            6 => built,
            1 => bytes(256).prop_map(|b| (b, None)),
            1 => bytes(256).prop_map(|b| ([b"ID3".as_slice(), &b].concat(), None)),
            1 => bytes(256).prop_map(|b| ([[0xFF, 0xFB].as_slice(), &b].concat(), None)),
        ],
        expected,
    )
        .prop_map(|((file, silent), expected)| Mp3Plan {
            file,
            silent,
            expected,
        })
        .boxed()
}

/// `analyse_file` answers every downloaded file with an analysis (400 peaks in 0..=1, a rate
/// and channels, and no shorter than the length reported by more than its tolerance) or with
/// the problem it documents: `Empty`, `NotMp3` exactly when the file does not start like MP3,
/// `Corrupt`, or `Truncated`. A silent stream decodes to silence at its own rate.
#[test]
fn voicemail_mp3s_analyse_or_name_their_problem() {
    let dir = scratch_dir();
    let path = dir.path().join("voicemail.mp3");
    let decoded = Reached::default();
    check(mp3_plan(), |plan| {
        std::fs::write(&path, &plan.file).expect("write the file");
        let result = analyse_file(&path, plan.expected);
        let looks_like_mp3 = plan.file.first_chunk::<3>().is_some_and(looks_like_mp3);
        match result {
            Ok(analysis) => {
                decoded.hit();
                prop_assert!(looks_like_mp3);
                prop_assert_eq!(analysis.peaks.len(), PEAK_BUCKETS);
                prop_assert!(analysis.peaks.iter().all(|p| (0.0..=1.0).contains(p)));
                prop_assert!(analysis.sample_rate > 0 && analysis.channels > 0);
                if let Some(expected) = plan.expected {
                    prop_assert!(
                        analysis.duration + Duration::from_millis(1000) + expected / 10 >= expected,
                        "{:?} passed for {:?}",
                        analysis.duration,
                        expected
                    );
                }
                if let Some((header, frames)) = plan.silent {
                    prop_assert_eq!(Some(analysis.sample_rate), header.sample_rate());
                    prop_assert_eq!(analysis.channels, if header.mode == 3 { 1 } else { 2 });
                    prop_assert!(analysis.peaks.iter().all(|p| *p == 0.0), "silence");
                    let longest = Duration::from_secs_f64(
                        f64::from(header.samples() * frames)
                            / f64::from(header.sample_rate().unwrap()),
                    );
                    prop_assert!(
                        analysis.duration <= longest,
                        "{:?} of {:?}",
                        analysis.duration,
                        longest
                    );
                }
            }
            Err(AudioProblem::Empty) => prop_assert!(plan.file.is_empty()),
            Err(AudioProblem::NotMp3) => prop_assert!(!plan.file.is_empty() && !looks_like_mp3),
            Err(AudioProblem::Corrupt(_)) => {
                prop_assert!(looks_like_mp3);
                prop_assert!(plan.silent.is_none(), "a silent stream decodes");
            }
            Err(AudioProblem::Truncated {
                played_ms,
                expected_ms,
            }) => {
                prop_assert!(looks_like_mp3);
                prop_assert!(played_ms < expected_ms);
                if plan.silent.is_some() {
                    let expected = plan.expected.map(|e| e.as_millis() as u64);
                    prop_assert!(
                        expected.is_some_and(|e| e >= expected_ms),
                        "only Twilio's length can cut it short"
                    );
                }
            }
            Err(problem) => prop_assert!(false, "{problem:?} for a file that is there and small"),
        }
        Ok(())
    });
    decoded.at_least(10, "decoded");
}

// ---------------------------------------------------------------------------------------------
// TwiML

/// Whether XML 1.0 allows `c` in a document at all (its `Char` production).
fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// An element read back from XML: name, attributes, text and child elements.
#[derive(Debug, Clone, PartialEq, Default)]
struct Node {
    name: String,
    attrs: BTreeMap<String, String>,
    text: String,
    children: Vec<Node>,
}

impl Node {
    fn new(name: &str, attrs: &[(&str, &str)], text: &str, children: Vec<Node>) -> Self {
        Self {
            name: name.to_owned(),
            attrs: attrs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            text: text.to_owned(),
            children,
        }
    }
}

/// The element being read, for text that must be inside one.
fn innermost(open: &mut [Node]) -> Result<&mut Node, String> {
    open.last_mut()
        .ok_or_else(|| "text outside the root element".to_owned())
}

/// Reads `xml` with quick-xml as a conforming parser reads it (line ends and attribute values
/// normalized, references resolved), checking that it is one well-formed element after the
/// XML declaration and holds only characters XML allows.
fn read_xml(xml: &str) -> Result<Node, String> {
    use quick_xml::escape::resolve_predefined_entity;
    use quick_xml::events::{BytesStart, Event};

    if let Some(bad) = xml.chars().find(|c| !is_xml_char(*c)) {
        return Err(format!("{bad:?} is not allowed in XML"));
    }
    let element = |start: &BytesStart| -> Result<Node, String> {
        let mut node = Node {
            name: String::from_utf8(start.name().as_ref().to_vec()).map_err(|e| e.to_string())?,
            ..Node::default()
        };
        for attr in start.attributes() {
            let attr = attr.map_err(|e| e.to_string())?;
            let name = String::from_utf8(attr.key.as_ref().to_vec()).map_err(|e| e.to_string())?;
            let value = attr
                .normalized_value(quick_xml::XmlVersion::Explicit1_0)
                .map_err(|e| e.to_string())?;
            if let Some(c) = value.chars().find(|c| !is_xml_char(*c)) {
                return Err(format!("attribute {name} refers to {c:?}"));
            }
            node.attrs.insert(name, value.into_owned());
        }
        Ok(node)
    };
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut open: Vec<Node> = Vec::new();
    let mut root = None;
    let mut declared = false;
    loop {
        let event = reader.read_event().map_err(|e| e.to_string())?;
        match event {
            Event::Decl(decl) if !declared && open.is_empty() && root.is_none() => {
                let version = decl.version().map_err(|e| e.to_string())?;
                if version.as_ref() != b"1.0" {
                    return Err("not XML 1.0".into());
                }
                declared = true;
            }
            Event::Start(start) if root.is_none() => open.push(element(&start)?),
            Event::Empty(start) if root.is_none() => {
                let node = element(&start)?;
                match open.last_mut() {
                    Some(parent) => parent.children.push(node),
                    None => root = Some(node),
                }
            }
            Event::End(_) => {
                let node = open.pop().ok_or("an end tag with no start")?;
                match open.last_mut() {
                    Some(parent) => parent.children.push(node),
                    None => root = Some(node),
                }
            }
            Event::Text(text) => {
                let text = text.xml10_content().map_err(|e| e.to_string())?;
                innermost(&mut open)?.text.push_str(&text);
            }
            Event::GeneralRef(reference) => {
                let resolved = match reference.resolve_char_ref().map_err(|e| e.to_string())? {
                    Some(c) if is_xml_char(c) => c.to_string(),
                    Some(c) => return Err(format!("a reference to {c:?}")),
                    None => {
                        let name = reference.decode().map_err(|e| e.to_string())?;
                        resolve_predefined_entity(&name)
                            .ok_or(format!("an unknown entity {name:?}"))?
                            .to_owned()
                    }
                };
                innermost(&mut open)?.text.push_str(&resolved);
            }
            Event::Eof if declared && open.is_empty() => {
                return root.ok_or_else(|| "no root element".to_owned());
            }
            other => return Err(format!("unexpected {other:?}")),
        }
    }
}

/// User text in TwiML, whatever it holds, makes a well-formed document that reads back as
/// that text (less the characters XML cannot carry at all), in element text and in
/// attributes alike, nested or not: nothing breaks out of its element.
#[test]
fn twiml_escapes_any_text_into_well_formed_xml_that_reads_back() {
    check(vec(text(10), 8), |t| {
        let response = Response::new()
            .say(Say::new(t[0].clone()).voice(&t[1]))
            .redirect(&t[2], Some(&t[3]))
            .dial(
                Dial::new()
                    .caller_id(&t[4])
                    .noun(DialNoun::Client(t[5].clone()))
                    .room(&t[6], true),
            )
            .gather(Gather::new().say(Say::new(t[7].clone())));
        let xml = response.to_xml();
        let read = read_xml(&xml).map_err(|e| TestCaseError::fail(format!("{e} in {xml:?}")))?;
        // What a reader gets back: XML has no way to carry the other characters, and a reader
        // turns a line end in text (not in an attribute, where it is a reference) into `\n`.
        let kept: Vec<String> = t
            .iter()
            .map(|s| s.chars().filter(|c| is_xml_char(*c)).collect())
            .collect();
        let text: Vec<String> = kept
            .iter()
            .map(|s| s.replace("\r\n", "\n").replace('\r', "\n"))
            .collect();
        let attr = |i: usize| kept[i].as_str();
        let text = |i: usize| text[i].as_str();
        let conference = [
            ("beep", "false"),
            ("endConferenceOnExit", "true"),
            ("startConferenceOnEnter", "true"),
        ];
        let expected = Node::new(
            "Response",
            &[],
            "",
            vec![
                Node::new("Say", &[("voice", attr(1))], text(0), vec![]),
                Node::new("Redirect", &[("method", attr(3))], text(2), vec![]),
                Node::new(
                    "Dial",
                    &[("callerId", attr(4))],
                    "",
                    vec![
                        Node::new("Client", &[], text(5), vec![]),
                        Node::new("Conference", &conference, text(6), vec![]),
                    ],
                ),
                Node::new(
                    "Gather",
                    &[],
                    "",
                    vec![Node::new("Say", &[], text(7), vec![])],
                ),
            ],
        );
        prop_assert_eq!(read, expected, "{}", xml);
        Ok(())
    });
}

// ---------------------------------------------------------------------------------------------
// RTP and SDP from the far end of a SIP call

/// An RTP packet as its fields, some possibly lying about the lengths that follow.
#[derive(Debug, Clone)]
struct RtpPlan {
    version: u8,
    marker: bool,
    payload_type: u8,
    sequence: u16,
    timestamp: u32,
    ssrc: u32,
    csrcs: Vec<u32>,
    /// The extension's words, and the length its header claims when that lies.
    extension: Option<(Vec<u32>, Option<u16>)>,
    payload: Vec<u8>,
    /// Padding bytes, and the count the last byte claims when that lies.
    padding: Option<(u8, Option<u8>)>,
    cut: Option<Index>,
}

impl RtpPlan {
    fn bytes(&self) -> Vec<u8> {
        let mut out = vec![
            (self.version & 3) << 6
                | u8::from(self.padding.is_some()) << 5
                | u8::from(self.extension.is_some()) << 4
                | self.csrcs.len() as u8,
            u8::from(self.marker) << 7 | self.payload_type,
        ];
        out.extend(self.sequence.to_be_bytes());
        out.extend(self.timestamp.to_be_bytes());
        out.extend(self.ssrc.to_be_bytes());
        for csrc in &self.csrcs {
            out.extend(csrc.to_be_bytes());
        }
        if let Some((words, claimed)) = &self.extension {
            out.extend(0xBEDEu16.to_be_bytes());
            out.extend(claimed.unwrap_or(words.len() as u16).to_be_bytes());
            for word in words {
                out.extend(word.to_be_bytes());
            }
        }
        out.extend(&self.payload);
        if let Some((count, claimed)) = self.padding {
            out.extend(std::iter::repeat_n(0, usize::from(count) - 1));
            out.push(claimed.unwrap_or(count));
        }
        if let Some(cut) = self.cut {
            out.truncate(cut.index(out.len()));
        }
        out
    }

    /// Whether the packet is well formed: version 2, and every length true.
    fn is_valid(&self) -> bool {
        self.version == 2
            && self.cut.is_none()
            && self
                .extension
                .as_ref()
                .is_none_or(|(_, claimed)| claimed.is_none())
            && self.padding.is_none_or(|(_, claimed)| claimed.is_none())
    }
}

fn rtp_plan() -> BoxedStrategy<RtpPlan> {
    (
        (
            prop_oneof![5 => Just(2u8), 1 => 0u8..4],
            any::<bool>(),
            0u8..128,
        ),
        (any::<u16>(), any::<u32>(), any::<u32>()),
        vec(any::<u32>(), 0..=15),
        prop::option::weighted(
            0.3,
            (
                vec(any::<u32>(), 0..4),
                prop::option::weighted(0.3, any::<u16>()),
            ),
        ),
        bytes(48),
        prop::option::weighted(0.3, (1u8..=16, prop::option::weighted(0.3, any::<u8>()))),
        prop::option::weighted(0.1, any::<Index>()),
    )
        .prop_map(
            |(
                (version, marker, payload_type),
                (sequence, timestamp, ssrc),
                csrcs,
                extension,
                payload,
                padding,
                cut,
            )| RtpPlan {
                version,
                marker,
                payload_type,
                sequence,
                timestamp,
                ssrc,
                csrcs,
                extension,
                payload,
                padding,
                cut,
            },
        )
        .boxed()
}

/// `Packet::parse` reads a well-formed packet (CSRCs, extension and padding skipped) as the
/// fields and payload it was built from; any datagram is either a packet whose payload lies
/// within it and which writes and parses back the same, or `Truncated` (shorter than its
/// headers say) or `Version` (a full header that is not RTP version 2).
#[test]
fn rtp_packets_parse_to_their_fields_or_a_parse_error() {
    let strategy = prop_oneof![
        4 => rtp_plan().prop_map(|plan| (plan.bytes(), Some(plan))),
        1 => bytes(64).prop_map(|b| (b, None)),
    ];
    check(strategy, |(datagram, plan)| {
        let parsed = Packet::parse(&datagram);
        if let Some(plan) = plan.as_ref().filter(|p| p.is_valid()) {
            let expected = Packet {
                payload_type: plan.payload_type,
                marker: plan.marker,
                sequence: plan.sequence,
                timestamp: plan.timestamp,
                ssrc: plan.ssrc,
                payload: &plan.payload,
            };
            prop_assert_eq!(parsed, Ok(expected));
        }
        match parsed {
            Ok(packet) => {
                prop_assert!(datagram.len() >= 12 && datagram[0] >> 6 == 2);
                let mut written = Vec::new();
                packet.write(&mut written);
                prop_assert_eq!(Packet::parse(&written), Ok(packet));
            }
            Err(ParseError::Version) => {
                prop_assert!(datagram.len() >= 12 && datagram[0] >> 6 != 2);
            }
            Err(ParseError::Truncated) => {
                // The version is checked first: a short packet of version 2, or a short datagram.
                prop_assert!(datagram.len() < 12 || datagram[0] >> 6 == 2);
            }
        }
        Ok(())
    });
}

/// A change to one line of an SDP body.
#[derive(Debug, Clone)]
enum LineEdit {
    Delete,
    Duplicate,
    Replace(String),
    Insert(String),
}

/// Lines a far end might send, right or wrong.
fn sdp_line() -> BoxedStrategy<String> {
    prop_oneof![
        select(
            &[
                "m=video 9 RTP/AVP 31",
                "m=audio 0 RTP/AVP 0",
                "m=audio 5004 RTP/SAVP 0 8",
                "m=audio 70000 RTP/AVP 0",
                "m=audio 5004/2 RTP/AVP 0",
                "m=audio 5004 RTP/AVP 0 300",
                "m=audio 5004 RTP/AVP",
                "m=audio 5004 UDP/TLS/RTP/SAVPF 111 0",
                "c=IN IP4 203.0.113.7",
                "c=IN IP6 2001:db8::1",
                "c=IN IP4 2001:db8::1",
                "c=IN IP4 203.0.113.7/127",
                "c=IN",
                "a=rtpmap:111 opus/48000/2",
                "a=rtpmap:0 PCMA/8000",
                "a=rtpmap:96 telephone-event/8000",
                "a=rtpmap:999 PCMU/8000",
                "a=rtpmap:",
                "a=sendonly",
                "a=inactive",
                "v=1",
                "=",
                "x",
            ][..]
        )
        .prop_map(String::from),
        re("[a-z]=[ -~]{0,30}"),
        text(20),
    ]
    .boxed()
}

fn law() -> impl Strategy<Value = Law> {
    prop_oneof![Just(Law::Mu), Just(Law::A)]
}

fn direction() -> impl Strategy<Value = Direction> {
    select(
        &[
            Direction::SendRecv,
            Direction::SendOnly,
            Direction::RecvOnly,
            Direction::Inactive,
        ][..],
    )
}

/// Our own description as a far end would send it, with what `negotiate` must make of it.
fn described() -> BoxedStrategy<(String, Remote)> {
    let address = prop_oneof![
        any::<[u8; 4]>().prop_map(std::net::IpAddr::from),
        any::<[u8; 16]>().prop_map(std::net::IpAddr::from),
    ];
    (
        address,
        1u16..,
        any::<u64>(),
        any::<u64>(),
        direction(),
        prop::option::of((law(), prop::option::of(96u8..128))),
    )
        .prop_map(|(ip, port, session, version, direction, only)| {
            let local = Local {
                rtp: SocketAddr::new(ip, port),
                session,
                version,
                direction,
                crypto: None,
            };
            let (law, telephone_event) = only.unwrap_or((Law::Mu, Some(TELEPHONE_EVENT)));
            let remote = Remote {
                rtp: local.rtp,
                rtcp: SocketAddr::new(ip, port.saturating_add(1)),
                crypto: None,
                law,
                telephone_event,
                direction,
            };
            (describe(&local, only), remote)
        })
        .boxed()
}

/// `negotiate` reads our own description back as the address, codec, events and direction it
/// offers, with either line ending; and any description at all, however its lines are
/// deleted, repeated, replaced or added to, either negotiates a G.711 stream on a real port
/// or is refused as `Malformed`, `NoCommonCodec` or `NoCommonCrypto`.
#[test]
fn sdp_negotiates_a_g711_stream_or_is_refused() {
    let edit = prop_oneof![
        Just(LineEdit::Delete),
        Just(LineEdit::Duplicate),
        sdp_line().prop_map(LineEdit::Replace),
        sdp_line().prop_map(LineEdit::Insert),
    ];
    let strategy = prop_oneof![
        4 => (described(), vec((any::<Index>(), edit), 0..4), any::<bool>())
            .prop_map(|((sdp, remote), edits, bare)| (sdp, Some(remote), edits, bare)),
        1 => text(200).prop_map(|t| (t, None, Vec::new(), false)),
    ];
    check(strategy, |(sdp, remote, edits, bare_newlines)| {
        let mut lines: Vec<String> = sdp.split("\r\n").map(str::to_owned).collect();
        for (at, edit) in &edits {
            let i = at.index(lines.len());
            match edit {
                LineEdit::Delete => {
                    lines.remove(i);
                }
                LineEdit::Duplicate => lines.insert(i, lines[i].clone()),
                LineEdit::Replace(line) => lines[i] = line.clone(),
                LineEdit::Insert(line) => lines.insert(i, line.clone()),
            }
            if lines.is_empty() {
                lines.push(String::new());
            }
        }
        let sdp = lines.join(if bare_newlines { "\n" } else { "\r\n" });
        let negotiated = negotiate(&sdp);
        if edits.is_empty()
            && let Some(remote) = remote
        {
            prop_assert_eq!(negotiated.clone(), Ok(remote), "{}", sdp);
        }
        match negotiated {
            Ok(remote) => prop_assert_ne!(remote.rtp.port(), 0),
            Err(
                SdpError::Malformed(_) | SdpError::NoCommonCodec(_) | SdpError::NoCommonCrypto(_),
            ) => {}
        }
        Ok(())
    });
}

// ---------------------------------------------------------------------------------------------
// Fields users type: S3 archive settings, Twilio URLs, countries, regions, methods, secrets

/// S3 settings as Settings sends them: usual values, near misses, and anything.
fn archive_settings() -> BoxedStrategy<ArchiveSettingsInput> {
    #[rustfmt::skip]
    const ENDPOINTS: &[&str] = &[
        "https://s3.example.com/", "http://127.0.0.1:9000", " https://r2.test ",
        "ftp://s3.example.com", "s3.example.com", "http://", "", " ",
    ];
    let endpoint = prop::option::of(prop_oneof![
        3 => select(ENDPOINTS).prop_map(String::from),
        1 => text(24),
    ]);
    let region = prop_oneof![
        4 => re("[a-z]{2}-[a-z]{4,9}-[0-9]"),
        1 => re("[ a-zA-Z0-9_-]{0,12}"),
        1 => text(8),
    ];
    let bucket = prop_oneof![
        4 => re("[ ]?[a-z0-9.-]{1,66}[ ]?"),
        1 => re("[a-zA-Z0-9._-]{0,8}"),
        1 => text(12),
    ];
    let key = prop_oneof![4 => re("AKIA[A-Z0-9]{16}"), 1 => re("[ \t]{0,2}"), 1 => text(8)];
    let secret = prop::option::of(prop_oneof![
        4 => re("[A-Za-z0-9/+]{40}"),
        1 => re("[ \t]{0,2}"),
        1 => text(8),
    ]);
    (endpoint, region, bucket, key, secret, any::<(bool, bool)>())
        .prop_map(
            |(endpoint, region, bucket, access_key_id, secret_access_key, (path_style, delete))| {
                ArchiveSettingsInput {
                    endpoint,
                    region,
                    bucket,
                    path_style,
                    access_key_id,
                    secret_access_key,
                    delete_from_twilio: delete,
                }
            },
        )
        .boxed()
}

/// Whether S3 settings are valid as `ArchiveSettingsInput::validate` documents them, written
/// from its documentation and messages rather than its code.
fn archive_settings_are_valid(input: &ArchiveSettingsInput) -> bool {
    let endpoint_ok = match input.endpoint.as_deref().map(str::trim) {
        None | Some("") => true,
        Some(endpoint) => url::Url::parse(endpoint)
            .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some()),
    };
    let region = input.region.trim();
    let bucket = input.bucket.trim();
    endpoint_ok
        && !region.is_empty()
        && region
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && (3..=63).contains(&bucket.len())
        && bucket
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-')
        && !input.access_key_id.trim().is_empty()
        && input
            .secret_access_key
            .as_deref()
            .is_none_or(|s| !s.trim().is_empty())
}

/// S3 archive settings are accepted exactly when every field has the documented form, and
/// then kept trimmed; anything else is refused with `InvalidInput`.
#[test]
fn s3_archive_settings_validate_as_documented() {
    let valid = Reached::default();
    check(archive_settings(), |input| {
        match input.validate() {
            Ok(()) => {
                valid.hit();
                prop_assert!(archive_settings_are_valid(&input), "{input:?} passed");
                let kept = input.settings();
                prop_assert_eq!(kept.bucket.as_str(), input.bucket.trim());
                prop_assert_eq!(kept.region.as_str(), input.region.trim());
                prop_assert_eq!(kept.access_key_id.as_str(), input.access_key_id.trim());
                if let Some(endpoint) = &kept.endpoint {
                    prop_assert!(!endpoint.ends_with('/') && endpoint.trim() == endpoint);
                    prop_assert!(url::Url::parse(endpoint).is_ok(), "{endpoint:?} kept");
                }
            }
            Err(err) => {
                prop_assert_eq!(err.code, Code::InvalidInput);
                prop_assert!(
                    !archive_settings_are_valid(&input),
                    "{input:?}: {}",
                    err.message
                );
            }
        }
        Ok(())
    });
    valid.at_least(20, "were valid settings");
}

/// The other fields users type are accepted exactly in their documented form, and refused
/// with their documented error, which names the field where the function takes one: webhook
/// URLs (`check_url`), API base URLs (`ApiBase::custom`), countries (`check_country`), regions
/// and edges (`validate_location`), webhook methods, call statuses, and API key secrets.
#[test]
fn typed_fields_are_accepted_exactly_in_their_documented_form() {
    let input = prop_oneof![
        select(
            &[
                "https://example.com/voice",
                " http://127.0.0.1:8080/x?y=1 ",
                "ftp://example.com",
                "https://",
                "example.com",
                "US",
                "gb",
                " de ",
                "XX",
                "ie1",
                "dublin",
                "-ie1",
                "IE1",
                "GET",
                " post ",
                "PUT",
                "in-progress",
                "Completed",
                "unknown",
                "queued "
            ][..]
        )
        .prop_map(String::from),
        re("[a-z0-9-]{0,34}"),
        re("[A-Za-z0-9]{30,34}"),
        text(24),
    ];
    check((re("[A-Za-z]{1,8}"), input), |(field, raw)| {
        let named = |message: &str| message.starts_with(&format!("{field}: "));
        let http_url = |s: &str| {
            url::Url::parse(s.trim())
                .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
        };

        match check_url(&field, &raw) {
            Ok(url) => {
                prop_assert!(http_url(&raw));
                prop_assert!(http_url(&url), "{url:?} is the URL normalized");
            }
            Err(TwilioError::Invalid(message)) => {
                prop_assert!(!http_url(&raw) && named(&message), "{message:?}");
            }
            Err(other) => prop_assert!(false, "{other:?}"),
        }
        prop_assert_eq!(ApiBase::custom(&raw).is_ok(), http_url(&raw));

        let code = raw.trim().to_ascii_uppercase();
        match check_country(&raw) {
            Ok(country) => prop_assert!(country == code && code.len() == 2),
            Err(TwilioError::Invalid(message)) => prop_assert!(message.starts_with("Country: ")),
            Err(other) => prop_assert!(false, "{other:?}"),
        }

        let label = !raw.is_empty()
            && raw.len() <= 32
            && raw
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !raw.starts_with('-')
            && !raw.ends_with('-');
        prop_assert_eq!(validate_location("region", &raw).is_ok(), label);

        match WebhookMethod::parse(&field, &raw) {
            Ok(method) => prop_assert_eq!(method.as_str(), code.as_str()),
            Err(TwilioError::Invalid(message)) => {
                prop_assert!(code != "GET" && code != "POST" && named(&message));
            }
            Err(other) => prop_assert!(false, "{other:?}"),
        }

        let status = CallStatus::parse(&raw);
        if let Some(status) = status {
            prop_assert_eq!(status.as_str(), raw.trim().to_ascii_lowercase());
            prop_assert_eq!(CallStatus::parse(status.as_str()), Some(status));
        }

        let secret = raw.len() == 32 && raw.bytes().all(|b| b.is_ascii_alphanumeric());
        prop_assert_eq!(validate_api_key_secret(&raw).is_ok(), secret);
        Ok(())
    });
}
