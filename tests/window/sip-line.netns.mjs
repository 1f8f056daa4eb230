// The SIP engine in the real Switchboard window under Xvfb, with real SIP peers: kamailio as the
// registrar (standing in for the Twilio SIP Domain, through SWITCHBOARD_SIP_REGISTRAR) and
// baresip as a caller. Twilio's REST side is the fake; when the app asks it to dial the
// desktop's SIP address into a call, the fake places that SIP call for real with the
// `switchboard` CLI (sending a 1 kHz tone and writing what it hears), as Twilio's media edge
// would. The sound is the private PipeWire null sink: the app's microphone is its monitor, where
// a 440 Hz tone plays; what the app plays is recorded from the monitor.
//
// Runs inside scripts/private-net.sh (a network namespace of its own: SIP peers need a
// non-loopback address, 10.99.0.1, and nothing may leave the machine). scripts/test.sh runs it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openWindowApp, recordSink, ROOT, SHOTS, SINK, tempDir, until } from './webdriver.mjs';
import { startFakeTwilio } from './fake-twilio.mjs';
import { HOST, PASSWORD, REGISTRAR, power, readWav, startPhone, startRegistrar, toneWav } from './sip-peers.mjs';
import { MAIN_NUMBER } from '../fixtures/ui-fixtures.mjs';

const ACCOUNT = 'AC00000000000000000000000000000515';
const KEY = 'SK00000000000000000000000000000515';
const SECRET = 'sipS3cr3tsipS3cr3tsipS3cr3t00000';
const ACCOUNT_NAME = 'Acme Front Desk';
const OURS = MAIN_NUMBER;
const THEIRS = '+12125550199';
const CLI = join(ROOT, 'target/debug/switchboard');

let work;
let registrar;
let bob;
let twilio;
let app;
let session;
const edge = [];

const text = async (css) => {
  try {
    return (await (await session.find(css, 300)).text()).trim();
  } catch {
    return '';
  }
};
const attr = async (css, name) => {
  try {
    return await (await session.find(css, 300)).attribute(name);
  } catch {
    return null;
  }
};
const phase = () => text('[data-testid="call-phase"]');
/** The end of the app's log, for failures. */
const appLog = () => {
  try {
    const dir = join(app.dataDir, 'logs');
    const last = readdirSync(dir).sort().at(-1);
    const all = readFileSync(join(dir, last), 'utf8');
    if (process.env.SIP_TEST_LOG) writeFileSync(process.env.SIP_TEST_LOG, all);
    return all.split('\n').slice(-15).join('\n');
  } catch (err) {
    return `(no log: ${err.message})`;
  }
};

/** Twilio's media edge for the fake: dials `to` (a SIP address with X- headers) with the CLI. */
function dialFromEdge(to) {
  const [uri, query = ''] = to.split('?');
  const headers = query ? query.split('&') : [];
  const heard = join(work, `edge-heard-${edge.length}.wav`);
  const child = spawn(
    CLI,
    [
      'call', uri, '--engine', 'sip', '--registrar', REGISTRAR, '--sip-user', 'twilio-edge',
      ...headers.flatMap((h) => ['--sip-header', h]),
      '--input-wav', join(work, '1k.wav'), '--output-wav', heard, '--seconds', '120',
    ],
    {
      env: { ...process.env, SWITCHBOARD_DATA_DIR: join(work, 'edge-data'), SWITCHBOARD_SIP_PASSWORD: PASSWORD },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  let answer;
  const answered = new Promise((r) => (answer = r));
  const ended = new Promise((r) => child.once('exit', r));
  child.stderr.on('data', (d) => {
    stderr += d;
    if (stderr.includes('connected to')) answer(true);
  });
  ended.then(() => answer(false));
  const call = {
    to, uri, headers, heard, answered, ended,
    stderr: () => stderr,
    hangUp: () => { if (child.exitCode === null) child.kill('SIGINT'); },
  };
  edge.push(call);
  return call;
}

before(async () => {
  work = tempDir('switchboard-sip-window-');
  mkdirSync(join(work, 'edge-data'), { recursive: true });
  toneWav(join(work, '1k.wav'), 1000, 30);
  toneWav(join(work, '440.wav'), 440, 8, 48000);
  registrar = await startRegistrar(join(work, 'kamailio'));
  bob = await startPhone(work, 'bob', 5080, join(work, '1k.wav'));
  twilio = await startFakeTwilio({
    account: ACCOUNT, keySid: KEY, secret: SECRET, friendlyName: ACCOUNT_NAME,
    numbers: [OURS],
    pickup: { [THEIRS]: { answerAfter: 2 } },
    sip: { dial: dialFromEdge },
  });
  app = await openWindowApp('sip', {
    api: twilio.url,
    sound: true,
    env: { SWITCHBOARD_SIP_REGISTRAR: REGISTRAR, SWITCHBOARD_SIP_PASSWORD: PASSWORD },
  });
  session = app.session;
  await session.connectAccount({ account: ACCOUNT, key: KEY, secret: SECRET, name: ACCOUNT_NAME });
});

after(async () => {
  for (const call of edge) call.hangUp();
  await app?.close();
  await twilio?.close();
  await bob?.quit();
  await registrar?.stop();
});

let address;

test('without WebRTC the dialer chooses the app’s SIP line, and the sidebar shows it registered', async () => {
  await (await session.find('[data-testid="nav-dialer"]')).click();
  await session.waitForText('[data-testid="view-dialer"] h1', (t) => t === 'Dialer');
  await until(async () => (await attr('[data-testid="dial-engine"]', 'data-engine')) === 'sip', 'the SIP engine chosen', {
    explain: async () => `engine ${await attr('[data-testid="dial-engine"]', 'data-engine')}: ${await text('[data-testid="dial-engine"]')}`,
  });
  const reason = await text('[data-testid="dial-engine"]');
  assert.match(reason, /In the app \(SIP\)/);
  assert.match(reason, /RTCPeerConnection/, 'the reason names what the window lacks');
  assert.equal(await text('[data-testid="dial-blocker"]'), '', 'no bridge phone needed');
  await until(async () => (await attr('[data-testid="sip-line"]', 'data-state')) === 'registered', 'the line registered', {
    explain: async () => `${await attr('[data-testid="sip-line"]', 'data-state')}: ${await text('[data-testid="sip-line"]')}\n${registrar.text().slice(-1500)}`,
  });
  await session.screenshot(join(SHOTS, 'sip-dialer.png'));
  const line = await session.execute(
    'const e = document.querySelector(\'[data-testid="sip-line"]\'); return { text: e.textContent, title: e.getAttribute("title") }',
  );
  assert.match(line.text, /SIP line: registered/);
  address = line.title?.match(/sip:\S+/)?.[0];
  assert.match(address ?? '', new RegExp(`^sip:[a-z0-9-]+@${HOST.replaceAll('.', '\\.')}$`), `the line's address: ${address}`);
  assert.ok(registrar.text().includes(`REGISTER from ${address.slice(4).split('@')[0]} `), 'kamailio saw the REGISTER');
});

test('bob calls the desktop: it rings, Answer connects it on the sound devices, quality shows, bob hangs up', async () => {
  const monitor = await recordSink(SINK, join(work, 'incoming.raw'), 1);
  let speaker;
  try {
    bob.command(`d ${address.replace(HOST, REGISTRAR)}`);
    await until(async () => (await session.find('[data-testid="incoming-answer"]', 300).then(() => true, () => false)), 'the incoming call showing Answer', {
      timeoutMs: 15_000,
      explain: async () => `${registrar.text().slice(-1500)}\n${bob.text().slice(-800)}`,
    });
    await session.screenshot(join(SHOTS, 'sip-incoming.png'));
    await (await session.find('[data-testid="incoming-answer"]')).click();
    await until(async () => /^\d+:\d\d$/.test(await phase()), 'the call connected (the timer running)', {
      explain: async () => `${await phase()} ${await text('[data-testid="call-error"]')}`,
    });
    const tone = spawn('paplay', [`--device=${SINK}`, join(work, '440.wav')]);
    await until(async () => Number(await text('[data-testid="quality-mos"]').then((t) => t.match(/[\d.]+/)?.[0])) > 0, 'the quality panel', {
      timeoutMs: 10_000,
      explain: async () => text('[data-testid="call-quality"]'),
    });
    const mos = Number((await text('[data-testid="quality-mos"]')).match(/[\d.]+/)[0]);
    assert.ok(mos >= 4.2, `a clean loopback's MOS is at least 4.2, not ${mos}`);
    assert.match(await text('[data-testid="quality-codec"]'), /PCMU/);
    assert.match(await text('[data-testid="quality-loss"]'), /^0(\.0)?\s?%/);
    // The round trip comes from baresip's RTCP report echoing one of ours (every 5 s or so).
    await until(async () => /\d+ ms/.test(await text('[data-testid="quality-rtt"]')), 'the round trip from RTCP', {
      timeoutMs: 20_000,
      explain: async () => text('[data-testid="call-quality"]'),
    });
    const rtt = Number((await text('[data-testid="quality-rtt"]')).match(/(\d+) ms/)[1]);
    assert.ok(rtt < 50, `a loopback round trip is under 50 ms, not ${rtt}`);
    await session.screenshot(join(SHOTS, 'sip-in-call.png'));
    await new Promise((r) => setTimeout(r, 3000));
    bob.command('b');
    await until(async () => /^Ended/.test(await phase()) || /hung up/i.test(await text('[data-testid="call-outcome"]')), 'the call ending when bob hangs up', {
      explain: async () => `${await phase()} | ${await text('[data-testid="call-outcome"]')}`,
    });
    tone.kill();
  } finally {
    [speaker] = await monitor.stop();
  }
  // The speaker played bob's 1 kHz; bob heard the microphone's 440 Hz.
  const loud = speaker.subarray(Math.floor(speaker.length / 3), Math.floor((speaker.length * 2) / 3));
  t_assert_tone(loud, 16000, 1000, 'the app played what bob sent');
  const heard = bob.heard();
  t_assert_tone(heard.subarray(Math.floor(heard.length / 2)), 8000, 440, 'bob heard the microphone');
});

test('a call placed from the dialer: Twilio dials the SIP line into the call, it answers by itself, sound both ways, hang up', async () => {
  await (await session.find('[data-testid="nav-dialer"]')).click();
  const number = await session.find('[data-testid="dial-number"]');
  await number.click();
  await session.press(...'2125550199');
  const monitor = await recordSink(SINK, join(work, 'outgoing.raw'), 1);
  let speaker;
  try {
    await (await session.find('[data-testid="dial-call"]')).click();
    await until(() => edge.length === 1, 'Twilio asked to dial the desktop', {
      explain: async () => `${await phase()} | ${await text('[data-testid="dial-error"]')} | ${await text('[data-testid="call-error"]')} | ${JSON.stringify(twilio.requests.slice(-8).map((r) => [r.method, r.path, r.form]))}\n${appLog()}`,
    });
    const you = twilio.requests.find((r) => r.method === 'POST' && r.path.endsWith('/Participants.json'));
    assert.equal(you.form.Label, 'you');
    assert.equal(edge[0].uri, address, 'Twilio dials the line’s own address');
    assert.match(edge[0].headers[0], /^X-Switchboard-Room=sb-[0-9a-f]{32}$/);
    assert.ok(you.path.includes(edge[0].headers[0].split('=')[1]), 'the room named in the header is the call’s conference');
    await until(async () => /^\d+:\d\d$/.test(await phase()), 'the call connected once they answered', {
      timeoutMs: 20_000,
      explain: async () => `${await phase()} ${await text('[data-testid="call-error"]')} edge: ${edge[0].stderr()}`,
    });
    assert.ok(registrar.text().includes('REPLY 200 INVITE to twilio-edge'), 'the line answered the edge’s INVITE itself');
    const tone = spawn('paplay', [`--device=${SINK}`, join(work, '440.wav')]);
    await until(async () => (await text('[data-testid="call-quality"]')).length > 0, 'the quality panel', { timeoutMs: 10_000 });
    await new Promise((r) => setTimeout(r, 3000));
    await session.screenshot(join(SHOTS, 'sip-outgoing.png'));
    await (await session.find('[data-testid="call-hangup"]')).click();
    await until(async () => /You hung up/.test(`${await phase()} ${await text('[data-testid="call-outcome"]')}`), 'the call ending', {});
    await edge[0].ended;
    tone.kill();
  } finally {
    [speaker] = await monitor.stop();
  }
  const loud = speaker.subarray(Math.floor(speaker.length / 3), Math.floor((speaker.length * 2) / 3));
  t_assert_tone(loud, 16000, 1000, 'the app played what the edge sent');
  const heard = readWav(edge[0].heard);
  t_assert_tone(heard.subarray(Math.floor(heard.length / 2)), 8000, 440, 'the edge heard the microphone');
  await until(() => twilio.calls.every((c) => c.status === 'completed'), 'both legs hung up in Twilio');
});

function t_assert_tone(samples, rate, hz, what) {
  assert.ok(samples.length > rate / 2, `${what}: only ${samples.length} samples`);
  const floor = power(samples, rate, 700);
  const got = power(samples, rate, hz);
  assert.ok(got > 100 * floor && got > 1e-4, `${what}: ${hz} Hz power ${got.toExponential(2)} vs 700 Hz ${floor.toExponential(2)}`);
}
