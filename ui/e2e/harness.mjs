// Shared by the browser tests: a static server over dist/ with the app's CSP, Debian's Chromium
// through playwright-core, and the fake Tauri IPC bridge (fake-*.mjs) installed before the app's
// scripts run. Fixtures live in fixtures.mjs and are re-exported here.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { after, before } from 'node:test';
import { tmpdir } from 'node:os';
import { extname, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { installFakeCalling } from './fake-calling.mjs';
import { installFakeRecording } from './fake-recording.mjs';
import { installFakeTauri } from './fake-tauri.mjs';
import { DEVICES, MICROPHONES, STATUS } from './fixtures.mjs';

export * from './fixtures.mjs';

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

/**
 * Opens the app in a new page of `context` with the fake bridge answering from `scenario`.
 * Returns the page and the console errors and uncaught exceptions it reports (a CSP violation
 * shows up there).
 */
const fetched = new WeakMap();

/** The URLs `page` asked for, from before its first load on. */
export function requested(page) {
  return fetched.get(page) ?? [];
}

export async function openApp(context, url, scenario, { colorScheme = 'light', viewport, webkitgtk = false } = {}) {
  const page = await context.newPage();
  const urls = [];
  fetched.set(page, urls);
  page.on('request', (r) => urls.push(r.url()));
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
