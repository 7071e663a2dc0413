import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { AuditLog } from '../../storage/clickhouse/audit.ts';
import { SOURCEMAP_ADMIN_TOKEN as TOKEN, sourceMapApi } from '../../../test/support/sourceMapApi.ts';

const auth = { authorization: `Bearer ${TOKEN}` };
const json = { ...auth, 'content-type': 'application/json' };
const tinyMap = (name: string) => ({ version: 3, sources: [name], names: [], mappings: 'AAAA' });

describe('source map API', () => {
  let close: () => Promise<void>;
  let app: FastifyInstance;
  let audit: AuditLog;
  const upload = (release: string, body: unknown, headers: Record<string, string> = json) =>
    app.inject({ method: 'POST', url: `/api/releases/${encodeURIComponent(release)}/sourcemaps`, headers, payload: typeof body === 'string' ? body : JSON.stringify(body) });
  const list = async (release: string) =>
    (await app.inject({ method: 'GET', url: `/api/releases/${encodeURIComponent(release)}/sourcemaps`, headers: auth })).json<{ sourceMaps: Array<{ fileUrl: string }> }>();

  beforeAll(async () => {
    ({ app, audit, close } = await sourceMapApi(16 * 1024));
    await app.ready();
  });
  afterAll(() => close());

  it('uploads a map (object or JSON text) and answers 201 with its digest', async () => {
    const res = await upload('web@2.1.0', { fileUrl: '~/static/js/app.min.js', sourceMap: tinyMap('src/app.ts') });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ release: 'web@2.1.0', fileUrl: '~/static/js/app.min.js', digest: expect.stringMatching(/^[0-9a-f]{64}$/) });

    const asText = await upload('web@2.1.0', { fileUrl: '~/static/js/vendor.min.js', sourceMap: JSON.stringify(tinyMap('react.js')) });
    expect(asText.statusCode).toBe(201);
  });

  it('lists the maps of a release', async () => {
    await upload('list@1', { fileUrl: '~/b.js', sourceMap: tinyMap('b.ts') });
    await upload('list@1', { fileUrl: '~/a.js', sourceMap: tinyMap('a.ts') });
    const res = await app.inject({ method: 'GET', url: '/api/releases/list@1/sourcemaps', headers: auth });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ release: 'list@1', sourceMaps: [{ fileUrl: '~/a.js', sizeBytes: JSON.stringify(tinyMap('a.ts')).length }, { fileUrl: '~/b.js' }] });
  });

  it('deletes one file with ?fileUrl=, or the whole release, answering 204', async () => {
    await upload('del@1', { fileUrl: 'https://cdn.example.com/a.js?v=1', sourceMap: tinyMap('a.ts') });
    await upload('del@1', { fileUrl: '~/b.js', sourceMap: tinyMap('b.ts') });
    const one = await app.inject({ method: 'DELETE', url: `/api/releases/del@1/sourcemaps?fileUrl=${encodeURIComponent('https://cdn.example.com/a.js?v=1')}`, headers: auth });
    expect(one.statusCode).toBe(204);
    expect((await list('del@1')).sourceMaps.map((m) => m.fileUrl)).toEqual(['~/b.js']);
    const all = await app.inject({ method: 'DELETE', url: '/api/releases/del@1/sourcemaps', headers: auth });
    expect(all.statusCode).toBe(204);
    expect((await list('del@1')).sourceMaps).toEqual([]);
  });

  it('audits uploads, replacements and deletions with the admin token\'s name and whom it acted for', async () => {
    const history = async () => (await audit.list({ entityType: 'sourcemaps', entityId: 'audit@1', limit: 50 })).items.reverse();
    expect((await upload('audit@1', { fileUrl: '~/a.js', sourceMap: tinyMap('a.ts') })).statusCode).toBe(201);
    const replaced = await upload('audit@1', { fileUrl: '~/a.js', sourceMap: tinyMap('a2.ts') }, { ...json, 'x-otelhouse-actor': 'deploy-bot' });
    expect(replaced.statusCode).toBe(201);
    expect((await upload('audit@1', { fileUrl: '~/b.js', sourceMap: tinyMap('b.ts') })).statusCode).toBe(201);
    expect((await app.inject({ method: 'DELETE', url: '/api/releases/audit@1/sourcemaps?fileUrl=~/a.js', headers: auth })).statusCode).toBe(204);
    expect((await app.inject({ method: 'DELETE', url: '/api/releases/audit@1/sourcemaps', headers: auth })).statusCode).toBe(204);
    // Deleting what is not there changes nothing and is not audited.
    expect((await app.inject({ method: 'DELETE', url: '/api/releases/audit@1/sourcemaps', headers: auth })).statusCode).toBe(204);

    const entries = await history();
    expect(entries.map((e) => [e.action, e.actor])).toEqual([
      ['sourcemap.upload', 'release-ci'],
      ['sourcemap.upload', 'release-ci on behalf of deploy-bot'],
      ['sourcemap.upload', 'release-ci'],
      ['sourcemap.delete', 'release-ci'],
      ['sourcemap.delete', 'release-ci'],
    ]);
    const [first, second, , one, all] = entries;
    expect(first).toMatchObject({ before: null, after: { release: 'audit@1', fileUrl: '~/a.js', digest: expect.stringMatching(/^[0-9a-f]{64}$/) } });
    expect(second.before).toEqual(first.after);
    expect(second.after).toEqual(replaced.json());
    expect((second.after as { digest: string }).digest).not.toBe((first.after as { digest: string }).digest);
    expect(one).toMatchObject({ before: [{ fileUrl: '~/a.js' }], after: null });
    expect(all).toMatchObject({ before: [{ fileUrl: '~/b.js' }], after: null });
  });

  it('refuses a malformed actor header before storing anything', async () => {
    const res = await upload('audit@2', { fileUrl: '~/a.js', sourceMap: tinyMap('a.ts') }, { ...json, 'x-otelhouse-actor': 'bad\u0007actor' });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ field: 'X-Otelhouse-Actor' });
    expect((await list('audit@2')).sourceMaps).toEqual([]);
    expect((await audit.list({ entityType: 'sourcemaps', entityId: 'audit@2', limit: 5 })).items).toEqual([]);
  });

  it.each([
    ['a body that is not JSON', '{"fileUrl":', json, 400, 'request body is not valid JSON'],
    ['a missing fileUrl', { sourceMap: tinyMap('a.ts') }, json, 400, 'fileUrl: '],
    ['a map that is not a source map', { fileUrl: '~/a.js', sourceMap: { hello: 'world' } }, json, 400, 'sourceMap.version must be 3'],
    ['mappings that do not decode', { fileUrl: '~/a.js', sourceMap: { version: 3, sources: ['a'], names: [], mappings: '!!' } }, json, 400, 'sourceMap cannot be decoded'],
    ['a non-JSON content type', { fileUrl: '~/a.js', sourceMap: tinyMap('a.ts') }, { ...auth, 'content-type': 'text/plain' }, 415, 'application/json'],
    ['a map over the store limit', { fileUrl: '~/a.js', sourceMap: { ...tinyMap('a.ts'), sourcesContent: ['x'.repeat(20_000)] } }, json, 413, 'over the limit of 16384 bytes'],
  ])('refuses %s with a problem body', async (_, body, headers, status, detail) => {
    const res = await upload('bad@1', body, headers);
    expect(res.statusCode).toBe(status);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json()).toMatchObject({ status, detail: expect.stringContaining(detail) });
  });

  it('refuses a body over the server limit with 413', async () => {
    const res = await upload('big@1', { fileUrl: '~/a.js', sourceMap: { ...tinyMap('a.ts'), sourcesContent: ['x'.repeat(200 * 1024)] } });
    expect(res.statusCode).toBe(413);
  });

  it.each([
    ['no token', { 'content-type': 'application/json' }],
    ['a wrong token', { authorization: 'Bearer not-the-admin-token', 'content-type': 'application/json' }],
  ])('answers 401 to %s', async (_, headers) => {
    const res = await upload('auth@1', { fileUrl: '~/a.js', sourceMap: tinyMap('a.ts') }, headers);
    expect(res.statusCode).toBe(401);
    expect((await app.inject({ method: 'GET', url: '/api/releases/auth@1/sourcemaps', headers })).statusCode).toBe(401);
    expect((await list('auth@1')).sourceMaps).toEqual([]);
  });
});
