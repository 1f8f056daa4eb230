// A minimal W3C WebDriver client (what the real-window test needs, no dependencies), plus
// helpers to start tauri-driver and Prism on free loopback ports.
import { spawn, spawnSync } from 'node:child_process';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ELEMENT = 'element-6066-11e4-a52e-4f735466cecf';

/** The repository's root. */
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
/** The app under test: $SWITCHBOARD_APP, else the debug build. */
export const APP = process.env.SWITCHBOARD_APP ?? join(ROOT, 'target/debug/switchboard-desktop');
/** Where the window tests save their screenshots (made by `openWindowApp`). */
export const SHOTS = join(ROOT, 'artifacts/window');
/** The PipeWire null sink of scripts/with-audio.sh: what the app plays to, its monitor the default microphone. */
export const SINK = process.env.SWITCHBOARD_TEST_SINK;

export async function freePort() {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  server.close();
  await once(server, 'close');
  return port;
}

/** Spawns a process and resolves once `ready(output)` is true or `probe()` succeeds. */
async function startProcess(cmd, args, { env, ready, probe, timeoutMs = 60_000, name, group = false }) {
  const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: group });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}:\n${output}`);
    if ((ready && ready(output)) || (probe && (await probe().catch(() => false)))) {
      return { child, output: () => output };
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`${name} did not start within ${timeoutMs} ms:\n${output}`);
}

export async function startPrism(root, spec) {
  const port = await freePort();
  const proc = await startProcess(
    join(root, 'tests/harness/node_modules/.bin/prism'),
    ['mock', '--host', '127.0.0.1', '--port', String(port), join(root, 'tests/fixtures/twilio-oai', spec)],
    { name: 'Prism', ready: (out) => out.includes('Prism is listening') },
  );
  return { ...proc, url: `http://127.0.0.1:${port}` };
}

/**
 * Starts tauri-driver in a process group of its own, which WebKitWebDriver and the app it
 * launches join. `stop()` ends the whole group and resolves once it is gone.
 */
export async function startTauriDriver(env) {
  const port = await freePort();
  const nativePort = await freePort();
  const proc = await startProcess(
    'tauri-driver',
    ['--port', String(port), '--native-port', String(nativePort), '--native-driver', '/usr/bin/WebKitWebDriver'],
    { name: 'tauri-driver', env, group: true, probe: async () => (await fetch(`http://127.0.0.1:${port}/status`)).ok },
  );
  return { ...proc, url: `http://127.0.0.1:${port}`, stop: () => stopGroup(proc.child.pid) };
}

/**
 * Ends the process group `pgid`: SIGTERM, then SIGKILL for whatever is left after 5 s.
 *
 * Deleting the WebDriver session closes the window, but Switchboard keeps running in the tray
 * (a softphone must still ring), and the app inherits the driver's stdout: left alive, it keeps
 * this test file from exiting, and its sound would reach the next file's null sink.
 */
async function stopGroup(pgid) {
  const alive = () => {
    try {
      process.kill(-pgid, 0);
      return true;
    } catch {
      return false;
    }
  };
  const signal = (name) => {
    try {
      process.kill(-pgid, name);
    } catch {
      // Already gone.
    }
  };
  signal('SIGTERM');
  for (let waited = 0; alive() && waited < 5_000; waited += 100) await new Promise((r) => setTimeout(r, 100));
  if (alive()) signal('SIGKILL');
  for (let waited = 0; alive() && waited < 5_000; waited += 100) await new Promise((r) => setTimeout(r, 100));
  if (alive()) throw new Error(`the app's process group ${pgid} outlived SIGKILL`);
}

export class Session {
  static async create(driverUrl, application) {
    const res = await fetch(`${driverUrl}/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        capabilities: { alwaysMatch: { browserName: 'wry', 'tauri:options': { application } } },
      }),
    });
    const body = await res.json();
    if (!res.ok) throw new Error(`new session failed: ${JSON.stringify(body)}`);
    return new Session(driverUrl, body.value.sessionId);
  }

  constructor(driverUrl, id) {
    this.base = `${driverUrl}/session/${id}`;
  }

  async cmd(method, path, body) {
    if (process.env.WD_DEBUG) console.error(new Date().toISOString(), method, path, JSON.stringify(body ?? ''));
    const res = await fetch(`${this.base}${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = await res.json();
    if (!res.ok) {
      const err = new Error(`${method} ${path}: ${json.value?.error}: ${json.value?.message}`);
      err.webdriver = json.value?.error;
      throw err;
    }
    return json.value;
  }

  /** The first element matching `css`, waiting up to `timeoutMs` for it to appear. */
  async find(css, timeoutMs = 10_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        const found = await this.cmd('POST', '/element', { using: 'css selector', value: css });
        return new Element(this, found[ELEMENT]);
      } catch (err) {
        if (err.webdriver !== 'no such element' || Date.now() > deadline) throw new Error(`${css}: ${err.message}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  /** Waits until `css` matches an element whose text satisfies `predicate`. */
  async waitForText(css, predicate, timeoutMs = 15_000) {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < deadline) {
      try {
        last = await (await this.find(css, 500)).text();
        if (predicate(last)) return last;
      } catch {
        // not there yet
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`${css}: text never matched; last seen ${JSON.stringify(last)}`);
  }

  /** Presses keys as a user would, into whatever has focus (W3C actions). */
  async press(...keys) {
    const actions = keys.flatMap((value) => [
      { type: 'keyDown', value },
      { type: 'keyUp', value },
    ]);
    await this.cmd('POST', '/actions', { actions: [{ type: 'key', id: 'keyboard', actions }] });
    await this.cmd('DELETE', '/actions');
  }

  /** Connects an account through onboarding, as a new user does, and waits for Settings. */
  async connectAccount({ account, key, secret, name }) {
    await this.waitForText('[data-testid="view-onboarding"] h1', (t) => t === 'Connect your Twilio account');
    await (await this.find('#account-sid')).type(account);
    await (await this.find('#api-key-sid')).type(key);
    await (await this.find('#api-key-secret')).type(secret);
    await (await this.find('[data-testid="connect-submit"]')).click();
    await this.waitForText('[data-testid="view-settings"]', (t) => t.includes(account) && t.includes(name));
  }

  execute(script, args = []) {
    return this.cmd('POST', '/execute/sync', { script, args });
  }

  /**
   * Saves what the display shows, window and all, as a person would see it. (WebKitWebDriver's
   * own screenshot waits for a composited frame, which never comes with Switchboard's
   * non-accelerated WebKit settings.)
   */
  async screenshot(path) {
    await new Promise((r) => setTimeout(r, 300)); // let the last click repaint
    const result = spawnSync('import', ['-window', 'root', path], { encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`screenshot failed: ${result.stderr}`);
  }

  delete() {
    return fetch(this.base, { method: 'DELETE' });
  }
}

class Element {
  constructor(session, id) {
    this.session = session;
    this.path = `/element/${id}`;
  }
  click() {
    return this.session.cmd('POST', `${this.path}/click`, {});
  }
  clear() {
    return this.session.cmd('POST', `${this.path}/clear`, {});
  }
  type(text) {
    return this.session.cmd('POST', `${this.path}/value`, { text });
  }
  text() {
    return this.session.cmd('GET', `${this.path}/text`);
  }
  attribute(name) {
    return this.session.cmd('GET', `${this.path}/attribute/${name}`);
  }
}

/**
 * Polls `check` every 100 ms until it returns something truthy (returned), failing after
 * `timeoutMs` with `what` and, when given, what `explain()` says is wrong on screen.
 */
export async function until(check, what, { timeoutMs = 15_000, explain } = {}) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const last = await check();
    if (last) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  const problem = explain ? (await explain())?.trim() : '';
  throw new Error(`${what} did not happen${problem ? `: ${problem}` : ''}`);
}

/**
 * Opens the Switchboard window for a test file: tauri-driver started with a fresh data directory
 * (`switchboard-window-{name}-…`), Twilio's API, Serverless and Pricing bases at `api` (or at
 * `serverless` and `pricing` where given) and `env` on top, and a WebDriver session on the app.
 * `sound`: the test plays or records sound, so it must run inside scripts/with-audio.sh.
 * `close()` ends the session and the driver's process group, then removes the data directory.
 */
export async function openWindowApp(name, { api, serverless = api, pricing = api, env = {}, sound = false }) {
  assert.ok(existsSync(APP), `the app binary ${APP} must be built first (cargo build --workspace)`);
  if (sound) assert.ok(SINK, 'the window tests run inside scripts/with-audio.sh (PipeWire with a null sink); scripts/test.sh does that');
  mkdirSync(SHOTS, { recursive: true });
  const dataDir = tempDir(`switchboard-window-${name}-`);
  let driver;
  let session;
  const close = async () => {
    await session?.delete().catch(() => {});
    await driver?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    driver = await startTauriDriver({
      SWITCHBOARD_DATA_DIR: dataDir,
      SWITCHBOARD_API_BASE: api,
      SWITCHBOARD_SERVERLESS_BASE: serverless,
      SWITCHBOARD_PRICING_BASE: pricing,
      ...env,
    });
    session = await Session.create(driver.url, APP);
  } catch (err) {
    await close();
    throw err;
  }
  return { session, close, dataDir };
}

export function tempDir(prefix) {
  return mkdtempSync(join(tmpdir(), prefix));
}

/**
 * Records the monitor of the PulseAudio/PipeWire sink `sink` as raw s16le at 16 kHz with
 * `channels` channels into `file` until `stop()`, which resolves to each channel's samples.
 */
export async function recordSink(sink, file, channels) {
  const child = spawn(
    'parecord',
    [`--device=${sink}.monitor`, '--raw', '--format=s16le', '--rate=16000', `--channels=${channels}`, '--latency-msec=20', file],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  // Let the recording stream connect before anything plays.
  await new Promise((r) => setTimeout(r, 400));
  assert.equal(child.exitCode, null, `parecord stopped at once: ${stderr}`);
  return {
    async stop() {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGINT');
      await exited;
      const bytes = readFileSync(file);
      const frames = Math.floor(bytes.length / (2 * channels));
      const out = Array.from({ length: channels }, () => new Float32Array(frames));
      for (let i = 0; i < frames; i++) {
        for (let c = 0; c < channels; c++) out[c][i] = bytes.readInt16LE((i * channels + c) * 2) / 32768;
      }
      return out;
    },
  };
}
