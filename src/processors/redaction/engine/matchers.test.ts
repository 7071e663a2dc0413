import { describe, expect, it } from 'vitest';
import { Matcher } from './matchers.ts';

describe('the allow-list matcher', () => {
  it('is empty only without exact entries and without regexes', () => {
    expect(new Matcher([]).empty).toBe(true);
    expect(new Matcher(['noreply@example.com']).empty).toBe(false);
    expect(new Matcher(['/^10\\./']).empty).toBe(false);
    expect(new Matcher(['none', '/^10\\./']).empty).toBe(false);
  });

  it('matches exact entries whole and searches with regexes', () => {
    const m = new Matcher(['none', '/^10\\./']);
    expect(m.test('none')).toBe(true);
    expect(m.test('none!')).toBe(false);
    expect(m.test('10.1.2.3')).toBe(true);
    expect(m.test('110.1.2.3')).toBe(false);
  });
});
