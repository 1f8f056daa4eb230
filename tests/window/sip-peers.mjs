// SIP peers for the real-window SIP test, the same as the Rust tests' (tests/support/sip.rs):
// kamailio as registrar and proxy, baresip as the far end sending a WAV and writing what it
// hears. Only inside the network namespace scripts/private-net.sh makes (10.99.0.1, no route
// out).
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createSocket } from 'node:dgram';
import { join } from 'node:path';

export const HOST = '10.99.0.1';
export const REGISTRAR = `${HOST}:5070`;
export const PASSWORD = 'secret';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitForText(file, needle, ms) {
  const deadline = Date.now() + ms;
  for (;;) {
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {}
    if (text.includes(needle)) return text;
    if (Date.now() > deadline) throw new Error(`${file} never said ${JSON.stringify(needle)}; it ends:\n${text.slice(-2000)}`);
    await sleep(50);
  }
}

/**
 * Stops `child`, started with `detached: true` (a process group of its own), with everything
 * it forked: kamailio's workers must not outlive it (they would keep its port, and any pipe
 * to this process, open).
 */
function owned(child) {
  return async () => {
    const signal = (sig) => {
      try {
        process.kill(-child.pid, sig);
      } catch {}
    };
    signal('SIGTERM');
    const deadline = Date.now() + 3000;
    while (child.exitCode === null && child.signalCode === null && Date.now() < deadline) await sleep(20);
    signal('SIGKILL');
  };
}

const KAMAILIO = readFileSync(new URL('../fixtures/sip/kamailio.cfg', import.meta.url), 'utf8')
  .replaceAll('{REGISTRAR}', REGISTRAR)
  .replaceAll('{PASSWORD}', PASSWORD);

/** kamailio on REGISTRAR, every user with PASSWORD; resolves once it answers an OPTIONS. */
export async function startRegistrar(dir) {
  mkdirSync(dir, { recursive: true });
  const config = join(dir, 'kamailio.cfg');
  writeFileSync(config, KAMAILIO);
  const log = join(dir, 'kamailio.log');
  // Its log goes straight to the file: no pipe to this process for a worker to hold open.
  const fd = openSync(log, 'w');
  const child = spawn('kamailio', ['-DD', '-E', '-f', config, '-P', join(dir, 'kamailio.pid')], {
    stdio: ['ignore', 'ignore', fd],
    detached: true,
  });
  closeSync(fd);
  const stop = owned(child);
  const socket = createSocket('udp4');
  await new Promise((r) => socket.bind(0, HOST, r));
  const { port } = socket.address();
  const options = `OPTIONS sip:probe@${HOST} SIP/2.0\r\nVia: SIP/2.0/UDP ${HOST}:${port};branch=z9hG4bKprobe\r\nMax-Forwards: 5\r\nFrom: <sip:probe@${HOST}>;tag=1\r\nTo: <sip:probe@${HOST}>\r\nCall-ID: probe@${HOST}\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n`;
  let answered = false;
  socket.on('message', () => (answered = true));
  const deadline = Date.now() + 10_000;
  while (!answered) {
    if (Date.now() > deadline) {
      socket.close();
      await stop();
      throw new Error(`kamailio never answered:\n${readFileSync(log, 'utf8').slice(-2000)}`);
    }
    socket.send(options, 5070, HOST);
    await sleep(200);
  }
  socket.close();
  return { log, text: () => readFileSync(log, 'utf8'), waitFor: (needle, ms = 10_000) => waitForText(log, needle, ms), stop };
}

/**
 * baresip registered as `user`, sending `source` (8 kHz WAV) in calls, writing what it hears;
 * `answer` is `manual` or `auto`.
 */
export async function startPhone(dir, user, port, source, answer = 'manual') {
  const home = join(dir, user);
  mkdirSync(home, { recursive: true });
  writeFileSync(
    join(home, 'config'),
    [
      'poll_method epoll',
      `sip_listen ${HOST}:${port}`,
      `audio_source aufile,${source}`,
      'audio_player aubridge,nil',
      'audio_alert aubridge,nil',
      'audio_srate 8000',
      'audio_channels 1',
      'module_path /usr/lib/baresip/modules',
      'module stdio.so',
      'module aufile.so',
      'module aubridge.so',
      'module sndfile.so',
      'module g711.so',
      'module_app account.so',
      'module_app menu.so',
      `snd_path ${home}`,
      `rtp_ports ${port + 1000}-${port + 1100}`,
      '',
    ].join('\n'),
  );
  writeFileSync(join(home, 'accounts'), `<sip:${user}@${REGISTRAR};transport=udp>;auth_pass=${PASSWORD};answermode=${answer};regint=60\n`);
  const log = join(home, 'baresip.log');
  const fd = openSync(log, 'w');
  const child = spawn('baresip', ['-f', home], { stdio: ['pipe', fd, 'ignore'], detached: true });
  closeSync(fd);
  const stop = owned(child);
  await waitForText(log, '200 OK', 10_000);
  return {
    log,
    text: () => readFileSync(log, 'utf8'),
    waitFor: (needle, ms = 10_000) => waitForText(log, needle, ms),
    /** A console command: `d URI` dials, `b` hangs up. */
    command: (line) => child.stdin.write(`${line}\n`),
    /** What it heard in its last call, 8 kHz mono samples in [-1, 1]. */
    heard: () => {
      const files = readdirSync(home).filter((f) => f.endsWith('-dec.wav')).sort();
      if (!files.length) throw new Error(`baresip wrote no *-dec.wav in ${home}`);
      return readWav(join(home, files.at(-1)));
    },
    async quit() {
      child.stdin.write('q\n');
      const deadline = Date.now() + 5000;
      while (child.exitCode === null && Date.now() < deadline) await sleep(20);
      await stop();
    },
  };
}

/** A 16-bit mono WAV of a sine at `hz`, `seconds` long, at `rate`, amplitude 0.5. */
export function toneWav(file, hz, seconds, rate = 8000) {
  const frames = Math.round(seconds * rate);
  const data = Buffer.alloc(frames * 2);
  for (let i = 0; i < frames; i++) data.writeInt16LE(Math.round(0.5 * 32767 * Math.sin((2 * Math.PI * hz * i) / rate)), i * 2);
  const header = Buffer.alloc(44);
  header.write('RIFF', 0);
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVEfmt ', 8);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(rate, 24);
  header.writeUInt32LE(rate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36);
  header.writeUInt32LE(data.length, 40);
  writeFileSync(file, Buffer.concat([header, data]));
}

/** The samples of a 16-bit PCM WAV (first channel), in [-1, 1]. */
export function readWav(file) {
  const bytes = readFileSync(file);
  let at = 12;
  let channels = 1;
  while (at + 8 <= bytes.length) {
    const id = bytes.toString('ascii', at, at + 4);
    const size = bytes.readUInt32LE(at + 4);
    if (id === 'fmt ') channels = bytes.readUInt16LE(at + 10);
    if (id === 'data') {
      const end = Math.min(bytes.length, at + 8 + size);
      const frames = Math.floor((end - at - 8) / (2 * channels));
      const out = new Float32Array(frames);
      for (let i = 0; i < frames; i++) out[i] = bytes.readInt16LE(at + 8 + i * 2 * channels) / 32768;
      return out;
    }
    at += 8 + size + (size % 2);
  }
  throw new Error(`${file} has no data chunk`);
}

/** Goertzel power of `hz` in `samples` at `rate`, per sample. */
export function power(samples, rate, hz) {
  const k = 2 * Math.cos((2 * Math.PI * hz) / rate);
  let s1 = 0;
  let s2 = 0;
  for (const x of samples) {
    const s0 = x + k * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  return (s1 * s1 + s2 * s2 - k * s1 * s2) / samples.length;
}
