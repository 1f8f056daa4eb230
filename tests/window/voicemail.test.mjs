// The voicemail inbox in the real Switchboard window under Xvfb (tauri-driver and WebKitWebDriver),
// against a local fake Twilio (fake-twilio.mjs) serving three voicemails whose audio is real
// speech made at test time (espeak-ng, encoded with lame). An account is connected through
// onboarding, the sync that follows fills the inbox, and then: search narrows the list as you
// type, a selected message plays through the Rust player (rodio) and its sound is captured from
// the PipeWire null sink's monitor (scripts/with-audio.sh), a message played to the end counts as
// read, and `e` archives one (locally: no S3 is set up) so it moves to the Archived filter.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { openWindowApp, recordSink, SHOTS, SINK, tempDir, until as waitUntil } from './webdriver.mjs';
import { startFakeTwilio } from './fake-twilio.mjs';
import { ACCOUNT_SID, API_KEY_SID, FIRST_CALLER, MAIN_NUMBER } from '../fixtures/ui-fixtures.mjs';

const ACCOUNT = ACCOUNT_SID;
const KEY = API_KEY_SID;
const SECRET = 'vmS3cr3tvmS3cr3tvmS3cr3tvmS3cr3t';
const ACCOUNT_NAME = 'Acme Front Desk'; // not the browser tests' 'Acme Plumbing': this window names its own
const hex = (prefix, n) => `${prefix}${n.toString(16).padStart(32, '0')}`;

/** The three messages, newest first. */
const MESSAGES = [
  {
    from: FIRST_CALLER,
    callerName: 'MARIA LOPEZ',
    minutesAgo: 7,
    text: 'Hi, this is Maria from Acme Plumbing. Your replacement valve arrived, please call me back.',
  },
  {
    from: '+12125550199',
    callerName: null,
    minutesAgo: 95,
    text: 'Hello, this is Doctor Chen’s office, calling to confirm your dental appointment on Thursday at ten.',
  },
  {
    from: '+13105550142',
    callerName: null,
    minutesAgo: 240,
    text: 'Hey, it’s Sam. Are we still on for the hike on Saturday morning? Text me when you can.',
  },
];

let work;
let voicemails;
let twilio;
let app;
let session;

/** Speech saying `text` as mono 32 kbps MP3 (as Twilio's recordings are) and its length in seconds. */
function speech(name, text) {
  const wav = join(work, `${name}.wav`);
  const mp3 = join(work, `${name}.mp3`);
  const spoke = spawnSync('espeak-ng', ['-v', 'en-us', '-s', '160', '-w', wav, text], { encoding: 'utf8' });
  assert.equal(spoke.status, 0, `espeak-ng: ${spoke.stderr}`);
  const encoded = spawnSync('lame', ['--quiet', '-m', 'm', '-b', '32', wav, mp3], { encoding: 'utf8' });
  assert.equal(encoded.status, 0, `lame: ${encoded.stderr}`);
  return { mp3: readFileSync(mp3), seconds: wavSeconds(readFileSync(wav)) };
}

/** The length of a PCM WAV file, from its `fmt ` and `data` chunks. */
function wavSeconds(wav) {
  assert.equal(wav.toString('ascii', 0, 4), 'RIFF');
  let byteRate = 0;
  for (let at = 12; at + 8 <= wav.length; ) {
    const id = wav.toString('ascii', at, at + 4);
    let size = wav.readUInt32LE(at + 4);
    if (id === 'fmt ') byteRate = wav.readUInt32LE(at + 16);
    if (id === 'data') {
      // espeak-ng writing to a file may leave the streaming placeholder size.
      if (size === 0 || size === 0xffffffff || at + 8 + size > wav.length) size = wav.length - at - 8;
      assert.ok(byteRate > 0, 'the WAV has a fmt chunk before its data');
      return size / byteRate;
    }
    at += 8 + size + (size % 2);
  }
  throw new Error('the WAV has no data chunk');
}

/** RMS of each 50 ms window of 16 kHz samples. */
function windowRms(samples) {
  const out = [];
  for (let at = 0; at < samples.length; at += 800) {
    const w = samples.subarray(at, at + 800);
    let sum = 0;
    for (const s of w) sum += s * s;
    out.push(Math.sqrt(sum / w.length));
  }
  return out;
}

const text = (css) => session.execute(`return document.querySelector('${css}')?.textContent ?? ''`);
const attr = (css, name) => session.execute(`return document.querySelector('${css}')?.getAttribute('${name}') ?? null`);
/** The inbox as listed: each item's SID, whether it is unread and its text. */
const listed = () =>
  session.execute(`return [...document.querySelectorAll('[data-testid="voicemail-item"]')].map((el) => ({
    sid: el.dataset.sid, unread: el.classList.contains('unread'), selected: el.classList.contains('selected'), text: el.textContent }))`);

/** Waits for `check`, saying what the inbox or player shows as wrong when it never holds. */
const until = (check, what, timeoutMs = 15_000) =>
  waitUntil(check, what, {
    timeoutMs,
    explain: async () => `${await text('[data-testid="voicemail-error"]')} ${await text('[data-testid="player-error"]')}`,
  });
const press = (...keys) => session.press(...keys);

const mediaGets = (sid) => twilio.requests.filter((r) => r.method === 'GET' && r.path.endsWith(`/Recordings/${sid}.mp3`));

before(async () => {
  work = tempDir('switchboard-voicemail-');
  const now = Date.now();
  voicemails = MESSAGES.map((m, i) => {
    const { mp3, seconds } = speech(`vm${i}`, m.text);
    return {
      ...m,
      call: hex('CA', 0xc0 + i),
      recording: hex('RE', 0xe0 + i),
      transcription: hex('TR', 0x70 + i),
      to: MAIN_NUMBER,
      at: now - m.minutesAgo * 60_000,
      // Twilio states whole seconds.
      seconds: Math.max(1, Math.round(seconds)),
      speechSeconds: seconds,
      mp3,
    };
  });
  for (const v of voicemails) assert.ok(v.speechSeconds > 3, `the speech for ${v.from} lasts ${v.speechSeconds} s`);
  twilio = await startFakeTwilio({ account: ACCOUNT, keySid: KEY, secret: SECRET, friendlyName: ACCOUNT_NAME, voicemails });
  // SWITCHBOARD_SYNC_INTERVAL is left at its default: connecting an account syncs at once.
  app = await openWindowApp('vm', { api: twilio.url, sound: true });
  session = app.session;
});

after(async () => {
  await app?.close();
  await twilio?.close();
  if (work) rmSync(work, { recursive: true, force: true });
  if (twilio?.unknown.length) console.error(`fake Twilio had no answer for:\n  ${twilio.unknown.join('\n  ')}`);
});

test('an account connected through onboarding is checked against Twilio and synced', async () => {
  await session.connectAccount({ account: ACCOUNT, key: KEY, secret: SECRET, name: ACCOUNT_NAME });
  assert.ok(twilio.requests.some((r) => r.method === 'GET' && r.path === `/2010-04-01/Accounts/${ACCOUNT}.json`));
  // Connecting wakes the background sync: calls, recordings and transcriptions are listed.
  for (const list of ['Calls', 'Recordings', 'Transcriptions']) {
    await until(
      () => twilio.requests.some((r) => r.method === 'GET' && r.path === `/2010-04-01/Accounts/${ACCOUNT}/${list}.json`),
      `the ${list} list being read`,
    );
  }
  await until(async () => /^Updated /.test(await text('[data-testid="sync-text"]')), 'the sidebar saying it synced');
  assert.ok(
    twilio.requests.every((r) => r.auth === `Basic ${Buffer.from(`${KEY}:${SECRET}`).toString('base64')}`),
    'every request carries the API key',
  );
});

test('the inbox lists the three voicemails newest first, with caller, duration and transcript', async () => {
  await (await session.find('[data-testid="nav-voicemail"]')).click();
  await session.waitForText('[data-testid="view-voicemail"] h1', (t) => t === 'Voicemail');
  const items = await until(async () => {
    const l = await listed();
    return l.length === 3 && l;
  }, 'three voicemails listed');
  assert.deepEqual(
    items.map((i) => i.sid),
    voicemails.map((v) => v.recording),
    'newest first',
  );
  for (const [i, v] of voicemails.entries()) {
    assert.ok(items[i].unread, `${v.from} starts unread`);
    assert.ok(items[i].text.includes(v.text.slice(0, 40)), `the first line of ${v.from}'s transcript is listed: ${items[i].text}`);
    // Shown nationally, as the called number is of the same country: +14155550101 is (415) 555-0101.
    assert.ok(items[i].text.replace(/\D/g, '').includes(v.from.replace(/\D/g, '').slice(-10)), `the caller ${v.from} is listed: ${items[i].text}`);
  }
  const durations = await session.execute(
    'return [...document.querySelectorAll(\'[data-testid="voicemail-item-duration"]\')].map((e) => e.textContent.trim())',
  );
  assert.deepEqual(
    durations,
    voicemails.map((v) => `0:${String(v.seconds).padStart(2, '0')}`),
    "each message's length is Twilio's",
  );
  assert.equal((await text('[data-testid="voicemail-item-name"]')).trim(), 'MARIA LOPEZ', 'the caller ID name is shown');
  await session.screenshot(join(SHOTS, 'voicemail-inbox.png'));
});

test('the search box (opened with /) narrows the list as you type, and clearing it brings all back', async () => {
  await (await session.find('[data-testid="view-voicemail"] h1')).click();
  await press('/');
  assert.equal(
    await session.execute('return document.activeElement?.dataset.testid ?? null'),
    'voicemail-search',
    '/ moves the focus to the search box',
  );
  await press(...'dental');
  await until(async () => {
    const l = await listed();
    return l.length === 1 && l[0].sid === voicemails[1].recording;
  }, 'the list narrowing to the dental appointment');
  assert.equal(await session.execute('return document.querySelector(\'[data-testid="voicemail-search"]\').value'), 'dental');
  assert.match(await text('[data-testid="voicemail-transcript"]'), /dental appointment on Thursday/, 'the match is shown');
  await session.screenshot(join(SHOTS, 'voicemail-search.png'));

  // A word in another message, typed over the first one.
  await press(...Array(6).fill('\uE003'), ...'hike');
  await until(async () => {
    const l = await listed();
    return l.length === 1 && l[0].sid === voicemails[2].recording;
  }, 'the list narrowing to the hike');

  await press(...'zzz');
  await until(async () => (await text('[data-testid="voicemail-empty"]')).includes('No voicemail matches'), 'no match');

  await press(...Array(7).fill('\uE003'));
  await until(async () => (await listed()).length === 3, 'all three back once the search is cleared');
  assert.equal(await session.execute('return document.querySelector(\'[data-testid="voicemail-search"]\').value'), '');
});

test('a selected voicemail plays through the speakers: the player says so and the sink hears speech', async (t) => {
  const v = voicemails[1];
  await (await session.find(`[data-testid="voicemail-item"][data-sid="${v.recording}"]`)).click();
  await until(async () => (await listed()).find((i) => i.sid === v.recording)?.selected, 'the selection');
  await until(async () => !(await listed()).find((i) => i.sid === v.recording).unread, 'opening it marking it read');
  assert.match(await text('[data-testid="voicemail-detail"] h2'), /\(212\) 555-0199/);
  assert.match(await text('[data-testid="voicemail-transcript"]'), /Doctor Chen’s office/);
  assert.equal(await attr('[data-testid="player"]', 'data-state'), 'idle', 'selecting does not autoplay');
  // The waveform comes from the downloaded, checked audio.
  await until(async () => session.execute('return !!document.querySelector(\'[data-testid="player-waveform"].ready path.rest\')?.getAttribute("d")'), 'the waveform drawn');
  assert.match(await text('[data-testid="player-time"]'), new RegExp(`^0:00 / 0:${String(v.seconds).padStart(2, '0')}$`));

  // The control: the sink is silent while nothing plays.
  const quiet = await recordSink(SINK, join(work, 'quiet.raw'), 1);
  await new Promise((r) => setTimeout(r, 600));
  const silence = windowRms((await quiet.stop())[0]);
  assert.ok(silence.length >= 10, `the monitor was recorded (${silence.length} windows)`);
  assert.ok(silence.every((r) => r <= 0.01), `the sink is silent before playing (peak window RMS ${Math.max(...silence)})`);

  const recorder = await recordSink(SINK, join(work, 'played.raw'), 1);
  let samples;
  try {
    await press(' ');
    await until(async () => (await attr('[data-testid="player"]', 'data-state')) === 'playing', 'the player playing', 10_000);
    const status = await text('[data-testid="player-status"]');
    assert.match(status, /^Playing on \S/, 'the player names the output device');
    await until(async () => {
      const t = await text('[data-testid="player-time"]');
      return /^0:0[1-9] \//.test(t) && t;
    }, 'the position moving on');
    assert.ok(Number(await attr('[data-testid="player-waveform"]', 'data-played')) > 0, 'the waveform shows what has played');
    await session.screenshot(join(SHOTS, 'voicemail-playing.png'));
    await until(async () => (await attr('[data-testid="player"]', 'data-state')) === 'ended', 'the message playing to its end', (v.seconds + 10) * 1000);
  } finally {
    [samples] = await recorder.stop();
  }
  const rms = windowRms(samples);
  const loud = rms.filter((r) => r > 0.01).length * 0.05;
  const peak = Math.max(0, ...rms);
  t.diagnostic(`sink monitor: ${loud.toFixed(2)} s above RMS 0.01 of ${(samples.length / 16000).toFixed(2)} s captured, peak window RMS ${peak.toFixed(3)}`);
  assert.ok(
    loud >= 0.6 * v.speechSeconds && loud > 1,
    `${loud.toFixed(2)} s of the ${(samples.length / 16000).toFixed(2)} s captured were louder than RMS 0.01 (peak ${peak.toFixed(3)}); the speech lasts ${v.speechSeconds.toFixed(2)} s`,
  );
  assert.equal((await text('[data-testid="player-error"]')).trim(), '', 'no error shown');
  assert.equal(mediaGets(v.recording).length, 1, 'the audio is downloaded once, then played from the cache');
  await session.screenshot(join(SHOTS, 'voicemail-played.png'));
});

test('a voicemail played to its end, without opening it first, counts as read', async () => {
  // The newest message is still unread. Reopening the inbox selects it without reading it;
  // playing it to the end must count it as read (Rust's voicemail://heard).
  await (await session.find('[data-testid="filter-all"]')).click();
  const first = voicemails[0];
  await until(async () => {
    const l = await listed();
    return l.length === 3 && l[0].sid === first.recording && l[0].unread && l;
  }, 'the newest still unread');
  await (await session.find('[data-testid="nav-calls"]')).click();
  await (await session.find('[data-testid="nav-voicemail"]')).click();
  await until(async () => (await listed()).find((i) => i.sid === first.recording)?.selected, 'the newest selected on opening');
  assert.ok((await listed())[0].unread, 'selected on opening but not read yet');
  await (await session.find('[data-testid="player-toggle"]')).click();
  await until(async () => (await attr('[data-testid="player"]', 'data-state')) === 'playing', 'the player playing', 10_000);
  await until(async () => (await attr('[data-testid="player"]', 'data-state')) === 'ended', 'the message playing to its end', (first.seconds + 10) * 1000);
  await until(async () => !(await listed())[0].unread, 'the message counting as read once heard');
});

test('e archives the selected voicemail: it leaves All and shows under Archived', async () => {
  const v = voicemails[1];
  await (await session.find(`[data-testid="voicemail-item"][data-sid="${v.recording}"]`)).click();
  await until(async () => (await listed()).find((i) => i.sid === v.recording)?.selected, 'the selection');
  await press('e');
  await until(async () => (await text('[data-testid="voicemail-undo"]')).includes('Archived'), 'the archive notice');
  await until(async () => {
    const l = await listed();
    return l.length === 2 && !l.some((i) => i.sid === v.recording);
  }, 'the archived message leaving All');
  await session.screenshot(join(SHOTS, 'voicemail-archived-notice.png'));

  await (await session.find('[data-testid="filter-archived"]')).click();
  await until(async () => {
    const l = await listed();
    return l.length === 1 && l[0].sid === v.recording;
  }, 'the archived message under Archived');
  assert.equal(await attr('[data-testid="filter-archived"]', 'aria-selected'), 'true');
  assert.match(await text('[data-testid="voicemail-transcript"]'), /dental appointment/);
  assert.equal(await session.execute('return document.querySelector(\'[data-testid="voicemail-archive"]\') === null'), true, 'no Archive button on an archived message');
  assert.equal(await session.execute('return document.querySelector(\'[data-testid="voicemail-s3"]\') === null'), true, 'no S3 copy: none is set up');
  await session.screenshot(join(SHOTS, 'voicemail-archived.png'));

  // Archiving without S3 never removes anything from Twilio.
  assert.deepEqual(
    twilio.requests.filter((r) => r.method !== 'GET').map((r) => `${r.method} ${r.path}`),
    [],
  );
  for (const w of voicemails) assert.ok(mediaGets(w.recording).length <= 1, `the audio of ${w.from} was downloaded at most once`);
});
