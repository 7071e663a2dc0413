import { createClient } from '@clickhouse/client';
import { createChdbConnection } from 'chdb/connection';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../src/gateway.ts';
import { rows, startGateway, tempDataDir } from './support/gateway.ts';
import { post, traceRequest, type SpanSpec } from './support/payloads.ts';
import { spawnGateway, type GatewayProcess } from './support/process.ts';

const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');
const span = (trace: number, i: number, error = false): SpanSpec => ({
  traceId: hex(trace, 32), spanId: hex(trace * 100 + i + 1, 16), name: `t${trace}-s${i}`,
  start: '1700000000000000000', end: '1700000000001000000', status: error ? { code: 2 } : undefined,
});
const policies = [{ type: 'status_code', statusCodes: ['ERROR'] }];

async function until<T>(probe: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('tail sampling in a running gateway', () => {
  let gateway: Gateway;
  afterAll(() => gateway?.shutdown());

  it('acknowledges at once, then stores whole traces with an error and nothing of the others', async () => {
    gateway = await startGateway({ processors: [{ type: 'tailsampling', decisionWaitMs: 1000, policies }] });
    for (const body of [traceRequest('web', [span(1, 0), span(2, 0)]), traceRequest('db', [span(1, 1, true), span(2, 1)])]) {
      expect((await post(gateway.url, '/v1/traces', body)).status).toBe(200);
    }
    // Acknowledged on the hold log, before the decision (1 s after each trace's first span) stores anything.
    expect(await rows(gateway, `SELECT SpanName FROM otel_traces WHERE ServiceName IN ('web', 'db')`)).toEqual([]);
    const stored = await until(
      () => rows<{ SpanName: string }>(gateway, `SELECT SpanName FROM otel_traces WHERE ServiceName IN ('web', 'db') ORDER BY SpanName`),
      (r) => r.length >= 2,
    );
    expect(stored.map((r) => r.SpanName)).toEqual(['t1-s0', 't1-s1']);
    await new Promise((r) => setTimeout(r, 400));
    expect(await rows(gateway, `SELECT SpanName FROM otel_traces WHERE SpanName LIKE 't2-%'`)).toEqual([]);
  });
});

describe('tail sampling across a crash', () => {
  const data = tempDataDir();
  let child: GatewayProcess | undefined;
  afterAll(() => {
    child?.child.kill('SIGKILL');
    data.remove();
  });
  const configFile = join(data.dir, 'otelhouse.yaml');
  const configure = (decisionWaitMs: number) =>
    writeFileSync(configFile, JSON.stringify({ processors: [{ type: 'tailsampling', decisionWaitMs, policies }] }));

  it('keeps acknowledged spans awaiting their decision through SIGKILL, and decides them after the restart', async () => {
    const env = { OTELHOUSE_DATA_DIR: data.dir, OTELHOUSE_CONFIG: configFile };
    configure(600_000); // nothing is decided before the crash
    child = await spawnGateway(env);
    expect((await post(child.url, '/v1/traces', traceRequest('crash', [span(7, 0), span(7, 1, true), span(8, 0)]))).status).toBe(200);
    child.child.kill('SIGKILL');
    await child.exited;

    configure(200);
    child = await spawnGateway(env);
    await new Promise((r) => setTimeout(r, 1500));
    child.child.kill('SIGTERM');
    expect((await child.exited).code).toBe(0);
    child = undefined;

    const client = createClient({ connection: createChdbConnection({ path: join(data.dir, 'clickhouse') }) } as never);
    try {
      const rs = await client.query({ query: `SELECT SpanName FROM otel_traces WHERE ServiceName = 'crash' ORDER BY SpanName`, format: 'JSONEachRow' });
      expect(await rs.json()).toEqual([{ SpanName: 't7-s0' }, { SpanName: 't7-s1' }]);
    } finally {
      await client.close();
    }
  }, 90_000);
});
