import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { afterEach, describe, expect, it } from 'vitest';
import type { SyncStatus } from './bindings';
import { refreshSyncStatus, refreshUnread, setSyncStatus, syncStatus } from './sync-status.svelte';

const status = (unread_voicemails: number): SyncStatus => ({ last_synced_at: 1795000000, stale: false, pending_changes: 0, unread_voicemails });

/** Answers each `sync_status` only when the test resolves it, so the answers can come out of order. */
function heldAnswers() {
  const pending: ((s: SyncStatus) => void)[] = [];
  mockIPC((cmd) => {
    if (cmd !== 'sync_status') throw `unexpected ${cmd}`;
    return new Promise<SyncStatus>((done) => pending.push(done));
  });
  return pending;
}

const settle = () => new Promise((done) => setTimeout(done, 0));

afterEach(() => {
  clearMocks();
  setSyncStatus(null);
});

describe('shared sync status', () => {
  it('keeps what sync_status answered', async () => {
    mockIPC(() => status(4));
    await refreshSyncStatus();
    expect(syncStatus.current?.unread_voicemails).toBe(4);
  });

  it('keeps the newest request’s answer when an older one arrives last', async () => {
    const pending = heldAnswers();
    const first = refreshSyncStatus();
    const second = refreshSyncStatus();
    await settle();
    pending[1]!(status(1));
    await second;
    pending[0]!(status(3));
    await first;
    expect(syncStatus.current?.unread_voicemails).toBe(1);
  });

  it('does not let an answer to an earlier request replace a status Rust sent', async () => {
    const pending = heldAnswers();
    const asked = refreshSyncStatus();
    setSyncStatus(status(7));
    await settle();
    pending[0]!(status(2));
    await asked;
    expect(syncStatus.current?.unread_voicemails).toBe(7);
  });

  it('keeps the last count when Rust cannot answer, without an unhandled rejection', async () => {
    setSyncStatus(status(5));
    mockIPC(() => {
      throw { code: 'storage', message: 'The database is locked.' };
    });
    refreshUnread();
    await settle();
    expect(syncStatus.current?.unread_voicemails).toBe(5);
    await expect(refreshSyncStatus()).rejects.toEqual({ code: 'storage', message: 'The database is locked.' });
  });
});
