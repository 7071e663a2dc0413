import { describe, expect, it } from 'vitest';
import { isLetter, isWord, scan, standsAlone } from './detector.ts';

const code = (c: string) => c.charCodeAt(0);

describe('the detector helpers', () => {
  it('takes exactly A–Z and a–z as letters', () => {
    for (const c of ['A', 'Z', 'a', 'z', 'm']) expect(isLetter(code(c))).toBe(true);
    for (const c of ['@', '[', '`', '{', '0', '_', 'é']) expect(isLetter(code(c))).toBe(false);
  });

  it('takes letters, digits and _ as word characters, and nothing outside the string', () => {
    for (const c of ['_', 'a', 'Z', '0', '9']) expect(isWord(code(c))).toBe(true);
    for (const c of ['-', '.', ' ', '{']) expect(isWord(code(c))).toBe(false);
    expect(isWord(NaN)).toBe(false);
    expect(standsAlone('x_123', 2, 5)).toBe(false);
    expect(standsAlone('x-123', 2, 5)).toBe(true);
  });

  it('resumes one character after a rejected candidate, and after the end of an accepted one', () => {
    const rejected: string[] = [];
    scan(/\d+/g, 'a123', (m) => (rejected.push(m[0]), false));
    expect(rejected).toEqual(['123', '23', '3']);
    const accepted: string[] = [];
    scan(/\d+/g, 'a123 45', (m) => (accepted.push(m[0]), true));
    expect(accepted).toEqual(['123', '45']);
  });

  it('never hands an empty match to the visitor', () => {
    const seen: string[] = [];
    scan(/a*/g, 'baa', (m) => {
      seen.push(m[0]);
      if (seen.length > 10) throw new Error('scan does not advance');
      return true;
    });
    expect(seen).toEqual(['aa']);
  });
});
