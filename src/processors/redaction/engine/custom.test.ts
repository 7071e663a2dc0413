import { describe, expect, it } from 'vitest';
import { customDetector, customPatternError } from './custom.ts';
import { Findings } from './detector.ts';

/** The texts a custom rule finds in `s`, in order. */
function found(rule: Parameters<typeof customDetector>[0], s: string): string[] {
  const out = new Findings();
  customDetector(rule).find(s, out, 0);
  return Array.from({ length: out.length }, (_, i) => s.slice(out.starts[i], out.ends[i]));
}

describe('custom rules', () => {
  it('finds matches that do not overlap, left to right', () => {
    expect(found({ name: 'n', pattern: '\\d{3}' }, '123456')).toEqual(['123', '456']);
  });

  it('redacts the group, and nothing when the group matched empty', () => {
    const rule = { name: 'n', pattern: 'id=(\\d*)', group: 1 };
    expect(found(rule, 'id=42 x')).toEqual(['42']);
    expect(found(rule, 'id= x')).toEqual([]);
  });

  it('checks a pattern with its flags', () => {
    expect(customPatternError({ pattern: '\\q', flags: 'u' })).toMatch(/^must be a valid regular expression/);
    expect(customPatternError({ pattern: '\\q' })).toBeNull();
    expect(customPatternError({ pattern: 'a(b)', group: 1 })).toBeNull();
    expect(customPatternError({ pattern: 'a(b)', group: 2 })).toBe('has no capturing group 2');
  });

  it('refuses a pattern that matches the empty string', () => {
    expect(customPatternError({ pattern: '^$' })).toBe('must not match the empty string');
  });
});
