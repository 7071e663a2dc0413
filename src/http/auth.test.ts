import { describe, expect, it } from 'vitest';
import { bearerIdentifier, tokenIdentifier } from './auth.ts';

describe('bearer token checks', () => {
  const identify = bearerIdentifier([
    { name: 'a', token: 'ingest-token-aaaa' },
    { name: 'b', token: 'ingest-token-bbbb' },
  ]);
  it.each([
    ['Bearer ingest-token-aaaa', 'a'],
    ['bearer ingest-token-bbbb', 'b'],
    ['Bearer ingest-token-aaa', undefined],
    ['Bearer ingest-token-aaaaa', undefined],
    ['ingest-token-aaaa', undefined],
    ['Basic aW5nZXN0', undefined],
    ['Bearer ', undefined],
    [undefined, undefined],
  ])('%s → %s', (header, expected) => {
    expect(identify(header)).toBe(expected);
  });

  it('answers the first entry configured with a token, and nothing with no tokens configured', () => {
    const entries = [{ token: 'same-token-1234', id: 1 }, { token: 'same-token-1234', id: 2 }, { token: 'other-token-123', id: 3 }];
    expect(tokenIdentifier(entries)('same-token-1234')?.id).toBe(1);
    expect(tokenIdentifier(entries)('other-token-123')?.id).toBe(3);
    expect(tokenIdentifier([])('same-token-1234')).toBeUndefined();
  });
});
