import { describe, expect, it } from 'vitest';
import { ago, describeSync, type SyncView } from './sync';

const NOW = 1_800_000_000;
const base: SyncView = {
  status: { last_synced_at: NOW - 120, stale: false, pending_changes: 0, unread_voicemails: 3 },
  progress: null,
  running: false,
  error: null,
};

describe('ago', () => {
  it('rounds down to the largest whole unit', () => {
    expect(ago(NOW - 5, NOW)).toBe('just now');
    expect(ago(NOW - 61, NOW)).toBe('1 min ago');
    expect(ago(NOW - 7200, NOW)).toBe('2 h ago');
    expect(ago(NOW - 86_400, NOW)).toBe('1 day ago');
    expect(ago(NOW - 3 * 86_400, NOW)).toBe('3 days ago');
    expect(ago(NOW + 30, NOW)).toBe('just now');
  });
});

describe('describeSync', () => {
  it('says how fresh the cache is', () => {
    expect(describeSync(base, NOW)).toMatchObject({ text: 'Updated 2 min ago', tone: 'ok' });
  });

  it('marks stale data', () => {
    const stale = { ...base, status: { ...base.status!, last_synced_at: NOW - 7200, stale: true } };
    expect(describeSync(stale, NOW)).toMatchObject({ text: 'Updated 2 h ago', tone: 'stale' });
  });

  it('counts changes waiting for Twilio', () => {
    const pending = { ...base, status: { ...base.status!, pending_changes: 2 } };
    expect(describeSync(pending, NOW).text).toBe('Updated 2 min ago · 2 changes to send');
  });

  it('shows progress while syncing, by what the user calls it', () => {
    const running = { ...base, running: true, progress: { resource: 'recordings', done: 12500 } };
    expect(describeSync(running, NOW)).toMatchObject({ text: 'Syncing voicemails · 12,500', tone: 'busy' });
    expect(describeSync({ ...base, running: true }, NOW).text).toBe('Syncing…');
  });

  it('says offline, and what is still shown, when Twilio cannot be reached', () => {
    const offline = { ...base, error: { code: 'network' as const, message: 'Could not reach Twilio.' } };
    const line = describeSync(offline, NOW);
    expect(line).toMatchObject({ text: 'Offline · showing data from 2 min ago', tone: 'offline' });
    expect(line.detail).toContain('Could not reach Twilio.');
    const never = { ...offline, status: { ...base.status!, last_synced_at: null } };
    expect(describeSync(never, NOW).text).toBe('Offline · nothing cached yet');
  });

  it('shows other failures as errors with their message', () => {
    const denied = { ...base, error: { code: 'unauthorized' as const, message: 'Twilio rejected these credentials.' } };
    expect(describeSync(denied, NOW)).toEqual({ text: 'Sync failed', tone: 'error', detail: 'Twilio rejected these credentials.' });
  });

  it('says when nothing has been synced yet', () => {
    const fresh = { ...base, status: { ...base.status!, last_synced_at: null, stale: true } };
    expect(describeSync(fresh, NOW)).toMatchObject({ text: 'Not synced yet', tone: 'stale' });
  });
});
