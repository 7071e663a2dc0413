import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { embeddedBlockStore, serverBlockStore } from './blockStore.ts';
import { openTestEngine, type TestEngine } from './testing.ts';

let engine: TestEngine;
let dir: string;
/** Two Native blocks as ClickHouse itself writes them. */
let blocks: Buffer[];
beforeAll(async () => {
  engine = openTestEngine();
  dir = mkdtempSync(join(tmpdir(), 'otelhouse-blocks-'));
  await engine.client.command({ query: 'CREATE TABLE t (n UInt64, s String, m Map(LowCardinality(String), String)) ENGINE = MergeTree ORDER BY n SETTINGS non_replicated_deduplication_window = 100' });
  blocks = [];
  for (const [from, count] of [[0, 3], [3, 2]]) {
    const file = join(dir, `block-${from}.native`);
    await engine.client.command({ query: `SELECT number AS n, concat('row ', toString(number)) AS s, map('k', toString(number)) AS m FROM numbers(${from}, ${count}) INTO OUTFILE '${file}' FORMAT Native` });
    blocks.push(readFileSync(file));
  }
});
afterAll(async () => {
  await engine.close();
  rmSync(dir, { recursive: true, force: true });
});

const columns = ['n', 's', 'm'];

describe('the embedded block store', () => {
  it('inserts a segment\'s blocks read from a file, and the same token twice stores them once', async () => {
    const store = embeddedBlockStore(engine.client, 'default', dir);
    await store.insert('t', columns, blocks, 'segment-1');
    await store.insert('t', columns, blocks, 'segment-1');
    expect(await engine.select("SELECT n, s, m['k'] AS k FROM t ORDER BY n")).toEqual([0, 1, 2, 3, 4].map((n) => ({ n, s: `row ${n}`, k: String(n) })));
    // Its temporary file is gone.
    expect(readdirNative()).toEqual(['block-0.native', 'block-3.native']);
  });
});

function readdirNative(): string[] {
  return readdirSync(dir).filter((f) => f.endsWith('.native')).sort();
}

describe('the server block store', () => {
  // No ClickHouse server runs here: a plain HTTP server records what the client sends, and the
  // real engine then reads the recorded body, to show it is the Native stream of the segment.
  const seen: Array<{ query: string; body: Buffer }> = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (d: Buffer) => chunks.push(d));
    req.on('end', () => {
      seen.push({ query: new URL(req.url ?? '', 'http://x').searchParams.get('query') ?? '', body: Buffer.concat(chunks) });
      res.writeHead(200, { 'content-type': 'text/plain', 'x-clickhouse-summary': '{}' }).end('');
    });
  });
  beforeAll(() => new Promise<void>((r) => server.listen(0, '127.0.0.1', r)));
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('streams the blocks as the body of INSERT … FORMAT Native with the token, and that body is what the engine reads', async () => {
    const client = createClient({ url: `http://127.0.0.1:${(server.address() as { port: number }).port}` });
    await serverBlockStore(client, 'telemetry').insert('t', columns, blocks, 'segment-2');
    await client.close();
    expect(seen).toHaveLength(1);
    expect(seen[0].query).toBe("INSERT INTO `telemetry`.`t` (`n`, `s`, `m`) SETTINGS insert_deduplication_token = 'segment-2' FORMAT Native");
    expect(seen[0].body.equals(Buffer.concat(blocks))).toBe(true);

    await engine.client.command({ query: 'CREATE TABLE u AS t' });
    await embeddedBlockStore(engine.client, 'default', dir).insert('u', columns, [seen[0].body], 'segment-2');
    expect(await engine.select('SELECT count() AS c, sum(n) AS total FROM u')).toEqual([{ c: 5, total: 10 }]);
  });
});
