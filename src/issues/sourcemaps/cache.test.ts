import { describe, expect, it } from 'vitest';

import { TtlLru } from './cache.ts';

describe('the TTL LRU cache', () => {
  it('evicts the least recently used entry beyond the entry limit', () => {
    const cache = new TtlLru<string>({ maxEntries: 2, maxBytes: 1000 });
    cache.set('a', 'A', 1, 1000);
    cache.set('b', 'B', 1, 1000);
    cache.get('a');
    cache.set('c', 'C', 1, 1000);
    expect([cache.get('a')?.value, cache.get('b')?.value, cache.get('c')?.value]).toEqual(['A', undefined, 'C']);
  });

  it('evicts until the held bytes fit, and never keeps an entry larger than the limit', () => {
    const cache = new TtlLru<string>({ maxEntries: 10, maxBytes: 100 });
    cache.set('a', 'A', 60, 1000);
    cache.set('b', 'B', 60, 1000);
    expect(cache.get('a')).toBeUndefined();
    cache.set('huge', 'H', 101, 1000);
    expect(cache.get('huge')).toBeUndefined();
    expect(cache.size).toEqual({ entries: 1, bytes: 60 });
  });

  it('forgets entries after their time to live', () => {
    let now = 0;
    const cache = new TtlLru<null>({ maxEntries: 10, maxBytes: 100 }, () => now);
    cache.set('miss', null, 1, 30_000);
    now = 29_999;
    expect(cache.get('miss')).toEqual({ value: null });
    now = 30_000;
    expect(cache.get('miss')).toBeUndefined();
    expect(cache.size).toEqual({ entries: 0, bytes: 0 });
  });

  it('drops every entry under a key prefix', () => {
    const cache = new TtlLru<number>({ maxEntries: 10, maxBytes: 100 });
    cache.set('1.0\u0000a', 1, 1, 1000);
    cache.set('1.0\u0000b', 2, 1, 1000);
    cache.set('1.1\u0000a', 3, 1, 1000);
    cache.deletePrefix('1.0\u0000');
    expect(cache.size.entries).toBe(1);
    expect(cache.get('1.1\u0000a')?.value).toBe(3);
  });
});
