import { describe, expect, it } from 'vitest';

import { ApiError } from '../../http/problem.ts';
import { durationParam, intParam, tagsCondition, traceIdParam, windowParam } from './params.ts';
import { inferType, TtlCache } from './tags.ts';

describe('Tempo request parameters', () => {
  it('lower-cases trace ids and left-pads short ones, as Tempo does', () => {
    expect(traceIdParam('ABC')).toBe('00000000000000000000000000000abc');
    expect(() => traceIdParam('0af7651916cd43dd8448eb211c80319c0')).toThrow(ApiError);
    expect(() => traceIdParam('xyz')).toThrow('1–32 hexadecimal digits');
  });

  it('reads start/end as unix seconds, end inclusive of its whole second', () => {
    expect(windowParam({ start: '10', end: '20' })).toEqual({ startNs: 10_000_000_000n, endNs: 20_999_999_999n });
    expect(windowParam({})).toEqual({ startNs: undefined, endNs: undefined });
    expect(() => windowParam({ start: '20', end: '10' })).toThrow('start is after end');
    expect(() => windowParam({ start: '1.5' })).toThrow('start must be unix seconds');
    expect(() => windowParam({ start: ['1', '2'] })).toThrow('start must be given once');
  });

  it.each([['100ms', 100_000_000n], ['1m30s', 90_000_000_000n], ['2h', 7_200_000_000_000n], ['1500', 1500n]])('reads the duration %s', (text, ns) => {
    expect(durationParam({ minDuration: text }, 'minDuration')).toBe(ns);
  });

  it('refuses a duration it cannot read, naming the parameter', () => {
    expect(() => durationParam({ maxDuration: '5 parsecs' }, 'maxDuration')).toThrow(expect.objectContaining({ status: 400, field: 'maxDuration' }));
  });

  it('caps limits and refuses non-numbers', () => {
    expect(intParam({ limit: '5000' }, 'limit', 20, 1000)).toBe(1000);
    expect(intParam({}, 'limit', 20, 1000)).toBe(20);
    expect(() => intParam({ limit: '-1' }, 'limit', 20, 1000)).toThrow('limit must be a positive integer');
  });

  it('turns the old logfmt tags into one spanset', () => {
    expect(tagsCondition('service.name="my api" http.status_code=500')).toEqual({
      kind: 'and',
      left: { kind: 'compare', field: { kind: 'intrinsic', name: 'service' }, op: '=', value: { kind: 'string', value: 'my api' } },
      right: { kind: 'compare', field: { kind: 'attribute', scope: 'any', key: 'http.status_code' }, op: '=', value: { kind: 'string', value: '500' } },
    });
    expect(tagsCondition('')).toEqual({ kind: 'all' });
    expect(() => tagsCondition('no-equals-sign')).toThrow('logfmt');
  });
});

describe('tag autocomplete helpers', () => {
  it.each([['200', 'int'], ['-3', 'int'], ['0.25', 'float'], ['true', 'bool'], ['GET', 'string'], ['1e5', 'string']])('infers %s as %s', (v, t) => {
    expect(inferType(v)).toBe(t);
  });

  it('caches answers for their TTL, bounded in entries, and forgets failures', async () => {
    let now = 0;
    const cache = new TtlCache<number>(1000, 2, () => now);
    let loads = 0;
    const load = () => Promise.resolve(++loads);
    expect(await cache.get('a', load)).toBe(1);
    expect(await cache.get('a', load)).toBe(1);
    now = 1000;
    expect(await cache.get('a', load)).toBe(2);
    await cache.get('b', load);
    await cache.get('c', load);
    expect(await cache.get('a', load)).toBe(5);
    await expect(cache.get('x', () => Promise.reject(new Error('down')))).rejects.toThrow('down');
    await Promise.resolve();
    expect(await cache.get('x', load)).toBe(6);
  });
});
