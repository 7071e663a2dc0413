import { createHash } from 'node:crypto';

import type { ClickHouseClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { renderTemplate } from '../../storage/clickhouse/schema/render.ts';
import { openTestEngine, type TestEngine } from '../../storage/clickhouse/testing.ts';
import { ApiError } from '../../http/problem.ts';
import { toApiError } from './routes.ts';
import { SOURCEMAPS_TABLE } from './queries.ts';
import { SourceMapStore, type SourceMapStoreOptions } from './store.ts';
import { SourceMapInvalid, SourceMapTooLarge } from './validate.ts';
import { minify, SHOP_SOURCES, type MinifiedBundle } from './testing.ts';

/** A client whose `query` calls are counted, to prove cache hits cost nothing. */
function counted(client: ClickHouseClient): { client: ClickHouseClient; queries: () => number } {
  let queries = 0;
  const proxy = new Proxy(client, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        if (prop === 'query') queries++;
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { client: proxy, queries: () => queries };
}

/** A one-mapping map whose only source is `name`, so tests can tell maps apart. */
const tinyMap = (name: string) => JSON.stringify({ version: 3, sources: [name], names: [], mappings: 'AAAA' });
const sourceAt = async (store: SourceMapStore, release: string, url: string) => (await store.get(release, url))?.lookup(1, 1)?.source;

describe('the source map store', () => {
  let engine: TestEngine;
  let bundle: MinifiedBundle;
  const store = (options: SourceMapStoreOptions = {}, client = engine.client) => new SourceMapStore(client, 'default', options);

  beforeAll(async () => {
    engine = openTestEngine();
    await engine.client.command({
      query: renderTemplate('sourcemaps_table', { database: 'default', table: SOURCEMAPS_TABLE, onCluster: '', engine: 'ReplacingMergeTree(UploadedAt)' }),
    });
    bundle = await minify(SHOP_SOURCES, 'src/checkout.ts');
  });
  afterAll(async () => {
    await engine.close();
  });

  it('stores a map and serves it decoded, listed with its digest and size', async () => {
    const maps = store();
    const info = await maps.put('rt-1.0', 'https://cdn.example.com/static/js/app.min.js', bundle.map);
    expect(info).toMatchObject({ release: 'rt-1.0', digest: createHash('sha256').update(bundle.map).digest('hex'), sizeBytes: bundle.map.length });

    const column = bundle.code.indexOf('throw new TypeError') + 7;
    const decoded = await maps.get('rt-1.0', 'https://cdn.example.com/static/js/app.min.js');
    expect(decoded?.lookup(1, column)).toMatchObject({ source: '../src/cart.ts', line: 17 });

    const [listed] = await maps.list('rt-1.0');
    expect(listed).toMatchObject({ release: 'rt-1.0', fileUrl: 'https://cdn.example.com/static/js/app.min.js', digest: info.digest, sizeBytes: info.sizeBytes });
    expect(Date.now() - Date.parse(listed!.uploadedAt)).toBeLessThan(60_000);
  });

  it('accepts a map given as an object and stores its JSON', async () => {
    const info = await store().put('rt-obj', '~/app.js', JSON.parse(tinyMap('obj.ts')));
    expect(info.digest).toBe(createHash('sha256').update(tinyMap('obj.ts')).digest('hex'));
  });

  it.each([
    ['the exact URL', 'https://cdn.example.com/static/js/app.min.js', 'https://cdn.example.com/static/js/app.min.js', true],
    ['the URL without its query and fragment', 'https://cdn.example.com/static/js/app.min.js', 'https://cdn.example.com/static/js/app.min.js?v=7#top', true],
    ['a ~/path on any host', '~/static/js/app.min.js', 'https://other.example.org/static/js/app.min.js?v=1', true],
    ['a ~/path for a file:// frame', '~/srv/app/dist/app.min.js', 'file:///srv/app/dist/app.min.js', true],
    ['not another file under ~/', '~/static/js/app.min.js', 'https://cdn.example.com/static/js/vendor.min.js', false],
    ['not the same path on another host', 'https://cdn.example.com/static/js/app.min.js', 'https://other.example.org/static/js/app.min.js', false],
  ])('matches %s', async (_, uploaded, frameUrl, found) => {
    const release = `match-${uploaded}-${frameUrl}`;
    const maps = store();
    await maps.put(release, uploaded, tinyMap('m.ts'));
    expect(await sourceAt(maps, release, frameUrl)).toBe(found ? 'm.ts' : undefined);
    expect(await sourceAt(maps, `other-${release}`, frameUrl)).toBeUndefined();
  });

  it('prefers the exact URL over the ~/path upload', async () => {
    const maps = store();
    await maps.put('prefer', '~/static/app.js', tinyMap('by-path.ts'));
    await maps.put('prefer', 'https://cdn.example.com/static/app.js', tinyMap('exact.ts'));
    expect(await sourceAt(maps, 'prefer', 'https://cdn.example.com/static/app.js')).toBe('exact.ts');
    expect(await sourceAt(maps, 'prefer', 'https://elsewhere.example.com/static/app.js')).toBe('by-path.ts');
  });

  it('replaces a map uploaded again for the same file, including in its own cache', async () => {
    const maps = store();
    await maps.put('replace', '~/app.js', tinyMap('old.ts'));
    expect(await sourceAt(maps, 'replace', '/app.js')).toBe('old.ts');
    const info = await maps.put('replace', '~/app.js', tinyMap('new.ts'));
    expect(await sourceAt(maps, 'replace', '/app.js')).toBe('new.ts');
    expect((await maps.list('replace')).map((m) => m.digest)).toEqual([info.digest]);
  });

  it('deletes one file or a whole release', async () => {
    const maps = store();
    await maps.put('del', '~/a.js', tinyMap('a.ts'));
    await maps.put('del', '~/b.js', tinyMap('b.ts'));
    await maps.put('del', '~/c.js', tinyMap('c.ts'));
    expect(await sourceAt(maps, 'del', '/a.js')).toBe('a.ts');
    await maps.delete('del', '~/a.js');
    expect((await maps.list('del')).map((m) => m.fileUrl)).toEqual(['~/b.js', '~/c.js']);
    expect(await sourceAt(maps, 'del', '/a.js')).toBeUndefined();
    await maps.delete('del');
    expect(await maps.list('del')).toEqual([]);
  });

  it('lists every release when none is given, ordered by release and file', async () => {
    const maps = store();
    await maps.put('list-b', '~/z.js', tinyMap('z.ts'));
    await maps.put('list-a', '~/y.js', tinyMap('y.ts'));
    const listed = (await maps.list()).filter((m) => m.release.startsWith('list-')).map((m) => `${m.release} ${m.fileUrl}`);
    expect(listed).toEqual(['list-a ~/y.js', 'list-b ~/z.js']);
  });

  describe('cache', () => {
    it('serves a second lookup of a found map without a query', async () => {
      const { client, queries } = counted(engine.client);
      const maps = store({}, client);
      await maps.put('cache-hit', '~/app.js', bundle.map);
      const first = await maps.get('cache-hit', 'https://cdn.example.com/app.js');
      const before = queries();
      expect(await maps.get('cache-hit', 'https://cdn.example.com/app.js')).toBe(first);
      expect(queries()).toBe(before);
    });

    it('remembers a missing map for notFoundTtlMs, then asks again', async () => {
      let now = 1_000_000;
      const { client, queries } = counted(engine.client);
      const maps = store({ notFoundTtlMs: 30_000, now: () => now }, client);
      await maps.put('cache-miss', '~/other.js', tinyMap('other.ts'));
      for (let i = 0; i < 100; i++) expect(await maps.get('cache-miss', 'https://cdn.example.com/none.js')).toBeUndefined();
      expect(queries()).toBe(2); // the releases that have maps, then the file
      now += 30_000;
      await maps.get('cache-miss', 'https://cdn.example.com/none.js');
      expect(queries()).toBe(4);
    });

    it('costs no per-file query for a release without maps, whatever files its frames name', async () => {
      const { client, queries } = counted(engine.client);
      const maps = store({}, client);
      await maps.put('has-maps', '~/app.js', tinyMap('a.ts'));
      for (let i = 0; i < 50; i++) expect(await maps.get('no-maps-here', `https://cdn.example.com/chunk-${i}.js`)).toBeUndefined();
      expect(queries()).toBe(1); // only the list of releases with maps
    });

    it('re-reads a found map after cacheTtlMs', async () => {
      let now = 1_000_000;
      const { client, queries } = counted(engine.client);
      const maps = store({ cacheTtlMs: 60_000, now: () => now }, client);
      await maps.put('cache-ttl', '~/app.js', tinyMap('t.ts'));
      await maps.get('cache-ttl', '/app.js');
      expect(queries()).toBe(2); // the releases that have maps, then the file
      now += 60_000;
      await maps.get('cache-ttl', '/app.js');
      expect(queries()).toBe(4);
    });

    it('shares one query among concurrent lookups of the same file', async () => {
      const { client, queries } = counted(engine.client);
      const maps = store({}, client);
      await maps.put('cache-burst', '~/app.js', tinyMap('burst.ts'));
      const found = await Promise.all(Array.from({ length: 20 }, () => maps.get('cache-burst', '/app.js')));
      expect(new Set(found).size).toBe(1);
      expect(queries()).toBe(2); // one list of releases, one lookup of the file
    });

    it('forgets a remembered miss when a map is uploaded for the release', async () => {
      const maps = store();
      expect(await sourceAt(maps, 'cache-upload', '/late.js')).toBeUndefined();
      await maps.put('cache-upload', '~/late.js', tinyMap('late.ts'));
      expect(await sourceAt(maps, 'cache-upload', '/late.js')).toBe('late.ts');
    });

    it('treats a stored map that cannot be decoded as missing, reports it once and remembers the miss', async () => {
      const errors: unknown[] = [];
      const { client, queries } = counted(engine.client);
      await engine.client.insert({
        table: SOURCEMAPS_TABLE,
        values: [{ Release: 'broken', FileUrl: '~/app.js', Content: '{"version":3,"sources":["a"],"names":[],"mappings":"!!"}', Digest: 'x' }],
        format: 'JSONEachRow',
      });
      const maps = store({ onError: (err) => errors.push(err) }, client);
      expect(await maps.get('broken', '/app.js')).toBeUndefined();
      expect(await maps.get('broken', '/app.js')).toBeUndefined();
      expect(errors).toHaveLength(1);
      expect(queries()).toBe(2); // the releases that have maps, then the file once
    });
  });

  describe('upload validation', () => {
    it.each([
      ['text that is not JSON', 'r', '~/a.js', '{"version":3', 400, 'sourceMap', /not valid JSON/],
      ['a JSON array', 'r', '~/a.js', '[]', 400, 'sourceMap', /JSON object/],
      ['a number', 'r', '~/a.js', 42, 400, 'sourceMap', /JSON object/],
      ['no map at all', 'r', '~/a.js', undefined, 400, 'sourceMap', /JSON object/],
      ['version 2', 'r', '~/a.js', { version: 2, sources: [], mappings: '' }, 400, 'sourceMap.version', /must be 3/],
      ['no mappings', 'r', '~/a.js', { version: 3, sources: [] }, 400, 'sourceMap.mappings', /must be a string/],
      ['sources that are not a list', 'r', '~/a.js', { version: 3, sources: 'a.ts', mappings: '' }, 400, 'sourceMap.sources', /array of strings/],
      ['mappings that do not decode', 'r', '~/a.js', { version: 3, sources: ['a'], names: [], mappings: '!!' }, 400, 'sourceMap', /cannot be decoded/],
      ['an empty release', '', '~/a.js', tinyMap('a'), 400, 'release', /release must be/],
      ['a file URL with a space', 'r', '~/a b.js', tinyMap('a'), 400, 'fileUrl', /fileUrl must be/],
      ['a map over maxMapBytes', 'r', '~/a.js', JSON.stringify({ version: 3, sources: ['a'.repeat(200)], names: [], mappings: '' }), 413, 'sourceMap', /over the limit of 100 bytes/],
    ])('rejects %s', async (_, release, fileUrl, sourceMap, status, field, message) => {
      const refusal = await store({ maxMapBytes: 100 }).put(release, fileUrl, sourceMap).catch((err: unknown) => err);
      expect(refusal).toBeInstanceOf(status === 413 ? SourceMapTooLarge : SourceMapInvalid);
      // The route's mapping gives the status and problem fields the API answers with.
      const error = toApiError(refusal);
      expect(error).toBeInstanceOf(ApiError);
      expect(error).toMatchObject({ status, field, message: expect.stringMatching(message) });
    });

    it('skips the anti-XSSI first line a served map may carry', async () => {
      const info = await store().put('xssi', '~/a.js', `)]}'\n${tinyMap('x.ts')}`);
      expect(info.sizeBytes).toBe(tinyMap('x.ts').length);
      expect(await sourceAt(store(), 'xssi', '/a.js')).toBe('x.ts');
    });
  });
});
