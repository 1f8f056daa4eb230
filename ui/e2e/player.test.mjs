// Over 600 lines: one suite per feature with its scenarios side by side; the fakes, fixtures and browser helpers are already apart (harness.mjs and its modules).
// The voicemail player, archive and their Settings cards in headless Chromium, against the fake
// Tauri IPC bridge's player state machine (harness.mjs). Run `npm run build` first.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ACCOUNT_SID, appSuite, CONNECTED, eventually, ipcCalls, screenshot, STATUS } from './harness.mjs';

/** `caller_display`: how Rust formats the caller's number (nationally, as the called number is also American). */
const national = (e164) => e164.replace(/^\+1(\d{3})(\d{3})(\d{4})$/, '($1) $2-$3');

const VOICEMAILS = [
  ['RE1', '+14155550101', 'Dana Whitfield', 'Hi, it is Dana about the invoice for the kitchen job, please call me back when you can.', 'unread', 30],
  ['RE2', '+14155550102', null, 'Your delivery is at the back door.', 'read', 12],
  ['RE3', '+14155550103', 'Northside Dental', 'This is a reminder of your appointment on Thursday at 3 pm. Reply or call to reschedule.', 'read', 95],
].map(([sid, caller, caller_name, transcript, state, duration], i) => ({
  recording_sid: sid, call_sid: `CA${i}`, caller, caller_display: national(caller), caller_name, called: '+14158675309', created_at: 1795000000 - i * 3600,
  duration, recording_status: 'completed', transcription_sid: `TR${i}`, transcription_status: 'completed', transcript, state,
  audio_path: null, archive_key: null,
}));

const DAMAGED = {
  code: 'storage',
  message: 'The audio of this voicemail is damaged: it ends in the middle of an MP3 frame. Download it again.',
  redownload: true,
};
const NO_DEVICE = {
  code: 'not_configured',
  message: 'No audio output is available. Connect speakers or headphones, then press play again.',
  redownload: false,
};
const S3 = {
  endpoint: 'http://127.0.0.1:9000', region: 'us-east-1', bucket: 'switchboard-vm', path_style: true,
  access_key_id: 'AKIAIOSFODNN7EXAMPLE', delete_from_twilio: false,
};
const S3_SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';

const open = appSuite();

/** Opens the app with the voicemails, runs `body`, then checks the page logged no errors. */
const withApp = (scenario, body, options) => open({ ...CONNECTED, voicemails: VOICEMAILS, ...scenario }, body, options);

async function openInbox(page) {
  await page.getByTestId('nav-voicemail').click();
  await eventually(async () => assert.ok((await page.getByTestId('voicemail-item').count()) > 0));
  await eventually(async () => assert.equal(await page.locator('[data-testid="player-waveform"].ready').count(), 1, 'the waveform is drawn'));
}

const commands = async (page, cmd) => (await ipcCalls(page)).filter((c) => c.cmd === cmd).map((c) => c.args);
const controls = async (page, kind) => (await commands(page, 'playback_control')).map((a) => a.control).filter((c) => !kind || c.kind === kind);
const playerState = (page) => page.getByTestId('player').getAttribute('data-state');
const time = async (page) => (await page.getByTestId('player-time').innerText()).trim();

async function waitFor(page, state) {
  await eventually(async () => assert.equal(await playerState(page), state));
}

/** Selects the first voicemail and presses space, as a user plays or resumes it; waits for the player's `state`. */
async function spaceOnFirst(page, state) {
  await page.getByTestId('voicemail-item').first().click();
  await page.keyboard.press(' ');
  await waitFor(page, state);
}

/** Clicks the waveform at `fraction` of its width. */
async function clickWaveform(page, fraction) {
  const box = await page.getByTestId('player-waveform').boundingBox();
  await page.mouse.click(box.x + box.width * fraction, box.y + box.height / 2);
}

describe('voicemail player', () => {
  test('lists callers with their names and lengths, finds words across transcripts, and selects', async () => {
    await withApp({}, async (page) => {
      await openInbox(page);
      const rows = await page.getByTestId('voicemail-item').allInnerTexts();
      assert.equal(rows.length, 3);
      assert.match(rows[0], /^\(415\) 555-0101\s+Dana Whitfield/, 'the caller name sits next to the number, formatted by Rust');
      assert.deepEqual(await page.getByTestId('voicemail-item-duration').allInnerTexts(), ['0:30', '0:12', '1:35']);
      assert.deepEqual(await page.getByTestId('voicemail-item-name').allInnerTexts(), ['Dana Whitfield', 'Northside Dental'], 'no name is made up for an unknown caller');
      assert.equal(await time(page), '0:00 / 0:30');

      await page.keyboard.press('/');
      await page.keyboard.type('appointment');
      await eventually(async () => assert.equal(await page.getByTestId('voicemail-item').count(), 1));
      await page.getByTestId('voicemail-item').click();
      assert.match(await page.locator('[data-testid="voicemail-detail"] h2').innerText(), /^\(415\) 555-0103 · Northside Dental$/);
      await eventually(async () => assert.equal(await time(page), '0:00 / 1:35'));
      await eventually(async () => assert.ok((await commands(page, 'voicemail_waveform')).some((a) => a.recording_sid === 'RE3')));
      const d = await page.locator('[data-testid="player-waveform"] path.rest').getAttribute('d');
      assert.ok((d.match(/M/g) ?? []).length > 40, 'the waveform has a bar every few pixels');
      assert.equal((await commands(page, 'play_voicemail')).length, 0, 'selecting does not start playback');
    });
  });

  test('plays with the button and with space; position and waveform follow playback://state', async () => {
    await withApp({}, async (page) => {
      await openInbox(page);
      await page.getByTestId('player-toggle').click();
      assert.deepEqual(await commands(page, 'play_voicemail'), [{ recording_sid: 'RE1', position_ms: null }]);
      await waitFor(page, 'playing');
      assert.equal(await page.getByTestId('player-status').innerText(), 'Playing on Built-in Audio Analog Stereo');
      assert.equal(await page.getByTestId('player-toggle').getAttribute('aria-label'), 'Pause (space)');
      await eventually(async () => assert.match(await time(page), /^0:0[1-9] \/ 0:30$/));
      const played = Number(await page.getByTestId('player-waveform').getAttribute('data-played'));
      assert.ok(played > 0 && played < 1, `part of the waveform is highlighted (${played})`);
      const clip = Number(await page.locator('[data-testid="player-waveform"] clipPath rect').getAttribute('width'));
      assert.ok(clip > 0, 'the played part of the waveform is drawn in the accent colour');
      await screenshot(page, 'player-playing');

      // The play button has the focus: space must pause once, not also "click" the button.
      await page.keyboard.press(' ');
      await waitFor(page, 'paused');
      assert.deepEqual(await controls(page), [{ kind: 'pause' }]);
      const pausedAt = await time(page);
      await new Promise((done) => setTimeout(done, 350));
      assert.equal(await time(page), pausedAt, 'the position holds while paused');
      await screenshot(page, 'player-paused');

      await spaceOnFirst(page, 'playing');
      assert.deepEqual(await controls(page), [{ kind: 'pause' }, { kind: 'resume' }]);
      assert.equal((await commands(page, 'play_voicemail')).length, 1, 'resuming does not restart the message');
    });
  });

  test('seeks by clicking the waveform and with the arrow keys, never past either end', async () => {
    await withApp({}, async (page) => {
      await openInbox(page);
      await spaceOnFirst(page, 'playing');
      await page.keyboard.press(' ');
      await waitFor(page, 'paused');

      await clickWaveform(page, 0.5);
      const [clicked] = await controls(page, 'seek');
      assert.ok(Math.abs(clicked.position_ms - 15000) < 200, `a click halfway seeks to the middle (${clicked.position_ms})`);
      await eventually(async () => assert.equal(await time(page), '0:15 / 0:30'));

      await page.keyboard.press('ArrowRight');
      assert.equal((await controls(page, 'seek')).at(-1).position_ms, clicked.position_ms + 5000);
      for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowRight');
      await eventually(async () => assert.equal((await controls(page, 'seek')).length, 5));
      const forward = (await controls(page, 'seek')).map((c) => c.position_ms);
      assert.equal(forward.at(-1), 30000, 'right stops at the end');
      assert.ok(forward.every((p) => p <= 30000));
      await eventually(async () => assert.equal(await time(page), '0:30 / 0:30'));

      for (let i = 0; i < 7; i++) await page.keyboard.press('ArrowLeft');
      await eventually(async () => assert.equal((await controls(page, 'seek')).length, 12));
      const back = (await controls(page, 'seek')).slice(5).map((c) => c.position_ms);
      assert.deepEqual(back, [25000, 20000, 15000, 10000, 5000, 0, 0], 'each press goes 5 s back from the last, down to the start');
      await eventually(async () => assert.equal(await time(page), '0:00 / 0:30'));
      assert.equal(await playerState(page), 'paused', 'seeking keeps a paused message paused');

      // A click on a message that is not loaded starts it from there.
      await page.keyboard.press('ArrowDown');
      await eventually(async () => assert.equal(await time(page), '0:00 / 0:12'));
      await clickWaveform(page, 0.25);
      const play = (await commands(page, 'play_voicemail')).at(-1);
      assert.equal(play.recording_sid, 'RE2');
      assert.ok(Math.abs(play.position_ms - 3000) < 100, `from a quarter in (${play.position_ms})`);
    });
  });

  test('a message heard mostly through loses its unread mark (voicemail://heard)', async () => {
    await withApp({}, async (page) => {
      await openInbox(page);
      const first = page.getByTestId('voicemail-item').first();
      assert.match(await first.getAttribute('class'), /\bunread\b/);
      await page.getByTestId('player-toggle').click();
      await waitFor(page, 'playing');
      await clickWaveform(page, 0.55);
      await eventually(async () => assert.doesNotMatch(await first.getAttribute('class'), /\bunread\b/));
      assert.ok(!(await commands(page, 'voicemail_action')).some((a) => a.action === 'read'), 'Rust marked it; the UI only shows it');
    });
  });

  test('a clicked notification opens the inbox on its voicemail, from any view (voicemail://open)', async () => {
    await withApp({}, async (page) => {
      await page.getByTestId('nav-settings').click();
      await page.getByTestId('view-settings').waitFor();
      await page.evaluate(() => window.__ipc.emit('voicemail://open', 'RE3'));
      await page.getByTestId('view-voicemail').waitFor();
      await eventually(async () =>
        assert.match(await page.locator('[data-testid="voicemail-item"].selected').innerText(), /\(415\) 555-0103/),
      );
      assert.match(await page.getByTestId('voicemail-transcript').innerText(), /reminder of your appointment/);
      // From the inbox itself, with a search typed: the search gives way to the voicemail asked for.
      await page.getByTestId('voicemail-search').fill('delivery');
      await eventually(async () => assert.equal(await page.getByTestId('voicemail-item').count(), 1));
      await page.evaluate(() => window.__ipc.emit('voicemail://open', 'RE1'));
      await eventually(async () => assert.equal(await page.getByTestId('voicemail-item').count(), 3));
      await eventually(async () =>
        assert.match(await page.locator('[data-testid="voicemail-item"].selected').innerText(), /Dana Whitfield/),
      );
      assert.equal(await page.getByTestId('voicemail-search').inputValue(), '');
    });
  });

  test('speed and volume go to the Rust player and stay as the events report them', async () => {
    await withApp({}, async (page) => {
      await openInbox(page);
      const speeds = await page.locator('[data-testid="player-speed"] option').allInnerTexts();
      assert.deepEqual(speeds, ['0.75×', '1×', '1.25×', '1.5×', '1.75×', '2×']);
      await page.getByTestId('player-speed').selectOption('1.5');
      await page.getByTestId('player-volume').fill('0.4');
      await eventually(async () => assert.deepEqual(await controls(page), [{ kind: 'speed', speed: 1.5 }, { kind: 'volume', volume: 0.4 }]));

      await page.getByTestId('player-toggle').click();
      await waitFor(page, 'playing');
      await new Promise((done) => setTimeout(done, 300));
      assert.equal(await page.getByTestId('player-speed').inputValue(), '1.5', 'state events keep the chosen speed');
      assert.equal(await page.getByTestId('player-volume').inputValue(), '0.4');

      await page.getByTestId('player-speed').selectOption('0.75');
      await eventually(async () => assert.deepEqual((await controls(page)).at(-1), { kind: 'speed', speed: 0.75 }));
    });
  });

  test('selecting another voicemail stops the one playing and does not start the next', async () => {
    await withApp({}, async (page) => {
      await openInbox(page);
      await spaceOnFirst(page, 'playing');
      await page.keyboard.press('ArrowDown');
      await eventually(async () => assert.deepEqual(await controls(page), [{ kind: 'stop' }]));
      await eventually(async () => assert.equal(await time(page), '0:00 / 0:12'));
      assert.equal(await playerState(page), 'idle');
      assert.deepEqual((await commands(page, 'play_voicemail')).map((a) => a.recording_sid), ['RE1'], 'no autoplay');

      await page.keyboard.press(' ');
      await eventually(async () => assert.deepEqual((await commands(page, 'play_voicemail')).map((a) => a.recording_sid), ['RE1', 'RE2']));
      await waitFor(page, 'playing');
    });
  });

  test('a play cancelled while the audio downloads does not start when the download ends', async () => {
    await withApp({ loadMs: 700 }, async (page) => {
      await openInbox(page);
      await spaceOnFirst(page, 'loading');
      assert.equal(await page.getByTestId('player-status').innerText(), 'Loading the audio…');
      await page.keyboard.press(' ');
      await eventually(async () => assert.equal((await controls(page, 'stop')).length, 2), 8000);
      await waitFor(page, 'idle');
      await new Promise((done) => setTimeout(done, 300));
      assert.equal(await playerState(page), 'idle', 'it stays stopped');

      await page.keyboard.press(' ');
      await page.keyboard.press('ArrowDown');
      await eventually(async () => assert.equal((await controls(page, 'stop')).length, 4), 8000);
      await eventually(async () => assert.equal(await time(page), '0:00 / 0:12'));
      await new Promise((done) => setTimeout(done, 300));
      assert.equal(await playerState(page), 'idle', 'moving on while RE1 loaded leaves nothing playing');
    });
  });

  test('keys pressed in the sidebar stay the sidebar’s', async () => {
    await withApp({}, async (page) => {
      await openInbox(page);
      await page.getByTestId('nav-voicemail').focus();
      await page.keyboard.press('ArrowDown');
      assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-testid')), 'nav-greetings');
      assert.match(await page.locator('[data-testid="voicemail-detail"] h2').innerText(), /\(415\) 555-0101/, 'the selection did not move');
      await page.keyboard.press(' ');
      await page.getByTestId('view-greetings').waitFor();
      assert.equal((await commands(page, 'play_voicemail')).length, 0, 'space on a sidebar item opens it, and plays nothing');
    });
  });

  test('a damaged recording says why and downloads it again; no device gives no re-download', async () => {
    await withApp({ playFailures: { RE1: DAMAGED, RE2: NO_DEVICE } }, async (page) => {
      await openInbox(page);
      await page.getByTestId('player-toggle').click();
      await waitFor(page, 'failed');
      assert.equal(await page.getByTestId('player-error').innerText(), DAMAGED.message);
      assert.equal(await page.getByTestId('player-error').getAttribute('data-code'), 'storage');
      assert.equal(await page.getByTestId('player-redownload').innerText(), 'Download again');
      await screenshot(page, 'player-failed');

      await page.getByTestId('player-redownload').click();
      await eventually(async () => assert.deepEqual(await commands(page, 'redownload_voicemail'), [{ recording_sid: 'RE1' }]));
      await waitFor(page, 'playing');
      assert.equal((await commands(page, 'play_voicemail')).length, 2, 'it plays once the audio is downloaded again');
      assert.equal(await page.getByTestId('player-error').count(), 0);

      await page.keyboard.press('ArrowDown');
      await page.getByTestId('player-toggle').click();
      await waitFor(page, 'failed');
      assert.equal(await page.getByTestId('player-error').innerText(), NO_DEVICE.message);
      assert.equal(await page.getByTestId('player-redownload').count(), 0, 'downloading again cannot bring a device');
    });
  });

  test('a waveform that cannot be drawn offers a re-download too', async () => {
    const broken = { code: 'storage', message: 'The cached audio could not be decoded.' };
    await withApp({ waveformFailures: { RE1: broken } }, async (page) => {
      await page.getByTestId('nav-voicemail').click();
      await eventually(async () => assert.equal(await page.getByTestId('player-error').innerText(), broken.message));
      await page.getByTestId('player-redownload').click();
      await eventually(async () => assert.equal(await page.locator('[data-testid="player-waveform"].ready').count(), 1));
      assert.equal(await page.getByTestId('player-error').count(), 0);
      assert.equal((await commands(page, 'play_voicemail')).length, 0, 'only playback failures replay after the download');
    });
  });

  test('shows the player notice and saves the audio where Rust says', async () => {
    const notice = 'The output device USB Headset went away; playing on the default output.';
    await withApp({ playbackNotice: notice }, async (page) => {
      await openInbox(page);
      await page.getByTestId('player-toggle').click();
      await eventually(async () => assert.equal(await page.getByTestId('player-notice').innerText(), notice));
      await page.getByTestId('player-save').click();
      await eventually(async () =>
        assert.equal(await page.getByTestId('player-saved').innerText(), 'Saved to /home/ada/Downloads/Voicemail +14155550101 RE1.mp3'),
      );
      assert.deepEqual(await commands(page, 'save_voicemail_audio'), [{ recording_sid: 'RE1' }]);
      await screenshot(page, 'player-notice-saved');
    });
  });
});

const selectedSid = (page) => page.locator('[data-testid="voicemail-item"].selected').getAttribute('data-sid');
const heading = async (page) => (await page.locator('[data-testid="voicemail-detail"] h2').innerText()).trim();
const notice = (page) => page.getByTestId('voicemail-undo');

/** Waits for the sidebar's Voicemail item to show `n` unread (no badge at all at 0), to sight and to a screen reader. */
async function unreadBadge(page, n) {
  const badge = page.getByTestId('nav-voicemail-badge');
  await eventually(async () => {
    if (n === 0) {
      assert.equal(await badge.count(), 0, 'no badge with nothing unread');
      assert.equal(await page.getByRole('button', { name: 'Voicemail', exact: true }).count(), 1);
    } else {
      assert.equal((await badge.innerText()).trim(), String(n));
      assert.equal(await page.getByRole('button', { name: `Voicemail, ${n} unread`, exact: true }).count(), 1, 'the count is in the accessible name');
    }
  });
}

describe('inbox', () => {
  test('names callers as Rust formatted them, or as stored, or as unknown, everywhere', async () => {
    const unknown = { ...VOICEMAILS[1], recording_sid: 'RE4', call_sid: null, caller: null, caller_display: null, created_at: 1794990000 };
    const client = { ...VOICEMAILS[1], recording_sid: 'RE5', caller: 'client:ada', caller_display: null, created_at: 1794980000 };
    await withApp({ voicemails: [...VOICEMAILS, unknown, client] }, async (page) => {
      await openInbox(page);
      const numbers = await page.locator('[data-testid="voicemail-item"] .number').allInnerTexts();
      assert.deepEqual(numbers, ['(415) 555-0101', '(415) 555-0102', '(415) 555-0103', 'Unknown caller', 'client:ada']);
      assert.equal(await heading(page), '(415) 555-0101 · Dana Whitfield');
      assert.match(await page.getByTestId('voicemail-detail').locator('header p').innerText(), / · to \(415\) 867-5309$/, 'the called number is formatted the same way');

      await page.getByTestId('voicemail-delete').click();
      await eventually(async () => assert.match(await notice(page).innerText(), /^Deleted the voicemail from \(415\) 555-0101\. /));
      await page.locator('[data-sid="RE4"]').click();
      assert.equal(await heading(page), 'Unknown caller');
      await page.getByTestId('voicemail-delete').click();
      await eventually(async () => assert.match(await notice(page).innerText(), /^Deleted the voicemail from an unknown caller\. /));
    });
  });

  test('the sidebar counts unread voicemail and follows reads, archives, deletes, restores and Rust’s events', async () => {
    const unread = VOICEMAILS.map((v) => (v.recording_sid === 'RE3' ? { ...v, state: 'unread' } : v));
    await withApp({ voicemails: unread }, async (page) => {
      await page.getByTestId('sync-indicator').waitFor();
      await unreadBadge(page, 2);
      await screenshot(page, 'sidebar-unread');

      await openInbox(page);
      await unreadBadge(page, 2); // showing the first message is not reading it
      await screenshot(page, 'voicemail-unread-badge');
      await page.locator('[data-sid="RE1"]').click();
      await unreadBadge(page, 1);
      await page.getByTestId('voicemail-toggle-read').click();
      await unreadBadge(page, 2);
      await page.getByTestId('voicemail-toggle-read').click();
      await unreadBadge(page, 1);

      await page.locator('[data-sid="RE3"]').click(); // a click reads it
      await unreadBadge(page, 0);
      await page.getByTestId('voicemail-toggle-read').click();
      await unreadBadge(page, 1);
      await page.keyboard.press('e');
      await unreadBadge(page, 0);
      const asked = (await commands(page, 'sync_status')).length;
      await page.getByTestId('voicemail-undo-button').click();
      await eventually(async () => assert.ok((await commands(page, 'sync_status')).length > asked, 'restoring asks again'));
      await unreadBadge(page, 0);

      // Rust marks a message read once most of it has played.
      await page.locator('[data-sid="RE2"]').click();
      await page.getByTestId('voicemail-toggle-read').click();
      await unreadBadge(page, 1);
      await page.getByTestId('player-toggle').click();
      await waitFor(page, 'playing');
      await clickWaveform(page, 0.55);
      await unreadBadge(page, 0);

      await page.getByTestId('nav-settings').click();
      await page.evaluate((v) => window.__ipc.arrive(v), { ...VOICEMAILS[0], recording_sid: 'RE9', state: 'unread', created_at: 1795003600 });
      await unreadBadge(page, 1);
      await page.getByTestId('nav-voicemail').click();
      await eventually(async () => assert.equal(await page.getByTestId('voicemail-item').count(), 4));
      await page.getByTestId('voicemail-delete').click();
      await unreadBadge(page, 0);
      assert.match(await page.getByTestId('sync-text').innerText(), /1 change to send/, 'the sync line shares the refreshed status');

      await page.evaluate(() => window.__ipc.emit('sync://finished', { last_synced_at: Math.floor(Date.now() / 1000), stale: false, pending_changes: 0, unread_voicemails: 120 }));
      await eventually(async () => assert.equal(await page.getByTestId('nav-voicemail-badge').innerText(), '99+'));
      assert.equal(await page.getByRole('button', { name: 'Voicemail, 120 unread', exact: true }).count(), 1);
    });
  });

  test('an archived message offers “Move to inbox”, never read/unread', async () => {
    await withApp({}, async (page) => {
      await openInbox(page);
      await page.keyboard.press('e');
      await page.getByTestId('filter-archived').click();
      await eventually(async () => assert.equal(await selectedSid(page), 'RE1'));
      assert.equal(await page.getByTestId('voicemail-toggle-read').count(), 0);
      assert.equal(await page.getByTestId('voicemail-archive').count(), 0);
      await screenshot(page, 'voicemail-archived-actions');
      await page.getByTestId('voicemail-unarchive').click();
      await eventually(async () => assert.equal(await page.getByTestId('voicemail-empty').innerText(), 'Nothing archived.'));
      assert.deepEqual((await commands(page, 'voicemail_action')).at(-1), { recording_sid: 'RE1', action: 'read' });

      // Found by a search, an archived message gets the same offer.
      await page.getByTestId('filter-all').click();
      await eventually(async () => assert.equal(await page.getByTestId('voicemail-item').count(), 3));
      await page.locator('[data-sid="RE3"]').click();
      await page.keyboard.press('e');
      await eventually(async () => assert.equal(await page.getByTestId('voicemail-item').count(), 2));
      await page.getByTestId('voicemail-search').fill('appointment');
      await eventually(async () => assert.equal(await selectedSid(page), 'RE3'));
      assert.equal(await page.getByTestId('voicemail-unarchive').innerText(), 'Move to inbox');
      assert.equal(await page.getByTestId('voicemail-toggle-read').count(), 0);
      await page.getByTestId('voicemail-search').fill('');
      await eventually(async () => assert.equal(await page.getByTestId('voicemail-item').count(), 2));
      await page.locator('[data-sid="RE2"]').click();
      assert.equal((await page.getByTestId('voicemail-toggle-read').innerText()).trim(), 'Mark unread', 'messages in the inbox keep read/unread');
    });
  });

  test('archiving or deleting selects the message that took its place, or the one before the last', async () => {
    const four = [...VOICEMAILS, { ...VOICEMAILS[1], recording_sid: 'RE4', caller: '+14155550104', caller_display: '(415) 555-0104', created_at: 1794980000 }];
    await withApp({ voicemails: four }, async (page) => {
      await openInbox(page);
      await page.locator('[data-sid="RE2"]').click();
      await page.keyboard.press('e');
      await eventually(async () => assert.equal(await page.getByTestId('voicemail-item').count(), 3));
      assert.equal(await selectedSid(page), 'RE3', 'the next one, not the first');
      assert.match(await heading(page), /^\(415\) 555-0103/);

      await page.getByTestId('voicemail-delete').click();
      await eventually(async () => assert.equal(await page.getByTestId('voicemail-item').count(), 2));
      assert.equal(await selectedSid(page), 'RE4');
      await page.keyboard.press('Delete');
      await eventually(async () => assert.equal(await page.getByTestId('voicemail-item').count(), 1));
      assert.equal(await selectedSid(page), 'RE1', 'the last one gives way to the one before it');

      await page.getByTestId('voicemail-undo-button').click();
      await eventually(async () => assert.equal(await selectedSid(page), 'RE4'), 'undo selects the restored message');
    });
  });

  test('the notice bar goes when the filter changes or a search is typed, not when another message is opened', async () => {
    await withApp({ voicemails: VOICEMAILS.map((v) => ({ ...v, state: 'unread' })) }, async (page) => {
      await openInbox(page);
      await page.keyboard.press('e');
      await notice(page).waitFor();
      await page.locator('[data-sid="RE3"]').click();
      await eventually(async () => assert.ok((await commands(page, 'voicemail_action')).some((a) => a.recording_sid === 'RE3' && a.action === 'read')));
      assert.equal(await notice(page).count(), 1, 'opening (and so reading) another message keeps it');
      await page.getByTestId('filter-all').click();
      assert.equal(await notice(page).count(), 1, 'the filter already shown is no change');

      await page.getByTestId('filter-unread').click();
      await eventually(async () => assert.equal(await notice(page).count(), 0));

      await page.getByTestId('filter-all').click();
      await eventually(async () => assert.equal(await page.getByTestId('voicemail-item').count(), 2));
      await page.getByTestId('voicemail-delete').click();
      await notice(page).waitFor();
      await page.keyboard.press('/');
      await page.keyboard.type('d');
      await eventually(async () => assert.equal(await notice(page).count(), 0));
    });
  });
});

describe('archive', () => {
  test('without S3, archives locally and says so plainly', async () => {
    await withApp({}, async (page) => {
      await openInbox(page);
      await page.keyboard.press('e');
      await eventually(async () => assert.match(await page.getByTestId('voicemail-undo').innerText(), /^Archived\.\s+Undo$/));
      assert.deepEqual(await commands(page, 'archive_voicemail'), [{ recording_sid: 'RE1' }]);
      assert.ok(!(await commands(page, 'voicemail_action')).some((a) => a.action === 'archive'), 'not the old local-only action');
      assert.equal(await page.getByTestId('voicemail-item').count(), 2);
      await page.getByTestId('filter-archived').click();
      await eventually(async () => assert.equal(await page.getByTestId('voicemail-item').count(), 1));
      assert.equal(await page.getByTestId('voicemail-s3').count(), 0, 'no S3 badge without an S3 copy');
      assert.equal(await page.getByTestId('voicemail-archive').count(), 0);
    });
  });

  test('with S3, names the key written and badges the message', async () => {
    const key = `voicemail/${ACCOUNT_SID}/RE1.mp3`;
    await withApp({ archive: S3, archiveMs: 300 }, async (page) => {
      await openInbox(page);
      await page.getByTestId('voicemail-archive').click();
      await eventually(async () => assert.match(await page.getByTestId('voicemail-archive').innerText(), /Archiving…/));
      await page.keyboard.press('e');
      await eventually(async () => assert.equal(await page.getByTestId('voicemail-undo').locator('p').innerText(), `Archived to S3 as ${key}`));
      assert.equal((await commands(page, 'archive_voicemail')).length, 1, 'a second press while uploading does nothing');
      await page.getByTestId('filter-archived').click();
      await eventually(async () => assert.equal(await page.getByTestId('voicemail-item').count(), 1));
      const badge = page.getByTestId('voicemail-s3');
      assert.equal((await badge.innerText()).trim(), 'Archived to S3');
      assert.equal(await badge.getAttribute('title'), key);
      await screenshot(page, 'voicemail-archived-s3');
    });
  });

  test('a failed upload keeps the voicemail where it was and says why', async () => {
    const failed = { code: 'network', message: 'Could not reach the bucket switchboard-vm at http://127.0.0.1:9000. Nothing was archived or deleted.' };
    await withApp({ archive: { ...S3, delete_from_twilio: true }, archiveErrors: { RE1: failed } }, async (page) => {
      await openInbox(page);
      await page.keyboard.press('e');
      await eventually(async () => assert.equal(await page.getByTestId('voicemail-error').innerText(), failed.message));
      assert.equal(await page.getByTestId('voicemail-item').count(), 3);
      assert.equal(await page.getByTestId('voicemail-undo').count(), 0);
    });
  });
});

describe('settings: audio output and S3 archive', () => {
  test('the output device comes from Rust, a failure is shown, and the choice is remembered', async () => {
    const busy = { code: 'internal', message: 'Could not open USB Headset: the device is busy.' };
    await withApp({ outputFailures: [busy] }, async (page) => {
      await page.getByTestId('nav-settings').click();
      const select = page.getByTestId('audio-output');
      await eventually(async () => assert.equal(await select.isEnabled(), true));
      assert.deepEqual(await select.locator('option').allInnerTexts(), [
        'System default',
        'Built-in Audio Analog Stereo (default)',
        'USB Headset',
        'HDMI / DisplayPort 1',
      ]);
      assert.equal(await select.inputValue(), '');

      await select.selectOption('pipewire:usb-headset');
      await eventually(async () => assert.equal(await page.getByTestId('audio-output-error').innerText(), busy.message));
      assert.equal(await select.inputValue(), '', 'a choice that failed is not shown as made');
      await select.selectOption('pipewire:usb-headset');
      await eventually(async () => assert.match(await page.getByTestId('audio-output-saved').innerText(), /^Saved/));
      assert.deepEqual((await commands(page, 'set_output_device')).map((a) => a.id), ['pipewire:usb-headset', 'pipewire:usb-headset']);

      await page.getByTestId('nav-voicemail').click();
      await page.getByTestId('nav-settings').click();
      await eventually(async () => assert.equal(await page.getByTestId('audio-output').inputValue(), 'pipewire:usb-headset'));
      await page.getByTestId('audio-output').selectOption('');
      await eventually(async () => assert.deepEqual((await commands(page, 'set_output_device')).at(-1), { id: null }));
    });
  });

  test('a remembered device that is unplugged still shows as the choice', async () => {
    await withApp({ selectedDevice: 'alsa:bt-speaker' }, async (page) => {
      await page.getByTestId('nav-settings').click();
      await eventually(async () => assert.equal(await page.getByTestId('audio-output').inputValue(), 'alsa:bt-speaker'));
      assert.match(await page.locator('[data-testid="audio-output"] option:checked').innerText(), /not connected/);
    });
  });

  test('S3 settings: missing fields, an unreachable bucket, then saved, kept secret and removed', async () => {
    const unreachable = {
      code: 'network',
      message: 'The bucket switchboard-vm could not be reached at http://127.0.0.1:9000 (connection refused). Nothing was saved.',
    };
    await withApp({ archiveSaves: [{ error: unreachable }, {}, {}] }, async (page) => {
      await page.getByTestId('nav-settings').click();
      const card = page.getByTestId('settings-archive');
      await card.waitFor();
      assert.match(await card.innerText(), new RegExp(`private prefix\\s+voicemail/${ACCOUNT_SID}/`));
      assert.equal(await page.getByTestId('archive-state').innerText(), 'Off');
      assert.equal(await page.getByTestId('archive-remove').count(), 0);
      assert.equal(await page.getByTestId('s3-secret').getAttribute('type'), 'password');

      await page.getByTestId('archive-save').click();
      assert.match(await page.getByTestId('archive-error').innerText(), /needed/);
      assert.equal((await commands(page, 'save_archive_settings')).length, 0, 'nothing is sent with fields missing');

      await page.getByTestId('s3-endpoint').fill(' http://127.0.0.1:9000 ');
      await page.getByTestId('s3-bucket').fill('switchboard-vm');
      await page.getByTestId('s3-access-key').fill(S3.access_key_id);
      await page.getByTestId('s3-secret').fill(S3_SECRET);
      await page.getByTestId('s3-path-style').check();
      await page.getByTestId('archive-save').click();
      await eventually(async () => assert.equal(await page.getByTestId('archive-save').innerText(), 'Checking the bucket…'));
      await eventually(async () => assert.equal(await page.getByTestId('archive-error').innerText(), unreachable.message));
      assert.equal(await page.getByTestId('s3-secret').inputValue(), S3_SECRET, 'what was typed is kept to try again');
      await card.scrollIntoViewIfNeeded();
      await screenshot(page, 'settings-archive-error');

      await page.getByTestId('archive-save').click();
      await eventually(async () => assert.match(await page.getByTestId('archive-notice').innerText(), /^Saved\. .*s3:\/\/switchboard-vm\/voicemail\/AC/));
      const saves = await commands(page, 'save_archive_settings');
      assert.deepEqual(saves[1], { input: { ...S3, secret_access_key: S3_SECRET } });
      assert.equal(await page.getByTestId('archive-state').innerText(), 'On');
      assert.equal(await page.getByTestId('s3-secret').inputValue(), '');
      assert.equal(await page.getByTestId('s3-secret').getAttribute('placeholder'), 'stored in the keychain');
      assert.ok(!(await page.evaluate((s) => document.documentElement.outerHTML.includes(s), S3_SECRET)), 'the secret is gone from the page');
      await card.scrollIntoViewIfNeeded();
      await screenshot(page, 'settings-archive');

      await page.getByTestId('s3-delete').check();
      await page.getByTestId('archive-save').click();
      await eventually(async () => assert.equal((await commands(page, 'save_archive_settings')).length, 3));
      assert.deepEqual((await commands(page, 'save_archive_settings'))[2].input, { ...S3, delete_from_twilio: true, secret_access_key: null }, 'an empty secret keeps the stored one');

      await page.getByTestId('archive-remove').click();
      await eventually(async () => assert.equal(await page.getByTestId('archive-state').innerText(), 'Off'));
      assert.equal((await commands(page, 'clear_archive_settings')).length, 1);
      assert.equal(await page.getByTestId('s3-bucket').inputValue(), '');
      assert.match(await page.getByTestId('archive-notice').innerText(), /removed/);
    });
  });

  test('loads saved S3 settings without the secret', async () => {
    await withApp({ archive: S3 }, async (page) => {
      await page.getByTestId('nav-settings').click();
      await eventually(async () => assert.equal(await page.getByTestId('s3-bucket').inputValue(), 'switchboard-vm'));
      assert.equal(await page.getByTestId('s3-endpoint').inputValue(), S3.endpoint);
      assert.equal(await page.getByTestId('s3-path-style').isChecked(), true);
      assert.equal(await page.getByTestId('s3-delete').isChecked(), false);
      assert.equal(await page.getByTestId('s3-secret').getAttribute('placeholder'), 'stored in the keychain');
    });
  });

  test('retention: saved, previewed, confirmed, followed to the end, and stopped by a change', async () => {
    await withApp({ archive: S3, retention: { old: 120 } }, async (page) => {
      await page.getByTestId('nav-settings').click();
      const card = page.getByTestId('settings-retention');
      await card.waitFor();
      await eventually(async () => assert.equal(await page.getByTestId('retention-state').innerText(), 'Off'));
      assert.equal(await page.getByTestId('retention-recordings-days').isDisabled(), true);

      await page.getByTestId('retention-recordings').check();
      await page.getByTestId('retention-recordings-days').fill('0');
      await page.getByTestId('retention-save').click();
      assert.match(await page.getByTestId('retention-error').innerText(), /from 1 to 36500/);
      assert.equal((await commands(page, 'set_retention')).length, 0, 'nothing is sent that cannot be saved');

      await page.getByTestId('retention-recordings-days').fill('90');
      await page.getByTestId('retention-calls').check();
      await page.getByTestId('retention-save').click();
      const preview = page.getByTestId('retention-preview');
      await preview.waitFor();
      assert.deepEqual((await commands(page, 'set_retention'))[0].policy, { recordings_days: 90, only_archived: true, audio_budget_bytes: null, call_log_days: 365 });
      assert.equal(await page.getByTestId('retention-state').innerText(), 'Not confirmed');
      const text = await preview.innerText();
      assert.match(text, /From Twilio: 120 recordings made before \d{4}-\d\d-\d\d \(96 voicemails\), with 120 transcriptions\./);
      assert.match(text, /From the local call log: 312 calls/);
      assert.match(text, /and 110 more/);
      assert.equal(await preview.locator('tr').count(), 10);
      assert.equal(await page.getByTestId('retention-confirm').innerText(), 'Confirm and delete');
      await card.scrollIntoViewIfNeeded();
      await screenshot(page, 'settings-retention-preview');

      await page.getByTestId('retention-confirm').click();
      await eventually(async () => assert.match(await page.getByTestId('retention-notice').innerText(), /Run #1 started: 240 deletions/));
      const confirm = (await commands(page, 'confirm_retention'))[0];
      assert.equal(confirm.policy_updated_at, 2, 'the confirmation names the policy previewed');
      await page.getByTestId('retention-progress').waitFor();
      assert.equal(await page.getByTestId('retention-state').innerText(), 'On');
      await card.scrollIntoViewIfNeeded();
      await screenshot(page, 'settings-retention-running');
      await eventually(async () => assert.match(await page.getByTestId('retention-run').innerText(), /240 of 240 deletions on Twilio done/), 15000);
      assert.equal(await page.getByTestId('retention-progress').count(), 0, 'the bar goes when the run is done');
      await page.locator('[data-testid="retention-run"] summary').click();
      assert.equal(await page.getByTestId('retention-log').locator('li').count(), 20);
      await screenshot(page, 'settings-retention-done');

      await page.getByTestId('retention-calls').uncheck();
      await page.getByTestId('retention-save').click();
      await eventually(async () => assert.equal(await page.getByTestId('retention-state').innerText(), 'Not confirmed'));
    });
  });

  test('are not offered before an account is connected', async () => {
    await withApp({ status: STATUS }, async (page) => {
      await page.getByTestId('nav-settings').click();
      await page.getByTestId('settings-connect').waitFor();
      assert.equal(await page.getByTestId('settings-audio').count(), 0);
      assert.equal(await page.getByTestId('settings-archive').count(), 0);
      assert.ok(!(await ipcCalls(page)).some((c) => c.cmd === 'audio_outputs' || c.cmd === 'archive_settings'));
    });
  });
});

describe('player look', () => {
  test('dark mode, playing and in Settings', async () => {
    await withApp(
      { archive: S3 },
      async (page) => {
        await openInbox(page);
        await page.getByTestId('player-toggle').click();
        await eventually(async () => assert.match(await time(page), /^0:0[2-9]/));
        await screenshot(page, 'dark-player');
        await page.getByTestId('nav-settings').click();
        await page.getByTestId('settings-audio').scrollIntoViewIfNeeded();
        await eventually(async () => assert.equal(await page.getByTestId('s3-bucket').inputValue(), 'switchboard-vm'));
        await screenshot(page, 'dark-settings-audio');
        await page.getByTestId('archive-save').scrollIntoViewIfNeeded();
        await screenshot(page, 'dark-settings-archive');
      },
      { colorScheme: 'dark' },
    );
  });

  test('fits the smallest window, 760×520', async () => {
    await withApp(
      { playFailures: { RE1: DAMAGED } },
      async (page) => {
        await openInbox(page);
        await page.getByTestId('player-toggle').click();
        await page.getByTestId('player-redownload').waitFor();
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        assert.equal(overflow, 0, 'no horizontal scrolling');
        const wave = await page.getByTestId('player-waveform').boundingBox();
        assert.ok(wave.width >= 120, `the waveform stays usable (${wave.width}px)`);
        await page.getByTestId('player-redownload').scrollIntoViewIfNeeded();
        await screenshot(page, 'small-player');
        await page.getByTestId('nav-settings').click();
        await page.getByTestId('settings-archive').scrollIntoViewIfNeeded();
        await screenshot(page, 'small-settings-archive');
      },
      { viewport: { width: 760, height: 520 } },
    );
  });
});
