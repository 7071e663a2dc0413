import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BlockStore } from '../src/storage/clickhouse/blockStore.ts';
import type { Gateway } from '../src/gateway.ts';
import { spyFiles } from '../src/storage/wal/testing.ts';
import { rows, startGateway, tempDataDir } from './support/gateway.ts';
import { post, uniqueSpans } from './support/payloads.ts';

/** How the fault-injecting wrapper around the real ClickHouse insert transport behaves right now. */
let mode: 'ok' | 'fail' | 'commit-then-fail' | 'corrupt' | 'hang' = 'ok';
const faulty = (store: BlockStore): BlockStore => ({
  async insert(table, columns, blocks, token) {
    if (mode === 'fail') throw new Error('injected: ClickHouse unreachable');
    if (mode === 'commit-then-fail') {
      await store.insert(table, columns, blocks, token);
      throw new Error('injected: connection reset after the insert committed');
    }
    if (mode === 'hang') return new Promise<void>(() => {});
    // Blocks the real engine cannot read, as if the segment were damaged.
    if (mode === 'corrupt') return store.insert(table, columns, blocks.map((b) => b.subarray(0, b.length - 5)), token);
    return store.insert(table, columns, blocks, token);
  },
});

const data = tempDataDir();
const files = spyFiles();
let gateway: Gateway;
const config = {
  dataDir: data.dir,
  shutdownTimeoutMs: 3000,
  exporter: { maxWalBytes: 256 * 1024, retryInitialMs: 20, segmentMaxAgeMs: 50 },
  receiver: { maxRequestBytes: 64 * 1024, maxInFlightBytes: 64 * 1024, retryAfterSeconds: 2 },
};
const start = () => startGateway(config, { wrapStore: faulty, files });
beforeAll(async () => {
  gateway = await start();
});
afterAll(async () => {
  mode = 'ok';
  await gateway?.shutdown();
  data.remove();
});

const spans = uniqueSpans;

interface WalStatus {
  rows: number;
  bytes: number;
  tables: Record<string, { rows: number; segments: number; oldestAgeMs: number | null }>;
}
async function wal(): Promise<WalStatus> {
  return ((await (await fetch(`${gateway.url}/api/status`)).json()) as { wal: WalStatus }).wal;
}

async function until(check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** What ClickHouse holds right now (no flush: during an outage a flush could not finish). */
const storedNow = async (service: string) =>
  (await rows<{ n: string; u: string }>({ client: gateway.client }, `SELECT toString(count()) AS n, toString(uniqExact(SpanName)) AS u FROM otel_traces WHERE ServiceName = '${service}'`))[0];
/** What ClickHouse holds once everything acknowledged is inserted. */
const stored = async (service: string) => {
  expect(await gateway.flush(20_000)).toBe(true);
  return storedNow(service);
};
const metric = async (sample: string) => {
  const text = await (await fetch(`${gateway.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${sample} `));
  return line === undefined ? 0 : Number(line.slice(sample.length + 1));
};

describe('the write-ahead log', () => {
  it('acknowledges requests while ClickHouse fails, shows the backlog, then inserts it exactly once when ClickHouse recovers', async () => {
    mode = 'fail';
    const responses = await Promise.all(Array.from({ length: 10 }, () => post(gateway.url, '/v1/traces', spans('outage', 20))));
    expect(responses.map((r) => r.status)).toEqual(Array(10).fill(200));
    await new Promise((r) => setTimeout(r, 200)); // segments sealed and tried
    expect(await storedNow('outage')).toEqual({ n: '0', u: '0' });
    const during = await wal();
    expect(during.tables.otel_traces.rows).toBe(200);
    expect(during.tables.otel_traces.oldestAgeMs).toBeGreaterThanOrEqual(150);
    expect(await metric('otelhouse_wal_backlog_rows{table="otel_traces"}')).toBe(200);
    expect(await metric('otelhouse_exporter_insert_duration_seconds_count{table="otel_traces",outcome="error"}')).toBeGreaterThan(0);

    mode = 'ok';
    expect(await stored('outage')).toEqual({ n: '200', u: '200' });
    expect((await wal()).rows).toBe(0);
  });

  it('POST /api/flush returns once what was acknowledged before it is queryable, and says when it could not', async () => {
    expect((await post(gateway.url, '/v1/traces', spans('flushed', 4))).status).toBe(200);
    const done = await fetch(`${gateway.url}/api/flush`, { method: 'POST' });
    expect(done.status).toBe(200);
    expect(await done.json()).toMatchObject({ flushed: true, backlog: { rows: 0, bytes: 0 } });
    expect(await storedNow('flushed')).toEqual({ n: '4', u: '4' });

    mode = 'fail';
    expect((await post(gateway.url, '/v1/traces', spans('unflushed', 4))).status).toBe(200);
    const late = await fetch(`${gateway.url}/api/flush?timeoutMs=300`, { method: 'POST' });
    expect(late.status).toBe(503);
    expect(late.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(await late.json()).toMatchObject({ status: 503, backlog: { rows: 4 } });
    const bad = await fetch(`${gateway.url}/api/flush?timeoutMs=soon`, { method: 'POST' });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ field: 'timeoutMs' });
    mode = 'ok';
    expect(await stored('unflushed')).toEqual({ n: '4', u: '4' });
  });

  it("serves the embedded engine's own counters on /metrics: rows inserted, the CPU its threads used, parts per table", async () => {
    const insertedBefore = await metric('otelhouse_clickhouse_events_total{event="InsertedRows"}');
    const cpuBefore = await metric('otelhouse_clickhouse_events_total{event="UserTimeMicroseconds"}');
    expect((await post(gateway.url, '/v1/traces', spans('engine-counters', 30))).status).toBe(200);
    expect(await stored('engine-counters')).toEqual({ n: '30', u: '30' });
    // otel_traces' rows, plus what its trace-id view writes beside them.
    expect((await metric('otelhouse_clickhouse_events_total{event="InsertedRows"}')) - insertedBefore).toBeGreaterThanOrEqual(30);
    expect(await metric('otelhouse_clickhouse_events_total{event="UserTimeMicroseconds"}')).toBeGreaterThan(cpuBefore);
    expect(await metric('otelhouse_clickhouse_active_parts{table="otel_traces"}')).toBeGreaterThanOrEqual(1);
    expect(await metric('otelhouse_clickhouse_memory_tracked_bytes')).toBeGreaterThan(0);
  });

  it('stores no duplicates when an insert committed but reported failure and was repeated', async () => {
    mode = 'commit-then-fail';
    expect((await post(gateway.url, '/v1/traces', spans('ambiguous', 30))).status).toBe(200);
    await until(async () => (await storedNow('ambiguous')).n !== '0');
    mode = 'ok';
    expect(await stored('ambiguous')).toEqual({ n: '30', u: '30' });
  });

  it('answers 503 with Retry-After when the log reaches its bound, and recovers by itself with nothing acknowledged lost', async () => {
    mode = 'fail';
    let refused: Response | undefined;
    let acked = 0;
    for (let i = 0; i < 200 && !refused; i++) {
      const res = await post(gateway.url, '/v1/traces', spans('flood', 40));
      if (res.status === 200) acked++;
      else refused = res;
    }
    expect(refused?.status).toBe(503);
    expect(refused?.headers.get('retry-after')).toBe('2');
    expect(((await refused!.json()) as { message: string }).message).toMatch(/write-ahead log full/);

    mode = 'ok';
    expect(await stored('flood')).toEqual({ n: String(acked * 40), u: String(acked * 40) });
    const after = await post(gateway.url, '/v1/traces', spans('after-flood', 5));
    expect(after.status).toBe(200);
    expect(await stored('after-flood')).toEqual({ n: '5', u: '5' });
  });

  it('answers 503 when the disk refuses a write (full), keeps what it acknowledged, and takes requests again', async () => {
    expect((await post(gateway.url, '/v1/traces', spans('disk', 6))).status).toBe(200);
    files.failWrites('ENOSPC');
    const refused = await post(gateway.url, '/v1/traces', spans('disk', 6));
    expect(refused.status).toBe(503);
    expect(((await refused.json()) as { message: string }).message).toMatch(/ENOSPC/);
    expect((await post(gateway.url, '/v1/traces', spans('disk', 6))).status).toBe(200);
    expect(await stored('disk')).toEqual({ n: '12', u: '12' });
  });

  it('answers a request only after the fdatasync that made it durable', async () => {
    const release = files.holdSyncs();
    let answered = false;
    const pending = post(gateway.url, '/v1/traces', spans('synced', 3)).then((res) => ((answered = true), res));
    await new Promise((r) => setTimeout(r, 150));
    expect(answered).toBe(false);
    release();
    expect((await pending).status).toBe(200);
  });

  it('answers 503 with Retry-After when in-flight bytes reach their bound, and recovers', async () => {
    const release = files.holdSyncs();
    const big = spans('inflight', 150); // ~40 KiB each; two exceed the 64 KiB bound
    const first = post(gateway.url, '/v1/traces', big);
    await until(async () => (await metric('otelhouse_receiver_in_flight_bytes')) > 0);
    const second = await post(gateway.url, '/v1/traces', spans('inflight', 150));
    expect(second.status).toBe(503);
    expect(second.headers.get('retry-after')).toBe('2');
    release();
    expect((await first).status).toBe(200);
    expect((await post(gateway.url, '/v1/traces', spans('inflight', 150))).status).toBe(200);
  });

  it('moves a segment ClickHouse can never parse aside instead of blocking the segments behind it', async () => {
    expect(await gateway.flush()).toBe(true); // earlier tests' rows are in, so the poisoned segment holds only this request
    mode = 'corrupt';
    expect((await post(gateway.url, '/v1/traces', spans('poison', 3))).status).toBe(200);
    await until(async () => (await metric('otelhouse_wal_rows_quarantined_total{table="otel_traces"}')) === 3);
    expect(await storedNow('poison')).toEqual({ n: '0', u: '0' });
    expect(readdirSync(join(data.dir, 'wal', 'dead'))).toHaveLength(1);
    mode = 'ok';
    expect((await post(gateway.url, '/v1/traces', spans('after-poison', 4))).status).toBe(200);
    expect(await stored('after-poison')).toEqual({ n: '4', u: '4' });
  });

  it('shuts down within its bound while ClickHouse hangs, leaving what it could not insert on disk for the next start', async () => {
    mode = 'hang';
    expect((await post(gateway.url, '/v1/traces', spans('hung', 7))).status).toBe(200);
    // The hung insert never settles: that shutdown returns at all shows it gave up at its bound (shutdownTimeoutMs) rather than wait.
    await gateway.shutdown();
    mode = 'ok';
    gateway = await start();
    expect(await stored('hung')).toEqual({ n: '7', u: '7' });
  });

  it('shuts down within its bound while the disk never answers an fsync, and the next start inserts what it had acknowledged', async () => {
    expect((await post(gateway.url, '/v1/traces', spans('before-stuck-disk', 4))).status).toBe(200);
    const release = files.holdSyncs();
    const writes = files.events.filter((e) => e.startsWith('write ')).length;
    const pending = post(gateway.url, '/v1/traces', spans('stuck-disk', 3)).then((res) => res.status, () => 0);
    await until(async () => files.events.filter((e) => e.startsWith('write ')).length > writes);
    // The held fsync never settles by itself: that shutdown returns at all shows it kept to its bound.
    await gateway.shutdown();
    release();
    const status = await pending;
    gateway = await start();
    expect(await stored('before-stuck-disk')).toEqual({ n: '4', u: '4' });
    // Never acknowledged: the shutdown closed its connection while its fsync was held. Its block had
    // reached the file, so the next start inserts it (the client's retry would be stored once).
    expect(status).toBe(0);
    expect(await stored('stuck-disk')).toEqual({ n: '3', u: '3' });
  });

  it('keeps acknowledged rows across a restart and inserts them without duplicates', async () => {
    mode = 'fail';
    expect((await post(gateway.url, '/v1/traces', spans('restart', 25))).status).toBe(200);
    await gateway.shutdown();
    mode = 'ok';
    gateway = await start();
    expect(await stored('restart')).toEqual({ n: '25', u: '25' });
  });
});

