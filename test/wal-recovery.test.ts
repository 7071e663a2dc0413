import { appendFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { BlockStore } from '../src/storage/clickhouse/blockStore.ts';
import { rows, startGateway, tempDataDir } from './support/gateway.ts';
import { post, uniqueSpans } from './support/payloads.ts';

// Its own file: chDB binds one data directory per process, and this test needs a fresh one.

let failing = true;
const faulty = (store: BlockStore): BlockStore => ({
  async insert(table, columns, blocks, token) {
    if (failing) throw new Error('injected: ClickHouse unreachable');
    return store.insert(table, columns, blocks, token);
  },
});

describe('a segment damaged on disk', () => {
  it('is cut at its last whole frame, counted in /metrics, and the frames before are inserted', async () => {
    // One segment of three frames (one per request) left on disk by a gateway that could not insert.
    const dir = tempDataDir();
    const cfg = { dataDir: dir.dir, shutdownTimeoutMs: 3000, exporter: { retryInitialMs: 20, segmentMaxAgeMs: 60_000 } };
    let g = await startGateway(cfg, { wrapStore: faulty });
    for (const name of ['kept-a', 'kept-b', 'flipped']) expect((await post(g.url, '/v1/traces', uniqueSpans(name, 5))).status).toBe(200);
    await g.shutdown();
    const segDir = join(dir.dir, 'wal', 'otel_traces');
    const [segment] = readdirSync(segDir).filter((f) => f.endsWith('.wal'));
    const path = join(segDir, segment);
    // A bit flipped in the last frame's payload, and a torn frame after it.
    const bytes = readFileSync(path);
    bytes[bytes.length - 20] ^= 0x10;
    writeFileSync(path, bytes);
    appendFileSync(path, Buffer.from([0xff, 0x00, 0x00]));

    failing = false;
    g = await startGateway(cfg, { wrapStore: faulty });
    try {
      const text = await (await fetch(`${g.url}/metrics`)).text();
      expect(text).toMatch(/otelhouse_wal_tail_cuts_total\{table="otel_traces",reason="checksum"\} 1/);
      expect(await g.flush(20_000)).toBe(true);
      const found = await rows<{ s: string; n: string }>({ client: g.client }, "SELECT ServiceName AS s, toString(count()) AS n FROM otel_traces GROUP BY s ORDER BY s");
      expect(found).toEqual([{ s: 'kept-a', n: '5' }, { s: 'kept-b', n: '5' }]);
    } finally {
      await g.shutdown();
      dir.remove();
    }
  });
});
