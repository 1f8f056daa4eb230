//! What a greeting is, the one rule that picks the greeting a caller hears, and how its
//! words are said (pronunciations).
//!
//! A greeting is a default, an after-hours greeting (it applies outside weekly opening hours
//! in the account's time zone) or a holiday greeting (it applies on a range of local dates).
//! [`active_greeting`] is the rule; the routing functions (`src/routing/functions/schedule.js`)
//! implement the same rule at call time, and both are checked against the same vectors in
//! `tests/fixtures/greeting-schedule-cases.json`.

use jiff::civil::{Date, Time};
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// What kind of greeting, which decides when it plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum GreetingKind {
    /// When nothing else applies.
    Default,
    /// Outside the weekly opening hours.
    AfterHours,
    /// On a range of dates.
    Holiday,
}

/// Text to speech: what `<Say>` speaks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Say {
    /// The words.
    pub text: String,
    /// An Amazon Polly voice Twilio supports, such as `Polly.Joanna-Neural`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub voice: Option<String>,
    /// The language, such as `en-US`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
}

/// Opening hours on some weekdays, in local time: `from` inclusive, `to` exclusive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(rename = "OpeningHours")]
pub struct Window {
    /// 0 is Sunday … 6 is Saturday.
    pub days: Vec<u8>,
    /// `HH:MM`.
    pub from: String,
    /// `HH:MM`, or `24:00` for the end of the day.
    pub to: String,
}

/// A greeting as the routing plays it (the `greetings` of the routing configuration).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Greeting {
    /// Stable identifier.
    pub id: String,
    /// When it plays.
    pub kind: GreetingKind,
    /// Recorded audio (played with `<Play>`); wins over `say`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Text to speech.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub say: Option<Say>,
    /// Opening hours, for after-hours greetings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub open: Option<Vec<Window>>,
    /// First local date (`YYYY-MM-DD`), for holidays.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// Last local date, inclusive, for holidays.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
}

/// Seconds since local midnight of `HH:MM` (`24:00` allowed when `end`).
fn clock(raw: &str, end: bool) -> Option<i32> {
    let (h, m) = raw.split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    let (h, m): (i32, i32) = (h.parse().ok()?, m.parse().ok()?);
    match (h, m) {
        (24, 0) if end => Some(86_400),
        (0..=23, 0..=59) => Some(h * 3600 + m * 60),
        _ => None,
    }
}

/// Why a greeting cannot be used, or `None` when it can.
pub fn problem(g: &Greeting) -> Option<String> {
    if g.id.trim().is_empty() {
        return Some("A greeting needs an id.".into());
    }
    match (&g.url, &g.say) {
        (Some(url), _) if !(url.starts_with("https://") || url.starts_with("http://")) => {
            return Some(format!("The audio URL {url:?} is not an http(s) URL."));
        }
        (None, Some(say)) if say.text.trim().is_empty() => {
            return Some("The text to speak is empty.".into());
        }
        (None, None) => return Some("A greeting needs recorded audio or text to speak.".into()),
        _ => {}
    }
    match g.kind {
        GreetingKind::Default => None,
        GreetingKind::Holiday => {
            let from = g.from.as_deref().and_then(|d| d.parse::<Date>().ok());
            let to = g.to.as_deref().and_then(|d| d.parse::<Date>().ok());
            match (from, to) {
                (Some(from), Some(to)) if from <= to => None,
                (Some(_), Some(_)) => Some("A holiday ends before it starts.".into()),
                _ => Some("A holiday needs its first and last dates as YYYY-MM-DD.".into()),
            }
        }
        GreetingKind::AfterHours => {
            let Some(open) = &g.open else {
                return Some("After-hours greetings need opening hours.".into());
            };
            for w in open {
                let (from, to) = (clock(&w.from, false), clock(&w.to, true));
                if w.days.is_empty() || w.days.iter().any(|d| *d > 6) {
                    return Some(
                        "Opening hours need weekdays from 0 (Sunday) to 6 (Saturday).".into(),
                    );
                }
                match (from, to) {
                    (Some(f), Some(t)) if f < t => {}
                    _ => {
                        return Some(format!(
                            "Opening hours {}-{} are not HH:MM to a later HH:MM.",
                            w.from, w.to
                        ));
                    }
                }
            }
            None
        }
    }
}

/// The time zone `tz`, or UTC when it is unknown (as the routing functions do).
pub fn zone(tz: &str) -> TimeZone {
    TimeZone::get(tz).unwrap_or(TimeZone::UTC)
}

/// A holiday greeting's first and last dates, which [`problem`] has checked.
fn holiday_dates(g: &Greeting) -> (Date, Date) {
    let date = |d: &Option<String>| -> Date {
        d.as_deref()
            .and_then(|d| d.parse().ok())
            .expect("checked by problem()")
    };
    (date(&g.from), date(&g.to))
}

/// The greeting a caller hears at `at` in time zone `tz`:
/// 1. a holiday whose local dates include the day (the shortest range; on a tie, the later);
/// 2. else the first after-hours greeting whose opening hours exclude the local time;
/// 3. else the last default; 4. else none (the routing then speaks a built-in message).
///
/// Local time is the wall clock in `tz`: an hour skipped by daylight saving never happens, and
/// a repeated hour counts both times. Greetings with a [`problem`] are ignored.
pub fn active_greeting<'a>(
    greetings: &'a [Greeting],
    tz: &TimeZone,
    at: jiff::Timestamp,
) -> Option<&'a Greeting> {
    let local = at.to_zoned(tz.clone());
    let date = local.date();
    let weekday = i32::from(local.weekday().to_sunday_zero_offset());
    let time: Time = local.time();
    let seconds =
        i32::from(time.hour()) * 3600 + i32::from(time.minute()) * 60 + i32::from(time.second());
    let usable = || greetings.iter().filter(|g| problem(g).is_none());

    let span = |g: &Greeting| -> i64 {
        let (from, to) = holiday_dates(g);
        i64::from((to - from).get_days())
    };
    let mut holiday: Option<&Greeting> = None;
    for g in usable().filter(|g| g.kind == GreetingKind::Holiday) {
        let (from, to) = holiday_dates(g);
        if date < from || date > to {
            continue;
        }
        if holiday.is_none_or(|h| span(g) <= span(h)) {
            holiday = Some(g);
        }
    }
    if holiday.is_some() {
        return holiday;
    }
    let open_now = |open: &[Window]| {
        open.iter().any(|w| {
            let (from, to) = (
                clock(&w.from, false).unwrap_or(0),
                clock(&w.to, true).unwrap_or(0),
            );
            w.days.iter().any(|d| i32::from(*d) == weekday) && seconds >= from && seconds < to
        })
    };
    if let Some(g) = usable()
        .find(|g| g.kind == GreetingKind::AfterHours && !open_now(g.open.as_deref().unwrap_or(&[])))
    {
        return Some(g);
    }
    greetings
        .iter()
        .rev()
        .find(|g| g.kind == GreetingKind::Default && problem(g).is_none())
}

/// How text-to-speech should say a word it gets wrong.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Pronunciation {
    /// The word as written, such as `PixlyPro`.
    pub term: String,
    /// What to say instead, such as `Pixly Pro`.
    pub say_as: String,
}

/// `text` with every whole-word occurrence of each term (any case) replaced by how it is
/// said. Longer terms go first, so `PixlyPro Max` wins over `PixlyPro`.
pub fn pronounce(text: &str, list: &[Pronunciation]) -> String {
    let mut sorted: Vec<&Pronunciation> = list.iter().filter(|p| !p.term.is_empty()).collect();
    sorted.sort_by_key(|p| std::cmp::Reverse(p.term.chars().count()));
    let lower: Vec<char> = text.chars().flat_map(char::to_lowercase).collect();
    let chars: Vec<char> = text.chars().collect();
    if lower.len() != chars.len() {
        // Case folding changed the length (rare scripts): match exactly instead.
        return sorted
            .iter()
            .fold(text.to_owned(), |t, p| t.replace(&p.term, &p.say_as));
    }
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    'outer: while i < chars.len() {
        let boundary_before = i == 0 || !chars[i - 1].is_alphanumeric();
        if boundary_before {
            for p in &sorted {
                let term: Vec<char> = p.term.chars().flat_map(char::to_lowercase).collect();
                let end = i + term.len();
                if end <= chars.len()
                    && lower[i..end] == term[..]
                    && (end == chars.len() || !chars[end].is_alphanumeric())
                {
                    out.push_str(&p.say_as);
                    i = end;
                    continue 'outer;
                }
            }
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}

#[cfg(test)]
mod pronounce_tests {
    use super::*;

    #[test]
    fn whole_words_are_replaced_in_any_case_longest_first() {
        let list = [
            Pronunciation {
                term: "PixlyPro".into(),
                say_as: "Pixly Pro".into(),
            },
            Pronunciation {
                term: "PixlyPro Max".into(),
                say_as: "Pixly Pro Max".into(),
            },
            Pronunciation {
                term: "SQL".into(),
                say_as: "sequel".into(),
            },
        ];
        assert_eq!(
            pronounce(
                "Thanks for calling PixlyPro. pixlypro max owners, press 1. MySQL is not SQL.",
                &list
            ),
            "Thanks for calling Pixly Pro. Pixly Pro Max owners, press 1. MySQL is not sequel."
        );
        assert_eq!(pronounce("nothing to do", &list), "nothing to do");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn say(id: &str, kind: GreetingKind) -> Greeting {
        Greeting {
            id: id.into(),
            kind,
            url: None,
            say: Some(Say {
                text: "Hello".into(),
                voice: None,
                language: None,
            }),
            open: None,
            from: None,
            to: None,
        }
    }

    #[test]
    fn malformed_greetings_are_named_and_ignored() {
        let mut g = say("a", GreetingKind::AfterHours);
        g.open = Some(vec![Window {
            days: vec![1],
            from: "18:00".into(),
            to: "09:00".into(),
        }]);
        assert!(problem(&g).unwrap().contains("18:00-09:00"));
        let mut h = say("h", GreetingKind::Holiday);
        h.from = Some("2026-12-26".into());
        h.to = Some("2026-12-24".into());
        assert!(problem(&h).unwrap().contains("ends before"));
        let d = say("d", GreetingKind::Default);
        let at: jiff::Timestamp = "2026-12-25T12:00:00Z".parse().unwrap();
        let all = [g, h, d];
        assert_eq!(
            active_greeting(&all, &zone("America/New_York"), at)
                .unwrap()
                .id,
            "d"
        );
    }
}
