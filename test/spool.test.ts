import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RowStore } from '../src/storage/clickhouse/store.ts';
import type { Gateway } from '../src/gateway.ts';
import { rows, startGateway, tempDataDir } from './support/gateway.ts';
import { post, uniqueSpans } from './support/payloads.ts';

/** How the fault-injecting wrapper around the real ClickHouse store behaves right now. */
let mode: 'ok' | 'fail' | 'commit-then-fail' | 'slow' | 'corrupt' | 'hang' = 'ok';
let release: () => void = () => {};
const faulty = (store: RowStore): RowStore => ({
  async insert(table, body, token) {
    if (mode === 'fail') throw new Error('injected: ClickHouse unreachable');
    if (mode === 'commit-then-fail') {
      await store.insert(table, body, token);
      throw new Error('injected: connection reset after the insert committed');
    }
    if (mode === 'slow') await new Promise<void>((resolve) => (release = resolve));
    if (mode === 'hang') return new Promise<void>(() => {});
    // Rows the real engine cannot parse, as if the batch were damaged.
    if (mode === 'corrupt') return store.insert(table, body.replace(/"Timestamp":\d+/g, '"Timestamp":"garbage"'), token);
    return store.insert(table, body, token);
  },
});

const data = tempDataDir();
let gateway: Gateway;
const config = {
  dataDir: data.dir,
  shutdownTimeoutMs: 3000,
  exporter: { maxSpoolBytes: 256 * 1024, retryInitialMs: 20 },
  receiver: { maxInFlightBytes: 64 * 1024, retryAfterSeconds: 2 },
};
beforeAll(async () => {
  gateway = await startGateway(config, { wrapStore: faulty });
});
afterAll(async () => {
  await gateway?.shutdown();
  data.remove();
});

const spans = uniqueSpans;

async function status(): Promise<{ spool: { entries: number; bytes: number }; spooling: boolean }> {
  return (await fetch(`${gateway.url}/api/status`)).json() as never;
}

async function until(check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

const stored = async (service: string) =>
  (await rows<{ n: string; u: string }>(gateway, `SELECT toString(count()) AS n, toString(uniqExact(SpanName)) AS u FROM otel_traces WHERE ServiceName = '${service}'`))[0];

describe('the durable spool', () => {
  it('acknowledges requests while ClickHouse fails, then drains them exactly once when it recovers', async () => {
    mode = 'fail';
    const responses = await Promise.all(Array.from({ length: 10 }, () => post(gateway.url, '/v1/traces', spans('outage', 20))));
    expect(responses.map((r) => r.status)).toEqual(Array(10).fill(200));
    expect(await stored('outage')).toEqual({ n: '0', u: '0' });
    const during = await status();
    expect(during.spooling).toBe(true);
    expect(during.spool.entries).toBeGreaterThan(0);

    mode = 'ok';
    await until(async () => (await status()).spool.entries === 0);
    expect(await stored('outage')).toEqual({ n: '200', u: '200' });
    expect((await status()).spooling).toBe(false);
  });

  it('stores no duplicates when an insert committed but reported failure and was replayed from the spool', async () => {
    mode = 'commit-then-fail';
    const res = await post(gateway.url, '/v1/traces', spans('ambiguous', 30));
    expect(res.status).toBe(200);
    mode = 'ok';
    await until(async () => (await status()).spool.entries === 0);
    expect(await stored('ambiguous')).toEqual({ n: '30', u: '30' });
  });

  it('answers 503 with Retry-After when the spool is full, and recovers by itself', async () => {
    mode = 'fail';
    let refused: Response | undefined;
    for (let i = 0; i < 200 && !refused; i++) {
      const res = await post(gateway.url, '/v1/traces', spans('flood', 40));
      if (res.status !== 200) refused = res;
    }
    expect(refused?.status).toBe(503);
    expect(refused?.headers.get('retry-after')).toBe('2');
    expect(((await refused!.json()) as { message: string }).message).toMatch(/spool full/);

    mode = 'ok';
    await until(async () => (await status()).spool.entries === 0);
    const after = await post(gateway.url, '/v1/traces', spans('after-flood', 5));
    expect(after.status).toBe(200);
    expect(await stored('after-flood')).toEqual({ n: '5', u: '5' });
  });

  it('answers 503 with Retry-After when in-flight bytes reach their bound, and recovers', async () => {
    mode = 'slow';
    const big = spans('inflight', 150); // ~40 KiB each; two exceed the 64 KiB bound
    const first = post(gateway.url, '/v1/traces', big);
    await until(async () => (await (await fetch(`${gateway.url}/metrics`)).text()).includes('otelhouse_receiver_in_flight_bytes 0') === false);
    const second = await post(gateway.url, '/v1/traces', spans('inflight', 150));
    expect(second.status).toBe(503);
    expect(second.headers.get('retry-after')).toBe('2');
    mode = 'ok';
    release();
    expect((await first).status).toBe(200);
    expect((await post(gateway.url, '/v1/traces', spans('inflight', 150))).status).toBe(200);
  });

  it('quarantines a spooled batch the store can never parse instead of blocking the batches behind it', async () => {
    mode = 'corrupt';
    expect((await post(gateway.url, '/v1/traces', spans('poison', 3))).status).toBe(200);
    await until(async () => /otelhouse_spool_rows_quarantined_total\{table="otel_traces"\} 3/.test(await (await fetch(`${gateway.url}/metrics`)).text()));
    expect(readdirSync(join(data.dir, 'spool', 'dead'))).toHaveLength(1);
    mode = 'ok';
    await until(async () => (await status()).spool.entries === 0);
    expect((await post(gateway.url, '/v1/traces', spans('after-poison', 4))).status).toBe(200);
    expect(await stored('after-poison')).toEqual({ n: '4', u: '4' });
  });

  it('shuts down within its bound while ClickHouse hangs, spooling what it could not insert', async () => {
    mode = 'hang';
    const pending = post(gateway.url, '/v1/traces', spans('hung', 7));
    await new Promise((r) => setTimeout(r, 100));
    const started = Date.now();
    await gateway.shutdown();
    expect(Date.now() - started).toBeLessThan(3000);
    expect((await pending).status).toBe(200);
    mode = 'ok';
    gateway = await startGateway(config, { wrapStore: faulty });
    await until(async () => (await status()).spool.entries === 0);
    expect(await stored('hung')).toEqual({ n: '7', u: '7' });
  });

  it('keeps spooled rows across a restart and replays them without duplicates', async () => {
    mode = 'fail';
    expect((await post(gateway.url, '/v1/traces', spans('restart', 25))).status).toBe(200);
    await gateway.shutdown();
    mode = 'ok';
    gateway = await startGateway(config, { wrapStore: faulty });
    await until(async () => (await status()).spool.entries === 0);
    expect(await stored('restart')).toEqual({ n: '25', u: '25' });
  });
});
