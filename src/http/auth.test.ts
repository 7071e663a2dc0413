import { describe, expect, it } from 'vitest';
import { bearerChecker } from './auth.ts';

describe('bearer token checks', () => {
  const check = bearerChecker(['ingest-token-aaaa', 'ingest-token-bbbb']);
  it.each([
    ['Bearer ingest-token-aaaa', true],
    ['bearer ingest-token-bbbb', true],
    ['Bearer ingest-token-aaa', false],
    ['Bearer ingest-token-aaaaa', false],
    ['ingest-token-aaaa', false],
    ['Basic aW5nZXN0', false],
    ['Bearer ', false],
    [undefined, false],
  ])('%s → %s', (header, expected) => {
    expect(check(header)).toBe(expected);
  });

  it('lets everything through when no tokens are configured', () => {
    expect(bearerChecker([])(undefined)).toBe(true);
  });
});
