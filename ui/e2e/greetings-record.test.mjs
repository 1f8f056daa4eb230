// Recording a greeting in headless Chromium, against the fake recorder of harness.mjs
// (installFakeRecording): hosting, the meter and clock, the trim editor, preview and publish.
// Run `npm run build` first.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ACCOUNT_SID, appSuite, CONNECTED, eventually, ipcCalls, MICROPHONES, screenshot } from './harness.mjs';

const PUBLIC_BASE = `https://switchboard-greetings.s3.us-east-1.amazonaws.com/greetings/${ACCOUNT_SID}/`;
const POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Sid: 'SwitchboardGreetingsPublicRead', Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::switchboard-greetings/greetings/*` }],
});
const HOSTED = { configured: true, public_base: PUBLIC_BASE, policy: POLICY, policy_applied: true };

const open = appSuite();

/** Opens the app with the fake recorder's `recording`, runs `body`, then checks the page logged no errors. */
const withApp = (recording, body, options, scenario = {}) => open({ ...CONNECTED, recording, ...scenario }, body, options);

const commands = async (page, cmd) => (await ipcCalls(page)).filter((c) => c.cmd === cmd).map((c) => c.args);
/** An element's text, with the blank lines between paragraphs collapsed. */
const text = async (page, id) => (await page.getByTestId(id).innerText()).trim().replace(/\n{2,}/g, '\n');
const attr = (page, id, name) => page.getByTestId(id).getAttribute(name);
const recorderState = (page) => attr(page, 'recorder', 'data-state');

async function openRecorder(page) {
  await page.getByTestId('nav-greetings').click();
  await page.getByTestId('greeting-mode-record').click();
  await page.getByTestId('recorder').waitFor();
  await eventually(async () => assert.ok((await page.getByTestId('record-input').locator('option').count()) > 1, 'the microphones are listed'));
}

const emitLevel = (page, level) => page.evaluate((l) => window.__ipc.emit('recording://level', l), level);

/** The trim shown by the handles. */
async function trimShown(page) {
  return { start_ms: Number(await attr(page, 'trim-start', 'data-ms')), end_ms: Number(await attr(page, 'trim-end', 'data-ms')) };
}

/** The tallest bar of the take's drawing, as a fraction of its height. */
async function tallestBar(page) {
  const d = await page.locator('[data-testid="take-waveform"] path.cut').getAttribute('d');
  const bars = [...d.matchAll(/M[\d.]+ ([\d.]+)V([\d.]+)/g)].map(([, top, bottom]) => Number(bottom) - Number(top));
  assert.ok(bars.length > 100, 'a bar every few pixels');
  return Math.max(...bars) / 72;
}

describe('recording a greeting', () => {
  test('records with a live meter and clock, trims by drag and keys, previews, and publishes', async () => {
    await withApp({ hosting: HOSTED, levels: 'manual', takeMs: 8000 }, async (page) => {
      await openRecorder(page);
      assert.equal(await recorderState(page), 'idle');
      assert.deepEqual(await page.getByTestId('record-input').locator('option').allInnerTexts(), [
        'System default',
        'Built-in Audio Analog Stereo (default)',
        'USB Headset Microphone',
      ]);
      await page.getByTestId('record-input').selectOption(MICROPHONES[1].id);
      await eventually(async () => assert.deepEqual(await commands(page, 'set_input_device'), [{ id: MICROPHONES[1].id }]));
      assert.equal(await text(page, 'record-elapsed'), '0:00');
      assert.equal(await text(page, 'record-remaining'), '2:00 left');
      assert.equal(await page.getByTestId('greetings-policy').count(), 0, 'the policy is in place: nothing to ask');

      await page.getByTestId('record-toggle').click();
      await eventually(async () => assert.equal(await recorderState(page), 'recording'));
      assert.deepEqual(await commands(page, 'start_recording'), [{}]);
      assert.equal(await attr(page, 'record-toggle', 'aria-label'), 'Stop recording');
      assert.equal(await page.getByTestId('record-input').isDisabled(), true, 'the microphone cannot change mid-take');

      // Steady speech at -20 dBFS RMS with peaks at -6 dBFS: the bar settles at 2/3, the peak mark at 0.9.
      for (let ms = 33; ms <= 12_400; ms += 33) {
        if (ms < 12_000 && ms % 990 !== 0) continue;
        await emitLevel(page, { rms: 0.1, peak: 0.5012, elapsed_ms: ms });
      }
      await emitLevel(page, { rms: 0.1, peak: 0.5012, elapsed_ms: 12_400 });
      await eventually(async () => assert.equal(await text(page, 'record-elapsed'), '0:12'));
      assert.equal(await text(page, 'record-remaining'), '1:48 left');
      assert.ok(Math.abs(Number(await attr(page, 'record-meter', 'data-level')) - 2 / 3) < 0.02, 'the bar shows -20 dB on the -60…0 dB scale');
      assert.equal(await attr(page, 'record-meter', 'data-peak'), '0.900');
      assert.equal(await attr(page, 'record-meter', 'aria-valuetext'), '−20 dB');
      const lit = await page.locator('[data-testid="record-meter"] .lit').getAttribute('style');
      assert.match(lit, /clip-path: inset\(0(px)? 3[2-4]\.\d+% 0(px)? 0(px)?\)/, 'the lit part of the meter covers two thirds');
      const peakLeft = await page.getByTestId('record-meter-peak').getAttribute('style');
      assert.match(peakLeft, /left: 90(\.0\d*)?%/);
      await screenshot(page, 'greetings-recording');

      // Silence: the bar falls at 24 dB/s, the peak mark holds for a second first.
      for (let ms = 12_500; ms <= 12_900; ms += 100) await emitLevel(page, { rms: 0, peak: 0, elapsed_ms: ms });
      await eventually(async () => assert.ok(Math.abs(Number(await attr(page, 'record-meter', 'data-level')) - (2 / 3 - 12 / 60)) < 0.02, '12 dB lower after half a second'));
      assert.equal(await attr(page, 'record-meter', 'data-peak'), '0.900', 'the peak mark holds');
      // A clipped sample warns.
      await emitLevel(page, { rms: 0.5, peak: 1, elapsed_ms: 13_000 });
      await eventually(async () => assert.match(await text(page, 'record-hint'), /Too loud/));

      await page.getByTestId('record-toggle').click();
      await page.getByTestId('take-editor').waitFor();
      assert.equal(await recorderState(page), 'take');
      assert.deepEqual(await commands(page, 'stop_recording'), [{}]);
      assert.equal(await text(page, 'take-info'), '0:08.00 from USB Headset Microphone');
      assert.deepEqual(await trimShown(page), { start_ms: 400, end_ms: 7600 }, 'the handles start at the trim Rust found');
      assert.equal(await text(page, 'take-trim'), 'Keeps 7.2 s (0:00.40 – 0:07.60)');
      assert.ok((await tallestBar(page)) > 0.9, 'speech fills the height');
      assert.equal(await page.getByTestId('take-silent').count(), 0);
      assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), 'take-preview', 'the focus moves to Preview');

      // Keyboard: the handles are sliders, 50 ms per arrow.
      const start = page.getByTestId('trim-start');
      assert.equal(await start.getAttribute('role'), 'slider');
      assert.equal(await start.getAttribute('aria-valuetext'), '0:00.40');
      await start.focus();
      await page.keyboard.press('ArrowRight');
      await page.keyboard.press('ArrowRight');
      await page.keyboard.press('ArrowLeft');
      assert.equal((await trimShown(page)).start_ms, 450);
      assert.equal(await start.getAttribute('aria-valuenow'), '450');
      await page.getByTestId('trim-end').focus();
      await page.keyboard.press('End');
      assert.equal((await trimShown(page)).end_ms, 8000);

      // Mouse: drag the end handle to three quarters of the way.
      const wave = await page.getByTestId('take-waveform').boundingBox();
      const handle = await page.getByTestId('trim-end').boundingBox();
      await page.mouse.move(handle.x + handle.width / 2, handle.y + 8);
      await page.mouse.down();
      await page.mouse.move(wave.x + wave.width * 0.6, wave.y + 30, { steps: 4 });
      await page.mouse.move(wave.x + wave.width * 0.75, wave.y + 30, { steps: 4 });
      await page.mouse.up();
      const dragged = await trimShown(page);
      assert.equal(dragged.start_ms, 450);
      assert.ok(Math.abs(dragged.end_ms - 6000) <= 30, `the end follows the pointer (${dragged.end_ms})`);
      assert.equal(dragged.end_ms % 10, 0, 'snapped to 10 ms');
      // Dragging past the other handle stops a second short of it.
      await page.mouse.move(wave.x + wave.width * 0.75, wave.y + 30);
      await page.mouse.down();
      await page.mouse.move(wave.x + 2, wave.y + 30, { steps: 6 });
      await page.mouse.up();
      assert.deepEqual(await trimShown(page), { start_ms: 450, end_ms: 1450 });
      await page.getByTestId('trim-end').focus();
      await page.keyboard.press('PageUp');
      await page.keyboard.press('PageUp');
      await page.keyboard.press('PageUp');
      await page.keyboard.press('PageUp');
      assert.deepEqual(await trimShown(page), { start_ms: 450, end_ms: 5450 });

      // Preview plays the trimmed part through the Rust player; the playhead follows playback://state.
      await page.getByTestId('take-preview').click();
      await eventually(async () => assert.equal(await attr(page, 'take-preview', 'data-state'), 'playing'));
      assert.deepEqual(await commands(page, 'preview_take'), [{ trim: { start_ms: 450, end_ms: 5450 } }]);
      assert.equal(await text(page, 'take-preview'), 'Stop');
      assert.equal(await text(page, 'take-preview-device'), 'Playing on Built-in Audio Analog Stereo');
      await eventually(async () => assert.ok(Number(await attr(page, 'take-playhead', 'data-ms')) >= 750));
      const at = Number(await attr(page, 'take-playhead', 'data-ms'));
      assert.ok(at > 450 && at < 5450, `the playhead is inside the kept part (${at})`);
      await screenshot(page, 'greetings-take-preview');
      // Moving a handle stops the preview of the old trim.
      await page.getByTestId('trim-start').focus();
      await page.keyboard.press('ArrowLeft');
      await eventually(async () => assert.deepEqual((await commands(page, 'playback_control')).map((a) => a.control), [{ kind: 'stop' }]));
      await eventually(async () => assert.equal(await page.getByTestId('take-playhead').count(), 0));
      assert.equal(await text(page, 'take-preview'), 'Preview');

      // Publish: the shared name, kind and schedule fields, then publish_take with the trim.
      await page.getByTestId('greeting-name').fill('Closed (recorded)');
      await page.getByTestId('greeting-kind').selectOption('after_hours');
      await page.getByTestId('greeting-hours').waitFor();
      await page.getByTestId('greeting-open-to').fill('18:00');
      assert.match(await text(page, 'take-publish-form'), new RegExp(`Callers hear it from ${PUBLIC_BASE.replace(/[./]/g, '\\$&')}`));
      await screenshot(page, 'greetings-take-publish');
      await page.getByTestId('take-publish').click();
      await eventually(async () => assert.match(await text(page, 'take-publish'), /Uploading/));
      await page.getByTestId('record-published').waitFor();
      assert.equal(
        await text(page, 'record-published'),
        'Published “Closed (recorded)”. Call routing is not deployed yet: deploy it in Numbers so callers hear your greetings.',
        'the note of GreetingsPublished is shown',
      );
      assert.deepEqual(await commands(page, 'publish_take'), [
        { input: { name: 'Closed (recorded)', kind: 'after_hours', trim: { start_ms: 400, end_ms: 5450 }, open: [{ days: [1, 2, 3, 4, 5], from: '09:00', to: '18:00' }] } },
      ]);
      assert.equal(await recorderState(page), 'idle', 'ready for another');
      await eventually(async () => assert.equal(await page.getByTestId('greeting-row').count(), 1));
      assert.equal(await text(page, 'greeting-when'), 'Outside Mon–Fri 09:00–18:00');
      assert.match(await text(page, 'greeting-recorded'), new RegExp(`^Recorded\\s+${PUBLIC_BASE.replace(/[./]/g, '\\$&')}r1-3f2a9c1e\\.wav$`));
      assert.equal(await page.locator('[data-testid="greeting-row"] .quote').count(), 0, 'no Say text for a recording');
      await screenshot(page, 'greetings-published');
    });
  });

  test('stops by itself at the 2:00 limit, and leaving the view drops the take', async () => {
    await withApp({ hosting: HOSTED, timeScale: 150 }, async (page) => {
      await openRecorder(page);
      await page.getByTestId('record-toggle').click();
      await eventually(async () => assert.equal(await recorderState(page), 'recording'));
      await eventually(async () => assert.ok(Number(await attr(page, 'record-meter', 'data-level')) > 0.3, 'the meter moves with the voice'));
      await page.getByTestId('take-editor').waitFor({ timeout: 5000 });
      assert.equal(await text(page, 'record-limit-note'), 'Recording stopped at the 2:00 limit.');
      assert.equal((await commands(page, 'stop_recording')).length, 0, 'recording://stopped ended it, not the app');
      assert.equal(await text(page, 'take-info'), '2:00.00 from Built-in Audio Analog Stereo');
      assert.deepEqual(await trimShown(page), { start_ms: 400, end_ms: 119_600 });

      await page.getByTestId('nav-voicemail').click();
      await eventually(async () => assert.deepEqual(await commands(page, 'discard_take'), [{}]));
    });
  });

  test('a stop that loses the race with the limit still gets the take', async () => {
    await withApp({ hosting: HOSTED, levels: 'manual', takeMs: 120_000, limitWinsStop: true }, async (page) => {
      await openRecorder(page);
      await page.getByTestId('record-toggle').click();
      await eventually(async () => assert.equal(await recorderState(page), 'recording'));
      await page.getByTestId('record-toggle').click();
      await page.getByTestId('take-editor').waitFor();
      assert.equal(await page.getByTestId('record-error').count(), 0, 'no error for a stop the limit beat');
      assert.equal(await text(page, 'record-limit-note'), 'Recording stopped at the 2:00 limit.');
      assert.equal(await text(page, 'take-info'), '2:00.00 from Built-in Audio Analog Stereo');
    });
  });

  test('re-records and discards (dark)', async () => {
    await withApp({ hosting: HOSTED, takeMs: 5000 }, async (page) => {
      await openRecorder(page);
      await page.getByTestId('record-toggle').click();
      await eventually(async () => assert.equal(await recorderState(page), 'recording'));
      await eventually(async () => assert.ok(Number(await attr(page, 'record-meter', 'data-level')) > 0.4));
      await page.mouse.move(0, 0);
      await screenshot(page, 'dark-greetings-recording');
      await page.getByTestId('record-toggle').click();
      await page.getByTestId('take-editor').waitFor();
      await page.getByTestId('trim-end').focus();
      await screenshot(page, 'dark-greetings-take');
      await page.getByTestId('take-rerecord').click();
      await eventually(async () => assert.equal(await recorderState(page), 'recording'));
      const order = (await ipcCalls(page)).map((c) => c.cmd).filter((c) => /recording|take/.test(c));
      assert.deepEqual(order, ['start_recording', 'stop_recording', 'discard_take', 'start_recording']);
      assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), 'record-toggle', 'Stop has the focus');
      await page.keyboard.press('Enter');
      await page.getByTestId('take-editor').waitFor();
      await page.getByTestId('take-discard').click();
      await eventually(async () => assert.equal(await recorderState(page), 'idle'));
      assert.equal((await commands(page, 'discard_take')).length, 2);
      assert.equal(await text(page, 'record-elapsed'), '0:00', 'the clock starts over');
    }, { colorScheme: 'dark' });
  });
});

describe('hosting recorded greetings', () => {
  test('without an S3 bucket, explains what is needed and offers text-to-speech only', async () => {
    await withApp(undefined, async (page) => {
      await page.getByTestId('nav-greetings').click();
      await page.getByTestId('record-unavailable').waitFor();
      const explained = await text(page, 'record-unavailable');
      assert.match(explained, /served to callers from your own S3 bucket/);
      assert.match(explained, /Settings/);
      assert.match(explained, /Text-to-speech greetings like this one work without it/);
      assert.equal(await page.getByTestId('greeting-mode-record').count(), 0, 'recording is not offered');
      assert.equal(await page.locator('#greetings-new-title').innerText(), 'New text-to-speech greeting');
      await page.getByTestId('greeting-text').waitFor();
      await page.getByTestId('record-unavailable').scrollIntoViewIfNeeded();
      await screenshot(page, 'greetings-record-unavailable');
      const asked = (await ipcCalls(page)).map((c) => c.cmd);
      assert.ok(asked.includes('greetings_hosting'));
      assert.ok(!asked.includes('audio_inputs') && !asked.includes('start_recording'), 'the microphone is left alone');
      await page.getByTestId('record-open-settings').click();
      await page.getByTestId('view-settings').waitFor();
    });
  });

  test('shows the bucket policy, and applies it on request', async () => {
    const forbidden = { code: 'forbidden', message: 'The bucket refused to change its policy (AccessDenied): the key needs s3:PutBucketPolicy.' };
    for (const colorScheme of ['light', 'dark']) {
      await withApp({ hosting: { ...HOSTED, policy_applied: false }, policyErrors: [forbidden] }, async (page) => {
        await openRecorder(page);
        const box = page.getByTestId('greetings-policy');
        await box.waitFor();
        assert.match(await box.innerText(), /greetings\/[\s\S]*publicly readable|anyone read\s+greetings\//);
        assert.match(await box.innerText(), /everything else in the bucket stay private/);
        assert.equal(await page.getByTestId('greetings-policy-json').isVisible(), false, 'the JSON is folded away');
        await box.locator('summary').click();
        assert.equal(await page.getByTestId('greetings-policy-json').isVisible(), true);
        const json = JSON.parse(await page.getByTestId('greetings-policy-json').innerText());
        assert.equal(json.Statement[0].Resource, 'arn:aws:s3:::switchboard-greetings/greetings/*');
        assert.match(await page.getByTestId('greetings-policy-json').innerText(), /\n {2}"Version"/, 'pretty-printed');
        await screenshot(page, `${colorScheme === 'dark' ? 'dark-' : ''}greetings-policy`);

        await page.getByTestId('greetings-policy-apply').click();
        await eventually(async () => assert.equal(await attr(page, 'greetings-policy-error', 'data-code'), 'forbidden'));
        assert.match(await text(page, 'greetings-policy-error'), /s3:PutBucketPolicy/);
        await page.getByTestId('greetings-policy-apply').click();
        await page.getByTestId('greetings-policy-applied').waitFor();
        assert.equal(await page.getByTestId('greetings-policy').count(), 0);
        assert.equal((await commands(page, 'apply_greetings_policy')).length, 2);
      }, { colorScheme });
    }
  });
});

describe('recording problems', () => {
  test('no microphone, then a denied one: each says so, and nothing is recorded', async () => {
    const none = { code: 'not_found', message: 'No microphone is connected. Connect one, or choose another in the list.' };
    const denied = { code: 'forbidden', message: 'Access to the microphone is denied. Allow Switchboard in the system’s privacy settings, then try again.' };
    await withApp({ hosting: HOSTED, inputs: [], startErrors: [none, denied] }, async (page) => {
      await page.getByTestId('nav-greetings').click();
      await page.getByTestId('greeting-mode-record').click();
      await eventually(async () => assert.match(await text(page, 'record-hint'), /No microphone is connected/));
      await page.getByTestId('record-toggle').click();
      await eventually(async () => assert.equal(await attr(page, 'record-error', 'data-code'), 'not_found'));
      assert.equal(await text(page, 'record-error'), `No microphone found\n${none.message}`);
      assert.equal(await recorderState(page), 'idle');
      await screenshot(page, 'greetings-no-microphone');

      await page.getByTestId('record-toggle').click();
      await eventually(async () => assert.equal(await attr(page, 'record-error', 'data-code'), 'forbidden'));
      assert.equal(await text(page, 'record-error'), `Switchboard may not use the microphone\n${denied.message}`);
      assert.equal(await recorderState(page), 'idle');
      assert.equal((await commands(page, 'stop_recording')).length, 0);
    });
  });

  test('a silent take is drawn flat, and preview and publish refuse it inline', async () => {
    for (const colorScheme of ['light', 'dark']) {
      await withApp({ hosting: HOSTED, silent: true, takeMs: 4000 }, async (page) => {
        await openRecorder(page);
        await page.getByTestId('record-toggle').click();
        await eventually(async () => assert.equal(await recorderState(page), 'recording'));
        await eventually(async () => assert.ok((await commands(page, 'start_recording')).length === 1));
        await page.getByTestId('record-toggle').click();
        await page.getByTestId('take-editor').waitFor();
        assert.ok((await tallestBar(page)) < 0.1, 'noise is not drawn as speech, though Rust scales the peaks to 1');
        assert.match(await text(page, 'take-silent'), /This take sounds silent/);
        assert.deepEqual(await trimShown(page), { start_ms: 0, end_ms: 4000 });

        await page.getByTestId('take-preview').click();
        await eventually(async () => assert.equal(await attr(page, 'take-preview-error', 'data-code'), 'invalid_input'));
        assert.match(await text(page, 'take-preview-error'), /The recording is silent/);
        assert.equal(await attr(page, 'take-preview', 'data-state'), 'idle');

        await page.getByTestId('greeting-name').fill('Main');
        await page.getByTestId('take-publish').click();
        await eventually(async () => assert.equal(await attr(page, 'take-publish-error', 'data-code'), 'invalid_input'));
        assert.match(await text(page, 'take-publish-error'), /^This greeting cannot be published\nThe recording is silent/);
        assert.equal(await page.getByTestId('greeting-name').inputValue(), 'Main', 'the form keeps what was typed');
        assert.equal(await page.getByTestId('greeting-row').count(), 0);
        await screenshot(page, `${colorScheme === 'dark' ? 'dark-' : ''}greetings-silent-take`);
      }, { colorScheme });
    }
  });

  test('an S3 error on publish keeps the take to try again', async () => {
    const s3 = { code: 'network', message: 'Could not reach switchboard-greetings.s3.us-east-1.amazonaws.com. Nothing was published; the greeting callers hear is unchanged.' };
    await withApp({ hosting: HOSTED, takeMs: 6000, publishErrors: [s3], live: true }, async (page) => {
      await openRecorder(page);
      await page.getByTestId('record-toggle').click();
      await eventually(async () => assert.equal(await recorderState(page), 'recording'));
      await page.getByTestId('record-toggle').click();
      await page.getByTestId('take-editor').waitFor();
      await page.getByTestId('greeting-name').fill('Main');
      await page.getByTestId('take-publish').click();
      await eventually(async () => assert.equal(await attr(page, 'take-publish-error', 'data-code'), 'network'));
      assert.equal(await text(page, 'take-publish-error'), `Could not reach the bucket\n${s3.message}`);
      assert.equal(await recorderState(page), 'take');
      await page.getByTestId('take-publish').click();
      await page.getByTestId('record-published').waitFor();
      assert.equal(await text(page, 'record-published'), 'Published “Main”. Callers hear it from the next call.');
      await eventually(async () => assert.equal(await page.getByTestId('greeting-row').count(), 1));
      const first = await text(page, 'greeting-recorded');

      // The same name again: that greeting gets the new recording, and says so before.
      await page.getByTestId('record-toggle').click();
      await eventually(async () => assert.equal(await recorderState(page), 'recording'));
      assert.equal(await page.getByTestId('record-published').count(), 0, 'the last outcome goes with a new take');
      await page.getByTestId('record-toggle').click();
      await page.getByTestId('take-editor').waitFor();
      await page.getByTestId('greeting-name').fill('Main');
      assert.equal(await text(page, 'take-replaces'), '“Main” already exists (When nothing else applies): publishing gives it this recording and keeps its schedule.');
      await page.getByTestId('take-publish').click();
      await page.getByTestId('record-published').waitFor();
      await eventually(async () => assert.notEqual(await text(page, 'greeting-recorded'), first));
      assert.equal(await page.getByTestId('greeting-row').count(), 1);
    });
  });
});
