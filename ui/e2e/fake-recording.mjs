// The greeting recorder's fake (issue 6), layered over the fake bridge of fake-tauri.mjs.
// Passed to `page.addInitScript`, so it must not use anything from outside its own body.

/**
 * Runs in the page after `installFakeTauri`: answers the recorder's commands by wrapping
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
export function installFakeRecording(scenario) {
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
