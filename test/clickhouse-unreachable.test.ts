import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { validateConfig } from '../src/config/load.ts';
import { createGateway, type Gateway } from '../src/gateway.ts';
import { createLogger } from '../src/ops/logger.ts';
import { startClickHouseHttp, type ClickHouseHttpServer } from './support/clickhouseServer.ts';
import { tempDataDir } from './support/gateway.ts';
import { logsRequest, post, uniqueSpans } from './support/payloads.ts';
import { freePort } from './support/process.ts';

const password = 'SuperSecretPw';
const cleanups: Array<() => unknown> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

async function until(what: string, check: () => Promise<boolean>, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function rows<T>(client: ClickHouseHttpServer['client'], query: string): Promise<T[]> {
  return (await client.query({ query, format: 'JSONEachRow' })).json<T>();
}

describe('a ClickHouse server unreachable at start', () => {
  it('does not stop the start: data is accepted into the write-ahead log, /readyz says why until the server is there, then everything arrives once', async () => {
    // A port nothing listens on: the real connection failure, no fake.
    const port = await freePort();
    const gatewayData = tempDataDir();
    const serverData = tempDataDir('otelhouse-chserver-');
    cleanups.push(gatewayData.remove, serverData.remove);
    const logFile = join(gatewayData.dir, '..', `${gatewayData.dir.split('/').pop()}.log`);
    const fd = openSync(logFile, 'w');
    cleanups.push(() => closeSync(fd));

    const config = validateConfig({
      port: 0,
      logLevel: 'info',
      dataDir: gatewayData.dir,
      sql: { port: 0 },
      exporter: { segmentMaxAgeMs: 50, retryInitialMs: 100 },
      clickhouse: { url: `http://otel:${password}@127.0.0.1:${port}` },
    });
    const gateway: Gateway = await createGateway(config, { logger: createLogger(config, fd) });
    cleanups.push(() => gateway.shutdown());
    await gateway.listen();
    expect(gateway.storeNotReady).toMatch(/ECONNREFUSED/);

    // Accepted (durable in the write-ahead log) while ClickHouse cannot be reached.
    const requests = [uniqueSpans('outage', 10), uniqueSpans('outage', 10), uniqueSpans('outage', 10)];
    for (const body of requests) expect((await post(gateway.url, '/v1/traces', body)).status).toBe(200);
    const errorLog = logsRequest('outage', [{ time: '1700000000000000000', severityNumber: 17, severityText: 'ERROR', body: 'payment failed during the outage' }]);
    expect((await post(gateway.url, '/v1/logs', errorLog)).status).toBe(200);

    // Live, not ready; routes that need the store say why instead of failing one by one.
    expect((await fetch(`${gateway.url}/healthz`)).status).toBe(200);
    const notReady = await fetch(`${gateway.url}/readyz`);
    expect(notReady.status).toBe(503);
    expect(notReady.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(await notReady.json()).toMatchObject({ status: 503, detail: expect.stringMatching(/^ClickHouse is not ready: .*ECONNREFUSED/) });
    expect((await fetch(`${gateway.url}/api/issues`)).status).toBe(503);
    expect((await fetch(`${gateway.url}/v1/config?service.name=outage`)).status).toBe(503);
    expect(await (await fetch(`${gateway.url}/api/status`)).json()).toMatchObject({ store: { notReady: expect.stringMatching(/ECONNREFUSED/) } });
    expect(await gateway.flush(300)).toBe(false);

    // ClickHouse comes up on that port (the real engine behind its HTTP interface): the retries find it.
    const server = await startClickHouseHttp(serverData.dir, port);
    cleanups.push(() => server.close());
    await until('/readyz to turn 200', async () => (await fetch(`${gateway.url}/readyz`)).status === 200);
    expect(gateway.storeNotReady).toBeUndefined();
    expect(await gateway.flush(30_000)).toBe(true);

    const spans = await rows<{ SpanName: string; n: string }>(server.client, `SELECT SpanName, toString(count()) AS n FROM otel_traces WHERE ServiceName = 'outage' GROUP BY SpanName`);
    expect(spans).toHaveLength(30);
    expect(spans.every((r) => r.n === '1')).toBe(true);
    expect(await rows(server.client, `SELECT toString(count()) AS n FROM otel_logs WHERE ServiceName = 'outage'`)).toEqual([{ n: '1' }]);
    expect(await rows(server.client, `SELECT toString(count()) AS n FROM otelhouse_error_events WHERE ServiceName = 'outage'`)).toEqual([{ n: '1' }]);
    expect((await fetch(`${gateway.url}/api/issues`)).status).toBe(200);

    // One line when it could not connect, one when it did; the password in the URL in neither.
    const log = readFileSync(logFile, 'utf8');
    const messages = log.trim().split('\n').map((line) => (JSON.parse(line) as { msg: string }).msg);
    expect(messages.filter((m) => /ClickHouse is unreachable/.test(m))).toHaveLength(1);
    expect(messages.filter((m) => /ClickHouse connected/.test(m))).toHaveLength(1);
    expect(log).toContain(`otel:(hidden)@127.0.0.1:${port}`);
    expect(log).not.toContain(password);
  }, 90_000);
});
