import { describe, expect, it } from 'vitest';
import { Commands, loadInto } from './commands.svelte';

describe('a card’s commands', () => {
  it('say which one runs, keep what it threw, and clear it on the next', async () => {
    const commands = new Commands<'save' | 'remove'>();
    let during: string | null = null;
    await commands.run('save', async () => {
      during = commands.busy;
      throw { code: 'network', message: 'offline' };
    });
    expect(during).toBe('save');
    expect(commands.busy).toBeNull();
    expect(commands.error).toEqual({ code: 'network', message: 'offline' });

    const removing = commands.run('remove', async () => {});
    expect(commands.error, 'the old error goes as the next command starts').toBeNull();
    expect(commands.busy).toBe('remove');
    await removing;
    expect(commands.busy).toBeNull();
  });
});

describe('loading what a view shows', () => {
  it('hands over the answer or the error, the old error cleared first', async () => {
    const failures: unknown[] = [];
    let shown: number | null = null;
    await loadInto(async () => 7, (v) => (shown = v), (e) => failures.push(e));
    expect(shown).toBe(7);
    await loadInto(() => Promise.reject({ code: 'network', message: 'offline' }), (v) => (shown = v), (e) => failures.push(e));
    expect(shown, 'a failed load keeps what was shown').toBe(7);
    expect(failures).toEqual([null, null, { code: 'network', message: 'offline' }]);
  });
});
