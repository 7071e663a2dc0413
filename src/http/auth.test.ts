import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { describe, expect, it } from 'vitest';
import { actorOf, adminOf, bearerIdentifier, bearerToken, setAdmin, tokenIdentifier, tokenName } from './auth.ts';
import { ApiError } from './problem.ts';

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

describe('bearerToken', () => {
  it.each([
    ['Bearer abc123', 'abc123'],
    ['bearer abc123', 'abc123'],
    ['Bearer  abc123', 'abc123'], // more than one space
    ['Bearer abc123 ', 'abc123'], // trailing space
    ['Bearer\tabc123', 'abc123'],
    ['xBearer abc123', undefined], // the scheme starts the header
    ['Bearer abc 123', undefined], // one token, nothing after it
    ['Bearer', undefined],
    ['Bearerabc123', undefined],
    ['', undefined],
  ])('%j → %s', (header, expected) => {
    expect(bearerToken(header)).toBe(expected);
  });
});

describe('tokenName', () => {
  it('names a token given without a name by the first 8 hex digits of its SHA-256, and keeps a given name', () => {
    expect(tokenName('admin-token-1234')).toEqual({ name: `token:${createHash('sha256').update('admin-token-1234').digest('hex').slice(0, 8)}`, token: 'admin-token-1234' });
    expect(tokenName({ name: 'ops', token: 'admin-token-1234' })).toEqual({ name: 'ops', token: 'admin-token-1234' });
  });
});

describe('actorOf', () => {
  const request = (headers: Record<string, unknown>, admin?: string) => {
    const r = { headers } as unknown as FastifyRequest;
    if (admin !== undefined) setAdmin(r, admin);
    return r;
  };

  it('is the admin token\'s name, or anonymous without admin auth', () => {
    expect(actorOf(request({}, 'ops'))).toBe('ops');
    expect(actorOf(request({}))).toBe('anonymous');
    expect(adminOf(request({}))).toBeUndefined();
  });

  it('adds X-Otelhouse-Actor after the token\'s name, never instead of it', () => {
    expect(actorOf(request({ 'x-otelhouse-actor': 'jane@example.com' }, 'ops'))).toBe('ops on behalf of jane@example.com');
    expect(actorOf(request({ 'x-otelhouse-actor': 'a' }))).toBe('anonymous on behalf of a');
    expect(actorOf(request({ 'x-otelhouse-actor': `a${'b'.repeat(126)}c` }, 'ops'))).toBe(`ops on behalf of a${'b'.repeat(126)}c`);
  });

  const refused: Array<[unknown, string]> = [['', 'empty'], [' jane', 'a leading space'], ['jane ', 'a trailing space'], ['j\u00e4ne', 'non-ASCII'], ['a\nb', 'a newline'], ['x'.repeat(129), '129 characters'], [['a', 'b'], 'given twice']];
  it.each(refused)(
    'refuses %j (%s) with a 400 naming the header',
    (value) => {
      let error: unknown;
      try {
        actorOf(request({ 'x-otelhouse-actor': value }, 'ops'));
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(ApiError);
      expect(error).toMatchObject({ status: 400, message: 'X-Otelhouse-Actor must be 1–128 printable ASCII characters', field: 'X-Otelhouse-Actor' });
    },
  );
});
