// Recording a greeting and publishing it, in the real Switchboard window under Xvfb (tauri-driver
// and WebKitWebDriver), end to end: an account is connected through onboarding against the fake
// Twilio (fake-twilio.mjs), Settings gets an S3 bucket on moto's S3 server on loopback (checked
// when saved), and then in Greetings → Record a 440 Hz tone played into the PipeWire null sink
// (scripts/with-audio.sh; the default microphone is that sink's monitor) is recorded through cpal:
// the level meter moves with it, the take comes back with its silence trimmed by the handles,
// and Preview plays it through the Rust player (the sink hears the tone, normalized). Publishing
// before the bucket lets anyone read greetings/ is refused (the public check fails and the upload
// is removed); once the policy is applied, publishing uploads the WAV content-addressed under
// greetings/{account}/ as audio/wav, the list shows the greeting as Recorded, and its public
// address, fetched without credentials, is a 16 kHz mono 16-bit WAV holding that tone at -1 dBFS.
// The rest of the bucket stays private.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { createConnection } from 'node:net';
import { readFileSync, rmSync } from 'node:fs';
import { freePort, openWindowApp, recordSink, ROOT, SHOTS, SINK, tempDir, until as waitUntil } from './webdriver.mjs';
import { startFakeTwilio } from './fake-twilio.mjs';

const ACCOUNT = 'AC5ca1ab1e0123456789abcdef01234567';
const KEY = 'SK5ca1ab1e0123456789abcdef01234567';
const SECRET = 'grS3cr3tgrS3cr3tgrS3cr3tgrS3cr3t';
const ACCOUNT_NAME = 'Acme Greetings';
const BUCKET = 'acme-greetings';
const GREETING = 'Lobby tone';
/** The tone: this long at this frequency after this much silence, at this peak. */
const TONE = { seconds: 2, hz: 440, lead: 0.5, volume: 0.3 };
/** What publishing normalizes the peak to (-1 dBFS). */
const TARGET_PEAK = 0.891;

let work;
let moto;
let twilio;
let app;
let session;

/** moto's S3 server on a free loopback port; its request log is kept. */
async function startMoto() {
  const port = await freePort();
  const child = spawn(join(ROOT, 'tests/harness/venv/bin/moto_server'), ['-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`moto_server exited with ${child.exitCode}:\n${output}`);
    const open = await new Promise((resolve) => {
      const socket = createConnection({ host: '127.0.0.1', port }, () => {
        socket.end();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (open) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`moto_server did not start:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    child,
    url: `http://127.0.0.1:${port}`,
    // Werkzeug's access log, without its colours: `"PUT /bucket/key HTTP/1.1" 200 -`.
    // eslint-disable-next-line no-control-regex
    log: () => output.replace(/\x1b\[[0-9;]*m/g, ''),
  };
}

/** The keys under `prefix` of the bucket, listed with plain HTTP (ListObjectsV2). */
async function listKeys(prefix) {
  const res = await fetch(`${moto.url}/${BUCKET}?list-type=2&prefix=${encodeURIComponent(prefix)}`);
  assert.equal(res.status, 200, `listing ${prefix}`);
  const xml = await res.text();
  return [...xml.matchAll(/<Key>([^<]+)<\/Key>/g)].map((m) => m[1]);
}

/** A PCM WAV file's format and samples (each in -1..1), parsed from its RIFF chunks. */
function parseWav(bytes) {
  assert.equal(bytes.toString('ascii', 0, 4), 'RIFF', 'a RIFF file');
  assert.equal(bytes.toString('ascii', 8, 12), 'WAVE', 'of WAVE form');
  assert.equal(bytes.readUInt32LE(4), bytes.length - 8, 'the RIFF size is the file size less 8');
  let fmt = null;
  for (let at = 12; at + 8 <= bytes.length; ) {
    const id = bytes.toString('ascii', at, at + 4);
    const size = bytes.readUInt32LE(at + 4);
    const body = at + 8;
    if (id === 'fmt ') {
      fmt = {
        format: bytes.readUInt16LE(body),
        channels: bytes.readUInt16LE(body + 2),
        rate: bytes.readUInt32LE(body + 4),
        byteRate: bytes.readUInt32LE(body + 8),
        blockAlign: bytes.readUInt16LE(body + 12),
        bits: bytes.readUInt16LE(body + 14),
      };
    }
    if (id === 'data') {
      assert.ok(fmt, 'the fmt chunk comes before the data');
      assert.ok(body + size <= bytes.length, `the data chunk (${size} bytes) fits in the file`);
      const samples = new Float32Array(Math.floor(size / 2));
      for (let i = 0; i < samples.length; i++) samples[i] = bytes.readInt16LE(body + i * 2) / 32768;
      return { ...fmt, samples };
    }
    at = body + size + (size % 2);
  }
  throw new Error('the WAV has no data chunk');
}

const rms = (s) => Math.sqrt(s.reduce((sum, x) => sum + x * x, 0) / Math.max(1, s.length));
const peakOf = (s) => s.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
/** Sign changes of `s` (a sine of f Hz has 2f a second). */
function zeroCrossings(s) {
  let n = 0;
  for (let i = 1; i < s.length; i++) if ((s[i - 1] < 0) !== (s[i] < 0)) n++;
  return n;
}

/** Runs `cmd` to its end without blocking the event loop (the meter is read meanwhile). */
function run(cmd, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} exited with ${code}: ${stderr}`))));
  });
}

const text = (css) => session.execute(`return document.querySelector('${css}')?.textContent ?? ''`);
const attr = (css, name) => session.execute(`return document.querySelector('${css}')?.getAttribute('${name}') ?? null`);
const state = () => attr('[data-testid="recorder"]', 'data-state');

/** Waits for `check`, naming every error the screen shows when it never holds. */
const until = (check, what, timeoutMs = 15_000) =>
  waitUntil(check, what, {
    timeoutMs,
    explain: async () => {
      const problems = [
        'archive-error',
        'record-error',
        'record-input-error',
        'take-preview-error',
        'take-publish-error',
        'greetings-policy-error',
        'record-hosting-error',
      ];
      const shown = [];
      for (const id of problems) {
        const t = (await text(`[data-testid="${id}"]`)).trim();
        if (t) shown.push(`${id}: ${t}`);
      }
      return shown.join('; ');
    },
  });

before(async () => {
  work = tempDir('switchboard-greeting-rec-');
  moto = await startMoto();
  const made = await fetch(`${moto.url}/${BUCKET}`, { method: 'PUT' });
  assert.equal(made.status, 200, `creating the bucket: ${await made.text()}`);
  twilio = await startFakeTwilio({ account: ACCOUNT, keySid: KEY, secret: SECRET, friendlyName: ACCOUNT_NAME, voicemails: [] });
  app = await openWindowApp('gr', { api: twilio.url, sound: true });
  session = app.session;
});

after(async () => {
  const step = (what) => process.env.WD_DEBUG && console.error(`after: ${what} ${new Date().toISOString()}`);
  step('close the window');
  await app?.close();
  step('close twilio');
  await twilio?.close();
  step('kill moto');
  moto?.child.kill();
  step('done');
  if (work) rmSync(work, { recursive: true, force: true });
  if (twilio?.unknown.length) console.error(`fake Twilio had no answer for:\n  ${twilio.unknown.join('\n  ')}`);
});

test('an account is connected through onboarding', async () => {
  await session.connectAccount({ account: ACCOUNT, key: KEY, secret: SECRET, name: ACCOUNT_NAME });
  assert.ok(twilio.requests.some((r) => r.method === 'GET' && r.path === `/2010-04-01/Accounts/${ACCOUNT}.json`));
});

test('without a bucket, Greetings explains that recording needs one', async () => {
  await (await session.find('[data-testid="nav-greetings"]')).click();
  await session.waitForText('[data-testid="view-greetings"] h1', (t) => t === 'Greetings');
  await until(async () => (await text('[data-testid="record-unavailable"]')).length > 0, 'the note that recording needs S3');
  assert.equal(await session.execute('return document.querySelector(\'[data-testid="greeting-mode-record"]\') === null'), true, 'no Record mode without S3');
});

test('Settings: an S3 bucket on moto is saved once the bucket answers', async () => {
  await (await session.find('[data-testid="nav-settings"]')).click();
  await session.find('[data-testid="settings-archive"]');
  assert.equal((await text('[data-testid="archive-state"]')).trim(), 'Off');
  await until(async () => !(await session.execute('return document.querySelector(\'[data-testid="archive-save"]\').disabled')), 'the card loading');
  await (await session.find('[data-testid="s3-endpoint"]')).type(moto.url);
  const region = await session.find('[data-testid="s3-region"]');
  await region.clear();
  await region.type('us-east-1');
  await (await session.find('[data-testid="s3-bucket"]')).type(BUCKET);
  await (await session.find('[data-testid="s3-access-key"]')).type('AKIAMOTOTESTKEY00001');
  await (await session.find('[data-testid="s3-secret"]')).type('motoSecretKeyForTheWindowTest0000000001');
  await (await session.find('[data-testid="s3-path-style"]')).click();
  assert.equal(await session.execute('return document.querySelector(\'[data-testid="s3-path-style"]\').checked'), true);
  await session.screenshot(join(SHOTS, 'greetings-record-s3-settings.png'));
  await (await session.find('[data-testid="archive-save"]')).click();
  const notice = await until(async () => (await text('[data-testid="archive-notice"]')).trim(), 'the settings being saved', 30_000);
  assert.match(notice, new RegExp(`^Saved\\. The bucket answered; archived voicemails go to s3://${BUCKET}/voicemail/${ACCOUNT}/\\.$`));
  assert.equal((await text('[data-testid="archive-state"]')).trim(), 'On');
  // The bucket was checked, path-style (the bucket in the path), on moto itself.
  assert.match(moto.log(), new RegExp(`"HEAD /${BUCKET}/? HTTP/1\\.1" 200`), 'the bucket is checked with HeadBucket');
  await session.screenshot(join(SHOTS, 'greetings-record-s3-saved.png'));
});

let take;
let meter;

test('Record: the tone played into the sink moves the level meter and comes back as a trimmed take', async (t) => {
  const tone = join(work, 'tone.wav');
  const made = spawnSync(
    'sox',
    ['-n', '-r', '48000', '-c', '2', '-b', '16', tone, 'synth', String(TONE.seconds), 'sine', String(TONE.hz), 'vol', String(TONE.volume), 'pad', String(TONE.lead), '0'],
    { encoding: 'utf8' },
  );
  assert.equal(made.status, 0, `sox: ${made.stderr}`);

  await (await session.find('[data-testid="nav-greetings"]')).click();
  await session.waitForText('[data-testid="view-greetings"] h1', (t) => t === 'Greetings');
  await (await session.find('[data-testid="greeting-mode-record"]')).click();
  await until(async () => (await state()) === 'idle', 'the recorder showing');
  assert.equal(await attr('[data-testid="greeting-mode-record"]', 'aria-pressed'), 'true');
  // The bucket has no policy yet: the app offers the one that opens greetings/ only.
  await session.find('[data-testid="greetings-policy"]');
  const policy = JSON.parse(await session.execute('return document.querySelector(\'[data-testid="greetings-policy-json"]\').textContent'));
  assert.deepEqual(policy.Statement.map((s) => [s.Effect, s.Principal, s.Action, s.Resource]), [
    ['Allow', '*', 's3:GetObject', `arn:aws:s3:::${BUCKET}/greetings/*`],
  ]);
  await until(async () => (await session.execute('return document.querySelector(\'[data-testid="record-input"]\').disabled')) === false, 'the microphones listed');
  assert.equal(await attr('[data-testid="record-meter"]', 'data-level'), '0.000', 'the meter rests before recording');
  await session.screenshot(join(SHOTS, 'greetings-record-idle.png'));

  await (await session.find('[data-testid="record-toggle"]')).click();
  await until(async () => (await state()) === 'recording', 'the recording starting', 10_000);
  assert.equal(await attr('[data-testid="record-toggle"]', 'aria-label'), 'Stop recording');

  // The meter, read from the DOM all along (by the page itself every 20 ms: a WebDriver round trip
  // is too slow for that): first the silent sink, then the tone.
  await session.execute(`window.__meter = [];
    window.__meterTimer = setInterval(() => {
      const m = document.querySelector('[data-testid="record-meter"]');
      if (m) window.__meter.push({ at: Date.now(), level: Number(m.dataset.level), peak: Number(m.dataset.peak),
        elapsed: document.querySelector('[data-testid="record-elapsed"]')?.textContent ?? '' });
    }, 20);`);
  let readings;
  let playedAt;
  try {
    await new Promise((r) => setTimeout(r, 800));
    playedAt = Date.now();
    const playing = run('paplay', [`--device=${SINK}`, tone]);
    // Halfway through the tone, as a person would see it.
    await new Promise((r) => setTimeout(r, (TONE.lead + TONE.seconds / 2) * 1000));
    await session.screenshot(join(SHOTS, 'greetings-record-recording.png'));
    await playing;
    await new Promise((r) => setTimeout(r, 700));
  } finally {
    readings = await session.execute('clearInterval(window.__meterTimer); return window.__meter;');
  }
  const quiet = readings.filter((r) => r.at < playedAt);
  await (await session.find('[data-testid="record-toggle"]')).click();
  await until(async () => (await state()) === 'take', 'the take', 15_000);

  const during = readings.filter((r) => r.at >= playedAt);
  const loudest = Math.max(...during.map((r) => r.level));
  const topPeak = Math.max(...during.map((r) => r.peak));
  meter = { quiet: Math.max(...quiet.map((r) => r.level)), loudest, topPeak, readings: readings.length };
  t.diagnostic(`meter: ${readings.length} readings; before the tone at most ${meter.quiet.toFixed(3)}, during it up to ${loudest.toFixed(3)} (peak mark ${topPeak.toFixed(3)})`);
  assert.ok(quiet.length >= 2, `the meter was read before the tone (${quiet.length} readings)`);
  assert.ok(meter.quiet < 0.1, `the meter stays down while the sink is silent (${meter.quiet})`);
  // A sine of peak 0.3 is -10.5 dBFS peak and -13.5 dBFS RMS: 0.825 and 0.775 on the -60…0 dB scale.
  assert.ok(loudest > 0.7 && loudest < 0.85, `the bar rose to the tone's RMS level, about 0.775 (${loudest})`);
  assert.ok(Math.abs(topPeak - 0.825) < 0.04, `the peak mark shows the tone's peak, about 0.825 (${topPeak})`);
  // The bar stayed up for the whole tone and no longer (it falls at 24 dB/s, so it drops below
  // 0.7 about 0.2 s after the tone), and it was falling by the time Stop was pressed.
  // The page's timer asks every 20 ms, but a busy machine runs it less often: the span seen is
  // only as exact as the longest pause between two readings.
  const lit = during.filter((r) => r.level > 0.7);
  const litFor = lit.length ? lit.at(-1).at - lit[0].at : 0;
  const coarsest = Math.max(...readings.slice(1).map((r, i) => r.at - readings[i].at));
  t.diagnostic(`the bar was above 0.7 for ${litFor} ms (readings at most ${coarsest} ms apart); ${during.at(-1).level.toFixed(3)} at the end`);
  assert.ok(
    litFor >= TONE.seconds * 1000 - 200 - 2 * coarsest && litFor <= TONE.seconds * 1000 + 500 + 2 * coarsest,
    `the meter showed the tone for ${litFor} ms (readings at most ${coarsest} ms apart)`,
  );
  assert.ok(during.at(-1).level < 0.65, `the bar fell after the tone (${during.at(-1).level})`);
  assert.ok(during.some((r) => /^0:0[2-9]$/.test(r.elapsed)), `the recording clock moved on: ${during.at(-1)?.elapsed}`);

  // The take: its whole length and the trim found for it, shown by the handles.
  await session.find('[data-testid="take-editor"]');
  const start = Number(await attr('[data-testid="trim-start"]', 'data-ms'));
  const end = Number(await attr('[data-testid="trim-end"]', 'data-ms'));
  const info = await text('[data-testid="take-info"]');
  const [, m, s, cs] = info.match(/^(\d+):(\d\d)\.(\d\d) from (.+)$/) ?? assert.fail(`take-info reads ${JSON.stringify(info)}`);
  const duration = (Number(m) * 60 + Number(s)) * 1000 + Number(cs) * 10;
  take = { start, end, duration };
  t.diagnostic(`take: ${duration} ms, kept ${start}–${end} ms (${info})`);
  const recordedFor = 0.8 + TONE.lead + TONE.seconds + 0.7;
  assert.ok(duration >= recordedFor * 1000 - 300, `the take lasts the whole recording (${duration} ms, about ${recordedFor} s)`);
  // Silence at both ends is trimmed, keeping 150 ms either side of the tone.
  assert.ok(start >= (0.8 + TONE.lead) * 1000 - 250, `leading silence trimmed: the start handle is at ${start} ms`);
  assert.ok(end <= duration - 400, `trailing silence trimmed: the end handle is at ${end} of ${duration} ms`);
  assert.ok(Math.abs(end - start - (TONE.seconds * 1000 + 300)) <= 100, `the handles keep the tone and 150 ms either side (${end - start} ms)`);
  for (const handle of ['start', 'end']) {
    assert.equal(await attr(`[data-testid="trim-${handle}"]`, 'role'), 'slider');
    assert.equal(await attr(`[data-testid="trim-${handle}"]`, 'aria-valuenow'), String(handle === 'start' ? start : end));
  }
  assert.match(await text('[data-testid="take-trim"]'), new RegExp(`Keeps ${((end - start) / 1000).toFixed(1)} s`));
  assert.ok(
    (await session.execute('return document.querySelector(\'[data-testid="take-waveform"] path.kept\')?.getAttribute("d") ?? ""')).length > 20,
    'the take is drawn',
  );
  assert.equal(await session.execute('return document.querySelector(\'[data-testid="take-silent"]\') === null'), true, 'not taken for silence');
  await session.screenshot(join(SHOTS, 'greetings-record-take.png'));
});

test('Preview plays the take through the Rust player: the sink hears the trimmed, normalized tone', async (t) => {
  assert.ok(take, 'a take was recorded');
  assert.equal(await attr('[data-testid="take-preview"]', 'data-state'), 'idle');
  // Stereo, not mono: PipeWire's stereo-to-mono downmix for the recording stream adds 3 dB and would clip a full-scale tone.
  const recorder = await recordSink(SINK, join(work, 'preview.raw'), 2);
  let heard;
  const heads = [];
  try {
    await (await session.find('[data-testid="take-preview"]')).click();
    await until(async () => (await attr('[data-testid="take-preview"]', 'data-state')) === 'playing', 'the preview playing', 10_000);
    assert.match(await text('[data-testid="take-preview"]'), /Stop/, 'the button stops the preview while it plays');
    assert.match(await text('[data-testid="take-preview-device"]'), /^Playing on \S/, 'the output device is named');
    await until(async () => {
      const ms = Number(await attr('[data-testid="take-playhead"]', 'data-ms'));
      if (Number.isFinite(ms) && ms > 0) heads.push(ms);
      return heads.length >= 2 && heads.at(-1) > take.start + 500;
    }, 'the playhead moving through the kept part');
    await session.screenshot(join(SHOTS, 'greetings-record-preview.png'));
    await until(async () => (await attr('[data-testid="take-preview"]', 'data-state')) === 'ended', 'the preview playing to its end', 10_000);
  } finally {
    const [left, right] = await recorder.stop();
    heard = { left, right };
  }
  assert.ok(heads.every((h) => h >= take.start && h <= take.end), `the playhead stays within the handles: ${heads.join(', ')}`);
  assert.equal(await session.execute('return document.querySelector(\'[data-testid="take-playhead"]\') === null'), true, 'no playhead once ended');
  assert.match(await text('[data-testid="take-preview"]'), /Preview/);
  assert.equal((await text('[data-testid="take-preview-error"]')).trim(), '');

  // What the sink heard, on each channel: about the kept length of sound, the tone's pitch, at the
  // normalized peak.
  for (const [side, samples] of Object.entries(heard)) {
    const windows = [];
    for (let at = 0; at + 800 <= samples.length; at += 800) windows.push(samples.subarray(at, at + 800));
    const loudIdx = windows.map((w, i) => (rms(w) > 0.05 ? i : -1)).filter((i) => i >= 0);
    const loudSeconds = loudIdx.length * 0.05;
    assert.ok(loudIdx.length > 0, `the ${side} channel heard the preview`);
    // The tone's pitch and level, over quarter-second windows of the loud part (its first and
    // last quarter second left out). A dropped buffer is a discontinuity: its window has extra
    // zero crossings and, through the sink's resampler, an overshoot. One such window is
    // reported but tolerated: on a busy 2-core CI machine PipeWire's pulse server (its main
    // thread runs at ordinary priority) can still come late once; a second one fails.
    const first = loudIdx[0] * 800;
    const last = (loudIdx.at(-1) + 1) * 800;
    const windows4 = [];
    for (let at = first + 4000; at + 4000 <= last - 4000; at += 4000) {
      const w = samples.subarray(at, at + 4000);
      windows4.push({ at: at / 16000, crossings: zeroCrossings(w) * 4, peak: peakOf(w) });
    }
    const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const crossings = median(windows4.map((w) => w.crossings));
    const level = median(windows4.map((w) => w.peak));
    const odd = windows4.filter((w) => Math.abs(w.crossings - 2 * TONE.hz) > 24 || Math.abs(w.peak - TARGET_PEAK) > 0.03);
    t.diagnostic(
      `sink ${side} during preview: ${loudSeconds.toFixed(2)} s loud of ${(samples.length / 16000).toFixed(2)} s; ${crossings} zero crossings a second, peak ${level.toFixed(3)} (medians of ${windows4.length} quarter seconds)`,
    );
    for (const w of odd) t.diagnostic(`  a discontinuity at ${w.at.toFixed(2)} s: ${w.crossings} crossings a second, peak ${w.peak.toFixed(3)}`);
    assert.ok(windows4.length >= 5, `the ${side} channel has ${windows4.length} quarter seconds of tone to measure`);
    assert.ok(Math.abs(loudSeconds - TONE.seconds) <= 0.2, `the ${side} channel heard ${loudSeconds.toFixed(2)} s of tone, not ${TONE.seconds} s`);
    assert.ok(Math.abs(crossings - 2 * TONE.hz) <= 20, `the preview is the ${TONE.hz} Hz tone (${crossings} crossings a second)`);
    assert.ok(Math.abs(level - TARGET_PEAK) <= 0.03, `the preview is normalized to -1 dBFS (peak ${level.toFixed(3)})`);
    assert.ok(odd.length <= 1, `the preview plays without gaps (${odd.length} quarter seconds broken)`);
  }
});

test('Publish is refused while the bucket keeps greetings/ private, and leaves nothing behind', async () => {
  await (await session.find('[data-testid="greeting-name"]')).type(GREETING);
  await (await session.find('[data-testid="take-publish"]')).click();
  const error = await until(async () => (await text('[data-testid="take-publish-error"]')).trim(), 'the publish failing', 30_000);
  assert.equal(await attr('[data-testid="take-publish-error"]', 'data-code'), 'forbidden');
  assert.match(error, /callers could not fetch it/);
  assert.match(error, /Apply the greetings policy/);
  // The take stays for another try, and the upload that callers could not fetch was removed.
  assert.equal(await state(), 'take');
  assert.match(moto.log(), new RegExp(`"PUT /${BUCKET}/greetings/${ACCOUNT}/[^" ]+\\.wav[^" ]* HTTP/1\\.1" 200`), 'the WAV was uploaded');
  assert.match(moto.log(), new RegExp(`"DELETE /${BUCKET}/greetings/${ACCOUNT}/[^" ]+\\.wav[^" ]* HTTP/1\\.1" 204`), 'and removed again');
  assert.deepEqual(await listKeys('greetings/'), [], 'no greeting object is left in the bucket');
  assert.equal(await session.execute('return document.querySelector(\'[data-testid="greeting-recorded"]\') === null'), true, 'nothing is listed as recorded');
  await session.execute('document.querySelector(\'[data-testid="take-publish-error"]\').scrollIntoView({ block: "center" })');
  await session.screenshot(join(SHOTS, 'greetings-record-publish-refused.png'));
});

test('the greetings policy is applied, then Publish uploads the greeting and the list shows it as Recorded', async (t) => {
  await (await session.find('[data-testid="greetings-policy-apply"]')).click();
  const applied = await until(async () => (await text('[data-testid="greetings-policy-applied"]')).trim(), 'the policy being applied', 20_000);
  assert.match(applied, /greetings\/ is publicly readable; the rest of the bucket stays private/);
  const stored = await fetch(`${moto.url}/${BUCKET}?policy`);
  assert.equal(stored.status, 200, 'the bucket has a policy now');
  const policy = JSON.parse(await stored.text());
  assert.deepEqual(policy.Statement.map((s) => [s.Effect, s.Principal, s.Action, s.Resource]), [
    ['Allow', '*', 's3:GetObject', `arn:aws:s3:::${BUCKET}/greetings/*`],
  ]);
  assert.equal(await state(), 'take', 'the take survives applying the policy');
  assert.equal(await session.execute('return document.querySelector(\'[data-testid="greeting-name"]\').value'), GREETING, 'and so does the name');

  const before = twilio.requests.length;
  await (await session.find('[data-testid="take-publish"]')).click();
  const published = await until(async () => (await text('[data-testid="record-published"]')).trim(), 'the greeting being published', 30_000);
  t.diagnostic(`published: ${published}`);
  assert.match(published, new RegExp(`^Published “${GREETING}”\\. Call routing is not deployed yet`));
  assert.equal(await state(), 'idle', 'the recorder is ready for another take');
  // Publishing updated the routing: it read the numbers, then found no routing deployed.
  const routing = twilio.requests.slice(before).map((r) => `${r.method} ${r.path}`);
  assert.ok(routing.includes(`GET /2010-04-01/Accounts/${ACCOUNT}/IncomingPhoneNumbers.json`), `the numbers were read: ${routing}`);
  assert.ok(routing.includes('GET /v1/Services'), `the routing service was looked for: ${routing}`);

  const row = await until(async () => {
    const rows = await session.execute(`return [...document.querySelectorAll('[data-testid="greeting-row"]')].map((el) => ({
      text: el.textContent, url: el.querySelector('[data-testid="greeting-recorded"] .url')?.getAttribute('title') ?? null,
      recorded: el.querySelector('[data-testid="greeting-recorded"]')?.textContent ?? null }))`);
    return rows.find((r) => r.text.includes(GREETING) && r.url);
  }, 'the greeting listed as recorded');
  assert.match(row.recorded, /Recorded/);
  assert.match(row.text, /Active/, 'the first default greeting is the active one');

  // In the bucket: one object, content-addressed under this account's greetings.
  const keys = await listKeys('greetings/');
  assert.equal(keys.length, 1, `one greeting object: ${keys}`);
  const [key] = keys;
  assert.match(key, new RegExp(`^greetings/${ACCOUNT}/[^/]+-[0-9a-f]{16}\\.wav$`));
  assert.equal(row.url, `${moto.url}/${BUCKET}/${key}`, 'the list shows its public, path-style address');
  t.diagnostic(`object: ${key}`);
  await session.screenshot(join(SHOTS, 'greetings-record-published.png'));
});

test('the public address answers without credentials with a 16 kHz mono 16-bit WAV of the tone at -1 dBFS', async (t) => {
  const [key] = await listKeys('greetings/');
  assert.ok(key, 'the greeting was published');
  const url = `${moto.url}/${BUCKET}/${key}`;
  // Fetched as Twilio would: a plain GET, no credentials. (moto refuses an anonymous HEAD even
  // under a policy allowing s3:GetObject, which AWS allows, so only GET is used.)
  const res = await fetch(url);
  assert.equal(res.status, 200, 'anyone may read greetings/');
  assert.equal(res.headers.get('content-type'), 'audio/wav');
  const bytes = Buffer.from(await res.arrayBuffer());
  assert.equal(Number(res.headers.get('content-length')), bytes.length);
  // Content-addressed: the name holds the start of the SHA-256 of these very bytes.
  const { createHash } = await import('node:crypto');
  assert.ok(key.endsWith(`-${createHash('sha256').update(bytes).digest('hex').slice(0, 16)}.wav`), 'the key names the content hash');

  const wav = parseWav(bytes);
  assert.deepEqual(
    { format: wav.format, channels: wav.channels, rate: wav.rate, bits: wav.bits, blockAlign: wav.blockAlign, byteRate: wav.byteRate },
    { format: 1, channels: 1, rate: 16000, bits: 16, blockAlign: 2, byteRate: 32000 },
    'PCM, mono, 16 kHz, 16-bit',
  );
  const s = wav.samples;
  const seconds = s.length / 16000;
  t.diagnostic(`published WAV: ${seconds.toFixed(3)} s, ${bytes.length} bytes`);
  assert.ok(Math.abs(seconds * 1000 - (take.end - take.start)) <= 25, `it is the kept part of the take (${seconds} s, kept ${take.end - take.start} ms)`);
  const mid = Math.floor(s.length / 2);
  const middle = s.subarray(mid - 8000, mid + 8000);
  const crossings = zeroCrossings(middle);
  const peak = peakOf(s);
  t.diagnostic(`tone: ${crossings} zero crossings over the middle second; peak ${peak.toFixed(4)}, middle RMS ${rms(middle).toFixed(4)}`);
  assert.ok(Math.abs(crossings - 2 * TONE.hz) <= 20, `the ${TONE.hz} Hz tone (${crossings} zero crossings over the middle second)`);
  assert.ok(Math.abs(peak - TARGET_PEAK) <= 0.01, `peak-normalized to -1 dBFS (${peak})`);
  // A clean sine: RMS is the peak over √2 (no clipping, no distortion).
  assert.ok(Math.abs(rms(middle) - TARGET_PEAK / Math.SQRT2) <= 0.02, `a clean sine (RMS ${rms(middle)})`);
  // The 150 ms kept either side of the tone is silence.
  assert.ok(rms(s.subarray(0, 1600)) < 0.01, `the first 100 ms are quiet (RMS ${rms(s.subarray(0, 1600))})`);
  assert.ok(rms(s.subarray(s.length - 1600)) < 0.01, `the last 100 ms are quiet (RMS ${rms(s.subarray(s.length - 1600))})`);

  // Everything else in the bucket stays private: an object outside greetings/ is refused.
  const secret = `voicemail/${ACCOUNT}/RE00000000000000000000000000000001.mp3`;
  const put = await fetch(`${moto.url}/${BUCKET}/${secret}`, { method: 'PUT', body: 'private audio' });
  assert.equal(put.status, 200, 'a private object to check against');
  assert.equal((await fetch(`${moto.url}/${BUCKET}/${secret}`)).status, 403, 'outside greetings/ nothing is public');
  assert.deepEqual(twilio.unknown, [], 'the fake Twilio answered every request');
});
