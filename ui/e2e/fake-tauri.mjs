// The fake Tauri IPC bridge the browser tests install in the page before the app runs.
// Passed to `page.addInitScript`, so it must not use anything from outside its own body.

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
export function installFakeTauri(scenario) {
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

  // Retention: `scenario.retention.old` recordings older than any policy's cut-off, each with a transcript.
  const NOW = 1_796_300_000;
  const retention = {
    policy: { recordings_days: null, only_archived: true, audio_budget_bytes: null, call_log_days: null },
    updatedAt: 1,
    confirmedAt: null,
    run: null,
    old: scenario.retention?.old ?? 0,
  };
  const retentionStatus = () => ({
    policy: { policy: { ...retention.policy }, updated_at: retention.updatedAt, confirmed_at: retention.confirmedAt },
    last_run: retention.run ? { ...retention.run } : null,
    waiting: retention.run?.waiting ?? 0,
    archive_configured: archive !== null,
  });
  const retentionPreview = (limit) => {
    const days = retention.policy.recordings_days;
    const total = days === null ? 0 : retention.old;
    return {
      as_of: NOW,
      policy: retentionStatus().policy,
      recordings_before: days === null ? null : NOW - days * 86400,
      recordings: Array.from({ length: Math.min(limit, total) }, (_, i) => ({
        recording_sid: 'RE' + String(i).padStart(32, '0'), voicemail: i % 5 !== 4, created_at: NOW - (days + 30 + i) * 86400,
        caller: `+1 415-555-${1000 + i}`, duration: 41, archived: retention.policy.only_archived || i % 3 !== 2, local_copy: false, transcriptions: 1,
      })),
      recordings_total: total,
      voicemails_total: total - Math.floor(total / 5),
      transcriptions_total: total,
      kept_unarchived: 0,
      audio: [],
      audio_files_total: 0,
      audio_bytes_total: 0,
      audio_bytes_cached: 0,
      calls_total: retention.policy.call_log_days === null ? 0 : 312,
      calls_before: retention.policy.call_log_days === null ? null : NOW - retention.policy.call_log_days * 86400,
    };
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
      case 'retention_status':
        // The background worker stands in as: each look at the status finds 40 more deleted.
        if (retention.run && retention.run.waiting > 0) {
          const step = Math.min(40, retention.run.waiting);
          retention.run.done += step;
          retention.run.waiting -= step;
        }
        return retentionStatus();
      case 'set_retention': {
        const changed = JSON.stringify(args.policy) !== JSON.stringify(retention.policy);
        if (changed) {
          retention.policy = { ...args.policy };
          retention.updatedAt += 1;
          retention.confirmedAt = null;
          if (retention.run) retention.run.waiting = 0;
        }
        return retentionStatus();
      }
      case 'retention_preview':
        return retentionPreview(args.limit);
      case 'confirm_retention': {
        if (args.policy_updated_at !== retention.updatedAt) throw { code: 'invalid_input', message: 'The retention policy changed since this preview. Preview it again, then confirm.' };
        retention.confirmedAt = NOW;
        const p = retentionPreview(0);
        retention.run = { id: (retention.run?.id ?? 0) + 1, started_at: NOW, as_of: args.as_of, recordings: p.recordings_total, transcriptions: p.transcriptions_total, audio_files: 0, audio_bytes: 0, calls: p.calls_total, done: 0, waiting: p.recordings_total + p.transcriptions_total, last_error: null };
        retention.old = 0;
        return { ...retention.run };
      }
      case 'stop_retention':
        retention.confirmedAt = null;
        if (retention.run) retention.run.waiting = 0;
        return retentionStatus();
      case 'retention_log':
        return retention.run
          ? Array.from({ length: Math.min(args.limit, retention.run.done) }, (_, i) => ({ at: NOW, kind: 'recording', target: 'RE' + String(i).padStart(32, '0'), detail: `Voicemail from +1 415-555-${String(1000 + i)}, 2026-0${1 + (i % 8)}-1${i % 10} 09:30 UTC, 41 s (archived in S3)`, error: null }))
          : [];
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
      case 'check_deletions':
        await sleep(scenario.rebuildMs ?? 0);
        return { resources: [{ resource: 'calls', pages: 3, fetched: 2100, stored: 0, removed: 2, resumed: false, full: true }, { resource: 'recordings', pages: 1, fetched: 40, stored: 0, removed: 1, resumed: false, full: true }] };
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
