// The native SIP engine's figures on a G.711 call over loopback, with the release build's CLI
// talking through the sound devices (the private PipeWire null sink and its monitor) to baresip
// through kamailio: CPU of the app as a share of one core, speaker underruns, packets lost,
// frames concealed, the round trip from RTCP and the MOS estimate. Run it through scripts/bench-sip.sh.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PASSWORD, REGISTRAR, startPhone, startRegistrar, toneWav } from '../tests/window/sip-peers.mjs';

const [cli, seconds = '600'] = process.argv.slice(2);
const work = mkdtempSync(join(tmpdir(), 'switchboard-bench-sip-'));
const ticks = (pid) => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return Number(fields[11]) + Number(fields[12]); // utime + stime, in 1/100 s
};
toneWav(join(work, '1k.wav'), 1000, Number(seconds) + 30);
const registrar = await startRegistrar(join(work, 'kamailio'));
const bob = await startPhone(work, 'bob', 5080, join(work, '1k.wav'), 'auto');
try {
  const call = spawn(cli, ['call', 'bob', '--engine', 'sip', '--registrar', REGISTRAR, '--sip-user', 'alice', '--seconds', seconds], {
    env: { ...process.env, SWITCHBOARD_DATA_DIR: join(work, 'data'), SWITCHBOARD_SIP_PASSWORD: PASSWORD },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  call.stdout.on('data', (d) => (out += d));
  let connected;
  const ready = new Promise((r) => (connected = r));
  call.stderr.on('data', (d) => {
    err += d;
    if (err.includes('connected to')) connected();
  });
  const exited = new Promise((r) => call.once('exit', r));
  await Promise.race([ready, exited]);
  const start = { at: process.hrtime.bigint(), ticks: ticks(call.pid) };
  let last = start;
  const samples = setInterval(() => {
    try {
      last = { at: process.hrtime.bigint(), ticks: ticks(call.pid) };
    } catch {}
  }, 1000);
  const code = await exited;
  clearInterval(samples);
  if (code !== 0) throw new Error(`the call failed (${code}):\n${err}\n${out}`);
  const wall = Number(last.at - start.at) / 1e9;
  const cpu = (last.ticks - start.ticks) / 100 / wall;
  const figures = out.match(/(\d+) packets sent, (\d+) received, (\d+) lost; speaker underruns (\d+), frames concealed (\d+), late packets (\d+), jitter delay (\d+) ms; round trip ([\d.]+ ms|not measured); MOS estimate (\d+\.\d+)/);
  if (!figures) throw new Error(`no figures in the CLI's summary:\n${out}`);
  const [, sent, received, lost, underruns, concealed, late, delay, rtt, mos] = figures;
  console.log(`G.711 call, ${wall.toFixed(0)} s on the sound devices, ${cli}:`);
  console.log(`  CPU of the app:      ${(cpu * 100).toFixed(2)}% of one core`);
  console.log(`  speaker underruns:   ${underruns}`);
  console.log(`  packets:             ${sent} sent, ${received} received, ${lost} lost, ${late} late`);
  console.log(`  frames concealed:    ${concealed}`);
  console.log(`  jitter buffer delay: ${delay} ms`);
  console.log(`  round trip (RTCP):   ${rtt}`);
  console.log(`  MOS estimate:        ${mos}`);
} finally {
  await bob.quit();
  await registrar.stop();
  rmSync(work, { recursive: true, force: true });
}
