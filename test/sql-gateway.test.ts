import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateConfig } from '../src/config/load.ts';
import type { Gateway } from '../src/gateway.ts';
import { sqlPort } from '../src/query/sql/index.ts';
import { startGateway } from './support/gateway.ts';
import { post, uniqueSpans } from './support/payloads.ts';

/** A TCP port free on loopback right now. */
const freePort = () =>
  new Promise<number>((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });

let gateway: Gateway;
beforeAll(async () => {
  gateway = await startGateway({ sql: { port: await freePort() } });
});
afterAll(() => gateway?.shutdown());

describe('the gateway\'s read-only SQL endpoint', () => {
  it('is on by default at 8123 with the embedded store, and off with a ClickHouse server', () => {
    expect(sqlPort(validateConfig({}).sql, undefined)).toBe(8123);
    expect(sqlPort(validateConfig({ clickhouse: { url: 'http://clickhouse:8123' } }).sql, 'http://clickhouse:8123')).toBe(0);
    expect(sqlPort(validateConfig({ sql: { port: 0 } }).sql, undefined)).toBe(0);
  });

  it('serves what the gateway stored to a SQL client while it runs, and stops with it', async () => {
    expect(gateway.sqlUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(await (await fetch(`${gateway.sqlUrl}/ping`)).text()).toBe('Ok.\n');
    expect((await post(gateway.url, '/v1/traces', uniqueSpans('readable', 3))).status).toBe(200);
    expect(await gateway.flush()).toBe(true);
    const res = await fetch(`${gateway.sqlUrl}/?query=${encodeURIComponent("SELECT count() FROM otel_traces WHERE ServiceName = 'readable' FORMAT TabSeparated")}`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('3\n');
    const url = gateway.sqlUrl;
    await gateway.shutdown();
    await expect(fetch(`${url}/ping`)).rejects.toThrow();
  });
});
