// Over 600 lines: one suite per feature with its scenarios side by side; the fakes, fixtures and browser helpers are already apart (harness.mjs and its modules).
// The built UI (dist/) in headless Chromium, against a fake Tauri IPC bridge.
// Run `npm run build` first; screenshots go to test-results/.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ACCOUNT_SID, API_KEY_SID, appSuite, eventually, ipcCalls, NO_ERRORS, PROFILE, screenshot, SECRET, STATUS, VIEWS } from './harness.mjs';

const SECTIONS = VIEWS;

const BAD_ACCOUNT_SID = 'An Account SID starts with "AC". This looks like an API key SID.';
const UNAUTHORIZED = {
  code: 'unauthorized',
  message: 'Twilio did not accept this API key and secret (HTTP 401). Check both, or create a new key.',
};
const NETWORK = {
  code: 'network',
  message: 'Could not reach api.twilio.com. Try again; if it keeps happening, the log file has details.',
};

const withApp = appSuite();

async function fillCredentials(page, { accountSid = ACCOUNT_SID, apiKeySid = API_KEY_SID, secret = SECRET } = {}) {
  await page.locator('#account-sid').fill(accountSid);
  await page.locator('#api-key-sid').fill(apiKeySid);
  await page.locator('#api-key-secret').fill(secret);
}

async function visibleText(page, testId) {
  const locator = page.getByTestId(testId);
  await locator.waitFor();
  return (await locator.innerText()).trim();
}

describe('without a connected account', () => {
  test('opens on onboarding, with the sidebar usable', async () => {
    await withApp({}, async (page) => {
      await page.getByTestId('view-onboarding').waitFor();
      assert.equal(await page.locator('[data-testid="view-onboarding"] h1').innerText(), 'Connect your Twilio account');
      for (const [id] of SECTIONS) assert.ok(await page.getByTestId(`nav-${id}`).isEnabled());
      assert.equal(await page.locator('[aria-current="page"][data-testid^="nav-"]').count(), 0);
      assert.equal(await page.evaluate(() => document.activeElement?.id), 'account-sid');
      assert.equal(await page.locator('#api-key-secret').getAttribute('type'), 'password');
      await screenshot(page, 'onboarding-empty');
    });
  });

  test('every sidebar item shows its view, with an honest empty state', async () => {
    await withApp({}, async (page) => {
      await page.getByTestId('view-onboarding').waitFor();
      for (const [id, name] of SECTIONS) {
        await page.getByTestId(`nav-${id}`).click();
        const view = page.getByTestId(`view-${id}`);
        await view.waitFor();
        assert.equal(await view.locator('h1').innerText(), name);
        assert.equal(await page.getByTestId(`nav-${id}`).getAttribute('aria-current'), 'page');
        assert.equal(await page.locator('[aria-current="page"][data-testid^="nav-"]').count(), 1);
        assert.equal(await page.getByTestId('view-onboarding').count(), 0);
        if (id !== 'settings') {
          assert.match(await visibleText(page, `empty-${id}`), /Connect a Twilio account; .+\./);
        }
        if (id === 'voicemail') {
          assert.match(
            await visibleText(page, 'empty-voicemail'),
            /No voicemail yet\s+Connect a Twilio account; the inbox with transcripts will appear here\./,
          );
        }
        await screenshot(page, `view-${id}`);
      }
    });
  });

  test('the sidebar works from the keyboard', async () => {
    await withApp({}, async (page) => {
      await page.getByTestId('view-onboarding').waitFor();
      await page.getByTestId('nav-dialer').focus();
      await page.keyboard.press('ArrowDown');
      await page.keyboard.press('ArrowDown');
      await page.keyboard.press('Enter');
      await page.getByTestId('view-voicemail').waitFor();
      await page.keyboard.press('End');
      await page.keyboard.press('Space');
      await page.getByTestId('view-settings').waitFor();
      assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-testid')), 'nav-settings');
      await screenshot(page, 'keyboard-focus');
    });
  });

  test('Settings offers to connect an account, leading to onboarding', async () => {
    await withApp({}, async (page) => {
      await page.getByTestId('view-onboarding').waitFor();
      await page.getByTestId('nav-settings').click();
      const about = await visibleText(page, 'settings-about');
      assert.match(about, /0\.1\.0/);
      assert.match(about, /app\.switchboard\.desktop\/logs/);
      await screenshot(page, 'settings-no-account');
      await page.getByTestId('settings-connect').click();
      await page.getByTestId('view-onboarding').waitFor();
    });
  });

  test('the shell is usable before app_status answers', async () => {
    await withApp({ statusDelayMs: 1500 }, async (page) => {
      assert.match(await visibleText(page, 'sidebar-account'), /Checking account/);
      await page.getByTestId('nav-calls').click();
      await page.getByTestId('view-calls').waitFor();
      assert.match(await page.getByTestId('sidebar-account').innerText(), /Checking account/, 'still loading');
      await eventually(async () => assert.match(await page.getByTestId('sidebar-account').innerText(), /Not connected/));
      assert.ok(await page.getByTestId('view-calls').isVisible(), 'a view the user picked is not taken away');
    });
  });

  test('a malformed Account SID shows the error from validate_credentials and does not connect', async () => {
    const errors = {
      ...NO_ERRORS,
      account_sid: BAD_ACCOUNT_SID,
      api_key_secret: 'An API key secret is 32 characters; this one has 6.',
    };
    await withApp({ validate: [errors] }, async (page) => {
      await fillCredentials(page, { accountSid: ` ${API_KEY_SID} `, secret: 'short!' });
      await page.getByTestId('connect-submit').click();

      assert.equal(await visibleText(page, 'error-account-sid'), BAD_ACCOUNT_SID);
      assert.equal(await visibleText(page, 'error-api-key-secret'), errors.api_key_secret);
      assert.equal(await page.getByTestId('error-api-key-sid').count(), 0);
      const sid = page.locator('#account-sid');
      assert.equal(await sid.getAttribute('aria-invalid'), 'true');
      assert.match(await sid.getAttribute('aria-describedby'), /\berror-account-sid\b/);
      assert.equal(await page.locator('#api-key-sid').getAttribute('aria-invalid'), 'false');
      assert.equal(await page.evaluate(() => document.activeElement?.id), 'account-sid', 'focus goes to the first problem');

      const calls = await ipcCalls(page);
      const validate = calls.find((c) => c.cmd === 'validate_credentials');
      assert.deepEqual(validate.args, {
        input: { account_sid: API_KEY_SID, api_key_sid: API_KEY_SID, api_key_secret: 'short!' },
      });
      assert.ok(!calls.some((c) => c.cmd === 'connect_account'), 'connect_account must not be called');
      await screenshot(page, 'onboarding-errors');

      await sid.fill(ACCOUNT_SID);
      assert.equal(await page.getByTestId('error-account-sid').count(), 0, 'editing a field clears its stale error');
    });
  });

  test('a rejected key shows its message and keeps what was typed', async () => {
    await withApp({ connect: [{ error: UNAUTHORIZED }] }, async (page) => {
      await fillCredentials(page);
      await page.getByTestId('connect-submit').click();

      const error = await visibleText(page, 'connect-error');
      assert.match(error, /Twilio did not accept this API key and secret \(HTTP 401\)/);
      assert.equal(await page.getByTestId('connect-error').getAttribute('role'), 'alert');
      assert.equal(await page.getByTestId('connect-retry').count(), 0);
      assert.equal(await page.locator('#account-sid').inputValue(), ACCOUNT_SID);
      assert.equal(await page.locator('#api-key-sid').inputValue(), API_KEY_SID);
      assert.equal(await page.locator('#api-key-secret').inputValue(), SECRET);
      assert.equal(await page.locator('#api-key-sid').getAttribute('aria-invalid'), 'true');
      assert.match(await page.locator('#api-key-secret').getAttribute('aria-describedby'), /\bconnect-error\b/);
      assert.ok(await page.getByTestId('connect-submit').isEnabled());
      assert.ok(
        !(await page.evaluate((secret) => document.documentElement.outerHTML.includes(secret), SECRET)),
        'the secret appears nowhere in the document but its own input',
      );
      await screenshot(page, 'onboarding-unauthorized');
    });
  });

  test('a network error offers "Try again", and retrying connects', async () => {
    await withApp({ connect: [{ error: NETWORK }, { profile: PROFILE }] }, async (page) => {
      await fillCredentials(page);
      await page.getByTestId('connect-submit').click();
      assert.match(await visibleText(page, 'connect-error'), /Could not reach api\.twilio\.com/);
      const retry = page.getByTestId('connect-retry');
      assert.equal((await retry.innerText()).trim(), 'Try again');
      await screenshot(page, 'onboarding-network');

      await retry.click();
      await page.getByTestId('view-settings').waitFor();
      assert.equal(await visibleText(page, 'settings-account-sid'), ACCOUNT_SID);
      const connects = (await ipcCalls(page)).filter((c) => c.cmd === 'connect_account');
      assert.equal(connects.length, 2);
      assert.deepEqual(connects[1].args, connects[0].args, 'the retry sends what the user typed');
    });
  });

  test('connecting shows a busy state, then the account in Settings', async () => {
    await withApp({ connect: [{ hold: true, profile: PROFILE }] }, async (page) => {
      await fillCredentials(page);
      await page.locator('#api-key-secret').press('Enter');
      const submit = page.getByTestId('connect-submit');
      await eventually(async () => assert.equal((await submit.innerText()).trim(), 'Checking with Twilio…'));
      assert.ok(await submit.isDisabled());
      await screenshot(page, 'onboarding-busy');

      await page.evaluate(() => window.__ipc.release());
      await page.getByTestId('view-settings').waitFor();
      assert.equal(await page.getByTestId('view-onboarding').count(), 0);
      assert.match(await visibleText(page, 'settings-notice'), /Connected to Acme Plumbing/);
      assert.equal(await visibleText(page, 'settings-profile-name'), 'default');
      assert.equal(await visibleText(page, 'settings-account-name'), 'Acme Plumbing');
      assert.equal(await visibleText(page, 'settings-account-sid'), ACCOUNT_SID);
      assert.equal(await visibleText(page, 'settings-api-key-sid'), API_KEY_SID);
      assert.equal(await visibleText(page, 'settings-version'), '0.1.0');
      assert.equal(await visibleText(page, 'settings-data-dir'), STATUS.data_dir);
      assert.equal(await visibleText(page, 'settings-log-dir'), STATUS.log_dir);
      assert.equal(await page.getByTestId('settings-connect').count(), 0);
      assert.match(await page.getByTestId('sidebar-account').innerText(), /Acme Plumbing/);
      assert.equal(await page.evaluate(() => document.activeElement?.tagName), 'H1');
      await screenshot(page, 'settings-account');

      const connect = (await ipcCalls(page)).find((c) => c.cmd === 'connect_account');
      assert.deepEqual(connect.args, { input: { account_sid: ACCOUNT_SID, api_key_sid: API_KEY_SID, api_key_secret: SECRET } });

      await page.getByTestId('nav-dialer').click();
      await page.getByTestId('dial-number').waitFor();
      assert.equal(await page.getByTestId('empty-dialer').count(), 0, 'a connected account gets the real dialer');
      assert.equal(await page.getByTestId('empty-connect').count(), 0);
    });
  });

  test('the help links ask Rust to open the page, without navigating', async () => {
    await withApp({}, async (page) => {
      await page.getByTestId('view-onboarding').waitFor();
      const before = page.url();
      await page.getByRole('button', { name: 'How to create an API key' }).click();
      await page.getByTestId('help-account-sid').click();
      await eventually(async () => {
        const help = (await ipcCalls(page)).filter((c) => c.cmd === 'open_help').map((c) => c.args);
        assert.deepEqual(help, [{ topic: 'api_keys' }, { topic: 'account_sid' }]);
      });
      assert.equal(page.url(), before);
      assert.equal(await page.locator('[data-testid="view-onboarding"] a[href]').count(), 0);
    });
  });

  test('the secret can be shown and hidden', async () => {
    await withApp({}, async (page) => {
      const secret = page.locator('#api-key-secret');
      const toggle = page.getByTestId('toggle-secret');
      await secret.fill(SECRET);
      assert.equal(await toggle.getAttribute('aria-pressed'), 'false');
      await toggle.click();
      assert.equal(await secret.getAttribute('type'), 'text');
      assert.equal(await toggle.getAttribute('aria-pressed'), 'true');
      assert.equal(await page.getByRole('button', { name: 'Show secret', pressed: true }).count(), 1);
      await toggle.click();
      assert.equal(await secret.getAttribute('type'), 'password');
    });
  });

  test('a profile://changed event from Rust shows the account', async () => {
    await withApp({}, async (page) => {
      await page.getByTestId('view-onboarding').waitFor();
      await eventually(async () => {
        const listens = (await ipcCalls(page)).filter((c) => c.cmd === 'plugin:event|listen');
        assert.deepEqual(listens.map((c) => c.args.event), ['profile://changed', 'call://state', 'call://answer', 'call://decline', 'voicemail://open']);
      });
      await page.evaluate((profile) => window.__ipc.emit('profile://changed', profile), PROFILE);
      await page.getByTestId('view-settings').waitFor();
      assert.equal(await visibleText(page, 'settings-account-sid'), ACCOUNT_SID);
    });
  });

  test('a failing app_status is reported, and can be retried', async () => {
    const statusError = { code: 'storage', message: 'The database at /home/ada/… could not be opened.' };
    await withApp({ statusFailures: [statusError] }, async (page) => {
      assert.match(await visibleText(page, 'status-error'), /could not be opened/);
      assert.match(await visibleText(page, 'sidebar-account'), /Status unavailable/);
      assert.equal(await page.getByTestId('empty-connect').count(), 0, 'no claim about the account either way');
      await screenshot(page, 'status-error');

      await page.getByRole('button', { name: 'Try again' }).click();
      await page.getByTestId('view-onboarding').waitFor();
      assert.equal(await page.getByTestId('status-error').count(), 0);
    });
  });
});

describe('with a connected account', () => {
  const scenario = { status: { ...STATUS, profile: PROFILE } };

  test('opens without onboarding', async () => {
    await withApp(scenario, async (page) => {
      await page.getByTestId('view-dialer').waitFor();
      await eventually(async () => assert.match(await page.getByTestId('sidebar-account').innerText(), /Acme Plumbing/));
      assert.equal(await page.getByTestId('view-onboarding').count(), 0);
      await page.getByTestId('dial-number').waitFor();
      await screenshot(page, 'dialer-connected');
      await page.getByTestId('nav-settings').click();
      assert.equal(await visibleText(page, 'settings-account-sid'), ACCOUNT_SID);
      assert.equal(await page.getByTestId('settings-notice').count(), 0);
    });
  });

  test('connecting another account can be cancelled', async () => {
    await withApp(scenario, async (page) => {
      await page.getByTestId('nav-settings').click();
      await page.getByTestId('settings-connect-another').click();
      await page.getByTestId('view-onboarding').waitFor();
      await page.getByRole('button', { name: 'Back to Settings' }).click();
      await page.getByTestId('view-settings').waitFor();
    });
  });
});

describe('look', () => {
  test('dark mode', async () => {
    await withApp(
      { validate: [{ ...NO_ERRORS, account_sid: BAD_ACCOUNT_SID }] },
      async (page) => {
        await fillCredentials(page, { accountSid: 'SK123' });
        await page.getByTestId('connect-submit').click();
        await page.getByTestId('error-account-sid').waitFor();
        const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
        assert.equal(background, 'rgb(22, 23, 27)');
        await screenshot(page, 'dark-onboarding');
        await page.getByTestId('nav-voicemail').click();
        await screenshot(page, 'dark-voicemail');
      },
      { colorScheme: 'dark' },
    );
    await withApp(
      { status: { ...STATUS, profile: PROFILE } },
      async (page) => {
        await page.getByTestId('nav-settings').click();
        await page.getByTestId('settings-account').waitFor();
        await screenshot(page, 'dark-settings');
      },
      { colorScheme: 'dark' },
    );
  });

  test('fits the smallest window, 760×520', async () => {
    await withApp(
      { connect: [{ error: NETWORK }] },
      async (page) => {
        await page.getByTestId('view-onboarding').waitFor();
        await screenshot(page, 'small-onboarding');
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        assert.equal(overflow, 0, 'no horizontal scrolling');
        await fillCredentials(page);
        await page.getByTestId('connect-submit').scrollIntoViewIfNeeded();
        await page.getByTestId('connect-submit').click();
        await page.getByTestId('connect-retry').waitFor();
        await screenshot(page, 'small-onboarding-error');
        await page.getByTestId('nav-settings').click();
        await screenshot(page, 'small-settings');
      },
      { viewport: { width: 760, height: 520 } },
    );
  });
});

describe('sync indicator', () => {
  test('says how fresh the cache is, goes offline and back, and syncs on request', async () => {
    const connected = { status: { ...STATUS, profile: PROFILE } };
    const scenario = {
      ...connected,
      syncNow: [{ stepMs: 400, error: NETWORK }, { report: { resources: [] } }],
    };
    await withApp(scenario, async (page) => {
      const text = page.getByTestId('sync-text');
      await eventually(async () => assert.match(await text.innerText(), /^Updated 2 min ago/));

      await page.evaluate((error) => window.__ipc.emit('sync://failed', error), NETWORK);
      await eventually(async () => assert.match(await text.innerText(), /^Offline · showing data from 2 min ago/));
      assert.equal(await page.getByTestId('sync-indicator').getAttribute('title'), `${NETWORK.message} Cached data stays available; Switchboard retries on its own.`);
      await screenshot(page, 'sync-offline');

      await page.getByTestId('sync-now').click();
      await eventually(async () => assert.match(await text.innerText(), /^Syncing (calls · 1,000|voicemails · 250)/));
      assert.equal(await page.getByTestId('sync-now').isDisabled(), true, 'one sync at a time');
      await eventually(async () => assert.match(await text.innerText(), /^Offline/));

      await page.getByTestId('sync-now').click();
      await eventually(async () => assert.match(await text.innerText(), /^Updated 2 min ago/));
      const syncs = (await ipcCalls(page)).filter((c) => c.cmd === 'sync_now');
      assert.equal(syncs.length, 2);

      const fresh = { last_synced_at: Math.floor(Date.now() / 1000), stale: false, pending_changes: 1, unread_voicemails: 2 };
      await page.evaluate((status) => window.__ipc.emit('sync://finished', status), fresh);
      await eventually(async () => assert.match(await text.innerText(), /^Updated just now · 1 change to send/));
      await screenshot(page, 'sync-fresh');
    });
  });

  test('is not shown before an account is connected', async () => {
    await withApp({}, async (page) => {
      await page.getByTestId('sidebar-account').waitFor();
      assert.equal(await page.getByTestId('sync-indicator').count(), 0);
      assert.ok(!(await ipcCalls(page)).some((c) => c.cmd === 'sync_status'));
    });
  });
});

describe('local copy', () => {
  test('is rebuilt from Twilio only after a confirmation', async () => {
    const scenario = { status: { ...STATUS, profile: PROFILE }, rebuildMs: 300 };
    await withApp(scenario, async (page) => {
      await page.getByTestId('nav-settings').click();
      await page.getByTestId('rebuild').click();
      assert.ok(!(await ipcCalls(page)).some((c) => c.cmd === 'rebuild_cache'), 'nothing happens before confirming');
      await page.getByTestId('rebuild-cancel').click();
      await page.getByTestId('rebuild').click();
      await screenshot(page, 'settings-rebuild-confirm');
      await page.getByTestId('rebuild-confirm').click();
      await eventually(async () => assert.equal(await page.getByTestId('rebuild').innerText(), 'Rebuilding…'));
      await eventually(async () =>
        assert.equal(await page.getByTestId('rebuild-done').innerText(), 'Rebuilt: 2,140 records downloaded from Twilio.'),
      );
      assert.equal((await ipcCalls(page)).filter((c) => c.cmd === 'rebuild_cache').length, 1);
    });
  });

  test('checks for deletions on Twilio on demand', async () => {
    const scenario = { status: { ...STATUS, profile: PROFILE }, rebuildMs: 300 };
    await withApp(scenario, async (page) => {
      await page.getByTestId('nav-settings').click();
      await page.getByTestId('check-deletions').click();
      await eventually(async () => assert.equal(await page.getByTestId('check-deletions').innerText(), 'Checking…'));
      assert.equal(await page.getByTestId('rebuild').isDisabled(), true, 'one read at a time');
      await eventually(async () =>
        assert.equal(await page.getByTestId('check-done').innerText(), 'Checked with Twilio: 3 deleted there, removed here.'),
      );
      assert.equal((await ipcCalls(page)).filter((c) => c.cmd === 'check_deletions').length, 1);
      await page.getByTestId('settings-cache').scrollIntoViewIfNeeded();
      await screenshot(page, 'settings-check-deletions');
    });
  });

  test('shows why a rebuild failed', async () => {
    const scenario = { status: { ...STATUS, profile: PROFILE }, rebuildError: NETWORK };
    await withApp(scenario, async (page) => {
      await page.getByTestId('nav-settings').click();
      await page.getByTestId('rebuild').click();
      await page.getByTestId('rebuild-confirm').click();
      await eventually(async () => assert.equal(await page.getByTestId('rebuild-error').innerText(), NETWORK.message));
      assert.equal(await page.getByTestId('rebuild').isEnabled(), true, 'it can be tried again');
    });
  });
});

const OWNED = [
  { sid: 'PN' + 'a'.repeat(32), phone_number: '+14158675309', display: '+1 415-867-5309', friendly_name: 'Support', voice: true, sms: true, mms: false, routing: { kind: 'switchboard' } },
  { sid: 'PN' + 'b'.repeat(32), phone_number: '+14155550100', display: '+1 415-555-0100', friendly_name: null, voice: true, sms: false, mms: false, routing: { kind: 'webhook', url: 'https://hooks.example.com/voice', method: 'POST' } },
];
const DEPLOYED = { service_sid: 'ZS' + '1'.repeat(32), domain: 'switchboard-routing-1234-prod.twil.io', inbound_url: 'https://switchboard-routing-1234-prod.twil.io/inbound', application_sid: null, build_sid: null, code_current: true };

describe('numbers', () => {
  const connected = { status: { ...STATUS, profile: PROFILE } };

  test('lists owned numbers with where their calls go, and deploys routing', async () => {
    await withApp({ ...connected, numbers: OWNED }, async (page) => {
      await page.getByTestId('nav-numbers').click();
      await page.getByTestId('numbers-table').waitFor();
      const badges = await page.getByTestId('number-routing').allInnerTexts();
      assert.deepEqual(badges, ['Switchboard', 'Webhook · hooks.example.com']);
      assert.equal(await page.getByTestId('routing-state').innerText(), 'Not deployed');
      await page.getByTestId('routing-deploy').click();
      await eventually(async () => assert.equal(await page.getByTestId('routing-state').innerText(), 'Deployed'));
      await screenshot(page, 'numbers');
    });
  });

  test('buys a searched number only after a confirmation that shows its price', async () => {
    await withApp({ ...connected, numbers: [], routing: DEPLOYED }, async (page) => {
      await page.getByTestId('nav-numbers').click();
      await page.getByTestId('numbers-empty').waitFor();
      await page.getByTestId('search-area').fill('41');
      await page.getByTestId('search-submit').click();
      assert.match(await page.getByTestId('search-error').innerText(), /three digits/, 'a malformed area code is refused before any request');
      assert.ok(!(await ipcCalls(page)).some((c) => c.cmd === 'search_numbers'));
      await page.getByTestId('search-area').fill('415');
      await page.getByTestId('search-submit').click();
      await page.getByTestId('search-results').waitFor();
      assert.deepEqual(await page.getByTestId('offer-price').allInnerTexts(), ['1.15 USD a month', '1.15 USD a month']);
      await page.getByTestId('offer-buy').first().click();
      const dialog = page.getByTestId('dialog-buy');
      assert.match(await dialog.innerText(), /Buy \+1 415-555-0142\?/);
      assert.equal(await page.getByTestId('buy-price').innerText(), '1.15 USD a month');
      assert.equal(await page.getByTestId('buy-wire').isChecked(), true, 'wired to routing by default');
      await screenshot(page, 'numbers-buy-confirm');
      assert.ok(!(await ipcCalls(page)).some((c) => c.cmd === 'buy_number'), 'nothing is bought before confirming');
      await page.getByTestId('buy-name').fill('Sales');
      await page.getByTestId('dialog-confirm').click();
      await eventually(async () => assert.match(await page.getByTestId('numbers-notice').innerText(), /Bought \+1 415-555-0142; its calls go to Switchboard/));
      const buy = (await ipcCalls(page)).find((c) => c.cmd === 'buy_number');
      assert.deepEqual(buy.args, { phone_number: '+14155550142', friendly_name: 'Sales', wire: true });
      assert.deepEqual(await page.getByTestId('number-routing').allInnerTexts(), ['Switchboard']);
    });
  });

  test('releases a number only once it is typed, and configures forwarding', async () => {
    await withApp({ ...connected, numbers: OWNED, routing: DEPLOYED }, async (page) => {
      await page.getByTestId('nav-numbers').click();
      await page.getByTestId('numbers-table').waitFor();
      await page.getByTestId('number-release').first().click();
      const confirm = page.getByTestId('dialog-confirm');
      assert.equal(await confirm.isDisabled(), true);
      await page.getByTestId('release-typed').fill('+1 415 867 530');
      assert.equal(await confirm.isDisabled(), true, 'a near miss does not release');
      await page.getByTestId('release-typed').fill('+1 (415) 867-5309');
      assert.equal(await confirm.isDisabled(), false);
      await screenshot(page, 'numbers-release-confirm');
      await confirm.click();
      await eventually(async () => assert.equal(await page.getByTestId('number-row').count(), 1));

      await page.getByTestId('number-configure').click();
      await page.getByTestId('route-forward').check();
      await page.getByTestId('route-forward-to').fill('+14155550199');
      await page.getByTestId('dialog-confirm').click();
      await eventually(async () => assert.deepEqual(await page.getByTestId('number-routing').allInnerTexts(), ['Forwards to +14155550199']));
      const update = (await ipcCalls(page)).find((c) => c.cmd === 'update_number');
      assert.deepEqual(update.args.change.routing, { kind: 'forward', to: '+14155550199' });
    });
  });
});

describe('routing in settings', () => {
  test('shows the deployment and removes it only after a confirmation', async () => {
    await withApp({ status: { ...STATUS, profile: PROFILE }, routing: DEPLOYED }, async (page) => {
      await page.getByTestId('nav-settings').click();
      await eventually(async () => assert.equal(await page.getByTestId('routing-state').innerText(), 'Deployed'));
      assert.equal(await page.getByTestId('routing-url').innerText(), DEPLOYED.inbound_url);
      await page.getByTestId('routing-remove').click();
      assert.match(await page.getByTestId('routing-remove-warning').innerText(), /default message/);
      assert.ok(!(await ipcCalls(page)).some((c) => c.cmd === 'remove_routing'));
      await screenshot(page, 'settings-routing-remove');
      await page.getByTestId('routing-remove-confirm').click();
      await eventually(async () => assert.equal(await page.getByTestId('routing-state').innerText(), 'Not deployed'));
      assert.match(await page.getByTestId('settings-routing-notice').innerText(), /Call routing removed/);
      assert.equal(await page.getByTestId('routing-deploy').innerText(), 'Deploy routing');
    });
  });
});

describe('greetings', () => {
  test('adds an after-hours greeting, shows the exact Say, and previews what a caller hears', async () => {
    await withApp({ status: { ...STATUS, profile: PROFILE }, routing: DEPLOYED }, async (page) => {
      await page.getByTestId('nav-greetings').click();
      await page.getByTestId('greetings-empty').waitFor();
      assert.equal(await page.getByTestId('greetings-tz').inputValue(), 'America/New_York');
      await page.getByTestId('greetings-tz').selectOption('Europe/Berlin');
      await eventually(async () => assert.match(await page.getByTestId('greetings-notice').innerText(), /Schedules follow Europe\/Berlin/));
      assert.deepEqual((await ipcCalls(page)).find((c) => c.cmd === 'change_greetings').args.edit, { op: 'time_zone', value: 'Europe/Berlin' });
      await page.getByTestId('pronounce-term').fill('Acme');
      await page.getByTestId('pronounce-as').fill('Ack Me');
      await page.getByTestId('pronounce-add').click();
      await page.getByTestId('pronunciations').waitFor();
      await page.getByTestId('greeting-text').fill('Thanks for calling acme.');
      assert.equal(
        await page.getByTestId('greeting-twiml').innerText(),
        '<Say voice="Polly.Joanna-Neural" language="en-US">Thanks for calling Ack Me.</Say>',
        'the Say shown is what callers get, pronunciations applied',
      );
      await page.getByTestId('greeting-name').fill('Closed');
      await page.getByTestId('greeting-kind').selectOption('after_hours');
      await page.getByTestId('greeting-text').fill('We are closed. Call back at 9 & leave a <message>.');
      assert.equal(
        await page.getByTestId('greeting-twiml').innerText(),
        '<Say voice="Polly.Joanna-Neural" language="en-US">We are closed. Call back at 9 &amp; leave a &lt;message&gt;.</Say>',
      );
      await page.getByTestId('greeting-voice').selectOption('Polly.Amy-Neural');
      assert.match(await page.getByTestId('greeting-twiml').innerText(), /voice="Polly.Amy-Neural" language="en-GB"/);
      await page.getByTestId('greeting-open-to').fill('18:00');
      await screenshot(page, 'greetings-new');
      await page.getByTestId('greeting-add').click();
      await eventually(async () => assert.match(await page.getByTestId('greetings-notice').innerText(), /Added “Closed”. Callers hear it from the next call./));
      assert.equal(await page.getByTestId('greeting-when').innerText(), 'Outside Mon–Fri 09:00–18:00');
      const add = (await ipcCalls(page)).find((c) => c.cmd === 'change_greetings' && c.args.edit.op === 'add');
      assert.deepEqual(add.args.edit.value.open, [{ days: [1, 2, 3, 4, 5], from: '09:00', to: '18:00' }]);

      await page.getByTestId('preview-at').fill('2026-11-25T19:00');
      await page.getByTestId('preview-submit').click();
      await eventually(async () => assert.equal(await page.getByTestId('preview-result').innerText(), 'A caller hears “Closed”.'));
      await screenshot(page, 'greetings');
    });
  });

  test('says when routing is not deployed, and refuses a duplicate name', async () => {
    const existing = [{ name: 'Main', active: true, greeting: { id: 'g1', kind: 'default', url: null, say: { text: 'Hello', voice: null, language: null }, open: null, from: null, to: null } }];
    await withApp({ status: { ...STATUS, profile: PROFILE }, greetings: existing }, async (page) => {
      await page.getByTestId('nav-greetings').click();
      await page.getByTestId('greetings-list').waitFor();
      await page.getByTestId('greeting-name').fill('Main');
      await page.getByTestId('greeting-text').fill('Hi again');
      await page.getByTestId('greeting-add').click();
      await eventually(async () => assert.match(await page.getByTestId('greeting-error').innerText(), /already exists/));
      await page.getByTestId('greeting-name').fill('Holiday');
      await page.getByTestId('greeting-kind').selectOption('holiday');
      await page.getByTestId('greeting-from').fill('2026-12-24');
      await page.getByTestId('greeting-to').fill('2026-12-26');
      await page.getByTestId('greeting-add').click();
      await eventually(async () => assert.match(await page.getByTestId('greetings-notice').innerText(), /not deployed yet/));
      assert.deepEqual(await page.getByTestId('greeting-when').allInnerTexts(), ['When nothing else applies', '2026-12-24 to 2026-12-26']);
    });
  });
});

const VOICEMAILS = [
  ['RE1', '+14155550101', 'Hi, it is Dana about the invoice for the kitchen job, please call me back.', 'unread', 'completed'],
  ['RE2', '+14155550102', null, 'unread', 'in-progress'],
  ['RE3', '+14155550103', 'Your delivery is at the back door.', 'read', 'completed'],
].map(([sid, caller, transcript, state, status], i) => ({
  // RE2 comes without a display form: the inbox falls back to the number as stored.
  recording_sid: sid, call_sid: `CA${i}`, caller, caller_display: sid === 'RE2' ? null : caller.replace(/^\+1(\d{3})(\d{3})(\d{4})$/, '($1) $2-$3'), caller_name: null, called: '+14158675309', created_at: 1795000000 - i * 3600,
  duration: 30, recording_status: 'completed', transcription_sid: null, transcription_status: status, transcript, state, audio_path: null, archive_key: null,
}));

describe('voicemail', () => {
  test('reads, archives, deletes with undo, searches and filters, by mouse and keyboard', async () => {
    await withApp({ status: { ...STATUS, profile: PROFILE }, voicemails: VOICEMAILS }, async (page) => {
      await page.getByTestId('nav-voicemail').click();
      await eventually(async () => assert.equal(await page.getByTestId('voicemail-item').count(), 3));
      assert.match(await page.getByTestId('voicemail-transcript').innerText(), /invoice for the kitchen job/);
      await page.getByTestId('voicemail-item').first().click();
      const read = (await ipcCalls(page)).filter((c) => c.cmd === 'voicemail_action');
      assert.deepEqual(read.at(-1).args, { recording_sid: 'RE1', action: 'read' }, 'opening a voicemail marks it read');

      await page.keyboard.press('ArrowDown');
      await eventually(async () => assert.match(await page.getByTestId('voicemail-transcript').innerText(), /Transcript pending/));
      await screenshot(page, 'voicemail');
      await page.keyboard.press('e');
      await eventually(async () => assert.match(await page.getByTestId('voicemail-undo').innerText(), /^Archived\.\s+Undo$/));
      assert.equal(await page.getByTestId('voicemail-item').count(), 2);
      const archived = (await ipcCalls(page)).filter((c) => c.cmd === 'archive_voicemail' || (c.cmd === 'voicemail_action' && c.args.action === 'archive'));
      assert.deepEqual(archived, [{ cmd: 'archive_voicemail', args: { recording_sid: 'RE2' } }], 'archiving goes through archive_voicemail (S3 when set up)');

      await page.getByTestId('voicemail-item').last().click();
      await page.getByTestId('voicemail-delete').click();
      await eventually(async () => assert.equal(await page.getByTestId('voicemail-item').count(), 1));
      await page.getByTestId('voicemail-undo-button').click();
      await eventually(async () => assert.equal(await page.getByTestId('voicemail-item').count(), 2), 'undo restores it');

      await page.keyboard.press('/');
      assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-testid')), 'voicemail-search');
      await page.keyboard.type('deliv');
      await eventually(async () => assert.deepEqual(await page.getByTestId('voicemail-item').allInnerTexts().then((t) => t.length), 1));
      assert.match(await page.getByTestId('voicemail-item').innerText(), /delivery is at the back door/);
      await page.getByTestId('filter-archived').click();
      await eventually(async () => assert.match(await page.getByTestId('voicemail-item').innerText(), /\+14155550102/));
    });
  });
});
