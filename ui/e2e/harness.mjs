// Shared by the browser tests: a static server over dist/ with the app's CSP, Debian's Chromium
// through playwright-core, and a fake Tauri IPC bridge installed before the app's scripts run.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { after, before } from 'node:test';
import { tmpdir } from 'node:os';
import { extname, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const UI = resolve(fileURLToPath(import.meta.url), '../..');
export const DIST = join(UI, 'dist');
export const RESULTS = join(UI, 'test-results');
const FAKE_SDK = join(UI, 'test', 'fakes', 'voice-sdk.js');

/** The CSP of src-tauri/tauri.conf.json, minus the IPC origins the fake bridge does not need. */
export const CSP = "default-src 'self'; style-src 'self' 'unsafe-inline'; script-src 'self'";

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/** Serves dist/ on a free port of 127.0.0.1, as the Tauri shell would embed it. */
export async function serveDist() {
  if (!existsSync(join(DIST, 'index.html'))) {
    throw new Error(`${DIST}/index.html is missing: run \`npm run build\` before \`npm run e2e\`.`);
  }
  const server = createServer(async (req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path === '/favicon.ico') {
      res.writeHead(204).end(); // Chromium asks for one; the Tauri webview does not.
      return;
    }
    const file = normalize(join(DIST, path === '/' ? 'index.html' : decodeURIComponent(path)));
    if (!file.startsWith(DIST)) {
      res.writeHead(403).end();
      return;
    }
    try {
      const body = await readFile(file);
      res.writeHead(200, {
        'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
        'content-security-policy': CSP,
        'cache-control': 'no-store',
      });
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((done) => server.listen(0, '127.0.0.1', done));
  const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise((done) => {
        server.closeAllConnections();
        server.close(done);
      }),
  };
}

/** Debian's Chromium, headless, in a fresh profile directory that is removed on close. */
export async function launchChromium() {
  const profile = mkdtempSync(join(tmpdir(), 'switchboard-e2e-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1100, height: 720 },
    deviceScaleFactor: 1,
    colorScheme: 'light',
    reducedMotion: 'reduce',
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export const ACCOUNT_SID = 'AC0123456789abcdef0123456789abcdef';
export const API_KEY_SID = 'SK0123456789abcdef0123456789abcdef';
export const SECRET = 'xq7Secret0Only4Twilio9Eyes2aaaaa';

export const PROFILE = {
  name: 'default',
  account_sid: ACCOUNT_SID,
  account_name: 'Acme Plumbing',
  api_key_sid: API_KEY_SID,
  region: null,
  edge: null,
  subaccount_sid: null,
};

export const STATUS = {
  version: '0.1.0',
  profile: null,
  data_dir: '/home/ada/.local/share/app.switchboard.desktop',
  log_dir: '/home/ada/.local/share/app.switchboard.desktop/logs',
};

/** The app's status with an account connected. */
export const CONNECTED = { status: { ...STATUS, profile: PROFILE } };

export const NO_ERRORS = { account_sid: null, api_key_sid: null, api_key_secret: null, profile_name: null };

/** Output devices the fake player offers unless a scenario lists its own. */
export const DEVICES = [
  { id: 'pipewire:builtin', name: 'Built-in Audio Analog Stereo', is_default: true },
  { id: 'pipewire:usb-headset', name: 'USB Headset', is_default: false },
  { id: 'pipewire:hdmi', name: 'HDMI / DisplayPort 1', is_default: false },
];

/**
 * Runs in the page before the app: a stand-in for the Tauri IPC bridge with the shape
 * `@tauri-apps/api` expects (`invoke`, `transformCallback`, `unregisterCallback`, `metadata`, and
 * the event plugin's `unregisterListener`). Commands answer from `scenario`; every call is recorded
 * in `window.__ipc.calls`; `window.__ipc.emit` fires a Rust event; `window.__ipc.arrive(v)` stores a
 * voicemail and fires `voicemail://new`; `window.__ipc.release()` lets held `connect_account`
 * calls finish. `sync_status` counts unread and deleted voicemails, as Rust does.
 *
 * The voicemail player is a small state machine standing in for the Rust one: `play_voicemail`
 * publishes `loading`, then after `loadMs` starts `playing` (even if a stop came meanwhile, as
 * Rust does) or, for a sid in `playFailures`, `failed`, and answers with that state; while
 * playing, `playback://state` fires every `tickMs` with the position advanced by `tickMs × speed`
 * until `ended`; past 60% an unread message turns read with `voicemail://heard`, as in Rust.
 * `redownload_voicemail` clears a sid's failures.
 *
 * @param {{
 *   status: object, statusDelayMs?: number, statusFailures?: unknown[],
 *   validate?: object[], connect?: ({profile: object} | {error: unknown} | {hold: true, profile?: object, error?: unknown})[],
 *   voicemails?: object[], tickMs?: number, loadMs?: number,
 *   playFailures?: Record<string, {code: string, message: string, redownload: boolean}>,
 *   waveformFailures?: Record<string, {code: string, message: string}>, playbackNotice?: string,
 *   devices?: object[], selectedDevice?: string | null, outputFailures?: unknown[],
 *   archive?: object | null, archiveSaves?: ({error: unknown} | {})[], archiveErrors?: Record<string, unknown>,
 *   syncStatus?: object,
 * }} scenario
 */
function installFakeTauri(scenario) {
  const calls = [];
  const callbacks = new Map();
  const listeners = new Map();
  const held = [];
  const validate = [...(scenario.validate ?? [])];
  const connect = [...(scenario.connect ?? [])];
  const statusFailures = [...(scenario.statusFailures ?? [])];
  const numbers = (scenario.numbers ?? []).map((n) => ({ ...n }));
  let routing = scenario.routing ?? null;
  const greetings = (scenario.greetings ?? []).map((g) => ({ ...g }));
  const voicemails = (scenario.voicemails ?? []).map((v) => ({ ...v }));
  let timeZone = 'America/New_York';
  const pronunciations = [];
  let nextId = 1;
  const sleep = (ms) => new Promise((done) => setTimeout(done, ms));
  const emit = (event, payload) => {
    for (const id of listeners.get(event) ?? []) callbacks.get(id)?.({ event, id, payload });
  };

  const devices = (scenario.devices ?? []).map((d) => ({ ...d }));
  let selectedDevice = scenario.selectedDevice ?? null;
  const outputFailures = [...(scenario.outputFailures ?? [])];
  let archive = scenario.archive ? { ...scenario.archive } : null;
  const archiveSaves = [...(scenario.archiveSaves ?? [])];
  const playFailures = { ...(scenario.playFailures ?? {}) };
  const waveformFailures = { ...(scenario.waveformFailures ?? {}) };
  const tickMs = scenario.tickMs ?? 100;
  const IDLE = { recording_sid: null, state: 'idle', position_ms: 0, duration_ms: 0, device: null, notice: null, error: null };
  let player = { ...IDLE, speed: 1, volume: 1 };
  let ticker;

  const publish = () => {
    emit('playback://state', { ...player });
    return { ...player };
  };
  const stopTicking = () => {
    clearInterval(ticker);
    ticker = undefined;
  };
  const startTicking = () => {
    stopTicking();
    ticker = setInterval(() => {
      player.position_ms = Math.min(player.duration_ms, player.position_ms + Math.round(tickMs * player.speed));
      if (player.position_ms >= player.duration_ms) {
        player.state = 'ended';
        stopTicking();
      }
      publish();
      const heard = voicemails.find((v) => v.recording_sid === player.recording_sid);
      if (heard?.state === 'unread' && player.position_ms >= player.duration_ms * 0.6) {
        heard.state = 'read';
        emit('voicemail://heard', heard.recording_sid);
      }
    }, tickMs);
  };
  const deviceName = () => (devices.find((d) => d.id === selectedDevice) ?? devices.find((d) => d.is_default))?.name ?? 'Default output';
  const findVoicemail = (sid) => {
    const v = voicemails.find((x) => x.recording_sid === sid);
    if (!v) throw { code: 'not_found', message: `There is no voicemail ${sid} in the local copy.` };
    return v;
  };
  /** Peaks that look like speech: syllables under a slow envelope, with pauses, the same for a sid every time. */
  const waveform = (sid) => {
    const v = findVoicemail(sid);
    const seed = [...sid].reduce((sum, c) => sum + c.charCodeAt(0), 0);
    const peaks = Array.from({ length: 300 }, (_, i) => {
      const envelope = 0.55 + 0.45 * Math.sin(i / 23 + seed);
      const syllable = Math.abs(Math.sin(i * 0.37 + seed * 1.3)) * (0.6 + 0.4 * Math.sin(i * 1.7 + seed));
      const pause = Math.sin(i / 9.5 + seed * 0.7) > 0.82 ? 0.08 : 1;
      return Math.round(Math.max(0.02, envelope * syllable * pause) * 1000) / 1000;
    });
    return { recording_sid: sid, peaks, duration_ms: (v.duration ?? 30) * 1000 };
  };

  async function command(cmd, args) {
    switch (cmd) {
      case 'plugin:event|listen': {
        const ids = listeners.get(args.event) ?? [];
        ids.push(args.handler);
        listeners.set(args.event, ids);
        return args.handler;
      }
      case 'plugin:event|unlisten': {
        const ids = listeners.get(args.event) ?? [];
        listeners.set(args.event, ids.filter((id) => id !== args.eventId));
        return null;
      }
      case 'app_status':
        await sleep(scenario.statusDelayMs ?? 0);
        if (statusFailures.length > 0) throw statusFailures.shift();
        return scenario.status;
      case 'validate_credentials':
        return validate.shift() ?? { account_sid: null, api_key_sid: null, api_key_secret: null, profile_name: null };
      case 'connect_account': {
        const step = connect.shift();
        if (!step) throw { code: 'internal', message: 'The test did not expect another connect_account.' };
        if (step.hold) await new Promise((done) => held.push(done));
        if (step.error) throw step.error;
        return step.profile;
      }
      case 'open_help':
        return null;
      case 'sync_status':
        // As in Rust: counted from the local copy, so it follows voicemail_action and archive_voicemail.
        return {
          last_synced_at: Math.floor(Date.now() / 1000) - 120,
          stale: false,
          pending_changes: voicemails.filter((v) => v.state === 'deleted').length,
          unread_voicemails: voicemails.filter((v) => v.state === 'unread').length,
          ...scenario.syncStatus,
        };
      case 'list_numbers':
        return numbers.map((n) => ({ ...n }));
      case 'routing_status':
        return routing;
      case 'deploy_routing':
        await sleep(scenario.deployMs ?? 0);
        routing = { service_sid: 'ZS' + '1'.repeat(32), domain: 'switchboard-routing-1234-prod.twil.io', inbound_url: 'https://switchboard-routing-1234-prod.twil.io/inbound', application_sid: 'AP' + '1'.repeat(32), build_sid: 'ZB' + '1'.repeat(32), code_current: true };
        return routing;
      case 'list_greetings':
        return { time_zone: timeZone, pronunciations: [...pronunciations], greetings: greetings.map((g) => ({ ...g })) };
      case 'change_greetings': {
        const { op, value } = args.edit;
        if (op === 'add') {
          if (greetings.some((g) => g.name === value.name)) throw { code: 'invalid_input', message: `Name: a greeting called "${value.name}" already exists.` };
          if (value.kind === 'default') greetings.forEach((g) => g.greeting.kind === 'default' && (g.active = false));
          greetings.push({ name: value.name, active: true, greeting: { id: `g${greetings.length + 1}`, kind: value.kind, url: null, say: value.say, open: value.open ?? null, from: value.from ?? null, to: value.to ?? null } });
        } else if (op === 'remove') {
          greetings.splice(greetings.findIndex((g) => g.name === value), 1);
        } else if (op === 'pronounce') {
          pronunciations.push(value);
        } else if (op === 'time_zone') {
          timeZone = value;
        } else if (op === 'activate') {
          greetings.find((g) => g.name === value).active = true;
        }
        return routing ? { live: true, note: null } : { live: false, note: 'Call routing is not deployed yet: deploy it in Numbers so callers hear your greetings.' };
      }
      case 'preview_greeting':
        return args.local.endsWith('T19:00') ? 'Closed' : greetings.find((g) => g.greeting.kind === 'default')?.name ?? null;
      case 'list_voicemails': {
        const states = args.filter === 'all' ? ['unread', 'read'] : args.filter === 'unread' ? ['unread'] : ['archived'];
        return voicemails.filter((v) => states.includes(v.state)).map((v) => ({ ...v }));
      }
      case 'search_voicemails': {
        const words = args.query.toLowerCase().split(/\W+/).filter(Boolean);
        return voicemails
          .filter((v) => v.state !== 'deleted' && words.every((w) => `${v.transcript ?? ''} ${v.caller}`.toLowerCase().includes(w)))
          .map((v) => ({ ...v }));
      }
      case 'voicemail_action': {
        const v = voicemails.find((x) => x.recording_sid === args.recording_sid);
        v.state = { read: 'read', unread: 'unread', archive: 'archived', delete: 'deleted', restore: 'read' }[args.action];
        return null;
      }
      case 'play_voicemail': {
        // As in Rust: publish `loading`, download and check, then play (or fail) and answer with that.
        const v = findVoicemail(args.recording_sid);
        stopTicking();
        const duration_ms = (v.duration ?? 30) * 1000;
        player = { ...player, ...IDLE, recording_sid: v.recording_sid, state: 'loading' };
        publish();
        await sleep(scenario.loadMs ?? 150);
        const failure = playFailures[v.recording_sid];
        stopTicking();
        if (failure) {
          player = { ...player, ...IDLE, recording_sid: v.recording_sid, state: 'failed', error: failure };
        } else {
          const position_ms = Math.min(duration_ms, args.position_ms ?? 0);
          player = { ...player, ...IDLE, recording_sid: v.recording_sid, state: 'playing', duration_ms, position_ms, device: deviceName(), notice: scenario.playbackNotice ?? null };
          startTicking();
        }
        return publish();
      }
      case 'playback_control': {
        const control = args.control;
        const active = ['loading', 'playing', 'paused'].includes(player.state);
        if (control.kind === 'pause' && active) {
          stopTicking();
          player.state = 'paused';
        } else if (control.kind === 'resume' && player.state === 'paused') {
          player.state = 'playing';
          startTicking();
        } else if (control.kind === 'seek' && (active || player.state === 'ended')) {
          player.position_ms = Math.max(0, Math.min(player.duration_ms, control.position_ms));
          if (player.state === 'ended') player.state = 'paused';
        } else if (control.kind === 'speed') {
          if (control.speed < 0.75 || control.speed > 2) throw { code: 'invalid_input', message: 'Speed must be between 0.75 and 2.' };
          player.speed = control.speed;
        } else if (control.kind === 'volume') {
          player.volume = Math.max(0, Math.min(1, control.volume));
        } else if (control.kind === 'stop') {
          stopTicking();
          player = { ...player, ...IDLE };
        }
        return publish();
      }
      case 'playback_status':
        return { ...player };
      case 'voicemail_waveform': {
        const failure = waveformFailures[args.recording_sid];
        if (failure) throw failure;
        return waveform(args.recording_sid);
      }
      case 'redownload_voicemail':
        await sleep(scenario.redownloadMs ?? 100);
        delete playFailures[args.recording_sid];
        delete waveformFailures[args.recording_sid];
        return waveform(args.recording_sid);
      case 'save_voicemail_audio': {
        const v = findVoicemail(args.recording_sid);
        return `/home/ada/Downloads/Voicemail ${v.caller ?? 'unknown'} ${v.recording_sid}.mp3`;
      }
      case 'audio_outputs':
        return { devices: devices.map((d) => ({ ...d })), selected: selectedDevice };
      case 'set_output_device': {
        if (outputFailures.length > 0) throw outputFailures.shift();
        if (args.id !== null && !devices.some((d) => d.id === args.id)) throw { code: 'not_found', message: 'That output device is not connected any more.' };
        selectedDevice = args.id;
        if (player.state === 'playing') player.device = deviceName();
        return { devices: devices.map((d) => ({ ...d })), selected: selectedDevice };
      }
      case 'archive_settings':
        return archive ? { ...archive } : null;
      case 'save_archive_settings': {
        await sleep(scenario.archiveCheckMs ?? 100);
        const step = archiveSaves.shift();
        if (step?.error) throw step.error;
        const { secret_access_key, ...shown } = args.input;
        if (!archive && !secret_access_key) throw { code: 'invalid_input', message: 'Secret access key: needed the first time.' };
        archive = shown;
        return { ...archive };
      }
      case 'clear_archive_settings':
        archive = null;
        return null;
      case 'archive_voicemail': {
        const v = findVoicemail(args.recording_sid);
        await sleep(scenario.archiveMs ?? 0);
        const failure = scenario.archiveErrors?.[v.recording_sid];
        if (failure) throw failure;
        v.state = 'archived';
        if (!archive) return { recording_sid: v.recording_sid, key: null, bytes: null, sha256: null, delete_queued: false };
        v.archive_key = `voicemail/${scenario.status.profile?.account_sid}/${v.recording_sid}.mp3`;
        return { recording_sid: v.recording_sid, key: v.archive_key, bytes: 48213, sha256: '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08', delete_queued: archive.delete_from_twilio };
      }
      case 'remove_routing':
        routing = null;
        return true;
      case 'search_numbers':
        if (args.search.contains === 'NOPE') return { numbers: [], monthly_price: '1.15', price_unit: 'USD' };
        return {
          numbers: [
            { phone_number: '+14155550142', display: '+1 415-555-0142', place: 'San Francisco, CA', voice: true, sms: true, mms: true, address_requirements: 'none' },
            { phone_number: '+14155550177', display: '+1 415-555-0177', place: 'San Francisco, CA', voice: true, sms: true, mms: false, address_requirements: 'none' },
          ],
          monthly_price: '1.15',
          price_unit: 'USD',
        };
      case 'buy_number': {
        const bought = {
          sid: 'PN' + String(numbers.length + 1).padStart(32, '0'),
          phone_number: args.phone_number,
          display: args.phone_number.replace(/^\+1(\d{3})(\d{3})(\d{4})$/, '+1 $1-$2-$3'),
          friendly_name: args.friendly_name,
          voice: true, sms: true, mms: false,
          routing: args.wire ? { kind: 'switchboard' } : { kind: 'none' },
        };
        numbers.push(bought);
        return bought;
      }
      case 'update_number': {
        const n = numbers.find((x) => x.sid === args.sid);
        if (args.change.friendly_name !== undefined) n.friendly_name = args.change.friendly_name || null;
        if (args.change.routing) n.routing = args.change.routing;
        return n;
      }
      case 'release_number': {
        const n = numbers.find((x) => x.sid === args.sid);
        if (args.typed.replace(/[\s\-.()]/g, '') !== n.phone_number) throw { code: 'invalid_input', message: `Type ${n.phone_number} exactly to release it; nothing was released.` };
        numbers.splice(numbers.indexOf(n), 1);
        return null;
      }
      case 'rebuild_cache': {
        await sleep(scenario.rebuildMs ?? 0);
        if (scenario.rebuildError) throw scenario.rebuildError;
        return { resources: [{ resource: 'calls', pages: 3, fetched: 2100, stored: 2100, skipped: 0, removed: 0, resumed: false, full: true }, { resource: 'recordings', pages: 1, fetched: 40, stored: 40, skipped: 0, removed: 0, resumed: false, full: true }] };
      }
      case 'sync_now': {
        const step = (scenario.syncNow ?? []).shift?.() ?? { report: { resources: [] } };
        for (const [done, resource] of [[1000, 'calls'], [250, 'recordings']]) {
          emit('sync://progress', { resource, done });
          await sleep(step.stepMs ?? 0);
        }
        if (step.error) throw step.error;
        return step.report;
      }
      default:
        throw `Command ${cmd} not found`;
    }
  }

  window.__TAURI_INTERNALS__ = {
    metadata: {
      currentWindow: { label: 'main' },
      currentWebview: { windowLabel: 'main', label: 'main' },
    },
    transformCallback(callback, once = false) {
      const id = nextId++;
      callbacks.set(id, (data) => {
        if (once) callbacks.delete(id);
        return callback?.(data);
      });
      return id;
    },
    unregisterCallback(id) {
      callbacks.delete(id);
    },
    invoke(cmd, args = {}, _options) {
      calls.push({ cmd, args: JSON.parse(JSON.stringify(args)) });
      return command(cmd, args);
    },
  };
  window.__TAURI_EVENT_PLUGIN_INTERNALS__ = {
    unregisterListener(_event, id) {
      callbacks.delete(id);
    },
  };
  window.__ipc = {
    calls,
    emit,
    /** A voicemail arrives, as a sync would bring it: stored first, then `voicemail://new`. */
    arrive(voicemail) {
      voicemails.unshift({ ...voicemail });
      emit('voicemail://new', { ...voicemail });
    },
    release() {
      for (const done of held.splice(0)) done();
    },
  };
  // tauri.conf.json sets `freezePrototype`; the app must work with a frozen Object.prototype.
  Object.freeze(Object.prototype);
}

// ---- Greeting recorder (issue 6): its own fake, layered over installFakeTauri's bridge. ----

/** Microphones the fake recorder offers unless a scenario lists its own. */
export const MICROPHONES = [
  { id: 'pipewire:builtin-mic', name: 'Built-in Audio Analog Stereo', is_default: true },
  { id: 'pipewire:usb-headset-mic', name: 'USB Headset Microphone', is_default: false },
];

/**
 * Runs in the page after {@link installFakeTauri}: answers the recorder's commands by wrapping
 * `__TAURI_INTERNALS__.invoke` (every call still lands in `window.__ipc.calls`; anything else
 * goes to the bridge underneath). `scenario.recording` sets it up:
 *
 * - `hosting`: what `greetings_hosting` answers (default: no bucket); `apply_greetings_policy` sets
 *   `policy_applied`, after throwing each of `policyErrors` once.
 * - `inputs`, `selectedInput`: microphones; `startErrors`: what `start_recording` throws, in turn.
 * - `levels`: `'auto'` (default) sends `recording://level` every `levelMs` (33) with speech-like
 *   values (near silence when `silent`); `'manual'` sends none (tests emit them). Time runs
 *   `timeScale` times faster; at `limitMs` (120 000) recording stops with `recording://stopped`.
 * - `limitWinsStop`: `stop_recording` loses a race with the limit (fails, then `recording://stopped`).
 * - `takeMs`: the take's length (default: the time recorded); its trim is 400 ms in from each end
 *   (the whole take when `silent`), its 400 peaks quiet in those margins.
 * - `preview_take` plays through a fake player (`recording_sid` "take", `playback://state` every
 *   `previewTickMs`, from 0 to the trimmed length); silent or under-a-second takes are refused.
 * - `publish_take` takes `publishMs`, throws each of `publishErrors` once, refuses silent or short
 *   takes, then lists a recorded greeting (its URL under `hosting.public_base`) with
 *   `list_greetings`, or gives one of that name new audio; `live` decides the answer.
 */
function installFakeRecording(scenario) {
  const options = scenario.recording ?? {};
  const internals = window.__TAURI_INTERNALS__;
  const underneath = internals.invoke.bind(internals);
  const { emit, calls } = window.__ipc;
  const sleep = (ms) => new Promise((done) => setTimeout(done, ms));
  const fail = (code, message) => ({ code, message });

  let hosting = { configured: false, public_base: null, policy: null, policy_applied: null, ...options.hosting };
  const policyErrors = [...(options.policyErrors ?? [])];
  const inputs = (options.inputs ?? scenario.microphones ?? []).map((d) => ({ ...d }));
  let selected = options.selectedInput ?? null;
  const startErrors = [...(options.startErrors ?? [])];
  const publishErrors = [...(options.publishErrors ?? [])];
  const levelMs = options.levelMs ?? 33;
  const timeScale = options.timeScale ?? 1;
  const limitMs = options.limitMs ?? 120000;
  const recorded = [];

  let recording = null; // { startedAt, timer }
  let take = null;
  const IDLE = { recording_sid: null, state: 'idle', position_ms: 0, duration_ms: 0, speed: 1, volume: 1, device: null, notice: null, error: null };
  let preview = { ...IDLE };
  let ticker;

  const deviceName = () => (inputs.find((d) => d.id === selected) ?? inputs.find((d) => d.is_default))?.name ?? 'Default input';
  const elapsed = () => Math.min(limitMs, Math.round((Date.now() - recording.startedAt) * timeScale));
  const summary = (duration_ms) => {
    const margin = 400;
    const peaks = Array.from({ length: 400 }, (_, i) => {
      if (options.silent) return 0.002 + 0.002 * Math.abs(Math.sin(i));
      const ms = (i / 400) * duration_ms;
      if (ms < margin - 150 || ms > duration_ms - margin + 150) return 0.01;
      const envelope = 0.55 + 0.45 * Math.sin(i / 17);
      const syllable = Math.abs(Math.sin(i * 0.41)) * (0.6 + 0.4 * Math.sin(i * 1.9));
      const pause = Math.sin(i / 7.5) > 0.86 ? 0.1 : 1;
      return Math.round(Math.max(0.02, envelope * syllable * pause) * 1000) / 1000;
    });
    // As Rust sends them: scaled so the loudest is 1, even for a silent take.
    const top = Math.max(...peaks);
    for (let i = 0; i < peaks.length; i++) peaks[i] = Math.round((peaks[i] / top) * 1000) / 1000;
    const trim = options.silent ? { start_ms: 0, end_ms: duration_ms } : { start_ms: margin, end_ms: duration_ms - margin };
    return { duration_ms, trim, peaks, device: deviceName() };
  };
  const finish = () => {
    clearInterval(recording.timer);
    const took = elapsed();
    recording = null;
    take = summary(options.takeMs ?? Math.max(10, Math.round(took / 10) * 10));
    return take;
  };
  const level = (ms) => {
    if (options.silent) return { rms: 0.0006, peak: 0.002, elapsed_ms: ms };
    const rms = 0.04 + 0.12 * Math.abs(Math.sin(ms / 180)) * (0.6 + 0.4 * Math.sin(ms / 1300));
    return { rms: Math.round(rms * 1000) / 1000, peak: Math.min(0.95, Math.round(rms * 2.8 * 1000) / 1000), elapsed_ms: ms };
  };
  const checkTake = (trim) => {
    if (!take) throw fail('not_found', 'There is no take: record one first.');
    if (options.silent) throw fail('invalid_input', 'The recording is silent: check the microphone is on, not muted, and chosen in the list, then record again.');
    const ms = trim.end_ms - trim.start_ms;
    if (ms < 1000) throw fail('invalid_input', `The greeting is too short (${ms} ms): record at least a second of speech.`);
  };
  const publishPreview = () => {
    emit('playback://state', { ...preview });
    return { ...preview };
  };
  const stopPreview = () => {
    clearInterval(ticker);
    ticker = undefined;
  };
  const previewing = () => preview.recording_sid === 'take' && ['loading', 'playing', 'paused'].includes(preview.state);

  const handlers = new Map([
    ['greetings_hosting', async () => ({ ...hosting })],
    ['apply_greetings_policy', async () => {
      await sleep(options.policyMs ?? 150);
      if (policyErrors.length > 0) throw policyErrors.shift();
      hosting = { ...hosting, policy_applied: true };
      return { ...hosting };
    }],
    ['audio_inputs', async () => ({ devices: inputs.map((d) => ({ ...d })), selected })],
    ['set_input_device', async ({ id }) => {
      if (id !== null && !inputs.some((d) => d.id === id)) throw fail('not_found', 'That microphone is not connected any more.');
      selected = id;
      return { devices: inputs.map((d) => ({ ...d })), selected };
    }],
    ['start_recording', async () => {
      await sleep(options.startMs ?? 50);
      if (startErrors.length > 0) throw startErrors.shift();
      if (recording) clearInterval(recording.timer);
      take = null;
      recording = { startedAt: Date.now(), timer: undefined };
      const mine = recording;
      mine.timer = setInterval(() => {
        const ms = elapsed();
        if ((options.levels ?? 'auto') === 'auto') emit('recording://level', level(ms));
        if (ms >= limitMs && recording === mine) emit('recording://stopped', finish());
      }, levelMs);
      return null;
    }],
    ['stop_recording', async () => {
      if (!recording) throw fail('invalid_input', 'Nothing is being recorded.');
      await sleep(options.stopMs ?? 50);
      if (options.limitWinsStop) {
        // The limit ended it a moment before this stop: the stop fails, recording://stopped follows.
        const summary = finish();
        setTimeout(() => emit('recording://stopped', summary), 60);
        throw fail('invalid_input', 'Nothing is being recorded.');
      }
      return finish();
    }],
    ['discard_take', async () => {
      if (recording) finish();
      take = null;
      return null;
    }],
    ['preview_take', async ({ trim }) => {
      checkTake(trim);
      stopPreview();
      const duration_ms = trim.end_ms - trim.start_ms;
      preview = { ...IDLE, recording_sid: 'take', state: 'loading', duration_ms };
      publishPreview();
      await sleep(options.previewLoadMs ?? 100);
      if (preview.recording_sid !== 'take' || preview.state !== 'loading') return { ...preview };
      preview = { ...preview, state: 'playing', device: 'Built-in Audio Analog Stereo' };
      const tick = options.previewTickMs ?? 100;
      ticker = setInterval(() => {
        preview.position_ms = Math.min(preview.duration_ms, preview.position_ms + tick);
        if (preview.position_ms >= preview.duration_ms) {
          preview.state = 'ended';
          stopPreview();
        }
        publishPreview();
      }, tick);
      return publishPreview();
    }],
    ['publish_take', async ({ input }) => {
      await sleep(options.publishMs ?? 150);
      if (publishErrors.length > 0) throw publishErrors.shift();
      if (!hosting.configured) throw fail('not_configured', 'Recorded greetings need an S3 bucket: set one up in Settings.');
      checkTake(input.trim);
      take = null;
      const outcome = options.live ? { live: true, note: null } : { live: false, note: 'Call routing is not deployed yet: deploy it in Numbers so callers hear your greetings.' };
      // As Rust does: a greeting of that name keeps its schedule and gets the new audio.
      const same = recorded.find((g) => g.name === input.name);
      if (same) {
        same.greeting.url = `${hosting.public_base}${same.greeting.id}-${String(Date.now() % 1e8).padStart(8, '0')}.wav`;
        return outcome;
      }
      const id = `r${recorded.length + 1}`;
      recorded.push({
        name: input.name,
        active: true,
        greeting: { id, kind: input.kind, url: `${hosting.public_base}${id}-3f2a9c1e.wav`, say: null, open: input.open ?? null, from: input.from ?? null, to: input.to ?? null },
      });
      return outcome;
    }],
  ]);

  internals.invoke = (cmd, args = {}, invokeOptions) => {
    const handler = handlers.get(cmd);
    if (cmd === 'list_greetings' && recorded.length > 0) {
      return underneath(cmd, args, invokeOptions).then((overview) => {
        const defaults = recorded.some((g) => g.greeting.kind === 'default');
        const listed = overview.greetings.map((g) => (defaults && g.greeting.kind === 'default' ? { ...g, active: false } : g));
        return { ...overview, greetings: [...listed, ...recorded.map((g) => ({ ...g, greeting: { ...g.greeting } }))] };
      });
    }
    if ((cmd === 'playback_control' || cmd === 'playback_status') && previewing()) {
      calls.push({ cmd, args: JSON.parse(JSON.stringify(args)) });
      if (cmd === 'playback_control') {
        const kind = args.control.kind;
        if (kind === 'stop') {
          stopPreview();
          preview = { ...IDLE };
        }
        return Promise.resolve(publishPreview());
      }
      return Promise.resolve({ ...preview });
    }
    if (!handler) return underneath(cmd, args, invokeOptions);
    calls.push({ cmd, args: JSON.parse(JSON.stringify(args)) });
    return handler(args);
  };
}

// ---- End of the greeting recorder's fake. ----


// ---- Calling (issue 8): the core's calls, layered over installFakeTauri's bridge. ----

/** The account's numbers the fake offers as caller IDs. */
export const CALLER_IDS = [
  { number: '+14158675309', display: '(415) 867-5309', friendly_name: 'Main line' },
  { number: '+14155550100', display: '(415) 555-0100', friendly_name: null },
];
export const MY_PHONE = '+14155550999';

/**
 * Runs in the page after {@link installFakeTauri}: answers the calling commands as `src/calling`
 * does (the engine choice and its reasons, the checks and their messages, the phases), each change
 * published as `call://state` before the command answers. `scenario.calling` sets it up:
 *
 * - `settings`: `CallSettings` over the default (bridge engine, a bridge phone set);
 * - `callerIds`, `active` (calls in progress), `log` (`CallLogEntry`s for `call_log`, which
 *   filters and sums them up as the cache does), `setupError`, `ringtoneError`;
 * - `controlErrors`: `{action: IpcError[]}` thrown by `call_control` in turn; `logErrors`: thrown
 *   by `call_log` in turn; `ownedAtDial`: the caller IDs `start_call` accepts (default `callerIds`).
 *
 * Tests move calls on with `window.__calls.change(id, patch)` / `end(id, reason)` (what the
 * core's poller would report) and read `window.__calls.latest()`.
 */
function installFakeCalling(scenario) {
  const options = scenario.calling ?? {};
  const internals = window.__TAURI_INTERNALS__;
  const underneath = internals.invoke.bind(internals);
  const { emit, calls } = window.__ipc;
  const fail = (code, message) => ({ code, message });
  let settings = { engine: 'bridge', bridge_phone: '+14155550999', ring_bridge_phone: false, caller_id: null, ringtone_device: null, microphone: null, speaker: null, ...options.settings };
  const callerIds = options.callerIds ?? [
    { number: '+14158675309', display: '(415) 867-5309', friendly_name: 'Main line' },
    { number: '+14155550100', display: '(415) 555-0100', friendly_name: null },
  ];
  const views = new Map((options.active ?? []).map((v) => [v.id, { ...v }]));
  const log = (options.log ?? []).map((c) => ({ ...c }));
  const controlErrors = Object.fromEntries(Object.entries(options.controlErrors ?? {}).map(([k, v]) => [k, [...v]]));
  let rooms = 0;
  const national = (e164) => e164.replace(/^\+1(\d{3})(\d{3})(\d{4})$/, '($1) $2-$3');
  const e164 = (field, raw, country) => {
    const digits = raw.replace(/[\s\-.()]/g, '');
    if (/^\+[1-9]\d{7,14}$/.test(digits)) return digits;
    if ((country ?? 'US') === 'US' && /^1?[2-9]\d{9}$/.test(digits)) return `+1${digits.slice(-10)}`;
    if (digits.replace(/\D/g, '').length < 10) throw fail('invalid_input', `${field}: "${raw}" is too short for a number in ${country ?? 'US'}; type the whole number, with its area code.`);
    throw fail('invalid_input', `${field}: "${raw}" is not a phone number.`);
  };
  const publish = (view) => {
    views.set(view.id, view);
    emit('call://state', { ...view });
    return { ...view };
  };
  const change = (id, patch) => publish({ ...views.get(id), ...patch, revision: views.get(id).revision + 1 });
  const end = (id, reason) => change(id, { phase: 'ended', ended_at: Date.now(), end_reason: reason, notice: null });
  const live = (id) => {
    const v = views.get(id);
    if (!v || v.phase === 'ended') throw fail('not_found', `There is no live call "${id}"; it may have ended already.`);
    return v;
  };
  const choose = (caps) => {
    const available = caps.webrtc && caps.microphone;
    const missing = caps.webrtc ? 'this window cannot open a microphone (no getUserMedia)' : 'this window has no WebRTC (RTCPeerConnection), as in WebKitGTK on Linux';
    let engine;
    let reason;
    if (settings.engine === 'auto' && available) [engine, reason] = ['webview', 'Calls use this computer’s microphone and speakers: the window supports WebRTC.'];
    else if (settings.engine === 'auto') [engine, reason] = ['bridge', `Calls ring your phone first, then Twilio connects the other party: ${missing}.`];
    else if (settings.engine === 'webview' && available) [engine, reason] = ['webview', 'Calls use this computer’s microphone and speakers, as chosen in Settings.'];
    else if (settings.engine === 'webview') [engine, reason] = ['bridge', `Settings ask for calls in the app, but ${missing}; calls ring your phone instead.`];
    else [engine, reason] = ['bridge', 'Calls ring your phone first, then Twilio connects the other party, as chosen in Settings.'];
    const blocker = engine === 'bridge' && !settings.bridge_phone ? 'Set your own phone number in Settings, under Calling: Twilio rings it first, then connects the call.' : null;
    return { engine, preference: settings.engine, reason, webview_available: available, blocker };
  };
  const view = (fields) => ({
    on_hold: false, muted: false, recording: 'off', you_sid: null, them_sid: null, answered_at: null, ended_at: null, end_reason: null, notice: null, revision: 0,
    ...fields,
  });
  const callLog = (filter) => {
    const matches = log.filter((c) =>
      (!filter.direction || c.direction === filter.direction) &&
      (!filter.outcome || c.outcome === filter.outcome) &&
      (filter.since === null || c.created_at >= filter.since) &&
      (filter.until === null || c.created_at < filter.until) &&
      (!filter.number || (c.remote ?? '').replace(/\D/g, '').includes(filter.number)));
    matches.sort((a, b) => b.created_at - a.created_at);
    const connected = matches.filter((c) => (c.duration ?? 0) > 0);
    const billed = matches.filter((c) => c.price !== null);
    const units = billed.map((c) => c.price_unit);
    return {
      calls: matches.slice(0, filter.limit ?? 100).map((c) => ({ ...c })),
      summary: {
        total: matches.length,
        inbound: matches.filter((c) => c.direction === 'inbound').length,
        outbound: matches.filter((c) => c.direction === 'outbound').length,
        missed: matches.filter((c) => c.outcome === 'missed').length,
        average_duration: connected.length ? connected.reduce((s, c) => s + c.duration, 0) / connected.length : null,
        total_cost: billed.length ? Math.round(billed.reduce((s, c) => s + Math.abs(Number(c.price)), 0) * 10000) / 10000 : null,
        cost_unit: units.sort((a, b) => units.filter((u) => u === b).length - units.filter((u) => u === a).length)[0] ?? null,
      },
    };
  };
  const control = (v, c) => {
    const errors = controlErrors[c.action];
    if (errors?.length) throw errors.shift();
    const invalid = (message) => fail('invalid_input', message);
    switch (c.action) {
      case 'hangup':
        return end(v.id, v.direction === 'inbound' && v.phase === 'ringing' ? 'Declined.' : v.phase === 'in_progress' ? 'You hung up.' : 'Cancelled.');
      case 'left':
        return end(v.id, c.reason ?? (v.direction === 'inbound' ? 'The call ended.' : "The app's connection to the call ended."));
      case 'hold':
      case 'resume':
        if (v.direction === 'inbound') throw invalid('Hold works on calls placed from Switchboard; this call rang the app directly.');
        if (v.phase !== 'in_progress') throw invalid('You can hold once the other party has answered.');
        return change(v.id, { on_hold: c.action === 'hold' });
      case 'mute':
        return change(v.id, { muted: c.on });
      case 'transfer': {
        if (v.phase !== 'in_progress') throw invalid('You can transfer once the other party has answered.');
        const to = e164('Transfer to', c.to, c.country);
        return end(v.id, `Transferred to ${national(to)}.`);
      }
      case 'digits':
        if (v.direction === 'inbound') throw invalid('Digits on an incoming call go through the app’s own connection (the keypad sends them).');
        if (v.on_hold) throw invalid('Resume the call to send digits: the other party is on hold.');
        if (v.phase !== 'in_progress') throw invalid('You can send digits once the other party has answered.');
        return { ...v };
      case 'start_recording':
        if (v.phase !== 'in_progress') throw invalid('Recording starts once the call is connected.');
        return change(v.id, { recording: 'on' });
      default:
        if (v.recording === 'off') throw invalid('The call is not being recorded.');
        return change(v.id, { recording: c.action === 'pause_recording' ? 'paused' : c.action === 'resume_recording' ? 'on' : 'off' });
    }
  };

  const handlers = new Map([
    ['call_setup', async ({ capabilities }) => {
      if (options.setupError) throw options.setupError;
      const caller_id = callerIds.some((c) => c.number === settings.caller_id) ? settings.caller_id : callerIds[0]?.number ?? null;
      return {
        choice: choose(capabilities), settings: { ...settings }, caller_ids: callerIds.map((c) => ({ ...c })), caller_ids_error: null,
        caller_id, country: caller_id ? 'US' : null, identity: 'switchboard-default',
        active: [...views.values()].filter((v) => v.phase !== 'ended').map((v) => ({ ...v })),
      };
    }],
    ['save_call_settings', async ({ settings: next }) => {
      const blank = (v) => (v && v.trim() ? v.trim() : null);
      const bridge_phone = blank(next.bridge_phone) && e164('Your phone', next.bridge_phone, null);
      settings = { ...next, bridge_phone: bridge_phone || null, caller_id: blank(next.caller_id), ringtone_device: blank(next.ringtone_device), microphone: blank(next.microphone), speaker: blank(next.speaker) };
      return { ...settings };
    }],
    ['voice_token', async () => ({ token: `jwt-${calls.filter((c) => c.cmd === 'voice_token').length}`, identity: 'switchboard-default', expires_at: Math.floor(Date.now() / 1000) + 3600 })],
    ['start_call', async ({ request }) => {
      const to = e164('Number', request.to, request.country);
      const from = request.from ?? settings.caller_id ?? callerIds[0].number;
      if (!(options.ownedAtDial ?? callerIds).some((c) => c.number === from)) throw fail('invalid_input', `Caller ID: ${national(from)} is not one of this account's voice numbers; choose one of them.`);
      if (request.engine === 'bridge' && !settings.bridge_phone) throw fail('not_configured', 'Set your own phone number in Settings, under Calling: Twilio rings it first, then connects the call.');
      rooms++;
      return publish(view({ id: `sb-${String(rooms).padStart(32, '0')}`, engine: request.engine, direction: 'outbound', remote: to, remote_display: national(to), caller_id: from, phase: 'placing' }));
    }],
    ['attach_call', async ({ id, call_sid }) => {
      live(id);
      return change(id, { you_sid: call_sid });
    }],
    ['incoming_call', async ({ call_sid, from, to }) => {
      if (views.has(call_sid)) return { ...views.get(call_sid) };
      return publish(view({ id: call_sid, engine: 'webview', direction: 'inbound', remote: from, remote_display: national(from), caller_id: to, phase: 'ringing', you_sid: call_sid }));
    }],
    ['call_control', async ({ id, control: c }) => control(live(id), c)],
    ['active_calls', async () => [...views.values()].filter((v) => v.phase !== 'ended')],
    ['call_log', async ({ filter }) => {
      if (options.logErrors?.length) throw options.logErrors.shift();
      return callLog(filter);
    }],
    ['preview_ringtone', async () => {
      if (options.ringtoneError) throw options.ringtoneError;
      const devices = (await underneath('audio_outputs', {})).devices;
      return (devices.find((d) => d.id === settings.ringtone_device) ?? devices.find((d) => d.is_default))?.name ?? 'Default output';
    }],
  ]);

  internals.invoke = (cmd, args = {}, invokeOptions) => {
    const handler = handlers.get(cmd);
    if (!handler) return underneath(cmd, args, invokeOptions);
    calls.push({ cmd, args: JSON.parse(JSON.stringify(args)) });
    return handler(args);
  };
  window.__calls = {
    change,
    end,
    latest: () => [...views.values()].at(-1) ?? null,
    get: (id) => views.get(id) ?? null,
  };
}

// ---- End of the calling fake. ----

/**
 * Opens the app in a new page of `context` with the fake bridge answering from `scenario`.
 * Returns the page and the console errors and uncaught exceptions it reports (a CSP violation
 * shows up there).
 */
export async function openApp(context, url, scenario, { colorScheme = 'light', viewport, webkitgtk = false } = {}) {
  const page = await context.newPage();
  const problems = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  await page.emulateMedia({ colorScheme });
  if (viewport) await page.setViewportSize(viewport);
  await page.addInitScript(installFakeTauri, { status: STATUS, devices: DEVICES, ...scenario });
  await page.addInitScript(installFakeRecording, { microphones: MICROPHONES, ...scenario }); // greeting recorder
  await page.addInitScript(installFakeCalling, scenario); // calling
  if (webkitgtk) {
    // As WebKitGTK: no WebRTC in the window, so the core chooses the bridge engine.
    await page.addInitScript(() => {
      delete window.RTCPeerConnection;
      delete window.webkitRTCPeerConnection;
    });
  }
  // The Voice SDK chunk is never fetched for real: the fake the unit tests use stands in, answering
  // and registering after delays a person would see.
  await page.addInitScript(() => void (window.__sdkDelays = { acceptMs: 50, registerMs: 30 }));
  await page.route('**/assets/twilio-*.js', (route) => route.fulfill({ path: FAKE_SDK, contentType: 'text/javascript; charset=utf-8', headers: { 'content-security-policy': CSP } }));
  await page.goto(url);
  return { page, problems };
}

/** The commands the app sent, with their arguments. */
export function ipcCalls(page) {
  return page.evaluate(() => window.__ipc.calls);
}

/** Saves a screenshot as test-results/<name>.png. */
export async function screenshot(page, name) {
  mkdirSync(RESULTS, { recursive: true });
  await page.screenshot({ path: join(RESULTS, `${name}.png`) });
}

/** Retries `check` until it stops throwing or `timeout` passes (for state that settles asynchronously). */
export async function eventually(check, timeout = 5000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((done) => setTimeout(done, 50));
    }
  }
}

/**
 * Serves dist/ and starts Chromium before the calling file's tests, closing both after them.
 * Returns `withApp(scenario, body, options)`: opens the app with `scenario`, runs `body(page)`,
 * then checks the page logged no errors (CSP violations included).
 */
export function appSuite() {
  let server;
  let browser;
  before(async () => {
    server = await serveDist();
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });
  return async function withApp(scenario, body, options) {
    const { page, problems } = await openApp(browser.context, server.url, scenario, options);
    try {
      await body(page);
      assert.deepEqual(problems, [], 'the page logged errors');
    } finally {
      await page.close();
    }
  };
}
