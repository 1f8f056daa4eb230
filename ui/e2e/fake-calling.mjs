// The calling fake (issue 8): the core's calls, layered over the fake bridge of fake-tauri.mjs.
// Passed to `page.addInitScript`, so it must not use anything from outside its own body.

/**
 * Runs in the page after `installFakeTauri`: answers the calling commands as `src/calling`
 * does (the engine choice and its reasons, the checks and their messages, the phases), each change
 * published as `call://state` before the command answers. `scenario.calling` sets it up:
 *
 * - `settings`: `CallSettings` over the default (bridge engine, a bridge phone set);
 * - `callerIds`, `active` (calls in progress), `log` (`CallLogEntry`s for `call_log`, which
 *   filters and sums them up as the cache does), `setupError`, `ringtoneError`;
 * - `controlErrors`: `{action: IpcError[]}` thrown by `call_control` in turn; `logErrors`: thrown
 *   by `call_log` in turn; `ownedAtDial`: the caller IDs `start_call` accepts (default `callerIds`);
 * - `sip`: this desktop has a SIP account (the SIP engine can run); `line`: what `sip_line`
 *   answers (default off, no reason); `answerMs`: how long an answered SIP call takes to connect.
 *
 * Tests move calls on with `window.__calls.change(id, patch)` / `end(id, reason)` (what the
 * core's poller would report) and read `window.__calls.latest()`; `ringSip(id, from, to)` rings
 * the SIP line as the core would (no `incoming_call`: the window learns of it from `call://state`);
 * `line(status)` moves the SIP line on (`sip://line`).
 */
export function installFakeCalling(scenario) {
  const options = scenario.calling ?? {};
  const internals = window.__TAURI_INTERNALS__;
  const underneath = internals.invoke.bind(internals);
  const { emit, calls } = window.__ipc;
  const fail = (code, message) => ({ code, message });
  let settings = { engine: 'bridge', bridge_phone: '+14155550999', ring_bridge_phone: false, caller_id: null, ringtone_device: null, microphone: null, speaker: null, sip_microphone: null, sip_speaker: null, ...options.settings };
  const sipAvailable = options.sip ?? false;
  const noSip = 'this desktop has no SIP account yet (deploy call routing in Settings)';
  let line = options.line ?? { state: 'off', address: null, reason: null, next_in: null };
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
    const onSip = "Calls use this computer's microphone and speakers through the app's own SIP line";
    let engine;
    let reason;
    if (settings.engine === 'auto' && available) [engine, reason] = ['webview', 'Calls use this computer’s microphone and speakers: the window supports WebRTC.'];
    else if (settings.engine === 'auto' && sipAvailable) [engine, reason] = ['sip', `${onSip}: ${missing}.`];
    else if (settings.engine === 'auto') [engine, reason] = ['bridge', `Calls ring your phone first, then Twilio connects the other party: ${missing}, and ${noSip}.`];
    else if (settings.engine === 'webview' && available) [engine, reason] = ['webview', 'Calls use this computer’s microphone and speakers, as chosen in Settings.'];
    else if (settings.engine === 'webview') [engine, reason] = ['bridge', `Settings ask for calls in the app, but ${missing}; calls ring your phone instead.`];
    else if (settings.engine === 'sip' && sipAvailable) [engine, reason] = ['sip', `${onSip}, as chosen in Settings.`];
    else if (settings.engine === 'sip') [engine, reason] = ['bridge', `Settings ask for calls through the app's SIP line, but ${noSip}; calls ring your phone instead.`];
    else [engine, reason] = ['bridge', 'Calls ring your phone first, then Twilio connects the other party, as chosen in Settings.'];
    const blocker = engine === 'bridge' && !settings.bridge_phone ? 'Set your own phone number in Settings, under Calling: Twilio rings it first, then connects the call.' : null;
    return { engine, preference: settings.engine, reason, webview_available: available, sip_available: sipAvailable, blocker };
  };
  const view = (fields) => ({
    on_hold: false, muted: false, recording: 'off', you_sid: null, them_sid: null, answered_at: null, ended_at: null, end_reason: null, notice: null, quality: null, revision: 0,
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
    const sipInbound = v.engine === 'sip' && v.direction === 'inbound';
    switch (c.action) {
      case 'answer':
        if (!sipInbound || v.phase !== 'ringing') throw invalid("Only an incoming call ringing the app's SIP line is answered here; the window answers its own.");
        // The line opens the devices on its own task, then the core says the call is in progress.
        setTimeout(() => views.get(v.id).phase === 'ringing' && change(v.id, { phase: 'in_progress', answered_at: Date.now() }), options.answerMs ?? 50);
        return { ...v };
      case 'hangup':
        return end(v.id, v.direction === 'inbound' && v.phase === 'ringing' ? 'Declined.' : v.phase === 'in_progress' ? 'You hung up.' : 'Cancelled.');
      case 'left':
        return end(v.id, c.reason ?? (v.direction === 'inbound' ? 'The call ended.' : "The app's connection to the call ended."));
      case 'hold':
      case 'resume':
        if (sipInbound && v.phase !== 'in_progress') throw invalid('You can hold once the call is answered.');
        if (sipInbound) return change(v.id, { on_hold: c.action === 'hold' });
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
        if (sipInbound) return { ...v };
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
      settings = {
        ...next, bridge_phone: bridge_phone || null, caller_id: blank(next.caller_id), ringtone_device: blank(next.ringtone_device), microphone: blank(next.microphone), speaker: blank(next.speaker),
        sip_microphone: blank(next.sip_microphone), sip_speaker: blank(next.sip_speaker),
      };
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
    ['sip_line', async () => ({ ...line })],
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
    ringSip: (id, from, to) => publish(view({ id, engine: 'sip', direction: 'inbound', remote: from, remote_display: national(from), caller_id: to, phase: 'ringing' })),
    line: (status) => {
      line = { ...status };
      emit('sip://line', { ...line });
    },
    latest: () => [...views.values()].at(-1) ?? null,
    get: (id) => views.get(id) ?? null,
  };
}
