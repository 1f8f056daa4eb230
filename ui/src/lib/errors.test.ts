import { describe, expect, it } from 'vitest';
import { ERROR_CODES, type Code } from './bindings';
import { presentConnectError } from './errors';

const MESSAGE = 'A sentence from Rust.';

describe('presentConnectError', () => {
  it.each(ERROR_CODES)('presents %s with the message from Rust, unchanged', (code) => {
    const shown = presentConnectError({ code, message: MESSAGE });
    expect(shown.code).toBe(code);
    expect(shown.message).toBe(MESSAGE);
    expect(shown.title.length).toBeGreaterThan(0);
  });

  it('offers "Try again" exactly for failures that a repeat may fix', () => {
    const retried = ERROR_CODES.filter((code) => presentConnectError({ code, message: MESSAGE }).retry);
    expect(retried).toEqual(['network', 'timeout', 'rate_limited']);
  });

  it('attaches credential rejections to the fields they are about', () => {
    const fields = (code: Code) => presentConnectError({ code, message: MESSAGE }).fields;
    expect(fields('unauthorized')).toEqual(['account_sid', 'api_key_sid', 'api_key_secret']);
    expect(fields('forbidden')).toEqual(['account_sid', 'api_key_sid']);
    expect(fields('not_found')).toEqual(['account_sid']);
  });

  it('attaches every other failure to the form as a whole', () => {
    const credential: Code[] = ['unauthorized', 'forbidden', 'not_found'];
    for (const code of ERROR_CODES.filter((c) => !credential.includes(c))) {
      expect(presentConnectError({ code, message: MESSAGE }).fields, code).toEqual([]);
    }
  });

  it('fails loudly rather than showing nothing for a code the type system ruled out', () => {
    expect(() => presentConnectError({ code: 'teapot' as Code, message: MESSAGE })).toThrow(/teapot/);
  });
});
