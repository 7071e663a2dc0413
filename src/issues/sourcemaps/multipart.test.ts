import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { AuditLog } from '../../storage/clickhouse/audit.ts';
import { SOURCEMAP_ADMIN_TOKEN as TOKEN, sourceMapApi } from '../../../test/support/sourceMapApi.ts';

// Uploads as multipart form data over a real socket, encoded by fetch's FormData as curl -F would.

const MAX_MAP_BYTES = 16 * 1024;
const tinyMap = (name: string) => JSON.stringify({ version: 3, sources: [name], names: [], mappings: 'AAAA' });

describe('source maps uploaded as multipart form data', () => {
  let close: () => Promise<void>;
  let app: FastifyInstance;
  let audit: AuditLog;
  let url: string;

  beforeAll(async () => {
    ({ app, audit, close } = await sourceMapApi(MAX_MAP_BYTES));
    url = await app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(() => close());

  /** POSTs a form of `[name, value]` entries; a Blob value is a file part named `<name>.map`. */
  async function send(release: string, entries: Array<[string, string | Blob]>): Promise<{ status: number; body: any }> {
    const form = new FormData();
    for (const [name, value] of entries) {
      if (typeof value === 'string') form.append(name, value);
      else form.append(name, value, 'app.min.js.map');
    }
    const res = await fetch(`${url}/api/releases/${encodeURIComponent(release)}/sourcemaps`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` }, body: form });
    return { status: res.status, body: res.status === 204 ? undefined : await res.json() };
  }
  const file = (text: string) => new Blob([text], { type: 'application/octet-stream' });

  it('stores the file under the name, a name ending in .map serving the file without it', async () => {
    const exact = await send('shop@1.0.0', [['file', file(tinyMap('src/a.ts'))], ['name', '~/static/js/app.min.js']]);
    expect(exact.status).toBe(201);
    expect(exact.body).toMatchObject({ release: 'shop@1.0.0', fileUrl: '~/static/js/app.min.js', sizeBytes: tinyMap('src/a.ts').length });
    const artifact = await send('shop@1.0.0', [['name', 'https://cdn.example.com/vendor.min.js.map'], ['file', file(tinyMap('src/v.ts'))]]);
    expect(artifact.status).toBe(201);
    expect(artifact.body.fileUrl).toBe('https://cdn.example.com/vendor.min.js');
    const audited = (await audit.list({ entityType: 'sourcemaps', entityId: 'shop@1.0.0', limit: 10 })).items.reverse();
    expect(audited).toMatchObject([
      { action: 'sourcemap.upload', actor: 'release-ci', before: null, after: exact.body },
      { action: 'sourcemap.upload', actor: 'release-ci', before: null, after: artifact.body },
    ]);
    const list = await fetch(`${url}/api/releases/shop%401.0.0/sourcemaps`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(((await list.json()) as { sourceMaps: Array<{ fileUrl: string }> }).sourceMaps.map((m) => m.fileUrl)).toEqual([
      'https://cdn.example.com/vendor.min.js',
      '~/static/js/app.min.js',
    ]);
  });

  it.each([
    ['without a name', [['file', 'map']], 400, 'name'],
    ['without a file', [['name', '~/app.js']], 400, 'file'],
    ['with the map as a plain field', [['file', tinyMap('a.ts')], ['name', '~/app.js']], 400, 'file'],
    ['with an unknown field', [['file', 'map'], ['name', '~/app.js'], ['dist', '7']], 400, 'dist'],
    ['with two files', [['file', 'map'], ['file', 'map'], ['name', '~/app.js']], 400, undefined],
    ['with a file that is not a source map', [['file', 'console.log(1)'], ['name', '~/app.js']], 400, 'sourceMap'],
    ['with a map over the size limit', [['file', 'x'.repeat(MAX_MAP_BYTES + 1)], ['name', '~/app.js']], 413, 'file'],
    ['with a name over 2048 bytes', [['name', `~/${'a'.repeat(3000)}`], ['file', 'map']], 400, 'name'],
  ] as const)('refuses a form %s with a problem body', async (_what, entries, status, field) => {
    const parts = entries.map(([name, value]): [string, string | Blob] => [name, name === 'file' && !(_what as string).includes('plain field') ? file(value) : value]);
    const res = await send('shop@1.0.1', parts);
    expect(res.status).toBe(status);
    expect(res.body).toMatchObject({ status, detail: expect.any(String) });
    if (field) expect(res.body.field).toBe(field);
  });

  it('stored nothing for any refused form, and still serves uploads after them', async () => {
    const list = await fetch(`${url}/api/releases/shop%401.0.1/sourcemaps`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(((await list.json()) as { sourceMaps: unknown[] }).sourceMaps).toEqual([]);
    expect((await audit.list({ entityType: 'sourcemaps', entityId: 'shop@1.0.1', limit: 10 })).items).toEqual([]);
    expect((await send('shop@1.0.1', [['file', file(tinyMap('src/b.ts'))], ['name', '~/b.js']])).status).toBe(201);
  });
});
