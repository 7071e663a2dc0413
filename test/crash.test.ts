import { createClient } from '@clickhouse/client';
import { createChdbConnection } from 'chdb/connection';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDataDir } from './support/gateway.ts';
import { logsRequest, post, traceRequest } from './support/payloads.ts';
import { spawnGateway, type GatewayProcess } from './support/process.ts';

const data = tempDataDir();
afterAll(() => data.remove());

const spansPerRequest = 50;
const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');

/** Request `r` carries spans and logs whose names/bodies are unique: `req-<r>-<i>`. */
function request(r: number): { traces: string; logs: string } {
  const items = Array.from({ length: spansPerRequest }, (_, i) => i);
  return {
    traces: traceRequest('crash', items.map((i) => ({
      traceId: hex(r, 16) + hex(i, 16),
      spanId: hex(r * 1000 + i + 1, 16),
      name: `req-${r}-${i}`,
      start: `${1_700_000_000_000_000_000n + BigInt(r * 1000 + i)}`,
      end: `${1_700_000_000_000_000_500n + BigInt(r * 1000 + i)}`,
    }))),
    logs: logsRequest('crash', items.map((i) => ({
      time: `${1_700_000_000_000_000_000n + BigInt(r * 1000 + i)}`,
      severityNumber: 9,
      severityText: 'INFO',
      body: `req-${r}-${i}`,
    }))),
  };
}

/** Sends requests from `senders` concurrent loops until `stop()`; returns the numbers of acknowledged requests. */
function load(url: string, senders: number, first = 0) {
  const acked: number[] = [];
  let next = first;
  let stopped = false;
  const loops = Array.from({ length: senders }, async () => {
    while (!stopped) {
      const r = next++;
      const { traces, logs } = request(r);
      try {
        const [t, l] = await Promise.all([post(url, '/v1/traces', traces), post(url, '/v1/logs', logs)]);
        if (t.status === 200 && l.status === 200) acked.push(r);
      } catch {
        // Connection refused or reset: not acknowledged, so the sender would retry.
        await new Promise((res) => setTimeout(res, 20));
      }
    }
  });
  return { acked, sent: () => next, stop: async () => ((stopped = true), await Promise.all(loops)) };
}

describe('a gateway stopped with SIGINT', () => {
  it('stores what it acknowledged and exits 0', async () => {
    const dir = tempDataDir();
    const gateway = await spawnGateway({ OTELHOUSE_DATA_DIR: dir.dir });
    const { traces } = request(7_000_000);
    expect((await post(gateway.url, '/v1/traces', traces)).status).toBe(200);
    gateway.child.kill('SIGINT');
    expect((await gateway.exited).code).toBe(0);
    const client = createClient({ connection: createChdbConnection({ path: join(dir.dir, 'clickhouse') }) } as never);
    try {
      const rs = await client.query({ query: `SELECT toString(count()) AS n FROM otel_traces WHERE SpanName LIKE 'req-7000000-%'`, format: 'JSONEachRow' });
      expect(await rs.json()).toEqual([{ n: String(spansPerRequest) }]);
    } finally {
      await client.close();
      dir.remove();
    }
  }, 60_000);
});

describe('a gateway killed with SIGKILL in the middle of a load', () => {
  let gateway: GatewayProcess;
  afterAll(() => gateway?.child.kill('SIGKILL'));

  it('keeps every acknowledged span and log exactly once after a restart', async () => {
    const env = { OTELHOUSE_DATA_DIR: data.dir };
    gateway = await spawnGateway(env);
    const traffic = load(gateway.url, 4);
    await new Promise((r) => setTimeout(r, 2500));
    gateway.child.kill('SIGKILL');
    expect((await gateway.exited).signal).toBe('SIGKILL');
    await traffic.stop();
    const acked = [...traffic.acked];
    expect(acked.length).toBeGreaterThan(5);

    // Restart on the same data directory (replays anything spooled), then stop cleanly with SIGTERM.
    gateway = await spawnGateway(env);
    const after = load(gateway.url, 1, 100_000);
    await new Promise((r) => setTimeout(r, 300));
    await after.stop();
    gateway.child.kill('SIGTERM');
    const exit = await gateway.exited;
    expect(exit.code).toBe(0);

    const client = createClient({ connection: createChdbConnection({ path: join(data.dir, 'clickhouse') }) } as never);
    try {
      const count = async (table: string, column: string) => {
        const rs = await client.query({
          query: `SELECT ${column} AS name, toString(count()) AS n FROM ${table} WHERE ServiceName = 'crash' GROUP BY name`,
          format: 'JSONEachRow',
        });
        return new Map((await rs.json<{ name: string; n: string }>()).map((r) => [r.name, Number(r.n)]));
      };
      for (const [table, column] of [['otel_traces', 'SpanName'], ['otel_logs', 'Body']]) {
        const seen = await count(table, column);
        for (const r of [...acked, ...after.acked]) {
          for (let i = 0; i < spansPerRequest; i++) {
            const name = `req-${r}-${i}`;
            if (seen.get(name) !== 1) throw new Error(`${table}: acknowledged ${name} stored ${seen.get(name) ?? 0} times`);
          }
        }
        // Nothing, acknowledged or not, is stored twice.
        expect([...seen.values()].filter((n) => n > 1)).toEqual([]);
        expect(seen.size).toBeGreaterThanOrEqual((acked.length + after.acked.length) * spansPerRequest);
      }
    } finally {
      await client.close();
    }
  }, 120_000);
});
