'use strict';

// Private helper of the Switchboard routing service: reads the configuration the desktop app
// writes into the service's environment variables and decides which greeting is active.
// Pure (no I/O, no Twilio globals) so the same rules can be tested with plain node and mirrored
// by the Rust side; see README.md for the contract.

const CONFIG_VERSION = 1;
const CONFIG_VAR = 'SWITCHBOARD_CONFIG';

const RING_DEFAULT = 25;
const RING_MIN = 5;
const RING_MAX = 60;
const MAX_RECORD_DEFAULT = 120;
const MAX_RECORD_MIN = 5;
const MAX_RECORD_MAX = 600;

const KINDS = ['default', 'after_hours', 'holiday'];
const E164 = /^\+[1-9]\d{6,14}$/;
const CLOCK = /^(?:[01]\d|2[0-3]):[0-5]\d$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DAY_MS = 86400000;

/** True when `s` is a string in E.164 form: "+", a non-zero digit, then 6 to 14 digits. */
function isE164(s) {
  return typeof s === 'string' && E164.test(s);
}

// A registered desktop's address: `sip:user@name.sip.twilio.com`.
const SIP_URI = /^sip:[a-z0-9-]{1,32}@[a-z0-9-]+(\.[a-z0-9-]+)*\.sip(\.[a-z0-9-]+)?\.twilio\.com$/;

function isSipUri(s) {
  return typeof s === 'string' && SIP_URI.test(s);
}

/**
 * Reads the configuration from the function context (the service's environment variables).
 *
 * The JSON is split over SWITCHBOARD_CONFIG_0, SWITCHBOARD_CONFIG_1, ... joined in order up to
 * the first index that is missing or empty; when SWITCHBOARD_CONFIG_0 is absent the single
 * variable SWITCHBOARD_CONFIG is used instead.
 *
 * Never throws. Returns `{ config, reason, warnings }`: `config` is the normalized configuration
 * or null, in which case `reason` says why; `warnings` lists the parts that were dropped or
 * defaulted while normalizing.
 */
function readConfig(context) {
  const env = context || {};
  const chunks = [];
  for (let i = 0; nonEmpty(env[`${CONFIG_VAR}_${i}`]); i++) {
    chunks.push(env[`${CONFIG_VAR}_${i}`]);
  }
  let text;
  if (chunks.length > 0) {
    text = chunks.join('');
  } else if (nonEmpty(env[CONFIG_VAR])) {
    text = env[CONFIG_VAR];
  } else {
    return rejected(`neither ${CONFIG_VAR}_0 nor ${CONFIG_VAR} is set`);
  }

  let raw;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    return rejected(`configuration is not valid JSON (${err.message})`);
  }
  return normalizeConfig(raw);
}

/**
 * Validates a parsed configuration object and fills in defaults.
 *
 * Only a non-object or a version other than 1 rejects the whole configuration: anything else
 * that is malformed is dropped or defaulted (and listed in `warnings`) so that a bad greeting
 * never stops the desktop from ringing. Same return shape as `readConfig`.
 */
function normalizeConfig(raw) {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    return rejected('configuration is not a JSON object');
  }
  if (raw.v !== CONFIG_VERSION) {
    return rejected(`unsupported configuration version ${JSON.stringify(raw.v)}`);
  }

  const warnings = [];
  let tz = 'UTC';
  if (raw.tz !== undefined) {
    if (isTimeZone(raw.tz)) tz = raw.tz;
    else warnings.push(`unknown time zone ${JSON.stringify(raw.tz)}, using UTC`);
  }

  const config = {
    v: CONFIG_VERSION,
    tz,
    identities: stringList(raw.identities, 'identities', (s) => s.length > 0, warnings),
    forward: stringList(raw.forward, 'forward', isE164, warnings),
    sip: stringList(raw.sip, 'sip', isSipUri, warnings),
    ring: clampedInt(raw.ring, 'ring', RING_DEFAULT, RING_MIN, RING_MAX, warnings),
    callerIds: stringList(raw.callerIds, 'callerIds', isE164, warnings),
    maxRecord: clampedInt(
      raw.maxRecord, 'maxRecord', MAX_RECORD_DEFAULT, MAX_RECORD_MIN, MAX_RECORD_MAX, warnings,
    ),
    greetings: [],
  };

  const greetings = raw.greetings === undefined ? [] : raw.greetings;
  if (!Array.isArray(greetings)) {
    warnings.push('greetings is not an array, ignored');
  } else {
    greetings.forEach((g, i) => {
      const problem = greetingProblem(g);
      if (problem) warnings.push(`greetings[${i}] dropped: ${problem}`);
      else config.greetings.push(normalizeGreeting(g));
    });
  }
  return { config, reason: null, warnings };
}

/**
 * The greeting to play at instant `date` for a normalized config, or null when none applies.
 *
 * 1. A holiday whose inclusive date range contains the local date in `config.tz`; among
 *    overlapping holidays the shortest range wins, and on a tie the one listed later.
 * 2. Else the first after_hours greeting listed whose `open` windows do not contain the local
 *    weekday and wall-clock time.
 * 3. Else the last default greeting listed.
 *
 * Local time comes from Intl with the IANA zone, so DST gaps and repeats follow the wall clock.
 * Throws a RangeError if `date` is not a valid Date.
 */
function activeGreeting(config, date = new Date()) {
  if (!config || !Array.isArray(config.greetings) || config.greetings.length === 0) return null;
  const local = localTime(config.tz, date);

  let holiday = null;
  for (const g of config.greetings) {
    if (g.kind !== 'holiday' || local.date < g.from || local.date > g.to) continue;
    if (holiday === null || spanDays(g) <= spanDays(holiday)) holiday = g;
  }
  if (holiday) return holiday;

  const afterHours = config.greetings.find((g) => g.kind === 'after_hours' && !isOpen(g.open, local));
  if (afterHours) return afterHours;

  let fallback = null;
  for (const g of config.greetings) if (g.kind === 'default') fallback = g;
  return fallback;
}

/**
 * Wall-clock reading of `date` in `tz`: `date` "YYYY-MM-DD", `weekday` 0 (Sunday) to 6, and
 * `seconds` since local midnight.
 */
function localTime(tz, date) {
  if (!(date instanceof Date) || Number.isNaN(date.getTime())) {
    throw new RangeError('activeGreeting needs a valid Date');
  }
  const parts = {};
  for (const p of formatter(tz).formatToParts(date)) parts[p.type] = p.value;
  const year = Number(parts.year);
  const month = Number(parts.month);
  const day = Number(parts.day);
  // Some ICU versions print midnight as "24" even with h23; it is hour 0 of the same date.
  const hour = Number(parts.hour) % 24;
  return {
    date: `${String(year).padStart(4, '0')}-${parts.month}-${parts.day}`,
    weekday: new Date(Date.UTC(year, month - 1, day)).getUTCDay(),
    seconds: hour * 3600 + Number(parts.minute) * 60 + Number(parts.second),
  };
}

const formatters = new Map();
function formatter(tz) {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(tz, f);
  }
  return f;
}

function isTimeZone(tz) {
  if (typeof tz !== 'string' || tz.length === 0) return false;
  try {
    formatter(tz);
    return true;
  } catch (err) {
    return false;
  }
}

// Windows are half-open: open from `from` inclusive to `to` exclusive, on the listed weekdays.
function isOpen(windows, local) {
  return windows.some(
    (w) => w.days.includes(local.weekday) && local.seconds >= w.fromSec && local.seconds < w.toSec,
  );
}

function spanDays(holiday) {
  return (dateMs(holiday.to) - dateMs(holiday.from)) / DAY_MS;
}

function greetingProblem(g) {
  if (g === null || typeof g !== 'object' || Array.isArray(g)) return 'not an object';
  if (!nonEmpty(g.id)) return 'missing id';
  if (!KINDS.includes(g.kind)) return `unknown kind ${JSON.stringify(g.kind)}`;
  if (g.url !== undefined) {
    if (!isHttpUrl(g.url)) return 'url is not an http(s) URL';
  } else if (g.say !== undefined) {
    const say = g.say;
    if (say === null || typeof say !== 'object' || !nonEmpty(say.text)) return 'say.text is missing';
    if (say.voice !== undefined && !nonEmpty(say.voice)) return 'say.voice is not a string';
    if (say.language !== undefined && !nonEmpty(say.language)) return 'say.language is not a string';
  } else {
    return 'neither url nor say';
  }
  if (g.kind === 'holiday') {
    if (!isDate(g.from) || !isDate(g.to)) return 'from/to must be YYYY-MM-DD dates';
    if (g.from > g.to) return 'from is after to';
  }
  if (g.kind === 'after_hours') {
    // A malformed window drops the whole greeting: silently ignoring one window would make the
    // greeting play during what the user meant as open hours.
    if (!Array.isArray(g.open)) return 'open is not an array';
    for (const w of g.open) {
      const problem = windowProblem(w);
      if (problem) return `open window ${JSON.stringify(w)}: ${problem}`;
    }
  }
  return null;
}

function windowProblem(w) {
  if (w === null || typeof w !== 'object') return 'not an object';
  if (!Array.isArray(w.days) || !w.days.every((d) => Number.isInteger(d) && d >= 0 && d <= 6)) {
    return 'days must be integers 0 (Sunday) to 6';
  }
  if (!CLOCK.test(w.from)) return 'from must be HH:MM';
  if (w.to !== '24:00' && !CLOCK.test(w.to)) return 'to must be HH:MM or 24:00';
  if (clockSeconds(w.from) >= clockSeconds(w.to)) return 'from must be before to';
  return null;
}

// A greeting with both url and say keeps the url: recorded audio is what the user made last.
function normalizeGreeting(g) {
  const out = { id: g.id, kind: g.kind };
  if (g.url !== undefined) {
    out.url = g.url;
  } else {
    out.say = { text: g.say.text };
    if (g.say.voice !== undefined) out.say.voice = g.say.voice;
    if (g.say.language !== undefined) out.say.language = g.say.language;
  }
  if (g.kind === 'holiday') {
    out.from = g.from;
    out.to = g.to;
  }
  if (g.kind === 'after_hours') {
    out.open = g.open.map((w) => ({
      days: [...w.days],
      from: w.from,
      to: w.to,
      fromSec: clockSeconds(w.from),
      toSec: clockSeconds(w.to),
    }));
  }
  return out;
}

function stringList(value, name, valid, warnings) {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    warnings.push(`${name} is not an array, ignored`);
    return [];
  }
  const out = [];
  for (const s of value) {
    if (typeof s !== 'string' || !valid(s)) warnings.push(`${name}: dropped ${JSON.stringify(s)}`);
    else if (!out.includes(s)) out.push(s);
  }
  return out;
}

function clampedInt(value, name, fallback, min, max, warnings) {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    warnings.push(`${name} is not a number, using ${fallback}`);
    return fallback;
  }
  return Math.min(max, Math.max(min, Math.round(value)));
}

function clockSeconds(hhmm) {
  return Number(hhmm.slice(0, 2)) * 3600 + Number(hhmm.slice(3, 5)) * 60;
}

function dateMs(yyyymmdd) {
  return Date.UTC(
    Number(yyyymmdd.slice(0, 4)), Number(yyyymmdd.slice(5, 7)) - 1, Number(yyyymmdd.slice(8, 10)),
  );
}

// Rejects calendar impossibilities such as 2026-02-30 that Date.UTC would roll over.
function isDate(s) {
  if (typeof s !== 'string' || !DATE.test(s)) return false;
  const d = new Date(dateMs(s));
  return d.toISOString().slice(0, 10) === s;
}

function isHttpUrl(s) {
  if (typeof s !== 'string') return false;
  try {
    const u = new URL(s);
    return u.protocol === 'https:' || u.protocol === 'http:';
  } catch (err) {
    return false;
  }
}

function nonEmpty(s) {
  return typeof s === 'string' && s.length > 0;
}

function rejected(reason) {
  return { config: null, reason, warnings: [] };
}

module.exports = {
  CONFIG_VAR,
  readConfig,
  normalizeConfig,
  isSipUri,
  activeGreeting,
  localTime,
  isE164,
};
