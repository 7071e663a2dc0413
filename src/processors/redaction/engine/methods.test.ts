import { describe, expect, it } from 'vitest';
import { hex, noHasher, stableText } from './methods.ts';

describe('the method helpers', () => {
  it('writes bytes as two lowercase hex digits each', () => {
    expect(hex(new Uint8Array([0, 1, 15, 16, 171, 255]))).toBe('00010f10abff');
  });

  it('refuses to hash without a secret', () => {
    expect(() => noHasher('x')).toThrow('redaction: the hash method needs hashSecret');
  });

  it('writes any value as a stable text', () => {
    expect(stableText(null)).toBe('null');
    expect(stableText(42n)).toBe('42');
    expect(stableText(new Uint8Array([1, 255]))).toBe('01ff');
    expect(stableText([null, 'a', 1.5])).toBe('["null","a","1.5"]');
    expect(stableText(new Map<string, never>([['a', 1 as never], ['b', [true] as never]]))).toBe('[["a","1"],["b","[\\"true\\"]"]]');
  });
});
