import { describe, expect, it } from 'vitest';
import { Commands } from './commands.svelte';

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
